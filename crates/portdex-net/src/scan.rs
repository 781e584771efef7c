//! A TCP connect scan: non-blocking connects with a bounded number in flight, collected
//! with epoll, one worker per core. Open (connected), closed (refused) and filtered (no
//! answer before the timeout, or unreachable) are distinct; retries re-try only the
//! filtered ports. The number in flight is sized from the file-descriptor limit (the soft
//! limit is raised to the hard one), and running out of descriptors only slows the scan
//! down: no port is ever lost.
//!
//! A connect to a loopback port inside the ephemeral range can pick that very port as
//! its source and connect the socket to itself; such a port is not open, and is counted
//! as closed.

use rustix::event::epoll;
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use serde::Serialize;
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a port answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    /// A connection was accepted.
    Open,
    /// The connection was refused (RST).
    Closed,
    /// No answer before the timeout, or the host or network is unreachable.
    Filtered,
}

/// At most N connects a second, shared by every worker, every host, the retries and the
/// detection connects that follow (one budget, not one per thread).
#[derive(Debug)]
pub struct Rate {
    start: Instant,
    /// Nanoseconds between two connects.
    interval: u64,
    /// Connects handed out so far.
    issued: std::sync::atomic::AtomicU64,
}

impl Rate {
    /// `n` connects a second (at least 1).
    pub fn per_second(n: u32) -> Rate {
        Rate {
            start: Instant::now(),
            interval: 1_000_000_000 / u64::from(n.max(1)),
            issued: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Takes the next connect if it is due; otherwise says how long until it is.
    pub fn try_take(&self) -> Result<(), Duration> {
        let now = self.start.elapsed().as_nanos() as u64;
        let mut issued = self.issued.load(Ordering::Relaxed);
        loop {
            let due = issued.saturating_mul(self.interval);
            if now < due {
                return Err(Duration::from_nanos(due - now));
            }
            match self.issued.compare_exchange_weak(
                issued,
                issued + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(seen) => issued = seen,
            }
        }
    }

    /// Waits for the next connect and takes it.
    pub fn take(&self) {
        while let Err(wait) = self.try_take() {
            std::thread::sleep(wait);
        }
    }
}

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// How long to wait for each connect.
    pub timeout: Duration,
    /// How often to re-try filtered ports.
    pub retries: u32,
    /// At most this many connects in flight in all (None: as many as the fd limit allows, up to 8192).
    pub concurrency: Option<usize>,
    /// At most this many new connects per second, for all workers (None: no limit).
    pub rate: Option<std::sync::Arc<Rate>>,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(1000),
            retries: 1,
            concurrency: None,
            rate: None,
            threads: None,
        }
    }
}

/// Raises the soft fd limit to the hard one and returns the resulting soft limit.
pub fn raise_fd_limit() -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if let Some(max) = lim.maximum {
        if lim.current.is_some_and(|c| c < max) {
            lim.current = Some(max);
            let _ = setrlimit(Resource::Nofile, lim);
        }
    }
    getrlimit(Resource::Nofile)
        .current
        .map_or(1 << 20, |c| c.min(1 << 20) as usize)
}

/// The result of scanning one host.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostScan {
    /// Open ports, ascending.
    pub open: Vec<u16>,
    /// How many were refused.
    pub closed: usize,
    /// Ports with no answer (after the retries), ascending.
    pub filtered: Vec<u16>,
    /// How long it took.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Scans `ports` of `ip`. `done` counts ports finished, for progress displays.
