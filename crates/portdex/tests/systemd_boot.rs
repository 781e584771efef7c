//! The systemd unit under a real systemd (issue 17): systemd 252 (this machine's
//! /lib/systemd/systemd) boots as PID 1 in a podman container (`--systemd=always`,
//! `--network none`: the container's own loopback, nothing else), the .deb that
//! `cargo xtask deb` packs is installed there with `dpkg -i`, and the unit is started the
//! way docs/deploy.md tells users to (`systemctl enable --now portdex`). Then what the
//! unit promises is checked on the running service: active (running), a transient
//! (DynamicUser) uid, exactly the unit's capabilities, NoNewPrivs and a seccomp filter;
//! `/metrics` and the API answer inside the container and name the owner of a root
//! process's listener; no filtered syscall is made (the filter switched to killing);
//! IPAddressDeny=/IPAddressAllow= are enforced (or not, on a pure cgroup v1 system,
//! where systemd cannot); `systemctl stop` stops it cleanly.
//!
//! The root filesystem is a temporary directory holding /etc (this machine's users and
//! groups, no enabled service), with this machine's /usr and dpkg database mounted as
//! overlays (podman `:O`: the container writes to a throw-away upper layer, never to the
//! host's). Nothing is pulled or downloaded. The container, its overlays and the
//! directory are removed when the test ends, also when it fails (Drop guards).

mod common;

use common::{have, required};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TEST: &str = "the_unit_runs_under_a_real_systemd";

/// The port of the root-owned listener the service must name the owner of.
const ROOT_PORT: u16 = 7979;

/// The capability numbers of linux/capability.h, by the name systemd units use.
const CAPS: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// An HTTP GET from inside the container (python3 from this machine's /usr): prints the
/// status and the body; exits 3 when no answer comes within the timeout, 4 when the
/// connection is refused.
const GET_PY: &str = r#"import socket, sys, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
try:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        print(r.status)
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
    sys.stdout.write(e.read().decode())
except (socket.timeout, TimeoutError):
    sys.exit(3)
except urllib.error.URLError as e:
    if isinstance(e.reason, (socket.timeout, TimeoutError)):
        sys.exit(3)
    if isinstance(e.reason, ConnectionRefusedError):
        sys.exit(4)
    raise
"#;

