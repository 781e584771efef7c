//! Connections: TCP sockets in every state but listening (and closed, unless asked
//! for), and "connected" UDP sockets (a remote port), with both ends, the owners (the
//! same lookup `listeners` uses), and what each end's port is. Closed connections the
//! kernel still keeps (TIME_WAIT: no owner, often thousands) are counted per port
//! instead of listed, unless asked for.

use crate::{tcp_state, uses_among, Owners, Process, RawSocket, SocketSource, Which};
use portdex_registry::{Knowledge, PortRange, Transport};
use portdex_text::Lang;
use serde::{Serialize, Serializer};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The state of a connection, as the kernel keeps it (include/net/tcp_states.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnState {
    /// In use.
    Established,
    /// A connect sent, no answer yet.
    SynSent,
    /// A connect received, the handshake not finished.
    SynRecv,
    /// Closed by this side, the other not told yet.
    FinWait1,
    /// Closed by this side, waiting for the other to close.
    FinWait2,
    /// Closed, kept (up to 60 s) for stray packets.
    TimeWait,
    /// Not connected (a socket bound but neither listening nor connected).
    Close,
    /// Closed by the other side, not yet by this one.
    CloseWait,
    /// Both closed, the last acknowledgement awaited.
    LastAck,
    /// Listening (not a connection: only with `--state listen`).
    Listen,
    /// Both sides closed at once.
    Closing,
}

impl ConnState {
    /// Every state, in the kernel's order.
    pub const ALL: [ConnState; 11] = [
        ConnState::Established,
        ConnState::SynSent,
        ConnState::SynRecv,
        ConnState::FinWait1,
        ConnState::FinWait2,
        ConnState::TimeWait,
        ConnState::Close,
        ConnState::CloseWait,
        ConnState::LastAck,
        ConnState::Listen,
        ConnState::Closing,
    ];

    /// The state of the kernel's number (NEW_SYN_RECV, a request socket, is SYN_RECV).
    pub fn from_kernel(n: u8) -> Option<ConnState> {
        Some(match n {
            tcp_state::ESTABLISHED => ConnState::Established,
            2 => ConnState::SynSent,
            3 | 12 => ConnState::SynRecv,
            4 => ConnState::FinWait1,
            5 => ConnState::FinWait2,
            tcp_state::TIME_WAIT => ConnState::TimeWait,
            tcp_state::CLOSE => ConnState::Close,
            8 => ConnState::CloseWait,
            9 => ConnState::LastAck,
            tcp_state::LISTEN => ConnState::Listen,
            11 => ConnState::Closing,
            _ => return None,
        })
    }

    /// The stable identifier (JSON, CSV, `--state`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Established => "established",
            ConnState::SynSent => "syn-sent",
            ConnState::SynRecv => "syn-recv",
            ConnState::FinWait1 => "fin-wait-1",
            ConnState::FinWait2 => "fin-wait-2",
            ConnState::TimeWait => "time-wait",
            ConnState::Close => "close",
            ConnState::CloseWait => "close-wait",
            ConnState::LastAck => "last-ack",
            ConnState::Listen => "listen",
            ConnState::Closing => "closing",
        }
    }

    /// The kernel's (and ss's) name: ESTABLISHED, TIME_WAIT, FIN_WAIT1…
    pub fn kernel_name(self) -> &'static str {
        match self {
            ConnState::FinWait1 => "FIN_WAIT1",
            ConnState::FinWait2 => "FIN_WAIT2",
            other => crate::state_name(other.kernel_number()),
        }
    }

    fn kernel_number(self) -> u8 {
        match self {
            ConnState::Established => 1,
            ConnState::SynSent => 2,
            ConnState::SynRecv => 3,
            ConnState::FinWait1 => 4,
            ConnState::FinWait2 => 5,
            ConnState::TimeWait => 6,
            ConnState::Close => 7,
            ConnState::CloseWait => 8,
            ConnState::LastAck => 9,
            ConnState::Listen => 10,
            ConnState::Closing => 11,
        }
    }

    /// Reads a state: its identifier or the kernel's name, in any case, with `-` or `_`
    /// (established, TIME_WAIT, fin-wait-1, FIN_WAIT1).
    pub fn parse(s: &str) -> Result<ConnState, StateError> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        ConnState::ALL
            .into_iter()
            .find(|st| {
                norm == st.as_str()
                    || norm == st.kernel_name().to_ascii_lowercase().replace('_', "-")
            })
            .ok_or_else(|| StateError(s.to_owned()))
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl Serialize for ConnState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A `--state` that names no state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", portdex_text::conns::err_state(Lang::En, .0, &ConnState::valid()))]
pub struct StateError(pub String);

