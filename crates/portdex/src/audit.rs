//! `audit` and `firewall`: read arguments and files, ask portdex-audit, render.

use crate::cli::{BackendArg, FirewallArgs, Format};
use crate::scan::parse_duration_of;
use crate::text::clean;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_audit::apply as fa;
use portdex_audit::firewall::{
    self as fw, Backend, Family, LockoutReason, PlanOptions, RenderOptions,
};
use portdex_audit::{AuditConfig, Report};
use portdex_net::{listeners, ListOptions, SocketSource};
use portdex_registry::Severity;
use portdex_text::Words;
use std::fmt::Write;
use std::io::Write as _;
use std::path::Path;

fn parse_severity(s: &str, w: Words) -> Result<Severity, String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return Err(w.err_fail_on(&clean(s))),
    })
}

/// The most an audit configuration may hold.
const MAX_CONFIG: u64 = 1024 * 1024;

/// Reads `--config`: a regular file (a FIFO would block, /dev/zero never ends) of at
/// most 1 MiB, in UTF-8.
fn read_config(path: &Path, w: Words) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("--config {shown}: {}", w.io_error(&e)))?;
    if !meta.is_file() {
        return Err(w.err_config_not_file(&shown.to_string()));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG + 1).read_to_string(&mut text))
        .map_err(|e| format!("--config {shown}: {}", w.io_error(&e)))?;
    if text.len() as u64 > MAX_CONFIG {
        return Err(w.err_config_too_large(&shown.to_string()));
    }
    Ok(text)
}

/// `--config FILE` of `audit` and `serve`: the accepted listeners (none without a file).
pub fn load_config(file: Option<&Path>, w: Words) -> Result<AuditConfig, String> {
    match file {
        None => Ok(AuditConfig::default()),
        Some(path) => {
            let text = read_config(path, w)?;
            AuditConfig::parse(&text)
                .map_err(|e| format!("--config {}: {}", path.display(), e.message(w.0)))
        }
    }
}

/// `portdex audit`
pub fn audit(
    out: &mut String,
    config: &Config,
    fail_on: Option<&str>,
    file: Option<&Path>,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let w = Words(config.lang);
    let fail_on = fail_on.map(|s| parse_severity(s, w)).transpose()?;
    let accepted = load_config(file, w)?;
    // --proto audits the listeners of one transport.
    let opts = match config.transport {
        None => ListOptions::default(),
        Some(portdex_registry::Transport::Tcp) => ListOptions {
            udp: false,
            ..ListOptions::default()
        },
        Some(portdex_registry::Transport::Udp) => ListOptions {
            tcp: false,
            ..ListOptions::default()
        },
        Some(t) => return Err(w.err_audit_proto(t.as_str())),
    };
    let snap = listeners(source, opts).map_err(|e| w.err_list_sockets(&w.io_error(&e)))?;
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
        eprintln!("{}", Words(config.lang).audit_owners_hidden());
    }
    Ok(match (fail_on, report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => NOT_FOUND,
        _ => FOUND,
    })
}

