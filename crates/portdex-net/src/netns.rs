//! Network namespaces: which exist on this machine, and the listeners of each.
//!
//! A namespace is one distinct inode of /proc/*/ns/net (readlink gives `net:[INODE]`),
//! plus the named ones of /run/netns (`ip netns add NAME`; stat gives the inode). The
//! namespace portdex runs in is the host's: its sockets are read as `ls` always read
//! them ([`SocketSource`]), and a process in it never makes a second namespace.
//!
//! The sockets of another namespace are read from inside it: a worker thread enters it
//! (setns, which needs CAP_SYS_ADMIN) and runs the same netlink sock_diag dump; when
//! that is not allowed, /proc/PID/net/{tcp,tcp6,udp,udp6} of a process in it. Socket
//! inodes are global, so one pass over /proc/*/fd finds the owners of every namespace.
//!
//! Nothing here is spent when the host's namespace is the only one but one readlink of
//! /proc/PID/ns/net per process (and a look at /run/netns).

use crate::os::{numeric_entries, proc_net_sockets, DIR_FLAGS};
use crate::{
    annotate, listening_sockets, ListOptions, Listener, RawSocket, Snapshot, SocketSource, Span,
};
use crate::{NetlinkSource, Which};
use portdex_registry::Transport;
use portdex_text::Lang;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Netns {
    /// Its inode (`net:[INODE]`): what identifies it.
    pub inode: u64,
    /// Its name in /run/netns, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Processes in it, lowest pids first: a few, not all ([`PIDS_KEPT`]).
    pub pids: Vec<u32>,
    /// Whether it is the namespace portdex runs in.
    pub host: bool,
}

/// How many pids of each namespace [`Netns::pids`] keeps.
pub const PIDS_KEPT: usize = 4;

/// What a look at /proc and /run/netns found.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    /// The host's namespace first, then the named ones by name, then the others by
    /// their lowest pid.
    pub namespaces: Vec<Netns>,
    /// Some processes' namespaces could not be read (other users' processes, not root):
    /// namespaces may be missing.
    pub hidden: bool,
}

/// The network namespaces of this machine, the host's first.
pub fn namespaces() -> Vec<Netns> {
    SystemNetns.survey().namespaces
}

/// How the sockets of a namespace were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The namespace portdex runs in, read as always.
    Host,
    /// netlink sock_diag from a thread that entered the namespace.
    Setns,
    /// /proc/PID/net of a process in it (entering was not allowed).
    Proc,
}

/// The sockets of one namespace.
#[derive(Debug, Clone)]
pub struct NsSockets {
    /// Its listening sockets.
    pub sockets: Vec<RawSocket>,
    /// How they were read.
    pub via: Via,
}

/// Where namespaces and their sockets come from: the kernel, or a fake in tests.
pub trait NetnsSource: Sync {
    /// The namespaces there are.
    fn survey(&self) -> Survey;
    /// The inode of the network namespace of a process.
    fn netns_of(&self, pid: u32) -> io::Result<u64>;
    /// The sockets of these namespaces (none of them the host's), in their order.
    fn sockets_in(
        &self,
        namespaces: &[&Netns],
        transports: &[Transport],
        which: Which,
    ) -> Vec<io::Result<NsSockets>>;
    /// A process's name, for naming a namespace by a process in it.
    fn command(&self, pid: u32) -> Option<String>;
    /// The containers there are, by the inode of their network namespace.
    fn containers(&self) -> HashMap<u64, Arc<crate::container::Container>> {
        HashMap::new()
    }
}

/// The machine's namespaces (/proc, /run/netns, setns).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemNetns;

/// Only the host's namespace: for callers (and tests) that want today's view.
#[derive(Debug, Default, Clone, Copy)]
pub struct HostOnly;

