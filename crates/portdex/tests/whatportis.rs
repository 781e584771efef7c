//! `portdex serve`'s whatportis-compatible endpoints against the real whatportis server
//! (PyPI whatportis 0.8.2, `whatportis --server 127.0.0.1 PORT`), both on loopback and
//! both answering from portdex's data: whatportis's database ($HOME/.whatportis_db.json,
//! TinyDB) is written from portdex's own `/ports`, in a temporary HOME.

mod common;
use common::{required, serve, wait_for_port, Server};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How `.ci/run` installs it: a venv of its own, since whatportis pins old click and
/// requests that would replace the ones schemathesis runs with.
const INSTALL: &str = "python3 -m venv /opt/whatportis && /opt/whatportis/bin/pip install \
                       whatportis==0.8.2 flask==2.2.5 werkzeug==2.3.8 (or set PORTDEX_WHATPORTIS)";

/// The whatportis command: $PORTDEX_WHATPORTIS, the venv `.ci/run` makes, or the module
/// in this python3 (with Flask, which its server needs).
fn whatportis() -> Option<Command> {
    if let Some(p) = std::env::var_os("PORTDEX_WHATPORTIS") {
        return Some(Command::new(p));
    }
    if Path::new("/opt/whatportis/bin/whatportis").exists() {
        return Some(Command::new("/opt/whatportis/bin/whatportis"));
    }
    let importable = Command::new("python3")
        .args(["-c", "import whatportis, flask"])
        .output()
        .is_ok_and(|o| o.status.success());
    importable.then(|| {
        let mut c = Command::new("python3");
        c.args(["-c", "from whatportis.cli import run; run()"]);
        c
    })
}

/// An answer: status, content type, body.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self, what: &str) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", self.body))
    }
}

fn get(addr: &str, path: &str) -> Answer {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{addr}{path}: no header end: {raw}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{addr}{path}: {head}"));
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    assert!(
        header("transfer-encoding").is_none(),
        "{addr}{path}: chunked answers are not read here: {head}"
    );
    Answer {
        status,
        content_type: header("content-type").unwrap_or_default(),
        body: body.to_owned(),
    }
}

