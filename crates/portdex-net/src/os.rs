//! Linux: sockets from netlink sock_diag (what `ss` uses), with /proc/net/{tcp,udp}{,6}
//! as the fallback; owners from one pass over /proc/*/fd, split over the cores; user
//! names from /etc/passwd (read directly: the binary is static, and NSS is not needed
//! for local users).

use crate::container::Container;
use crate::{Owners, Process, RawSocket, SocketSource, Which};
use portdex_registry::Transport;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags, RawDir};
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType};
use std::collections::{HashMap, HashSet};
use std::ffi::CStr;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The machine's sockets: netlink first, /proc/net when netlink is unavailable.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemSource;

/// Sockets from netlink sock_diag only.
#[derive(Debug, Default, Clone, Copy)]
pub struct NetlinkSource;

/// Sockets from /proc/net only.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcNetSource;

impl SocketSource for SystemSource {
    fn sockets(&self, transport: Transport, which: Which) -> io::Result<Vec<RawSocket>> {
        NetlinkSource
            .sockets(transport, which)
            .or_else(|_| ProcNetSource.sockets(transport, which))
    }
    fn owners(&self, inodes: &[u64], with_cmdline: bool) -> Owners {
        proc_owners(Path::new("/proc"), inodes, with_cmdline)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        passwd_name(uid)
    }
    fn containers(&self, publishers: &[&Process]) -> Vec<(u32, Arc<Container>)> {
        crate::container::behind(publishers)
    }
}

impl SocketSource for NetlinkSource {
    fn sockets(&self, transport: Transport, which: Which) -> io::Result<Vec<RawSocket>> {
        let mut out = Vec::new();
        // One receive buffer for both dumps, never zeroed: the kernel writes what is
        // read from it (a zeroed 64 KiB per dump was a memset of 16 fresh pages each).
        let mut buf = Vec::with_capacity(RECV_BUFFER);
        for family in [AF_INET, AF_INET6] {
            diag_dump(family, transport, which, &mut buf, &mut out)?;
        }
        Ok(out)
    }
    fn owners(&self, inodes: &[u64], with_cmdline: bool) -> Owners {
        SystemSource.owners(inodes, with_cmdline)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        passwd_name(uid)
    }
    fn containers(&self, publishers: &[&Process]) -> Vec<(u32, Arc<Container>)> {
        crate::container::behind(publishers)
    }
}

impl SocketSource for ProcNetSource {
    fn sockets(&self, transport: Transport, which: Which) -> io::Result<Vec<RawSocket>> {
        proc_net_sockets(Path::new("/proc/net"), transport, which)
    }
    fn owners(&self, inodes: &[u64], with_cmdline: bool) -> Owners {
        SystemSource.owners(inodes, with_cmdline)
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        passwd_name(uid)
    }
    fn containers(&self, publishers: &[&Process]) -> Vec<(u32, Arc<Container>)> {
        crate::container::behind(publishers)
    }
}

/// The sockets of one transport from a /proc/…/net directory: /proc/net (this
/// process's namespace), /proc/PID/net (another process's), /proc/thread-self/net.
pub(crate) fn proc_net_sockets(
    dir: &Path,
    transport: Transport,
    which: Which,
) -> io::Result<Vec<RawSocket>> {
    let name = match transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
        other => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{other} sockets are not listed"),
            ))
        }
    };
    let mut out = Vec::new();
    for (file, v6) in [(name.to_owned(), false), (format!("{name}6"), true)] {
        let path = dir.join(&file);
        match std::fs::read_to_string(&path) {
            Ok(text) => out.extend(parse_proc_net(&text, transport, v6, which)),
            // No IPv6 on this machine: no tcp6/udp6 file.
            Err(e) if v6 && e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("reading {}: {e}", path.display()),
                ))
            }
        }
    }
    Ok(out)
}

const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

fn states_mask(transport: Transport, which: Which) -> u32 {
    match (which, transport) {
        (Which::All, _) => u32::MAX,
        (Which::Listening, Transport::Tcp) => 1 << crate::tcp_state::LISTEN,
        // A bound, unconnected UDP socket is in the CLOSE state (ss shows UNCONN).
        (Which::Listening, _) => 1 << crate::tcp_state::CLOSE,
    }
}

fn proto_number(transport: Transport) -> io::Result<u8> {
    match transport {
        Transport::Tcp => Ok(6),
        Transport::Udp => Ok(17),
        other => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{other} sockets are not listed"),
        )),
    }
}