impl NetnsSource for HostOnly {
    fn survey(&self) -> Survey {
        Survey {
            namespaces: vec![Netns {
                inode: 0,
                name: None,
                pids: Vec::new(),
                host: true,
            }],
            hidden: false,
        }
    }
    fn netns_of(&self, pid: u32) -> io::Result<u64> {
        if crate::process_exists(pid) {
            Ok(0)
        } else {
            Err(io::ErrorKind::NotFound.into())
        }
    }
    fn sockets_in(&self, ns: &[&Netns], _: &[Transport], _: Which) -> Vec<io::Result<NsSockets>> {
        ns.iter()
            .map(|_| Err(io::ErrorKind::NotFound.into()))
            .collect()
    }
    fn command(&self, pid: u32) -> Option<String> {
        crate::os::process_name(pid)
    }
}

impl NetnsSource for SystemNetns {
    fn survey(&self) -> Survey {
        survey_at(Path::new("/proc"), Path::new("/run/netns"))
    }
    fn netns_of(&self, pid: u32) -> io::Result<u64> {
        let link = std::fs::read_link(format!("/proc/{pid}/ns/net"))?;
        netns_inode(link.as_os_str().as_encoded_bytes())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not a network namespace"))
    }
    fn sockets_in(
        &self,
        namespaces: &[&Netns],
        transports: &[Transport],
        which: Which,
    ) -> Vec<io::Result<NsSockets>> {
        read_inside(namespaces, transports, which)
    }
    fn command(&self, pid: u32) -> Option<String> {
        crate::os::process_name(pid)
    }
    fn containers(&self) -> HashMap<u64, Arc<crate::container::Container>> {
        crate::container::by_netns()
    }
}

/// "net:[4026531840]" → 4026531840.
fn netns_inode(link: &[u8]) -> Option<u64> {
    let digits = link.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    // Read once per process: the digits by hand, not through str::parse.
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
    })
}

