//! Firewall rules that allow only what is listed (names, ports, ranges) and drop every
//! other inbound connection, for nftables, ufw, iptables (iptables-restore --noflush) and
//! firewalld. The rules always keep loopback, established connections and ICMP, and
//! each backend touches only what it owns: nftables its own table `inet portdex`,
//! iptables its own chain `PORTDEX-INPUT` (jumped to from INPUT), firewalld its own zone
//! `portdex`, ufw its own rules (never a reset).
//!
//! Before rules are written, [`plan`] follows named services to the ports their
//! processes really listen on (`ssh` → the sshd on 2222), and [`lockouts`] says which
//! SSH ports the rules would close: the one of the session the user is in, and every
//! port an sshd listens on. Applying them with a rollback is in [`apply`](crate::apply).

use crate::{serves, Finding};
use portdex_net::Snapshot;
use portdex_registry::{
    assignments_named, knowledge_named, suggest, Lang, PortRange, Severity, Status, Transport,
};
use serde::Serialize;
use std::fmt::Write;
use std::net::IpAddr;

/// One allowed port or range on one transport.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Allow {
    /// tcp or udp.
    pub transport: Transport,
    /// Ports.
    pub ports: PortRange,
    /// What the user wrote (or the listener's service), for comments.
    pub label: String,
    /// Where the port comes from.
    pub origin: Origin,
}

/// Where an allowed port comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The user wrote the number.
    Port,
    /// A name, through the registry or the curated knowledge.
    Registry,
    /// A name, followed to where its process listens on this machine.
    Listener,
    /// `--from-listeners`: something listens there on another interface now.
    Exposed,
}

/// Firewall front-ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// nftables ruleset (`nft -f`).
    Nftables,
    /// ufw commands.
    Ufw,
    /// iptables-restore (or ip6tables-restore) input, for `--noflush`.
    Iptables,
    /// firewall-cmd commands.
    Firewalld,
}

impl Backend {
    /// The stable name (`nftables`).
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Nftables => "nftables",
            Backend::Ufw => "ufw",
            Backend::Iptables => "iptables",
            Backend::Firewalld => "firewalld",
        }
    }
}

/// An address family, for the backends that write one file per family (iptables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Family {
    /// IPv4 (iptables).
    #[serde(rename = "4")]
    V4,
    /// IPv6 (ip6tables).
    #[serde(rename = "6")]
    V6,
}

/// Why an allow list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AllowError {
    /// Empty list or empty item.
    #[error("empty allow list item: give names (ssh), ports (443), ranges (8000-8100), optionally /tcp or /udp")]
    Empty,
    /// A port or range out of bounds or malformed.
    #[error("--allow item '{item}': {reason}")]
    BadPort {
        /// The item.
        item: String,
        /// Why.
        reason: String,
        /// Why, in Japanese (for [`AllowError::message`]).
        reason_ja: String,
    },
    /// A name nobody knows.
    #[error("--allow item '{item}': no service of that name{hint}")]
    UnknownName {
        /// The item.
        item: String,
        /// ", did you mean …" or nothing.
        hint: String,
    },
    /// A name without a port on the transport asked for.
    #[error(
        "--allow item '{item}': it has no {transport} port (--proto {transport}); it uses {uses}"
    )]
    NoSuchTransport {
        /// The item.
        item: String,
        /// The transport asked for.
        transport: Transport,
        /// The transports it has.
        uses: String,
    },
    /// Firewall rules cover tcp and udp only.
    #[error("--proto {0}: firewall rules are written for tcp and udp")]
    Transport(Transport),
}

