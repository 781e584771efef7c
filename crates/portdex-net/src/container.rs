//! The containers behind listeners: which container a publishing process (podman's
//! conmon, Docker's docker-proxy, containerd's shim) holds a port for, its name, image,
//! main process and network namespace, and which ports it publishes.
//!
//! What a container engine leaves on the machine, in this order:
//! - the publishing process's own arguments: conmon's `-c ID -n NAME -b BUNDLE -p PIDFILE
//!   --exit-command podman`, docker-proxy's `-proto tcp -host-ip A -host-port P
//!   -container-ip B -container-port Q`, the shim's `-namespace NS -id ID`;
//! - the engine's API socket, when its server already runs (dockerd; `podman system
//!   service`): an HTTP/1.1 GET of `/containers/json` over the Unix socket, with a short
//!   timeout. Never a socket that would start a server (podman's systemd socket unit):
//!   portdex only asks a server it sees running;
//! - the engine's state files: podman's `containers.json` (name, image) and its libpod
//!   database (the container's configuration, with its port mappings), Docker's
//!   `containers/ID/config.v2.json`.
//!
//! Nothing here runs unless a publishing process is among the owners already read
//! ([`is_publisher`]), or the caller asks for [`containers`].

use crate::Process;
use portdex_registry::Transport;
use serde::Serialize;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long portdex waits for an engine's API (connect, request, answer).
const API_TIMEOUT: Duration = Duration::from_millis(800);
/// The most portdex reads of an API answer or a state file.
const READ_LIMIT: u64 = 64 << 20;

/// A container engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Podman (conmon, netavark or slirp4netns).
    Podman,
    /// Docker (dockerd, docker-proxy, containerd in the `moby` namespace).
    Docker,
    /// containerd without Docker (nerdctl, Kubernetes).
    Containerd,
    /// CRI-O (conmon without podman).
    #[serde(rename = "cri-o")]
    Crio,
}

impl Engine {
    /// The stable identifier (also the command of podman and docker).
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Podman => "podman",
            Engine::Docker => "docker",
            Engine::Containerd => "containerd",
            Engine::Crio => "cri-o",
        }
    }
}

/// A port a container publishes on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    /// tcp or udp.
    pub transport: Transport,
    /// The host address it is published on (0.0.0.0 or :: for every interface).
    pub host_ip: IpAddr,
    /// The host port.
    pub host_port: u16,
    /// The port inside the container.
    pub container_port: u16,
}

/// A running container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    /// Which engine runs it.
    pub engine: Engine,
    /// Its id (64 hex digits for podman and Docker).
    pub id: String,
    /// Its name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its image, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The container's main process, as a pid of the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// That process's name (/proc/PID/comm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// The inode of its network namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns: Option<u64>,
    /// The ports it publishes on the host, when known.
    pub published: Vec<Published>,
}

impl Container {
    /// What a user calls it: its name, else the first 12 digits of its id.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| &self.id[..self.id.len().min(12)])
    }

    /// The command that stops it.
    pub fn stop_command(&self) -> String {
        let who = self.label();
        match self.engine {
            Engine::Podman => format!("podman stop {who}"),
            Engine::Docker => format!("docker stop {who}"),
            Engine::Containerd => format!("nerdctl stop {who}"),
            Engine::Crio => format!("crictl stop {who}"),
        }
    }

    /// What it publishes on this host port and address (the exact address first, else
    /// one published on every address).
    pub fn published_at(&self, transport: Transport, ip: IpAddr, port: u16) -> Option<&Published> {
        let here = |p: &&Published| p.transport == transport && p.host_port == port;
        self.published
            .iter()
            .filter(here)
            .find(|p| p.host_ip == ip)
            .or_else(|| self.published.iter().find(here))
    }
}

