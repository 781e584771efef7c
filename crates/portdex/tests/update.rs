//! `portdex update` and `portdex data` the way a user runs them, against a server on
//! 127.0.0.1 that this test starts: a good registry, one with one row changed, and every
//! kind of bad answer. A bad answer exits 2 naming the problem and leaves the registry in
//! use as it was; so does a `portdex update` killed with SIGKILL at any moment.

mod common;

use common::{portdex, serve_env};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn bundled() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/sources/iana/service-names-port-numbers.csv"
    ))
    .unwrap()
}

/// The bundled CSV with one row's description changed: https on 443/tcp.
fn changed() -> Vec<u8> {
    let text = String::from_utf8(bundled()).unwrap();
    let from = "https,443,tcp,http protocol over TLS/SSL,";
    assert!(text.contains(from));
    text.replacen(from, "https,443,tcp,HTTP over TLS (as updated),", 1)
        .into_bytes()
}

fn head(stream: &mut TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    first.split_whitespace().nth(1).unwrap_or("").to_owned()
}

fn reply(s: &mut TcpStream, status: &str, kind: &str, body: &[u8]) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(body);
}

/// A server on 127.0.0.1 with one path per kind of answer.
fn server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (good, changed) = (bundled(), changed());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let (good, changed) = (good.clone(), changed.clone());
            std::thread::spawn(move || {
                let path = head(&mut s);
                let csv = "text/csv";
                match path.as_str() {
                    "/good.csv" => reply(&mut s, "200 OK", csv, &good),
                    "/changed.csv" => reply(&mut s, "200 OK", csv, &changed),
                    "/truncated.csv" => reply(&mut s, "200 OK", csv, &good[..good.len() / 2]),
                    "/broken.csv" => {
                        let text = String::from_utf8(good).unwrap();
                        let bad = text.replacen("https,443,tcp,", "https,443,tcpx,", 1);
                        reply(&mut s, "200 OK", csv, bad.as_bytes());
                    }
                    "/garbage" => {
                        let bytes: Vec<u8> =
                            (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect();
                        reply(&mut s, "200 OK", "application/octet-stream", &bytes);
                    }
                    "/portal" => reply(
                        &mut s,
                        "200 OK",
                        "text/html",
                        b"<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>",
                    ),
                    "/error" => reply(&mut s, "500 Internal Server Error", "text/plain", b"oops"),
                    "/endless" => {
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n");
                        let chunk = vec![b'x'; 64 * 1024];
                        while s.write_all(&chunk).is_ok() {}
                    }
                    "/stall" => std::thread::sleep(Duration::from_secs(30)),
                    "/loop" => {
                        let _ = s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    }
                    _ => reply(&mut s, "404 Not Found", "text/plain", b"no"),
                }
            });
        }
    });
    addr
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = portdex()
        .args(args)
        .env("PORTDEX_DATA_DIR", dir)
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What 443/tcp's description is now, through a lookup.
fn https_description(dir: &Path) -> String {
    let (code, out, err) = run(dir, &["443", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "a lookup warned: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v[0]["reports"][0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["service"] == "https" && a["transport"] == "tcp")
        .map(|a| a["description"].as_str().unwrap().to_owned())
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portdex-update-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn update_reports_the_change_uses_it_and_survives_every_bad_answer() {
    let addr = server();
    let url = |p: &str| format!("http://{addr}/{p}");
    let dir = temp_dir("flow");

    // The registry IANA publishes today is the embedded one: nothing to do.
    let (code, out, err) = run(&dir, &["update", "--from", &url("good.csv")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("up to date"), "{out}");
    let (_, out, _) = run(&dir, &["data"]);
    assert!(out.contains("in use: the embedded registry"), "{out}");

    // One row changed: --check says so (exit 1) and keeps the registry as it is...
    let (code, out, _) = run(&dir, &["update", "--from", &url("changed.csv"), "--check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("0 added, 1 changed, 0 removed")
            && out.contains(" ~ https 443/tcp: Description"),
        "{out}"
    );
    assert_eq!(https_description(&dir), "http protocol over TLS/SSL");
    // ...and update reports exactly that change and uses it.
    let (code, out, err) = run(&dir, &["update", "--from", &url("changed.csv")]);
    assert_eq!(code, Some(0), "{err}");
    let changes: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(" ~") || l.starts_with(" +") || l.starts_with(" -"))
        .collect();
    assert_eq!(changes, [" ~ https 443/tcp: Description"], "{out}");
    assert_eq!(https_description(&dir), "HTTP over TLS (as updated)");
    let (_, out, _) = run(&dir, &["data", "--json"]);
    let data: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (data["in_use"].as_str(), data["state"].as_str()),
        (Some("updated"), Some("intact"))
    );
    let installed = data["stored"]["sha256"].clone();

    // Every bad answer: exit 2, a message naming the problem, the registry in use kept.
    let timeout = ["--timeout", "1s"];
    for (path, says) in [
        ("truncated.csv", "line"),
        ("broken.csv", "tcpx"),
        ("garbage", "UTF-8"),
        ("portal", "HTML"),
        ("error", "500"),
        ("endless", "more than 16777216 bytes"),
        ("stall", "within 1s"),
        ("loop", "redirect"),
        ("missing.csv", "404"),
    ] {
        let started = std::time::Instant::now();
        let (code, out, err) = run(
            &dir,
            &[&["update", "--from", &url(path)][..], &timeout].concat(),
        );
        assert_eq!(code, Some(2), "{path}: {out}{err}");
        assert!(out.is_empty(), "{path}: {out}");
        assert!(
            err.contains(says),
            "{path}: the message does not say {says:?}: {err}"
        );
        assert!(err.contains("unchanged"), "{path}: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{path} took {:?}",
            started.elapsed()
        );
        assert_eq!(
            https_description(&dir),
            "HTTP over TLS (as updated)",
            "after {path}"
        );
    }
    let (_, out, _) = run(&dir, &["data", "--json"]);
    let data: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(data["stored"]["sha256"], installed);

    // A file, as on an air-gapped machine, works the same; the bundled copy brings the
    // embedded registry's rows back.
    let csv = dir.join("iana.csv");
    std::fs::write(&csv, bundled()).unwrap();
    let (code, out, err) = run(&dir, &["update", "--from", csv.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(" ~ https 443/tcp: Description"), "{out}");
    assert_eq!(https_description(&dir), "http protocol over TLS/SSL");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_store_warns_once_and_the_embedded_registry_answers() {
    let dir = temp_dir("damaged");
    let csv = dir.with_extension("csv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&csv, changed()).unwrap();
    let (code, _, err) = run(&dir, &["update", "--from", csv.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let bin = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "bin"))
        .unwrap();
    let mut bytes = std::fs::read(&bin).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x20;
    std::fs::write(&bin, &bytes).unwrap();
    let (code, out, err) = run(&dir, &["443"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("http protocol over TLS/SSL"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("warning") && err.contains("damaged") && err.contains("embedded"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&csv);
}

#[test]
fn an_update_killed_at_any_moment_leaves_a_working_registry() {
    let dir = temp_dir("killed");
    let csv = dir.with_extension("csv");
    std::fs::create_dir_all(&dir).unwrap();
    // Two registries to switch between, so that every run writes.
    let versions = [changed(), bundled()];
    let update = |i: usize| {
        std::fs::write(&csv, &versions[i % 2]).unwrap();
        std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
            .args(["update", "--from", csv.to_str().unwrap()])
            .env("PORTDEX_DATA_DIR", &dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole update takes here: the files are written at its end, so most
    // kills land in the last third (and a few early, in the download and the checks).
    let started = std::time::Instant::now();
    assert!(update(1).wait().unwrap().success());
    let whole = started.elapsed().as_secs_f64() * 1000.0;
    let delays: Vec<u64> = [0.05, 0.2, 0.4]
        .into_iter()
        .chain((0..16).map(|k| 0.66 + 0.025 * f64::from(k)))
        .map(|f| (whole * f) as u64)
        .collect();
    // Kills that left a file half written (a .tmp- file), as evidence of where they hit.
    let mut torn = 0;
    for (i, delay_ms) in delays.into_iter().enumerate() {
        let mut child = update(i);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let mid_write = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".tmp-"));
        if mid_write {
            torn += 1;
        }
        // Whatever the moment, a lookup answers from an intact registry, old or new,
        // without a warning.
        let description = https_description(&dir);
        assert!(
            description == "http protocol over TLS/SSL"
                || description == "HTTP over TLS (as updated)",
            "after a kill at {delay_ms} ms: {description}"
        );
        let (_, out, _) = run(&dir, &["data", "--json"]);
        let data: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_ne!(
            data["state"], "damaged",
            "after a kill at {delay_ms} ms: {data}"
        );
    }
    // Then kills aimed at the writes: as soon as a file being written shows up.
    for i in 0..8 {
        let mut child = update(i);
        let hit = loop {
            let writing = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(".tmp-"));
            if writing {
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            std::thread::sleep(Duration::from_micros(50));
        };
        let _ = child.kill();
        let _ = child.wait();
        torn += usize::from(hit);
        let description = https_description(&dir);
        assert!(
            description == "http protocol over TLS/SSL"
                || description == "HTTP over TLS (as updated)",
            "after a kill mid-write: {description}"
        );
        let (_, out, _) = run(&dir, &["data", "--json"]);
        let data: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_ne!(data["state"], "damaged", "after a kill mid-write: {data}");
    }
    assert!(torn > 0, "no kill landed while a file was being written");
    eprintln!("{torn} of the kills hit a file being written");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&csv);
}

/// Appends `n` spaces to a JSON file.
fn pad(path: &Path, n: usize) {
    let mut f = std::fs::File::options().append(true).open(path).unwrap();
    f.write_all(&vec![b' '; n]).unwrap();
}

/// GET over plain HTTP/1.1 on 127.0.0.1; the body.
fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut s, &mut text).unwrap();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

fn served_description(addr: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(&http_get(addr, "/api/v1/ports/443")).unwrap();
    v["reports"][0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["service"] == "https" && a["transport"] == "tcp")
        .map(|a| a["description"].as_str().unwrap().to_owned())
        .unwrap()
}

#[test]
fn serve_picks_up_an_update_without_a_restart() {
    let dir = temp_dir("serve");
    let csv = dir.with_extension("csv");
    std::fs::create_dir_all(&dir).unwrap();
    let (server, addr) = serve_env(&[], &[("PORTDEX_DATA_DIR", dir.as_os_str())]);
    assert_eq!(served_description(&addr), "http protocol over TLS/SSL");
    // An update stored while it serves: the next request after a second sees it.
    std::fs::write(&csv, changed()).unwrap();
    let (code, _, err) = run(&dir, &["update", "--from", csv.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    // Room for the SIGHUP part below: meta.json's length varies with the stored file's
    // inode and times, so it is padded (JSON allows the spaces) before serve sees it.
    let meta = dir.join("meta.json");
    pad(&meta, 64);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while served_description(&addr) != "HTTP over TLS (as updated)" {
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not pick up the update"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The whatportis endpoints and ranges follow too.
    assert!(http_get(&addr, "/ports/443").contains("HTTP over TLS (as updated)"));
    assert!(http_get(&addr, "/api/v1/ports?range=440-445").contains("HTTP over TLS (as updated)"));
    // SIGHUP reloads at once. So that only the signal can be what reloads, meta.json
    // gets its old size (padded) and time back.
    let before = std::fs::metadata(&meta).unwrap();
    std::fs::write(&csv, bundled()).unwrap();
    let (code, _, err) = run(&dir, &["update", "--from", csv.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let now = std::fs::metadata(&meta).unwrap().len();
    assert!(
        now <= before.len(),
        "meta.json grew by more than its padding"
    );
    pad(&meta, usize::try_from(before.len() - now).unwrap());
    std::fs::File::options()
        .write(true)
        .open(&meta)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        served_description(&addr),
        "HTTP over TLS (as updated)",
        "reloaded without the signal"
    );
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(server.0.id() as i32).unwrap(),
        rustix::process::Signal::HUP,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while served_description(&addr) != "http protocol over TLS/SSL" {
        assert!(
            std::time::Instant::now() < deadline,
            "SIGHUP did not reload"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&csv);
}
