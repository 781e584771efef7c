//! `portdex serve` as a user starts it: on 127.0.0.1, port chosen by the kernel.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_answers_on_loopback_and_stops_on_sigterm() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    let res = http_get(&addr, "/api/v1/ports/443");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("\"category\":\"well-known\""), "{res}");
    let res = http_get(&addr, "/api/v1/listeners");
    assert!(
        res.starts_with("HTTP/1.1 404"),
        "nothing about this machine without --expose-local: {res}"
    );
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = child.wait().unwrap();
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
