//! `portdex serve` as a user starts it: on 127.0.0.1, port chosen by the kernel.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{Read, Write};
use std::process::Stdio;

mod common;

fn http_get(addr: &str, path: &str) -> String {
    http_get_host(addr, path, addr)
}

#[test]
fn serve_answers_on_loopback_and_stops_on_sigterm() {
    let (mut server, addr) = common::serve(&[]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let res = http_get(&addr, "/api/v1/ports/443");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("\"category\":\"well-known\""), "{res}");
    let res = http_get(&addr, "/api/v1/listeners");
    assert!(
        res.starts_with("HTTP/1.1 404"),
        "nothing about this machine without --expose-local: {res}"
    );
    let pid = rustix::process::Pid::from_raw(server.0.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn serve_bad_bind_exits_2() {
    Command::cargo_bin("portdex")
        .unwrap()
        .args(["serve", "--bind", "localhost"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bind 'localhost'"));
}

/// Reads until the server closes or `wait` passes; None when nothing arrived in time.
fn read_within(s: &mut std::net::TcpStream, wait: std::time::Duration) -> Option<String> {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return Some(String::from_utf8_lossy(&buf).into_owned()),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.ends_with(b"}") {
                    return Some(String::from_utf8_lossy(&buf).into_owned());
                }
            }
            Err(_) if buf.is_empty() => return None,
            Err(_) => return Some(String::from_utf8_lossy(&buf).into_owned()),
        }
    }
}

#[test]
fn serve_holds_at_most_max_connections_and_sheds_the_oldest_idle_one() {
    use std::time::Duration;
    let (_server, addr) = common::serve(&["--max-connections", "2"]);
    // Two idle connections take both slots...
    let mut a = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut b = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // ...and a third one is served all the same: the oldest idle one (a) is closed.
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        c,
        "GET /api/v1/categories HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let res = read_within(&mut c, Duration::from_secs(5)).expect("the third client was served");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert_eq!(
        read_within(&mut a, Duration::from_secs(5)),
        Some(String::new()),
        "the oldest idle connection was closed"
    );
    assert_eq!(
        read_within(&mut b, Duration::from_millis(300)),
        None,
        "the younger one stays"
    );
}

#[test]
fn serve_drops_clients_that_do_not_finish_their_headers() {
    use std::time::{Duration, Instant};
    let (_server, addr) = common::serve(&["--timeout", "500ms"]);
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    let start = Instant::now();
    // A slow-header client: the request line, then nothing.
    write!(s, "GET /api/v1/categories HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    let got = read_within(&mut s, Duration::from_secs(10));
    assert!(got.is_some(), "the connection was not closed");
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "closed only after {:?}",
        start.elapsed()
    );
    // Idle keep-alive connections are closed the same way; a served request first.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET /api/v1/categories HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut first = [0u8; 12];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let rest = read_within(&mut s, Duration::from_secs(10));
    assert!(rest.is_some(), "an idle keep-alive connection stayed open");
}

#[test]
fn serve_refuses_oversized_headers() {
    let (_server, addr) = common::serve(&[]);
    let big = "x".repeat(20 * 1024);
    let res = http_get_with_header(&addr, "/api/v1/categories", &format!("X-Big: {big}"));
    assert!(
        res.starts_with("HTTP/1.1 431"),
        "{}",
        &res[..res.len().min(200)]
    );
    let many: String = (0..80).map(|i| format!("X-H{i}: v\r\n")).collect();
    let res = http_get_with_header(&addr, "/api/v1/categories", many.trim_end());
    assert!(
        res.starts_with("HTTP/1.1 431"),
        "{}",
        &res[..res.len().min(200)]
    );
    // The server is still there for the next client.
    assert!(http_get(&addr, "/api/v1/categories").starts_with("HTTP/1.1 200"));
}

