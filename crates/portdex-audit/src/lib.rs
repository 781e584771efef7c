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
    all_knowledge, knowledge_at, knowledge_named, Category, Knowledge, Lang, Severity, Transport,
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
    /// The port's other common uses (curated names), when no process name told which
    /// use this listener is and `service` is the most severe of them.
    pub other_uses: Vec<String>,
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
    /// The container the port is published for, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<std::sync::Arc<portdex_net::container::Container>>,
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
            .filter(|l| serves(l, k))
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

/// Whether one of the listener's processes is one the curated entry names: the server
/// of that use, on whatever port (redis-server on 7777 serves Redis).
pub(crate) fn serves(l: &Listener, k: Knowledge) -> bool {
    k.has_transport(l.transport) && l.processes.iter().any(|p| k.has_process(&p.name))
}

/// What the audit takes a listener for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pick<T> {
    /// An entry of this port whose processes name the listener's process.
    Here(T),
    /// An entry of another port whose processes name it: a known server elsewhere.
    Elsewhere(T),
    /// No process decides: the port's most severe entry, and the port's other uses.
    ByPort(T, Vec<T>),
    /// Nothing curated.
    Unknown,
}

impl<T: Copy> Pick<T> {
    /// The entry picked, if any.
    pub(crate) fn entry(&self) -> Option<T> {
        match self {
            Pick::Here(k) | Pick::Elsewhere(k) | Pick::ByPort(k, _) => Some(*k),
            Pick::Unknown => None,
        }
    }
}

/// Processes that listen for another program (a container's published port, a
/// tunnel, socket activation): their name says nothing about what answers behind them.
pub(crate) const FORWARDERS: &[&str] = &[
    "systemd",
    "inetd",
    "xinetd",
    "docker-proxy",
    "rootlessport",
    "rootlesskit",
    "slirp4netns",
    "pasta",
    "conmon",
    "containerd-shim",
    "socat",
    "ssh",
    "kubectl",
];

/// The rule, over any entries: among the port's entries (`here`, in order) the first
/// whose processes include one of the listener's process names; else the first entry
/// anywhere (`everywhere`, by port) that does; else the port's highest ranked entry
/// (`rank`: the most severe, then the IANA assignment; the first of equals; when the
/// process is known, the `assigned` use before the rest), with the others as the port's
/// other uses. When the listener's process is known (and does not
/// forward for another) and the port has uses that name no server (`names_any` false),
/// the uses that name other servers are not what listens: nginx on 8080 is the
/// HTTP alternate port, not Weaviate. When every use names its server, all stay in: a
/// telnet daemon of another name (an inetd, busybox's) is still telnet to an attacker.
pub(crate) fn pick<T: Copy + PartialEq, R: Ord>(
    comms: &[&str],
    here: &[T],
    everywhere: impl IntoIterator<Item = T>,
    claims: impl Fn(T, &str) -> bool,
    names_any: impl Fn(T) -> bool,
    assigned: impl Fn(T) -> bool,
    rank: impl Fn(T) -> R,
) -> Pick<T> {
    let named = |k: T| comms.iter().any(|c| claims(k, c));
    if let Some(&k) = here.iter().find(|&&k| named(k)) {
        return Pick::Here(k);
    }
    if !comms.is_empty() {
        if let Some(k) = everywhere.into_iter().find(|&k| named(k)) {
            return Pick::Elsewhere(k);
        }
    }
    let known = !comms.is_empty() && !comms.iter().any(|c| FORWARDERS.contains(c));
    let unnamed: Vec<T> = here.iter().copied().filter(|&k| !names_any(k)).collect();
    let candidates = if known && !unnamed.is_empty() {
        unnamed
    } else {
        here.to_vec()
    };
    // A known program that no use names is most likely the port's registered use (a
    // web server on 8080 is http-alt, not one of the Java consoles that also use it);
    // with nothing known, the most severe use.
    let key = |k: T| (known && assigned(k), rank(k));
    let mut worst: Option<T> = None;
    for &k in &candidates {
        if worst.is_none_or(|w| key(k) > key(w)) {
            worst = Some(k);
        }
    }
    match worst {
        Some(w) => Pick::ByPort(w, candidates.into_iter().filter(|&k| k != w).collect()),
        None => Pick::Unknown,
    }
}