/// One inet_diag dump request: a netlink header and an inet_diag_req_v2.
fn diag_request(family: u8, protocol: u8, states: u32, seq: u32) -> Vec<u8> {
    let mut m = Vec::with_capacity(72);
    m.extend_from_slice(&72u32.to_ne_bytes()); // nlmsg_len
    m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    m.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid: the kernel fills it in
    m.extend_from_slice(&[family, protocol, 0, 0]); // family, protocol, ext, pad
    m.extend_from_slice(&states.to_ne_bytes());
    m.extend_from_slice(&[0u8; 48]); // inet_diag_sockid: match everything
    m
}

/// The receive buffer of a dump: the kernel sends a dump in datagrams of at most 32 KiB
/// (less a header) when the reader's buffer is that large; twice that leaves room.
const RECV_BUFFER: usize = 64 * 1024;

/// One dump of a family's sockets, received through `buf` (its capacity is what is
/// read at once; its contents are replaced).
fn diag_dump(
    family: u8,
    transport: Transport,
    which: Which,
    buf: &mut Vec<u8>,
    out: &mut Vec<RawSocket>,
) -> io::Result<()> {
    let protocol = proto_number(transport)?;
    let fd = rustix::net::socket(
        AddressFamily::NETLINK,
        SocketType::DGRAM,
        Some(rustix::net::netlink::SOCK_DIAG),
    )?;
    let seq = 1;
    let req = diag_request(family, protocol, states_mask(transport, which), seq);
    rustix::net::send(&fd, &req, SendFlags::empty())?;
    loop {
        // The datagram is received into the buffer's spare capacity, which becomes
        // its contents: only what the kernel wrote is ever read.
        buf.clear();
        let (n, _) =
            rustix::net::recv(&fd, rustix::buffer::spare_capacity(buf), RecvFlags::empty())?;
        if n == 0 {
            return Ok(());
        }
        if parse_diag_messages(buf, transport, out)? {
            return Ok(());
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn ip_from(family: u8, raw: &[u8]) -> IpAddr {
    if family == AF_INET {
        IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))
    } else {
        let mut a = [0u8; 16];
        a.copy_from_slice(&raw[..16]);
        IpAddr::V6(Ipv6Addr::from(a))
    }
}

/// Parses one datagram of netlink messages; returns true at the end of the dump.
fn parse_diag_messages(
    mut b: &[u8],
    transport: Transport,
    out: &mut Vec<RawSocket>,
) -> io::Result<bool> {
    while b.len() >= 16 {
        let len = u32_at(b, 0) as usize;
        let kind = u16_at(b, 4);
        if len < 16 || len > b.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "truncated netlink message",
            ));
        }
        let payload = &b[16..len];
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno = if payload.len() >= 4 {
                    -(u32_at(payload, 0) as i32)
                } else {
                    0
                };
                if errno != 0 {
                    return Err(io::Error::from_raw_os_error(errno));
                }
            }
            SOCK_DIAG_BY_FAMILY if payload.len() >= 72 => {
                let family = payload[0];
                // Ports are big-endian in inet_diag_sockid.
                let sport = u16::from_be_bytes([payload[4], payload[5]]);
                let dport = u16::from_be_bytes([payload[6], payload[7]]);
                out.push(RawSocket {
                    transport,
                    local: SocketAddr::new(ip_from(family, &payload[8..24]), sport),
                    remote: SocketAddr::new(ip_from(family, &payload[24..40]), dport),
                    state: payload[1],
                    uid: u32_at(payload, 64),
                    inode: u64::from(u32_at(payload, 68)),
                });
            }
            _ => {}
        }
        let aligned = (len + 3) & !3;
        b = &b[aligned.min(b.len())..];
    }
    Ok(false)
}

/// Parses /proc/net/{tcp,udp}{,6}.
pub(crate) fn parse_proc_net(
    text: &str,
    transport: Transport,
    v6: bool,
    which: Which,
) -> Vec<RawSocket> {
    let want = crate::os::states_mask(transport, which);
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let state = u8::from_str_radix(f[3], 16).ok()?;
            if want & (1u32 << state) == 0 {
                return None;
            }
            Some(RawSocket {
                transport,
                local: parse_hex_addr(f[1], v6)?,
                remote: parse_hex_addr(f[2], v6)?,
                state,
                uid: f[7].parse().ok()?,
                inode: f[9].parse().ok()?,
            })
        })
        .collect()
}