/// A listener that root holds inside the container.
const HOLD_PY: &str = r#"import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(600)
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The capability mask of NAMES, as /proc/PID/status prints it.
fn cap_mask(names: &[String]) -> String {
    let mut mask = 0u64;
    for n in names {
        let bit = CAPS
            .iter()
            .position(|c| c == n)
            .unwrap_or_else(|| panic!("{n}: not a capability name"));
        mask |= 1 << bit;
    }
    format!("{mask:016x}")
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn podman() -> Command {
    let mut c = Command::new("podman");
    c.args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"]);
    c
}

/// The container, removed with its overlays when dropped (SIGKILL to its systemd: the
/// kernel and runc take its processes and cgroups with it).
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman()
            .args(["rm", "--force", "--time", "0", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Container {
    /// `sh -c SCRIPT` inside, bounded to 60 s (coreutils' timeout from /usr).
    fn sh(&self, script: &str) -> Output {
        podman()
            .args(["exec", &self.0, "timeout", "60", "sh", "-c", script])
            .output()
            .unwrap()
    }

    /// `sh -c SCRIPT` that must succeed: its stdout.
    fn ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(
            out.status.success(),
            "{script}: {out:?}\n{}",
            self.journal()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The service's journal, for failure messages.
    fn journal(&self) -> String {
        let out = self.sh("journalctl -b --no-pager -o short-monotonic -u portdex -n 60");
        format!(
            "journal of portdex.service:\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    }

    /// `systemctl show -p PROPS portdex` as KEY=VALUE pairs.
    fn show(&self, unit: &str, props: &str) -> Vec<(String, String)> {
        self.ok(&format!("systemctl show -p {props} {unit}"))
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn prop(&self, unit: &str, prop: &str) -> String {
        self.ok(&format!("systemctl show -P {prop} {unit}"))
            .trim()
            .to_owned()
    }

    /// A GET of 127.0.0.1:7878PATH from inside: the exit code of /stage/get.py, the
    /// status and the body.
    fn get(&self, path: &str, timeout: u32) -> (i32, String, String) {
        let out = self.sh(&format!(
            "python3 /stage/get.py http://127.0.0.1:7878{path} {timeout}"
        ));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
        (
            out.status.code().unwrap_or(-1),
            status.to_owned(),
            body.to_owned(),
        )
    }

    /// A GET that must answer 200: the body.
    fn get_ok(&self, path: &str) -> String {
        let (code, status, body) = self.get(path, 10);
        assert!(
            code == 0 && status == "200",
            "GET {path}: exit {code}, status {status:?}: {body}\n{}",
            self.journal()
        );
        body
    }

    /// Writes a drop-in for portdex.service (in /run: gone with the container), or
    /// removes it (None), and restarts the service with it.
    fn drop_in(&self, text: Option<&str>) {
        let dir = "/run/systemd/system/portdex.service.d";
        let write = match text {
            Some(t) => format!("mkdir -p {dir} && printf '%s' '{t}' > {dir}/50-test.conf"),
            None => format!("rm -f {dir}/50-test.conf"),
        };
        self.ok(&format!(
            "{write} && systemctl daemon-reload && systemctl restart portdex"
        ));
        self.listening_now();
    }

    /// The service listens on 127.0.0.1:7878 as soon as `systemctl start` or `restart`
    /// has returned: Type=notify waits for portdex's READY=1, which it sends once bound
    /// (no waiting here, so a unit that counted it started earlier fails). Read from the
    /// container's /proc/net/tcp, so that it also works where the firewall drops a
    /// client's packets.
    fn listening_now(&self) {
        // 127.0.0.1:7878 in LISTEN (0A): 0100007F:1EC6.
        let out = self.sh("grep -q ': 0100007F:1EC6 00000000:0000 0A ' /proc/net/tcp");
        assert!(
            out.status.success(),
            "nothing listens on 127.0.0.1:7878 once systemctl has returned: {out:?}\n{}",
            self.journal()
        );
    }
}

/// The root filesystem: the usr-merged links, /etc with this machine's users and groups
/// (dpkg's statoverrides name them) and alternatives, and no enabled service,
/// multi-user.target as the default, an empty machine-id (systemd makes a transient one),
/// and the mount points.
fn rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    for d in [
        "usr",
        "etc/systemd/system",
        "var/lib/dpkg",
        "var/log",
        "var/tmp",
        "run",
        "tmp",
        "proc",
        "sys",
        "dev",
        "root",
        "stage",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for l in ["bin", "lib", "lib64", "sbin"] {
        let target = std::fs::read_link(Path::new("/").join(l))
            .unwrap_or_else(|e| panic!("/{l} is not a link into /usr (usr-merged): {e}"));
        std::os::unix::fs::symlink(target, root.join(l)).unwrap();
    }
    let etc = root.join("etc");
    for f in ["passwd", "group"] {
        std::fs::copy(Path::new("/etc").join(f), etc.join(f)).unwrap();
    }
    // /usr's links through /etc/alternatives (awk, pager, ...) resolve as here.
    std::fs::create_dir_all(etc.join("alternatives")).unwrap();
    for entry in std::fs::read_dir("/etc/alternatives").unwrap() {
        let entry = entry.unwrap();
        if let Ok(target) = std::fs::read_link(entry.path()) {
            std::os::unix::fs::symlink(target, etc.join("alternatives").join(entry.file_name()))
                .unwrap();
        }
    }
    std::os::unix::fs::symlink("../usr/lib/os-release", etc.join("os-release")).unwrap();
    std::fs::write(etc.join("machine-id"), "").unwrap();
    std::fs::write(etc.join("hostname"), "portdex-systemd-test\n").unwrap();
    std::os::unix::fs::symlink(
        "/lib/systemd/system/multi-user.target",
        etc.join("systemd/system/default.target"),
    )
    .unwrap();
    root
}

/// `cargo xtask deb --profile dev --no-build`: the package of the binary these tests
/// run (as crates/portdex/tests/systemd.rs builds it).
fn build_deb() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let bin = Path::new(env!("CARGO_BIN_EXE_portdex"));
    assert!(
        bin.ends_with("debug/portdex"),
        "{} is not the dev build `--profile dev` packages",
        bin.display()
    );
    let out = Command::new(&cargo)
        .current_dir(repo())
        .args(["xtask", "deb", "--profile", "dev", "--no-build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let deb = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(deb.extension().is_some_and(|e| e == "deb"), "{deb:?}");
    deb
}

fn have_cargo_deb() -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// KEY: VALUE (or KEY=VALUE with SEP '=') lines as pairs.
fn pairs(text: &str, sep: char) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(sep))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {fields:?}"))
}

/// The service's own checks of a running portdex.service: state, user, capabilities,
/// NoNewPrivs, seccomp. Its main pid.
fn check_process(c: &Container, caps: &[String]) -> String {
    // One exec for all of it (each costs a quarter of a second): the unit's state, its
    // status, its main process's status and mounts, systemd's mounts and the accounts.
    let all = c.ok(
        "systemctl show -p ActiveState,SubState,Result,MainPID,User,DynamicUser,NRestarts portdex
         echo @@; SYSTEMD_COLORS=0 systemctl status --no-pager portdex
         pid=$(systemctl show -P MainPID portdex)
         echo @@; cat /proc/$pid/status; echo @@; cat /proc/$pid/mountinfo
         echo @@; cat /proc/1/mountinfo; echo @@; cat /etc/passwd",
    );
    let parts: Vec<&str> = all.split("@@\n").collect();
    assert_eq!(parts.len(), 6, "{all}");
    let [show, status, proc_status, mounts, init_mounts, passwd] = parts[..] else {
        unreachable!()
    };
    let show = pairs(show, '=');
    let get = |k: &str| field(&show, k).to_owned();
    assert_eq!(
        (get("ActiveState").as_str(), get("SubState").as_str()),
        ("active", "running"),
        "{show:?}\n{}",
        c.journal()
    );
    assert_eq!(get("DynamicUser"), "yes", "{show:?}");
    assert_eq!(
        get("NRestarts"),
        "0",
        "restarted: {show:?}\n{}",
        c.journal()
    );
    assert!(status.contains("Active: active (running)"), "{status}");
    let pid = get("MainPID");
    assert_ne!(pid, "0", "{show:?}");

    let st = pairs(proc_status, ':');
    // A transient uid from systemd's DynamicUser range (61184-65519), the same for real,
    // effective, saved and filesystem ids, and no account in /etc/passwd.
    let uids: Vec<u32> = field(&st, "Uid")
        .split_whitespace()
        .map(|u| u.parse().unwrap())
        .collect();
    assert_eq!(uids.len(), 4, "{uids:?}");
    assert!(uids.iter().all(|u| *u == uids[0]), "{uids:?}");
    assert!(
        (61184..=65519).contains(&uids[0]),
        "not a dynamic uid: {uids:?}"
    );
    let gids: Vec<&str> = field(&st, "Gid").split_whitespace().collect();
    assert!(gids.iter().all(|g| *g == uids[0].to_string()), "{gids:?}");
    assert!(
        !passwd
            .lines()
            .any(|l| l.split(':').nth(2) == Some(&uids[0].to_string())),
        "uid {} has an account",
        uids[0]
    );
    // The user systemd names the service's transient account after the unit.
    assert_eq!(get("User"), "portdex", "{show:?}");

    // Exactly the unit's capabilities: effective, permitted, ambient and bounding.
    let mask = cap_mask(caps);
    for key in ["CapEff", "CapPrm", "CapAmb", "CapBnd"] {
        assert_eq!(field(&st, key), mask, "{key} of {caps:?}: {st:?}");
    }
    assert_eq!(field(&st, "NoNewPrivs"), "1", "{st:?}");
    assert_eq!(field(&st, "Seccomp"), "2", "no seccomp filter: {st:?}");

    // ProtectSystem=strict: the service's / (the last mount on it, the one it sees) is
    // read-only in its mount namespace, while the container's own is not.
    let root_options = |info: &str| -> String {
        info.lines()
            .rfind(|l| l.split(' ').nth(4) == Some("/"))
            .and_then(|l| l.split(' ').nth(5))
            .unwrap_or_else(|| panic!("no / in the mountinfo:\n{info}"))
            .to_owned()
    };
    let read_only = |o: &str| o.split(',').any(|o| o == "ro");
    assert!(
        read_only(&root_options(mounts)),
        "/ is writable for the service"
    );
    assert!(
        !read_only(&root_options(init_mounts)),
        "/ is read-only for systemd too"
    );
    pid
}

/// /metrics, /api/v1/listeners and /api/v1/audit answer, and name root's listener's
/// owner (the holder's pid), with no owner hidden.
fn check_answers(c: &Container, holder_pid: u64) {
    let metrics = c.get_ok("/metrics");
    let series = metrics
        .lines()
        .find(|l| {
            l.starts_with("portdex_listener_info{") && l.contains(&format!("port=\"{ROOT_PORT}\""))
        })
        .unwrap_or_else(|| panic!("no series for port {ROOT_PORT}:\n{metrics}"));
    assert!(series.contains("process=\"python3\""), "{series}");
    assert!(
        metrics.lines().any(|l| l == "portdex_owners_hidden 0"),
        "owners hidden:\n{metrics}"
    );

    let listeners: Value = serde_json::from_str(&c.get_ok("/api/v1/listeners")).unwrap();
    assert_eq!(listeners["owners_hidden"], false, "{listeners}");
    let l = listeners["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["port"] == ROOT_PORT)
        .unwrap_or_else(|| panic!("no listener on {ROOT_PORT}: {listeners}"));
    assert_eq!(l["user"], "root", "{l}");
    let pids: Vec<u64> = l["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids, vec![holder_pid], "{l}");
    // The exporter's own listener: its transient user has no line in /etc/passwd and is
    // named from systemd's /run/systemd/dynamic-uid record.
    let own = listeners["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["port"] == 7878)
        .unwrap_or_else(|| panic!("no listener on 7878: {listeners}"));
    assert_eq!(own["user"], "portdex", "{own}");

    let audit: Value = serde_json::from_str(&c.get_ok("/api/v1/audit")).unwrap();
    assert_eq!(audit["owners_hidden"], false, "{audit}");
    assert!(audit["listeners"].as_u64().unwrap() >= 2, "{audit}");
}

/// Whether the service's systemd runs with a cgroup v2 hierarchy (unified, or hybrid with
/// /sys/fs/cgroup/unified), where it attaches the BPF programs of IPAddressDeny=.
fn cgroup2(c: &Container) -> bool {
    let fs = |p: &str| c.ok(&format!("stat -f -c %T {p} 2>/dev/null || true"));
    fs("/sys/fs/cgroup").trim() == "cgroup2fs" || fs("/sys/fs/cgroup/unified").trim() == "cgroup2fs"
}

/// Boots systemd as PID 1 in a podman container named after TAG, on a root filesystem
/// made in DIR/TAG with DIR/stage at /stage. LEGACY: with cgroup v1 only. Waits until
/// start-up is over and requires every unit to have started.
fn boot(dir: &Path, tag: &str, caps: &[String], legacy: bool) -> Container {
    let root = rootfs(&dir.join(tag));
    let stage = dir.join("stage");
    // The container: systemd needs CAP_SYS_ADMIN for the unit's mount namespace
    // (ProtectSystem= and the rest) and its BPF programs, and the unit's capabilities
    // in its own bounding set to hand them on. Only its own loopback (--network none).
    let name = format!("portdex-systemd-{tag}-{}", std::process::id());
    let container = Container(name.clone());
    let cap_add = std::iter::once("SYS_ADMIN".to_owned())
        .chain(caps.iter().map(|c| c.trim_start_matches("CAP_").to_owned()))
        .collect::<Vec<_>>()
        .join(",");
    let out = podman()
        .args(["run", "--detach", "--name", &name, "--systemd=always"])
        .args(["--cap-add", &cap_add, "--network", "none"])
        .args([
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            "nproc=1024:1024",
        ])
        .args(["-v", "/usr:/usr:O", "-v", "/var/lib/dpkg:/var/lib/dpkg:O"])
        .args(if legacy {
            // systemd reads its kernel command line from here when it is set.
            &[
                "--env",
                "SYSTEMD_PROC_CMDLINE=systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1",
            ][..]
        } else {
            &[]
        })
        .arg("-v")
        .arg(format!("{}:/stage:ro", stage.display()))
        .arg("--rootfs")
        .arg(&root)
        .arg("/lib/systemd/systemd")
        .output()
        .unwrap();
    assert!(out.status.success(), "podman run: {out:?}");

    // Booted: is-system-running --wait returns once start-up is over (it fails while
    // systemd's bus is not up yet).
    let deadline = Instant::now() + Duration::from_secs(60);
    let state = loop {
        let out = container.sh("systemctl is-system-running --wait");
        let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if state == "running" || state == "degraded" {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "systemd did not boot: {state:?} {out:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        state,
        "running",
        "{}",
        container.ok("systemctl --failed --no-pager")
    );
    assert_eq!(container.ok("cat /proc/1/comm").trim(), "systemd");

    container
}

/// The package installed as a user installs it (`dpkg -i`), and the unit enabled and
/// started as docs/deploy.md says.
fn install_and_enable(c: &Container) {
    c.ok("dpkg -i /stage/portdex.deb");
    c.ok("systemctl enable --now portdex");
    assert_eq!(c.prop("portdex", "UnitFileState"), "enabled");
    c.listening_now();
}

/// With a drop-in that takes localhost out of IPAddressAllow=, a scrape from root in the
/// container (outside the service's cgroup) goes unanswered where systemd enforces the
/// unit's IPAddressDeny=any (ENFORCED), and is answered where it cannot.
fn check_firewall(c: &Container, enforced: bool) {
    assert_eq!(
        c.prop("portdex", "IPAddressAllow"),
        "127.0.0.2/32",
        "the drop-in did not reset IPAddressAllow="
    );
    let (code, status, body) = c.get("/metrics", 3);
    if enforced {
        assert_eq!(
            code, 3,
            "IPAddressDeny= is not enforced: exit {code}, {status}: {body}"
        );
    } else {
        assert_eq!(
            (code, status.as_str()),
            (0, "200"),
            "cgroup v1, yet: {body}"
        );
    }
}

#[test]
fn the_unit_runs_under_a_real_systemd() {
    if !required(
        TEST,
        rustix::process::geteuid().is_root()
            && have("podman")
            && (have("runc") || Path::new("/usr/sbin/runc").exists())
            && Path::new("/lib/systemd/systemd").exists()
            && have("python3")
            && have("dpkg")
            && have_cargo_deb(),
        "needs root, podman, runc, systemd, python3, dpkg and cargo install cargo-deb",
    ) {
        return;
    }
    let started = Instant::now();
    let unit = common::unit();
    let caps = common::unit_words(&unit, "AmbientCapabilities");
    assert!(!caps.is_empty(), "the unit grants no capability");
    let mut bounding = common::unit_words(&unit, "CapabilityBoundingSet");
    bounding.sort();
    let mut sorted = caps.clone();
    sorted.sort();
    assert_eq!(
        sorted, bounding,
        "the bounding set is the granted capabilities"
    );

    let deb = build_deb();
    let dir = TempDir(std::env::temp_dir().join(format!("portdex-sysd-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let stage = dir.0.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(&deb, stage.join("portdex.deb")).unwrap();
    std::fs::write(stage.join("get.py"), GET_PY).unwrap();
    std::fs::write(stage.join("hold.py"), HOLD_PY).unwrap();
    let deb_done = started.elapsed();

    let container = boot(&dir.0, "main", &caps, false);
    let name = container.0.clone();
    install_and_enable(&container);

    // A listener that root holds (a service of its own), its pid.
    container.ok(&format!(
        "systemd-run --quiet --unit=portdex-test-root --property=Type=exec python3 /stage/hold.py {ROOT_PORT}"
    ));
    let holder_pid: u64 = container
        .prop("portdex-test-root", "MainPID")
        .parse()
        .unwrap();
    assert_ne!(holder_pid, 0);

    // The unit as shipped: a refused syscall fails with EPERM.
    assert_eq!(container.prop("portdex", "SystemCallErrorNumber"), "1");
    let pid = check_process(&container, &caps);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (code, _, body) = container.get("/api/v1/listeners", 5);
        if code == 0 && body.contains(&format!("\"port\":{ROOT_PORT}")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the service does not answer or does not see {ROOT_PORT}: exit {code}: {body}\n{}",
            container.journal()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    check_answers(&container, holder_pid);
    // Still the same process, not restarted, nothing killed.
    assert_eq!(check_process(&container, &caps), pid);
    let journal = container.ok("journalctl -b --no-pager -o cat -u portdex");
    for bad in ["SIGSYS", "core-dump", "code=killed", "Failed with result"] {
        assert!(!journal.contains(bad), "{bad} in the journal:\n{journal}");
    }

    // No syscall the filter refuses: with SystemCallErrorNumber=kill a refused call
    // kills the service with SIGSYS instead of failing with EPERM unseen.
    container.drop_in(Some("[Service]\nSystemCallErrorNumber=kill\n"));
    // (systemd shows "kill" as its SECCOMP_ERROR_NUMBER_KILL, INT_MAX - 1.)
    assert_eq!(
        container.prop("portdex", "SystemCallErrorNumber"),
        (i32::MAX - 1).to_string(),
        "the drop-in did not switch the filter to killing"
    );
    let pid = check_process(&container, &caps);
    check_answers(&container, holder_pid);
    assert_eq!(
        check_process(&container, &caps),
        pid,
        "{}",
        container.journal()
    );
    let journal = container.ok("journalctl -b --no-pager -o cat -u portdex");
    assert!(!journal.contains("SIGSYS"), "{journal}");

    // IPAddressDeny=any with IPAddressAllow=localhost: with localhost taken out of the
    // allowed list the same scrape must go unanswered, where systemd can enforce it.
    container.drop_in(Some(
        "[Service]\nIPAddressAllow=\nIPAddressAllow=127.0.0.2\n",
    ));
    check_process(&container, &caps);
    let enforced = cgroup2(&container);
    if !enforced {
        eprintln!(
            "NOTE {TEST}: systemd found no cgroup v2 hierarchy here: IPAddressDeny= unenforced"
        );
    }
    check_firewall(&container, enforced);
    container.drop_in(None);
    let mut allowed: Vec<String> = container
        .prop("portdex", "IPAddressAllow")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    allowed.sort();
    assert_eq!(allowed, ["127.0.0.0/8", "::1/128"], "localhost, as shipped");
    check_process(&container, &caps);
    container.get_ok("/metrics");

    // Stopped cleanly: SIGTERM, exit 0, nothing listening.
    container.ok("systemctl stop portdex");
    let show = container.show(
        "portdex",
        "ActiveState,Result,ExecMainCode,ExecMainStatus,MainPID",
    );
    assert_eq!(field(&show, "ActiveState"), "inactive", "{show:?}");
    assert_eq!(field(&show, "Result"), "success", "{show:?}");
    assert_eq!(field(&show, "ExecMainCode"), "1", "not exited: {show:?}"); // CLD_EXITED
    assert_eq!(field(&show, "ExecMainStatus"), "0", "{show:?}");
    let (code, _, _) = container.get("/metrics", 3);
    assert_eq!(code, 4, "something still answers on 7878");

    drop(container);
    let out = podman()
        .args(["container", "exists", &name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the container is still there");
    let main_done = started.elapsed();

    // The same systemd on a pure cgroup v1 ("legacy") system, as a kernel command line
    // with systemd.unified_cgroup_hierarchy=0 makes it: no cgroup v2 hierarchy, so no
    // cgroup BPF, so IPAddressDeny= is not enforced (what docs/deploy.md and the unit
    // say). The service itself runs the same.
    let legacy = boot(&dir.0, "legacy", &caps, true);
    assert!(
        !cgroup2(&legacy),
        "systemd.unified_cgroup_hierarchy=0 was not taken"
    );
    install_and_enable(&legacy);
    check_process(&legacy, &caps);
    legacy.get_ok("/metrics");
    legacy.drop_in(Some(
        "[Service]\nIPAddressAllow=\nIPAddressAllow=127.0.0.2\n",
    ));
    check_process(&legacy, &caps);
    check_firewall(&legacy, false);
    drop(legacy);

    eprintln!(
        "{TEST}: .deb {:.1} s, systemd with cgroup v2 {:.1} s, legacy {:.1} s (IPAddressDeny= enforced with v2: {enforced})",
        deb_done.as_secs_f64(),
        (main_done - deb_done).as_secs_f64(),
        (started.elapsed() - main_done).as_secs_f64()
    );
}