/// The curated entries that name each process, in the knowledge's order (with their
/// position in it). Built once: the curated knowledge is compiled in, an updated
/// registry does not change it.
fn by_process(comm: &str) -> &'static [(usize, Knowledge)] {
    static INDEX: std::sync::OnceLock<
        std::collections::HashMap<&'static str, Vec<(usize, Knowledge)>>,
    > = std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
            for (i, k) in all_knowledge().enumerate() {
                for p in k.processes() {
                    index.entry(p).or_default().push((i, k));
                }
            }
            index
        })
        .get(comm)
        .map_or(&[], Vec::as_slice)
}

/// What a listener is, as far as the curated knowledge tells: see [`pick`].
/// For a container's published port, what answers is the container's process on the
/// container's port (8443 → 80/tcp, httpd), not the publisher on the host port.
pub(crate) fn pick_for(l: &Listener) -> Pick<Knowledge> {
    let inside = l.container.as_deref().and_then(|c| {
        let published = c.published_at(l.transport, l.address, l.port)?;
        Some((published.container_port, c.process.as_deref()?))
    });
    let port = inside.map_or(l.port, |(p, _)| p);
    let here: Vec<Knowledge> = knowledge_at(port)
        .filter(|k| k.has_transport(l.transport))
        .collect();
    let comms: Vec<&str> = match inside {
        Some((_, process)) => vec![process],
        None => l.processes.iter().map(|p| p.name.as_str()).collect(),
    };
    // Everywhere, only the entries that name one of its processes can be picked: from
    // the index, in the knowledge's order, instead of every entry for every listener
    // (10,000 sockets of one process made a scrape of /metrics take seconds).
    let mut elsewhere: Vec<(usize, Knowledge)> = comms
        .iter()
        .flat_map(|c| by_process(c))
        .copied()
        .filter(|(_, k)| k.has_transport(l.transport))
        .collect();
    elsewhere.sort_unstable_by_key(|(i, _)| *i);
    elsewhere.dedup_by_key(|(i, _)| *i);
    pick(
        &comms,
        &here,
        elsewhere.into_iter().map(|(_, k)| k),
        |k, c| k.has_process(c),
        |k| k.processes().next().is_some(),
        |k| k.iana_assigned(),
        // Of equally severe uses, the registry's assignment (6379: redis, not ray-gcs).
        |k| (k.severity(), k.iana_assigned()),
    )
}

/// The service a listener is taken for, by the audit's rule: the curated entry its
/// process names (on its port first), else the port's most severe use (the IANA
/// assignment among equals), else the registry's name.
pub fn service_of(l: &Listener) -> Option<&'static str> {
    pick_for(l).entry().map(|k| k.name()).or(l.registry_service)
}

fn processes(l: &Listener) -> Vec<String> {
    l.processes
        .iter()
        .map(|p| format!("{} ({})", p.name, p.pid))
        .collect()
}