impl StateError {
    /// The message in `lang`, naming the value and the states.
    pub fn message(&self, lang: Lang) -> String {
        portdex_text::conns::err_state(lang, &self.0, &ConnState::valid())
    }
}

impl ConnState {
    fn valid() -> String {
        ConnState::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A set of states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct States(u16);

impl States {
    /// What `conns` shows by default: every state but listening and closed (neither is
    /// a connection).
    pub fn connections() -> States {
        States(
            ConnState::ALL
                .iter()
                .filter(|s| !matches!(s, ConnState::Listen | ConnState::Close))
                .fold(0, |m, s| m | s.bit()),
        )
    }
    /// Exactly these states.
    pub fn of(states: &[ConnState]) -> States {
        States(states.iter().fold(0, |m, s| m | s.bit()))
    }
    /// Reads `--state` values: each a state or a comma-separated list of them.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<States, StateError> {
        let mut list = Vec::new();
        for v in values {
            for part in v.as_ref().split(',') {
                list.push(ConnState::parse(part)?);
            }
        }
        Ok(States::of(&list))
    }
    /// Whether the set holds `state`.
    pub fn contains(self, state: ConnState) -> bool {
        self.0 & state.bit() != 0
    }
}

/// Who sent the first packet, as far as this machine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// To a server here: the local address and port are listened on.
    In,
    /// From here: the local port is the kernel's pick (in its ephemeral range) and
    /// nothing listens on it.
    Out,
}

/// One end of a connection, with what its port is, when it is a service's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct End {
    /// Its address.
    pub address: IpAddr,
    /// Its port.
    pub port: u16,
    /// The registry's name for the port and transport (not a detection). None on a
    /// client's end of a connection whose direction is known: its port is the kernel's
    /// pick, not a service.
    pub registry_service: Option<&'static str>,
    /// The curated common use of the port (as for listeners), under the same rule.
    pub common_use: Option<&'static str>,
}

impl End {
    /// What the port is: the common use, else the registry's name.
    pub fn service(&self) -> Option<&'static str> {
        self.common_use.or(self.registry_service)
    }
}

/// A connection seen from this machine (a loopback connection is two: one per end).
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    /// tcp or udp.
    pub transport: Transport,
    /// 4 or 6.
    pub family: u8,
    /// Its state (UDP: established).
    pub state: ConnState,
    /// In or out, when known.
    pub direction: Option<Direction>,
    /// This machine's end.
    pub local: End,
    /// The other end.
    pub remote: End,
    /// Socket inode (0: no socket any more, as in TIME_WAIT).
    pub inode: u64,
    /// The socket's owner; None when no socket holds it any more (TIME_WAIT, a
    /// handshake not yet accepted).
    pub uid: Option<u32>,
    /// That uid's name, when known.
    pub user: Option<Arc<str>>,
    /// Processes holding the socket (empty when hidden, none, or not asked for).
    pub processes: Vec<Process>,
}

/// Closed connections in TIME_WAIT, counted per service end: the local address and
/// port for connections to a server here ("in"), the remote ones otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct TimeWait {
    /// tcp.
    pub transport: Transport,
    /// Always time-wait (so that a JSON line says what it counts).
    pub state: ConnState,
    /// In (to a server here) or out, when known.
    pub direction: Option<Direction>,
    /// The service end: local for "in", remote otherwise.
    pub end: End,
    /// How many.
    pub count: usize,
}

/// Which processes `--process` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessMatch {
    /// This pid.
    Pid(u32),
    /// Names that contain this.
    Name(String),
}

impl ProcessMatch {
    /// A number is a pid, anything else part of a name.
    pub fn parse(s: &str) -> Option<ProcessMatch> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        Some(match s.parse::<u32>() {
            Ok(pid) => ProcessMatch::Pid(pid),
            Err(_) => ProcessMatch::Name(s.to_owned()),
        })
    }
    fn matches(&self, procs: &[Process]) -> bool {
        match self {
            ProcessMatch::Pid(pid) => procs.iter().any(|p| p.pid == *pid),
            ProcessMatch::Name(n) => procs.iter().any(|p| p.name.contains(n.as_str())),
        }
    }
}

