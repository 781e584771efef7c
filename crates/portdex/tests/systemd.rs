//! The systemd unit (deploy/systemd/portdex.service): `systemd-analyze verify` clean,
//! its `systemd-analyze security` exposure as docs/deploy.md states it, and its
//! capabilities, read from the unit itself, tried for real: the binary run with
//! `setpriv` as nobody with exactly those capabilities names the owner of a socket that
//! root holds, and without any one of them the owner is hidden (and said to be).
//! Sockets are held and served on 127.0.0.1 only.

mod common;

use common::{have, required, serve_command, Helper};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("portdex")
}

/// A fresh directory for TEST under the system's temporary directory.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portdex-systemd-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The capabilities the unit grants: AmbientCapabilities=, which must be exactly the
/// bounding set, as setpriv names them (`dac_read_search`).
fn unit_caps() -> Vec<String> {
    let u = common::unit();
    let words = |key: &str| {
        let mut v = common::unit_words(&u, key);
        v.sort();
        v
    };
    let ambient = words("AmbientCapabilities");
    assert!(!ambient.is_empty(), "the unit grants no capability");
    assert_eq!(
        ambient,
        words("CapabilityBoundingSet"),
        "the bounding set is exactly the granted capabilities"
    );
    ambient
        .iter()
        .map(|c| {
            c.strip_prefix("CAP_")
                .unwrap_or_else(|| panic!("{c}: not a capability name"))
                .to_lowercase()
        })
        .collect()
}

/// The unit copied into DIR with ExecStart's /usr/bin/portdex replaced by the debug
/// binary, and the man pages `portdex man` writes in DIR/man (for Documentation=).
fn installed_copy(dir: &Path) -> PathBuf {
    let text = common::unit();
    assert_eq!(
        text.matches("/usr/bin/portdex ").count(),
        1,
        "ExecStart names /usr/bin/portdex once"
    );
    let copy = dir.join("portdex.service");
    std::fs::write(
        &copy,
        text.replace("/usr/bin/portdex ", &format!("{} ", bin().display())),
    )
    .unwrap();
    let man1 = dir.join("man/man1");
    std::fs::create_dir_all(&man1).unwrap();
    let out = Command::new(bin())
        .args(["man", "--output-dir"])
        .arg(&man1)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    copy
}

