//! This machine and its ports: which sockets listen (TCP) or are bound (UDP), who owns
//! them, which ports are free, and signalling the processes that hold a port.
//!
//! Everything that touches the operating system is behind [`SocketSource`] and the
//! `os` module (Linux: netlink sock_diag with /proc/net as the fallback, /proc/*/fd for
//! owners), so that the logic runs in tests against fakes; the other network namespaces
//! (containers', `ip netns` ones) behind [`netns::NetnsSource`]. Nothing here knows
//! about terminals.

#![forbid(unsafe_code)]

mod conns;
pub mod container;
pub mod detect;
mod free;
mod kill;
pub mod netns;
mod os;
pub mod scan;
mod target;

pub use conns::{
    connections, connections_with, ConnOptions, ConnState, Connection, Connections, Direction, End,
    ProcessMatch, Remote, RemoteError, StateError, States, TimeWait,
};
pub use free::{ephemeral_range, free_ports, is_free, FreeError, FreeRequest};
pub use kill::{
    holders, refuse_publishers, signal_holders, signal_port, signal_processes, wait_until_free,
    KillError, KillSignal, Sent,
};
pub use os::{inherited_env, NetlinkSource, ProcNetSource, SystemSource};

use portdex_registry::{Category, Knowledge, Severity, Transport};
use serde::Serialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// TCP states as the kernel numbers them (include/net/tcp_states.h).
pub mod tcp_state {
    /// A connection in use.
    pub const ESTABLISHED: u8 = 1;
    /// Closed by this side, waiting for stray packets (up to 60 s on Linux).
    pub const TIME_WAIT: u8 = 6;
    /// Unconnected; for UDP, a bound socket.
    pub const CLOSE: u8 = 7;
    /// Listening.
    pub const LISTEN: u8 = 10;
}

/// One socket as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSocket {
    /// tcp or udp.
    pub transport: Transport,
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port (unspecified for listeners).
    pub remote: SocketAddr,
    /// Kernel state number ([`tcp_state`]).
    pub state: u8,
    /// Owner of the socket (uid).
    pub uid: u32,
    /// Socket inode: the key to the process that holds it.
    pub inode: u64,
}

/// Which sockets to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Listening TCP sockets and bound (unconnected) UDP sockets.
    Listening,
    /// Every socket, in every state.
    All,
}

/// Where sockets come from: the kernel, or a fake in tests.
pub trait SocketSource {
    /// The sockets of one transport (tcp or udp), IPv4 and IPv6.
    fn sockets(&self, transport: Transport, which: Which) -> std::io::Result<Vec<RawSocket>>;
    /// Which process holds each of these socket inodes, as far as visible.
    fn owners(&self, inodes: &[u64], with_cmdline: bool) -> Owners;
    /// User names by uid.
    fn user_name(&self, uid: u32) -> Option<String>;
    /// The containers behind these publishing processes ([`container::behind`]); none
    /// for a source that is not this machine.
    fn containers(&self, _publishers: &[&Process]) -> Vec<(u32, Arc<container::Container>)> {
        Vec::new()
    }
}

/// The processes holding sockets.
#[derive(Debug, Clone, Default)]
pub struct Owners {
    /// Inode → processes holding it (a forked server shares one socket among several).
    pub by_inode: HashMap<u64, Vec<Process>>,
    /// True when some processes could not be inspected (not root): owners may be missing.
    pub hidden: bool,
}

/// A process that holds a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Its name (/proc/PID/comm).
    pub name: String,
    /// Its command line, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<Vec<String>>,
}

/// Who can reach a listener, judged from its local address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// Only this machine (127.0.0.0/8, ::1).
    Loopback,
    /// One address of this machine: reachable from the networks that address is on.
    Address,
    /// Every interface (0.0.0.0 or ::): reachable from every network this machine is on.
    All,
}

impl Exposure {
    /// Judges an address.
    pub fn of(ip: IpAddr) -> Exposure {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            Exposure::Loopback
        } else if ip.is_unspecified() {
            Exposure::All
        } else {
            Exposure::Address
        }
    }
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Loopback => "loopback",
            Exposure::Address => "address",
            Exposure::All => "all",
        }
    }
    /// Whether other machines can reach it.
    pub fn is_exposed(self) -> bool {
        self != Exposure::Loopback
    }
}