/// Remote addresses: an address or a network (IPv4-mapped IPv6 addresses match as
/// IPv4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote(Vec<(u128, u128, bool)>);

/// Why `--remote` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Not an address or network (a name, or malformed).
    #[error("{}", portdex_text::conns::err_remote_name(Lang::En, .0))]
    NotAnAddress(String),
    /// An address or prefix out of range.
    #[error("--remote: {0}")]
    Bad(crate::scan::TargetError),
}

impl RemoteError {
    /// The message in `lang`, naming the value.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            RemoteError::NotAnAddress(v) => portdex_text::conns::err_remote_name(lang, v),
            RemoteError::Bad(e) => portdex_text::conns::err_remote(lang, &e.message(lang)),
        }
    }
}

fn bits(ip: IpAddr) -> (u128, bool) {
    match unmapped(ip) {
        IpAddr::V4(a) => (u128::from(a.to_bits()), false),
        IpAddr::V6(a) => (a.to_bits(), true),
    }
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

impl Remote {
    /// Reads 192.0.2.7, ::1, [::1], 10.0.0.0/8, fd00::/8 or localhost (both loopback
    /// addresses); no other name (nothing is resolved).
    pub fn parse(s: &str) -> Result<Remote, RemoteError> {
        use crate::scan::{parse_target, Hosts, Target, TargetError};
        match parse_target(s) {
            Ok(Target::Hosts(Hosts::List(ips))) => Ok(Remote(
                ips.into_iter()
                    .map(|ip| {
                        let (b, v6) = bits(ip);
                        (b, u128::MAX, v6)
                    })
                    .collect(),
            )),
            Ok(Target::Hosts(Hosts::Network { first, count, v6 })) => {
                // count is a power of two (or u128::MAX for ::/0).
                let mask = if count == u128::MAX { 0 } else { !(count - 1) };
                let (first, v6) = if v6 {
                    // ::ffff:10.0.0.0/104 is 10.0.0.0/8.
                    match bits(IpAddr::V6(std::net::Ipv6Addr::from_bits(first))) {
                        (b, false) if count <= 1 << 32 => (b, false),
                        _ => (first, true),
                    }
                } else {
                    (first, false)
                };
                let mask = if v6 {
                    mask
                } else {
                    mask & u128::from(u32::MAX)
                };
                Ok(Remote(vec![(first & mask, mask, v6)]))
            }
            Ok(Target::Name(_)) | Err(TargetError::Unknown(_)) => {
                Err(RemoteError::NotAnAddress(s.to_owned()))
            }
            Err(e) => Err(RemoteError::Bad(e)),
        }
    }
    /// Whether `ip` is among them.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (b, v6) = bits(ip);
        self.0
            .iter()
            .any(|&(net, mask, nv6)| nv6 == v6 && b & mask == net)
    }
}

/// What to list.
#[derive(Debug, Clone)]
pub struct ConnOptions {
    /// TCP connections.
    pub tcp: bool,
    /// Connected UDP sockets.
    pub udp: bool,
    /// Only connections with this port at either end.
    pub port: Option<u16>,
    /// Only connections of these processes (TIME_WAIT has none: left out).
    pub process: Option<ProcessMatch>,
    /// Only these states (default: [`States::connections`]).
    pub states: States,
    /// Only connections to or from these addresses.
    pub remote: Option<Remote>,
    /// Find the owning processes (one pass over /proc/*/fd).
    pub owners: bool,
    /// List each TIME_WAIT connection instead of counting them per port.
    pub each_time_wait: bool,
}

impl Default for ConnOptions {
    fn default() -> Self {
        Self {
            tcp: true,
            udp: true,
            port: None,
            process: None,
            states: States::connections(),
            remote: None,
            owners: true,
            each_time_wait: false,
        }
    }
}

/// What `connections` found.
#[derive(Debug, Clone, Serialize)]
pub struct Connections {
    /// The connections, by transport, local end, remote end.
    pub connections: Vec<Connection>,
    /// TIME_WAIT counted per service end, most first (empty with `each_time_wait`).
    pub time_wait: Vec<TimeWait>,
    /// True when some owners could not be seen (run as root to see all).
    pub owners_hidden: bool,
}