/// Appends a number in decimal (once per process: no formatting machinery).
fn push_decimal(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The namespace a /proc/…/ns/net link of `proc` names, relative to it.
fn link_at(proc: &OwnedFd, path: &std::ffi::CStr) -> Result<u64, rustix::io::Errno> {
    let mut buf = [0u8; 32];
    let n = rustix::fs::readlinkat_raw(proc, path, &mut buf[..])?;
    buf.get(..n)
        .and_then(netns_inode)
        .ok_or(rustix::io::Errno::INVAL)
}

/// The place of namespace `inode` in `list`: 0 for the host's (nearly every process is
/// in it: no hashing for those), else its entry, added when it is new.
fn slot(
    list: &mut Vec<Netns>,
    index: &mut HashMap<u64, usize>,
    host: Option<u64>,
    inode: u64,
) -> usize {
    if Some(inode) == host {
        return 0;
    }
    *index.entry(inode).or_insert_with(|| {
        list.push(Netns {
            inode,
            name: None,
            pids: Vec::new(),
            host: false,
        });
        list.len() - 1
    })
}

/// The survey of a /proc (and a /run/netns): the directories are parameters for tests.
pub(crate) fn survey_at(proc_root: &Path, run_netns: &Path) -> Survey {
    let mut survey = Survey::default();
    let Ok(proc) = rustix::fs::open(proc_root, DIR_FLAGS, Mode::empty()) else {
        survey.hidden = true;
        return survey;
    };
    // The thread's namespace is the one its netlink sockets see.
    let host = link_at(&proc, c"thread-self/ns/net")
        .or_else(|_| link_at(&proc, c"self/ns/net"))
        .ok();
    // The host's is listed also when its link cannot be read (inode 0 then): its
    // sockets are read as always.
    let mut list: Vec<Netns> = vec![Netns {
        inode: host.unwrap_or(0),
        name: None,
        pids: Vec::new(),
        host: true,
    }];
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut path = Vec::with_capacity(32);
    // /proc lists pids in order already (a sorted input costs one pass to sort).
    let mut pids = numeric_entries(&proc);
    pids.sort_unstable();
    for pid in pids {
        path.clear();
        push_decimal(&mut path, pid);
        path.extend_from_slice(b"/ns/net\0");
        let Ok(c) = std::ffi::CStr::from_bytes_with_nul(&path) else {
            continue;
        };
        let inode = match link_at(&proc, c) {
            Ok(inode) => inode,
            // Another user's process (not root): its namespace is hidden. A process of
            // our own user we may not inspect (a sandbox's init, with capabilities we
            // lack) is not what "other users' processes" means.
            Err(rustix::io::Errno::ACCESS | rustix::io::Errno::PERM) => {
                let dir = &path[..path.len() - b"/ns/net\0".len()];
                let other = std::str::from_utf8(dir).ok().is_some_and(|d| {
                    rustix::fs::statat(&proc, d, rustix::fs::AtFlags::empty())
                        .is_ok_and(|st| st.st_uid != rustix::process::geteuid().as_raw())
                });
                survey.hidden |= other;
                continue;
            }
            // The process ended meanwhile (or has no namespace links: a zombie).
            Err(_) => continue,
        };
        let at = slot(&mut list, &mut index, host, inode);
        let pids = &mut list[at].pids;
        if pids.len() < PIDS_KEPT {
            pids.push(pid);
        }
    }
    // Named namespaces: bind mounts of nsfs files. A name whose mount is gone is an
    // empty file of /run's file system, not a namespace: its device is not nsfs's.
    // (nsfs's device is looked up only when there is a name to check.)
    let mut nsfs = None;
    let mut named: Vec<(String, u64)> = std::fs::read_dir(run_netns)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let st = rustix::fs::stat(e.path()).ok()?;
            let dev = nsfs.get_or_insert_with(|| {
                rustix::fs::statat(&proc, c"thread-self/ns/net", rustix::fs::AtFlags::empty())
                    .ok()
                    .map(|st| st.st_dev)
            });
            if dev.is_some_and(|dev| dev != st.st_dev) {
                return None;
            }
            Some((name, st.st_ino))
        })
        .collect();
    named.sort();
    for (name, inode) in named {
        let at = slot(&mut list, &mut index, host, inode);
        // Two names of one namespace: the first by name.
        list[at].name.get_or_insert(name);
    }
    // The host's first, then named ones by name, then the others by lowest pid.
    list.sort_by(|a, b| {
        (!a.host, a.name.is_none(), &a.name, a.pids.first()).cmp(&(
            !b.host,
            b.name.is_none(),
            &b.name,
            b.pids.first(),
        ))
    });
    survey.namespaces = list;
    survey
}

/// How many threads read namespaces at once.
const WORKERS: usize = 4;

/// Reads the sockets of each namespace from threads of their own (never this one: a
/// thread that enters a namespace stays in it until it ends).
fn read_inside(
    namespaces: &[&Netns],
    transports: &[Transport],
    which: Which,
) -> Vec<io::Result<NsSockets>> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, WORKERS)
        .min(namespaces.len());
    let mut out: Vec<Option<io::Result<NsSockets>>> = namespaces.iter().map(|_| None).collect();
    let parts: Vec<Vec<(usize, io::Result<NsSockets>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(ns) = namespaces.get(i) else { break };
                        done.push((i, read_one(ns, transports, which)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, r) in parts.into_iter().flatten() {
        out[i] = Some(r);
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(io::Error::other("not read"))))
        .collect()
}

/// Opens the namespace: its /run/netns file, else /proc/PID/ns/net of a process in it
/// (checked to be the same namespace: the pid may have been reused).
fn open_ns(ns: &Netns) -> io::Result<OwnedFd> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(name) = &ns.name {
        paths.push(Path::new("/run/netns").join(name));
    }
    paths.extend(
        ns.pids
            .iter()
            .map(|p| PathBuf::from(format!("/proc/{p}/ns/net"))),
    );
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no process in it any more");
    for path in paths {
        match rustix::fs::open(&path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) {
            Ok(fd) if rustix::fs::fstat(&fd).is_ok_and(|st| st.st_ino == ns.inode) => {
                return Ok(fd)
            }
            Ok(_) => {}
            Err(e) => last = e.into(),
        }
    }
    Err(last)
}

