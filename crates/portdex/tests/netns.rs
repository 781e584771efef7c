//! `ls` across network namespaces: two namespaces of the test's own (`ip netns add`),
//! listeners started inside with `ip netns exec`, and what ls, --netns, the JSON, JSON
//! Lines and CSV say of them. Needs root (CI runs as root).

mod common;

use common::{portdex, required};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::process::{Child, Command, Stdio};

/// A network namespace of the test's own, deleted when dropped (also when the test
/// fails), with its loopback up.
struct Netns {
    name: String,
    inode: u64,
}

impl Netns {
    fn add(tag: &str) -> Netns {
        let name = format!("pdxt-{tag}-{}", std::process::id());
        let _ = ip(&["netns", "del", &name]);
        assert!(ip(&["netns", "add", &name]), "ip netns add {name}");
        // Made before anything can fail, so that Drop deletes it.
        let mut ns = Netns { name, inode: 0 };
        assert!(ip(&["-n", &ns.name, "link", "set", "lo", "up"]));
        ns.inode = std::fs::metadata(format!("/run/netns/{}", ns.name))
            .unwrap()
            .ino();
        ns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        ip(&["netns", "del", &self.name]);
    }
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// tests/helpers/hold.py run inside a namespace (`ip netns exec NAME [setpriv …]
/// python3 hold.py SPECS`); killed when dropped.
struct Held {
    child: Child,
    ports: Vec<u16>,
}

impl Held {
    fn new(ns: &Netns, user: &[&str], specs: &[&str]) -> Held {
        let script = format!("{}/tests/helpers/hold.py", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new("ip")
            .args(["netns", "exec", &ns.name])
            .args(user)
            // Debian's, which every user may run (not a python of root's home).
            .arg(
                if common::have("python3") && std::path::Path::new("/usr/bin/python3").exists() {
                    "/usr/bin/python3"
                } else {
                    "python3"
                },
            )
            .arg(&script)
            .args(specs)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Held { child, ports }
    }
    /// `ip netns exec` execs the command: the child is the holder itself.
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn can_run(test: &str) -> bool {
    required(
        test,
        rustix::process::geteuid().is_root() && common::have("ip") && common::have("python3"),
        "needs root, ip (iproute2) and python3",
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = portdex().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The listeners of these ports.
fn ours<'a>(v: Vec<&'a Value>, ports: &[u16]) -> Vec<&'a Value> {
    v.into_iter()
        .filter(|l| ports.contains(&(l["port"].as_u64().unwrap() as u16)))
        .collect()
}

/// The tables of `ls`: (header, rows split at whitespace); the host's has no header.
fn sections(out: &str) -> Vec<(Option<String>, Vec<Vec<String>>)> {
    let mut groups: Vec<(Option<String>, Vec<Vec<String>>)> = vec![(None, Vec::new())];
    for line in out.lines() {
        if line.starts_with("network namespace") {
            groups.push((Some(line.to_owned()), Vec::new()));
        } else if line.starts_with(' ') && !line.trim_start().starts_with("PROTO") {
            let last = groups.last_mut().unwrap();
            last.1
                .push(line.split_whitespace().map(str::to_owned).collect());
        }
    }
    groups
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: {code} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// (port, netns, netns_name, pids) of the listeners of a JSON answer on these ports.
/// Port, namespace inode, its name, owners' pids.
type Row = (u16, Option<u64>, Option<String>, Vec<u64>);

fn on_ports(v: &Value, ports: &[u16]) -> Vec<Row> {
    v["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| ports.contains(&(l["port"].as_u64().unwrap() as u16)))
        .map(|l| {
            (
                l["port"].as_u64().unwrap() as u16,
                l["netns"].as_u64(),
                l["netns_name"].as_str().map(str::to_owned),
                l["processes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["pid"].as_u64().unwrap())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn ls_groups_each_namespace_under_its_name_and_lists_the_host_once() {
    if !can_run("ls_groups_each_namespace_under_its_name_and_lists_the_host_once") {
        return;
    }
    let (a, b) = (Netns::add("a"), Netns::add("b"));
    // The same port numbers may be free in each namespace: each has its own.
    let in_a = Held::new(&a, &[], &["tcp4:0.0.0.0:0", "udp4:127.0.0.1:0"]);
    let in_b = Held::new(&b, &[], &["tcp4:127.0.0.1:0", "tcp6:[::1]:0"]);
    let host = common::Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let hp = host.ports[0];
    let mut ports: Vec<u16> = vec![hp];
    ports.extend(&in_a.ports);
    ports.extend(&in_b.ports);
    let (ap, bp) = (in_a.ports.clone(), in_b.ports.clone());

    // Plain ls: the host's table, then one per namespace under its name.
    let (code, out, err) = run(&["ls"]);
    assert_eq!(code, 0, "{err}");
    let head_a = format!(
        "network namespace {} (net:[{}]), pid {} python3",
        a.name,
        a.inode,
        in_a.pid()
    );
    let head_b = format!(
        "network namespace {} (net:[{}]), pid {} python3",
        b.name,
        b.inode,
        in_b.pid()
    );
    let groups = sections(&out);
    let rows_of = |head: &str| {
        groups
            .iter()
            .find(|(h, _)| h.as_deref() == Some(head))
            .unwrap_or_else(|| panic!("{head:?} in:\n{out}"))
            .1
            .clone()
    };
    // Protocol, address, port, exposure; then (past the registry's columns) the pid
    // and the process.
    let row = |proto: &str, addr: &str, port: u16, exposure: &str, pid: u32| {
        let mut r: Vec<String> = [proto, addr, &port.to_string(), exposure]
            .iter()
            .map(|s| s.to_string())
            .collect();
        r.extend([pid.to_string(), "python3".into()]);
        r
    };
    let trim = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| {
                let at = r.iter().rposition(|t| t == "python3").unwrap_or(r.len());
                let mut t = r[..4].to_vec();
                t.extend(r[at.saturating_sub(1)..(at + 1).min(r.len())].to_vec());
                t
            })
            .collect()
    };
    let (sa, sb) = (rows_of(&head_a), rows_of(&head_b));
    assert_eq!(
        trim(sa),
        vec![
            row("tcp", "0.0.0.0", ap[0], "all", in_a.pid()),
            row("udp", "127.0.0.1", ap[1], "loopback", in_a.pid()),
        ]
    );
    // By port within the namespace.
    let mut want_b = vec![
        row("tcp", "127.0.0.1", bp[0], "loopback", in_b.pid()),
        row("tcp", "::1", bp[1], "loopback", in_b.pid()),
    ];
    if bp[1] < bp[0] {
        want_b.reverse();
    }
    assert_eq!(trim(sb), want_b);
    // The host's listener in the host's table (first, without a header), once.
    assert!(groups[0].0.is_none(), "{out}");
    let hits = |rows: &[Vec<String>]| {
        rows.iter()
            .filter(|r| r[1] == "127.0.0.1" && r[2] == hp.to_string())
            .count()
    };
    assert_eq!(hits(&groups[0].1), 1, "{out}");
    assert_eq!(groups.iter().map(|g| hits(&g.1)).sum::<usize>(), 1, "{out}");

    // --netns all --json: every listener once, the namespace's carry its inode and name;
    // owners found across namespaces.
    let all = json(&["ls", "--netns", "all", "--json"]);
    let mut got = on_ports(&all, &ports);
    got.sort();
    let (pa, pb) = (u64::from(in_a.pid()), u64::from(in_b.pid()));
    let mut want = vec![
        (hp, None, None, vec![u64::from(host.pid())]),
        (ap[0], Some(a.inode), Some(a.name.clone()), vec![pa]),
        (ap[1], Some(a.inode), Some(a.name.clone()), vec![pa]),
        (bp[0], Some(b.inode), Some(b.name.clone()), vec![pb]),
        (bp[1], Some(b.inode), Some(b.name.clone()), vec![pb]),
    ];
    want.sort();
    assert_eq!(got, want);
    // Plain ls is --netns all.
    assert_eq!(on_ports(&json(&["ls", "--json"]), &ports).len(), 5);
    // The namespaces: the host's first (once), each of ours read from inside.
    let nss = all["namespaces"].as_array().unwrap();
    assert_eq!(nss[0]["host"], true);
    assert_eq!(nss.iter().filter(|n| n["host"] == true).count(), 1);
    for (ns, pid) in [(&a, pa), (&b, pb)] {
        let e = nss
            .iter()
            .find(|n| n["inode"].as_u64() == Some(ns.inode))
            .unwrap_or_else(|| panic!("{} in {nss:?}", ns.name));
        assert_eq!(e["name"], ns.name.as_str());
        assert_eq!(e["via"], "setns");
        assert_eq!(e["host"], false);
        assert_eq!(e["pids"][0].as_u64(), Some(pid));
        assert_eq!(e["command"], "python3");
    }
    // The host's listeners are those of --netns host, no more, no fewer.
    let host_only = json(&["ls", "--netns", "host", "--json"]);
    let plain_host: Vec<&Value> = all["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l.get("netns").is_none())
        .collect();
    let inodes = |v: Vec<&Value>| {
        let mut i: Vec<u64> = v.iter().map(|l| l["inode"].as_u64().unwrap()).collect();
        i.sort_unstable();
        i
    };
    let hl: Vec<&Value> = host_only["listeners"].as_array().unwrap().iter().collect();
    // (Other tests may open or close listeners meanwhile: compare ours.)
    assert!(hl.iter().all(|l| l.get("netns").is_none()));
    assert!(host_only.get("namespaces").is_none());
    assert_eq!(inodes(ours(hl, &ports)), inodes(ours(plain_host, &ports)));
    assert_eq!(
        on_ports(&host_only, &ports),
        vec![(hp, None, None, vec![u64::from(host.pid())])]
    );

    // One namespace: by name, by the pid of a process in it, by net:[INODE].
    for by in [
        a.name.clone(),
        in_a.pid().to_string(),
        format!("net:[{}]", a.inode),
    ] {
        let v = json(&["ls", "--netns", &by, "--json"]);
        assert!(
            v["listeners"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["netns"].as_u64() == Some(a.inode)),
            "{by}: {v}"
        );
        let mut got = on_ports(&v, &ports);
        got.sort();
        let of_a: Vec<_> = want
            .iter()
            .filter(|w| w.1 == Some(a.inode))
            .cloned()
            .collect();
        assert_eq!(got, of_a, "{by}");
        assert_eq!(v["namespaces"].as_array().unwrap().len(), 1);
    }
    let (code, out, _) = run(&["ls", "--netns", &b.name]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&head_b), "{out}");
    let groups = sections(&out);
    assert_eq!(groups.len(), 2, "{out}");
    assert!(groups[0].1.is_empty(), "nothing of the host's: {out}");
    // In Japanese.
    let (_, out, _) = run(&["ls", "--netns", &b.name, "--lang", "ja"]);
    assert!(
        out.starts_with(&format!(
            "ネットワーク名前空間 {}（net:[{}]）",
            b.name, b.inode
        )),
        "{out}"
    );

    // JSON Lines and CSV carry the namespace too.
    let (_, out, _) = run(&["ls", "--format", "jsonl", "--netns", &a.name]);
    let lines = common::json_lines(&out);
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines
        .iter()
        .all(|l| l["netns"].as_u64() == Some(a.inode) && l["netns_name"] == a.name.as_str()));
    let (_, out, _) = run(&[
        "ls",
        "--csv",
        "--netns",
        "all",
        "--port",
        &ap[0].to_string(),
    ]);
    let mut csv = out.lines();
    assert!(
        csv.next().unwrap().ends_with(",container,netns,netns_name"),
        "{out}"
    );
    assert!(
        csv.any(|l| l.starts_with(&format!("tcp,4,0.0.0.0,{},all,", ap[0]))
            && l.ends_with(&format!(",{},{}", a.inode, a.name))),
        "{out}"
    );
    // Filters apply in every namespace.
    let v = json(&["ls", "--json", "--pid", &in_b.pid().to_string()]);
    assert_eq!(on_ports(&v, &ports).len(), 2);
    assert!(v["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["netns"].as_u64() == Some(b.inode)));
}

#[test]
fn an_unknown_namespace_is_refused_naming_the_valid_ones() {
    if !can_run("an_unknown_namespace_is_refused_naming_the_valid_ones") {
        return;
    }
    let a = Netns::add("bad");
    for bad in ["nosuch", "4294967295", "net:[1]"] {
        let (code, out, err) = run(&["ls", "--netns", bad]);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(out.is_empty());
        assert!(err.contains(&format!("\"{bad}\"")), "{err}");
        assert!(err.contains(&a.name) && err.contains("host, all"), "{err}");
        assert!(!err.contains("panicked"));
    }
    // The shells offer the valid values.
    let out = portdex()
        .env("PORTDEX_COMPLETE", "fish")
        .args(["--", "portdex", "ls", "--netns", ""])
        .output()
        .unwrap();
    let offered: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect();
    for want in ["all", "host", a.name.as_str()] {
        assert!(offered.iter().any(|o| o == want), "{want} in {offered:?}");
    }
}

#[test]
fn without_root_a_namespace_is_read_through_its_process_or_said_hidden() {
    if !can_run("without_root_a_namespace_is_read_through_its_process_or_said_hidden")
        || !required(
            "without_root_a_namespace_is_read_through_its_process_or_said_hidden",
            common::have("setpriv"),
            "needs setpriv (util-linux)",
        )
    {
        return;
    }
    let (mine, empty) = (Netns::add("nobody"), Netns::add("empty"));
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    // A process of nobody's in one namespace; nothing in the other.
    let held = Held::new(&mine, &nobody, &["tcp4:127.0.0.1:0"]);
    let out = Command::new("/usr/bin/setpriv")
        .args(&nobody[1..])
        .arg(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["ls", "--json"])
        .env("LANG", "C")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    // Entering is root's: nobody's namespace is read through /proc/PID/net, with its
    // owner (nobody's own process).
    let got = on_ports(&v, &held.ports);
    assert_eq!(
        got,
        vec![(
            held.ports[0],
            Some(mine.inode),
            Some(mine.name.clone()),
            vec![u64::from(held.pid())]
        )]
    );
    let nss = v["namespaces"].as_array().unwrap();
    let find = |n: &Netns| {
        nss.iter()
            .find(|e| e["inode"].as_u64() == Some(n.inode))
            .unwrap()
    };
    assert_eq!(find(&mine)["via"], "proc");
    // The one without a process cannot be read: hidden, and said so in one line.
    assert!(find(&empty).get("via").is_none());
    assert!(find(&empty)["error"].is_string());
    assert_eq!(v["namespaces_hidden"], true);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&empty.name) && err.contains("run as root"),
        "{err}"
    );
    assert!(!err.contains(&mine.name), "{err}");
}

/// `who PORT` for a port nothing on the host holds, but a listener inside a namespace
/// does: that listener under its namespace's header, a note that the host's port is not
/// held (exit 1, the host's answer), and `other_namespaces` in the JSON. A port the host
/// holds is answered from the host alone.
#[test]
fn who_names_a_listener_inside_another_namespace() {
    if !can_run("who_names_a_listener_inside_another_namespace") {
        return;
    }
    let ns = Netns::add("who");
    let inside = Held::new(&ns, &[], &["tcp4:0.0.0.0:0"]);
    let port = inside.ports[0].to_string();

    let (code, out, err) = run(&["who", &port]);
    assert_eq!(code, 1, "{out}{err}");
    let head = format!(
        "network namespace {} (net:[{}]), pid {} python3",
        ns.name,
        ns.inode,
        inside.pid()
    );
    assert!(out.contains(&head), "{out}");
    assert!(
        out.contains(&format!(
            "tcp 0.0.0.0:{port} (all) pid {} python3",
            inside.pid()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "nothing listens on port {port} in this machine's own network namespace"
        )),
        "{out}"
    );

    let v = json(&["who", &port, "--json"]);
    assert_eq!(v["listeners"].as_array().unwrap().len(), 0, "{v}");
    let other = v["other_namespaces"].as_array().unwrap();
    assert_eq!(other.len(), 1, "{v}");
    assert_eq!(other[0]["netns"].as_u64(), Some(ns.inode));
    assert_eq!(other[0]["netns_name"].as_str(), Some(ns.name.as_str()));
    assert_eq!(
        other[0]["processes"][0]["pid"].as_u64(),
        Some(u64::from(inside.pid()))
    );

    // Held on the host: the host's answer alone, no namespace looked at.
    let host = common::Helper::hold(&[], &["tcp4:127.0.0.1:0"]);
    let v = json(&["who", &host.ports[0].to_string(), "--json"]);
    assert_eq!(v["listeners"].as_array().unwrap().len(), 1, "{v}");
    assert!(v.get("other_namespaces").is_none(), "{v}");
}