/// Lists connections, with owners and what their ports are.
pub fn connections(source: &dyn SocketSource, opts: &ConnOptions) -> std::io::Result<Connections> {
    connections_with(source, opts, crate::ephemeral_range())
}

/// A hash of small keys made by this process (ports, addresses of the machine's
/// sockets, uids): a multiplication per word instead of SipHash, for the 20,000
/// lookups of each kind that 10,000 loopback connections take.
#[derive(Clone, Copy, Default)]
struct FastHash;

#[derive(Default)]
struct FastHasher(u64);

impl BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the high ones.
        self.0 ^ (self.0 >> 32)
    }
}

/// Where something listens: specific addresses and wildcard ports, per transport.
#[derive(Default)]
struct Listening {
    at: HashSet<(Transport, IpAddr, u16), FastHash>,
    any: HashSet<(Transport, u16), FastHash>,
}

impl Listening {
    fn add(&mut self, s: &RawSocket) {
        let ip = unmapped(s.local.ip());
        if ip.is_unspecified() {
            self.any.insert((s.transport, s.local.port()));
        } else {
            self.at.insert((s.transport, ip, s.local.port()));
        }
    }
    fn has(&self, t: Transport, local: SocketAddr) -> bool {
        self.any.contains(&(t, local.port()))
            || self.at.contains(&(t, unmapped(local.ip()), local.port()))
    }
}

/// The common use an end's port is shown with: the one a curated entry naming one of
/// its processes says (none when that entry is the IANA assignment, which the
/// registry's name says); without such a process, none when the IANA assignment is
/// itself a curated use (6379: redis, not ray-gcs), else the first common use (9200:
/// elasticsearch, not the registry's wap-wsp). The remote end's processes are unknown.
fn end_use(known: &[Knowledge], procs: &[Process]) -> Option<&'static str> {
    if known.is_empty() {
        return None;
    }
    let named = known
        .iter()
        .any(|k| procs.iter().any(|p| k.has_process(&p.name)));
    if !named && known.iter().any(|k| k.iana_assigned()) {
        return None;
    }
    uses_among(known, procs).first().copied()
}