/// The listening sockets of one namespace, read on this thread, which it enters.
fn read_one(ns: &Netns, transports: &[Transport], which: Which) -> io::Result<NsSockets> {
    let entered = open_ns(ns).and_then(|fd| {
        rustix::thread::move_into_link_name_space(
            fd.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .map_err(io::Error::from)
    });
    match entered {
        Ok(()) => {
            let mut sockets = Vec::new();
            for &t in transports {
                // /proc/thread-self/net is this thread's namespace (/proc/net is the
                // process's, the host's).
                let part = crate::SocketSource::sockets(&NetlinkSource, t, which)
                    .or_else(|_| proc_net_sockets(Path::new("/proc/thread-self/net"), t, which))?;
                sockets.extend(part);
            }
            Ok(NsSockets {
                sockets,
                via: Via::Setns,
            })
        }
        Err(refused) => {
            // Not allowed in (not root): what a process in it sees, if one is left.
            for &pid in &ns.pids {
                let dir = PathBuf::from(format!("/proc/{pid}/net"));
                let mut sockets = Vec::new();
                let read: io::Result<()> = transports.iter().try_for_each(|&t| {
                    sockets.extend(proc_net_sockets(&dir, t, which)?);
                    Ok(())
                });
                // Still the same process's namespace after reading: the pid was not
                // reused meanwhile.
                if read.is_ok() && SystemNetns.netns_of(pid).ok() == Some(ns.inode) {
                    return Ok(NsSockets {
                        sockets,
                        via: Via::Proc,
                    });
                }
            }
            Err(refused)
        }
    }
}

/// Which namespaces `ls` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every namespace, the host's first.
    All,
    /// The host's only (what `ls` showed before namespaces).
    Host,
    /// The one of this name (/run/netns), or of a process with this pid.
    Named(String),
}

impl Selection {
    /// `all`, `host`, or anything else: a name, a pid, or `net:[INODE]`.
    pub fn parse(s: &str) -> Selection {
        match s {
            "all" => Selection::All,
            "host" => Selection::Host,
            other => Selection::Named(other.to_owned()),
        }
    }
}

/// A namespace as `ls` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct NetnsEntry {
    /// The namespace.
    #[serde(flatten)]
    pub netns: Netns,
    /// The name of its first process, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// How its sockets were read; None when they could not be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// Why its sockets could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The kind of that error (permission denied: not root).
    #[serde(skip)]
    pub error_kind: Option<io::ErrorKind>,
    /// The container whose namespace this is, when one is seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Arc<crate::container::Container>>,
}

/// What [`listeners_by_netns`] found.
#[derive(Debug, Clone)]
pub struct NetnsListing {
    /// Every listener of the namespaces asked for: the host's first, then each
    /// namespace's in the order of `namespaces`; `Listener::netns` says whose.
    pub snapshot: Snapshot,
    /// The namespaces asked for, the host's first (empty for [`Selection::Host`]).
    pub namespaces: Vec<NetnsEntry>,
    /// Some processes' namespaces could not be seen (not root): some may be missing.
    pub namespaces_hidden: bool,
}

/// Why `--netns` could not be served.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// No namespace of that name, pid or inode.
    #[error("no network namespace {value:?}")]
    NoSuch {
        /// What was asked for.
        value: String,
        /// The names there are (/run/netns).
        names: Vec<String>,
    },
    /// Reading the host's sockets failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl NetnsError {
    /// The message in a language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            NetnsError::NoSuch { value, names } => {
                portdex_text::netns::err_no_such(lang, value, names)
            }
            NetnsError::Io(e) => e.to_string(),
        }
    }
}

