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

// What to scan lives in target.rs; its public names stay reachable here too.
pub use crate::target::*;

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
