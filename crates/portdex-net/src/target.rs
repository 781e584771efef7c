//! What to scan: targets (addresses, networks, names), their bounds, port lists,
//! durations, and portdex's list of the ports worth trying first.

use std::net::IpAddr;
use std::time::Duration;

/// Why a target or port list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Neither an address, a network nor a resolvable name.
    #[error("'{0}' is not an IP address, a network (10.0.0.0/28) or a host name that resolves")]
    Unknown(String),
    /// Looks like an IPv4 address but is not one.
    #[error("'{0}' is not a valid IPv4 address: each of the four parts is 0-255")]
    BadIpv4(String),
    /// A network prefix that is malformed or out of range.
    #[error("'{0}': the prefix length must be 0-32 for IPv4, 0-128 for IPv6")]
    BadPrefix(String),
    /// More hosts than allowed, all targets together.
    #[error("the targets hold {count} addresses in all; at most 65536 (a /16) without --force, 16777216 (a /8) with it")]
    TooMany {
        /// How many addresses they hold.
        count: u128,
    },
    /// Brackets that are not one pair around an IPv6 address.
    #[error("'{0}': brackets go around an IPv6 address, once: [::1]")]
    Brackets(String),
    /// A port list that is empty or malformed.
    #[error("port list '{spec}': {reason}")]
    BadPorts {
        /// The list.
        spec: String,
        /// Why.
        reason: String,
        /// Why, in Japanese (for [`TargetError::message`]).
        reason_ja: String,
    },
}

impl TargetError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            TargetError::Unknown(v) => ja::unknown_target(v),
            TargetError::BadIpv4(v) => ja::bad_ipv4(v),
            TargetError::BadPrefix(v) => ja::bad_prefix(v),
            TargetError::TooMany { count } => ja::too_many_targets(*count),
            TargetError::Brackets(v) => ja::brackets(v),
            TargetError::BadPorts {
                spec, reason_ja, ..
            } => ja::bad_ports(spec, reason_ja),
        }
    }
}

/// The addresses of a target: a list (an address, a name's addresses), or a network
/// whose addresses are made one at a time as the scan goes (a /8 takes no memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// These addresses.
    List(Vec<IpAddr>),
    /// `count` addresses from `first` (the bits of an IPv4 or IPv6 address).
    Network {
        /// The first address's bits.
        first: u128,
        /// How many.
        count: u128,
        /// IPv6 or IPv4.
        v6: bool,
    },
}

impl Hosts {
    /// How many addresses.
    pub fn len(&self) -> u128 {
        match self {
            Hosts::List(v) => v.len() as u128,
            Hosts::Network { count, .. } => *count,
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The addresses, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = IpAddr> + '_> {
        match self {
            Hosts::List(v) => Box::new(v.iter().copied()),
            &Hosts::Network { first, count, v6 } => Box::new((0..count).map(move |i| {
                if v6 {
                    IpAddr::V6(std::net::Ipv6Addr::from_bits(first + i))
                } else {
                    IpAddr::V4(std::net::Ipv4Addr::from_bits((first + i) as u32))
                }
            })),
        }
    }
}

/// The most addresses one scan takes without --force (a /16), and with it (a /8).
pub const MAX_HOSTS: u128 = 1 << 16;
/// The most addresses one scan takes with --force.
pub const MAX_HOSTS_FORCED: u128 = 1 << 24;

/// Checks the sum of all targets against [`MAX_HOSTS`] (or [`MAX_HOSTS_FORCED`] with
/// `force`): four /16s are four times a /16.
pub fn check_hosts(targets: &[Hosts], force: bool) -> Result<(), TargetError> {
    let total = targets
        .iter()
        .fold(0u128, |sum, h| sum.saturating_add(h.len()));
    if total > MAX_HOSTS_FORCED || (total > MAX_HOSTS && !force) {
        return Err(TargetError::TooMany { count: total });
    }
    Ok(())
}

/// What a target names, read without any lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An address or a network.
    Hosts(Hosts),
    /// A well-formed host name, for the resolver.
    Name(String),
}

/// Addresses of a target: an IP address (IPv6 in brackets or not), a network in CIDR
/// notation, or a host name (resolved by the system resolver).
pub fn resolve_target(target: &str) -> Result<Hosts, TargetError> {
    let name = match parse_target(target)? {
        Target::Hosts(h) => return Ok(h),
        Target::Name(n) => n,
    };
    use std::net::ToSocketAddrs;
    let mut ips: Vec<IpAddr> = (name.as_str(), 0)
        .to_socket_addrs()
        .map_err(|_| TargetError::Unknown(target.into()))?
        .map(|a| a.ip())
        .collect();
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        return Err(TargetError::Unknown(target.into()));
    }
    Ok(Hosts::List(ips))
}