fn human(out: &mut String, config: &Config, report: &Report) {
    let words = Words(config.lang);
    let labels: Vec<String> = report
        .findings
        .iter()
        .map(|f| f.severity.label(config.lang).to_uppercase())
        .collect();
    let sev_w = crate::grid::widest(labels.iter().map(String::as_str));
    let [why, fix, reference] = words.finding_labels();
    let label_w = crate::grid::widest([why, fix, reference]);
    // Continuation lines start under the text, after "  LABEL ".
    let indent = 2 + label_w + 1;
    for (f, sev) in report.findings.iter().zip(&labels) {
        let padded = crate::grid::pad(sev, sev_w);
        let sev = if config.color {
            let style = crate::render::severity_style(f.severity);
            format!("{style}{padded}{style:#}")
        } else {
            padded
        };
        let addr = std::net::SocketAddr::new(f.address, f.port);
        let line = format!(
            "{} {addr} ({}){}{}",
            f.transport,
            words.exposure(f.exposure.as_str()),
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
        // Continuation lines start under the transport, after the severity.
        crate::grid::write_wrapped(out, config.width, &format!("{sev} "), &line);
        for (label, text) in [(why, clean(&f.why)), (fix, clean(&f.fix))] {
            for (n, line) in crate::grid::wrap(&text, config.width, indent)
                .iter()
                .enumerate()
            {
                let label = if n == 0 { label } else { "" };
                let _ = writeln!(out, "  {} {line}", crate::grid::pad(label, label_w));
            }
        }
        if let Some(r) = f.reference {
            // A URL is never wrapped, so that it stays clickable.
            let _ = writeln!(out, "  {} {r}", crate::grid::pad(reference, label_w));
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
            counts.push(words.severity_count(n, s.label(config.lang)));
        }
    }
    let summary = words.audit_summary(
        report.findings.len(),
        &counts.join(words.list_separator()),
        report.listeners,
        report.loopback_only,
        report.accepted,
    );
    let docker = report.docker_published.then(|| words.docker_note());
    for text in std::iter::once(summary.as_str()).chain(docker) {
        for line in crate::grid::wrap(text, config.width, 0) {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// `portdex firewall`
pub fn firewall(
    out: &mut String,
    config: &Config,
    args: &FirewallArgs,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let words = Words(config.lang);
    let backend = match args.backend.unwrap_or(BackendArg::Nftables) {
        BackendArg::Nftables => Backend::Nftables,
        BackendArg::Ufw => Backend::Ufw,
        BackendArg::Iptables => Backend::Iptables,
        BackendArg::Firewalld => Backend::Firewalld,
    };
    // `--confirm` alone confirms what a waiting --apply put in place.
    let wants_rules = args.allow.is_some() || args.from_listeners;
    match (&args.confirm, args.apply) {
        (Some(None), false) if !wants_rules => {
            let extra = [
                (args.backend.is_some(), "--backend"),
                (args.family.is_some(), "--family"),
                (args.output_dir.is_some(), "--output-dir"),
                (args.allow_lockout, "--allow-lockout"),
                (config.transport.is_some(), "--proto"),
                (config.format != Format::Table, "--json, --csv and --format"),
            ];
            if let Some((_, flag)) = extra.iter().find(|(given, _)| *given) {
                return Err(words.err_confirm_alone(flag));
            }
            return confirm(out, words);
        }
        (Some(_), false) => return Err(words.err_confirm_needs_apply().into()),
        _ => {}
    }
    if config.format == Format::Services {
        return Err(words.err_firewall_services().into());
    }
    if backend != Backend::Iptables {
        if let Some(f) = &args.family {
            return Err(words.err_family_backend(&f.to_string(), backend.as_str()));
        }
        if args.output_dir.is_some() {
            return Err(words.err_output_dir_backend(backend.as_str()));
        }
    }
    if args.apply && config.format != Format::Table {
        return Err(words.err_apply_format().into());
    }
    if args.apply && backend == Backend::Firewalld {
        return Err(fa::ApplyError::Unsupported.message(words.0));
    }
    if args.apply && args.output_dir.is_some() {
        return Err(words.err_apply_output_dir().into());
    }
    if args.output_dir.is_some() && config.format != Format::Table {
        return Err(words.err_output_dir_format().into());
    }
    if args.output_dir.is_some() && args.family.is_some() {
        return Err(words.err_output_dir_family().into());
    }
    let timeout = match &args.confirm {
        Some(Some(d)) => confirm_duration(d, words)?,
        _ => std::time::Duration::from_secs(60),
    };

    let snap = listeners(source, ListOptions::default())
        .map_err(|e| words.err_list_sockets(&words.io_error(&e)))?;
    let plan = fw::plan(
        &snap,
        PlanOptions {
            allow: args.allow.as_deref(),
            proto: config.transport,
            from_listeners: args.from_listeners,
            lang: config.lang,
        },
    )
    .map_err(|e| e.message(words.0))?;

    // What the user hears before anything is written.
    let pt = |t: portdex_registry::Transport, p: &dyn std::fmt::Display| format!("{p}/{t}");
    for f in &plan.followed {
        let listens: Vec<String> = f.listens.iter().map(|(t, p)| pt(*t, p)).collect();
        let registry: Vec<String> = f.registry.iter().map(|(t, p)| pt(*t, p)).collect();
        eprintln!(
            "{}",
            clean(&words.followed(
                &f.name,
                &f.process,
                f.pid,
                &listens.join(", "),
                &registry.join(", ")
            ))
        );
    }
    for r in &plan.risky {
        let who = if r.processes.is_empty() {
            r.service.clone().unwrap_or_default()
        } else {
            r.processes.join(", ")
        };
        eprintln!(
            "{}",
            clean(&words.risky_allowed(
                &pt(r.transport, &r.port),
                &who,
                r.severity.label(config.lang),
                &r.why,
                &r.fix
            ))
        );
    }
    if snap.owners_hidden {
        eprintln!("{}", words.firewall_owners_hidden());
    }
    // sudo drops SSH_CONNECTION from the environment: the shell it came from has it.
    // Set but empty means "no SSH session" and ends the search.
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| portdex_net::inherited_env(name))
    };
    let session = fw::ssh_session_port(
        var("SSH_CONNECTION").as_deref(),
        var("SSH_CLIENT").as_deref(),
    );
    let lockouts = fw::lockouts(&plan.allow, &snap, session);
    if !lockouts.is_empty() {
        let ports: Vec<String> = lockouts
            .iter()
            .map(|l| match &l.reason {
                LockoutReason::Session { variable } => words.lockout_session(l.port, variable),
                LockoutReason::Sshd {
                    process,
                    pid,
                    address,
                } => words.lockout_sshd(l.port, process, *pid, &address.to_string()),
            })
            .collect();
        let ports = clean(&ports.join("; ")).into_owned();
        if !args.allow_lockout {
            return Err(words.lockout_refused(&ports));
        }
        eprintln!("{}", words.lockout_allowed(&ports));
    }

    let docker = snap.docker_published();
    let family = match args.family.as_deref() {
        Some("6") => Family::V6,
        _ => Family::V4,
    };
    let opts = RenderOptions {
        family,
        docker,
        lang: config.lang,
    };
    if args.apply {
        let families = match args.family {
            Some(_) => vec![family],
            None => vec![Family::V4, Family::V6],
        };
        return apply(words, backend, &plan.allow, opts, &families, timeout);
    }
    if let Some(dir) = &args.output_dir {
        let mut written = Vec::new();
        for (f, name) in [(Family::V4, "rules.v4"), (Family::V6, "rules.v6")] {
            let path = dir.join(name);
            if path.exists() {
                return Err(
                    words.err_output_exists(&path.display().to_string(), &written.join(", "))
                );
            }
            let text = fw::render(backend, &plan.allow, RenderOptions { family: f, ..opts });
            write_new(&path, &text)
                .map_err(|e| format!("--output-dir: {}: {}", path.display(), words.io_error(&e)))?;
            written.push(path.display().to_string());
        }
        for w in &written {
            let _ = writeln!(out, "{}", words.wrote(w));
        }
        return Ok(FOUND);
    }
    let rules = fw::render(backend, &plan.allow, opts);
    match config.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct FirewallJson<'a> {
                backend: Backend,
                #[serde(skip_serializing_if = "Option::is_none")]
                family: Option<Family>,
                #[serde(flatten)]
                plan: &'a fw::Plan,
                lockouts: &'a [fw::Lockout],
                rules: &'a str,
            }
            crate::render::json(
                out,
                &FirewallJson {
                    backend,
                    family: (backend == Backend::Iptables).then_some(family),
                    plan: &plan,
                    lockouts: &lockouts,
                    rules: &rules,
                },
            );
        }
        Format::Jsonl => {
            for a in &plan.allow {
                crate::render::json_line(out, a);
            }
        }
        Format::Csv => {
            let mut w = crate::render::csv_writer();
            let _ = w.write_record(["transport", "ports", "label", "origin"]);
            for a in &plan.allow {
                let origin = serde_json::to_value(a.origin).unwrap_or_default();
                let _ = w.write_record([
                    a.transport.as_str(),
                    &a.ports.to_string(),
                    &a.label,
                    origin.as_str().unwrap_or_default(),
                ]);
            }
            crate::render::finish_csv(out, w);
        }
        Format::Table | Format::Services => out.push_str(&rules),
    }
    Ok(FOUND)
}

