//! Service detection: read what a service says first; when it says nothing, send at most
//! one small, harmless probe chosen by the port (an HTTP HEAD, a TLS ClientHello, a
//! Redis PING, a memcached `version`, a PostgreSQL SSLRequest). No logins, nothing that
//! changes the target.

use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What answered on a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detected {
    /// ssh, http, tls, smtp, ftp, pop3, imap, redis, memcached, mysql, postgresql.
    pub service: &'static str,
    /// Version or product from the banner or headers, when given.
    pub info: Option<String>,
}

/// The probe for a silent service on this port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Http,
    Tls,
    Redis,
    Memcached,
    Postgres,
}

fn probe_for(port: u16) -> Probe {
    match port {
        443 | 465 | 636 | 853 | 989 | 990 | 993 | 995 | 2376 | 5061 | 5986 | 6443 | 8443 | 8883
        | 9443 | 10250 => Probe::Tls,
        6379 | 26379 => Probe::Redis,
        11211 => Probe::Memcached,
        5432 | 5433 | 6432 => Probe::Postgres,
        _ => Probe::Http,
    }
}

/// A TLS 1.2 ClientHello (no SNI) offering common ECDHE/RSA suites: any TLS server
/// answers it with a handshake or an alert.
const CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0x5b, // record: handshake, TLS 1.0 framing, length 91
    0x01, 0x00, 0x00, 0x57, // ClientHello, length 87
    0x03, 0x03, // TLS 1.2
    0x50, 0x4f, 0x52, 0x54, 0x44, 0x45, 0x58, 0x21, 0x50, 0x4f, 0x52, 0x54, 0x44, 0x45, 0x58, 0x21,
    0x50, 0x4f, 0x52, 0x54, 0x44, 0x45, 0x58, 0x21, 0x50, 0x4f, 0x52, 0x54, 0x44, 0x45, 0x58,
    0x21, // random (32)
    0x00, // no session id
    0x00, 0x0c, 0xc0, 0x2f, 0xc0, 0x2b, 0xc0, 0x30, 0xc0, 0x2c, 0x00, 0x9c, 0x00,
    0x2f, // 6 suites
    0x01, 0x00, // null compression
    0x00, 0x22, // extensions, 34 bytes
    0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00,
    0x18, // supported_groups
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats
    0x00, 0x0d, 0x00, 0x0c, 0x00, 0x0a, 0x04, 0x01, 0x05, 0x01, 0x04, 0x03, 0x05, 0x03, 0x08,
    0x04, // signature_algorithms
];

/// Reads what arrives within `wait` (or until the peer stops), at most 1 KiB.
fn read_some(s: &mut TcpStream, wait: Duration) -> Vec<u8> {
    let deadline = Instant::now() + wait;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while buf.len() < 1024 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || s.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                // A line-based greeting is complete at its first line end.
                if buf.contains(&b'\n') || buf.first().is_some_and(|b| *b == 0x16 || *b == 0x15) {
                    break;
                }
            }
        }
    }
    buf
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

fn first_line(b: &[u8]) -> String {
    text(b).lines().next().unwrap_or_default().trim().to_owned()
}

/// Names the service behind a greeting or a probe's answer.
pub fn classify(port: u16, answer: &[u8]) -> Option<Detected> {
    let line = first_line(answer);
    let d = |service, info: Option<String>| {
        Some(Detected {
            service,
            info: info.filter(|s| !s.is_empty()),
        })
    };
    if let Some(v) = line.strip_prefix("SSH-") {
        let info = v.split_once('-').map(|(_, sw)| sw.to_owned());
        return d("ssh", info);
    }
    if line.starts_with("HTTP/") {
        let server = text(answer).lines().find_map(|l| {
            l.strip_prefix("Server:")
                .or_else(|| l.strip_prefix("server:"))
                .map(|s| s.trim().to_owned())
        });
        return d("http", server);
    }
    if answer.len() >= 3 && (answer[0] == 0x16 || answer[0] == 0x15) && answer[1] == 0x03 {
        return d("tls", None);
    }
    if line.starts_with("+PONG")
        || line.starts_with("-NOAUTH")
        || line.starts_with("-DENIED")
        || line.starts_with("-ERR unknown command")
    {
        return d("redis", None);
    }
    if let Some(v) = line.strip_prefix("VERSION ") {
        return d("memcached", Some(v.to_owned()));
    }
    if answer == b"S" || answer == b"N" {
        return d("postgresql", None);
    }
    if answer.len() > 5 && answer[3] == 0 && (answer[4] == 0x0a || answer[4] == 0xff) {
        // MySQL/MariaDB: packet header, then protocol 10 and a NUL-terminated version
        // (or an error packet when this host is not allowed).
        let info = (answer[4] == 0x0a)
            .then(|| {
                answer[5..]
                    .split(|b| *b == 0)
                    .next()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            })
            .flatten();
        return d("mysql", info);
    }
    if let Some(rest) = line.strip_prefix("+OK") {
        return d("pop3", Some(rest.trim().to_owned()));
    }
    if let Some(rest) = line
        .strip_prefix("* OK")
        .or_else(|| line.strip_prefix("* PREAUTH"))
    {
        return d("imap", Some(rest.trim().to_owned()));
    }
    if let Some(rest) = line.strip_prefix("220") {
        let lower = line.to_ascii_lowercase();
        let rest = rest.trim_start_matches(['-', ' ']).to_owned();
        if lower.contains("smtp") || lower.contains("mail") || matches!(port, 25 | 465 | 587 | 2525)
        {
            return d("smtp", Some(rest));
        }
        if lower.contains("ftp") || matches!(port, 21 | 990) {
            return d("ftp", Some(rest));
        }
    }
    None
}

