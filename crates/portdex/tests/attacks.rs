//! `portdex serve` under attack, the way an attacker would do it: many sockets from this
//! test on loopback (slow readers, slow headers, idle connections, a flood of expensive
//! requests), while a normal client times its answer. Each attack is bounded in time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;

/// Room for a few thousand sockets in this test process.
fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if let Some(max) = lim.maximum {
        lim.current = Some(max);
        let _ = setrlimit(Resource::Nofile, lim);
    }
}

/// A normal client: one request, and how long the whole answer took.
fn normal_client(addr: &str, path: &str) -> (Duration, String) {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    (start.elapsed(), out)
}

/// The server's resident memory (kB) and thread count, from /proc.
fn rss_and_threads(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("Threads:"))
}

/// The answer time a normal client must get during an attack.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

fn assert_answered(what: &str, addr: &str) {
    let (took, res) = normal_client(addr, "/api/v1/ports/443");
    eprintln!("{what}: a normal client was answered in {took:?}");
    assert!(res.starts_with("HTTP/1.1 200"), "{what}: {res:?}");
    assert!(took < ANSWER_WITHIN, "{what}: answered after {took:?}");
}

#[test]
fn slow_readers_cannot_hold_the_server_or_grow_it() {
    raise_fd_limit();
    let (server, addr) = common::serve(&["--timeout", "5s"]);
    let pid = server.0.id();
    let (rss_before, _) = rss_and_threads(pid);
    // 260 clients each ask twice for the whole registry (about 5 MB) and never read.
    let mut held = Vec::new();
    for _ in 0..260 {
        let mut s = TcpStream::connect(&addr).unwrap();
        let req = format!("GET /api/v1/ports?range=0-65535 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        let _ = s.write_all(format!("{req}{req}").as_bytes());
        held.push(s);
    }
    std::thread::sleep(Duration::from_secs(2));
    let (rss_during, _) = rss_and_threads(pid);
    eprintln!("slow readers: server RSS {rss_before} kB before, {rss_during} kB during");
    assert!(rss_during < 100 * 1024, "RSS {rss_during} kB");
    assert_answered("slow readers", &addr);
    drop(held);
    // The attack over, the server gives its memory back (the allocator keeps a little).
    std::thread::sleep(Duration::from_secs(2));
    let (rss_after, _) = rss_and_threads(pid);
    eprintln!("slow readers: server RSS {rss_after} kB after");
    assert!(
        rss_after < rss_before + 48 * 1024,
        "RSS {rss_after} kB after"
    );
}

#[test]
fn slow_readers_of_distinct_ranges_get_streamed_answers() {
    // Each asks for a different range: the first answers fill the cache, the rest are
    // written as the clients read them.
    raise_fd_limit();
    let (server, addr) = common::serve(&["--timeout", "5s"]);
    let pid = server.0.id();
    let mut held = Vec::new();
    for i in 0..200u32 {
        let mut s = TcpStream::connect(&addr).unwrap();
        let _ = write!(
            s,
            "GET /api/v1/ports?range=0-{} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
            65535 - i
        );
        held.push(s);
    }
    std::thread::sleep(Duration::from_secs(3));
    let (rss_during, _) = rss_and_threads(pid);
    eprintln!("distinct ranges: server RSS {rss_during} kB during");
    assert!(rss_during < 100 * 1024, "RSS {rss_during} kB");
    assert_answered("slow readers of distinct ranges", &addr);
    // Another large answer now: at most a few are made at once, the rest are told to
    // come back (503, in JSON), in time.
    let (took, res) = normal_client(&addr, "/api/v1/ports?range=1-65000");
    assert!(took < ANSWER_WITHIN, "{took:?}");
    assert!(
        res.starts_with("HTTP/1.1 200")
            || res.starts_with("HTTP/1.1 503") && res.contains("\"status\":503"),
        "{}",
        &res[..res.len().min(300)]
    );
    drop(held);
    std::thread::sleep(Duration::from_secs(1));
    // The attackers gone: a large answer again (from the cache or streamed; HTTP/1.0,
    // so that a streamed one comes without chunked encoding), and it is whole JSON.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/v1/ports?range=0-65000 HTTP/1.0\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut streamed = String::new();
    s.read_to_string(&mut streamed).unwrap();
    let body = streamed.split_once("\r\n\r\n").unwrap().1;
    let v: serde_json::Value = serde_json::from_str(body).expect("streamed JSON parses");
    assert_eq!(v["query"], "0-65000");
}

#[test]
fn slow_headers_and_idle_floods_do_not_keep_a_client_out() {
    raise_fd_limit();
    let (_server, addr) = common::serve(&[]);
    // 600 clients that send one byte of their headers and wait.
    let mut held = Vec::new();
    for _ in 0..600 {
        let mut s = TcpStream::connect(&addr).unwrap();
        let _ = s.write_all(b"G");
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_answered("600 slow-header clients", &addr);
    // 2,000 connections that send nothing at all.
    for _ in 0..2000 {
        match TcpStream::connect(&addr) {
            Ok(s) => held.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_answered("2,600 idle connections", &addr);
    drop(held);
}

#[test]
fn a_flood_of_listener_requests_does_not_grow_the_threads() {
    raise_fd_limit();
    let (server, addr) = common::serve(&["--expose-local"]);
    let pid = server.0.id();
    let (_, threads_before) = rss_and_threads(pid);
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || normal_client(&addr, "/api/v1/listeners"))
        })
        .collect();
    let mut most = threads_before;
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        most = most.max(rss_and_threads(pid).1);
        std::thread::sleep(Duration::from_millis(20));
    }
    for c in clients {
        let (_, res) = c.join().unwrap();
        assert!(res.starts_with("HTTP/1.1 200"), "{res:?}");
    }
    eprintln!("listener flood: {threads_before} threads before, at most {most} during");
    assert!(most <= threads_before + 8, "{most} threads");
    assert_answered("after the listener flood", &addr);
}