/// `--confirm DURATION`: with a unit (a bare 60 would be 60 ms elsewhere), 1s to 1h.
fn confirm_duration(d: &str, w: Words) -> Result<std::time::Duration, String> {
    let err = || w.err_confirm_duration(&clean(d));
    if !d.trim().ends_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(err());
    }
    let t = parse_duration_of("--confirm", d, w)?;
    if t < std::time::Duration::from_secs(1) {
        return Err(err());
    }
    Ok(t)
}

/// Creates a file that must not exist yet, whole or not at all.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("portdex-tmp");
    std::fs::write(&tmp, text)?;
    // hard_link fails when the target exists: nothing is ever written over.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// `--apply`: apply, wait for `--confirm`, roll back otherwise.
fn apply(
    words: Words,
    backend: Backend,
    allow: &[fw::Allow],
    opts: RenderOptions,
    families: &[Family],
    timeout: std::time::Duration,
) -> Result<u8, String> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    // A signal while applying or waiting rolls back; it is only noted until then, so
    // that a set of rules is never left half applied.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| words.err_signals(&words.io_error(&e)))?;
    }
    let lang = words.0;
    fa::require_root().map_err(|e| e.message(lang))?;
    let lock = fa::lock().map_err(|e| e.message(lang))?;
    let applied = fa::apply(&lock, backend, allow, opts, families).map_err(|e| e.message(lang))?;
    // From here on, nothing may end the process before the rules are kept or rolled
    // back: messages are written without panicking on a closed terminal.
    let say = |text: &str| {
        let _ = writeln!(std::io::stderr(), "{text}");
    };
    let result = (|| {
        fa::publish_pending(&lock).map_err(|e| e.message(lang))?;
        let secs = timeout.as_secs_f64();
        say(&words.applied(backend.as_str(), secs));
        for rule in &applied.input_accepts {
            say(&clean(&words.input_accepts_first(rule)));
        }
        Ok::<_, String>(fa::wait_for_confirmation(&lock, timeout, &stop))
    })();
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            let back = fa::rollback(&applied);
            return Err(match back {
                Ok(()) => words.err_rolled_back(&e),
                Err(b) => words.err_rollback_failed_too(&e, &b.message(lang)),
            });
        }
    };
    if outcome == fa::Outcome::Confirmed {
        let _ = writeln!(std::io::stdout(), "{}", words.kept());
        return Ok(FOUND);
    }
    fa::rollback(&applied).map_err(|e| words.err_rollback_failed(&e.message(lang)))?;
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        words.rolled_back(outcome == fa::Outcome::TimedOut, timeout.as_secs_f64())
    );
    Ok(NOT_FOUND)
}

/// `--confirm` alone.
fn confirm(out: &mut String, words: Words) -> Result<u8, String> {
    match fa::confirm().map_err(|e| e.message(words.0))? {
        fa::Confirmation::Kept(pid) => {
            let _ = writeln!(out, "{}", words.confirmed(pid));
            Ok(FOUND)
        }
        fa::Confirmation::NothingWaits => {
            let _ = writeln!(out, "{}", words.nothing_to_confirm(None));
            Ok(NOT_FOUND)
        }
        fa::Confirmation::Gone(pid) => {
            let _ = writeln!(out, "{}", words.nothing_to_confirm(Some(pid)));
            Ok(NOT_FOUND)
        }
    }
}
