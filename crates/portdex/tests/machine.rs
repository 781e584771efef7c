//! End-to-end tests of `ls`, `who`, `kill` and `free`: real sockets held by child
//! processes (tests/helpers/hold.py), the real binary, run as a user runs it. Only
//! loopback and wildcard binds on this machine; nothing is sent anywhere else.

mod common;

use common::{json_lines, portdex, required, Helper};
use predicates::prelude::*;
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn ls_json(args: &[&str]) -> Vec<Value> {
    let out = portdex()
        .arg("ls")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["listeners"].as_array().unwrap().clone()
}

fn find<'a>(ls: &'a [Value], transport: &str, address: &str, port: u16) -> Option<&'a Value> {
    ls.iter()
        .find(|l| l["transport"] == transport && l["address"] == address && l["port"] == port)
}

#[test]
fn ls_sees_tcp_and_udp_ipv4_and_ipv6_with_owners() {
    let h = Helper::hold(
        &[],
        &[
            "tcp4:127.0.0.1:0",
            "tcp6:[::]:0",
            "udp4:0.0.0.0:0",
            "udp6:[::1]:0",
        ],
    );
    let [t4, t6, u4, u6] = h.ports[..] else {
        panic!()
    };
    let ls = ls_json(&[]);
    let cases = [
        ("tcp", "127.0.0.1", t4, "loopback", 4),
        ("tcp", "::", t6, "all", 6),
        ("udp", "0.0.0.0", u4, "all", 4),
        ("udp", "::1", u6, "loopback", 6),
    ];
    for (transport, address, port, exposure, family) in cases {
        let l = find(&ls, transport, address, port)
            .unwrap_or_else(|| panic!("{transport} {address}:{port} missing"));
        assert_eq!(l["exposure"], exposure);
        assert_eq!(l["family"], family);
        assert_eq!(l["processes"][0]["pid"], h.pid());
        assert_eq!(l["processes"][0]["name"], "python3");
        assert!(l["category"].is_string());
    }

    // Filters.
    let exposed = ls_json(&["--exposed"]);
    assert!(find(&exposed, "tcp", "::", t6).is_some());
    assert!(find(&exposed, "tcp", "127.0.0.1", t4).is_none());
    assert!(ls_json(&["--udp"]).iter().all(|l| l["transport"] == "udp"));
    assert!(ls_json(&["--tcp"]).iter().all(|l| l["transport"] == "tcp"));
    let by_port = ls_json(&["--port", &t4.to_string()]);
    assert!(by_port.iter().all(|l| l["port"] == t4) && !by_port.is_empty());
    let by_pid = ls_json(&["--pid", &h.pid().to_string()]);
    assert_eq!(by_pid.len(), 4, "{by_pid:?}");
    assert_eq!(
        ls_json(&["--process", "python"])
            .iter()
            .filter(|l| l["processes"][0]["pid"] == h.pid())
            .count(),
        4
    );
    let bare = ls_json(&["--no-owners", "--port", &t4.to_string()]);
    assert!(bare[0]["processes"].as_array().unwrap().is_empty());

    // The table and CSV a person or a script reads.
    portdex().arg("ls").assert().success().stdout(
        predicate::str::contains("EXPOSURE").and(predicate::str::contains(format!("{t6}  all"))),
    );
    portdex()
        .args(["ls", "--csv", "--port", &u4.to_string()])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "transport,family,address,port,exposure",
        ))
        .stdout(predicate::str::contains(format!("udp,4,0.0.0.0,{u4},all")));
}

#[test]
fn ls_annotates_from_the_registry() {
    // A listener on a curated port: 9229 is the Node.js inspector (critical when exposed).
    let Ok(_probe) = std::net::TcpListener::bind("127.0.0.1:9229") else {
        required(
            "ls_annotates_from_the_registry",
            false,
            "127.0.0.1:9229 is in use on this machine",
        );
        return;
    };
    drop(_probe);
    let _h = Helper::hold(&[], &["tcp4:127.0.0.1:9229"]);
    let ls = ls_json(&["--port", "9229"]);
    let l = find(&ls, "tcp", "127.0.0.1", 9229).unwrap();
    assert_eq!(l["common_use"], "node-inspector");
    assert_eq!(l["severity"], "critical");
    assert_eq!(l["category"], "registered");
}

