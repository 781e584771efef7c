//! End-to-end tests of `audit` against real services from Debian's
//! packages (redis-server, memcached, nginx; .ci/run installs them), bound once to
//! 127.0.0.1 and once to 0.0.0.0, and plain sockets standing in for telnet and ftp.
//! Everything listens on this machine only; nothing is sent anywhere. `firewall` is
//! tested in firewall.rs.

mod common;

use common::{have, json_lines, portdex, redis, required, start, wait_for_port, Server};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portdex-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn memcached(bind: &str) -> Server {
    let s = start(
        "memcached",
        &["-u", "root", "-l", bind, "-p", "11211", "-U", "0"],
    );
    wait_for_port(11211);
    s
}

fn nginx(bind: &str, dir: &Path) -> Server {
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes 1;\npid {0}/nginx.pid;\nerror_log {0}/error.log;\n\
             events {{}}\nhttp {{ access_log off; client_body_temp_path {0}; proxy_temp_path {0};\n\
             fastcgi_temp_path {0}; uwsgi_temp_path {0}; scgi_temp_path {0};\n\
             server {{ listen {bind}:8080; return 200 'ok'; }} }}\n",
            dir.display()
        ),
    )
    .unwrap();
    let s = start(
        "nginx",
        &["-c", conf.to_str().unwrap(), "-p", dir.to_str().unwrap()],
    );
    wait_for_port(8080);
    s
}

fn audit_json(args: &[&str]) -> (Option<i32>, Value) {
    let out = portdex()
        .arg("audit")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}")),
    )
}

/// The finding on `port`; the test fails when there is none.
fn finding_on(findings: &Value, port: u16) -> &Value {
    findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["port"] == port)
        .unwrap_or_else(|| panic!("no finding on {port}: {findings}"))
}

fn findings_on(report: &Value, port: u16) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["port"] == port)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn audit_flags_exactly_the_exposed_services() {
    if !required(
        "audit_flags_exactly_the_exposed_services",
        have("redis-server") && have("memcached") && have("nginx"),
        "install redis-server memcached nginx (.ci/run does)",
    ) {
        return;
    }
    for port in [6379, 11211, 8080, 36379] {
        assert!(
            std::net::TcpListener::bind(("0.0.0.0", port)).is_ok(),
            "port {port} is taken on this machine"
        );
    }
    let dir = scratch("nginx");

    // Loopback only: not findings, but counted.
    {
        let _r = redis("127.0.0.1", 6379);
        let _m = memcached("127.0.0.1");
        let _n = nginx("127.0.0.1", &dir);
        let (code, report) = audit_json(&["--fail-on", "high"]);
        for port in [6379, 11211, 8080] {
            assert!(findings_on(&report, port).is_empty(), "{port}: {report}");
        }
        assert!(report["loopback_only"].as_u64().unwrap() >= 3);
        let worst_other = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| matches!(f["severity"].as_str(), Some("high" | "critical")));
        assert_eq!(code, Some(if worst_other { 1 } else { 0 }));
    }

    // All interfaces: each one flagged with its severity.
    let _r = redis("0.0.0.0", 6379);
    let _m = memcached("0.0.0.0");
    let _n = nginx("0.0.0.0", &dir);
    let (code, report) = audit_json(&["--fail-on", "high"]);
    assert_eq!(code, Some(1), "a critical finding fails --fail-on high");
    assert_eq!(
        findings_on(&report, 6379),
        [("critical".to_owned(), "service-exposed".to_owned())]
    );
    assert_eq!(
        findings_on(&report, 11211),
        [("critical".to_owned(), "service-exposed".to_owned())]
    );
    assert_eq!(
        findings_on(&report, 8080),
        [("medium".to_owned(), "service-exposed".to_owned())]
    );
    let redis_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["port"] == 6379)
        .unwrap();
    assert_eq!(redis_finding["service"], "redis");
    assert!(redis_finding["processes"][0]
        .as_str()
        .unwrap()
        .starts_with("redis-server"));
    assert!(redis_finding["fix"].as_str().unwrap().contains("127.0.0.1"));
    // Most severe first.
    let sev: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    let rank = |s: &str| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    assert!(sev.windows(2).all(|w| rank(w[0]) >= rank(w[1])), "{sev:?}");

    // A known server on another port is still that server, found by its process.
    {
        let _r2 = redis("0.0.0.0", 36379);
        let (_, report) = audit_json(&[]);
        let mut on = findings_on(&report, 36379);
        on.sort();
        assert_eq!(
            on,
            [
                ("critical".to_owned(), "service-exposed".to_owned()),
                ("info".to_owned(), "unexpected-port".to_owned())
            ]
        );
    }

    // Accepted listeners stay quiet; the rest still count.
    let config = dir.join("audit.toml");
    std::fs::write(
        &config,
        "[[accept]]\nport = 6379\nprocess = \"redis-server\"\nreason = \"test\"\n",
    )
    .unwrap();
    let (code, report) = audit_json(&[
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert!(findings_on(&report, 6379).is_empty());
    assert_eq!(report["accepted"], 1);
    assert_eq!(code, Some(1), "memcached is still critical");

    // The human report.
    portdex()
        .arg("audit")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("CRITICAL")
                .and(predicate::str::contains("tcp 0.0.0.0:6379 (all)  redis")),
        )
        .stdout(predicate::str::contains("loopback-only"));
}

