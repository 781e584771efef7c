//! `cargo xtask deb [--profile NAME] [--no-build]`: the Debian package. Builds the binary
//! (release unless another Cargo profile is named; `--no-build` takes the one there: the
//! tests package the `dev` build they already have, which cargo-deb strips, instead of a
//! fat-LTO build of minutes), has it write its
//! man pages and its bash, zsh and fish completions into `target/<host>/<profile>/deb-assets`
//! (the files `[package.metadata.deb]` in crates/portdex/Cargo.toml installs; cargo-deb
//! reads its `target/release/` paths as the profile's directory), then runs
//! `cargo deb --no-build` (`cargo install cargo-deb`). Prints the path of the .deb.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The host's target triple, which .cargo/config.toml builds for.
fn host() -> Result<String, String> {
    let v = run(Command::new("rustc").arg("-vV"))?;
    v.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("rustc -vV names no host: {v}"))
}

/// Builds the package with the binary of Cargo profile `profile` (built first unless
/// `no_build`: the tests package the binary their own build made, which a second
/// `cargo build -p portdex` could replace while other tests run it); its path.
pub fn build(root: &Path, profile: &str, no_build: bool) -> Result<PathBuf, String> {
    let host = host()?;
    if !no_build {
        run(Command::new("cargo").current_dir(root).args([
            "build",
            "--profile",
            profile,
            "--locked",
            "-p",
            "portdex",
            "--target",
            &host,
        ]))?;
    }
    // Cargo's directory for the profile: `dev` builds into `debug`.
    let dir = if profile == "dev" { "debug" } else { profile };
    let release = root.join("target").join(&host).join(dir);
    let bin = release.join("portdex");
    let assets = release.join("deb-assets");
    let _ = std::fs::remove_dir_all(&assets);
    let man = assets.join("man");
    let completions = assets.join("completions");
    std::fs::create_dir_all(&man).map_err(|e| format!("{}: {e}", man.display()))?;
    std::fs::create_dir_all(&completions).map_err(|e| format!("{}: {e}", completions.display()))?;
    run(Command::new(&bin).arg("man").arg("--output-dir").arg(&man))?;
    // Each shell's own file name, where the package puts it.
    for (shell, file) in [
        ("bash", "portdex"),
        ("zsh", "_portdex"),
        ("fish", "portdex.fish"),
    ] {
        let script = run(Command::new(&bin).args(["completions", shell]))?;
        let path = completions.join(file);
        std::fs::write(&path, script).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let out = run(Command::new("cargo").current_dir(root).args([
        "deb",
        "-p",
        "portdex",
        "--no-build",
        "--profile",
        profile,
        "--target",
        &host,
    ]))?;
    let deb = out
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with(".deb"))
        .ok_or_else(|| format!("cargo deb did not name its package: {out}"))?;
    Ok(PathBuf::from(deb.trim()))
}