impl AllowError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            AllowError::Empty => ja::allow_empty(),
            AllowError::BadPort {
                item, reason_ja, ..
            } => ja::allow_bad_port(item, reason_ja),
            AllowError::UnknownName { item, hint } => {
                let close = hint
                    .strip_prefix("; did you mean ")
                    .and_then(|h| h.strip_suffix('?'))
                    .unwrap_or_default();
                ja::allow_unknown(item, close)
            }
            AllowError::NoSuchTransport {
                item,
                transport,
                uses,
            } => ja::allow_no_transport(item, transport, &uses.replace(" and ", "、")),
            AllowError::Transport(t) => ja::firewall_transport(t),
        }
    }
}

/// One item of the allow list, read.
#[derive(Debug, Clone)]
struct Item {
    /// The name, for items that are names.
    name: Option<String>,
    /// The ports the registry (or the number) gives.
    allows: Vec<Allow>,
}

fn shown(item: &str) -> String {
    portdex_registry::Shown::new(item).to_string()
}

fn parse_item(item: &str, proto: Option<Transport>) -> Result<Item, AllowError> {
    let item = item.trim();
    if item.is_empty() {
        return Err(AllowError::Empty);
    }
    let (body, explicit) = match item.rsplit_once('/') {
        Some((b, p)) if p.eq_ignore_ascii_case("tcp") || p.eq_ignore_ascii_case("udp") => {
            let t = if p.eq_ignore_ascii_case("tcp") {
                Transport::Tcp
            } else {
                Transport::Udp
            };
            if proto.is_some_and(|want| want != t) {
                return Err(AllowError::BadPort {
                    item: shown(item),
                    reason: format!("it says /{t} but --proto says {}", proto.unwrap_or(t)),
                    reason_ja: portdex_text::errors_ja::proto_conflict(t, proto.unwrap_or(t)),
                });
            }
            (b, Some(t))
        }
        _ => (item, None),
    };
    let want = explicit.or(proto);
    if body.starts_with(|c: char| c.is_ascii_digit()) || body.starts_with('-') {
        let ports: PortRange =
            body.parse()
                .map_err(|e: portdex_registry::ParseError| AllowError::BadPort {
                    item: shown(item),
                    reason: e.to_string(),
                    reason_ja: e.message(portdex_text::Lang::Ja),
                })?;
        if ports.lo == 0 {
            return Err(AllowError::BadPort {
                item: shown(item),
                reason: "port 0 is not a port a process listens on".into(),
                reason_ja: portdex_text::errors_ja::allow_port_zero(),
            });
        }
        return Ok(Item {
            name: None,
            allows: vec![Allow {
                transport: want.unwrap_or(Transport::Tcp),
                ports,
                label: item.into(),
                origin: Origin::Port,
            }],
        });
    }
    let name = body.to_ascii_lowercase();
    let mut found: Vec<(Transport, PortRange)> = Vec::new();
    // A curated entry knows the transports a service really uses (ssh: tcp only).
    if let Some(k) = knowledge_named(&name).next() {
        found.extend(
            k.transports()
                .filter(|t| matches!(t, Transport::Tcp | Transport::Udp))
                .map(|t| (t, k.ports())),
        );
    } else {
        for a in assignments_named(&name) {
            if let (Some(t @ (Transport::Tcp | Transport::Udp)), Some(ports), Status::Assigned) =
                (a.transport(), a.ports(), a.status())
            {
                found.push((t, ports));
            }
        }
    }
    if found.is_empty() {
        let close = suggest(&name, 3);
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", close.join(", "))
        };
        return Err(AllowError::UnknownName {
            item: shown(item),
            hint,
        });
    }
    let allows: Vec<Allow> = found
        .iter()
        .filter(|(t, _)| want.is_none_or(|w| w == *t))
        .map(|&(transport, ports)| Allow {
            transport,
            ports,
            label: name.clone(),
            origin: Origin::Registry,
        })
        .collect();
    if allows.is_empty() {
        let mut uses: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        uses.dedup();
        return Err(AllowError::NoSuchTransport {
            item: shown(item),
            transport: want.unwrap_or(Transport::Tcp),
            uses: uses.join(" and "),
        });
    }
    Ok(Item {
        name: Some(name),
        allows,
    })
}

