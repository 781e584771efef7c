//! End-to-end tests of `portdex conns`: a server and its clients, each a child process
//! of its own (tests/helpers/conns.py), on 127.0.0.1 and ::1 only; one connection left
//! in TIME_WAIT. The real binary, run as a user runs it.

mod common;

use common::{json_lines, portdex, required, Helper};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A server (pdx-server: TCP on 127.0.0.1 and ::1, a bound UDP socket) and a client
/// process (pdx-client) with two connections to each TCP port, one connection it
/// closed first (TIME_WAIT on its side) and a connected UDP socket.
struct Scene {
    server: Helper,
    client: Helper,
    /// The server's TCP ports (IPv4, IPv6) and UDP port.
    v4: u16,
    v6: u16,
    udp: u16,
    /// The client's local ports: v4 twice, v6 twice, the closed one, the UDP one.
    local: Vec<u16>,
}

fn scene() -> Scene {
    let server = Helper::new(
        "conns.py",
        &["--name", "pdx-server", "listen4", "listen6", "udp4"],
    );
    let [v4, v6, udp] = server.ports[..] else {
        panic!("{:?}", server.ports)
    };
    let to4 = format!("127.0.0.1:{v4}");
    let to6 = format!("[::1]:{v6}");
    let client = Helper::new(
        "conns.py",
        &[
            "--name",
            "pdx-client",
            &format!("connect:{to4}"),
            &format!("connect:{to4}"),
            &format!("connect:{to6}"),
            &format!("connect:{to6}"),
            &format!("close:{to4}"),
            &format!("udp:127.0.0.1:{udp}"),
        ],
    );
    let local = client.ports.clone();
    let s = Scene {
        server,
        client,
        v4,
        v6,
        udp,
        local,
    };
    // The server accepts and answers the close: wait until every connection is seen
    // from both ends and the closed one is in TIME_WAIT.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = s.json(&["--all-time-wait"]);
        let c = v["connections"].as_array().unwrap();
        let served = c
            .iter()
            .filter(|c| c["processes"][0]["name"] == "pdx-server")
            .count();
        let tw = c.iter().any(|c| c["state"] == "time-wait");
        if served == 4 && tw {
            break;
        }
        assert!(Instant::now() < deadline, "not settled: {v:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
    s
}

impl Scene {
    /// `conns --json EXTRA`, only the connections of this scene's server ports kept
    /// (other tests run at the same time; --port takes one port).
    fn json(&self, extra: &[&str]) -> Value {
        conns_json(extra, Some(&self.servers()))
    }
    /// The servers' ports by transport (UDP and TCP ports are numbered apart: a TCP
    /// connection elsewhere may use the number of this scene's UDP port).
    fn servers(&self) -> [(&'static str, u16); 3] {
        [("tcp", self.v4), ("tcp", self.v6), ("udp", self.udp)]
    }
    fn ours(&self, c: &Value) -> bool {
        ours(c, &self.servers())
    }
}

/// Whether a connection (or a TIME_WAIT count) has one of these transports and ports at
/// one of its ends.
fn ours(c: &Value, keep: &[(&str, u16)]) -> bool {
    keep.iter().any(|&(t, p)| {
        c["transport"] == t
            && ["local", "remote", "end"]
                .iter()
                .any(|end| c[end]["port"].as_u64() == Some(u64::from(p)))
    })
}

/// `conns --json ARGS`, with only the connections and TIME_WAIT counts of `keep`'s
/// transports and ports at either end, when given.
fn conns_json(args: &[&str], keep: Option<&[(&str, u16)]>) -> Value {
    let out = portdex()
        .arg("conns")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Some(ports) = keep {
        let keep_ours = |list: &Value| -> Vec<Value> {
            list.as_array()
                .unwrap()
                .iter()
                .filter(|c| ours(c, ports))
                .cloned()
                .collect()
        };
        let (c, t) = (keep_ours(&v["connections"]), keep_ours(&v["time_wait"]));
        v["connections"] = Value::Array(c);
        v["time_wait"] = Value::Array(t);
    }
    v
}

fn find<'a>(c: &'a [Value], local: (&str, u16), remote: (&str, u16)) -> Option<&'a Value> {
    c.iter().find(|c| {
        c["local"]["address"] == local.0
            && c["local"]["port"] == local.1
            && c["remote"]["address"] == remote.0
            && c["remote"]["port"] == remote.1
    })
}

