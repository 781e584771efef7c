//! The Host check: on loopback, only requests that name this server (localhost,
//! 127.0.0.1, [::1] and --allowed-host) are answered, against DNS rebinding.

use super::*;

/// Which Host headers a server answers: a page on another site that rebinds its own
/// name to 127.0.0.1 sends its own name as Host, and gets 421.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    /// Lowercase names (IPv6 in brackets), each with its port, or None for any port.
    allowed: Vec<(String, Option<u16>)>,
    /// For the error message.
    listening: std::net::SocketAddr,
}

/// "Name:port", "[::1]:port" or a name alone → (name, port), without copying.
pub(crate) fn split_host(h: &str) -> Option<(&str, Option<u16>)> {
    let h = h.trim();
    let (name, port) = match h.rfind(':') {
        Some(i) if !h.starts_with('[') || h[..i].ends_with(']') => {
            (&h[..i], Some(h[i + 1..].parse::<u16>().ok()?))
        }
        _ => (h, None),
    };
    (!name.is_empty()).then_some((name, port))
}

impl HostPolicy {
    /// None: any Host (bound to other interfaces, no --allowed-host).
    pub(crate) fn for_address(addr: std::net::SocketAddr, extra: &[String]) -> Option<HostPolicy> {
        let ip = match addr.ip() {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            ip => ip,
        };
        let mut allowed: Vec<(String, Option<u16>)> = extra
            .iter()
            .filter_map(|h| split_host(h))
            .map(|(n, p)| (n.to_ascii_lowercase(), p))
            .collect();
        if ip.is_loopback() {
            for name in ["localhost", "127.0.0.1", "[::1]"] {
                allowed.push((name.to_owned(), Some(addr.port())));
            }
        } else if allowed.is_empty() {
            return None;
        }
        Some(HostPolicy {
            allowed,
            listening: addr,
        })
    }

    fn admits(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        // Without a port, HTTP's own: 80.
        let port = port.unwrap_or(80);
        self.allowed
            .iter()
            .any(|(n, p)| n.eq_ignore_ascii_case(name) && p.is_none_or(|p| p == port))
    }

    fn names(&self) -> String {
        self.allowed
            .iter()
            .map(|(n, p)| p.map_or_else(|| n.clone(), |p| format!("{n}:{p}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// 421 for a Host the server does not answer; requests without Host (HTTP/1.0 tools)
/// pass, since browsers always send one.
pub(crate) fn refused_host(
    policy: &HostPolicy,
    headers: &axum::http::HeaderMap,
) -> Option<Response> {
    // Checked on every request: no copy unless it is refused.
    let h = headers.get(header::HOST)?.as_bytes();
    if std::str::from_utf8(h).is_ok_and(|h| policy.admits(h)) {
        return None;
    }
    Some(
        ApiError(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "Host '{}' is not served here: portdex serve on {} answers to {}; behind a reverse proxy, start it with --allowed-host NAME",
                Shown::new(&String::from_utf8_lossy(h)),
                policy.listening,
                policy.names()
            ),
            Value::Null,
        )
        .into_response(),
    )
}

#[cfg(test)]
mod host_tests {
    use super::HostPolicy;

    #[test]
    fn loopback_answers_its_own_names_only() {
        let p = HostPolicy::for_address("127.0.0.1:7878".parse().unwrap(), &[]).unwrap();
        for ok in [
            "localhost:7878",
            "127.0.0.1:7878",
            "[::1]:7878",
            "LOCALHOST:7878",
        ] {
            assert!(p.admits(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:7878",
            "localhost:7879",
            "localhost",
            "127.0.0.1.attacker.example:7878",
            "[::1]",
            "",
            "localhost:",
            "localhost:x",
        ] {
            assert!(!p.admits(bad), "{bad}");
        }
        let p = HostPolicy::for_address(
            "[::ffff:127.0.0.1]:80".parse().unwrap(),
            &["ports.example.org".into(), "proxy:8443".into()],
        )
        .unwrap();
        for ok in [
            "localhost",
            "localhost:80",
            "ports.example.org",
            "ports.example.org:443",
            "proxy:8443",
        ] {
            assert!(p.admits(ok), "{ok}");
        }
        assert!(!p.admits("proxy:8444"));
        assert!(HostPolicy::for_address("0.0.0.0:7878".parse().unwrap(), &[]).is_none());
        let p = HostPolicy::for_address("0.0.0.0:7878".parse().unwrap(), &["a.example".into()])
            .unwrap();
        assert!(p.admits("a.example:7878") && !p.admits("localhost:7878"));
    }
}
