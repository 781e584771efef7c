//! End-to-end tests of `portdex scan`, against listeners on 127.0.0.1 and ::1 only:
//! fake services that greet like SSH, SMTP, FTP, POP3 and IMAP, real nginx and
//! redis-server when installed (.ci/run installs them), and a low fd limit.

mod common;

use common::{have, json_lines, portdex, required, wait_for_port, Helper, Server};
use predicates::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// The tests of this file open and close listeners that a full scan sees: they take
/// turns, so that the full scan can compare its result with what listens.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn scan_json(args: &[&str]) -> Value {
    let out = portdex()
        .arg("scan")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn open_ports(host: &Value) -> BTreeSet<u16> {
    host["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap() as u16)
        .collect()
}

/// TCP ports listening where a connect to 127.0.0.1 reaches them.
fn reachable_on_loopback() -> BTreeSet<u16> {
    let out = portdex()
        // The host's namespace: other namespaces' listeners are not on its loopback.
        .args(["ls", "--tcp", "--no-owners", "--json", "--netns", "host"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| ["127.0.0.1", "0.0.0.0"].contains(&l["address"].as_str().unwrap()))
        .map(|l| l["port"].as_u64().unwrap() as u16)
        .collect()
}

#[test]
fn a_full_scan_finds_exactly_the_listening_ports() {
    let _turn = serial();
    let h = Helper::new(
        "hold.py",
        &["tcp4:127.0.0.1:0", "tcp4:0.0.0.0:0", "tcp4:127.0.0.1:0"],
    );
    let before = reachable_on_loopback();
    let v = scan_json(&["127.0.0.1", "-p-", "--no-detect"]);
    let after = reachable_on_loopback();
    let host = &v["hosts"][0];
    let open = open_ports(host);
    for p in &h.ports {
        assert!(open.contains(p), "held port {p} not found");
    }
    // Other tests open and close listeners meanwhile: compare with what listened both
    // before and after (must be found) and what listened at either time (may be found).
    let stable: BTreeSet<u16> = before.intersection(&after).copied().collect();
    let any: BTreeSet<u16> = before.union(&after).copied().collect();
    assert!(
        stable.is_subset(&open),
        "missed: {:?}",
        stable.difference(&open).collect::<Vec<_>>()
    );
    assert!(
        open.is_subset(&any),
        "not listening: {:?}",
        open.difference(&any).collect::<Vec<_>>()
    );
    assert_eq!(host["ports_scanned"], 65535);
    assert_eq!(
        host["closed"].as_u64().unwrap() as usize + open.len(),
        65535
    );
    assert!(host["filtered"].as_array().unwrap().is_empty());
}

#[test]
fn ipv6_loopback_and_a_port_list() {
    let _turn = serial();
    let h = Helper::hold(&[], &["tcp6:[::1]:0"]);
    let p = h.ports[0];
    let spec = format!("{},{}-{}", p, p.saturating_add(1), p.saturating_add(20));
    let v = scan_json(&["::1", "-p", &spec, "--no-detect"]);
    assert_eq!(open_ports(&v["hosts"][0]), BTreeSet::from([p]));
    assert_eq!(v["hosts"][0]["ports_scanned"], 21);
    // The table in Japanese.
    let out = portdex()
        .args(["scan", "::1", "-p", &spec, "--no-detect", "--lang", "ja"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("21 ポートを") && text.contains("開 1"),
        "{text}"
    );
    assert!(
        text.contains("状態") && text.contains("レジストリ名"),
        "{text}"
    );
    // JSON Lines: one line per open port, with its host.
    let out = portdex()
        .args(["scan", "::1", "-p", &spec, "--no-detect", "-f", "jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines = json_lines(&text);
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["host"], "::1");
    assert_eq!(lines[0]["port"], p);
    assert_eq!(lines[0]["state"], "open");
}

#[test]
fn detection_names_what_answers() {
    let _turn = serial();
    let h = Helper::new("greet.py", &["ssh", "smtp", "ftp", "pop3", "imap"]);
    let spec: Vec<String> = h.ports.iter().map(u16::to_string).collect();
    let v = scan_json(&["127.0.0.1", "-p", &spec.join(",")]);
    let found: Vec<(u16, String, String)> = v["hosts"][0]["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["port"].as_u64().unwrap() as u16,
                p["detected"]["service"].as_str().unwrap_or("-").to_owned(),
                p["detected"]["info"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let service = |port: u16| {
        found
            .iter()
            .find(|f| f.0 == port)
            .unwrap_or_else(|| panic!("{port}: {found:?}"))
            .clone()
    };
    assert_eq!(service(h.ports[0]).1, "ssh");
    assert_eq!(service(h.ports[0]).2, "OpenSSH_9.2p1 Debian-2+deb12u3");
    assert_eq!(service(h.ports[1]).1, "smtp");
    assert_eq!(service(h.ports[2]).1, "ftp");
    assert_eq!(service(h.ports[3]).1, "pop3");
    assert_eq!(service(h.ports[4]).1, "imap");
    // The human table says the same, beside the registry's name for each port.
    portdex()
        .args(["scan", "127.0.0.1", "-p", &spec.join(",")])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ssh (OpenSSH_9.2p1")
                .and(predicate::str::contains("REGISTRY NAME")),
        );
}

#[test]
fn detection_of_real_nginx_and_redis() {
    let _turn = serial();
    if !required(
        "detection_of_real_nginx_and_redis",
        have("nginx") && have("redis-server"),
        "install nginx redis-server (.ci/run does)",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("portdex-scan-nginx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes 1;\npid {0}/nginx.pid;\nerror_log {0}/error.log;\nevents {{}}\n\
             http {{ access_log off; client_body_temp_path {0}; proxy_temp_path {0}; fastcgi_temp_path {0};\n\
             uwsgi_temp_path {0}; scgi_temp_path {0}; server {{ listen 127.0.0.1:18080; return 200 'ok'; }} }}\n",
            dir.display()
        ),
    )
    .unwrap();
    let _nginx = Server(
        std::process::Command::new("nginx")
            .args(["-c", conf.to_str().unwrap(), "-p", dir.to_str().unwrap()])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _redis = Server(
        std::process::Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                "26379",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(18080);
    wait_for_port(26379);
    let v = scan_json(&["127.0.0.1", "-p", "18080,26379"]);
    let detected = |port: u16| {
        v["hosts"][0]["open"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["port"] == port)
            .unwrap()["detected"]
            .clone()
    };
    assert_eq!(detected(18080)["service"], "http");
    assert!(detected(18080)["info"]
        .as_str()
        .unwrap()
        .starts_with("nginx"));
    // Redis says nothing first; the one probe for a Redis port (here 26379, Sentinel's,
    // so as not to meet the audit tests' 6379) is a PING.
    assert_eq!(detected(26379)["service"], "redis");
}

#[test]
fn a_low_fd_limit_still_scans_every_port() {
    let _turn = serial();
    let h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let bin = assert_cmd::cargo::cargo_bin("portdex");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec '{}' scan 127.0.0.1 -p- --no-detect --json",
            bin.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let host = &v["hosts"][0];
    assert!(open_ports(host).contains(&h.ports[0]));
    assert_eq!(
        host["closed"].as_u64().unwrap() as usize + open_ports(host).len(),
        65535
    );
    assert!(host["filtered"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let _turn = serial();
    let cases: &[(&[&str], &str)] = &[
        (&["bad..host"], "'bad..host' is not an IP address"),
        (&["999.1.1.1"], "'999.1.1.1' is not a valid IPv4 address"),
        (&["10.0.0.0/8"], "at most 65536 (a /16) without --force"),
        // The cap is on all targets together: four /16s are not one.
        (
            &["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"],
            "262144 addresses in all",
        ),
        (&["10.0.0.0/7", "--force"], "16777216 (a /8) with it"),
        (&["[::1"], "brackets go around an IPv6 address"),
        (&["::1]"], "brackets go around an IPv6 address"),
        (&["[[[127.0.0.1]]]"], "brackets go around an IPv6 address"),
        (&["[127.0.0.1]"], "brackets go around an IPv6 address"),
        (
            &["127.0.0.1", "--timeout", "0.0000001ms"],
            "from 1ms to 1 hour",
        ),
        (&["127.0.0.1/33"], "prefix length"),
        (&["127.0.0.1", "-p", "0-70000"], "out of range"),
        (&["127.0.0.1", "-p", ""], "it is empty"),
        (&["127.0.0.1", "-p", "0"], "port 0 cannot be scanned"),
        (&["127.0.0.1", "--timeout", "0"], "--timeout '0'"),
        (&["127.0.0.1", "--timeout", "soon"], "--timeout 'soon'"),
        (&["127.0.0.1", "--concurrency", "0"], "--concurrency 0"),
    ];
    for (args, want) in cases {
        portdex()
            .arg("scan")
            .args(*args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains(*want).and(predicate::str::contains("panicked").not()),
            );
    }
    // No default target.
    portdex()
        .arg("scan")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("TARGET"));
    portdex()
        .args(["scan", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("allowed to scan"));
}

/// A test host: a network namespace with a veth pair, 10.200.0.1 here and 10.200.0.2
/// inside (addresses that exist only on this pair). Removed on drop, also when a test
/// fails.
struct TestHost {
    ns: String,
    veth: String,
}

impl TestHost {
    fn ip(args: &[&str]) -> bool {
        std::process::Command::new("ip")
            .args(args)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn new() -> Option<TestHost> {
        let id = std::process::id() % 100_000;
        let host = TestHost {
            ns: format!("pdx{id}"),
            veth: format!("pdx{id}a"),
        };
        let peer = format!("pdx{id}b");
        let ok = Self::ip(&["netns", "add", &host.ns])
            && Self::ip(&[
                "link", "add", &host.veth, "type", "veth", "peer", "name", &peer,
            ])
            && Self::ip(&["link", "set", &peer, "netns", &host.ns])
            && Self::ip(&["addr", "add", "10.200.0.1/30", "dev", &host.veth])
            && Self::ip(&["link", "set", &host.veth, "up"])
            && Self::ip(&["-n", &host.ns, "addr", "add", "10.200.0.2/30", "dev", &peer])
            && Self::ip(&["-n", &host.ns, "link", "set", &peer, "up"])
            && Self::ip(&["-n", &host.ns, "link", "set", "lo", "up"]);
        ok.then_some(host)
    }

    fn exec(&self, program: &str, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new("ip");
        c.args(["netns", "exec", &self.ns, program]).args(args);
        c
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        Self::ip(&["link", "del", &self.veth]);
        Self::ip(&["netns", "del", &self.ns]);
    }
}

#[test]
fn a_test_host_behind_a_lossy_link_and_a_firewall() {
    let _turn = serial();
    if !required(
        "a_test_host_behind_a_lossy_link_and_a_firewall",
        rustix::process::geteuid().is_root() && have("ip") && have("nft"),
        "needs root, iproute2 and nftables (CI has them)",
    ) {
        return;
    }
    let host = TestHost::new().expect("create the test host's network namespace");
    // 20% loss and 100 ms delay on the host's link, where the kernel has netem.
    let peer = format!("{}b", &host.veth[..host.veth.len() - 1]);
    let netem = std::process::Command::new("ip")
        .args([
            "netns", "exec", &host.ns, "tc", "qdisc", "add", "dev", &peer, "root", "netem",
            "delay", "100ms", "loss", "20%",
        ])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !netem {
        eprintln!("NOTE: this kernel has no netem qdisc: the test host's link is not delayed or lossy in this run");
    }
    // The host's firewall drops 9000 and 9001 silently.
    let rules = std::env::temp_dir().join(format!("{}.nft", host.ns));
    std::fs::write(
        &rules,
        "table inet pdx {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport { 9000, 9001 } drop\n\t}\n}\n",
    )
    .unwrap();
    let status = host
        .exec("nft", &["-f", rules.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "nft in the test host");
    let script = format!("{}/tests/helpers/hold.py", env!("CARGO_MANIFEST_DIR"));
    let mut listeners = host
        .exec(
            "python3",
            &[
                &script,
                "tcp4:10.200.0.2:8080",
                "tcp4:10.200.0.2:2222",
                "tcp4:10.200.0.2:9000",
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(listeners.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (timeout, retries) = if netem {
        ("1500ms", "3")
    } else {
        ("500ms", "1")
    };
    let out = portdex()
        .args([
            "scan",
            "10.200.0.2",
            "-p",
            "2222,8080,9000,9001,9002",
            "--timeout",
            timeout,
            "--retries",
            retries,
        ])
        .args(["--no-detect", "--json"])
        .output()
        .unwrap();
    let _ = listeners.kill();
    let _ = listeners.wait();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    let h = &v["hosts"][0];
    assert_eq!(open_ports(h), BTreeSet::from([2222, 8080]), "{h}");
    assert_eq!(h["filtered"], serde_json::json!([9000, 9001]), "{h}");
    assert_eq!(h["closed"], 1, "9002 answers with a reset: {h}");
}

#[test]
fn one_rate_for_every_worker() {
    // --rate 2 is two connects a second in all: six ports take at least 2.5 s (the
    // sixth is due at 2.5 s), however many workers share them. Each worker had its
    // own budget before, and this took 2 s on two cores.
    let _turn = serial();
    let start = std::time::Instant::now();
    portdex()
        .args([
            "scan",
            "127.0.0.1",
            "-p",
            "1-6",
            "--rate",
            "2",
            "--no-detect",
        ])
        .assert()
        .code(predicate::in_iter([0, 1]));
    let took = start.elapsed();
    assert!(took >= std::time::Duration::from_millis(2400), "{took:?}");
}

#[test]
fn a_forced_slash_8_is_scanned_without_building_its_host_list() {
    // 127.0.0.0/8 (all loopback) with --force: 16,777,216 hosts. The scan starts at
    // once and its memory stays small; it is stopped after the first hosts.
    let _turn = serial();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
        .args([
            "scan",
            "127.0.0.0/8",
            "--force",
            "-p",
            "1",
            "--no-detect",
            "--timeout",
            "200ms",
            "--retries",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A scan that builds its list first says nothing for minutes: stop it at 30 s.
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    });
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    assert!(
        line.contains("127.0.0.0/8 (127.0.0.0)"),
        "nothing within 30 s: {line:?}"
    );
    // A few thousand hosts later, memory is what it was.
    for _ in 0..4000 {
        line.clear();
        std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    assert!(hwm_kb < 64 * 1024, "peak RSS {hwm_kb} kB");
}

#[test]
fn localhost_is_both_loopback_addresses() {
    // Resolvers often give 127.0.0.1 alone for localhost; a listener on ::1 was missed.
    let _turn = serial();
    let h = Helper::hold(&[], &["tcp6:[::1]:0"]);
    let port = h.ports[0].to_string();
    let out = portdex()
        .args(["scan", "localhost", "-p", &port, "--no-detect", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let addresses: Vec<&str> = v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["127.0.0.1", "::1"], "{v}");
    assert!(open_ports(&v["hosts"][1]).contains(&h.ports[0]), "{v}");
}
