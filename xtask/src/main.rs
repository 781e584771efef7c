//! Developer tasks for portdex.
//!
//! `cargo xtask gen` regenerates the registry tables that `portdex-registry` embeds, from
//! IANA's registry CSV and the 2015 snapshot (history only) in `data/sources/` and the
//! curated knowledge in `data/knowledge/`. `cargo xtask check` fails when the committed tables are stale.
//! `cargo xtask deb [--profile NAME] [--no-build]` builds the Debian package (release
//! build unless another profile is named, man pages, completions).
//! The generated files are committed, so building portdex never needs this tool.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod deb;
mod generate;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the workspace root")
        .to_path_buf()
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = root();
    let result = match task.as_str() {
        "gen" => generate::write(&root).map(|stats| {
            println!("{stats}");
        }),
        "check" => generate::check(&root),
        "deb" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let no_build = args.iter().any(|a| a == "--no-build");
            let rest: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .filter(|a| *a != "--no-build")
                .collect();
            let profile = match rest.as_slice() {
                [] => "release",
                ["--profile", name] if !name.is_empty() => name,
                _ => {
                    eprintln!("usage: cargo xtask deb [--profile NAME] [--no-build]");
                    return ExitCode::from(2);
                }
            };
            deb::build(&root, profile, no_build)
                .map(|deb| println!("{}", deb.display()))
                .map_err(Into::into)
        }
        _ => {
            eprintln!("usage: cargo xtask gen | check | deb [--profile NAME] [--no-build]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}