#[test]
fn who_names_the_process_and_its_command_line() {
    let h = Helper::hold(&[], &["tcp6:[::]:0"]);
    let port = h.ports[0].to_string();
    portdex()
        .args(["who", &port])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("pid {} python3", h.pid())))
        .stdout(predicate::str::contains("command:").and(predicate::str::contains("hold.py")));
    let out = portdex().args(["who", &port, "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["listeners"][0]["processes"][0]["pid"], h.pid());
}

#[test]
fn who_explains_a_busy_port_that_nothing_listens_on() {
    // The server side closes first, so the server's port sits in TIME_WAIT.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (conn, _) = server.accept().unwrap();
    drop(conn);
    drop(server);
    std::thread::sleep(Duration::from_millis(50));
    drop(client);
    std::thread::sleep(Duration::from_millis(50));
    portdex()
        .args(["who", &port.to_string()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("nothing listens"))
        .stdout(predicate::str::contains("TIME_WAIT"));
}

#[test]
fn kill_needs_a_yes_without_a_terminal() {
    let mut h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    portdex()
        .args(["kill", &h.ports[0].to_string()])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    assert!(h.alive(), "nothing may be killed without a yes");
}

#[test]
fn kill_signals_the_listener_and_not_a_client_connected_to_it() {
    let mut server = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = server.ports[0];
    let mut client = Helper::hold(&[], &[&format!("connect:127.0.0.1:{port}")]);
    portdex()
        .args(["kill", &port.to_string(), "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "sent SIGTERM to pid {} (python3)",
            server.pid()
        )))
        .stdout(predicate::str::contains(format!("port {port} is free now")));
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!server.alive());
    assert!(client.alive(), "the connected client must survive");
    // Nothing left to kill: exit 1, nothing sent.
    portdex()
        .args(["kill", &port.to_string(), "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing listens"));
}

#[test]
fn kill_says_when_the_port_stays_busy_and_kill_forces_it() {
    let mut h = Helper::hold(&["--ignore-term"], &["udp4:127.0.0.1:0"]);
    let port = h.ports[0].to_string();
    portdex()
        .args(["kill", &port, "--yes", "--wait", "0.5"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("still in use").and(predicate::str::contains("--signal KILL")),
        );
    assert!(h.alive());
    portdex()
        .args(["kill", &port, "--yes", "--signal", "KILL", "--json"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"port_free\": true")
                .and(predicate::str::contains("\"KILL\"")),
        );
}

#[test]
fn free_ports_bind_on_ipv4_and_ipv6() {
    let out = portdex().arg("free").assert().success();
    let port: u16 = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(port >= 49152, "dynamic range by default: {port}");
    if let Some(e) = portdex_net::ephemeral_range() {
        assert!(!e.contains(port), "the ephemeral range is left out: {port}");
    }
    std::net::TcpListener::bind(("0.0.0.0", port)).unwrap();
    std::net::TcpListener::bind(("::", port)).unwrap();

    let out = portdex()
        .args(["free", "--count", "3", "--near", "3000"])
        .assert()
        .success();
    let ports: Vec<u16> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(ports.len(), 3);
    assert!(
        ports[0] >= 3000 && ports.windows(2).all(|w| w[0] < w[1]),
        "{ports:?}"
    );

    let out = portdex()
        .args(["free", "--range", "registered", "--udp", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let p = v["ports"][0].as_u64().unwrap();
    assert!((1024..=49151).contains(&p));
    assert_eq!(v["transport"], "udp");
    std::net::UdpSocket::bind(("0.0.0.0", p as u16)).unwrap();
}

#[test]
fn a_held_port_is_never_offered() {
    let h = Helper::hold(&[], &["tcp6:[::]:0"]);
    let port = h.ports[0];
    let out = portdex()
        .args(["free", "--near", &port.to_string(), "--allow-ephemeral"])
        .assert()
        .success();
    let got: u16 = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .parse()
        .unwrap();
    assert_ne!(got, port);
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["who", "0"], "port 0"),
        (&["who", "70000"], "'70000' is out of range"),
        (&["kill", "0", "--yes"], "port 0"),
        (&["kill", "abc", "--yes"], "'abc' is not a port"),
        (
            &["kill", "8080", "--yes", "--signal", "STOP"],
            "'STOP' is not a signal",
        ),
        (
            &["ls", "--pid", "999999999"],
            "no process with pid 999999999",
        ),
        (&["ls", "--port", "70000"], "out of range"),
        (&["free", "--near", "0"], "port 0"),
        (&["free", "--range", "9-3"], "start is above the end"),
        (
            &["free", "--range", "nowhere"],
            "well-known, registered, dynamic",
        ),
        (&["free", "--count", "0"], "--count 0"),
        (&["ls", "--proto", "sctp"], "use --proto tcp or udp"),
    ];
    for (args, want) in cases {
        portdex()
            .args(*args)
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(*want).and(predicate::str::contains("panicked").not()),
            );
    }
}