/// "0100007F:0BB8" (IPv4) or 32 hex digits (IPv6): 32-bit words in host byte order.
fn parse_hex_addr(s: &str, v6: bool) -> Option<SocketAddr> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Option<Vec<[u8; 4]>> = addr
        .as_bytes()
        .chunks(8)
        .map(|w| {
            let w = std::str::from_utf8(w).ok()?;
            Some(u32::from_str_radix(w, 16).ok()?.to_ne_bytes())
        })
        .collect();
    let bytes: Vec<u8> = words?.concat();
    let ip = match (v6, bytes.len()) {
        (false, 4) => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        (true, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&bytes);
            IpAddr::V6(Ipv6Addr::from(a))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// One pass over /proc/*/fd: which processes hold these socket inodes. Each process's
/// fd directory is opened relative to /proc and each descriptor read with one readlinkat
/// relative to that directory (no path is resolved from the root again). The processes
/// are shared out over the cores; a process with many descriptors (one server holding
/// thousands of sockets) has its descriptors shared out as well, in a second step.
pub(crate) fn proc_owners(proc_root: &Path, inodes: &[u64], with_cmdline: bool) -> Owners {
    let mut wanted: HashSet<u64, InodeHash> =
        HashSet::with_capacity_and_hasher(inodes.len(), InodeHash);
    wanted.extend(inodes.iter().copied());
    let mut owners = Owners::default();
    if wanted.is_empty() {
        return owners;
    }
    let Ok(proc) = rustix::fs::open(proc_root, DIR_FLAGS, Mode::empty()) else {
        owners.hidden = true;
        return owners;
    };
    let pids = numeric_entries(&proc);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let next = AtomicUsize::new(0);
    let scans: Vec<FdScan> = run_workers(workers, || {
        let mut scan = FdScan::default();
        let mut names = FdNames::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&pid) = pids.get(i) else { break };
            scan.process(&proc, pid, &wanted, &mut names);
        }
        scan
    });
    let mut found = Vec::new();
    let mut big = Vec::new();
    for scan in scans {
        owners.hidden |= scan.hidden;
        found.extend(scan.found);
        big.extend(scan.big);
    }
    // The descriptors of the big directories, in slices over the workers.
    let slices: Vec<(usize, std::ops::Range<usize>)> = big
        .iter()
        .enumerate()
        .flat_map(|(d, dir): (usize, &BigDir)| {
            let n = dir.names.len();
            (0..n)
                .step_by(BIG_SLICE)
                .map(move |a| (d, a..(a + BIG_SLICE).min(n)))
        })
        .collect();
    if !slices.is_empty() {
        let next = AtomicUsize::new(0);
        let parts = run_workers(workers.min(slices.len()), || {
            let mut found = Vec::new();
            let mut link = [0u8; LINK_MAX];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((d, range)) = slices.get(i) else {
                    break;
                };
                let dir = &big[*d];
                for fd in range.clone() {
                    if let Ok(Some(inode)) = socket_at(&dir.fd, dir.names.get(fd), &mut link) {
                        if wanted.contains(&inode) {
                            found.push((inode, dir.pid));
                        }
                    }
                }
            }
            found
        });
        found.extend(parts.into_iter().flatten());
    }
    let mut procs: HashMap<u32, Process> = HashMap::new();
    for (inode, pid) in found {
        let p = procs
            .entry(pid)
            .or_insert_with(|| read_process(proc_root, pid, with_cmdline))
            .clone();
        let list = owners.by_inode.entry(inode).or_default();
        if !list.iter().any(|x| x.pid == pid) {
            list.push(p);
        }
    }
    for list in owners.by_inode.values_mut() {
        list.sort_by_key(|p| p.pid);
    }
    owners
}

pub(crate) const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);
/// A directory of more descriptors than this is read by every worker, in slices.
const BIG_DIR: usize = 512;
/// How many descriptors of a big directory a worker takes at a time.
const BIG_SLICE: usize = 256;
/// Longer links than "socket:[4294967295]" are not sockets.
const LINK_MAX: usize = 32;
/// The buffer for getdents64: a process with 10,000 descriptors takes a few calls.
const DENTS_BUF: usize = 32 * 1024;

