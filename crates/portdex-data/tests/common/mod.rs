//! Helpers shared by the tests: the bundled copy of IANA's CSV and a tiny HTTP server on
//! 127.0.0.1 that answers with canned responses. No traffic leaves the machine.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// IANA's CSV as published (data/sources/iana/, with its provenance).
pub fn bundled() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/sources/iana/service-names-port-numbers.csv"
    ))
    .expect("the bundled CSV")
}

/// The bundled CSV with the first occurrence of `from` replaced by `to`.
pub fn bundled_with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bundled()).unwrap();
    assert!(text.contains(from), "{from:?} is not in the CSV");
    text.replacen(from, to, 1).into_bytes()
}

/// A request as the server saw it: its request line.
pub type Seen = Arc<Mutex<Vec<String>>>;

/// Starts a server on 127.0.0.1 that calls `respond` with each request line and the
/// connection (after the request head has been read). Returns its address and the
/// request lines seen so far.
pub fn serve<F>(respond: F) -> (SocketAddr, Seen)
where
    F: Fn(&str, &mut TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    let respond = Arc::new(respond);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = respond.clone();
            let seen = seen2.clone();
            std::thread::spawn(move || {
                let Some(line) = read_head(&mut stream) else {
                    return;
                };
                seen.lock().unwrap().push(line.clone());
                respond(&line, &mut stream);
            });
        }
    });
    (addr, seen)
}

/// Reads a request head; returns its first line.
pub fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
    }
    Some(first.trim_end().to_string())
}

/// Writes a complete response with a Content-Length.
pub fn reply(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// A server that answers every request with `body` (200, text/csv).
pub fn serve_bytes(body: Vec<u8>) -> (SocketAddr, Seen) {
    serve(move |_, s| reply(s, "200 OK", "text/csv", &body))
}