#[test]
fn without_root_owners_are_hidden_and_it_says_so() {
    // Needs root to switch to another user; CI runs as root.
    if !required(
        "without_root_owners_are_hidden_and_it_says_so",
        rustix::process::geteuid().is_root() && std::path::Path::new("/usr/bin/setpriv").exists(),
        "needs root and setpriv (util-linux)",
    ) {
        return;
    }
    let h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];
    let out = std::process::Command::new("/usr/bin/setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["ls", "--json", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["owners_hidden"], true);
    assert!(v["listeners"][0]["processes"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(v["listeners"][0]["user"], "root");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("run as root"), "{err}");
}

#[test]
fn kill_asks_on_a_terminal() {
    // script(1) gives portdex a pseudo-terminal and types the answer.
    if !required(
        "kill_asks_on_a_terminal",
        std::path::Path::new("/usr/bin/script").exists(),
        "needs script (bsdutils)",
    ) {
        return;
    }
    let mut h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];
    let cmd = format!(
        "{} kill {port}",
        assert_cmd::cargo::cargo_bin("portdex").display()
    );
    let on_tty = |answer: &str| {
        let mut child = std::process::Command::new("/usr/bin/script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = on_tty("n\n");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "send SIGTERM to pid {} (python3) listening on port {port}? [y/N]",
            h.pid()
        )),
        "{text}"
    );
    assert!(text.contains("nothing sent"), "{text}");
    assert!(h.alive());
    let (code, text) = on_tty("y\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("is free now"), "{text}");
}

#[test]
fn ls_who_and_kill_speak_japanese_with_lang_ja() {
    let mut h = Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0].to_string();
    portdex()
        .args(["ls", "--tcp", "--port", &port, "--lang", "ja"])
        .assert()
        .success()
        .stdout(predicate::str::contains("プロトコル").and(predicate::str::contains("公開範囲")))
        .stdout(predicate::str::contains("ループバックのみ"));
    portdex()
        .args(["who", &port, "--lang", "ja"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("ポート {port}")))
        .stdout(predicate::str::contains(format!(
            "pid {} python3 ユーザー",
            h.pid()
        )))
        .stdout(predicate::str::contains("コマンド:"));
    portdex()
        .args(["kill", &port, "--yes", "--lang", "ja"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "pid {} (python3) に SIGTERM を送りました",
            h.pid()
        )))
        .stdout(predicate::str::contains(format!(
            "ポート {port} は空きました"
        )));
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    portdex()
        .args(["who", &port, "--lang", "ja"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "ポート {port} で待ち受けているものはありません"
        )));
}

