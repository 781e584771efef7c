//! `audit` and `firewall`: read arguments and files, ask portdex-audit, render.

use crate::cli::{BackendArg, Format};
use crate::text::clean;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_audit::firewall::{allow_from_listeners, normalize, parse_allow, render, Backend};
use portdex_audit::{AuditConfig, Report};
use portdex_net::{listeners, ListOptions, SocketSource};
use portdex_registry::{Lang, Severity};
use std::fmt::Write;
use std::path::Path;

fn parse_severity(s: &str) -> Result<Severity, String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => {
            return Err(format!(
                "--fail-on '{}': use info, low, medium, high or critical",
                clean(s)
            ))
        }
    })
}

/// `portdex audit`
pub fn audit(
    out: &mut String,
    config: &Config,
    fail_on: Option<&str>,
    file: Option<&Path>,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let fail_on = fail_on.map(parse_severity).transpose()?;
    let accepted = match file {
        None => AuditConfig::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--config {}: {e}", path.display()))?;
            AuditConfig::parse(&text).map_err(|e| format!("--config {}: {e}", path.display()))?
        }
    };
    let snap = listeners(source, ListOptions::default())
        .map_err(|e| format!("cannot list sockets: {e}"))?;
    let report = portdex_audit::audit(&snap, &accepted, config.lang);
    match config.format {
        Format::Json => {
            crate::render::json(out, &report);
        }
        Format::Jsonl => {
            for f in &report.findings {
                crate::render::json_line(out, f);
            }
        }
        Format::Csv => {
            let mut w = crate::render::csv_writer();
            let _ = w.write_record([
                "severity",
                "rule",
                "transport",
                "address",
                "port",
                "exposure",
                "service",
                "processes",
                "why",
                "fix",
                "reference",
            ]);
            for f in &report.findings {
                let _ = w.write_record([
                    f.severity.as_str(),
                    f.rule,
                    f.transport.as_str(),
                    &f.address.to_string(),
                    &f.port.to_string(),
                    f.exposure.as_str(),
                    f.service.as_deref().unwrap_or(""),
                    &f.processes.join(" "),
                    &f.why,
                    &f.fix,
                    f.reference.unwrap_or(""),
                ]);
            }
            crate::render::finish_csv(out, w);
        }
        Format::Table | Format::Services => human(out, config, &report),
    }
    if report.owners_hidden {
        eprintln!("note: some owners are hidden (other users' processes): run as root for a complete audit");
    }
    Ok(match (fail_on, report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => NOT_FOUND,
        _ => FOUND,
    })
}

fn human(out: &mut String, config: &Config, report: &Report) {
    let ja = config.lang == Lang::Ja;
    for f in &report.findings {
        let sev = f.severity.label(config.lang).to_uppercase();
        let sev = if config.color {
            let style = match f.severity {
                Severity::Critical | Severity::High => anstyle::AnsiColor::Red.on_default().bold(),
                Severity::Medium => anstyle::AnsiColor::Yellow.on_default(),
                _ => anstyle::Style::new(),
            };
            format!("{style}{sev:<8}{style:#}")
        } else {
            format!("{sev:<8}")
        };
        let addr = std::net::SocketAddr::new(f.address, f.port);
        let _ = writeln!(
            out,
            "{sev} {} {addr} ({}){}{}",
            f.transport,
            f.exposure.as_str(),
            f.service
                .as_deref()
                .map(|s| format!("  {s}"))
                .unwrap_or_default(),
            if f.processes.is_empty() {
                String::new()
            } else {
                format!("  {}", clean(&f.processes.join(", ")))
            },
        );
        let (why, fix, reference) = if ja {
            ("理由", "対策", "参照")
        } else {
            ("why", "fix", "ref")
        };
        let _ = writeln!(out, "  {why:<4} {}", clean(&f.why));
        let _ = writeln!(out, "  {fix:<4} {}", clean(&f.fix));
        if let Some(r) = f.reference {
            let _ = writeln!(out, "  {reference:<4} {r}");
        }
        out.push('\n');
    }
    let mut counts = Vec::new();
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n = report.findings.iter().filter(|f| f.severity == s).count();
        if n > 0 {
            counts.push(format!("{n} {}", s.label(config.lang)));
        }
    }
    let _ = writeln!(
        out,
        "{} finding(s){} in {} listener(s); {} loopback-only (not findings), {} accepted by the configuration",
        report.findings.len(),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        report.listeners,
        report.loopback_only,
        report.accepted,
    );
    if report.docker_published {
        let _ = writeln!(out, "Docker publishes ports here: ufw and INPUT-chain rules do not filter them (use DOCKER-USER).");
    }
}

/// `portdex firewall`
pub fn firewall(
    out: &mut String,
    allow: Option<&str>,
    from_listeners: bool,
    backend: BackendArg,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let mut rules = match allow {
        Some(list) => parse_allow(list).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let snap = listeners(source, ListOptions::default())
        .map_err(|e| format!("cannot list sockets: {e}"))?;
    if from_listeners {
        rules.extend(allow_from_listeners(&snap));
        rules = normalize(rules);
    }
    let docker = snap
        .listeners
        .iter()
        .any(|l| l.processes.iter().any(|p| p.name == "docker-proxy"));
    let backend = match backend {
        BackendArg::Nftables => Backend::Nftables,
        BackendArg::Ufw => Backend::Ufw,
        BackendArg::Iptables => Backend::Iptables,
        BackendArg::Firewalld => Backend::Firewalld,
    };
    out.push_str(&render(backend, &rules, docker));
    Ok(FOUND)
}
