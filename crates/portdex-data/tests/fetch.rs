//! `fetch` against servers on 127.0.0.1 that misbehave in every way a real download
//! can: each test says what the user would see.

mod common;

use common::{bundled, read_head, reply, serve, serve_bytes};
use portdex_data::{fetch, parse, CsvErrorKind, FetchError, FetchOptions, ProxySettings};
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Short limits, and no proxy whatever the environment says.
fn opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
        max_redirects: 3,
        proxy: ProxySettings::none(),
        ..FetchOptions::default()
    }
}

#[test]
fn the_bundled_csv_is_fetched_and_parsed() {
    let (addr, seen) = serve_bytes(bundled());
    let bytes = fetch(&format!("http://{addr}/csv"), &opts()).unwrap();
    assert_eq!(bytes, bundled());
    let registry = parse(&bytes).unwrap();
    assert_eq!(registry.len(), 14_499);
    assert_eq!(
        registry.newest_modification().unwrap().to_string(),
        "2026-02-13"
    );
    assert_eq!(
        registry.newest_registration().unwrap().to_string(),
        "2025-10-30"
    );
    assert_eq!(seen.lock().unwrap().as_slice(), ["GET /csv HTTP/1.1"]);
}

#[test]
fn a_redirect_is_followed() {
    let (addr, _) = serve(|line, s| {
        if line.starts_with("GET /old ") {
            let _ =
                s.write_all(b"HTTP/1.1 301 Moved\r\nLocation: /csv\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        } else {
            reply(s, "200 OK", "text/csv", &bundled());
        }
    });
    let bytes = fetch(&format!("http://{addr}/old"), &opts()).unwrap();
    assert_eq!(bytes.len(), bundled().len());
}

#[test]
fn a_truncated_copy_is_refused_by_parse() {
    let full = bundled();
    for cut in [full.len() / 2, full.len() - 1, 700] {
        let (addr, _) = serve_bytes(full[..cut].to_vec());
        let bytes = fetch(&format!("http://{addr}/csv"), &opts()).unwrap();
        let err = parse(&bytes).unwrap_err();
        assert!(
            matches!(
                err.kind,
                CsvErrorKind::NoFinalNewline
                    | CsvErrorKind::UnclosedQuote
                    | CsvErrorKind::FieldCount { .. }
            ),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn a_body_shorter_than_its_content_length_is_an_error() {
    let (addr, _) = serve(|_, s| {
        let body = bundled();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(&body[..body.len() / 2]);
    });
    let err = fetch(&format!("http://{addr}/csv"), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::Http { .. }), "{err}");
}

#[test]
fn a_copy_with_one_broken_row_names_its_line() {
    // postgresql 5432/tcp starts on line 9788 of IANA's file (fields spanning several
    // lines come before it, so this is not its row number).
    let bytes = common::bundled_with("\npostgresql,5432,tcp,", "\npostgresql,54320000,tcp,");
    let (addr, _) = serve_bytes(bytes);
    let err = parse(&fetch(&format!("http://{addr}/csv"), &opts()).unwrap()).unwrap_err();
    assert_eq!(err.line, 9788);
    assert_eq!(
        err.to_string(),
        "line 9788: port \"54320000\" is not a port 0-65535, a range lo-hi with lo <= hi, or empty"
    );
}

#[test]
fn garbage_bytes_are_refused() {
    let garbage: Vec<u8> = (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let (addr, _) = serve_bytes(garbage);
    let err = parse(&fetch(&format!("http://{addr}/csv"), &opts()).unwrap()).unwrap_err();
    assert!(
        matches!(
            err.kind,
            CsvErrorKind::NotUtf8 { .. } | CsvErrorKind::Header { .. }
        ),
        "{err}"
    );
}

#[test]
fn an_html_page_is_called_one() {
    let page = b"<!DOCTYPE html>\n<html><head><title>Hotel WiFi</title></head><body>Log in</body></html>\n";
    let (addr, _) = serve(move |_, s| reply(s, "200 OK", "text/html", page));
    let err = parse(&fetch(&format!("http://{addr}/csv"), &opts()).unwrap()).unwrap_err();
    assert_eq!(err.kind, CsvErrorKind::Html);
    assert!(err.to_string().contains("HTML page"), "{err}");
}

#[test]
fn http_500_names_the_status() {
    let (addr, _) = serve(|_, s| reply(s, "500 Internal Server Error", "text/plain", b"oops"));
    let url = format!("http://{addr}/csv");
    let err = fetch(&url, &opts()).unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{url} answered HTTP 500; expected 200 OK")
    );
}

#[test]
fn a_response_that_never_ends_stops_at_the_size_cap() {
    let (addr, _) = serve(|_, s| {
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        while s.write_all(&chunk).is_ok() {}
    });
    let opts = FetchOptions {
        max_bytes: 1024 * 1024,
        ..opts()
    };
    let start = Instant::now();
    let err = fetch(&format!("http://{addr}/csv"), &opts).unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::TooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_content_length_above_the_cap_is_refused_before_reading() {
    let (addr, _) = serve(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n");
        std::thread::sleep(Duration::from_secs(30));
    });
    let start = Instant::now();
    let err = fetch(&format!("http://{addr}/csv"), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_server_that_stalls_hits_the_timeout() {
    // One stalls before the status line, one in the middle of the body.
    let (silent, _) = serve(|_, _| std::thread::sleep(Duration::from_secs(30)));
    let (slow, _) = serve(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nService Name,");
        std::thread::sleep(Duration::from_secs(30));
    });
    let opts = FetchOptions {
        timeout: Duration::from_millis(400),
        ..opts()
    };
    for addr in [silent, slow] {
        let start = Instant::now();
        let err = fetch(&format!("http://{addr}/csv"), &opts).unwrap_err();
        assert!(
            matches!(
                err,
                FetchError::Timeout {
                    phase: "complete response",
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_redirect_loop_fails_clearly() {
    let (addr, seen) = serve(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /csv\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    let url = format!("http://{addr}/csv");
    let err = fetch(&url, &opts()).unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { limit: 3, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{url}: more than 3 redirects (a redirect loop?)")
    );
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[test]
fn nothing_listening_is_an_error_not_a_hang() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = fetch(&format!("http://{addr}/csv"), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::Http { .. }), "{err}");
}

/// A CONNECT proxy on 127.0.0.1 (ureq speaks CONNECT to HTTP proxies for http:// URLs
/// too) that tunnels only to 127.0.0.1 and records each request line.
fn connect_proxy() -> (std::net::SocketAddr, common::Seen) {
    serve(|line, client| {
        let target = line
            .strip_prefix("CONNECT ")
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|t| t.starts_with("127.0.0.1:"));
        let Some(target) = target else {
            reply(client, "403 Forbidden", "text/plain", b"127.0.0.1 only");
            return;
        };
        let Ok(mut upstream) = TcpStream::connect(target) else {
            reply(client, "502 Bad Gateway", "text/plain", b"");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut from_client, mut to_upstream) =
            (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from_client, &mut to_upstream);
            let _ = to_upstream.shutdown(std::net::Shutdown::Write);
        });
        let _ = std::io::copy(&mut upstream, client);
        let _ = client.shutdown(std::net::Shutdown::Write);
    })
}

#[test]
fn the_proxy_is_used_unless_no_proxy_names_the_host() {
    let (origin, origin_seen) = serve_bytes(bundled());
    let (proxy, proxy_seen) = connect_proxy();
    let url = format!("http://{origin}/csv");
    let mut opts = opts();
    opts.proxy.http = Some(format!("http://{proxy}"));
    assert_eq!(fetch(&url, &opts).unwrap().len(), bundled().len());
    assert_eq!(
        proxy_seen.lock().unwrap().as_slice(),
        [format!("CONNECT {origin} HTTP/1.1")]
    );

    opts.proxy.no_proxy = Some("localhost, 127.0.0.1".to_string());
    assert_eq!(fetch(&url, &opts).unwrap().len(), bundled().len());
    assert_eq!(
        proxy_seen.lock().unwrap().len(),
        1,
        "NO_PROXY bypasses the proxy"
    );
    assert_eq!(origin_seen.lock().unwrap().len(), 2);
}

/// The child half of `the_proxy_comes_from_the_environment`: a no-op unless that test
/// started this process with the URL to fetch.
#[test]
fn child_fetch_with_default_options() {
    let Ok(url) = std::env::var("PORTDEX_TEST_FETCH_URL") else {
        return;
    };
    let bytes = fetch(&url, &FetchOptions::default()).unwrap();
    assert_eq!(parse(&bytes).unwrap().len(), 14_499);
}

#[test]
fn the_proxy_comes_from_the_environment() {
    let (origin, origin_seen) = serve_bytes(bundled());
    let (proxy, proxy_seen) = connect_proxy();
    // The environment is set in a child process only: tests run in parallel threads.
    let run = |no_proxy: Option<&str>| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "child_fetch_with_default_options",
            "--test-threads=1",
        ]);
        for var in ["http", "https", "all", "no"] {
            cmd.env_remove(format!("{var}_proxy"));
            cmd.env_remove(format!("{}_PROXY", var.to_uppercase()));
        }
        cmd.env("HTTP_PROXY", format!("http://{proxy}"));
        cmd.env("PORTDEX_TEST_FETCH_URL", format!("http://{origin}/csv"));
        if let Some(list) = no_proxy {
            cmd.env("NO_PROXY", list);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(None);
    assert_eq!(
        proxy_seen.lock().unwrap().as_slice(),
        [format!("CONNECT {origin} HTTP/1.1")]
    );
    run(Some("127.0.0.1"));
    assert_eq!(
        proxy_seen.lock().unwrap().len(),
        1,
        "NO_PROXY=127.0.0.1 bypasses it"
    );
    assert_eq!(origin_seen.lock().unwrap().len(), 2);
}

#[test]
fn a_file_source_is_read_within_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iana.csv");
    std::fs::write(&path, bundled()).unwrap();
    let path = path.to_str().unwrap();
    assert_eq!(fetch(path, &opts()).unwrap(), bundled());
    let small = FetchOptions {
        max_bytes: 1000,
        ..opts()
    };
    assert!(matches!(
        fetch(path, &small),
        Err(FetchError::TooLarge { limit: 1000, .. })
    ));
    let err = fetch(dir.path().to_str().unwrap(), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::NotAFile { .. }), "{err}");
}

#[test]
fn read_head_helper_sees_the_request_line() {
    // Guards the helper the other tests rely on.
    let (addr, seen) = serve(|_, s| reply(s, "204 No Content", "text/plain", b""));
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let _ = read_head(&mut s);
    assert_eq!(seen.lock().unwrap().as_slice(), ["GET /x HTTP/1.1"]);
}