fn check_proto(proto: Option<Transport>) -> Result<(), AllowError> {
    match proto {
        Some(t @ (Transport::Sctp | Transport::Dccp)) => Err(AllowError::Transport(t)),
        _ => Ok(()),
    }
}

/// Reads a comma-separated allow list (`ssh,https,8000-8100,53/udp`) as the registry
/// gives it, without looking at this machine. `proto` keeps one transport: names keep
/// their ports on it, bare numbers take it (else tcp).
pub fn parse_allow(list: &str, proto: Option<Transport>) -> Result<Vec<Allow>, AllowError> {
    check_proto(proto)?;
    let mut out = Vec::new();
    for item in list.split(',') {
        out.extend(parse_item(item, proto)?.allows);
    }
    Ok(normalize(out))
}

/// A named service found listening on this machine on other ports than the registry's.
#[derive(Debug, Clone, Serialize)]
pub struct Followed {
    /// The name in the allow list.
    pub name: String,
    /// The process that serves it.
    pub process: String,
    /// Its pid.
    pub pid: u32,
    /// Where it listens (on other interfaces than loopback), now allowed.
    pub listens: Vec<(Transport, u16)>,
    /// The registry's ports, which were not allowed for it (nothing of it listens there).
    pub registry: Vec<(Transport, PortRange)>,
}

/// What the rules will allow, and what the user should hear first.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The allowed ports, by transport and port.
    pub allow: Vec<Allow>,
    /// Names followed to where their processes listen.
    pub followed: Vec<Followed>,
    /// With `--from-listeners`: findings of high or critical severity whose listener the
    /// rules allow (redis reachable from everywhere stays so).
    pub risky: Vec<Finding>,
}

/// Options of [`plan`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions<'a> {
    /// The allow list, as the user wrote it.
    pub allow: Option<&'a str>,
    /// Only this transport.
    pub proto: Option<Transport>,
    /// Also allow what listens on other interfaces now.
    pub from_listeners: bool,
    /// Language of the findings in [`Plan::risky`].
    pub lang: Lang,
}

/// Reads the allow list and looks at this machine: a named service whose process
/// listens on other interfaces gets the ports it really listens on (sshd on 2222:
/// `ssh` allows 2222, not 22), and `--from-listeners` adds every exposed listener.
pub fn plan(snapshot: &Snapshot, opts: PlanOptions<'_>) -> Result<Plan, AllowError> {
    check_proto(opts.proto)?;
    let mut allow = Vec::new();
    let mut followed = Vec::new();
    for item in opts.allow.into_iter().flat_map(|l| l.split(',')) {
        let item = parse_item(item, opts.proto)?;
        match item
            .name
            .as_deref()
            .and_then(|n| follow(snapshot, n, &item))
        {
            Some((ports, f)) => {
                allow.extend(ports);
                followed.push(f);
            }
            None => allow.extend(item.allows),
        }
    }
    let mut risky = Vec::new();
    if opts.from_listeners {
        let exposed: Vec<Allow> = snapshot
            .listeners
            .iter()
            .filter(|l| l.exposure.is_exposed())
            .filter(|l| matches!(l.transport, Transport::Tcp | Transport::Udp))
            .filter(|l| opts.proto.is_none_or(|p| p == l.transport))
            .map(|l| Allow {
                transport: l.transport,
                ports: PortRange::single(l.port),
                label: l
                    .processes
                    .first()
                    .map(|p| p.name.clone())
                    .or_else(|| l.registry_service.map(str::to_owned))
                    .unwrap_or_else(|| "listener".into()),
                origin: Origin::Exposed,
            })
            .collect();
        let report = crate::audit(snapshot, &crate::AuditConfig::default(), opts.lang);
        risky = report
            .findings
            .into_iter()
            .filter(|f| f.severity >= Severity::High)
            .filter(|f| {
                exposed
                    .iter()
                    .any(|a| a.transport == f.transport && a.ports.contains(f.port))
            })
            .collect();
        allow.extend(exposed);
    }
    Ok(Plan {
        allow: normalize(allow),
        followed,
        risky,
    })
}