/// A listening TCP socket or bound UDP socket, with what the registry says of its port.
#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    /// tcp or udp.
    pub transport: Transport,
    /// 4 or 6.
    pub family: u8,
    /// Local address.
    pub address: IpAddr,
    /// Local port.
    pub port: u16,
    /// Who can reach it.
    pub exposure: Exposure,
    /// Socket inode.
    pub inode: u64,
    /// Owner of the socket (uid).
    pub uid: u32,
    /// The uid's user name, when known (shared between the listeners of one user).
    pub user: Option<Arc<str>>,
    /// Processes holding it (empty when hidden or not asked for).
    pub processes: Vec<Process>,
    /// The registry's name for the port and transport (not a detection: see DESIGN.md).
    pub registry_service: Option<&'static str>,
    /// The curated name of the port's common use, when there is one: the use one of
    /// its processes is named for when an entry of the port says so (cockpit-ws on
    /// 9090: cockpit), else the first of `common_uses`.
    pub common_use: Option<&'static str>,
    /// Every common use of the port (9090: prometheus, cockpit), or only the one its
    /// process names; empty when the registry's name is the use.
    pub common_uses: Vec<&'static str>,
    /// RFC 6335 category of the port.
    pub category: Category,
    /// Severity of the port's security note, when there is one.
    pub severity: Option<Severity>,
    /// The inode of the network namespace the socket lives in (`net:[INODE]`); None for
    /// the namespace portdex runs in (the host's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns: Option<u64>,
    /// That namespace's name from /run/netns (`ip netns add NAME`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns_name: Option<Arc<str>>,
    /// The container this socket is published for (held by conmon, docker-proxy or a
    /// containerd shim), when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Arc<container::Container>>,
}

/// The common uses a listener is shown with: when a curated entry of its port names one
/// of its processes, that entry alone (none when it is the IANA assignment, which the
/// registry's name already says); else every common use of the port.
pub fn common_uses_of(port: u16, transport: Transport, processes: &[Process]) -> Vec<&'static str> {
    let known: Vec<Knowledge> = portdex_registry::knowledge_at(port)
        .filter(|k| k.has_transport(transport))
        .collect();
    uses_among(&known, processes)
}

/// [`common_uses_of`] from the curated entries of the port and transport, in the order
/// of `knowledge_at`: the common uses are their names (those that are not the IANA
/// assignment), each once, as `portdex_registry::common_uses` gives them.
fn uses_among(known: &[Knowledge], processes: &[Process]) -> Vec<&'static str> {
    let named = known
        .iter()
        .find(|k| processes.iter().any(|p| k.has_process(&p.name)));
    match named {
        Some(k) if k.iana_assigned() => Vec::new(),
        Some(k) => vec![k.name()],
        None => {
            let mut uses: Vec<&'static str> = Vec::new();
            for k in known.iter().filter(|k| !k.iana_assigned()) {
                if !uses.contains(&k.name()) {
                    uses.push(k.name());
                }
            }
            uses
        }
    }
}

impl Listener {
    /// Whether Docker publishes this socket for a container (docker-proxy holds it):
    /// published ports bypass ufw and INPUT-chain rules.
    pub fn docker_published(&self) -> bool {
        self.processes.iter().any(|p| p.name == "docker-proxy")
    }
}

impl Snapshot {
    /// Whether Docker publishes any of these sockets.
    pub fn docker_published(&self) -> bool {
        self.listeners.iter().any(Listener::docker_published)
    }
}

/// What `listeners` found.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The listeners, by transport, port and address.
    pub listeners: Vec<Listener>,
    /// True when some owners could not be seen (run as root to see all).
    pub owners_hidden: bool,
}

/// Options for [`listeners`].
#[derive(Debug, Clone, Copy)]
pub struct ListOptions {
    /// Include TCP listeners.
    pub tcp: bool,
    /// Include bound UDP sockets.
    pub udp: bool,
    /// Find the owning processes (one pass over /proc/*/fd).
    pub owners: bool,
    /// Also read the owners' command lines.
    pub cmdline: bool,
}

impl Default for ListOptions {
    fn default() -> Self {
        Self {
            tcp: true,
            udp: true,
            owners: true,
            cmdline: false,
        }
    }
}