/// Hashes socket inodes (numbers the kernel hands out, not chosen by anyone): one
/// multiplication instead of SipHash, for the 10,000 inserts and the lookups of every
/// socket descriptor on the machine.
#[derive(Clone, Copy, Default)]
struct InodeHash;

#[derive(Default)]
struct InodeHasher(u64);

impl BuildHasher for InodeHash {
    type Hasher = InodeHasher;
    fn build_hasher(&self) -> InodeHasher {
        InodeHasher(0)
    }
}

impl Hasher for InodeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the high ones.
        self.0 ^ (self.0 >> 32)
    }
}

/// Runs `work` on `n` threads (this one among them) and collects what each returns.
fn run_workers<T: Send>(n: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let others: Vec<_> = (1..n).map(|_| scope.spawn(&work)).collect();
        let mut out = vec![work()];
        out.extend(others.into_iter().filter_map(|h| h.join().ok()));
        out
    })
}

/// The entries of a directory whose names are numbers (/proc: the pids).
pub(crate) fn numeric_entries(dir: &OwnedFd) -> Vec<u32> {
    let mut buf = Vec::with_capacity(DENTS_BUF);
    let mut entries = RawDir::new(dir, buf.spare_capacity_mut());
    let mut out = Vec::new();
    while let Some(Ok(e)) = entries.next() {
        if let Some(n) = std::str::from_utf8(e.file_name().to_bytes())
            .ok()
            .and_then(|s| s.parse().ok())
        {
            out.push(n);
        }
    }
    out
}