/// The listeners on `port` in network namespaces other than the host's (a container's,
/// an `ip netns` one's), each with its `netns`, and those namespaces: what `who` shows
/// when nothing on the host holds the port. Empty, after the survey alone, when there is
/// no other namespace.
pub fn port_elsewhere(
    source: &dyn SocketSource,
    nets: &dyn NetnsSource,
    port: u16,
    opts: ListOptions,
) -> Result<(Vec<Listener>, Vec<NetnsEntry>), NetnsError> {
    if nets.survey().namespaces.iter().all(|n| n.host) {
        return Ok((Vec::new(), Vec::new()));
    }
    let listing = listeners_by_netns(source, nets, opts, &Selection::All)?;
    let listeners: Vec<Listener> = listing
        .snapshot
        .listeners
        .into_iter()
        .filter(|l| l.netns.is_some() && l.port == port)
        .collect();
    let namespaces = listing
        .namespaces
        .into_iter()
        .filter(|n| listeners.iter().any(|l| l.netns == Some(n.netns.inode)))
        .collect();
    Ok((listeners, namespaces))
}

/// The listeners of the namespaces `select` names: the host's from `source` as
/// [`crate::listeners`] reads them, the others' from `nets`; owners for all of them in
/// one pass.
pub fn listeners_by_netns(
    source: &dyn SocketSource,
    nets: &dyn NetnsSource,
    opts: ListOptions,
    select: &Selection,
) -> Result<NetnsListing, NetnsError> {
    if *select == Selection::Host {
        return Ok(NetnsListing {
            snapshot: crate::listeners(source, opts)?,
            namespaces: Vec::new(),
            namespaces_hidden: false,
        });
    }
    let survey = nets.survey();
    let chosen: Vec<&Netns> = match select {
        Selection::Named(value) => vec![pick(&survey, nets, value)?],
        _ => survey.namespaces.iter().collect(),
    };
    let with_host = chosen.iter().any(|n| n.host);
    let others: Vec<&Netns> = chosen.iter().copied().filter(|n| !n.host).collect();
    let mut raw = if with_host {
        listening_sockets(source, opts)?
    } else {
        Vec::new()
    };
    let mut transports = Vec::new();
    if opts.tcp {
        transports.push(Transport::Tcp);
    }
    if opts.udp {
        transports.push(Transport::Udp);
    }
    let read = if others.is_empty() {
        Vec::new()
    } else {
        nets.sockets_in(&others, &transports, crate::Which::Listening)
    };
    let mut entries = Vec::with_capacity(chosen.len());
    if let Some(host) = chosen.iter().find(|n| n.host) {
        entries.push(NetnsEntry {
            netns: (*host).clone(),
            command: None,
            via: Some(Via::Host),
            error: None,
            error_kind: None,
            container: None,
        });
    }
    // A socket is in one namespace: one seen already (the host's) is not listed again.
    let mut seen: HashSet<u64> = if others.is_empty() {
        HashSet::new()
    } else {
        raw.iter().map(|s| s.inode).collect()
    };
    // Containers, by namespace: looked for only when there are other namespaces.
    let containers = if others.is_empty() {
        HashMap::new()
    } else {
        nets.containers()
    };
    let mut spans = Vec::with_capacity(others.len());
    for (ns, got) in others.iter().zip(read) {
        let mut entry = NetnsEntry {
            netns: (*ns).clone(),
            command: ns.pids.first().and_then(|&p| nets.command(p)),
            via: None,
            error: None,
            error_kind: None,
            container: containers.get(&ns.inode).cloned(),
        };
        match got {
            Ok(got) => {
                entry.via = Some(got.via);
                spans.push(Span {
                    start: raw.len(),
                    inode: ns.inode,
                    name: ns.name.as_deref().map(Arc::from),
                });
                raw.extend(got.sockets.into_iter().filter(|s| seen.insert(s.inode)));
            }
            Err(e) => {
                entry.error = Some(e.to_string());
                entry.error_kind = Some(e.kind());
            }
        }
        entries.push(entry);
    }
    let mut snapshot = annotate(source, raw, &spans, opts);
    if !containers.is_empty() {
        // The listeners inside a container's namespace are the container's.
        for l in &mut snapshot.listeners {
            if let Some(c) = l.netns.and_then(|n| containers.get(&n)) {
                l.container.get_or_insert_with(|| Arc::clone(c));
            }
        }
    }
    Ok(NetnsListing {
        snapshot,
        namespaces: entries,
        namespaces_hidden: survey.hidden,
    })
}