/// Reads a target without resolving it: an address, a network, or a well-formed host
/// name (RFC 1123 labels; nothing else reaches the resolver).
pub fn parse_target(target: &str) -> Result<Target, TargetError> {
    let raw = target.trim();
    // Brackets are IPv6's, one pair around the whole address: `[::1]`.
    let t = match raw.strip_prefix('[') {
        Some(inner) => match inner.strip_suffix(']') {
            Some(ip) if ip.parse::<std::net::Ipv6Addr>().is_ok() => ip,
            _ => return Err(TargetError::Brackets(target.into())),
        },
        None if raw.contains(['[', ']']) => return Err(TargetError::Brackets(target.into())),
        None => raw,
    };
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok(Target::Hosts(Hosts::List(vec![ip])));
    }
    // localhost is the loopback addresses, both of them (RFC 6761, 6.3), whatever the
    // hosts file says; resolvers often give 127.0.0.1 alone, and ::1's listeners were
    // missed.
    if t.eq_ignore_ascii_case("localhost") || t.eq_ignore_ascii_case("localhost.") {
        return Ok(Target::Hosts(Hosts::List(vec![
            IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ])));
    }
    if let Some((net, prefix)) = t.split_once('/') {
        let ip: IpAddr = net
            .parse()
            .map_err(|_| TargetError::Unknown(target.into()))?;
        let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
        let prefix: u32 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= bits)
            .ok_or_else(|| TargetError::BadPrefix(target.into()))?;
        let count: u128 = 1u128.checked_shl(bits - prefix).unwrap_or(u128::MAX);
        let base: u128 = match ip {
            IpAddr::V4(a) => u128::from(a.to_bits()),
            IpAddr::V6(a) => a.to_bits(),
        };
        let mask = if prefix == 0 {
            0
        } else {
            u128::MAX << (bits - prefix)
        } & if bits == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        return Ok(Target::Hosts(Hosts::Network {
            first: base & mask,
            count,
            v6: ip.is_ipv6(),
        }));
    }
    if t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.contains('.') {
        return Err(TargetError::BadIpv4(target.into()));
    }
    // Only a well-formed host name is handed to the resolver (RFC 1123 labels).
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if t.len() > 253 || !t.trim_end_matches('.').split('.').all(label_ok) {
        return Err(TargetError::Unknown(target.into()));
    }
    Ok(Target::Name(t.to_owned()))
}

/// Reads 500ms, 2s, 1.5s, 1m (a bare number is milliseconds), from 1 ms to 1 hour.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let t = s.trim();
    let (num, unit) = t
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((t, "ms"), |i| t.split_at(i));
    let n: f64 = num.trim().parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    // Below a millisecond nothing can answer: that is a typo, not a wish.
    (0.001..=3600.0)
        .contains(&secs)
        .then(|| Duration::from_secs_f64(secs))
}

/// Reads a port list: `22,80,443,8000-8100`, or `-` for all of 1-65535.
pub fn parse_ports(spec: &str) -> Result<Vec<u16>, TargetError> {
    use portdex_text::errors_ja as ja;
    let bad = |reason: String, reason_ja: String| TargetError::BadPorts {
        spec: spec.into(),
        reason,
        reason_ja,
    };
    let s = spec.trim();
    if s.is_empty() {
        return Err(bad(
            "it is empty: give ports (22,80), ranges (8000-8100) or - for all".into(),
            ja::ports_empty(),
        ));
    }
    if s == "-" {
        return Ok((1..=65535).collect());
    }
    let mut seen = vec![false; 65536];
    for item in s.split(',') {
        let r: portdex_registry::PortRange = item.trim().parse().map_err(|e| match e {
            // Port 0 cannot be scanned: the range to name is 1-65535.
            portdex_registry::ParseError::OutOfRange(v) => bad(
                format!("'{v}' is out of range: scanned ports are 1-65535"),
                ja::scan_out_of_range(&v),
            ),
            e => bad(e.to_string(), e.message(portdex_text::Lang::Ja)),
        })?;
        if r.lo == 0 {
            return Err(bad(
                "port 0 cannot be scanned: ports are 1-65535".into(),
                ja::scan_port_zero(),
            ));
        }
        for p in r.lo..=r.hi {
            seen[usize::from(p)] = true;
        }
    }
    Ok((1..=65535u16).filter(|p| seen[usize::from(*p)]).collect())
}

/// portdex's own list of the ports worth trying first, best first: the ports of the
/// curated knowledge (services administrators and developers meet every day), then
/// every well-known port with an IANA TCP assignment, then registered ports with an
/// IANA TCP assignment, ascending. See docs/scan.md.
pub fn top_ports(n: usize) -> Vec<u16> {
    use portdex_registry::{all_assignments, all_knowledge, Status, Transport};
    let mut order: Vec<u16> = Vec::new();
    let mut seen = vec![false; 65536];
    let mut push = |p: u16, order: &mut Vec<u16>| {
        if p != 0 && !seen[usize::from(p)] {
            seen[usize::from(p)] = true;
            order.push(p);
        }
    };
    let mut curated: Vec<_> = all_knowledge()
        .filter(|k| k.has_transport(Transport::Tcp))
        .collect();
    // Most severe first: those are the ones worth finding.
    curated.sort_by_key(|k| (std::cmp::Reverse(k.severity()), k.ports().lo));
    for k in &curated {
        let r = k.ports();
        // A short range (Consul 8300-8302) entirely; a long one (NodePort) by its first port.
        let hi = if r.len() <= 16 { r.hi } else { r.lo };
        for p in r.lo..=hi {
            push(p, &mut order);
        }
    }
    let assigned_tcp = |below: u16| {
        all_assignments().filter_map(move |a| {
            let p = a.ports()?;
            (a.transport() == Some(Transport::Tcp)
                && a.status() == Status::Assigned
                && p.lo == p.hi
                && p.lo < below)
                .then_some(p.lo)
        })
    };
    for p in assigned_tcp(1024) {
        push(p, &mut order);
    }
    for p in assigned_tcp(49152) {
        push(p, &mut order);
    }
    order.truncate(n);
    order
}