#[test]
fn each_connection_has_both_ends_and_both_owners() {
    let s = scene();
    let v = s.json(&[]);
    let c = v["connections"].as_array().unwrap();
    assert_eq!(v["owners_hidden"], false);
    for (i, (addr, server)) in [
        ("127.0.0.1", s.v4),
        ("127.0.0.1", s.v4),
        ("::1", s.v6),
        ("::1", s.v6),
    ]
    .into_iter()
    .enumerate()
    {
        let client = s.local[i];
        let out = find(c, (addr, client), (addr, server))
            .unwrap_or_else(|| panic!("client end {addr}:{client} missing: {v:#}"));
        assert_eq!(out["transport"], "tcp");
        assert_eq!(out["state"], "established");
        assert_eq!(out["direction"], "out");
        assert_eq!(out["family"], if addr == "::1" { 6 } else { 4 });
        assert_eq!(out["processes"][0]["pid"], s.client.pid());
        assert_eq!(out["processes"][0]["name"], "pdx-client");
        assert_eq!(out["user"], "root");
        // The client's port is the kernel's pick, not a service.
        assert_eq!(out["local"]["registry_service"], Value::Null);
        let back = find(c, (addr, server), (addr, client))
            .unwrap_or_else(|| panic!("server end {addr}:{server} missing: {v:#}"));
        assert_eq!(back["direction"], "in");
        assert_eq!(back["processes"][0]["pid"], s.server.pid());
        assert_eq!(back["processes"][0]["name"], "pdx-server");
        assert_eq!(back["remote"]["registry_service"], Value::Null);
    }
    // The connected UDP socket, its server's unconnected one left out.
    let udp: Vec<&Value> = c.iter().filter(|c| c["transport"] == "udp").collect();
    assert_eq!(udp.len(), 1, "{udp:?}");
    assert_eq!(udp[0]["local"]["port"], s.local[5]);
    assert_eq!(udp[0]["remote"]["port"], s.udp);
    assert_eq!(udp[0]["processes"][0]["name"], "pdx-client");
    // Listeners are not connections.
    assert!(c.iter().all(|c| c["state"] != "listen"), "{v:#}");
    // The closed connection: counted, not listed, on its server's end.
    assert!(c.iter().all(|c| c["state"] != "time-wait"));
    let tw = v["time_wait"].as_array().unwrap();
    assert_eq!(tw.len(), 1, "{v:#}");
    assert_eq!(tw[0]["count"], 1);
    assert_eq!(tw[0]["direction"], "out");
    assert_eq!(tw[0]["end"]["address"], "127.0.0.1");
    assert_eq!(tw[0]["end"]["port"], s.v4);
}