#[test]
fn cleartext_protocols_are_flagged_with_their_encrypted_alternative() {
    // Plain sockets stand in for telnet and ftp daemons on their ports (root binds < 1024).
    let (telnet, ftp) = (
        std::net::TcpListener::bind("0.0.0.0:23"),
        std::net::TcpListener::bind("0.0.0.0:21"),
    );
    let (Ok(telnet), Ok(ftp)) = (telnet, ftp) else {
        required(
            "cleartext_protocols_are_flagged_with_their_encrypted_alternative",
            false,
            "cannot bind ports 21 and 23 (needs root, and the ports free)",
        );
        return;
    };
    let (_, report) = audit_json(&[]);
    for (port, alt) in [(23, "SSH"), (21, "SFTP")] {
        let f = finding_on(&report["findings"], port);
        assert_eq!(f["severity"], "high");
        assert_eq!(f["rule"], "cleartext-exposed");
        assert!(f["fix"].as_str().unwrap().contains(alt), "{f}");
    }
    drop((telnet, ftp));
}

#[test]
fn audit_bad_input_exits_2() {
    let dir = scratch("config");
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "[[accept]]\nport = 70000\n").unwrap();
    portdex()
        .args(["audit", "--config", broken.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.toml").and(predicate::str::contains("70000")));
    let bad_addr = dir.join("addr.toml");
    std::fs::write(
        &bad_addr,
        "[[accept]]\nport = 22\naddress = \"everywhere\"\n",
    )
    .unwrap();
    portdex()
        .args(["audit", "--config", bad_addr.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("accept entry 1").and(predicate::str::contains("everywhere")),
        );
    portdex()
        .args(["audit", "--config", "/nonexistent/audit.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/audit.toml"));
    portdex()
        .args(["audit", "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'severe'"));
}

#[test]
fn audit_speaks_japanese_throughout_with_lang_ja() {
    // An exposed socket on a port the kernel picks: unknown or dynamic, by rule text only.
    let sock = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let (_, report) = audit_json(&["--lang", "ja"]);
    let f = finding_on(&report["findings"], port);
    let (why, fix) = (f["why"].as_str().unwrap(), f["fix"].as_str().unwrap());
    assert!(
        why.contains("すべてのインターフェースから到達できます"),
        "{why}"
    );
    assert!(
        fix.contains("portdex who PORT") && fix.contains("ファイアウォール"),
        "{fix}"
    );
    let (_, report) = audit_json(&["--lang", "en"]);
    let f = finding_on(&report["findings"], port);
    assert!(
        f["why"]
            .as_str()
            .unwrap()
            .contains("reachable on all interfaces"),
        "{f}"
    );
    drop(sock);
}

#[test]
fn audit_findings_as_json_lines() {
    let sock = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let out = portdex().args(["audit", "-f", "jsonl"]).output().unwrap();
    let findings = Value::Array(json_lines(&String::from_utf8(out.stdout).unwrap()));
    let f = finding_on(&findings, port);
    assert_eq!(f["exposure"], "all");
    assert!(f["rule"].as_str().unwrap().ends_with("-exposed"), "{f}");
    drop(sock);
}

#[test]
fn a_shared_port_names_its_other_uses_when_no_process_decides() {
    // A plain socket on 5678 (debugpy and n8n share it, neither named by a process): the
    // test binary's name says neither, so the finding must say the port is shared.
    let Ok(sock) = std::net::TcpListener::bind("0.0.0.0:5678") else {
        required(
            "a_shared_port_names_its_other_uses_when_no_process_decides",
            false,
            "port 5678 is taken on this machine",
        );
        return;
    };
    for (lang, word) in [("en", "shared"), ("ja", "複数の用途")] {
        let (_, report) = audit_json(&["--lang", lang]);
        let f = finding_on(&report["findings"], 5678);
        let others = f["other_uses"].as_array().unwrap();
        assert!(!others.is_empty(), "{f}");
        let why = f["why"].as_str().unwrap();
        assert!(why.contains(word), "{why}");
        for o in others {
            assert!(why.contains(o.as_str().unwrap()), "{why}");
        }
    }
    drop(sock);
}