pub fn scan_host(
    ip: IpAddr,
    ports: &[u16],
    opts: &ScanOptions,
    done: &AtomicUsize,
) -> io::Result<HostScan> {
    let start = Instant::now();
    let limit = raise_fd_limit();
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64)
        .min(ports.len().max(1));
    // Keep descriptors for the rest of the process (stdio, epoll, the other threads).
    let budget = limit.saturating_sub(32 + 2 * threads).max(threads);
    let total = opts.concurrency.unwrap_or(8192).min(budget).max(1);
    let window = (total / threads).max(1);
    let rate = opts.rate.as_deref();

    let mut result = HostScan::default();
    let mut todo: Vec<u16> = ports.to_vec();
    for attempt in 0..=opts.retries {
        if todo.is_empty() {
            break;
        }
        let parts: Vec<Vec<u16>> = (0..threads)
            .map(|t| todo.iter().copied().skip(t).step_by(threads).collect())
            .collect();
        let outcomes: Vec<io::Result<Vec<(u16, PortState)>>> = std::thread::scope(|s| {
            let handles: Vec<_> = parts
                .iter()
                .map(|part| {
                    s.spawn(move || connect_all(ip, part, window, opts.timeout, rate, done))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(io::Error::other("scan worker panicked")))
                })
                .collect()
        });
        let mut filtered = Vec::new();
        for o in outcomes {
            for (port, state) in o? {
                match state {
                    PortState::Open => result.open.push(port),
                    PortState::Closed => result.closed += 1,
                    PortState::Filtered => filtered.push(port),
                }
            }
        }
        if attempt < opts.retries && !filtered.is_empty() {
            // Re-tried ports are counted again by the progress display.
            done.fetch_sub(filtered.len(), Ordering::Relaxed);
        }
        todo = filtered;
    }
    result.filtered = todo;
    result.open.sort_unstable();
    result.filtered.sort_unstable();
    result.elapsed = start.elapsed();
    Ok(result)
}

struct Slot {
    fd: OwnedFd,
    port: u16,
    generation: u64,
}

/// Whether a connected socket is connected to itself (see the module documentation).
fn self_connected(fd: &OwnedFd) -> bool {
    let local = rustix::net::getsockname(fd)
        .ok()
        .and_then(|a| SocketAddr::try_from(a).ok());
    let peer = rustix::net::getpeername(fd)
        .ok()
        .flatten()
        .and_then(|a| SocketAddr::try_from(a).ok());
    local.is_some() && local == peer
}

fn finished(fd: &OwnedFd) -> PortState {
    match rustix::net::sockopt::socket_error(fd) {
        Ok(Ok(())) if !self_connected(fd) => PortState::Open,
        Ok(Ok(())) => PortState::Closed,
        Ok(Err(Errno::CONNREFUSED)) => PortState::Closed,
        // Timed out in the kernel, or unreachable: nothing answered.
        _ => PortState::Filtered,
    }
}