/// Where the process serving `name` listens on other interfaces, when that is not
/// (only) the registry's port.
fn follow(snapshot: &Snapshot, name: &str, item: &Item) -> Option<(Vec<Allow>, Followed)> {
    let k = knowledge_named(name).next()?;
    let transports: Vec<Transport> = item.allows.iter().map(|a| a.transport).collect();
    let serving: Vec<&portdex_net::Listener> = snapshot
        .listeners
        .iter()
        .filter(|l| l.exposure.is_exposed() && transports.contains(&l.transport))
        .filter(|l| serves(l, k))
        .collect();
    let first = serving.first()?;
    let mut listens: Vec<(Transport, u16)> =
        serving.iter().map(|l| (l.transport, l.port)).collect();
    listens.sort_unstable();
    listens.dedup();
    if listens.iter().all(|&(t, p)| {
        item.allows
            .iter()
            .any(|a| a.transport == t && a.ports.contains(p))
    }) {
        return None; // it listens where the registry says: nothing to follow
    }
    let process = first.processes.first()?;
    let ports = listens
        .iter()
        .map(|&(transport, port)| Allow {
            transport,
            ports: PortRange::single(port),
            label: name.to_owned(),
            origin: Origin::Listener,
        })
        .collect();
    let registry = item
        .allows
        .iter()
        .filter(|a| {
            !listens
                .iter()
                .any(|&(t, p)| a.transport == t && a.ports.contains(p))
        })
        .map(|a| (a.transport, a.ports))
        .collect();
    Some((
        ports,
        Followed {
            name: name.to_owned(),
            process: process.name.clone(),
            pid: process.pid,
            listens,
            registry,
        },
    ))
}

/// Sorts an allow list by transport and port, and merges what overlaps into one rule
/// (`ssh,20-30` is 20-30, labelled "20-30 ssh"), so that no tool sees the same port twice.
pub fn normalize(mut v: Vec<Allow>) -> Vec<Allow> {
    v.sort_by_key(|a| (a.transport, a.ports, a.origin));
    let mut out: Vec<Allow> = Vec::with_capacity(v.len());
    for a in v {
        match out.last_mut() {
            Some(last) if last.transport == a.transport && a.ports.lo <= last.ports.hi => {
                last.ports.hi = last.ports.hi.max(a.ports.hi);
                if !last.label.split(' ').any(|l| l == a.label) {
                    last.label = format!("{} {}", last.label, a.label);
                }
            }
            _ => out.push(a),
        }
    }
    out
}

/// An SSH port the rules would close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockout {
    /// The port (tcp).
    pub port: u16,
    /// Why it matters.
    pub reason: LockoutReason,
}

/// Why closing a port would lock the user out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum LockoutReason {
    /// The SSH session this command runs in came in on it (SSH_CONNECTION/SSH_CLIENT).
    Session {
        /// The variable that says so.
        variable: &'static str,
    },
    /// An SSH server listens on it, on other interfaces than loopback.
    Sshd {
        /// The process (sshd; systemd for a socket-activated sshd on 22).
        process: String,
        /// Its pid, when visible.
        pid: Option<u32>,
        /// The address it listens on.
        address: IpAddr,
    },
}

/// The server port of an SSH session, from `SSH_CONNECTION` ("client port server port")
/// or else `SSH_CLIENT` ("client port server-port").
pub fn ssh_session_port(
    ssh_connection: Option<&str>,
    ssh_client: Option<&str>,
) -> Option<(u16, &'static str)> {
    let field = |v: Option<&str>, i: usize| v?.split_whitespace().nth(i)?.parse::<u16>().ok();
    field(ssh_connection, 3)
        .map(|p| (p, "SSH_CONNECTION"))
        .or_else(|| field(ssh_client, 2).map(|p| (p, "SSH_CLIENT")))
        .filter(|(p, _)| *p != 0)
}