/// The namespace `value` names: a name of /run/netns, a pid, or `net:[INODE]`.
fn pick<'a>(
    survey: &'a Survey,
    nets: &dyn NetnsSource,
    value: &str,
) -> Result<&'a Netns, NetnsError> {
    let by_inode = |inode: u64| survey.namespaces.iter().find(|n| n.inode == inode);
    let found = if let Some(n) = survey
        .namespaces
        .iter()
        .find(|n| n.name.as_deref() == Some(value))
    {
        Some(n)
    } else if let Some(inode) = netns_inode(value.as_bytes()) {
        by_inode(inode)
    } else if let Ok(pid) = value.parse::<u32>() {
        nets.netns_of(pid).ok().and_then(by_inode)
    } else {
        // A container's name, or its id (12 digits or more of it, as `podman ps`
        // shows them).
        nets.containers()
            .iter()
            .find(|(_, c)| {
                c.name.as_deref() == Some(value) || (value.len() >= 12 && c.id.starts_with(value))
            })
            .and_then(|(&inode, _)| by_inode(inode))
    };
    found.ok_or_else(|| NetnsError::NoSuch {
        value: value.to_owned(),
        names: survey
            .namespaces
            .iter()
            .filter_map(|n| n.name.clone())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, MetadataExt};

    #[test]
    fn decimal() {
        for n in [0, 7, 10, 4321, u32::MAX] {
            let mut v = b"x".to_vec();
            push_decimal(&mut v, n);
            assert_eq!(v, format!("x{n}").into_bytes());
        }
    }

    #[test]
    fn namespace_links() {
        assert_eq!(netns_inode(b"net:[4026531840]"), Some(4026531840));
        assert_eq!(netns_inode(b"net:[x]"), None);
        assert_eq!(netns_inode(b"net:[]"), None);
        assert_eq!(netns_inode(b"net:[99999999999999999999]"), None);
        assert_eq!(netns_inode(b"net:[1x]"), None);
        assert_eq!(netns_inode(b"mnt:[4026531840]"), None);
        assert_eq!(netns_inode(b"socket:[12]"), None);
    }

    /// A fake /proc: pid → namespace inode, and thread-self in 100.
    fn fake_proc(dir: &Path, procs: &[(u32, u64)], own: u64) {
        for &(pid, inode) in procs {
            std::fs::create_dir_all(dir.join(format!("{pid}/ns"))).unwrap();
            symlink(format!("net:[{inode}]"), dir.join(format!("{pid}/ns/net"))).unwrap();
        }
        std::fs::create_dir_all(dir.join("thread-self/ns")).unwrap();
        symlink(format!("net:[{own}]"), dir.join("thread-self/ns/net")).unwrap();
        // Not a process.
        std::fs::create_dir_all(dir.join("sys")).unwrap();
    }

    #[test]
    fn one_namespace_per_inode_the_hosts_once_and_first() {
        let dir = std::env::temp_dir().join(format!("pdx-netns-survey-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (proc, run) = (dir.join("proc"), dir.join("run"));
        let procs = [
            (1, 10),
            (2, 10),
            (300, 20),
            (301, 20),
            (302, 20),
            (303, 20),
            (304, 20),
            (400, 30),
            (500, 10),
        ];
        fake_proc(&proc, &procs, 10);
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("zeta"), "").unwrap();
        std::fs::write(run.join("alpha"), "").unwrap();
        let zeta = std::fs::metadata(run.join("zeta")).unwrap().ino();
        let alpha = std::fs::metadata(run.join("alpha")).unwrap().ino();
        let s = survey_at(&proc, &run);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!s.hidden);
        let got: Vec<(u64, Option<&str>, &[u32], bool)> = s
            .namespaces
            .iter()
            .map(|n| (n.inode, n.name.as_deref(), n.pids.as_slice(), n.host))
            .collect();
        // The host's (with at most PIDS_KEPT pids), the named ones by name (without
        // processes), then the others by lowest pid.
        assert_eq!(
            got,
            vec![
                (10, None, &[1, 2, 500][..], true),
                (alpha, Some("alpha"), &[][..], false),
                (zeta, Some("zeta"), &[][..], false),
                (20, None, &[300, 301, 302, 303][..], false),
                (30, None, &[400][..], false),
            ]
        );
    }

    /// The host: TCP 22 and 80 (inode 1, 2); held by pids 10 and 11.
    struct Host;

    fn sock(port: u16, inode: u64) -> RawSocket {
        RawSocket {
            transport: Transport::Tcp,
            local: std::net::SocketAddr::new([0, 0, 0, 0].into(), port),
            remote: "0.0.0.0:0".parse().unwrap(),
            state: crate::tcp_state::LISTEN,
            uid: 0,
            inode,
        }
    }

    impl SocketSource for Host {
        fn sockets(&self, t: Transport, _: Which) -> io::Result<Vec<RawSocket>> {
            Ok(match t {
                Transport::Tcp => vec![sock(80, 2), sock(22, 1)],
                _ => Vec::new(),
            })
        }
        fn owners(&self, inodes: &[u64], _: bool) -> crate::Owners {
            let mut o = crate::Owners::default();
            for &i in inodes {
                o.by_inode.insert(
                    i,
                    vec![crate::Process {
                        pid: 10 + i as u32,
                        name: format!("p{i}"),
                        cmdline: None,
                    }],
                );
            }
            o
        }
        fn user_name(&self, _: u32) -> Option<String> {
            None
        }
    }

    /// The host (inode 1, pids 1 and 2), "blue" (inode 5, pid 50: 8080, inode 7, and
    /// a socket of the host's reported again, inode 2), one of pid 60 (inode 6: 53)
    /// and "locked" (inode 9, not readable).
    struct Nets;

    fn ns(inode: u64, name: Option<&str>, pids: &[u32], host: bool) -> Netns {
        Netns {
            inode,
            name: name.map(str::to_owned),
            pids: pids.to_vec(),
            host,
        }
    }

    impl NetnsSource for Nets {
        fn survey(&self) -> Survey {
            Survey {
                namespaces: vec![
                    ns(1, None, &[1, 2], true),
                    ns(5, Some("blue"), &[50], false),
                    ns(9, Some("locked"), &[], false),
                    ns(6, None, &[60], false),
                ],
                hidden: false,
            }
        }
        fn netns_of(&self, pid: u32) -> io::Result<u64> {
            match pid {
                1 | 2 => Ok(1),
                50 => Ok(5),
                60 | 61 => Ok(6),
                _ => Err(io::ErrorKind::NotFound.into()),
            }
        }
        fn sockets_in(
            &self,
            list: &[&Netns],
            t: &[Transport],
            _: Which,
        ) -> Vec<io::Result<NsSockets>> {
            assert!(
                list.iter().all(|n| !n.host),
                "the host's is read by the source"
            );
            assert_eq!(t, [Transport::Tcp, Transport::Udp]);
            list.iter()
                .map(|n| match n.inode {
                    5 => Ok(NsSockets {
                        sockets: vec![sock(8080, 7), sock(80, 2)],
                        via: Via::Setns,
                    }),
                    6 => Ok(NsSockets {
                        sockets: vec![sock(53, 8)],
                        via: Via::Proc,
                    }),
                    _ => Err(io::ErrorKind::PermissionDenied.into()),
                })
                .collect()
        }
        fn command(&self, pid: u32) -> Option<String> {
            Some(format!("cmd{pid}"))
        }
        fn containers(&self) -> HashMap<u64, Arc<crate::container::Container>> {
            let c = crate::container::Container {
                engine: crate::container::Engine::Podman,
                id: "f3aa2a0e3e0b".repeat(5) + "abcd",
                name: Some("db".into()),
                image: None,
                pid: Some(60),
                process: None,
                netns: Some(6),
                published: Vec::new(),
            };
            HashMap::from([(6, Arc::new(c))])
        }
    }

    fn list(select: &str) -> Result<NetnsListing, NetnsError> {
        listeners_by_netns(
            &Host,
            &Nets,
            ListOptions::default(),
            &Selection::parse(select),
        )
    }

    /// Port, namespace, its name, owners.
    type Row<'a> = (u16, Option<u64>, Option<&'a str>, Vec<u32>);

    fn rows(l: &NetnsListing) -> Vec<Row<'_>> {
        l.snapshot
            .listeners
            .iter()
            .map(|l| {
                (
                    l.port,
                    l.netns,
                    l.netns_name.as_deref(),
                    l.processes.iter().map(|p| p.pid).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn every_namespace_grouped_the_hosts_first_and_once() {
        let all = list("all").unwrap();
        assert_eq!(
            rows(&all),
            vec![
                (22, None, None, vec![11]),
                (80, None, None, vec![12]),
                (8080, Some(5), Some("blue"), vec![17]),
                (53, Some(6), None, vec![18]),
            ]
        );
        let seen: Vec<(u64, Option<Via>, bool, Option<&str>)> = all
            .namespaces
            .iter()
            .map(|e| {
                (
                    e.netns.inode,
                    e.via,
                    e.error.is_some(),
                    e.command.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (1, Some(Via::Host), false, None),
                (5, Some(Via::Setns), false, Some("cmd50")),
                (9, None, true, None),
                (6, Some(Via::Proc), false, Some("cmd60")),
            ]
        );
        assert_eq!(
            all.namespaces[2].error_kind,
            Some(io::ErrorKind::PermissionDenied)
        );
    }

    #[test]
    fn one_namespace_by_name_pid_or_inode() {
        let host = list("host").unwrap();
        assert_eq!(rows(&host).len(), 2);
        assert!(host.namespaces.is_empty());
        for by in ["blue", "50", "net:[5]"] {
            let l = list(by).unwrap();
            // Blue's own (the fake also reports a socket of the host's in it, which
            // only a listing with the host's can recognise).
            let got = rows(&l);
            assert!(
                got.contains(&(8080, Some(5), Some("blue"), vec![17])),
                "{by}"
            );
            assert!(got.iter().all(|r| r.1 == Some(5)), "{by}");
            assert_eq!(l.namespaces.len(), 1);
        }
        // A pid of the host's namespace: the host's listeners, once.
        let l = list("2").unwrap();
        assert_eq!(rows(&l), rows(&host));
        // Any pid of the namespace, not only the few the survey kept.
        assert_eq!(rows(&list("61").unwrap())[0].0, 53);
        // A container's name or the start of its id; its listeners carry it.
        for by in ["db", "f3aa2a0e3e0b"] {
            let l = list(by).unwrap();
            assert_eq!(rows(&l)[0].0, 53, "{by}");
            let c = l.snapshot.listeners[0].container.as_deref();
            assert_eq!(c.and_then(|c| c.name.as_deref()), Some("db"));
            assert!(l.namespaces[0].container.is_some());
        }
        // In a listing of all, only the container's namespace is the container's.
        let all = list("all").unwrap();
        for l in &all.snapshot.listeners {
            assert_eq!(l.container.is_some(), l.netns == Some(6), "{}", l.port);
        }
    }

    #[test]
    fn an_unknown_namespace_names_the_valid_ones() {
        for bad in ["nosuch", "99999", "net:[4]", ""] {
            match list(bad) {
                Err(NetnsError::NoSuch { value, names }) => {
                    assert_eq!(value, bad);
                    assert_eq!(names, ["blue", "locked"]);
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let m = list("nosuch").unwrap_err().message(Lang::En);
        assert!(
            m.contains("\"nosuch\"") && m.contains("blue, locked"),
            "{m}"
        );
        let m = list("nosuch").unwrap_err().message(Lang::Ja);
        assert!(
            m.contains("\"nosuch\"") && m.contains("blue, locked"),
            "{m}"
        );
    }
}