/// One worker: connects to every port of `ports`, at most `window` in flight.
fn connect_all(
    ip: IpAddr,
    ports: &[u16],
    window: usize,
    timeout: Duration,
    rate: Option<&Rate>,
    done: &AtomicUsize,
) -> io::Result<Vec<(u16, PortState)>> {
    let family = if ip.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let ep = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    let mut out = Vec::with_capacity(ports.len());
    let mut slots: Vec<Option<Slot>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut deadlines: VecDeque<(Instant, usize, u64)> = VecDeque::new();
    let mut generation = 0u64;
    let mut window = window;
    let mut inflight = 0usize;
    let mut next = 0usize;
    let mut events: Vec<epoll::Event> = Vec::with_capacity(1024);
    let mut rate_wait = Duration::ZERO;
    let mut emfile_since: Option<Instant> = None;

    let record = |out: &mut Vec<(u16, PortState)>, port: u16, state: PortState| {
        out.push((port, state));
        done.fetch_add(1, Ordering::Relaxed);
    };

    while next < ports.len() || inflight > 0 {
        while next < ports.len() && inflight < window {
            if let Some(r) = rate {
                if let Err(wait) = r.try_take() {
                    rate_wait = wait;
                    break;
                }
            }
            let port = ports[next];
            let fd = match rustix::net::socket_with(
                family,
                SocketType::STREAM,
                SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
                None,
            ) {
                Ok(fd) => {
                    emfile_since = None;
                    fd
                }
                Err(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM) => {
                    // Out of descriptors: shrink the window to what is in flight and
                    // wait for completions; the port is tried again, never lost.
                    window = inflight.max(1);
                    let since = *emfile_since.get_or_insert_with(Instant::now);
                    if inflight == 0 {
                        if since.elapsed() > Duration::from_secs(30) {
                            return Err(io::Error::other(
                                "no file descriptor became free for 30 s",
                            ));
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    break;
                }
                Err(e) => return Err(e.into()),
            };
            next += 1;
            let addr = SocketAddr::new(ip, port);
            match rustix::net::connect(&fd, &addr) {
                Ok(()) => {
                    let state = if self_connected(&fd) {
                        PortState::Closed
                    } else {
                        PortState::Open
                    };
                    record(&mut out, port, state);
                }
                Err(Errno::INPROGRESS) => {
                    generation += 1;
                    let id = free.pop().unwrap_or_else(|| {
                        slots.push(None);
                        slots.len() - 1
                    });
                    epoll::add(
                        &ep,
                        &fd,
                        epoll::EventData::new_u64(id as u64),
                        epoll::EventFlags::OUT,
                    )?;
                    slots[id] = Some(Slot {
                        fd,
                        port,
                        generation,
                    });
                    deadlines.push_back((Instant::now() + timeout, id, generation));
                    inflight += 1;
                }
                Err(Errno::CONNREFUSED) => record(&mut out, port, PortState::Closed),
                Err(_) => record(&mut out, port, PortState::Filtered),
            }
        }
        if inflight == 0 {
            if next < ports.len() && rate.is_some() {
                std::thread::sleep(rate_wait.min(Duration::from_millis(100)));
            }
            continue;
        }
        let wait = deadlines
            .front()
            .map_or(Duration::from_millis(100), |(d, _, _)| {
                d.saturating_duration_since(Instant::now())
            })
            .min(Duration::from_millis(100))
            // A connect that waits for the rate: wake when it is due.
            .min(if rate.is_some() && next < ports.len() {
                rate_wait.max(Duration::from_millis(1))
            } else {
                Duration::MAX
            });
        let ts = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: wait.as_nanos() as _,
        };
        events.clear();
        epoll::wait(&ep, rustix::buffer::spare_capacity(&mut events), Some(&ts))?;
        for ev in &events {
            let id = ev.data.u64() as usize;
            if let Some(slot) = slots[id].take() {
                record(&mut out, slot.port, finished(&slot.fd));
                free.push(id);
                inflight -= 1;
            }
        }
        let now = Instant::now();
        while let Some(&(deadline, id, generation)) = deadlines.front() {
            if deadline > now {
                break;
            }
            deadlines.pop_front();
            if slots[id]
                .as_ref()
                .is_some_and(|s| s.generation == generation)
            {
                let slot = slots[id].take().expect("checked above");
                record(&mut out, slot.port, PortState::Filtered);
                free.push(id);
                inflight -= 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_listeners_on_loopback() {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let pa = a.local_addr().unwrap().port();
        let pb = b.local_addr().unwrap().port();
        let (lo, hi) = (pa.min(pb), pa.max(pb));
        let ports: Vec<u16> = (lo.saturating_sub(200).max(1)..=hi.saturating_add(200)).collect();
        let done = AtomicUsize::new(0);
        let opts = ScanOptions {
            concurrency: Some(64),
            threads: Some(2),
            ..ScanOptions::default()
        };
        let r = scan_host("127.0.0.1".parse().unwrap(), &ports, &opts, &done).unwrap();
        assert!(r.open.contains(&pa) && r.open.contains(&pb), "{:?}", r.open);
        assert!(r.filtered.is_empty());
        assert_eq!(r.open.len() + r.closed, ports.len());
        assert_eq!(done.load(Ordering::Relaxed), ports.len());
    }

    #[test]
    fn ipv6_loopback() {
        // Every machine CI runs on has ::1; elsewhere it may be switched off.
        let Ok(l) = std::net::TcpListener::bind("[::1]:0") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "ipv6_loopback: no ::1 (CI must have it)"
            );
            eprintln!("SKIPPED ipv6_loopback: no IPv6 loopback here");
            return;
        };
        let p = l.local_addr().unwrap().port();
        let done = AtomicUsize::new(0);
        let r = scan_host(
            "::1".parse().unwrap(),
            &[p, p.wrapping_add(1)],
            &ScanOptions::default(),
            &done,
        )
        .unwrap();
        assert_eq!(r.open, [p]);
    }
}

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
    },
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
    let bad = |reason: String| TargetError::BadPorts {
        spec: spec.into(),
        reason,
    };
    let s = spec.trim();
    if s.is_empty() {
        return Err(bad(
            "it is empty: give ports (22,80), ranges (8000-8100) or - for all".into(),
        ));
    }
    if s == "-" {
        return Ok((1..=65535).collect());
    }
    let mut seen = vec![false; 65536];
    for item in s.split(',') {
        let r: portdex_registry::PortRange = item.trim().parse().map_err(|e| match e {
            // Port 0 cannot be scanned: the range to name is 1-65535.
            portdex_registry::ParseError::OutOfRange(v) => {
                bad(format!("'{v}' is out of range: scanned ports are 1-65535"))
            }
            e => bad(e.to_string()),
        })?;
        if r.lo == 0 {
            return Err(bad("port 0 cannot be scanned: ports are 1-65535".into()));
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
