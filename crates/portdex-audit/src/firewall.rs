//! Firewall rules that allow only what is listed (names, ports, ranges) and drop every
//! other inbound connection, for nftables, ufw, iptables (iptables-restore) and
//! firewalld. The rules always keep loopback, established connections and ICMP.

use portdex_net::Snapshot;
use portdex_registry::{assignments_named, knowledge_named, suggest, PortRange, Status, Transport};
use std::fmt::Write;

/// One allowed port or range on one transport.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Allow {
    /// tcp or udp.
    pub transport: Transport,
    /// Ports.
    pub ports: PortRange,
    /// What the user wrote (or the listener's service), for comments.
    pub label: String,
}

/// Firewall front-ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// nftables ruleset (`nft -f`).
    Nftables,
    /// ufw commands.
    Ufw,
    /// iptables-restore and ip6tables-restore input.
    Iptables,
    /// firewall-cmd commands.
    Firewalld,
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
    },
    /// A name nobody knows.
    #[error("--allow item '{item}': no service of that name{hint}")]
    UnknownName {
        /// The item.
        item: String,
        /// ", did you mean …" or nothing.
        hint: String,
    },
}

fn parse_item(item: &str) -> Result<Vec<Allow>, AllowError> {
    let item = item.trim();
    if item.is_empty() {
        return Err(AllowError::Empty);
    }
    let (body, proto) = match item.rsplit_once('/') {
        Some((b, p)) if p.eq_ignore_ascii_case("tcp") || p.eq_ignore_ascii_case("udp") => (
            b,
            Some(p.parse::<Transport>().map_err(|e| AllowError::BadPort {
                item: item.into(),
                reason: e.to_string(),
            })?),
        ),
        _ => (item, None),
    };
    if body.starts_with(|c: char| c.is_ascii_digit()) || body.starts_with('-') {
        let ports: PortRange =
            body.parse()
                .map_err(|e: portdex_registry::ParseError| AllowError::BadPort {
                    item: item.into(),
                    reason: e.to_string(),
                })?;
        if ports.lo == 0 {
            return Err(AllowError::BadPort {
                item: item.into(),
                reason: "port 0 is not a port a process listens on".into(),
            });
        }
        let transports = proto.map_or(vec![Transport::Tcp], |t| vec![t]);
        return Ok(transports
            .into_iter()
            .map(|transport| Allow {
                transport,
                ports,
                label: item.into(),
            })
            .collect());
    }
    let name = body.to_ascii_lowercase();
    let mut out = Vec::new();
    // A curated entry knows the transports a service really uses (ssh: tcp only).
    if let Some(k) = knowledge_named(&name).next() {
        for t in k
            .transports()
            .filter(|t| matches!(t, Transport::Tcp | Transport::Udp))
        {
            if proto.is_none_or(|p| p == t) {
                out.push(Allow {
                    transport: t,
                    ports: k.ports(),
                    label: name.clone(),
                });
            }
        }
    } else {
        for a in assignments_named(&name) {
            if let (Some(t @ (Transport::Tcp | Transport::Udp)), Some(ports), Status::Assigned) =
                (a.transport(), a.ports(), a.status())
            {
                if proto.is_none_or(|p| p == t) {
                    out.push(Allow {
                        transport: t,
                        ports,
                        label: name.clone(),
                    });
                }
            }
        }
    }
    if out.is_empty() {
        let close = suggest(&name, 3);
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", close.join(", "))
        };
        return Err(AllowError::UnknownName {
            item: item.into(),
            hint,
        });
    }
    Ok(out)
}

/// Reads a comma-separated allow list: `ssh,https,8000-8100,53/udp`.
pub fn parse_allow(list: &str) -> Result<Vec<Allow>, AllowError> {
    let mut out = Vec::new();
    for item in list.split(',') {
        out.extend(parse_item(item)?);
    }
    Ok(normalize(out))
}

/// The exposed listeners of a snapshot, as an allow list.
pub fn allow_from_listeners(snapshot: &Snapshot) -> Vec<Allow> {
    normalize(
        snapshot
            .listeners
            .iter()
            .filter(|l| l.exposure.is_exposed())
            .map(|l| Allow {
                transport: l.transport,
                ports: PortRange::single(l.port),
                label: l
                    .processes
                    .first()
                    .map(|p| p.name.clone())
                    .or_else(|| l.registry_service.map(str::to_owned))
                    .unwrap_or_else(|| "listener".into()),
            })
            .collect(),
    )
}