/// The findings for one listener under a configuration: none for a listener reachable
/// only from this machine or one the configuration accepts. [`audit`] is this over a
/// snapshot, with counts; `/metrics` labels each finding with its listener.
pub fn findings_for(l: &Listener, config: &AuditConfig, lang: Lang) -> Vec<Finding> {
    if !l.exposure.is_exposed() || config.accepts(l) {
        return Vec::new();
    }
    judge(l, lang)
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

/// Docker's page on its firewall rules ("Packet filtering and firewalls"): a port
/// published through Docker is published whatever the host firewall's rules say.
const DOCKER_FIREWALLS: &str = "https://docs.docker.com/engine/network/packet-filtering-firewalls/";

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
            other_uses: Vec::new(),
            why,
            fix,
            reference,
            cleartext: false,
            container: l.container.clone(),
        };
    let choice = pick_for(l);
    let mut out = Vec::new();

    // What runs here, as far as portdex can tell: the entry its process names (on this
    // port first), else the port's most severe entry, saying which other uses it has.
    let (known, others) = match &choice {
        Pick::ByPort(k, others) => (Some(*k), others.as_slice()),
        other => (other.entry(), &[][..]),
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
            let mut why =
                words.reachable(l.exposure.as_str(), &address, k.usage(lang), k.risk(lang));
            if !others.is_empty() {
                let uses: Vec<String> = others
                    .iter()
                    .map(|o| words.use_named(o.name(), o.usage(lang)))
                    .collect();
                why = words.shared_port(&why, l.port, k.name(), &uses);
            }
            let mut finding = base(
                k.severity(),
                rule,
                Some(k.name().to_owned()),
                why,
                fix,
                Some(k.security_reference()),
            );
            finding.other_uses = others.iter().map(|o| o.name().to_owned()).collect();
            finding.cleartext = k.cleartext();
            out.push(finding);
        }
        Some(_) => {}
        // A container's published port: its own finding below names the container.
        None if l.exposure == Exposure::All && l.container.is_none() => {
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
    if let Pick::Elsewhere(k) = choice {
        let name = l
            .processes
            .iter()
            .find(|p| k.has_process(&p.name))
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

    // Docker publishes container ports through iptables rules of its own.
    let container = l.container.as_deref();
    let inside = container.and_then(|c| {
        c.published_at(l.transport, l.address, l.port).map(|p| {
            (
                p.container_port,
                format!("{}/{}", p.container_port, p.transport),
            )
        })
    });
    if l.docker_published() {
        let why = match (container, &inside) {
            (Some(c), Some((_, inside))) => {
                words.ctr_docker_published_why(c.label(), c.image.as_deref(), inside)
            }
            _ => words.docker_published_why().to_owned(),
        };
        out.push(base(
            Severity::Medium,
            "docker-published",
            None,
            why,
            words.docker_published_fix().to_owned(),
            Some(DOCKER_FIREWALLS),
        ));
    } else if let Some(c) = container {
        // Another engine's published port (podman's conmon holds it): the finding
        // names the container and what stops it.
        let port = inside.as_ref().map_or(l.port, |(p, _)| *p);
        // As an unknown listener on every interface would be; lower on one address.
        let severity = if l.exposure == Exposure::All {
            Severity::Medium
        } else {
            Severity::Low
        };
        out.push(base(
            severity,
            "container-published",
            None,
            words.ctr_published_why(
                c.engine.as_str(),
                c.label(),
                c.image.as_deref(),
                inside.as_ref().map(|(_, i)| i.as_str()),
                l.exposure.as_str(),
            ),
            words.ctr_published_fix(l.port, port, &c.stop_command()),
            None,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use portdex_net::Process;
    use std::net::Ipv4Addr;

    /// An entry of the rule's own: a name, the processes it claims, a severity, whether
    /// IANA assigns it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Fake(&'static str, &'static [&'static str], Severity, bool);

    fn choose(comms: &[&str], here: &[Fake], everywhere: &[Fake]) -> Pick<&'static str> {
        match pick(
            comms,
            here,
            everywhere.iter().copied(),
            |k, c| k.1.contains(&c),
            |k| !k.1.is_empty(),
            |k| k.3,
            |k| (k.2, k.3),
        ) {
            Pick::Here(k) => Pick::Here(k.0),
            Pick::Elsewhere(k) => Pick::Elsewhere(k.0),
            Pick::ByPort(k, o) => Pick::ByPort(k.0, o.iter().map(|o| o.0).collect()),
            Pick::Unknown => Pick::Unknown,
        }
    }

    const PROMETHEUS: Fake = Fake("prometheus", &["prometheus"], Severity::High, false);
    const COCKPIT: Fake = Fake(
        "cockpit",
        &["cockpit-ws", "cockpit-tls"],
        Severity::High,
        false,
    );
    const REDIS: Fake = Fake("redis", &["redis-server"], Severity::Critical, true);
    const RAY: Fake = Fake("ray-gcs", &["gcs_server"], Severity::Critical, false);
    const JETDIRECT: Fake = Fake("jetdirect", &[], Severity::High, true);
    const NODE: Fake = Fake("node-exporter", &["node_exporter"], Severity::Medium, false);

    #[test]
    fn the_process_picks_among_the_port_s_uses() {
        let here = [PROMETHEUS, COCKPIT];
        let all = [REDIS, PROMETHEUS, COCKPIT];
        assert_eq!(choose(&["cockpit-ws"], &here, &all), Pick::Here("cockpit"));
        assert_eq!(
            choose(&["prometheus"], &here, &all),
            Pick::Here("prometheus")
        );
        // Any of the listener's processes may decide.
        assert_eq!(
            choose(&["systemd", "cockpit-tls"], &here, &all),
            Pick::Here("cockpit")
        );
    }

    #[test]
    fn a_known_server_elsewhere_is_still_that_server() {
        let all = [REDIS, PROMETHEUS, COCKPIT];
        assert_eq!(
            choose(&["redis-server"], &[], &all),
            Pick::Elsewhere("redis")
        );
        // The port's own entry wins over the process's entry on another port.
        assert_eq!(
            choose(&["redis-server"], &[PROMETHEUS], &all),
            Pick::Elsewhere("redis")
        );
        assert_eq!(
            choose(&["redis-server"], &[REDIS, PROMETHEUS], &all),
            Pick::Here("redis")
        );
    }

    #[test]
    fn without_a_deciding_process_the_most_severe_use_and_the_others() {
        let all = [REDIS, PROMETHEUS, COCKPIT, JETDIRECT, NODE];
        // No process seen (owners hidden), or one that forwards for another.
        for comms in [&[][..], &["docker-proxy"][..]] {
            assert_eq!(
                choose(comms, &[NODE, JETDIRECT], &all),
                Pick::ByPort("jetdirect", vec!["node-exporter"])
            );
            // Equal severities: the first, the rest named.
            assert_eq!(
                choose(comms, &[PROMETHEUS, COCKPIT], &all),
                Pick::ByPort("prometheus", vec!["cockpit"])
            );
            assert_eq!(
                choose(comms, &[NODE], &all),
                Pick::ByPort("node-exporter", vec![])
            );
            assert_eq!(choose(comms, &[], &all), Pick::Unknown);
            // Equally severe: the IANA assignment, wherever it is in the list.
            assert_eq!(
                choose(comms, &[RAY, REDIS], &all),
                Pick::ByPort("redis", vec!["ray-gcs"])
            );
        }
        // A process seen that is none of the servers the port's entries name: when the
        // port has a use that names no server, the uses naming other servers are not
        // what listens (nginx on 8080 is not Weaviate); when every use names one, all
        // stay (an unknown program on 6379 may still be a Redis).
        let nginx = &["nginx"][..];
        assert_eq!(
            choose(nginx, &[NODE, JETDIRECT], &all),
            Pick::ByPort("jetdirect", vec![])
        );
        assert_eq!(
            choose(nginx, &[PROMETHEUS, COCKPIT], &all),
            Pick::ByPort("prometheus", vec!["cockpit"])
        );
        assert_eq!(
            choose(nginx, &[RAY, REDIS], &all),
            Pick::ByPort("redis", vec!["ray-gcs"])
        );
        // A known program that no use names: the registered use before a more severe
        // de-facto one; nothing known: the most severe.
        const HTTP_ALT: Fake = Fake("http-alt", &[], Severity::Medium, true);
        const PULSAR: Fake = Fake("pulsar-admin", &[], Severity::Critical, false);
        assert_eq!(
            choose(nginx, &[PULSAR, HTTP_ALT], &all),
            Pick::ByPort("http-alt", vec!["pulsar-admin"])
        );
        assert_eq!(
            choose(&[], &[PULSAR, HTTP_ALT], &all),
            Pick::ByPort("pulsar-admin", vec!["http-alt"])
        );
    }

    fn listener(port: u16, transport: Transport, comms: &[&str]) -> Listener {
        let summary = portdex_registry::port_summary(port, transport);
        Listener {
            transport,
            family: 4,
            address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port,
            exposure: Exposure::All,
            inode: 1,
            uid: 0,
            user: None,
            processes: comms
                .iter()
                .enumerate()
                .map(|(i, c)| Process {
                    pid: 100 + i as u32,
                    name: (*c).to_owned(),
                    cmdline: None,
                })
                .collect(),
            registry_service: summary.registry_service,
            common_use: summary.common_use,
            common_uses: portdex_registry::common_uses(port, transport).collect(),
            category: summary.category,
            severity: summary.severity,
            netns: None,
            netns_name: None,
            container: None,
        }
    }

    /// Every process name in the data picks its entry on the entry's own port: no other
    /// entry of the port claims it first (the data test in portdex-registry checks
    /// claims; this checks the audit follows them).
    #[test]
    fn every_curated_process_picks_its_entry_on_its_port() {
        let mut bad = Vec::new();
        for k in all_knowledge() {
            for t in k
                .transports()
                .filter(|t| matches!(t, Transport::Tcp | Transport::Udp))
            {
                for p in k.processes() {
                    let l = listener(k.ports().lo, t, &[p]);
                    let got = pick_for(&l).entry();
                    if got != Some(k) {
                        bad.push(format!(
                            "{} {}/{t} process {p}: picked {got:?}",
                            k.name(),
                            k.ports()
                        ));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn a_shared_port_without_a_deciding_process_says_so() {
        let uses: Vec<Knowledge> = knowledge_at(9100)
            .filter(|k| k.has_transport(Transport::Tcp))
            .collect();
        assert!(uses.len() >= 2, "9100/tcp has several uses: {uses:?}");
        for lang in [Lang::En, Lang::Ja] {
            let f = judge(&listener(9100, Transport::Tcp, &[]), lang);
            let f = &f[0];
            let chosen = f.service.clone().unwrap();
            let worst = uses.iter().map(|k| k.severity()).max().unwrap();
            assert_eq!(f.severity, worst);
            let mut named: Vec<&str> = f.other_uses.iter().map(String::as_str).collect();
            named.push(&chosen);
            named.sort_unstable();
            let mut all: Vec<&str> = uses.iter().map(|k| k.name()).collect();
            all.sort_unstable();
            assert_eq!(named, all, "every use named once");
            for other in &f.other_uses {
                assert!(f.why.contains(other.as_str()), "{lang:?}: {}", f.why);
            }
            let word = lang.pick("shared", "複数の用途");
            assert!(f.why.contains(word), "{lang:?}: {}", f.why);
        }
        // One use: nothing said about sharing.
        let f = judge(&listener(23, Transport::Tcp, &[]), Lang::En);
        assert!(
            f[0].other_uses.is_empty() && !f[0].why.contains("shared"),
            "{f:?}"
        );
    }

    /// The example: on 9090, cockpit-ws is Cockpit, not Prometheus; a
    /// redis-server on 7777 is still Redis, on a port that is not its own.
    #[test]
    fn cockpit_on_9090_and_redis_on_7777() {
        let f = judge(&listener(9090, Transport::Tcp, &["cockpit-ws"]), Lang::En);
        assert_eq!(f[0].service.as_deref(), Some("cockpit"), "{f:?}");
        assert!(f[0].other_uses.is_empty(), "{f:?}");
        assert!(f.iter().all(|f| f.rule != "unexpected-port"), "{f:?}");
        let f = judge(&listener(9090, Transport::Tcp, &["prometheus"]), Lang::En);
        assert_eq!(f[0].service.as_deref(), Some("prometheus"), "{f:?}");

        let f = judge(&listener(7777, Transport::Tcp, &["redis-server"]), Lang::En);
        let services: Vec<_> = f.iter().map(|f| (f.rule, f.service.as_deref())).collect();
        assert!(
            services.contains(&("unexpected-port", Some("redis"))),
            "{f:?}"
        );
        assert_eq!(f[0].service.as_deref(), Some("redis"), "{f:?}");
    }

    /// A container's published port is judged by what answers inside (8443 → 80/tcp,
    /// httpd: HTTP, not the UniFi controller 8443 is known for), and one finding names
    /// the container and the command that stops it; none says "unknown".
    #[test]
    fn a_published_container_port_is_judged_by_the_container() {
        use portdex_net::container::{Container, Engine, Published};
        let mut l = listener(8443, Transport::Tcp, &["conmon"]);
        let plain = judge(&l, Lang::En);
        assert_eq!(plain[0].service.as_deref(), Some("unifi"), "{plain:?}");
        l.container = Some(std::sync::Arc::new(Container {
            engine: Engine::Podman,
            id: "f".repeat(64),
            name: Some("web".into()),
            image: Some("localhost/t".into()),
            pid: Some(7),
            process: Some("httpd".into()),
            netns: Some(1),
            published: vec![Published {
                transport: Transport::Tcp,
                host_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                host_port: 8443,
                container_port: 80,
            }],
        }));
        let f = judge(&l, Lang::En);
        assert_eq!(service_of(&l), Some("http"));
        assert!(
            f.iter().all(|f| f.service.as_deref() != Some("unifi")),
            "{f:?}"
        );
        let ours = f.iter().find(|f| f.rule == "container-published").unwrap();
        assert_eq!(ours.severity, Severity::Medium);
        assert!(
            ours.why
                .contains("podman container web (image localhost/t) publishes its port 80/tcp"),
            "{ours:?}"
        );
        assert!(ours.fix.contains("`podman stop web`"), "{ours:?}");
        assert!(f.iter().all(|f| f.container.is_some()), "{f:?}");
        // On one address only: low.
        l.address = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        l.exposure = Exposure::Address;
        let f = judge(&l, Lang::Ja);
        let ours = f.iter().find(|f| f.rule == "container-published").unwrap();
        assert_eq!(ours.severity, Severity::Low);
        assert!(ours.why.contains("podman コンテナ web"), "{ours:?}");
    }
}