/// What the registry says of a port and transport: its name and the curated entries.
type PortFacts = (Option<&'static str>, Vec<Knowledge>);

/// [`connections`] with the kernel's ephemeral range given (tests).
pub fn connections_with(
    source: &dyn SocketSource,
    opts: &ConnOptions,
    ephemeral: Option<PortRange>,
) -> std::io::Result<Connections> {
    let mut raw = Vec::new();
    if opts.tcp {
        raw.extend(source.sockets(Transport::Tcp, Which::All)?);
    }
    if opts.udp {
        raw.extend(source.sockets(Transport::Udp, Which::All)?);
    }
    // Listening sockets tell which end of a connection is the server's.
    let mut listening = Listening::default();
    for s in &raw {
        let listens = match s.transport {
            Transport::Tcp => s.state == tcp_state::LISTEN,
            _ => s.remote.port() == 0,
        };
        if listens {
            listening.add(s);
        }
    }
    let kept: Vec<(RawSocket, ConnState)> = raw
        .into_iter()
        .filter_map(|s| {
            let state = match s.transport {
                Transport::Tcp => ConnState::from_kernel(s.state)?,
                // A connected UDP socket has a remote port (the kernel calls it
                // ESTABLISHED); an unconnected one is a listener's.
                _ if s.remote.port() == 0 => return None,
                _ => ConnState::Established,
            };
            let keep = opts.states.contains(state)
                && opts
                    .port
                    .is_none_or(|p| s.local.port() == p || s.remote.port() == p)
                && opts
                    .remote
                    .as_ref()
                    .is_none_or(|r| r.contains(s.remote.ip()));
            keep.then_some((s, state))
        })
        .collect();
    let mut owners = if opts.owners || opts.process.is_some() {
        let inodes: Vec<u64> = kept
            .iter()
            .map(|(s, _)| s.inode)
            .filter(|&i| i != 0)
            .collect();
        source.owners(&inodes, false)
    } else {
        Owners::default()
    };
    let mut users: HashMap<u32, Option<Arc<str>>, FastHash> = HashMap::default();
    let mut ports: HashMap<(Transport, u16), PortFacts, FastHash> = HashMap::default();
    // What end_use says, by port and the first owner's pid (a server's 10,000
    // connections ask the same question).
    let mut uses: HashMap<(Transport, u16, u32), Option<&'static str>, FastHash> =
        HashMap::default();
    let mut end = |t: Transport, addr: SocketAddr, service: bool, procs: &[Process]| {
        let (registry_service, common_use) = if service {
            let (reg, known) = ports.entry((t, addr.port())).or_insert_with(|| {
                let known = portdex_registry::knowledge_at(addr.port())
                    .filter(|k| k.has_transport(t))
                    .collect();
                (portdex_registry::registry_service(addr.port(), t), known)
            });
            let pid = procs.first().map_or(0, |p| p.pid);
            let used = *uses
                .entry((t, addr.port(), pid))
                .or_insert_with(|| end_use(known, procs));
            (*reg, used)
        } else {
            (None, None)
        };
        End {
            address: addr.ip(),
            port: addr.port(),
            registry_service,
            common_use,
        }
    };
    let mut conns = Vec::new();
    let mut waits: HashMap<(Transport, Option<Direction>, SocketAddr), usize, FastHash> =
        HashMap::default();
    for (s, state) in kept {
        let direction = if listening.has(s.transport, s.local) {
            Some(Direction::In)
        } else if ephemeral.is_some_and(|r| r.contains(s.local.port())) {
            Some(Direction::Out)
        } else {
            None
        };
        let processes: Vec<Process> = if s.inode == 0 {
            Vec::new()
        } else {
            // Each socket once: its owners are moved out, not copied.
            owners.by_inode.remove(&s.inode).unwrap_or_default()
        };
        if let Some(m) = &opts.process {
            if !m.matches(&processes) {
                continue;
            }
        }
        if state == ConnState::TimeWait && !opts.each_time_wait {
            let at = if direction == Some(Direction::In) {
                s.local
            } else {
                s.remote
            };
            *waits.entry((s.transport, direction, at)).or_default() += 1;
            continue;
        }
        let (uid, user) = if s.inode == 0 {
            (None, None)
        } else {
            let user = users
                .entry(s.uid)
                .or_insert_with(|| source.user_name(s.uid).map(Arc::from))
                .clone();
            (Some(s.uid), user)
        };
        let local = end(
            s.transport,
            s.local,
            direction != Some(Direction::Out),
            &processes,
        );
        let remote = end(s.transport, s.remote, direction != Some(Direction::In), &[]);
        conns.push(Connection {
            transport: s.transport,
            family: if s.local.is_ipv4() { 4 } else { 6 },
            state,
            direction,
            local,
            remote,
            inode: s.inode,
            uid,
            user,
            processes,
        });
    }
    // One integer key per connection, computed once (as listeners are sorted).
    let key = |c: &Connection| {
        let ip = |a: IpAddr| match a {
            IpAddr::V4(a) => u128::from(a.to_bits()),
            IpAddr::V6(a) => a.to_bits(),
        };
        let head = (u64::from(c.transport as u8) << 40)
            | (u64::from(c.family) << 32)
            | (u64::from(c.local.port) << 16)
            | u64::from(c.remote.port);
        (head, ip(c.local.address), ip(c.remote.address))
    };
    conns.sort_by_cached_key(key);
    let mut time_wait: Vec<TimeWait> = waits
        .into_iter()
        .map(|((transport, direction, at), count)| TimeWait {
            transport,
            state: ConnState::TimeWait,
            direction,
            end: end(transport, at, true, &[]),
            count,
        })
        .collect();
    time_wait.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.end.port.cmp(&b.end.port))
            .then(a.end.address.cmp(&b.end.address))
            .then(a.direction.cmp(&b.direction))
    });
    Ok(Connections {
        connections: conns,
        time_wait,
        owners_hidden: owners.hidden,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// A machine of sockets given in the test, each inode held by the process of the
    /// table (pid, name); uid 1000 is "alice".
    struct Fake {
        sockets: Vec<RawSocket>,
        owners: Vec<(u64, u32, &'static str)>,
        hidden: bool,
    }

    fn sock(t: Transport, local: &str, remote: &str, state: u8, inode: u64) -> RawSocket {
        RawSocket {
            transport: t,
            local: addr(local),
            remote: addr(remote),
            state,
            uid: if inode == 0 { 0 } else { 1000 },
            inode,
        }
    }

    impl SocketSource for Fake {
        fn sockets(&self, transport: Transport, which: Which) -> std::io::Result<Vec<RawSocket>> {
            assert_eq!(which, Which::All);
            Ok(self
                .sockets
                .iter()
                .filter(|s| s.transport == transport)
                .cloned()
                .collect())
        }
        fn owners(&self, inodes: &[u64], _: bool) -> Owners {
            let mut o = Owners {
                hidden: self.hidden,
                ..Owners::default()
            };
            for &(inode, pid, name) in &self.owners {
                if inodes.contains(&inode) {
                    o.by_inode.entry(inode).or_default().push(Process {
                        pid,
                        name: name.into(),
                        cmdline: None,
                    });
                }
            }
            o
        }
        fn user_name(&self, uid: u32) -> Option<String> {
            (uid == 1000).then(|| "alice".into())
        }
    }

    const EPH: Option<PortRange> = Some(PortRange {
        lo: 32768,
        hi: 60999,
    });

    /// A PostgreSQL server on 5432 with two local clients (one over IPv6), a
    /// connection out to a web server, a connected UDP socket to a DNS server, a bound
    /// UDP socket, and three closed connections in TIME_WAIT: two to 5432 here (the
    /// server closed first), one out to 443.
    fn machine() -> Fake {
        use Transport::{Tcp, Udp};
        Fake {
            sockets: vec![
                sock(Tcp, "0.0.0.0:5432", "0.0.0.0:0", tcp_state::LISTEN, 10),
                sock(Tcp, "[::]:5432", "[::]:0", tcp_state::LISTEN, 11),
                sock(Tcp, "127.0.0.1:5432", "127.0.0.1:40001", 1, 12),
                sock(Tcp, "127.0.0.1:40001", "127.0.0.1:5432", 1, 13),
                sock(Tcp, "[::1]:5432", "[::1]:40002", 1, 14),
                sock(Tcp, "[::1]:40002", "[::1]:5432", 1, 15),
                sock(Tcp, "192.0.2.5:41000", "198.51.100.7:443", 1, 16),
                sock(Tcp, "192.0.2.5:41001", "198.51.100.7:443", 8, 17),
                sock(
                    Tcp,
                    "127.0.0.1:5432",
                    "127.0.0.1:40003",
                    tcp_state::TIME_WAIT,
                    0,
                ),
                sock(
                    Tcp,
                    "127.0.0.1:5432",
                    "127.0.0.1:40004",
                    tcp_state::TIME_WAIT,
                    0,
                ),
                sock(
                    Tcp,
                    "192.0.2.5:41002",
                    "198.51.100.7:443",
                    tcp_state::TIME_WAIT,
                    0,
                ),
                sock(Tcp, "0.0.0.0:7000", "0.0.0.0:0", tcp_state::CLOSE, 18),
                sock(
                    Udp,
                    "192.0.2.5:50000",
                    "192.0.2.53:53",
                    tcp_state::ESTABLISHED,
                    19,
                ),
                sock(Udp, "0.0.0.0:5353", "0.0.0.0:0", tcp_state::CLOSE, 20),
            ],
            owners: vec![
                (10, 100, "postgres"),
                (11, 100, "postgres"),
                (12, 101, "postgres"),
                (13, 200, "psql"),
                (14, 102, "postgres"),
                (15, 201, "psql"),
                (16, 300, "curl"),
                (17, 300, "curl"),
                (18, 400, "binder"),
                (19, 500, "resolver"),
                (20, 600, "avahi-daemon"),
            ],
            hidden: false,
        }
    }

    fn list(opts: &ConnOptions) -> Connections {
        connections_with(&machine(), opts, EPH).unwrap()
    }

    fn ends(c: &Connections) -> Vec<(String, String, &'static str)> {
        c.connections
            .iter()
            .map(|c| {
                (
                    SocketAddr::new(c.local.address, c.local.port).to_string(),
                    SocketAddr::new(c.remote.address, c.remote.port).to_string(),
                    c.state.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn connections_have_both_ends_owners_and_what_the_service_end_is() {
        let c = list(&ConnOptions::default());
        // No listener, no unconnected socket; TIME_WAIT counted apart.
        assert_eq!(c.connections.len(), 7, "{:?}", ends(&c));
        let server = c
            .connections
            .iter()
            .find(|c| c.inode == 12)
            .expect("the server's end");
        assert_eq!(server.direction, Some(Direction::In));
        assert_eq!(server.local.service(), Some("postgresql"));
        assert_eq!(
            server.remote.service(),
            None,
            "a client's port is no service"
        );
        assert_eq!(server.processes[0].pid, 101);
        assert_eq!(server.user.as_deref(), Some("alice"));
        let client = c.connections.iter().find(|c| c.inode == 13).unwrap();
        assert_eq!(client.direction, Some(Direction::Out));
        assert_eq!(client.remote.service(), Some("postgresql"));
        assert_eq!(client.local.service(), None);
        assert_eq!(client.processes[0].name, "psql");
        let web = c.connections.iter().find(|c| c.inode == 16).unwrap();
        assert_eq!(web.remote.registry_service, Some("https"));
        let dns = c.connections.iter().find(|c| c.inode == 19).unwrap();
        assert_eq!(
            (dns.transport, dns.state, dns.remote.registry_service),
            (Transport::Udp, ConnState::Established, Some("domain"))
        );
        // 6379's IANA name is a curated use itself; 9200's is not (ls shows both).
        let uses = |port: u16, procs: &[Process]| {
            let known: Vec<Knowledge> = portdex_registry::knowledge_at(port)
                .filter(|k| k.has_transport(Transport::Tcp))
                .collect();
            end_use(&known, procs)
        };
        assert_eq!(uses(6379, &[]), None);
        assert_eq!(uses(9200, &[]), Some("elasticsearch"));
        assert_eq!(uses(443, &[]), None);
        let close_wait = c.connections.iter().find(|c| c.inode == 17).unwrap();
        assert_eq!(close_wait.state, ConnState::CloseWait);
        // Sorted by transport, family, local port.
        assert_eq!(c.connections.last().unwrap().transport, Transport::Udp);
    }

    #[test]
    fn time_wait_is_counted_per_service_end() {
        let c = list(&ConnOptions::default());
        let tw: Vec<(Option<Direction>, String, usize)> = c
            .time_wait
            .iter()
            .map(|t| {
                (
                    t.direction,
                    SocketAddr::new(t.end.address, t.end.port).to_string(),
                    t.count,
                )
            })
            .collect();
        assert_eq!(
            tw,
            [
                (Some(Direction::In), "127.0.0.1:5432".into(), 2),
                (Some(Direction::Out), "198.51.100.7:443".into(), 1),
            ]
        );
        assert_eq!(c.time_wait[0].end.service(), Some("postgresql"));
        assert!(c.time_wait[0].end.address.is_loopback());
        // Each of them, when asked, without an owner or a uid.
        let each = list(&ConnOptions {
            each_time_wait: true,
            ..ConnOptions::default()
        });
        assert!(each.time_wait.is_empty());
        let tws: Vec<&Connection> = each
            .connections
            .iter()
            .filter(|c| c.state == ConnState::TimeWait)
            .collect();
        assert_eq!(tws.len(), 3);
        assert!(tws
            .iter()
            .all(|c| c.uid.is_none() && c.processes.is_empty()));
    }

    #[test]
    fn filters() {
        let by_port = list(&ConnOptions {
            port: Some(5432),
            ..ConnOptions::default()
        });
        assert_eq!(by_port.connections.len(), 4);
        assert_eq!(by_port.time_wait.len(), 1);
        let by_name = list(&ConnOptions {
            process: ProcessMatch::parse("psq"),
            ..ConnOptions::default()
        });
        assert_eq!(
            by_name
                .connections
                .iter()
                .map(|c| c.inode)
                .collect::<Vec<_>>(),
            [13, 15]
        );
        // No process holds TIME_WAIT.
        assert!(by_name.time_wait.is_empty());
        let by_pid = list(&ConnOptions {
            process: ProcessMatch::parse("300"),
            ..ConnOptions::default()
        });
        assert_eq!(by_pid.connections.len(), 2);
        let states = States::parse(&["close-wait,TIME_WAIT"]).unwrap();
        let by_state = list(&ConnOptions {
            states,
            ..ConnOptions::default()
        });
        assert_eq!(
            ends(&by_state),
            [(
                "192.0.2.5:41001".into(),
                "198.51.100.7:443".into(),
                "close-wait"
            )]
        );
        assert_eq!(by_state.time_wait.iter().map(|t| t.count).sum::<usize>(), 3);
        let remote = list(&ConnOptions {
            remote: Some(Remote::parse("198.51.100.0/24").unwrap()),
            ..ConnOptions::default()
        });
        assert_eq!(remote.connections.len(), 2);
        let v6 = list(&ConnOptions {
            remote: Some(Remote::parse("::1").unwrap()),
            ..ConnOptions::default()
        });
        assert_eq!(v6.connections.len(), 2);
        let udp = list(&ConnOptions {
            tcp: false,
            ..ConnOptions::default()
        });
        assert_eq!(udp.connections.len(), 1);
        // Listening and unconnected only when asked for.
        let listen = list(&ConnOptions {
            states: States::parse(&["listen", "close"]).unwrap(),
            ..ConnOptions::default()
        });
        assert_eq!(
            listen
                .connections
                .iter()
                .map(|c| c.inode)
                .collect::<Vec<_>>(),
            [10, 18, 11]
        );
        let none = list(&ConnOptions {
            owners: false,
            ..ConnOptions::default()
        });
        assert!(none.connections.iter().all(|c| c.processes.is_empty()));
    }

    #[test]
    fn hidden_owners_are_said() {
        let mut m = machine();
        m.hidden = true;
        m.owners.clear();
        let c = connections_with(&m, &ConnOptions::default(), EPH).unwrap();
        assert!(c.owners_hidden);
        assert!(c.connections.iter().all(|c| c.processes.is_empty()));
    }

    #[test]
    fn states_parse_in_every_spelling_and_refuse_the_rest() {
        for s in ConnState::ALL {
            assert_eq!(ConnState::parse(s.as_str()), Ok(s));
            assert_eq!(ConnState::parse(s.kernel_name()), Ok(s));
            assert_eq!(ConnState::from_kernel(s.kernel_number()), Some(s));
        }
        assert_eq!(ConnState::parse("fin_wait_1"), Ok(ConnState::FinWait1));
        let e = ConnState::parse("nonsense").unwrap_err();
        let m = e.message(Lang::En);
        assert!(m.contains("'nonsense'") && m.contains("time-wait"), "{m}");
        assert!(States::parse(&["established,bogus"]).is_err());
        assert!(States::parse(&[""]).is_err());
        assert!(!States::connections().contains(ConnState::Listen));
        assert!(!States::connections().contains(ConnState::Close));
        assert!(States::connections().contains(ConnState::TimeWait));
    }

    #[test]
    fn remote_addresses_and_networks() {
        let r = Remote::parse("127.0.0.0/8").unwrap();
        assert!(r.contains("127.9.9.9".parse().unwrap()));
        assert!(r.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!r.contains("128.0.0.1".parse().unwrap()));
        assert!(!r.contains("::1".parse().unwrap()));
        let r = Remote::parse("[::1]").unwrap();
        assert!(r.contains("::1".parse().unwrap()));
        let r = Remote::parse("fd00::/8").unwrap();
        assert!(r.contains("fd12::1".parse().unwrap()));
        assert!(!r.contains("fe80::1".parse().unwrap()));
        assert!(Remote::parse("0.0.0.0/0")
            .unwrap()
            .contains("203.0.113.9".parse().unwrap()));
        assert!(Remote::parse("::ffff:10.0.0.0/104")
            .unwrap()
            .contains("10.1.2.3".parse().unwrap()));
        let l = Remote::parse("localhost").unwrap();
        assert!(l.contains("::1".parse().unwrap()) && l.contains("127.0.0.1".parse().unwrap()));
        for bad in [
            "300.1.1.1",
            "10.0.0.0/33",
            "example.com",
            "nonsense!",
            "[::1",
        ] {
            let e = Remote::parse(bad).unwrap_err();
            assert!(e.message(Lang::En).contains(bad), "{bad}: {e}");
            assert!(e.message(Lang::Ja).contains(bad), "{bad}: {e}");
        }
    }
}