#[test]
fn time_wait_is_listed_each_when_asked() {
    let s = scene();
    let v = s.json(&["--state", "time-wait", "--all-time-wait"]);
    let c = v["connections"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{v:#}");
    let tw = find(c, ("127.0.0.1", s.local[4]), ("127.0.0.1", s.v4)).expect("the closed one");
    assert_eq!(tw["state"], "time-wait");
    assert_eq!(tw["uid"], Value::Null);
    assert!(tw["processes"].as_array().unwrap().is_empty());
    assert!(v["time_wait"].as_array().unwrap().is_empty());
}

#[test]
fn filters_narrow_to_what_they_name() {
    let s = scene();
    let count =
        |extra: &[&str]| -> usize { s.json(extra)["connections"].as_array().unwrap().len() };
    // Four TCP connections seen from both ends, one UDP socket.
    assert_eq!(count(&[]), 9);
    assert_eq!(count(&["--process", "pdx-client"]), 5);
    assert_eq!(count(&["--process", &s.server.pid().to_string()]), 4);
    assert_eq!(count(&["--udp"]), 1);
    assert_eq!(count(&["--tcp"]), 8);
    assert_eq!(count(&["--proto", "udp"]), 1);
    assert_eq!(count(&["--remote", "::1"]), 4);
    assert_eq!(count(&["--remote", "127.0.0.0/8", "--tcp"]), 4);
    assert_eq!(count(&["--remote", "10.0.0.0/8"]), 0);
    assert_eq!(count(&["--state", "established"]), 9);
    assert_eq!(count(&["--state", "syn-sent,close-wait"]), 0);
    // Listening sockets only when asked for: the two TCP servers.
    assert_eq!(count(&["--state", "listen", "--tcp"]), 2);
    // --port: either end.
    let v = conns_json(&["--port", &s.v6.to_string()], None);
    assert_eq!(v["connections"].as_array().unwrap().len(), 4, "{v:#}");
    // A client's port: the kernel may hand the same number out again for another
    // destination, so the server's port narrows to this test's pair.
    let v = conns_json(&["--port", &s.local[0].to_string()], Some(&[("tcp", s.v4)]));
    assert_eq!(v["connections"].as_array().unwrap().len(), 2, "{v:#}");
    // Without owners, none are looked up.
    let v = s.json(&["--no-owners"]);
    assert!(v["connections"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["processes"].as_array().unwrap().is_empty()));
    assert!(v["connections"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| s.ours(c)));
    // Nothing matches: exit 1.
    portdex()
        .args(["conns", "--remote", "192.0.2.0/24", "--state", "close-wait"])
        .assert()
        .code(1);
}

#[test]
fn table_csv_and_json_lines() {
    let s = scene();
    let port = s.v4.to_string();
    let out = portdex().args(["conns", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let head = text.lines().next().unwrap();
    for col in [
        "PROTO", "STATE", "LOCAL", "REMOTE", "PID", "PROCESS", "USER",
    ] {
        assert!(head.contains(col), "{head}");
    }
    let client = format!("127.0.0.1:{}", s.local[0]);
    let row = text
        .lines()
        .find(|l| l.contains(&client) && l.contains("pdx-client"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("ESTABLISHED") && row.contains(&s.client.pid().to_string()));
    assert!(
        text.contains(&format!("TIME_WAIT 1 to 127.0.0.1:{port}")),
        "{text}"
    );
    // Japanese.
    let out = portdex()
        .args(["conns", "--port", &port, "--lang", "ja"])
        .output()
        .unwrap();
    let ja = String::from_utf8(out.stdout).unwrap();
    assert!(
        ja.contains("プロセス") && ja.contains("TIME_WAIT 1 件"),
        "{ja}"
    );

    let out = portdex()
        .args(["conns", "--port", &port, "--csv"])
        .output()
        .unwrap();
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    // Two connections from both ends, and the TIME_WAIT count.
    assert_eq!(rows.len(), 5, "{rows:?}");
    let tw = rows
        .iter()
        .find(|r| &r[col("state")] == "time-wait")
        .unwrap();
    assert_eq!(&tw[col("count")], "1");
    assert_eq!(&tw[col("remote_port")], port.as_str());
    assert!(rows
        .iter()
        .any(|r| &r[col("processes")] == "pdx-server" && &r[col("direction")] == "in"));

    let out = portdex()
        .args(["conns", "--port", &port, "--format", "jsonl"])
        .output()
        .unwrap();
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(lines.len(), 5);
    assert_eq!(lines.iter().filter(|l| l["count"] == 1).count(), 1);
    assert!(lines
        .iter()
        .any(|l| l["processes"][0]["name"] == "pdx-client" && l["remote"]["port"] == s.v4));
}

#[test]
fn bad_input_exits_2_and_names_the_value() {
    for (a, said) in [
        (&["--port", "70000"][..], "70000"),
        (&["--port", "0"], "no connection has port 0"),
        (&["--state", "nonsense"], "'nonsense'"),
        (&["--state", "established,nonsense"], "time-wait"),
        (&["--remote", "300.1.1.1"], "300.1.1.1"),
        (&["--remote", "10.0.0.0/33"], "10.0.0.0/33"),
        (&["--remote", "example.com"], "not a name"),
        (&["--process", ""], "--process"),
        (&["--proto", "sctp"], "sctp"),
        (&["--format", "services"], "services"),
        (&["--color", "always"], "conns"),
    ] {
        let out = portdex().arg("conns").args(a).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{a:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{a:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{a:?}: {err}");
    }
    let out = portdex()
        .args(["conns", "--state", "nonsense", "--lang", "ja"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("接続の状態ではありません"));
}

#[test]
fn without_root_owners_are_hidden_and_it_says_so() {
    if !required(
        "conns: without_root_owners_are_hidden_and_it_says_so",
        rustix::process::geteuid().is_root() && std::path::Path::new("/usr/bin/setpriv").exists(),
        "needs root and setpriv (util-linux)",
    ) {
        return;
    }
    let s = scene();
    let out = std::process::Command::new("/usr/bin/setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["conns", "--json", "--port", &s.v4.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["owners_hidden"], true);
    let c = v["connections"].as_array().unwrap();
    assert_eq!(c.len(), 4, "{v:#}");
    assert!(c
        .iter()
        .all(|c| c["processes"].as_array().unwrap().is_empty() && c["user"] == "root"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("run as root"), "{err}");
}