#[test]
fn ls_and_who_in_json_lines() {
    let h = Helper::hold(&[], &["tcp4:127.0.0.1:0", "udp4:127.0.0.1:0"]);
    let out = portdex().args(["ls", "-f", "jsonl"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = json_lines(&text);
    for (t, p) in [("tcp", h.ports[0]), ("udp", h.ports[1])] {
        let row = rows
            .iter()
            .find(|r| r["transport"] == t && r["port"] == p)
            .unwrap_or_else(|| panic!("{t} {p} not in {text}"));
        assert_eq!(row["processes"][0]["pid"], h.pid());
    }
    let out = portdex()
        .args(["who", &h.ports[0].to_string(), "-f", "jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one object, one line: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["listeners"][0]["port"], h.ports[0]);
    let out = portdex()
        .args(["free", "-n", "3", "-f", "jsonl"])
        .output()
        .unwrap();
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(lines.len(), 1, "one object, one line");
    assert_eq!(lines[0]["ports"].as_array().unwrap().len(), 3);
}

/// Runs `sh -ec SCRIPT` with $PORTDEX and $HOLD set, after `prefix` (e.g. unshare).
fn shell(prefix: &[&str], script: &str) -> std::process::Output {
    let (program, args) = prefix.split_first().unwrap_or((&"sh", &[]));
    let mut c = std::process::Command::new(program);
    c.args(args)
        .args(if prefix.is_empty() {
            &[][..]
        } else {
            &["sh"][..]
        })
        .args(["-ec", script])
        .env("PORTDEX", assert_cmd::cargo::cargo_bin("portdex"))
        .env(
            "HOLD",
            format!("{}/tests/helpers/hold.py", env!("CARGO_MANIFEST_DIR")),
        )
        .env("LANG", "C");
    c.output().unwrap()
}

#[test]
fn kill_never_signals_a_process_that_took_the_listeners_pid() {
    // In a pid namespace of its own, the test makes the kernel hand the listener's pid
    // to a new `sleep` while portdex waits at its prompt, then answers "y".
    let root = rustix::process::geteuid().is_root();
    if !common::required(
        "kill_never_signals_a_process_that_took_the_listeners_pid",
        root && common::have("unshare") && common::have("script"),
        "run as root with unshare and script (util-linux)",
    ) {
        return;
    }
    let out = shell(
        &["unshare", "-n", "-p", "-f", "--mount-proc"],
        r#"
        ip link set lo up
        d=$(mktemp -d)
        python3 "$HOLD" tcp4:127.0.0.1:0 > $d/port 2>/dev/null < /dev/null & L=$!
        for i in $(seq 100); do [ -s $d/port ] && break; sleep 0.05; done
        P=$(tr -d '[]' < $d/port)
        mkfifo $d/in
        script -qec "$PORTDEX kill $P" /dev/null < $d/in > $d/out 2>&1 & S=$!
        exec 3> $d/in
        for i in $(seq 200); do grep -q 'y/N' $d/out 2>/dev/null && break; sleep 0.05; done
        kill $L; wait $L || true
        echo $((L - 1)) > /proc/sys/kernel/ns_last_pid
        sleep 60 & R=$!
        echo "listener=$L reused=$R"
        echo y >&3; exec 3>&-
        wait $S || echo "kill rc=$?"
        cat $d/out
        kill -0 $R && echo "the sleep is alive"
        kill $R; rm -rf $d
        "#,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text.lines().find(|l| l.starts_with("listener=")).unwrap();
    let (l, r) = line.split_once(' ').unwrap();
    assert_eq!(
        &l["listener=".len()..],
        &r["reused=".len()..],
        "the pid was not reused, the test proves nothing: {text}"
    );
    assert!(text.contains("[y/N]"), "{text}");
    assert!(text.contains("it no longer listens on this port"), "{text}");
    assert!(!text.contains("sent SIGTERM"), "{text}");
    assert!(text.contains("the sleep is alive"), "{text}");
}

#[test]
fn kill_never_signals_the_shell_that_ran_it() {
    // The shell that runs portdex (and portdex itself) inherited the listening socket.
    let out = shell(
        &[],
        r#"
        python3 - <<'PY'
import os, socket, subprocess
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
os.set_inheritable(s.fileno(), True)
port = s.getsockname()[1]
r = subprocess.run(["sh", "-c", '"$PORTDEX" kill %d --yes; echo "rc=$?"' % port],
                   pass_fds=[s.fileno()], capture_output=True, text=True)
print(r.stdout, r.stderr, "shell exit", r.returncode)
PY
        "#,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("rc=2"), "{text}");
    assert!(text.contains("portdex never signals these"), "{text}");
    assert!(text.contains("portdex runs under this process"), "{text}");
    assert!(text.contains("portdex itself holds this socket"), "{text}");
    assert!(text.contains("shell exit 0"), "the shell survived: {text}");
}

#[test]
fn who_takes_a_service_name_and_follows_its_process() {
    // A process named memcached on a port the kernel picks: `who memcache` is that port,
    // not the registry's 11211.
    let h = Helper::hold(&["--name", "memcached"], &["tcp4:127.0.0.1:0"]);
    let port = h.ports[0];
    let out = portdex()
        .args(["who", "memcache", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["port"], port, "{v}");
    // The query parser decides what is a name: 3com-tsmux starts with a digit.
    let out = portdex()
        .args(["who", "3com-tsmux", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["port"], 106, "{v}");
    // A name nobody knows is bad input.
    portdex()
        .args(["kill", "nosuchservice", "--yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'nosuchservice' is not a port"));
}

#[test]
fn who_names_a_port_by_the_same_rule_as_ls_and_scan() {
    // 2/tcp was compressnet, a row IANA de-assigned: who no longer names it so.
    let out = portdex().args(["who", "2"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("compressnet"), "{text}");
}
