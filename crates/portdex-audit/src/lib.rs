//! From listeners and the registry's knowledge to findings, and from an allow list to
//! firewall rules. The guide's three habits as code: close what you do not need (see
//! it), put a firewall in front ([`firewall`]), use the encrypted protocol (each
//! finding says which). No I/O here but in [`apply`], which runs the firewall's own
//! tools: the caller lists the listeners and reads files.

#![forbid(unsafe_code)]

pub mod apply;
pub mod config;
pub mod firewall;

pub use config::{AuditConfig, ConfigError};

use portdex_net::{Exposure, Listener, Snapshot};
use portdex_registry::{
    knowledge_at, knowledge_named, Category, Knowledge, Lang, Severity, Transport,
};
use serde::Serialize;
use std::net::IpAddr;

/// One thing the audit found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Which rule found it (stable identifier).
    pub rule: &'static str,
    /// tcp or udp.
    pub transport: Transport,
    /// Local address of the listener.
    pub address: IpAddr,
    /// Port.
    pub port: u16,
    /// Who can reach it.
    pub exposure: Exposure,
    /// The service, as portdex knows it (curated name, process-implied name, or the
    /// registry's name), when known.
    pub service: Option<String>,
    /// The owning processes' names and pids.
    pub processes: Vec<String>,
    /// Why it matters.
    pub why: String,
    /// What to do.
    pub fix: String,
    /// Where the fact comes from.
    pub reference: Option<&'static str>,
    /// Whether the service found is a cleartext protocol (its curated entry says so):
    /// the guide's third habit lists these. Not in the audit's JSON, whose schema
    /// (docs/json.md) it would change.
    #[serde(skip)]
    pub cleartext: bool,
}

/// The audit's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Listeners reachable only from this machine: not findings, but counted.
    pub loopback_only: usize,
    /// Exposed listeners the configuration accepts.
    pub accepted: usize,
    /// All listeners looked at.
    pub listeners: usize,
    /// True when some owners were hidden (run as root for a complete audit).
    pub owners_hidden: bool,
    /// True when docker-proxy publishes a port: ufw rules do not apply to it.
    pub docker_published: bool,
}

impl Report {
    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Process names of well-known servers and the curated name of what they serve: a
/// server found by its process on another port is still that server.
pub(crate) const PROCESS_SERVICES: &[(&str, &str)] = &[
    ("sshd", "ssh"),
    ("dropbear", "ssh"),
    ("redis-server", "redis"),
    ("valkey-server", "redis"),
    ("memcached", "memcache"),
    ("mongod", "mongodb"),
    ("mongos", "mongodb"),
    ("postgres", "postgresql"),
    ("mysqld", "mysql"),
    ("mariadbd", "mysql"),
    ("vsftpd", "ftp"),
    ("proftpd", "ftp"),
    ("in.telnetd", "telnet"),
    ("telnetd", "telnet"),
    ("in.tftpd", "tftp"),
    ("slapd", "ldap"),
    ("snmpd", "snmp"),
    ("Xvnc", "vnc"),
    ("x11vnc", "vnc"),
    ("dockerd", "docker"),
    ("etcd", "etcd"),
    ("kubelet", "kubelet"),
    ("rpcbind", "sunrpc"),
    ("smbd", "microsoft-ds"),
];

/// Why a service name does not give one port.
#[derive(Debug, thiserror::Error)]
pub enum ServicePortError {
    /// Neither a listener nor the registry knows it.
    #[error("'{0}' is not a port, and no service of that name is known")]
    Unknown(String),
    /// More than one port.
    #[error("{name} means more than one port here ({ports}): give the port")]
    Several {
        /// The name.
        name: String,
        /// The candidates.
        ports: String,
    },
}

impl ServicePortError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            ServicePortError::Unknown(v) => ja::unknown_service(v),
            ServicePortError::Several { name, ports } => ja::several_ports(name, ports),
        }
    }
}

