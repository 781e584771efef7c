//! End-to-end tests with real containers (issue 16): podman (conmon holds the published
//! ports; netavark's DNAT forwards them) and Docker (docker-proxy holds them), each with
//! an image made here from busybox-static (`tar -C rootfs -c . | podman import -`):
//! no registry is reached, nothing is pulled. The containers publish on 127.0.0.1 and
//! on every address of this machine; the tests connect only to 127.0.0.1. Everything
//! they start is removed when they end, also when they fail (Drop guards).

mod common;

use common::{portdex, required};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether /bin/busybox is statically linked (no PT_INTERP program header): the image
/// has nothing else, so a dynamic busybox (Debian's `busybox` package) cannot run in it.
fn static_busybox() -> Option<PathBuf> {
    let path = PathBuf::from("/bin/busybox");
    let elf = std::fs::read(&path).ok()?;
    if elf.get(..4)? != b"\x7fELF" || elf.get(4)? != &2 {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let phoff = u64::from_le_bytes(elf.get(0x20..0x28)?.try_into().ok()?) as usize;
    let (size, count) = (usize::from(u16_at(0x36)?), usize::from(u16_at(0x38)?));
    for i in 0..count {
        let at = phoff + i * size;
        let kind = u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?);
        if kind == 3 {
            return None;
        }
    }
    Some(path)
}

/// A root filesystem of busybox alone: bin/busybox, a relative link per applet, and a
/// page to serve in /www. Returns the directory holding `rootfs`.
fn busybox_rootfs(busybox: &Path, tag: &str) -> TempDir {
    let dir =
        TempDir(std::env::temp_dir().join(format!("portdex-ctr-{tag}-{}", std::process::id())));
    let root = dir.0.join("rootfs");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("www")).unwrap();
    std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
    let list = Command::new(busybox).arg("--list").output().unwrap();
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" && !applet.is_empty() {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
        }
    }
    std::fs::write(root.join("www/index.html"), "portdex container test\n").unwrap();
    dir
}

/// `tar -C rootfs -c . | ENGINE [ENV] import - IMAGE`.
fn import(engine: &mut Command, rootfs: &Path, image: &str) {
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(rootfs)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = engine
        .args(["import", "-", image])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(tar.wait().unwrap().success());
    assert!(out.status.success(), "import: {out:?}");
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a cleanup command when dropped (container and image removal).
struct Cleanup(Vec<Command>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.stdout(Stdio::null()).stderr(Stdio::null()).status();
        }
    }
}