/// Sorts an allow list by transport and port and keeps one rule per port range.
pub fn normalize(mut v: Vec<Allow>) -> Vec<Allow> {
    v.sort_by_key(|a| (a.transport, a.ports));
    v.dedup_by(|a, b| a.transport == b.transport && a.ports == b.ports);
    v
}

fn port_text(p: PortRange, range_sep: &str) -> String {
    if p.lo == p.hi {
        p.lo.to_string()
    } else {
        format!("{}{range_sep}{}", p.lo, p.hi)
    }
}

fn sanitize_comment(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_./ ".contains(*c))
        .collect()
}

/// Writes the rules for a backend. `docker` adds the warning that Docker's published
/// ports bypass these rules.
pub fn render(backend: Backend, allow: &[Allow], docker: bool) -> String {
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
    let summary = if summary.is_empty() {
        "nothing".to_owned()
    } else {
        summary.join(", ")
    };
    let docker_note = "# Docker: published container ports bypass these rules (Docker inserts its own\n# iptables rules); filter them in the DOCKER-USER chain or publish on 127.0.0.1.\n";
    match backend {
        Backend::Nftables => {
            let _ = writeln!(o, "#!/usr/sbin/nft -f\n# Written by portdex. Inbound: allow only {summary}; drop the rest.");
            if docker {
                o.push_str(docker_note);
            }
            o.push_str("table inet portdex\ndelete table inet portdex\ntable inet portdex {\n");
            o.push_str(
                "\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n",
            );
            o.push_str("\t\tct state established,related accept\n\t\tct state invalid drop\n");
            o.push_str("\t\tiif \"lo\" accept\n\t\tmeta l4proto { icmp, ipv6-icmp } accept\n");
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
            let _ = writeln!(
                o,
                "# Written by portdex. Inbound: allow only {summary}; deny the rest."
            );
            if docker {
                o.push_str(docker_note);
            }
            o.push_str("ufw default deny incoming\nufw default allow outgoing\n");
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
            let _ = writeln!(
                o,
                "# Written by portdex. Inbound: allow only {summary}; drop the rest.\n# The IPv4 part is for iptables-restore, the IPv6 part for ip6tables-restore."
            );
            if docker {
                o.push_str(docker_note);
            }
            for (family, icmp) in [("IPv4", "icmp"), ("IPv6", "ipv6-icmp")] {
                let _ = writeln!(o, "# {family}\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]");
                o.push_str("-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n");
                o.push_str("-A INPUT -m conntrack --ctstate INVALID -j DROP\n");
                let _ = writeln!(o, "-A INPUT -p {icmp} -j ACCEPT");
                for a in allow {
                    let _ = writeln!(
                        o,
                        "-A INPUT -p {t} -m {t} --dport {} -m comment --comment \"{}\" -j ACCEPT",
                        port_text(a.ports, ":"),
                        sanitize_comment(&a.label),
                        t = a.transport
                    );
                }
                o.push_str("COMMIT\n");
            }
        }
        Backend::Firewalld => {
            let _ = writeln!(
                o,
                "# Written by portdex. Inbound: allow only {summary} in the default zone.\n# Review the zone's other services first: firewall-cmd --list-all"
            );
            if docker {
                o.push_str(docker_note);
            }
            for a in allow {
                let _ = writeln!(
                    o,
                    "firewall-cmd --permanent --add-port={}/{}",
                    port_text(a.ports, "-"),
                    a.transport
                );
            }
            o.push_str("firewall-cmd --reload\n");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ports_and_ranges() {
        let a = parse_allow("ssh,https,8000-8100,53/udp").unwrap();
        let got: Vec<String> = a
            .iter()
            .map(|a| format!("{}/{}", a.ports, a.transport))
            .collect();
        assert_eq!(
            got,
            ["22/tcp", "443/tcp", "8000-8100/tcp", "53/udp", "443/udp"]
        );
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
            let e = parse_allow(list).unwrap_err().to_string();
            assert!(e.contains(want), "{list}: {e}");
        }
    }
}