/// Lists listening TCP and bound UDP sockets, IPv4 and IPv6, with their owners.
pub fn listeners(source: &dyn SocketSource, opts: ListOptions) -> std::io::Result<Snapshot> {
    let raw = listening_sockets(source, opts)?;
    Ok(annotate(source, raw, &[], opts))
}

/// The listening sockets `opts` asks for, of the namespace `source` reads.
pub(crate) fn listening_sockets(
    source: &dyn SocketSource,
    opts: ListOptions,
) -> std::io::Result<Vec<RawSocket>> {
    // The first transport's vector is kept, not copied: with 10,000 listeners a copy
    // is 800 KB of fresh memory, some 200 page faults.
    let mut raw = if opts.tcp {
        source.sockets(Transport::Tcp, Which::Listening)?
    } else {
        Vec::new()
    };
    if opts.udp {
        let udp = source.sockets(Transport::Udp, Which::Listening)?;
        if raw.is_empty() {
            raw = udp;
        } else {
            raw.extend(udp);
        }
    }
    Ok(raw)
}

/// The sockets of `raw` from index `start` on (up to the next span's start) live in the
/// network namespace `inode` (named `name`); those before the first span in the host's.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub start: usize,
    pub inode: u64,
    pub name: Option<Arc<str>>,
}

/// Listeners from raw sockets: owners (one pass over /proc for every namespace: socket
/// inodes are global), user names, what the registry says; sorted by namespace (the
/// host's first, then the spans in order), transport, port, family and address.
pub(crate) fn annotate(
    source: &dyn SocketSource,
    raw: Vec<RawSocket>,
    spans: &[Span],
    opts: ListOptions,
) -> Snapshot {
    let owners = if opts.owners {
        let inodes: Vec<u64> = raw.iter().map(|s| s.inode).filter(|&i| i != 0).collect();
        source.owners(&inodes, opts.cmdline)
    } else {
        Owners::default()
    };
    let mut users: HashMap<u32, Option<Arc<str>>> = HashMap::new();
    let mut last_user: Option<(u32, Option<Arc<str>>)> = None;
    let mut known: Vec<Knowledge> = Vec::new();
    // The span of each socket, by index: 0 the host's, n the n-th span's.
    let mut group = 0usize;
    let mut listeners: Vec<Listener> = raw
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            while spans.get(group).is_some_and(|sp| sp.start <= i) {
                group += 1;
            }
            let span = group.checked_sub(1).map(|g| &spans[g]);
            // Most sockets are one user's: the previous socket's user is checked first
            // (no hashing for those).
            let user = match &last_user {
                Some((uid, user)) if *uid == s.uid => user.clone(),
                _ => {
                    let user = users
                        .entry(s.uid)
                        .or_insert_with(|| source.user_name(s.uid).map(Arc::from))
                        .clone();
                    last_user = Some((s.uid, user.clone()));
                    user
                }
            };
            let port = s.local.port();
            // What port_summary says, with the curated entries read once for the
            // severity and the common uses (10,000 listeners, 10,000 lookups).
            known.clear();
            known.extend(
                portdex_registry::knowledge_at(port).filter(|k| k.has_transport(s.transport)),
            );
            let processes: Vec<Process> =
                owners.by_inode.get(&s.inode).cloned().unwrap_or_default();
            let common_uses = uses_among(&known, &processes);
            Listener {
                transport: s.transport,
                family: if s.local.is_ipv4() { 4 } else { 6 },
                address: s.local.ip(),
                port,
                exposure: Exposure::of(s.local.ip()),
                inode: s.inode,
                uid: s.uid,
                user,
                processes,
                registry_service: portdex_registry::registry_service(port, s.transport),
                common_use: common_uses.first().copied(),
                common_uses,
                category: Category::of(port),
                severity: known.iter().map(|k| k.severity()).max(),
                netns: span.map(|sp| sp.inode),
                netns_name: span.and_then(|sp| sp.name.clone()),
                container: None,
            }
        })
        .collect();
    attach_containers(source, &mut listeners);
    // The namespace's place among the spans, for the sort (0: the host's).
    let place = |l: &Listener| -> u64 {
        match l.netns {
            None => 0,
            Some(inode) => spans
                .iter()
                .position(|sp| sp.inode == inode)
                .map_or(u64::MAX, |p| p as u64 + 1),
        }
    };
    // One integer key per listener, computed once (sort_by_cached_key): sorting 10,000
    // of them by tuples of addresses costs more than listing them, and so does moving
    // the listeners about while sorting.
    let key = |l: &Listener| {
        let addr = match l.address {
            IpAddr::V4(a) => u128::from(a.to_bits()),
            IpAddr::V6(a) => a.to_bits(),
        };
        // Namespace, transport, port and family in one integer, in the order of the
        // tuple (namespace, transport, port, family): the enum's declaration order is
        // its Ord.
        let ns = if spans.is_empty() { 0 } else { place(l) };
        let head = (ns << 32)
            | (u64::from(l.transport as u8) << 24)
            | (u64::from(l.port) << 8)
            | u64::from(l.family);
        (head, addr)
    };
    listeners.sort_by_cached_key(key);

    Snapshot {
        listeners,
        owners_hidden: owners.hidden,
    }
}