fn http_get_with_header(addr: &str, path: &str, header: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn serve_bad_limits_exit_2() {
    for (args, want) in [
        (&["--max-connections", "0"][..], "--max-connections"),
        (&["--timeout", "0s"][..], "--timeout '0s'"),
        (&["--timeout", "soon"][..], "--timeout 'soon'"),
    ] {
        Command::cargo_bin("portdex")
            .unwrap()
            .arg("serve")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
}

/// /metrics as Prometheus reads it: parsed by the reference Python client's parser
/// (prometheus-client on PyPI), not by string matching.
#[test]
fn metrics_parse_as_prometheus_text() {
    let parser = "import json, sys\n\
from prometheus_client.parser import text_string_to_metric_families as parse\n\
print(json.dumps([{'name': f.name, 'type': f.type, 'samples': [{'labels': s.labels, 'value': s.value} for s in f.samples]} for f in parse(sys.stdin.read())]))";
    let present = std::process::Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::required(
        "metrics_parse_as_prometheus_text",
        present,
        "python3 -m pip install prometheus-client",
    ) {
        return;
    }
    let exposed = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = exposed.local_addr().unwrap().port();
    let (_server, addr) = common::serve(&["--expose-local"]);
    let res = http_get(&addr, "/metrics");
    let body = res.split_once("\r\n\r\n").unwrap().1;
    let mut py = std::process::Command::new("python3")
        .args(["-c", parser])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    py.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the Prometheus parser refused /metrics: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    let families: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let family = |name: &str| {
        families
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {families}"))
            .clone()
    };
    let listeners = family("portdex_listener_info");
    assert_eq!(listeners["type"], "gauge");
    let ours = listeners["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["port"] == port.to_string().as_str())
        .unwrap_or_else(|| panic!("port {port} not among {listeners}"));
    assert_eq!(ours["labels"]["exposure"], "all");
    assert_eq!(ours["labels"]["proto"], "tcp");
    assert_eq!(ours["labels"]["container"], "");
    assert_eq!(ours["value"], 1.0);
    let labels: Vec<&str> = ours["labels"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = [
        "proto",
        "address",
        "port",
        "exposure",
        "service",
        "common_use",
        "process",
        "container",
        "severity",
    ];
    want.sort_unstable();
    assert_eq!(labels, want);
    // An unknown port on every interface is a finding of its own.
    let finding = family("portdex_finding_info")["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["port"] == port.to_string().as_str())
        .unwrap_or_else(|| panic!("no finding for port {port}: {families}"))
        .clone();
    assert_eq!(finding["labels"]["address"], "0.0.0.0");
    assert_eq!(finding["labels"]["severity"], ours["labels"]["severity"]);
    for (name, kind) in [
        ("portdex_build_info", "gauge"),
        ("portdex_owners_hidden", "gauge"),
        ("portdex_snapshot_duration_seconds", "gauge"),
        // The client's parser names a counter's family without `_total`.
        ("portdex_snapshot_errors", "counter"),
    ] {
        assert_eq!(family(name)["type"], kind, "{name}");
    }
    let findings = family("portdex_findings");
    let severities: Vec<&str> = findings["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["labels"]["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["critical", "high", "medium", "low", "info"]);
    let total: f64 = findings["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .sum();
    assert!(total >= 1.0, "the exposed socket is a finding: {findings}");
    drop(exposed);
}

fn http_get_host(addr: &str, path: &str, host: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_on_loopback_answers_only_its_own_host_names() {
    // DNS rebinding: a page on attacker.example rebinds its name to 127.0.0.1 and asks
    // for this machine's listeners; its requests carry Host: attacker.example.
    let (_server, addr) = common::serve(&["--expose-local"]);
    let port = addr.rsplit(':').next().unwrap();
    for host in [
        "attacker.example",
        &format!("attacker.example:{port}"),
        "localhost:1",
    ] {
        let res = http_get_host(&addr, "/api/v1/listeners", host);
        assert!(res.starts_with("HTTP/1.1 421"), "{host}: {res}");
        assert!(res.contains("\"status\":421"), "a JSON error: {res}");
        assert!(!res.contains("\"pid\""), "{res}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let res = http_get_host(&addr, "/api/v1/listeners", &host);
        assert!(res.starts_with("HTTP/1.1 200"), "{host}: {res}");
    }
    // The page and its words too: the check stands in front of every route.
    for path in ["/", "/assets/text.js", "/guide", "/api/v1/guide"] {
        let res = http_get_host(&addr, path, "attacker.example");
        assert!(res.starts_with("HTTP/1.1 421"), "{path}: {res}");
        let res = http_get_host(&addr, path, &format!("localhost:{port}"));
        assert!(res.starts_with("HTTP/1.1 200"), "{path}: {res}");
    }
    // A name a reverse proxy forwards is answered once it is named.
    let (_server, addr) = common::serve(&["--allowed-host", "ports.example.org"]);
    let res = http_get_host(&addr, "/api/v1/ports/443", "ports.example.org");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let res = http_get_host(&addr, "/api/v1/ports/443", "other.example.org");
    assert!(res.starts_with("HTTP/1.1 421"), "{res}");
    Command::cargo_bin("portdex")
        .unwrap()
        .args(["serve", "--allowed-host", "bad host/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--allowed-host 'bad host/'"));
}

#[test]
fn metrics_have_one_series_for_two_reuseport_sockets() {
    // A server with two SO_REUSEPORT sockets on one port (nginx with reuseport does so)
    // is one listener to Prometheus: identical series would be rejected. On every
    // interface, so that its finding is one series too (nothing is sent to it).
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import socket,sys,time\n\
             a=socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)\n\
             a.bind(('0.0.0.0', 0)); a.listen()\n\
             b=socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)\n\
             b.bind(a.getsockname()); b.listen()\n\
             print(a.getsockname()[1], flush=True); time.sleep(60)",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let port = line.trim().to_owned();
    let (_server, addr) = common::serve(&["--expose-local"]);
    let res = http_get(&addr, "/metrics");
    let series = |family: &str| {
        res.lines()
            .filter(|l| l.starts_with(family) && l.contains(&format!("port=\"{port}\"")))
            .count()
    };
    let (listeners, findings) = (
        series("portdex_listener_info{"),
        series("portdex_finding_info{"),
    );
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!((listeners, findings), (1, 1), "{res}");
}

#[test]
fn serve_config_is_the_audits_and_needs_expose_local() {
    let dir = std::env::temp_dir().join(format!("portdex-serve-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("audit.toml");
    std::fs::write(&good, "[[accept]]\nport = 22\nreason = \"admins\"\n").unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[accept]]\nport = 0\n").unwrap();
    let missing = dir.join("missing.toml");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--config", good.to_str().unwrap()],
            "--config applies to this machine's audit and /metrics, which only --expose-local serves",
        ),
        (
            &["--expose-local", "--config", bad.to_str().unwrap()],
            "accept entry 1: port 0 is not a port",
        ),
        (
            &["--expose-local", "--config", missing.to_str().unwrap()],
            "missing.toml",
        ),
        (&["--expose-local", "--config", "/"], "--config /"),
    ];
    for (args, want) in cases {
        common::portdex()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .timeout(std::time::Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
    common::portdex()
        .args(["serve", "--lang", "ja", "--config", good.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--expose-local を付けるか"));
    // A listener the file accepts is no finding on /metrics; the others still are.
    let accepted = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let other = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let (a, o) = (
        accepted.local_addr().unwrap().port(),
        other.local_addr().unwrap().port(),
    );
    std::fs::write(
        &good,
        format!("[[accept]]\nport = {a}\nreason = \"test\"\n"),
    )
    .unwrap();
    let (_server, addr) = common::serve(&["--expose-local", "--config", good.to_str().unwrap()]);
    let res = http_get(&addr, "/metrics");
    let finding_on = |port: u16| {
        res.lines().any(|l| {
            l.starts_with("portdex_finding_info{") && l.contains(&format!("port=\"{port}\""))
        })
    };
    assert!(!finding_on(a), "{res}");
    assert!(finding_on(o), "{res}");
    let res = http_get(&addr, "/api/v1/audit");
    assert!(res.contains("\"accepted\":1"), "{res}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metrics_say_when_owners_are_hidden() {
    // Needs root to switch to another user; CI runs as root.
    if !common::required(
        "metrics_say_when_owners_are_hidden",
        rustix::process::geteuid().is_root() && std::path::Path::new("/usr/bin/setpriv").exists(),
        "needs root and setpriv (util-linux)",
    ) {
        return;
    }
    let h = common::Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];
    let mut child = std::process::Command::new("/usr/bin/setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["serve", "--bind", "127.0.0.1:0", "--expose-local"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let _nobody = common::Server(child);
    let nobody = common::served_at(&line);
    let (_root, root) = common::serve(&["--expose-local"]);
    let ours = |res: &str| {
        res.lines()
            .find(|l| {
                l.starts_with("portdex_listener_info{") && l.contains(&format!("port=\"{port}\""))
            })
            .unwrap_or_else(|| panic!("no listener on {port}: {res}"))
            .to_owned()
    };
    let res = http_get(&nobody, "/metrics");
    assert!(res.lines().any(|l| l == "portdex_owners_hidden 1"), "{res}");
    assert!(ours(&res).contains("process=\"\""), "{res}");
    let res = http_get(&root, "/metrics");
    assert!(res.lines().any(|l| l == "portdex_owners_hidden 0"), "{res}");
    assert!(ours(&res).contains("process=\"python3\""), "{res}");
}

/// sd_notify's readiness protocol, as systemd runs a `Type=notify` unit: with
/// NOTIFY_SOCKET naming a Unix datagram socket (a path, or '@' and an abstract name),
/// `serve` sends READY=1 once it listens, and a connection made the moment it arrives
/// is answered. A socket that cannot be reached is said on stderr, and serving goes on.
#[test]
fn serve_tells_systemd_when_it_is_ready() {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let dir = std::env::temp_dir().join(format!("portdex-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notify");
    let abstract_name = format!("portdex-notify-{}", std::process::id());
    let by_path = UnixDatagram::bind(&path).unwrap();
    let by_name =
        UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(&abstract_name).unwrap()).unwrap();
    for (socket, value) in [
        (&by_path, path.clone().into_os_string()),
        (&by_name, format!("@{abstract_name}").into()),
    ] {
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let (_server, addr) = common::serve_env(&[], &[("NOTIFY_SOCKET", value.as_os_str())]);
        let mut buf = [0u8; 64];
        let n = socket
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(&buf[..n], b"READY=1", "{value:?}");
        let (status, _) = common::get10(&addr, "/api/v1/ports/443");
        assert!(status.contains("200"), "{value:?}: {status}");
    }
    // Nothing listens at the path: a warning naming it, and the server serves.
    let gone = dir.join("gone");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"));
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &gone)
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    std::io::BufRead::read_line(&mut err, &mut first).unwrap();
    std::io::BufRead::read_line(&mut err, &mut second).unwrap();
    let _server = common::Server(child);
    assert!(
        second.contains("NOTIFY_SOCKET") && second.contains(&*gone.to_string_lossy()),
        "{second:?}"
    );
    let addr = common::served_at(&first);
    let (status, _) = common::get10(&addr, "/api/v1/ports/443");
    assert!(status.contains("200"), "{status}");
    std::fs::remove_dir_all(&dir).unwrap();
}