/// Whether a process of this name publishes ports or runs containers for an engine
/// (comm is at most 15 bytes: `containerd-shim-runc-v2` reads `containerd-shim`).
pub fn is_publisher(comm: &str) -> bool {
    // One byte decides for almost every process (ls asks this of every owner).
    match comm.as_bytes().first() {
        Some(b'c') => comm == "conmon" || comm.starts_with("containerd-shim"),
        Some(b'd') => comm == "docker-proxy",
        _ => false,
    }
}

/// The containers behind these publishing processes, by the pid of each process that
/// stands for one (processes that are no publisher are skipped).
pub fn behind(holders: &[&Process]) -> Vec<(u32, Arc<Container>)> {
    let mut apis = Apis::default();
    let mut out: Vec<(u32, Arc<Container>)> = Vec::new();
    for p in holders {
        if !is_publisher(&p.name) || out.iter().any(|(pid, _)| *pid == p.pid) {
            continue;
        }
        let args = p.cmdline.clone().unwrap_or_else(|| cmdline(p.pid));
        if let Some(c) = identify(p.pid, &p.name, &args, &mut apis) {
            // Two publishers of one container share one description.
            let shared = out
                .iter()
                .find(|(_, o)| o.id == c.id && o.engine == c.engine)
                .map(|(_, o)| Arc::clone(o));
            out.push((p.pid, shared.unwrap_or_else(|| Arc::new(c))));
        }
    }
    out
}

/// Every running container portdex can see: one per conmon, docker-proxy (their
/// containers) and containerd shim, each once.
pub fn containers() -> Vec<Container> {
    let mut procs: Vec<Process> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Some(name) = crate::os::process_name(pid) else {
                continue;
            };
            if is_publisher(&name) {
                procs.push(Process {
                    pid,
                    name,
                    cmdline: None,
                });
            }
        }
    }
    // Richest first: conmon and docker-proxy know more than a shim.
    procs.sort_by_key(|p| (p.name.starts_with("containerd-shim"), p.pid));
    let refs: Vec<&Process> = procs.iter().collect();
    let mut out: Vec<Container> = Vec::new();
    for (_, c) in behind(&refs) {
        match out
            .iter_mut()
            .find(|o| o.id == c.id || (c.pid.is_some() && o.pid == c.pid))
        {
            Some(o) => {
                for p in &c.published {
                    if !o.published.contains(p) {
                        o.published.push(p.clone());
                    }
                }
                o.name = o.name.take().or_else(|| c.name.clone());
                o.image = o.image.take().or_else(|| c.image.clone());
            }
            None => out.push((*c).clone()),
        }
    }
    out
}

/// The container whose network namespace has this inode, if portdex sees one. Reads
/// /proc once per call: for many namespaces, [`by_netns`] once.
pub fn container_for_netns(inode: u64) -> Option<Container> {
    containers().into_iter().find(|c| c.netns == Some(inode))
}

/// Every container portdex sees, by the inode of its network namespace (one pass over
/// /proc): for naming the namespaces `ls` groups listeners by, and for setting
/// `Listener::container` on the listeners inside one.
pub fn by_netns() -> std::collections::HashMap<u64, Arc<Container>> {
    containers()
        .into_iter()
        .filter_map(|c| Some((c.netns?, Arc::new(c))))
        .collect()
}

/// A process's arguments (/proc/PID/cmdline).
fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|&c| c == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        })
        .map(|mut v| {
            // The buffer ends with a NUL: no empty last argument.
            if v.last().is_some_and(String::is_empty) {
                v.pop();
            }
            v
        })
        .unwrap_or_default()
}

/// The value after a flag (`-c ID`, `--cid ID`, `--cid=ID`): the first match.
fn flag<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().map(String::as_str);
            }
            if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
    }
    None
}

/// Every value of a repeated flag, in order.
fn flags<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == name {
            if let Some(v) = it.next() {
                out.push(v.as_str());
            }
        } else if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            out.push(v);
        }
    }
    out
}