/// Two different ports no one uses now (the kernel's choice, both held while chosen).
fn unused_ports() -> (u16, u16) {
    let a = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let b = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

fn podman() -> Command {
    let mut c = Command::new("podman");
    c.args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"]);
    c
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    out
}

/// Waits until an HTTP GET of / on 127.0.0.1:PORT answers with the test page.
fn wait_for_page(port: u16) {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if body.contains("portdex container test") {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the container did not answer on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What portdex says of one published container, checked the same way for each
/// engine: `ls` (table and JSON), `who` (text and JSON), `kill` (refusal, advice,
/// exit 2, with --yes too), `audit` (a finding on the port published on every address
/// naming the container; none on the loopback one) and the audit's JSON.
struct Expect<'a> {
    engine: &'a str,
    name: &'a str,
    image: &'a str,
    publisher: &'a str,
    loopback: u16,
    everywhere: u16,
    stop: String,
    rule: &'a str,
}

fn check(e: &Expect) {
    // ls: the publisher with the container's name; JSON: the container.
    let out = portdex()
        .args(["ls", "--port", &e.loopback.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout(&out).contains(&format!("{} ({})", e.publisher, e.name)),
        "{}",
        stdout(&out)
    );
    let out = portdex().args(["ls", "--json"]).output().unwrap();
    let ls: Value = serde_json::from_slice(&out.stdout).unwrap();
    let l = ls["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["port"] == e.loopback && l["address"] == "127.0.0.1")
        .unwrap_or_else(|| panic!("no listener on {}: {ls}", e.loopback));
    let c = &l["container"];
    assert_eq!(c["engine"], e.engine, "{l}");
    assert_eq!(c["name"], e.name, "{l}");
    assert_eq!(c["image"], e.image, "{l}");
    assert_eq!(c["process"], "httpd", "{l}");
    assert_eq!(c["id"].as_str().unwrap().len(), 64, "{l}");
    let pid = c["pid"].as_u64().unwrap();
    // The container's main process is httpd, in a network namespace of its own.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "httpd");
    let ns = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    assert_eq!(ns.to_str().unwrap(), format!("net:[{}]", c["netns"]), "{l}");
    assert_ne!(ns, std::fs::read_link("/proc/self/ns/net").unwrap());
    let published = c["published"].as_array().unwrap();
    for (ip, port) in [("127.0.0.1", e.loopback), ("0.0.0.0", e.everywhere)] {
        assert!(
            published.iter().any(|p| p["host_ip"] == ip
                && p["host_port"] == port
                && p["container_port"] == 80
                && p["transport"] == "tcp"),
            "{ip}:{port} not in {c}"
        );
    }
    // A listener of no container has no container field: on the host's side, one no
    // publisher holds; inside a namespace, one of a namespace that is no container's.
    let plain = ls["listeners"].as_array().unwrap().iter().filter(|l| {
        l.get("netns").is_none()
            && !l["processes"].as_array().unwrap().iter().any(|p| {
                let n = p["name"].as_str().unwrap();
                n == "conmon" || n == "docker-proxy"
            })
    });
    for l in plain {
        assert!(l.get("container").is_none(), "{l}");
    }
    // httpd's own listener, inside the container's network namespace (ls lists every
    // namespace), is the container's too.
    let inside: Vec<&Value> = ls["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["netns"] == c["netns"])
        .collect();
    assert!(
        inside
            .iter()
            .any(|l| l["port"] == 80 && l["container"]["name"] == e.name),
        "httpd on 80 inside {}: {inside:?}",
        c["netns"]
    );

    // who: the sentence the user wanted.
    let out = portdex()
        .args(["who", &e.loopback.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let want = format!(
        "{} container {} (image {}), published 127.0.0.1:{} → 80/tcp, httpd pid {pid} inside",
        e.engine, e.name, e.image, e.loopback
    );
    assert!(
        stdout(&out).contains(&want),
        "{}\nwant: {want}",
        stdout(&out)
    );
    let out = portdex()
        .args(["who", &e.everywhere.to_string(), "--json"])
        .output()
        .unwrap();
    let who: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        who["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["container"]["name"] == e.name),
        "{who}"
    );
    // In Japanese too.
    let out = portdex()
        .env("LANG", "ja_JP.UTF-8")
        .args(["who", &e.loopback.to_string()])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains(&format!("{} コンテナ {}", e.engine, e.name)),
        "{}",
        stdout(&out)
    );

    // kill: refused, with the command that stops the container; --yes changes nothing.
    for extra in [&[][..], &["--yes"][..], &["--yes", "--signal", "KILL"][..]] {
        let out = portdex()
            .args(["kill", &e.loopback.to_string()])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {out:?}");
        let err = stderr(&out);
        assert!(err.contains(&format!("`{}`", e.stop)), "{err}");
        assert!(err.contains(e.publisher), "{err}");
        assert!(stdout(&out).is_empty(), "{out:?}");
    }
    wait_for_page(e.loopback);

    // audit: the port published on every address is a finding naming the container.
    let out = portdex().args(["audit", "--json"]).output().unwrap();
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = audit["findings"].as_array().unwrap();
    let ours: Vec<&Value> = findings
        .iter()
        .filter(|f| f["container"]["name"] == e.name)
        .collect();
    assert!(
        ours.iter()
            .any(|f| f["rule"] == e.rule && f["port"] == e.everywhere),
        "{audit}"
    );
    assert!(ours.iter().all(|f| f["port"] != e.loopback), "{audit}");
    // Nothing says "portdex does not know what this is": the container is known.
    assert!(
        ours.iter().all(|f| f["rule"] != "unknown-exposed"),
        "{audit}"
    );
    let out = portdex().arg("audit").output().unwrap();
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains(&format!("container {}", e.name)) && l.contains("80/tcp"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(e.image), "{line}");
}

/// podman: conmon holds the published ports (a reservation; netavark's DNAT rules carry
/// the packets). The name and image come from podman's state files: no `podman system
/// service` runs.
#[test]
fn podman_container_is_named_and_never_signalled() {
    let Some(busybox) = static_busybox() else {
        required(
            "podman_container_is_named_and_never_signalled",
            false,
            "apt-get install busybox-static",
        );
        return;
    };
    if !required(
        "podman_container_is_named_and_never_signalled",
        common::have("podman")
            && common::have("runc")
            && Path::new("/usr/lib/podman/netavark").exists(),
        "apt-get install podman runc netavark",
    ) {
        return;
    }
    let tag = std::process::id();
    let (image, name) = (
        format!("localhost/pdx-test-{tag}"),
        format!("pdx-web-{tag}"),
    );
    let dir = busybox_rootfs(&busybox, "podman");
    let mut rm = podman();
    rm.args(["rm", "-f", "-t", "0", &name]);
    let mut rmi = podman();
    rmi.args(["rmi", "-f", &image]);
    let _cleanup = Cleanup(vec![rm, rmi]);
    import(&mut podman(), &dir.0.join("rootfs"), &image);
    let (loopback, everywhere) = unused_ports();
    run(podman().args([
        "run",
        "-d",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        "-p",
        &format!("127.0.0.1:{loopback}:80"),
        "-p",
        &format!("{everywhere}:80"),
        "--name",
        &name,
        &image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
    ]));
    wait_for_page(loopback);
    check(&Expect {
        engine: "podman",
        name: &name,
        image: &format!("{image}:latest"),
        publisher: "conmon",
        loopback,
        everywhere,
        stop: format!("podman stop {name}"),
        rule: "container-published",
    });
    // The lookup by network namespace (for the namespaces `ls` groups listeners by)
    // finds it from the container's main process.
    let out = portdex()
        .args(["ls", "--json", "--port", &loopback.to_string()])
        .output()
        .unwrap();
    let ls: Value = serde_json::from_slice(&out.stdout).unwrap();
    let netns = ls["listeners"][0]["container"]["netns"].as_u64().unwrap();
    let by_netns = portdex_net::container::by_netns();
    let found = by_netns
        .get(&netns)
        .unwrap_or_else(|| panic!("{netns}: {by_netns:?}"));
    assert_eq!(found.name.as_deref(), Some(name.as_str()));
    assert_eq!(
        portdex_net::container::container_for_netns(netns).and_then(|c| c.name),
        Some(name.clone())
    );
    // The Prometheus exporter labels the listener with the container.
    let (_server, addr) = common::serve(&["--expose-local"]);
    let (_, metrics) = common::get10(&addr, "/metrics");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("portdex_listener_info")
                && l.contains(&format!("port=\"{loopback}\""))
                && l.contains(&format!("container=\"{name}\""))),
        "{metrics}"
    );
}

/// A dockerd of the test's own (its own data and run directories and socket, without
/// iptables rules, so the machine's firewall is left as it was), stopped and removed
/// when dropped.
struct Dockerd {
    child: std::process::Child,
    dir: PathBuf,
    sock: PathBuf,
    /// Whether the bridge docker0 was there before: dockerd leaves the one it makes.
    had_bridge: bool,
}

impl Dockerd {
    fn start() -> Dockerd {
        // Short: the run directory holds Unix sockets (108 bytes at most).
        let dir = PathBuf::from(format!("/tmp/pdxd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("docker.sock");
        let had_bridge = Path::new("/sys/class/net/docker0").exists();
        let log = std::fs::File::create(dir.join("log")).unwrap();
        let child = Command::new("dockerd")
            .arg("--iptables=false")
            .arg("--data-root")
            .arg(dir.join("root"))
            .arg("--exec-root")
            .arg(dir.join("run"))
            .arg("--pidfile")
            .arg(dir.join("docker.pid"))
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let d = Dockerd {
            child,
            dir,
            sock,
            had_bridge,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !d
            .docker()
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "dockerd did not start: {}",
                std::fs::read_to_string(d.dir.join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        d
    }

    fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", format!("unix://{}", self.sock.display()));
        c
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        if !self.had_bridge {
            let _ = Command::new("ip")
                .args(["link", "del", "docker0"])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Docker: docker-proxy holds each published port; the name and image come from
/// dockerd's API, at the socket dockerd's own arguments name.
#[test]
fn docker_container_is_named_and_never_signalled() {
    let Some(busybox) = static_busybox() else {
        required(
            "docker_container_is_named_and_never_signalled",
            false,
            "apt-get install busybox-static",
        );
        return;
    };
    if !required(
        "docker_container_is_named_and_never_signalled",
        common::have("dockerd") && common::have("docker") && common::have("docker-proxy"),
        "apt-get install docker.io",
    ) {
        return;
    }
    let tag = std::process::id();
    let (image, name) = (
        format!("localhost/pdx-test-{tag}"),
        format!("pdx-dweb-{tag}"),
    );
    let dir = busybox_rootfs(&busybox, "docker");
    let dockerd = Dockerd::start();
    let mut rm = dockerd.docker();
    rm.args(["rm", "-f", &name]);
    let mut rmi = dockerd.docker();
    rmi.args(["rmi", "-f", &image]);
    // Declared after dockerd: dropped first, while dockerd still runs.
    let _cleanup = Cleanup(vec![rm, rmi]);
    import(&mut dockerd.docker(), &dir.0.join("rootfs"), &image);
    let (loopback, everywhere) = unused_ports();
    run(dockerd.docker().args([
        "run",
        "-d",
        "--ulimit",
        "nofile=1024:1024",
        "-p",
        &format!("127.0.0.1:{loopback}:80"),
        "-p",
        &format!("0.0.0.0:{everywhere}:80"),
        "--name",
        &name,
        &image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
    ]));
    wait_for_page(loopback);
    check(&Expect {
        engine: "docker",
        name: &name,
        image: &image,
        publisher: "docker-proxy",
        loopback,
        everywhere,
        stop: format!("docker stop {name}"),
        rule: "docker-published",
    });
    // Docker's finding says why ufw does not apply, from Docker's own page.
    let out = portdex().args(["audit", "--json"]).output().unwrap();
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "docker-published" && f["port"] == everywhere)
        .unwrap_or_else(|| panic!("{audit}"));
    assert!(f["why"].as_str().unwrap().contains("ufw"), "{f}");
    assert!(f["why"].as_str().unwrap().contains(&name), "{f}");
    assert_eq!(
        f["reference"],
        "https://docs.docker.com/engine/network/packet-filtering-firewalls/"
    );
    assert_eq!(audit["docker_published"], true);
}

/// Whether a process runs (exists and is no zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
    })
}

/// Processes killed when dropped (by pid: the fake dockerd's docker-proxy).
struct Pids(Vec<u32>);

impl Drop for Pids {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
        }
    }
}

/// Without dockerd's API (its socket does not answer), Docker's state files name the
/// container: the docker-proxy's parent is dockerd, whose `--data-root` holds
/// `containers/ID/config.v2.json`, and the running container with the proxy's
/// `-container-ip` is the one. A python script named dockerd starts one named
/// docker-proxy (so /proc/PID/comm says so) with docker-proxy's real arguments, holding
/// the host port on 127.0.0.1; the container's main process is a `sleep` of the test.
#[test]
fn docker_state_files_name_the_container_without_the_api() {
    let tag = std::process::id();
    let dir = TempDir(std::env::temp_dir().join(format!("portdex-ctr-state-{tag}")));
    let bin = dir.0.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let (port, _) = unused_ports();
    let mut sleep = common::start("sleep", &["120"]);
    let main_pid = sleep.0.id();
    let id = format!("{:064x}", u128::from(tag) * 0x1234_5678_9abc);
    let container = dir.0.join("root/containers").join(&id);
    std::fs::create_dir_all(&container).unwrap();
    let config = serde_json::json!({
        "ID": id, "Name": "/fake-api", "Config": { "Image": "example/img:1" },
        "State": { "Running": true, "Pid": main_pid },
        "NetworkSettings": {
            "Networks": { "bridge": { "IPAddress": "172.17.0.9" } },
            "Ports": { "80/tcp": [ { "HostIp": "127.0.0.1", "HostPort": port.to_string() } ] }
        }
    });
    std::fs::write(container.join("config.v2.json"), config.to_string()).unwrap();
    // A stopped container with the same address is not the one.
    let stopped = dir.0.join("root/containers").join("0".repeat(64));
    std::fs::create_dir_all(&stopped).unwrap();
    let mut old = config.clone();
    old["State"]["Running"] = false.into();
    old["Name"] = "/stopped".into();
    std::fs::write(stopped.join("config.v2.json"), old.to_string()).unwrap();

    let script = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt;
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/usr/bin/python3\n{body}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let proxy = script(
        "docker-proxy",
        "import socket, sys, time\n\
         a = sys.argv\n\
         s = socket.socket()\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind((a[a.index('-host-ip') + 1], int(a[a.index('-host-port') + 1])))\n\
         s.listen(8)\n\
         print('ready', flush=True)\n\
         time.sleep(120)\n",
    );
    let dockerd = script(
        "dockerd",
        &format!(
            "import subprocess, sys\n\
             p = subprocess.Popen([{proxy:?}, '-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', '{port}', \
             '-container-ip', '172.17.0.9', '-container-port', '80'], stdout=subprocess.PIPE, text=True)\n\
             p.stdout.readline()\n\
             print(p.pid, flush=True)\n\
             p.wait()\n"
        ),
    );
    let mut child = Command::new(&dockerd)
        .args(["--data-root"])
        .arg(dir.0.join("root"))
        .args(["-H", "unix:///nonexistent/portdex-test/docker.sock"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let proxy_pid: u32 = line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
    let _dockerd = common::Server(child);
    let _proxy = Pids(vec![proxy_pid]);
    let comm = std::fs::read_to_string(format!("/proc/{proxy_pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "docker-proxy");

    let out = portdex().args(["who", &port.to_string()]).output().unwrap();
    let want = format!(
        "docker container fake-api (image example/img:1), published 127.0.0.1:{port} → 80/tcp, sleep pid {main_pid} inside"
    );
    assert!(
        stdout(&out).contains(&want),
        "{}\nwant: {want}",
        stdout(&out)
    );
    let out = portdex()
        .args(["kill", &port.to_string(), "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("`docker stop fake-api`"), "{out:?}");
    assert!(alive(proxy_pid), "the proxy was signalled");
    let out = portdex()
        .args(["ls", "--port", &port.to_string(), "--json"])
        .output()
        .unwrap();
    let ls: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &ls["listeners"][0]["container"];
    assert_eq!(c["id"], id.as_str(), "{ls}");
    assert_eq!(c["engine"], "docker", "{ls}");
    assert_eq!(c["pid"], main_pid, "{ls}");

    // The same proxy whose container no state file knows: no container is named, and
    // kill still refuses, pointing to `docker ps`.
    std::fs::remove_dir_all(&container).unwrap();
    let out = portdex()
        .args(["ls", "--port", &port.to_string(), "--json"])
        .output()
        .unwrap();
    let ls: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(ls["listeners"][0].get("container").is_none(), "{ls}");
    let out = portdex()
        .args(["kill", &port.to_string(), "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("`docker ps`"), "{out:?}");
    let _ = sleep.0.kill();
}