/// The port a service name means on this machine: where its server process listens
/// (sshd on 2222: ssh is 2222), else the registry's or the curated entry's one port.
pub fn port_of_service(snapshot: &Snapshot, name: &str) -> Result<u16, ServicePortError> {
    let name = name.to_ascii_lowercase();
    let several = |ports: &[u16]| ServicePortError::Several {
        name: name.clone(),
        ports: ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    if let Some(k) = knowledge_named(&name).next() {
        let mut listening: Vec<u16> = snapshot
            .listeners
            .iter()
            .filter(|l| implied_by_process(l).is_some_and(|s| s.name() == k.name()))
            .map(|l| l.port)
            .collect();
        listening.sort_unstable();
        listening.dedup();
        match listening.len() {
            1 => return Ok(listening[0]),
            0 if k.ports().lo == k.ports().hi => return Ok(k.ports().lo),
            // A range (X11 is 6000-6063): say it as one.
            0 => {
                return Err(ServicePortError::Several {
                    name: name.clone(),
                    ports: k.ports().to_string(),
                })
            }
            _ => return Err(several(&listening)),
        }
    }
    let mut ports: Vec<u16> = portdex_registry::assignments_named(&name)
        .filter_map(|a| a.ports())
        .filter(|p| p.lo == p.hi)
        .map(|p| p.lo)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    match ports.len() {
        0 => Err(ServicePortError::Unknown(name)),
        1 => Ok(ports[0]),
        _ => Err(several(&ports)),
    }
}

/// The curated entry a process implies, when its name is a known server's.
pub(crate) fn implied_by_process(l: &Listener) -> Option<Knowledge> {
    l.processes.iter().find_map(|p| {
        let (_, service) = PROCESS_SERVICES.iter().find(|(name, _)| *name == p.name)?;
        knowledge_named(service).find(|k| k.has_transport(l.transport))
    })
}

fn processes(l: &Listener) -> Vec<String> {
    l.processes
        .iter()
        .map(|p| format!("{} ({})", p.name, p.pid))
        .collect()
}

/// Audits the listeners of a snapshot.
pub fn audit(snapshot: &Snapshot, config: &AuditConfig, lang: Lang) -> Report {
    let mut findings = Vec::new();
    let mut loopback_only = 0;
    let mut accepted = 0;
    for l in &snapshot.listeners {
        if !l.exposure.is_exposed() {
            loopback_only += 1;
            continue;
        }
        if config.accepts(l) {
            accepted += 1;
            continue;
        }
        findings.extend(judge(l, lang));
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then((a.port, a.transport).cmp(&(b.port, b.transport)))
    });
    Report {
        findings,
        loopback_only,
        accepted,
        listeners: snapshot.listeners.len(),
        owners_hidden: snapshot.owners_hidden,
        docker_published: snapshot.docker_published(),
    }
}

/// The findings for one exposed listener.
fn judge(l: &Listener, lang: Lang) -> Vec<Finding> {
    let words = portdex_text::Words(lang);
    let base =
        |severity, rule, service: Option<String>, why: String, fix: String, reference| Finding {
            severity,
            rule,
            transport: l.transport,
            address: l.address,
            port: l.port,
            exposure: l.exposure,
            service,
            processes: processes(l),
            why,
            fix,
            reference,
            cleartext: false,
        };
    let by_port: Vec<Knowledge> = knowledge_at(l.port)
        .filter(|k| k.has_transport(l.transport))
        .collect();
    let by_process = implied_by_process(l);
    let mut out = Vec::new();

    // What runs here, as far as portdex can tell: the process's service when its name
    // says so, else the port's curated entries (the most severe first).
    let known = match by_process {
        Some(k) => Some(k),
        None => by_port.iter().copied().max_by_key(|k| k.severity()),
    };
    match known {
        Some(k) if k.severity() > Severity::Info => {
            // Critical means open without authentication by default: that dominates.
            // Below it, a cleartext protocol's fix is its encrypted alternative.
            let rule = if k.cleartext()
                && k.severity() == Severity::High
                && k.secure_alternative(lang).is_some()
            {
                "cleartext-exposed"
            } else {
                "service-exposed"
            };
            let fix = k
                .secure_alternative(lang)
                .unwrap_or(words.bind_fix())
                .to_owned();
            let address = l.address.to_string();
            out.push(Finding {
                cleartext: k.cleartext(),
                ..base(
                    k.severity(),
                    rule,
                    Some(k.name().to_owned()),
                    words.reachable(l.exposure.as_str(), &address, k.usage(lang), k.risk(lang)),
                    fix,
                    Some(k.security_reference()),
                )
            });
        }
        Some(_) => {}
        None if l.exposure == Exposure::All => {
            let dynamic = Category::of(l.port) == Category::Dynamic;
            let (severity, rule, why) = if dynamic {
                (
                    Severity::Low,
                    "dynamic-port-exposed",
                    words.dynamic_exposed(l.registry_service),
                )
            } else {
                (
                    Severity::Medium,
                    "unknown-exposed",
                    words.unknown_exposed(l.registry_service),
                )
            };
            out.push(base(
                severity,
                rule,
                l.registry_service.map(str::to_owned),
                why,
                words.unknown_fix().to_owned(),
                None,
            ));
        }
        None => {}
    }

    // A known server on a port that is not its own: tables (and scanners) misname it.
    if let Some(k) = by_process {
        if !k.ports().contains(l.port) {
            let name = l
                .processes
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            out.push(base(
                Severity::Info,
                "unexpected-port",
                Some(k.name().to_owned()),
                words.unexpected_port(&name, k.name(), l.port, &k.ports().to_string()),
                words.unexpected_fix().to_owned(),
                Some(k.reference()),
            ));
        }
    }

    // Docker publishes container ports through iptables rules of its own.
    if l.docker_published() {
        out.push(base(
            Severity::Medium,
            "docker-published",
            None,
            words.docker_published_why().to_owned(),
            words.docker_published_fix().to_owned(),
            Some("https://docs.docker.com/engine/network/packet-filtering-firewalls/"),
        ));
    }
    out
}