#[test]
fn unit_verifies_clean() {
    if !required(
        "unit_verifies_clean",
        have("systemd-analyze"),
        "needs systemd-analyze (systemd)",
    ) {
        return;
    }
    let dir = temp_dir("verify");
    let copy = installed_copy(&dir);
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", dir.join("man"))
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "verify failed: {said}");
    assert_eq!(said.trim(), "", "verify has something to say");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn security_exposure_is_the_documented_one() {
    if !required(
        "security_exposure_is_the_documented_one",
        have("systemd-analyze"),
        "needs systemd-analyze (systemd)",
    ) {
        return;
    }
    let dir = temp_dir("security");
    let copy = installed_copy(&dir);
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&copy)
        .env("SYSTEMD_COLORS", "0")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let level = text
        .split("Overall exposure level for portdex.service:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no exposure level: {out:?}"));
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/deploy.md"))
            .unwrap();
    assert!(
        doc.contains(&format!(
            "Overall exposure level for portdex.service: {level} "
        )),
        "docs/deploy.md does not state the exposure {level}"
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    assert!(
        readme.contains(&format!("exposure {level})")),
        "README.md does not state the exposure {level}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// setpriv's arguments for nobody with exactly CAPS (inheritable, ambient and bounding).
fn as_nobody_with(caps: &[String]) -> Command {
    let mut c = Command::new("/usr/bin/setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    let plus: Vec<String> = caps.iter().map(|c| format!("+{c}")).collect();
    let bounding = std::iter::once("-all".to_owned())
        .chain(plus.iter().cloned())
        .collect::<Vec<_>>()
        .join(",");
    c.arg(format!("--bounding-set={bounding}"));
    if !caps.is_empty() {
        c.arg(format!("--inh-caps={}", plus.join(",")));
        c.arg(format!("--ambient-caps={}", plus.join(",")));
    }
    c.arg(bin());
    // As systemd starts a DynamicUser= service: HOME=/, nothing of root's.
    c.env("HOME", "/")
        .env_remove("XDG_DATA_HOME")
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    c
}

fn can_switch_user(test: &str) -> bool {
    required(
        test,
        rustix::process::geteuid().is_root() && Path::new("/usr/bin/setpriv").exists(),
        "needs root and setpriv (util-linux)",
    )
}

/// As nobody with CAPS: the pids `portdex ls --json --port PORT` names as the owners,
/// and whether `portdex who PORT --json` says this port's owner is hidden.
fn ls_as_nobody(caps: &[String], port: u16) -> (bool, Vec<u64>) {
    let run = |args: &[&str]| -> Value {
        let out = as_nobody_with(caps).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{caps:?} {args:?}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let port_arg = port.to_string();
    let v = run(&["ls", "--json", "--port", &port_arg]);
    let listeners = v["listeners"].as_array().unwrap();
    assert_eq!(listeners.len(), 1, "{caps:?}: {v}");
    assert_eq!(listeners[0]["user"], "root", "the socket is root's");
    let pids = listeners[0]["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    let who = run(&["who", &port_arg, "--json"]);
    (who["owners_hidden"].as_bool().unwrap(), pids)
}

#[test]
fn the_units_capabilities_and_no_fewer_name_other_users_owners() {
    if !can_switch_user("the_units_capabilities_and_no_fewer_name_other_users_owners") {
        return;
    }
    let caps = unit_caps();
    // root holds the socket; portdex runs as nobody.
    let h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];

    let (hidden, pids) = ls_as_nobody(&caps, port);
    assert!(!hidden, "with {caps:?} nothing should be hidden");
    assert_eq!(pids, vec![u64::from(h.pid())], "with {caps:?}");

    // Each capability is needed: without any one of them (and without all) the owner
    // is hidden, and the answer says so rather than showing a socket without owner.
    let mut fewer: Vec<Vec<String>> = (0..caps.len())
        .map(|i| {
            let mut c = caps.clone();
            c.remove(i);
            c
        })
        .collect();
    fewer.push(Vec::new());
    for less in fewer {
        let (hidden, pids) = ls_as_nobody(&less, port);
        assert!(pids.is_empty(), "with only {less:?} the owner was named");
        assert!(
            hidden,
            "with only {less:?} the owner is hidden but not said to be"
        );
    }
}

/// An HTTP/1.0 GET on loopback that must succeed: the body.
fn get(addr: &str, path: &str) -> String {
    let (status, body) = common::get10(addr, path);
    assert!(status.contains(" 200 "), "{status}");
    body
}

#[test]
fn the_units_command_exports_other_users_owners() {
    if !can_switch_user("the_units_command_exports_other_users_owners") {
        return;
    }
    let caps = unit_caps();
    // ExecStart as systemd would run it, on a free loopback port and with the default
    // (empty) PORTDEX_ARGS.
    let exec = common::unit_settings(&common::unit(), "ExecStart");
    assert_eq!(exec.len(), 1, "one ExecStart: {exec:?}");
    let words: Vec<&str> = exec[0].split_whitespace().collect();
    assert_eq!(words[0], "/usr/bin/portdex");
    let args: Vec<&str> = words[1..]
        .iter()
        .filter(|w| **w != "$PORTDEX_ARGS")
        .map(|w| match *w {
            "${PORTDEX_BIND}" => "127.0.0.1:0",
            w => w,
        })
        .collect();
    assert!(
        args.iter().all(|a| !a.contains('$')),
        "an unknown variable in ExecStart: {args:?}"
    );
    let bind = common::unit_settings(&common::unit(), "Environment")
        .into_iter()
        .find_map(|e| e.strip_prefix("PORTDEX_BIND=").map(str::to_owned))
        .expect("the unit sets PORTDEX_BIND");
    assert!(
        bind.starts_with("127.0.0.1:"),
        "the default bind is loopback: {bind}"
    );

    let h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];
    let series = |caps: &[String]| -> String {
        let mut cmd = as_nobody_with(caps);
        cmd.args(&args);
        let (_server, addr) = serve_command(cmd);
        // (portdex_owners_hidden is about every socket of the machine, some of which
        // may belong to processes no capability opens, such as a sandbox's init from a
        // parent user namespace: this test looks at its own socket.)
        let metrics = get(&addr, "/metrics");
        metrics
            .lines()
            .find(|l| {
                l.starts_with("portdex_listener_info{") && l.contains(&format!("port=\"{port}\""))
            })
            .unwrap_or_else(|| panic!("no series for port {port}:\n{metrics}"))
            .to_owned()
    };
    let with = series(&caps);
    assert!(with.contains("process=\"python3\""), "{with}");
    let without = series(&[]);
    assert!(without.contains("process=\"\""), "{without}");
}

/// Removes the package when dropped, so that a failed check leaves nothing installed.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["-r", "portdex"]).output();
    }
}

fn installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "portdex"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The .deb, for real: `cargo xtask deb` packaging the binary these tests run (the
/// `dev` build, which cargo-deb strips; a release build takes minutes and is the same
/// package otherwise), `dpkg -i`, what a user does with it, and `dpkg -r`.
#[test]
fn deb_installs_works_and_removes_cleanly() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let have_cargo_deb = Command::new(&cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !required(
        "deb_installs_works_and_removes_cleanly",
        rustix::process::geteuid().is_root()
            && have("dpkg")
            && have_cargo_deb
            && have("zsh")
            && have("fish")
            && have("systemd-analyze"),
        "needs root, dpkg, cargo install cargo-deb, zsh, fish and systemd-analyze",
    ) {
        return;
    }
    assert!(
        !installed(),
        "a portdex package is installed already: not replacing it"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // `--no-build`: the package holds this very binary (a `cargo build -p portdex` here
    // could rebuild it, with other features, under the tests running it).
    let bin = Path::new(env!("CARGO_BIN_EXE_portdex"));
    assert!(
        bin.ends_with("debug/portdex"),
        "{} is not the dev build `--profile dev` packages",
        bin.display()
    );
    let out = Command::new(&cargo)
        .current_dir(&root)
        .args(["xtask", "deb", "--profile", "dev", "--no-build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let deb = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(deb.ends_with(".deb"), "{deb}");

    let out = Command::new("dpkg").args(["-i", &deb]).output().unwrap();
    let guard = Installed;
    assert!(out.status.success(), "{out:?}");

    let out = Command::new("/usr/bin/portdex")
        .arg("443")
        .env("LANG", "C")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("https"));
    for page in ["portdex", "portdex-serve"] {
        let out = Command::new("man").args(["-w", page]).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("/usr/share/man/man1/{page}.1")
        );
    }
    // Each shell's own search path holds the file.
    let bash = "/usr/share/bash-completion/completions/portdex";
    assert!(Path::new(bash).exists(), "{bash}");
    let zsh = Command::new("zsh")
        .args(["-fc", "print -l $fpath"])
        .output()
        .unwrap();
    let zsh_dir = "/usr/share/zsh/vendor-completions";
    assert!(String::from_utf8_lossy(&zsh.stdout)
        .lines()
        .any(|l| l == zsh_dir));
    assert!(Path::new(zsh_dir).join("_portdex").exists());
    let fish = Command::new("fish")
        .args(["-c", "printf '%s\\n' $fish_complete_path"])
        .output()
        .unwrap();
    let fish_dir = "/usr/share/fish/vendor_completions.d";
    assert!(String::from_utf8_lossy(&fish.stdout)
        .lines()
        .any(|l| l == fish_dir));
    assert!(Path::new(fish_dir).join("portdex.fish").exists());
    // fish loads it and completes a subcommand with it.
    let out = Command::new("fish")
        .args(["-c", "complete -C 'portdex ser'"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("serve"),
        "{out:?}"
    );
    let unit = "/lib/systemd/system/portdex.service";
    let out = Command::new("systemd-analyze")
        .args(["verify", unit])
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{out:?}"
    );
    assert!(Path::new("/usr/share/portdex/prometheus/portdex-rules.yml").exists());

    drop(guard);
    assert!(!installed(), "dpkg -r left the package");
    for path in [
        "/usr/bin/portdex",
        unit,
        bash,
        "/usr/share/man/man1/portdex.1",
    ] {
        assert!(!Path::new(path).exists(), "{path} left behind");
    }
}