/// Names the container behind each listener a publishing process holds. Costs one
/// comparison of names per owner when no container runs.
fn attach_containers(source: &dyn SocketSource, listeners: &mut [Listener]) {
    let mut any = false;
    for l in listeners.iter() {
        for p in &l.processes {
            any |= container::is_publisher(&p.name);
        }
    }
    if !any {
        return;
    }
    let publishers: Vec<&Process> = listeners
        .iter()
        .flat_map(|l| &l.processes)
        .filter(|p| container::is_publisher(&p.name))
        .collect();
    if publishers.is_empty() {
        return;
    }
    let found = source.containers(&publishers);
    if found.is_empty() {
        return;
    }
    for l in listeners.iter_mut() {
        l.container = l
            .processes
            .iter()
            .find_map(|p| found.iter().find(|(pid, _)| *pid == p.pid))
            .map(|(_, c)| Arc::clone(c));
    }
}

/// Everything that explains who holds a port, or why it is busy when no visible
/// process listens on it.
#[derive(Debug, Clone, Serialize)]
pub struct PortDiagnosis {
    /// The port.
    pub port: u16,
    /// Listeners on the port, with owners and command lines.
    pub listeners: Vec<Listener>,
    /// Other sockets using the port locally (connections), by kernel state name.
    pub connections: Vec<(&'static str, usize)>,
    /// The kernel's ephemeral range, when readable.
    pub ephemeral_range: Option<portdex_registry::PortRange>,
    /// Whether the port lies in it (outgoing connections may take it at any time).
    pub in_ephemeral_range: bool,
    /// True when some owners could not be seen (run as root).
    pub owners_hidden: bool,
    /// True when Docker's port publisher (docker-proxy) holds the port: the container
    /// behind it is the real owner, and published ports bypass ufw rules.
    pub docker_proxy: bool,
    /// When nothing on the host listens on the port: listeners on it in other network
    /// namespaces (a container's, an `ip netns` one's; [`netns::port_elsewhere`]), which
    /// do not hold the host's port. Filled by the caller; empty from [`diagnose`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_namespaces: Vec<Listener>,
}

/// The kernel's name of a TCP state.
pub fn state_name(state: u8) -> &'static str {
    match state {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    }
}

/// Who holds `port` (for these transports), and what else uses it.
pub fn diagnose(
    source: &dyn SocketSource,
    port: u16,
    transports: &[Transport],
) -> std::io::Result<PortDiagnosis> {
    let opts = ListOptions {
        tcp: transports.contains(&Transport::Tcp),
        udp: transports.contains(&Transport::Udp),
        owners: true,
        cmdline: true,
    };
    let snap = listeners(source, opts)?;
    let on_port: Vec<Listener> = snap
        .listeners
        .into_iter()
        .filter(|l| l.port == port)
        .collect();
    let mut states: Vec<(&'static str, usize)> = Vec::new();
    if opts.tcp {
        for s in source.sockets(Transport::Tcp, Which::All)? {
            if s.local.port() == port && s.state != tcp_state::LISTEN {
                let name = state_name(s.state);
                match states.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, c)) => *c += 1,
                    None => states.push((name, 1)),
                }
            }
        }
    }
    let ephemeral = ephemeral_range();
    Ok(PortDiagnosis {
        port,
        docker_proxy: on_port.iter().any(Listener::docker_published),
        owners_hidden: snap.owners_hidden && on_port.iter().any(|l| l.processes.is_empty()),
        listeners: on_port,
        connections: states,
        in_ephemeral_range: ephemeral.is_some_and(|r| r.contains(port)),
        ephemeral_range: ephemeral,
        other_namespaces: Vec::new(),
    })
}