/// The names of a directory's entries, NUL-terminated, one after the other.
#[derive(Default)]
struct FdNames {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl FdNames {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn get(&self, i: usize) -> &CStr {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        CStr::from_bytes_with_nul(&self.text[start..self.ends[i]]).unwrap_or_default()
    }
    /// Reads the entries of `dir` except "." and "..".
    fn read(&mut self, dir: &OwnedFd) {
        self.clear();
        let mut buf = Vec::with_capacity(DENTS_BUF);
        let mut entries = RawDir::new(dir, buf.spare_capacity_mut());
        while let Some(Ok(e)) = entries.next() {
            let name = e.file_name().to_bytes_with_nul();
            if name.first() != Some(&b'.') {
                self.text.extend_from_slice(name);
                self.ends.push(self.text.len());
            }
        }
    }
}

/// A process whose descriptors are too many for one worker.
struct BigDir {
    pid: u32,
    fd: OwnedFd,
    names: FdNames,
}

/// What one worker found in its share of the processes.
#[derive(Default)]
struct FdScan {
    /// (socket inode, pid) of the wanted sockets.
    found: Vec<(u64, u32)>,
    /// Some fd directory could not be read (another user's process).
    hidden: bool,
    /// Processes left to every worker.
    big: Vec<BigDir>,
}

impl FdScan {
    fn process<S: BuildHasher>(
        &mut self,
        proc: &OwnedFd,
        pid: u32,
        wanted: &HashSet<u64, S>,
        names: &mut FdNames,
    ) {
        let path = format!("{pid}/fd\0");
        let Ok(path) = CStr::from_bytes_with_nul(path.as_bytes()) else {
            return;
        };
        let dir = match rustix::fs::openat(proc, path, DIR_FLAGS, Mode::empty()) {
            Ok(dir) => dir,
            Err(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => {
                self.hidden = true;
                return;
            }
            // The process ended meanwhile.
            Err(_) => return,
        };
        names.read(&dir);
        if names.len() > BIG_DIR {
            // Its links are read elsewhere, where a refusal is not noted: try one here.
            let mut link = [0u8; LINK_MAX];
            if self.denied(&dir, socket_at(&dir, names.get(0), &mut link)) {
                return;
            }
            self.big.push(BigDir {
                pid,
                fd: dir,
                names: std::mem::take(names),
            });
            return;
        }
        let mut link = [0u8; LINK_MAX];
        for i in 0..names.len() {
            match socket_at(&dir, names.get(i), &mut link) {
                Ok(Some(inode)) => {
                    if wanted.contains(&inode) {
                        self.found.push((inode, pid));
                    }
                }
                Ok(None) => {}
                // Every link of a process is refused alike.
                denied => {
                    self.denied(&dir, denied);
                    return;
                }
            }
        }
    }

    /// Whether reading a link of the process `dir` is refused; notes its owners hidden
    /// when the process is another user's. The directory can be listed
    /// (CAP_DAC_READ_SEARCH) while its links cannot be read (a ptrace access check:
    /// CAP_SYS_PTRACE): the sockets' owner is then hidden, not absent. A process of our
    /// own user we may not inspect (a sandbox's init from a parent user namespace) is
    /// not what "other users' processes" means.
    fn denied(&mut self, dir: &OwnedFd, read: Result<Option<u64>, Denied>) -> bool {
        let refused = read.is_err();
        if refused && other_users(dir) {
            self.hidden = true;
        }
        refused
    }
}

/// Reading a descriptor's link was refused (EACCES/EPERM).
struct Denied;

/// The socket inode descriptor `name` of the directory `dir` refers to, if a socket;
/// [`Denied`] when the link may not be read.
fn socket_at(dir: &OwnedFd, name: &CStr, link: &mut [u8; LINK_MAX]) -> Result<Option<u64>, Denied> {
    let n = match rustix::fs::readlinkat_raw(dir, name, &mut link[..]) {
        Ok(n) => n,
        Err(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => return Err(Denied),
        // The descriptor was closed meanwhile.
        Err(_) => return Ok(None),
    };
    // A link that fills the buffer may be cut short: not a socket's.
    if n >= LINK_MAX {
        return Ok(None);
    }
    Ok(socket_inode(&link[..n]))
}

/// Whether the /proc/PID/fd directory `dir` belongs to a user other than ours.
fn other_users(dir: &OwnedFd) -> bool {
    rustix::fs::fstat(dir).is_ok_and(|st| st.st_uid != rustix::process::geteuid().as_raw())
}

/// The processes of `pids` that hold one of `wanted` (one pid each, in order).
fn scan_fds<S: BuildHasher>(
    proc_root: &Path,
    pids: &[u32],
    wanted: &HashSet<u64, S>,
) -> (Vec<(u64, u32)>, bool) {
    let Ok(proc) = rustix::fs::open(proc_root, DIR_FLAGS, Mode::empty()) else {
        return (Vec::new(), true);
    };
    let mut scan = FdScan::default();
    let mut names = FdNames::default();
    for &pid in pids {
        scan.process(&proc, pid, wanted, &mut names);
    }
    let mut link = [0u8; LINK_MAX];
    for dir in &scan.big {
        for i in 0..dir.names.len() {
            if let Ok(Some(inode)) = socket_at(&dir.fd, dir.names.get(i), &mut link) {
                if wanted.contains(&inode) {
                    scan.found.push((inode, dir.pid));
                }
            }
        }
    }
    (scan.found, scan.hidden)
}

/// "socket:[12345]" → 12345.
fn socket_inode(link: &[u8]) -> Option<u64> {
    let rest = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

fn read_process(proc_root: &Path, pid: u32, with_cmdline: bool) -> Process {
    let dir = proc_root.join(pid.to_string());
    let name = std::fs::read_to_string(dir.join("comm"))
        .map(|s| s.trim_end_matches('\n').to_owned())
        .unwrap_or_default();
    let cmdline = with_cmdline.then(|| {
        std::fs::read(dir.join("cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    });
    Process { pid, name, cmdline }
}

/// The user name of a uid, from /etc/passwd, else systemd's record of the transient
/// users of services with DynamicUser=yes (which have no line in /etc/passwd).
fn passwd_name(uid: u32) -> Option<String> {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| passwd_lookup(&text, uid))
        .or_else(|| dynamic_user_name(Path::new("/run/systemd/dynamic-uid"), uid))
}

/// A DynamicUser= service's user name: systemd keeps a world-readable symlink
/// `direct:UID` → NAME in /run/systemd/dynamic-uid while the user exists, for lookups
/// without D-Bus; nss-systemd reads the same link (its `direct_lookup_uid`). The name
/// is checked as a user name before it is believed.
pub(crate) fn dynamic_user_name(dir: &Path, uid: u32) -> Option<String> {
    let name = std::fs::read_link(dir.join(format!("direct:{uid}"))).ok()?;
    let name = name.to_str()?;
    let valid = !name.is_empty()
        && name.len() <= 32
        && !name.starts_with('-')
        && !name.bytes().all(|b| b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    valid.then(|| name.to_owned())
}

pub(crate) fn passwd_lookup(text: &str, uid: u32) -> Option<String> {
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _pw = f.next()?;
        (f.next()?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

/// The parent of a process, from /proc/PID/stat.
pub(crate) fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The processes this one runs under: its parent, the parent's parent… up to (not
/// including) pid 1.
pub(crate) fn ancestors() -> Vec<u32> {
    let mut out = Vec::new();
    let mut pid = std::process::id();
    while let Some(parent) = parent_of(pid) {
        if parent <= 1 || out.len() >= 64 || out.contains(&parent) {
            break;
        }
        out.push(parent);
        pid = parent;
    }
    out
}

/// Whether the process holds one of these socket inodes now (/proc/PID/fd).
pub(crate) fn pid_holds(pid: u32, inodes: &HashSet<u64>) -> bool {
    !scan_fds(Path::new("/proc"), &[pid], inodes).0.is_empty()
}

/// A process's name (/proc/PID/comm), if it exists.
pub(crate) fn process_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
}

/// The value of an environment variable in the nearest ancestor process that has it
/// (the parent, its parent…), as far as /proc lets this process read their environment:
/// `sudo portdex …` runs without SSH_CONNECTION, but the shell that ran sudo has it.
pub fn inherited_env(name: &str) -> Option<String> {
    for pid in ancestors() {
        if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) {
            for entry in env.split(|&b| b == 0) {
                if let Some(value) = entry
                    .strip_prefix(name.as_bytes())
                    .and_then(|r| r.strip_prefix(b"="))
                {
                    return Some(String::from_utf8_lossy(value).into_owned());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_lines_parse() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:0BB9 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n";
        let s = parse_proc_net(tcp, Transport::Tcp, false, Which::Listening);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].local, "127.0.0.1:3000".parse().unwrap());
        assert_eq!((s[0].uid, s[0].inode), (1000, 4242));
        assert_eq!(
            parse_proc_net(tcp, Transport::Tcp, false, Which::All).len(),
            2
        );
        let tcp6 = "header\n   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n";
        let s = parse_proc_net(tcp6, Transport::Tcp, true, Which::Listening);
        assert_eq!(s[0].local, "[::1]:8080".parse().unwrap());
    }

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"pipe:[12345]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
    }

    #[test]
    fn dynamic_users() {
        let dir = std::env::temp_dir().join(format!("portdex-dyn-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // As systemd writes them: both directions, and the lock file named by the uid.
        std::os::unix::fs::symlink("portdex", dir.join("direct:64918")).unwrap();
        std::os::unix::fs::symlink("64918", dir.join("direct:portdex")).unwrap();
        std::fs::write(dir.join("64918"), "portdex").unwrap();
        std::os::unix::fs::symlink("../../etc/x", dir.join("direct:64919")).unwrap();
        std::os::unix::fs::symlink("12345", dir.join("direct:64920")).unwrap();
        assert_eq!(dynamic_user_name(&dir, 64918).as_deref(), Some("portdex"));
        assert_eq!(dynamic_user_name(&dir, 64919), None, "not a user name");
        assert_eq!(
            dynamic_user_name(&dir, 64920),
            None,
            "a number is not a name"
        );
        assert_eq!(dynamic_user_name(&dir, 64921), None, "no such user");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn passwd() {
        let text =
            "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n";
        assert_eq!(passwd_lookup(text, 33).as_deref(), Some("www-data"));
        assert_eq!(passwd_lookup(text, 7), None);
    }

    #[test]
    fn netlink_and_proc_agree() {
        // Both views of the kernel see the same socket, with the same inode.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let local = l.local_addr().unwrap();
        let find = |v: Vec<RawSocket>| {
            v.into_iter()
                .find(|s| s.local == local)
                .map(|s| (s.inode, s.uid, s.state))
        };
        let a = find(
            NetlinkSource
                .sockets(Transport::Tcp, Which::Listening)
                .unwrap(),
        );
        let b = find(
            ProcNetSource
                .sockets(Transport::Tcp, Which::Listening)
                .unwrap(),
        );
        assert!(a.is_some());
        assert_eq!(a, b);
        let u = std::net::UdpSocket::bind("[::1]:0").unwrap();
        let local = u.local_addr().unwrap();
        let find = |v: Vec<RawSocket>| v.into_iter().find(|s| s.local == local).map(|s| s.inode);
        let a = find(
            NetlinkSource
                .sockets(Transport::Udp, Which::Listening)
                .unwrap(),
        );
        assert!(a.is_some());
        assert_eq!(
            a,
            find(
                ProcNetSource
                    .sockets(Transport::Udp, Which::Listening)
                    .unwrap()
            )
        );
    }
}