/// The inode of a process's network namespace.
pub fn netns_of(pid: u32) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
    link.to_str()?
        .strip_prefix("net:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The first child of a process (/proc/PID/task/PID/children).
fn first_child(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn identify(pid: u32, comm: &str, args: &[String], apis: &mut Apis) -> Option<Container> {
    match comm {
        "conmon" => Some(conmon(pid, args, apis)),
        "docker-proxy" => docker_proxy(pid, args, apis),
        _ => shim(pid, args, apis),
    }
}

/// The answers of the engines' APIs, asked at most once per engine.
#[derive(Default)]
struct Apis {
    podman: Option<Option<(PathBuf, Vec<Value>)>>,
    docker: Vec<(PathBuf, Option<Vec<Value>>)>,
}

impl Apis {
    /// podman's API, when `podman system service` runs: its socket and its list.
    fn podman(&mut self) -> Option<&(PathBuf, Vec<Value>)> {
        self.podman
            .get_or_insert_with(|| {
                let sock = podman_service_socket()?;
                let list = api_get(&sock, "/containers/json")?;
                Some((sock, list.as_array()?.clone()))
            })
            .as_ref()
    }

    /// dockerd's list of containers at this socket.
    fn docker(&mut self, sock: &Path) -> Option<&Vec<Value>> {
        let i = match self.docker.iter().position(|(s, _)| s == sock) {
            Some(i) => i,
            None => {
                let list = api_get(sock, "/containers/json").and_then(|v| v.as_array().cloned());
                self.docker.push((sock.to_owned(), list));
                self.docker.len() - 1
            }
        };
        self.docker[i].1.as_ref()
    }
}

/// The socket of a running `podman system service`, from its arguments
/// (`unix:///run/podman/podman.sock` or the default for its user).
fn podman_service_socket() -> Option<PathBuf> {
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if crate::os::process_name(pid).as_deref() != Some("podman") {
            continue;
        }
        let args = cmdline(pid);
        let Some(at) = args.iter().position(|a| a == "service") else {
            continue;
        };
        if !args[..at].iter().any(|a| a == "system") {
            continue;
        }
        if let Some(path) = args[at + 1..]
            .iter()
            .find_map(|a| a.strip_prefix("unix://"))
        {
            return Some(PathBuf::from(path));
        }
        return Some(PathBuf::from("/run/podman/podman.sock"));
    }
    None
}

/// A connection to an engine's API socket, or none: only a socket owned by root or by
/// this user (a portdex run as root never talks to a socket another user made and named
/// in the arguments of a process called dockerd or podman), and a connect bounded by
/// [`API_TIMEOUT`] (a Unix listener whose backlog is full makes connect wait; its send
/// timeout bounds that wait).
fn connect_engine(sock: &Path) -> Option<UnixStream> {
    use rustix::net::{sockopt, AddressFamily, SocketAddrUnix, SocketType};
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(sock).ok()?.uid();
    if owner != 0 && owner != rustix::process::geteuid().as_raw() {
        return None;
    }
    let fd = rustix::net::socket(AddressFamily::UNIX, SocketType::STREAM, None).ok()?;
    sockopt::set_socket_timeout(&fd, sockopt::Timeout::Send, Some(API_TIMEOUT)).ok()?;
    rustix::net::connect(&fd, &SocketAddrUnix::new(sock).ok()?).ok()?;
    Some(UnixStream::from(fd))
}

/// An HTTP/1.1 GET over a Unix socket, its JSON body (status 200 only).
fn api_get(sock: &Path, path: &str) -> Option<Value> {
    let deadline = Instant::now() + API_TIMEOUT;
    let mut s = connect_engine(sock)?;
    s.set_write_timeout(Some(API_TIMEOUT)).ok()?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .ok()?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() as u64 > READ_LIMIT {
                    return None;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    http_json(&raw)
}

/// The JSON body of a raw HTTP/1.x answer with status 200 (plain or chunked).
fn http_json(raw: &[u8]) -> Option<Value> {
    let end = find(raw, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?;
    if status != "200" {
        return None;
    }
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = &raw[end + 4..];
    if !chunked {
        return serde_json::from_slice(body).ok();
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let eol = find(rest, b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
    serde_json::from_slice(&out).ok()
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    find_from(hay, needle, 0)
}

fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let at = hay[i..].iter().position(|&b| b == first)? + i;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// A file's bytes, when it is not larger than [`READ_LIMIT`].
fn read_limited(path: &Path) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    if f.metadata().ok()?.len() > READ_LIMIT {
        return None;
    }
    let mut out = Vec::new();
    f.take(READ_LIMIT).read_to_end(&mut out).ok()?;
    Some(out)
}

/// A process's name, and its pid, when it exists.
fn main_process(pid: Option<u32>) -> (Option<u32>, Option<String>, Option<u64>) {
    match pid.filter(|&p| p > 0) {
        Some(p) => match crate::os::process_name(p) {
            Some(name) => (Some(p), Some(name), netns_of(p)),
            None => (None, None, None),
        },
        None => (None, None, None),
    }
}

fn transport_named(s: &str) -> Option<Transport> {
    match s {
        "tcp" => Some(Transport::Tcp),
        "udp" => Some(Transport::Udp),
        "sctp" => Some(Transport::Sctp),
        _ => None,
    }
}

/// The published ports of an Engine API `/containers/json` entry (`Ports`).
fn api_ports(entry: &Value) -> Vec<Published> {
    let mut out = Vec::new();
    for p in entry["Ports"].as_array().into_iter().flatten() {
        let (Some(public), Some(private)) = (p["PublicPort"].as_u64(), p["PrivatePort"].as_u64())
        else {
            continue;
        };
        let Some(transport) = p["Type"].as_str().and_then(transport_named) else {
            continue;
        };
        let host_ip = p["IP"]
            .as_str()
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let (Ok(host_port), Ok(container_port)) = (u16::try_from(public), u16::try_from(private))
        else {
            continue;
        };
        let item = Published {
            transport,
            host_ip,
            host_port,
            container_port,
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// An Engine API entry's name (`Names`: `["/web"]` from Docker).
fn api_name(entry: &Value) -> Option<String> {
    entry["Names"]
        .as_array()?
        .first()?
        .as_str()
        .map(|s| s.trim_start_matches('/').to_owned())
}

/// conmon: podman's (or CRI-O's) monitor of one container. With netavark, podman's
/// conmon also holds the published host ports (a reservation; the packets take
/// netavark's DNAT rules to the container).
fn conmon(pid: u32, args: &[String], apis: &mut Apis) -> Container {
    let id = flag(args, &["-c", "--cid"]).unwrap_or_default().to_owned();
    let name = flag(args, &["-n", "--name"]).map(str::to_owned);
    let podman = flag(args, &["--exit-command"]).is_some_and(|c| {
        Path::new(c)
            .file_name()
            .is_some_and(|f| f.to_str() == Some("podman"))
    });
    let engine = if podman { Engine::Podman } else { Engine::Crio };
    let pidfile = flag(args, &["-p", "--container-pidfile"]);
    let main = pidfile
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|s| s.trim().parse().ok())
        .or_else(|| first_child(pid));
    let (pid, process, netns) = main_process(main);
    let mut c = Container {
        engine,
        id,
        name,
        image: None,
        pid,
        process,
        netns,
        published: Vec::new(),
    };
    if engine != Engine::Podman {
        return c;
    }
    if let Some((_, list)) = apis.podman() {
        if let Some(e) = list
            .iter()
            .find(|e| e["Id"].as_str() == Some(c.id.as_str()))
        {
            c.name = api_name(e).or(c.name);
            c.image = e["Image"].as_str().map(str::to_owned);
            c.published = api_ports(e);
            return c;
        }
    }
    // The state files: the storage root is the --exit-command-arg after --root, else
    // three levels above the bundle (ROOT/overlay-containers/ID/userdata).
    let exit_args = flags(args, "--exit-command-arg");
    let root = exit_args
        .iter()
        .position(|a| *a == "--root")
        .and_then(|i| exit_args.get(i + 1))
        .map(PathBuf::from)
        .or_else(|| {
            flag(args, &["-b", "--bundle"])
                .and_then(|b| Path::new(b).ancestors().nth(3).map(Path::to_path_buf))
        });
    let Some(root) = root else {
        return c;
    };
    let bundle_dir = flag(args, &["-b", "--bundle"])
        .and_then(|b| Path::new(b).ancestors().nth(2).map(Path::to_path_buf))
        .unwrap_or_else(|| root.join("overlay-containers"));
    if let Some(entry) = storage_entry(&bundle_dir.join("containers.json"), &c.id) {
        c.name = c.name.or_else(|| entry.0.clone());
        c.image = entry.1;
    }
    if let Some(config) = libpod_config(&root.join("libpod"), &c.id) {
        if c.image.is_none() {
            c.image = config["RawImageName"].as_str().map(str::to_owned);
        }
        c.published = libpod_ports(&config);
    }
    c
}

/// containers/storage's record of a container (`containers.json`): its first name and
/// the image name in its metadata.
fn storage_entry(path: &Path, id: &str) -> Option<(Option<String>, Option<String>)> {
    let list: Value = serde_json::from_slice(&read_limited(path)?).ok()?;
    let e = list.as_array()?.iter().find(|e| e["id"] == id)?;
    let name = e["names"][0].as_str().map(str::to_owned);
    let meta: Option<Value> = e["metadata"]
        .as_str()
        .and_then(|m| serde_json::from_str(m).ok());
    let image = meta.and_then(|m| m["image-name"].as_str().map(str::to_owned));
    Some((name, image))
}

/// The container's configuration as libpod stores it: a JSON object in its database
/// (BoltDB `bolt_state.db`, whose values lie whole in its pages; or SQLite `db.sql`,
/// where a configuration larger than a page is split and not found).
fn libpod_config(dir: &Path, id: &str) -> Option<Value> {
    let needle = format!("\"id\":\"{id}\"");
    for file in ["bolt_state.db", "db.sql"] {
        let Some(data) = read_limited(&dir.join(file)) else {
            continue;
        };
        let mut from = 0;
        while let Some(at) = find_from(&data, needle.as_bytes(), from) {
            from = at + 1;
            // The configuration begins with its OCI spec.
            let Some(start) = data[..at].windows(8).rposition(|w| w == b"{\"spec\":") else {
                continue;
            };
            let mut values =
                serde_json::Deserializer::from_slice(&data[start..]).into_iter::<Value>();
            if let Some(Ok(v)) = values.next() {
                if v["id"] == id {
                    return Some(v);
                }
            }
        }
    }
    None
}

/// The port mappings of a libpod configuration (`newPortMappings`: host_ip,
/// container_port, host_port, range, protocol "tcp" or "tcp,udp").
fn libpod_ports(config: &Value) -> Vec<Published> {
    let mut out = Vec::new();
    for m in config["newPortMappings"].as_array().into_iter().flatten() {
        let (Some(host), Some(inside)) = (m["host_port"].as_u64(), m["container_port"].as_u64())
        else {
            continue;
        };
        let range = m["range"].as_u64().unwrap_or(1).clamp(1, 65535);
        let host_ip = m["host_ip"]
            .as_str()
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let protocols = m["protocol"].as_str().unwrap_or("tcp");
        for proto in protocols.split(',') {
            let Some(transport) = transport_named(proto.trim()) else {
                continue;
            };
            for i in 0..range {
                let (Ok(host_port), Ok(container_port)) =
                    (u16::try_from(host + i), u16::try_from(inside + i))
                else {
                    break;
                };
                out.push(Published {
                    transport,
                    host_ip,
                    host_port,
                    container_port,
                });
            }
        }
    }
    out
}

/// docker-proxy's arguments: what it publishes (`-proto tcp -host-ip A -host-port P
/// -container-ip B -container-port Q`) and the container's address.
fn proxy_args(args: &[String]) -> Option<(Published, Option<IpAddr>)> {
    let transport = transport_named(flag(args, &["-proto"]).unwrap_or("tcp"))?;
    let host_ip = flag(args, &["-host-ip"])?.parse().ok()?;
    let host_port = flag(args, &["-host-port"])?.parse().ok()?;
    let container_port = flag(args, &["-container-port"])?.parse().ok()?;
    let inside = flag(args, &["-container-ip"]).and_then(|s| s.parse().ok());
    Some((
        Published {
            transport,
            host_ip,
            host_port,
            container_port,
        },
        inside,
    ))
}

/// dockerd's API socket, from its arguments (`-H unix:///…`, `--host=…`; `fd://` is
/// systemd's socket, /run/docker.sock), else the default.
fn dockerd_socket(args: &[String]) -> PathBuf {
    for h in flags(args, "-H").into_iter().chain(flags(args, "--host")) {
        if let Some(p) = h.strip_prefix("unix://") {
            return PathBuf::from(p);
        }
        if h.starts_with("fd://") {
            return PathBuf::from("/run/docker.sock");
        }
    }
    PathBuf::from("/var/run/docker.sock")
}

/// docker-proxy: Docker's userland proxy for one published port.
fn docker_proxy(pid: u32, args: &[String], apis: &mut Apis) -> Option<Container> {
    let (published, inside) = proxy_args(args)?;
    let dockerd = crate::os::parent_of(pid).map(|p| (p, cmdline(p)));
    let daemon_args = dockerd.as_ref().map(|(_, a)| a.as_slice()).unwrap_or(&[]);
    let sock = dockerd_socket(daemon_args);
    let matches = |e: &Value| {
        api_ports(e).iter().any(|p| {
            p.host_port == published.host_port
                && p.transport == published.transport
                && (p.host_ip == published.host_ip || p.host_ip.is_unspecified())
        })
    };
    if let Some(list) = apis.docker(&sock) {
        if let Some(e) = list.iter().find(|e| matches(e)) {
            let id = e["Id"].as_str().unwrap_or_default().to_owned();
            let detail = api_get(&sock, &format!("/containers/{id}/json"));
            let main = detail
                .as_ref()
                .and_then(|d| d["State"]["Pid"].as_u64())
                .and_then(|p| u32::try_from(p).ok());
            let (pid, process, netns) = main_process(main);
            let mut ports = api_ports(e);
            if !ports.contains(&published) {
                ports.push(published);
            }
            return Some(Container {
                engine: Engine::Docker,
                id,
                name: api_name(e),
                image: e["Image"].as_str().map(str::to_owned),
                pid,
                process,
                netns,
                published: ports,
            });
        }
    }
    // dockerd's state: DATA_ROOT/containers/ID/config.v2.json of the running container
    // with the proxy's container address.
    let root = PathBuf::from(
        flag(daemon_args, &["--data-root", "-g", "--graph"]).unwrap_or("/var/lib/docker"),
    );
    let mut found = None;
    if let (Ok(dir), Some(inside)) = (std::fs::read_dir(root.join("containers")), inside) {
        for e in dir.flatten() {
            let Some(v) = read_limited(&e.path().join("config.v2.json"))
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            else {
                continue;
            };
            if v["State"]["Running"] != true {
                continue;
            }
            let nets = v["NetworkSettings"]["Networks"].as_object();
            let has_ip = nets
                .into_iter()
                .flatten()
                .any(|(_, n)| n["IPAddress"].as_str().and_then(|s| s.parse().ok()) == Some(inside));
            if has_ip {
                found = Some(v);
                break;
            }
        }
    }
    // Neither the API nor the state files name it: the proxy alone says too little.
    let v = found?;
    let main = v["State"]["Pid"]
        .as_u64()
        .and_then(|p| u32::try_from(p).ok());
    let (pid, process, netns) = main_process(main);
    let mut ports = config_v2_ports(&v);
    if !ports.contains(&published) {
        ports.push(published);
    }
    Some(Container {
        engine: Engine::Docker,
        id: v["ID"].as_str().unwrap_or_default().to_owned(),
        name: v["Name"]
            .as_str()
            .map(|s| s.trim_start_matches('/').to_owned()),
        image: v["Config"]["Image"].as_str().map(str::to_owned),
        pid,
        process,
        netns,
        published: ports,
    })
}

/// The published ports in Docker's config.v2.json (`NetworkSettings.Ports`:
/// `{"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}`).
fn config_v2_ports(v: &Value) -> Vec<Published> {
    let mut out = Vec::new();
    for (key, binds) in v["NetworkSettings"]["Ports"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let Some((port, proto)) = key.split_once('/') else {
            continue;
        };
        let (Ok(container_port), Some(transport)) = (port.parse(), transport_named(proto)) else {
            continue;
        };
        for b in binds.as_array().into_iter().flatten() {
            let Some(host_port) = b["HostPort"].as_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let host_ip = b["HostIp"]
                .as_str()
                .filter(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            out.push(Published {
                transport,
                host_ip,
                host_port,
                container_port,
            });
        }
    }
    out
}

/// containerd's shim (`-namespace NS -id ID`): Docker's containers live in the `moby`
/// namespace.
fn shim(pid: u32, args: &[String], apis: &mut Apis) -> Option<Container> {
    let id = flag(args, &["-id"])?.to_owned();
    let namespace = flag(args, &["-namespace"]).unwrap_or_default();
    let (main, process, netns) = main_process(first_child(pid));
    let mut c = Container {
        engine: if namespace == "moby" {
            Engine::Docker
        } else {
            Engine::Containerd
        },
        id,
        name: None,
        image: None,
        pid: main,
        process,
        netns,
        published: Vec::new(),
    };
    if c.engine == Engine::Docker {
        // The shim's parent is containerd (or dockerd's own); the API is dockerd's.
        let sock = PathBuf::from("/var/run/docker.sock");
        if let Some(e) = apis
            .docker(&sock)
            .and_then(|l| l.iter().find(|e| e["Id"].as_str() == Some(c.id.as_str())))
        {
            c.name = api_name(e);
            c.image = e["Image"].as_str().map(str::to_owned);
            c.published = api_ports(e);
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn docker_proxy_arguments() {
        let a = args("/usr/sbin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 18481 -container-ip 172.17.0.2 -container-port 80");
        let (p, inside) = proxy_args(&a).unwrap();
        assert_eq!(p.host_port, 18481);
        assert_eq!(p.container_port, 80);
        assert_eq!(p.transport, Transport::Tcp);
        assert_eq!(p.host_ip, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(inside, Some("172.17.0.2".parse().unwrap()));
        // Not docker-proxy's format: nothing.
        assert!(proxy_args(&args("docker-proxy -proto tcp -host-port x")).is_none());
        assert!(proxy_args(&args(
            "docker-proxy -proto icmp -host-ip 1.2.3.4 -host-port 1 -container-port 2"
        ))
        .is_none());
    }

    #[test]
    fn flags_take_the_next_argument_or_after_equals() {
        let a = args("conmon --api-version 1 -c abc -n web --exit-command /usr/bin/podman --exit-command-arg --root --exit-command-arg /var/lib/x --name=other");
        assert_eq!(flag(&a, &["-c", "--cid"]), Some("abc"));
        assert_eq!(flag(&a, &["-n", "--name"]), Some("web"));
        assert_eq!(flags(&a, "--exit-command-arg"), ["--root", "/var/lib/x"]);
        assert_eq!(flag(&a, &["-x"]), None);
        assert_eq!(
            dockerd_socket(&args("dockerd -H unix:///tmp/d.sock")),
            Path::new("/tmp/d.sock")
        );
        assert_eq!(
            dockerd_socket(&args(
                "dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
            )),
            Path::new("/run/docker.sock")
        );
    }

    #[test]
    fn an_engine_socket_of_another_user_is_never_asked() {
        use std::os::unix::net::UnixListener;
        let dir = std::env::temp_dir().join(format!("pdx-engine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("docker.sock");
        // Kept bound to the end: a connect to it succeeds (into its backlog) unless
        // portdex refuses to make one.
        let listener = UnixListener::bind(&sock).unwrap();
        let serving = listener.try_clone().unwrap();
        let server = std::thread::spawn(move || {
            let mut asked = 0;
            // The owner's request, answered.
            for stream in serving.incoming().take(1) {
                let mut stream = stream.unwrap();
                let mut req = [0u8; 1024];
                let _ = stream.read(&mut req);
                asked += 1;
                let body = "[{\"Id\":\"abc\"}]";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
            asked
        });
        // Owned by this user: asked, and the answer read.
        let list = api_get(&sock, "/containers/json").expect("our own socket answers");
        assert_eq!(list[0]["Id"], "abc");
        assert_eq!(server.join().unwrap(), 1);
        // Owned by another user (only root can make one here): never connected to.
        if rustix::process::geteuid().is_root() {
            let nobody = rustix::process::Uid::from_raw(65534);
            rustix::fs::chown(&sock, Some(nobody), None).unwrap();
            assert!(connect_engine(&sock).is_none());
            assert!(api_get(&sock, "/containers/json").is_none());
        }
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn http_answers_plain_and_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[{\"Id\":\"a\"}]";
        assert_eq!(http_json(plain).unwrap()[0]["Id"], "a");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[{\"Id\r\n7\r\n\":\"b\"}]\r\n0\r\n\r\n";
        assert_eq!(http_json(chunked).unwrap()[0]["Id"], "b");
        assert!(http_json(b"HTTP/1.1 404 Not Found\r\n\r\n{}").is_none());
        assert!(http_json(b"garbage").is_none());
    }

    #[test]
    fn libpod_port_mappings_with_ranges_and_protocols() {
        let v: Value = serde_json::from_str(
            r#"{"newPortMappings":[{"host_ip":"127.0.0.1","container_port":80,"host_port":18080,"range":1,"protocol":"tcp"},
                {"host_ip":"","container_port":53,"host_port":5353,"range":2,"protocol":"tcp,udp"}]}"#,
        )
        .unwrap();
        let p = libpod_ports(&v);
        assert_eq!(p.len(), 5);
        assert_eq!(p[0].host_port, 18080);
        assert_eq!(p[0].container_port, 80);
        assert!(p[1].host_ip.is_unspecified());
        assert_eq!((p[2].host_port, p[2].container_port), (5354, 54));
        assert_eq!(p[3].transport, Transport::Udp);
    }

    /// A libpod database is found by the container's id inside the bytes of the file,
    /// the configuration being one JSON object that begins with its spec.
    #[test]
    fn libpod_config_is_found_among_database_bytes() {
        let dir = std::env::temp_dir().join(format!("portdex-libpod-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut db = vec![0u8; 300];
        db.extend_from_slice(br#"{"spec":{"x":1},"id":"other","newPortMappings":[]}"#);
        db.extend_from_slice(&[7u8; 50]);
        db.extend_from_slice(br#"{"spec":{"ociVersion":"1"},"id":"abc","name":"web","RawImageName":"localhost/t","newPortMappings":[{"host_ip":"127.0.0.1","container_port":80,"host_port":1234,"range":1,"protocol":"tcp"}]}"#);
        db.extend_from_slice(&[0u8; 100]);
        std::fs::write(dir.join("bolt_state.db"), &db).unwrap();
        let v = libpod_config(&dir, "abc").unwrap();
        assert_eq!(v["name"], "web");
        assert_eq!(libpod_ports(&v)[0].host_port, 1234);
        assert!(libpod_config(&dir, "zzz").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn publishers_by_name() {
        for n in ["conmon", "docker-proxy", "containerd-shim"] {
            assert!(is_publisher(n), "{n}");
        }
        for n in ["httpd", "dockerd", "containerd", "podman"] {
            assert!(!is_publisher(n), "{n}");
        }
    }
}