/// Whether a process with this pid exists now.
pub fn process_exists(pid: u32) -> bool {
    std::path::Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod common_use_tests {
    use super::*;
    use portdex_registry::{all_knowledge, common_uses, knowledge_at};

    fn named(comm: &str) -> Vec<Process> {
        vec![Process {
            pid: 1,
            name: comm.to_owned(),
            cmdline: None,
        }]
    }

    /// ls and who show every common use of a port, unless a process of the listener is
    /// the one an entry of that port names: then that use alone.
    #[test]
    fn a_listener_shows_every_use_or_the_one_its_process_names() {
        for (port, t) in [
            (9100, Transport::Tcp),
            (7000, Transport::Tcp),
            (6010, Transport::Tcp),
        ] {
            let all: Vec<&str> = common_uses(port, t).collect();
            assert_eq!(common_uses_of(port, t, &[]), all, "{port}");
            assert_eq!(
                common_uses_of(port, t, &named("no-such-process")),
                all,
                "{port}"
            );
        }
        let mut bad = Vec::new();
        for k in all_knowledge() {
            for t in k.transports() {
                for p in k.processes() {
                    // The first entry of the port that names the process decides.
                    let first =
                        knowledge_at(k.ports().lo).find(|o| o.has_transport(t) && o.has_process(p));
                    if first != Some(k) {
                        continue;
                    }
                    let want: Vec<&str> = if k.iana_assigned() {
                        vec![]
                    } else {
                        vec![k.name()]
                    };
                    let got = common_uses_of(k.ports().lo, t, &named(p));
                    if got != want {
                        bad.push(format!(
                            "{} {}/{t} {p}: {got:?}, want {want:?}",
                            k.name(),
                            k.ports()
                        ));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// A source of one TCP and one UDP listener on each of these ports, each held by
    /// a process of the given name.
    struct Everywhere(Vec<u16>, &'static str);

    impl SocketSource for Everywhere {
        fn sockets(&self, transport: Transport, _: Which) -> std::io::Result<Vec<RawSocket>> {
            let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
            Ok(self
                .0
                .iter()
                .map(|&port| RawSocket {
                    transport,
                    local: SocketAddr::new(any.ip(), port),
                    remote: any,
                    state: tcp_state::LISTEN,
                    uid: 0,
                    inode: u64::from(port) * 2 + u64::from(transport == Transport::Udp),
                })
                .collect())
        }
        fn owners(&self, inodes: &[u64], _: bool) -> Owners {
            let mut owners = Owners::default();
            for &i in inodes {
                owners.by_inode.insert(i, named(self.1));
            }
            owners
        }
        fn user_name(&self, _: u32) -> Option<String> {
            None
        }
    }

    /// A listener says of its port what port_summary and common_uses_of say, though
    /// listeners() reads the curated entries once for all of it.
    #[test]
    fn listeners_annotate_as_port_summary_does() {
        let mut ports: Vec<u16> = (0..=u16::MAX).step_by(7).collect();
        ports.extend(all_knowledge().flat_map(|k| [k.ports().lo, k.ports().hi]));
        ports.sort_unstable();
        ports.dedup();
        let mut names = vec!["no-such-process"];
        names.extend(all_knowledge().flat_map(|k| k.processes()).take(10));
        for name in names {
            let snap = listeners(&Everywhere(ports.clone(), name), ListOptions::default()).unwrap();
            assert_eq!(snap.listeners.len(), ports.len() * 2);
            // By transport, then port (every UDP listener after every TCP one).
            assert!(snap
                .listeners
                .windows(2)
                .all(|w| (w[0].transport, w[0].port) < (w[1].transport, w[1].port)));
            for l in &snap.listeners {
                let s = portdex_registry::port_summary(l.port, l.transport);
                let want = common_uses_of(l.port, l.transport, &named(name));
                let what = format!("{}/{} {name}", l.port, l.transport);
                assert_eq!(l.registry_service, s.registry_service, "{what}");
                assert_eq!(l.category, s.category, "{what}");
                assert_eq!(l.severity, s.severity, "{what}");
                assert_eq!(l.common_uses, want, "{what}");
                assert_eq!(l.common_use, want.first().copied(), "{what}");
            }
        }
    }
}
