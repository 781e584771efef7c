//! Free ports, proven free by binding them (and closing them again) on IPv4 and IPv6.

use portdex_registry::{PortRange, Transport};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// What to look for.
#[derive(Debug, Clone, Copy)]
pub struct FreeRequest {
    /// tcp or udp.
    pub transport: Transport,
    /// Where to look.
    pub range: PortRange,
    /// How many ports.
    pub count: usize,
    /// Start here and go up (the dev-server habit: 3000, 3001…); otherwise start at a
    /// random place in the range, so that two callers rarely pick the same port.
    pub near: Option<u16>,
    /// Leave out the kernel's ephemeral range (outgoing connections take ports from it,
    /// so a port there can be taken at any moment).
    pub avoid_ephemeral: Option<PortRange>,
}

/// Why no port was found.
#[derive(Debug, thiserror::Error)]
pub enum FreeError {
    /// Fewer free ports than asked for.
    #[error("found {found} free {transport} port(s) in {range}, {wanted} asked for")]
    NotEnough {
        /// How many were found.
        found: usize,
        /// How many were asked for.
        wanted: usize,
        /// Where.
        range: PortRange,
        /// Which transport.
        transport: Transport,
    },
    /// Only tcp and udp ports can be tested.
    #[error("{0} ports cannot be tested by binding: use tcp or udp")]
    Transport(Transport),
}

impl FreeError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            FreeError::NotEnough {
                found,
                wanted,
                range,
                transport,
            } => ja::not_enough_free(*found, transport, range, *wanted),
            FreeError::Transport(t) => ja::not_bindable(t),
        }
    }
}

/// The kernel's ephemeral port range (net.ipv4.ip_local_port_range), if readable.
pub fn ephemeral_range() -> Option<PortRange> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(|n| n.parse::<u16>());
    let (lo, hi) = (it.next()?.ok()?, it.next()?.ok()?);
    (lo <= hi).then_some(PortRange { lo, hi })
}

/// Whether `port` can be bound now on every address, IPv4 and IPv6, by a program that
/// does not set SO_REUSEADDR (most do not; Rust's std does, and would call a port in
/// TIME_WAIT free). Port 0 is never free: binding it asks the kernel for any port.
pub fn is_free(transport: Transport, port: u16) -> bool {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    if port == 0 {
        return false;
    }
    let kind = match transport {
        Transport::Tcp => SocketType::STREAM,
        Transport::Udp => SocketType::DGRAM,
        _ => return false,
    };
    // Each socket is closed before the next bind.
    let bind = |family: AddressFamily, addr: SocketAddr| -> rustix::io::Result<()> {
        let fd = rustix::net::socket_with(family, kind, SocketFlags::CLOEXEC, None)?;
        rustix::net::bind(&fd, &addr)
    };
    let v4 = bind(
        AddressFamily::INET,
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)),
    );
    // A host without IPv6 says "address family not supported": the port is not busy.
    let v6 = match bind(
        AddressFamily::INET6,
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)),
    ) {
        Err(rustix::io::Errno::AFNOSUPPORT) => Ok(()),
        r => r,
    };
    v4.is_ok() && v6.is_ok()
}

/// A start for the search that differs between calls and processes.
fn scatter(len: u32) -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    (h.finish() % u64::from(len.max(1))) as u32
}

/// Finds `count` free ports.
///
/// ```no_run
/// use portdex_net::{free_ports, FreeRequest};
/// use portdex_registry::{PortRange, Transport};
/// let ports = free_ports(&FreeRequest {
///     transport: Transport::Tcp,
///     range: PortRange { lo: 3000, hi: 3999 },
///     count: 2,
///     near: Some(3000),
///     avoid_ephemeral: None,
/// }).unwrap();
/// assert_eq!(ports.len(), 2);
/// ```
pub fn free_ports(req: &FreeRequest) -> Result<Vec<u16>, FreeError> {
    if !matches!(req.transport, Transport::Tcp | Transport::Udp) {
        return Err(FreeError::Transport(req.transport));
    }
    let range = req.range;
    // The candidate ports in search order: from `near` upwards, or from a random place
    // among the allowed ports (wrapping), so that no port is favoured.
    let allowed: Vec<u16> = (range.lo..=range.hi)
        .filter(|p| !req.avoid_ephemeral.is_some_and(|e| e.contains(*p)))
        .collect();
    let start = match req.near {
        Some(p) => allowed.partition_point(|&x| x < p),
        None => scatter(allowed.len() as u32) as usize,
    };
    let order = allowed[start..].iter().chain(if req.near.is_some() {
        &[][..]
    } else {
        &allowed[..start]
    });
    let mut found = Vec::with_capacity(req.count);
    for &port in order {
        if found.len() == req.count {
            break;
        }
        if is_free(req.transport, port) {
            found.push(port);
        }
    }
    if found.len() < req.count {
        return Err(FreeError::NotEnough {
            found: found.len(),
            wanted: req.count,
            range,
            transport: req.transport,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_held_port_is_not_free_and_a_found_one_binds() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        assert!(!is_free(Transport::Tcp, port));
        let got = free_ports(&FreeRequest {
            transport: Transport::Tcp,
            range: PortRange {
                lo: port,
                hi: port.saturating_add(50),
            },
            count: 3,
            near: Some(port),
            avoid_ephemeral: None,
        })
        .unwrap();
        assert!(!got.contains(&port), "{got:?}");
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "near means ascending: {got:?}"
        );
        for p in got {
            TcpListener::bind(("0.0.0.0", p)).unwrap();
        }
        assert!(!is_free(Transport::Udp, 0));
    }

    #[test]
    fn a_port_in_time_wait_is_not_free() {
        // The side that closes first keeps the connection in TIME_WAIT on its port:
        // a plain bind() there fails until it expires, though std's bind would pass.
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted, _) = server.accept().unwrap();
        drop(server);
        drop(accepted); // the server side closes first: TIME_WAIT on `port`
        let mut buf = [0u8; 1];
        let _ = std::io::Read::read(&mut &client, &mut buf);
        drop(client);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!is_free(Transport::Tcp, port), "{port} is in TIME_WAIT");
    }

    #[test]
    fn the_ephemeral_range_is_left_out() {
        let e = PortRange {
            lo: 40000,
            hi: 40099,
        };
        let got = free_ports(&FreeRequest {
            transport: Transport::Udp,
            range: PortRange {
                lo: 40000,
                hi: 40199,
            },
            count: 5,
            near: None,
            avoid_ephemeral: Some(e),
        })
        .unwrap();
        assert!(got.iter().all(|p| !e.contains(*p)), "{got:?}");
    }

    #[test]
    fn asking_too_much_says_how_much_was_found() {
        let held = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let err = free_ports(&FreeRequest {
            transport: Transport::Tcp,
            range: PortRange::single(port),
            count: 1,
            near: None,
            avoid_ephemeral: None,
        })
        .unwrap_err();
        assert!(
            err.to_string().starts_with("found 0 free tcp port(s)"),
            "{err}"
        );
    }
}