/// The SSH ports the allow list would close: the session's own (`session`, from
/// [`ssh_session_port`]) and every TCP port an SSH server listens on from other
/// machines' reach (a known SSH server process, or anything on 22).
pub fn lockouts(
    allow: &[Allow],
    snapshot: &Snapshot,
    session: Option<(u16, &'static str)>,
) -> Vec<Lockout> {
    let open = |port: u16| {
        allow
            .iter()
            .any(|a| a.transport == Transport::Tcp && a.ports.contains(port))
    };
    let mut out = Vec::new();
    if let Some((port, variable)) = session {
        if !open(port) {
            out.push(Lockout {
                port,
                reason: LockoutReason::Session { variable },
            });
        }
    }
    for l in &snapshot.listeners {
        if l.transport != Transport::Tcp || !l.exposure.is_exposed() || open(l.port) {
            continue;
        }
        let ssh = knowledge_named("ssh").any(|k| serves(l, k));
        if !ssh && l.port != 22 {
            continue;
        }
        if out.iter().any(|o: &Lockout| o.port == l.port) {
            continue;
        }
        let p = l.processes.first();
        out.push(Lockout {
            port: l.port,
            reason: LockoutReason::Sshd {
                process: p.map_or_else(|| "?".to_owned(), |p| p.name.clone()),
                pid: p.map(|p| p.pid),
                address: l.address,
            },
        });
    }
    out
}

fn port_text(p: PortRange, range_sep: &str) -> String {
    if p.lo == p.hi {
        p.lo.to_string()
    } else {
        format!("{}{range_sep}{}", p.lo, p.hi)
    }
}

/// A label as it may appear in a rule's comment (and a shell word): letters, digits and
/// `-_./ ` only.
pub(crate) fn sanitize_comment(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_./ ".contains(*c))
        .collect()
}

/// What [`render`] writes besides the rules.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// For iptables: which family's file (iptables-restore or ip6tables-restore).
    pub family: Family,
    /// Some listener is a docker-proxy: say that published ports bypass these rules.
    pub docker: bool,
    /// Language of the comments.
    pub lang: Lang,
}

/// The name of the iptables chain portdex owns.
pub const IPTABLES_CHAIN: &str = "PORTDEX-INPUT";
/// The nftables table portdex owns (family inet).
pub const NFT_TABLE: &str = "portdex";
/// The firewalld zone portdex owns.
pub const FIREWALLD_ZONE: &str = "portdex";

/// DHCPv6 replies (server port 547 to client port 546, link-local to link-local) are not
/// part of a tracked connection (the request went to a multicast address), so a host
/// that takes its IPv6 address by DHCPv6 loses it at renewal unless they are allowed.
/// The rule is ufw's own (/etc/ufw/before6.rules, "allow dhcp client to work"); ufw
/// output needs nothing, and firewalld gets its `dhcpv6-client` service.
const DHCPV6_NFT: &str =
    "\t\tip6 saddr fe80::/10 ip6 daddr fe80::/10 udp sport 547 udp dport 546 accept\n";
const DHCPV6_XT: &str = "-s fe80::/10 -d fe80::/10 -p udp -m udp --sport 547 --dport 546 -j ACCEPT";

/// Writes the rules for a backend.
pub fn render(backend: Backend, allow: &[Allow], opts: RenderOptions) -> String {
    render_with(backend, allow, opts, true)
}