/// A port nothing listens on now (the kernel's pick; whatportis cannot take port 0).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A temporary HOME, removed when dropped.
struct Home(PathBuf);

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `{"ports": [...]}` whose rows are all arrays of four strings, the protocol one or
/// more transports joined with ", "; the rows.
fn rows_of(what: &str, v: &Value) -> Vec<Vec<String>> {
    let top: Vec<&String> = v.as_object().expect(what).keys().collect();
    assert_eq!(top, ["ports"], "{what}: top-level keys");
    v["ports"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: ports is not an array: {v}"))
        .iter()
        .map(|row| {
            let cells = row
                .as_array()
                .unwrap_or_else(|| panic!("{what}: a row is not an array: {row}"));
            assert_eq!(cells.len(), 4, "{what}: {row}");
            let cells: Vec<String> = cells
                .iter()
                .map(|c| {
                    c.as_str()
                        .unwrap_or_else(|| panic!("{what}: {row}"))
                        .to_owned()
                })
                .collect();
            assert!(
                cells[2]
                    .split(", ")
                    .all(|t| ["tcp", "udp", "sctp", "dccp"].contains(&t)),
                "{what}: protocol {:?}",
                cells[2]
            );
            cells
        })
        .collect()
}

/// Two arrays equal, or the first row where they differ (not two 1 MB dumps).
fn same(what: &str, theirs: &Value, ours: &Value) {
    let (t, o) = (theirs.as_array().unwrap(), ours.as_array().unwrap());
    if let Some(i) = (0..t.len().max(o.len())).find(|&i| t.get(i) != o.get(i)) {
        panic!(
            "{what}: row {i} differs: whatportis {:?}, portdex {:?} ({} and {} rows)",
            t.get(i),
            o.get(i),
            t.len(),
            o.len()
        );
    }
}

#[test]
fn whatportis_endpoints_answer_as_the_real_whatportis_server() {
    let wp = whatportis();
    if !required(
        "whatportis_endpoints_answer_as_the_real_whatportis_server",
        wp.is_some(),
        INSTALL,
    ) {
        return;
    }
    let mut wp = wp.unwrap();
    let (_portdex, ours) = serve(&[]);

    // whatportis's database from portdex's: /ports is whatportis's file as stored (one
    // document per row, in order), which TinyDB keeps as {"_default": {"1": doc, ...}}.
    let all = get(&ours, "/ports");
    assert_eq!(all.status, 200, "{}", all.body);
    let all = all.json("portdex /ports");
    let docs = all["ports"].as_array().unwrap();
    assert!(docs.len() > 5000, "{}", docs.len());
    // Written by hand: serde_json's map would sort the ids as strings ("1", "10", "100"),
    // and TinyDB searches in the file's order.
    let table: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| format!("\"{}\": {d}", i + 1))
        .collect();
    let home =
        Home(std::env::temp_dir().join(format!("portdex-whatportis-{}", std::process::id())));
    std::fs::create_dir_all(&home.0).unwrap();
    std::fs::write(
        home.0.join(".whatportis_db.json"),
        format!("{{\"_default\": {{{}}}}}", table.join(", ")),
    )
    .unwrap();

    let port = free_port();
    let log = home.0.join("whatportis.log");
    let child = wp
        .args(["--server", "127.0.0.1", &port.to_string()])
        .env("HOME", &home.0)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .expect("whatportis starts");
    let _whatportis = Server(child);
    wait_for_port(port);
    let theirs = format!("127.0.0.1:{port}");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    // The whole database, as stored (objects, one per transport): the same file.
    let a = get(&theirs, "/ports");
    assert_eq!(a.status, 200, "{}", log_text());
    same(
        "/ports",
        &a.json("whatportis /ports")["ports"],
        &all["ports"],
    );

    for (path, at_least) in [
        ("/ports/5432", 1),
        ("/ports/redis?like", 1),
        ("/ports/%5Eredis%24?like", 1),
        ("/ports/80", 2),
        // All digits: the port, searched ("80" in 8080).
        ("/ports/80?like", 100),
        ("/ports/http?like", 10),
        ("/ports/%5Ehttp%24?like", 2),
        ("/ports/mysql?like", 3),
        ("/ports/re.is?like=", 10),
        ("/ports/http", 2),
        ("/ports/REDIS?like", 0),
        // Python's \w \d \b and (?i) are Unicode-aware, portdex's ASCII: the same rows
        // from the ASCII names.
        ("/ports/(%3Fi)%5EREDIS%24?like", 1),
        ("/ports/%5Ex%5Cd%2B?like", 1),
        ("/ports/%5Cbsql%5CW?like", 1),
        ("/ports/%5E%5Cw%2B-%5Cw%2B%24?like", 100),
        ("/ports/%5Cs?like", 0),
        ("/ports/no-such-service-here", 0),
    ] {
        let (w, p) = (get(&theirs, path), get(&ours, path));
        assert_eq!((w.status, p.status), (200, 200), "{path}: {}", log_text());
        assert!(w.content_type.starts_with("application/json"), "{path}");
        assert!(p.content_type.starts_with("application/json"), "{path}");
        let (wv, pv) = (w.json(path), p.json(path));
        let (wr, pr) = (rows_of(path, &wv), rows_of(path, &pv));
        assert!(wr.len() >= at_least, "{path}: {wv}");
        // Same data, so the same rows in the same order.
        same(path, &json!(wr), &json!(pr));
    }

    // The rows the brief quotes from whatportis.
    let rows = rows_of("5432", &get(&ours, "/ports/5432").json("5432"));
    assert_eq!(rows[0][..3], ["postgresql", "5432", "tcp, udp"]);
    let rows = rows_of(
        "^redis$",
        &get(&ours, "/ports/%5Eredis%24?like").json("^redis$"),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "redis");

    // An invalid regular expression: whatportis's re.error escapes its view and Flask
    // answers its 500 HTML page; portdex answers 400 with its JSON error, deliberately.
    let (w, p) = (
        get(&theirs, "/ports/%28?like"),
        get(&ours, "/ports/%28?like"),
    );
    assert_eq!(w.status, 500, "{}", w.body);
    assert!(
        w.content_type.starts_with("text/html"),
        "{}",
        w.content_type
    );
    assert_eq!(p.status, 400, "{}", p.body);
    let e = p.json("invalid regex");
    assert_eq!(e["status"], 400);
    let msg = e["error"].as_str().unwrap();
    assert!(
        msg.contains("'('") && msg.contains("regular expression"),
        "{msg}"
    );
    // Without ?like the same pattern is a name: no rows from either.
    let (w, p) = (get(&theirs, "/ports/%28"), get(&ours, "/ports/%28"));
    assert_eq!((w.status, p.status), (200, 200));
    assert_eq!(w.json("("), p.json("("));
}