/// Connects once to `addr`, listens, probes at most once, and names the service.
pub fn detect(addr: SocketAddr, timeout: Duration) -> Option<Detected> {
    let mut s = TcpStream::connect_timeout(&addr, timeout).ok()?;
    let _ = s.set_nodelay(true);
    // Services that speak first (SSH, SMTP, FTP, POP3, IMAP, MySQL) do so at once.
    let greeting = read_some(&mut s, timeout.min(Duration::from_millis(800)));
    if !greeting.is_empty() {
        return classify(addr.port(), &greeting);
    }
    let probe: Vec<u8> = match probe_for(addr.port()) {
        Probe::Http => format!(
            "HEAD / HTTP/1.0\r\nHost: {}\r\nUser-Agent: portdex\r\n\r\n",
            addr.ip()
        )
        .into_bytes(),
        Probe::Tls => CLIENT_HELLO.to_vec(),
        Probe::Redis => b"PING\r\n".to_vec(),
        Probe::Memcached => b"version\r\n".to_vec(),
        // SSLRequest: length 8, code 80877103; the server answers one byte, S or N.
        Probe::Postgres => vec![0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f],
    };
    s.write_all(&probe).ok()?;
    let answer = read_some(&mut s, timeout);
    classify(addr.port(), &answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_and_answers() {
        let c = |p, b: &[u8]| classify(p, b).map(|d| (d.service, d.info));
        assert_eq!(
            c(22, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
            Some(("ssh", Some("OpenSSH_9.2p1 Debian-2".into())))
        );
        assert_eq!(
            c(25, b"220 mx.example ESMTP Postfix\r\n").unwrap().0,
            "smtp"
        );
        assert_eq!(c(2121, b"220 (vsFTPd 3.0.3)\r\n").unwrap().0, "ftp");
        assert_eq!(c(110, b"+OK Dovecot ready.\r\n").unwrap().0, "pop3");
        assert_eq!(
            c(143, b"* OK [CAPABILITY IMAP4rev1] ready\r\n").unwrap().0,
            "imap"
        );
        assert_eq!(
            c(80, b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n"),
            Some(("http", Some("nginx/1.22.1".into())))
        );
        assert_eq!(c(6379, b"+PONG\r\n").unwrap().0, "redis");
        assert_eq!(
            c(6379, b"-NOAUTH Authentication required.\r\n").unwrap().0,
            "redis"
        );
        assert_eq!(
            c(11211, b"VERSION 1.6.18\r\n"),
            Some(("memcached", Some("1.6.18".into())))
        );
        assert_eq!(c(5432, b"N").unwrap().0, "postgresql");
        assert_eq!(c(443, &[0x16, 0x03, 0x03, 0x00, 0x40]).unwrap().0, "tls");
        let mysql = b"\x4a\x00\x00\x00\x0a8.0.36\x00rest";
        assert_eq!(c(3306, mysql), Some(("mysql", Some("8.0.36".into()))));
        assert_eq!(c(9999, b"hello"), None);
    }

    #[test]
    fn the_client_hello_is_well_formed() {
        assert_eq!(CLIENT_HELLO.len(), 5 + 0x5b);
        assert_eq!(usize::from(CLIENT_HELLO[8]) + 9, CLIENT_HELLO.len());
    }
}