/// [`render`], but the iptables output leaves out the jump from INPUT when
/// `iptables_jump` is false (it is already there: loading the file again would add a
/// second one).
pub fn render_with(
    backend: Backend,
    allow: &[Allow],
    opts: RenderOptions,
    iptables_jump: bool,
) -> String {
    let words = portdex_text::Words(opts.lang);
    let mut o = String::new();
    let summary: Vec<String> = allow
        .iter()
        .map(|a| {
            format!(
                "{} ({}/{})",
                sanitize_comment(&a.label),
                port_text(a.ports, "-"),
                a.transport
            )
        })
        .collect();
    let head = words.rules_head(&summary.join(", "));
    let docker_note = words.rules_docker();
    match backend {
        Backend::Nftables => {
            let _ = writeln!(o, "#!/usr/sbin/nft -f\n{head}");
            o.push_str(words.rules_nftables());
            if opts.docker {
                o.push_str(docker_note);
            }
            let _ = writeln!(
                o,
                "table inet {NFT_TABLE}\ndelete table inet {NFT_TABLE}\ntable inet {NFT_TABLE} {{"
            );
            o.push_str(
                "\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n",
            );
            o.push_str("\t\tct state established,related accept\n\t\tct state invalid drop\n");
            o.push_str("\t\tiif \"lo\" accept\n\t\tmeta l4proto { icmp, ipv6-icmp } accept\n");
            o.push_str(DHCPV6_NFT);
            for t in [Transport::Tcp, Transport::Udp] {
                let ports: Vec<String> = allow
                    .iter()
                    .filter(|a| a.transport == t)
                    .map(|a| port_text(a.ports, "-"))
                    .collect();
                if !ports.is_empty() {
                    let _ = writeln!(o, "\t\t{t} dport {{ {} }} accept", ports.join(", "));
                }
            }
            o.push_str("\t}\n}\n");
        }
        Backend::Ufw => {
            let _ = writeln!(o, "#!/bin/sh\n{head}");
            o.push_str(words.rules_ufw());
            if opts.docker {
                o.push_str(docker_note);
            }
            o.push_str("set -e\nufw default deny incoming\n");
            for a in allow {
                let _ = writeln!(
                    o,
                    "ufw allow {}/{} comment '{}'",
                    port_text(a.ports, ":"),
                    a.transport,
                    sanitize_comment(&a.label)
                );
            }
            o.push_str("ufw enable\n");
        }
        Backend::Iptables => {
            let (tool, icmp) = match opts.family {
                Family::V4 => ("iptables-restore", "icmp"),
                Family::V6 => ("ip6tables-restore", "ipv6-icmp"),
            };
            let _ = writeln!(o, "{head}");
            o.push_str(&words.rules_iptables(tool, IPTABLES_CHAIN));
            if opts.docker {
                o.push_str(docker_note);
            }
            let _ = writeln!(o, "*filter\n:{IPTABLES_CHAIN} - [0:0]");
            let c = IPTABLES_CHAIN;
            let _ = writeln!(o, "-A {c} -i lo -j ACCEPT\n-A {c} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n-A {c} -m conntrack --ctstate INVALID -j DROP\n-A {c} -p {icmp} -j ACCEPT");
            if opts.family == Family::V6 {
                let _ = writeln!(o, "-A {c} {DHCPV6_XT}");
            }
            for a in allow {
                let _ = writeln!(
                    o,
                    "-A {c} -p {t} -m {t} --dport {} -m comment --comment \"{}\" -j ACCEPT",
                    port_text(a.ports, ":"),
                    sanitize_comment(&a.label),
                    t = a.transport
                );
            }
            let _ = writeln!(o, "-A {c} -j DROP");
            if iptables_jump {
                let _ = writeln!(o, "-A INPUT -j {c}");
            }
            o.push_str("COMMIT\n");
        }
        Backend::Firewalld => {
            let z = FIREWALLD_ZONE;
            let _ = writeln!(o, "#!/bin/sh\n{head}");
            o.push_str(&words.rules_firewalld(z));
            if opts.docker {
                o.push_str(docker_note);
            }
            // firewall-offline-cmd spells --remove-service (a lokkit option there) as
            // --remove-service-from-zone.
            o.push_str("set -eu\nif [ \"${1:-}\" = --offline ]; then p=firewall-offline-cmd; d=firewall-offline-cmd; rs=--remove-service-from-zone\nelse p=\"firewall-cmd --permanent\"; d=firewall-cmd; rs=--remove-service; fi\n");
            let _ = writeln!(
                o,
                "$p --get-zones | tr ' ' '\\n' | grep -qx {z} || $p --new-zone={z}"
            );
            let _ = writeln!(
                o,
                "for x in $($p --zone={z} --list-ports); do $p --zone={z} --remove-port=\"$x\"; done"
            );
            let _ = writeln!(o, "for x in $($p --zone={z} --list-services); do $p --zone={z} $rs=\"$x\"; done\n$p --zone={z} --add-service=dhcpv6-client");
            for a in allow {
                let _ = writeln!(
                    o,
                    "$p --zone={z} --add-port={}/{}",
                    port_text(a.ports, "-"),
                    a.transport
                );
            }
            let _ = writeln!(
                o,
                "[ \"$d\" = firewall-offline-cmd ] || firewall-cmd --reload\n[ \"$($d --get-default-zone)\" = {z} ] || $d --set-default-zone={z}"
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(a: &[Allow]) -> Vec<String> {
        a.iter()
            .map(|a| format!("{}/{}", a.ports, a.transport))
            .collect()
    }

    #[test]
    fn names_ports_and_ranges() {
        let a = parse_allow("ssh,https,8000-8100,53/udp", None).unwrap();
        assert_eq!(
            shown(&a),
            ["22/tcp", "443/tcp", "8000-8100/tcp", "53/udp", "443/udp"]
        );
    }

    #[test]
    fn overlapping_items_become_one_rule() {
        let a = parse_allow("ssh,20-30,25,8000,8000/tcp,30-40", None).unwrap();
        assert_eq!(shown(&a), ["20-40/tcp", "8000/tcp"]);
        assert_eq!(a[0].label, "20-30 ssh 25 30-40");
    }

    #[test]
    fn proto_keeps_one_transport() {
        let a = parse_allow("https,8000,53", Some(Transport::Udp)).unwrap();
        assert_eq!(shown(&a), ["53/udp", "443/udp", "8000/udp"]);
        let e = parse_allow("ssh", Some(Transport::Udp))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'ssh'") && e.contains("no udp port"), "{e}");
        let e = parse_allow("22/tcp", Some(Transport::Udp))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'22/tcp'") && e.contains("--proto"), "{e}");
        let e = parse_allow("22", Some(Transport::Sctp))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sctp") && e.contains("tcp and udp"), "{e}");
    }

    #[test]
    fn bad_items_are_named() {
        for (list, want) in [
            ("ssh,nosuchservice", "'nosuchservice'"),
            ("70000", "'70000'"),
            ("9-3", "'9-3'"),
            ("ssh,,https", "empty"),
            ("0", "port 0"),
            ("postgress", "did you mean postgres"),
        ] {
            let e = parse_allow(list, None).unwrap_err().to_string();
            assert!(e.contains(want), "{list}: {e}");
        }
    }

    #[test]
    fn the_session_port_comes_from_ssh_connection_else_ssh_client() {
        assert_eq!(
            ssh_session_port(Some("10.0.0.5 51234 10.0.0.1 2222"), Some("x 1 22")),
            Some((2222, "SSH_CONNECTION"))
        );
        assert_eq!(
            ssh_session_port(None, Some("10.0.0.5 51234 22")),
            Some((22, "SSH_CLIENT"))
        );
        assert_eq!(ssh_session_port(Some("garbage"), None), None);
        assert_eq!(ssh_session_port(None, None), None);
    }
}
