//! `/metrics`: this machine's listeners and audit for Prometheus, named as
//! <https://prometheus.io/docs/practices/naming/> says: `_info` for an always-1 series
//! that carries labels, `_total` for a counter, base units (`_seconds`).
//!
//! The audit is the one `portdex audit --config FILE` makes: the configuration `serve
//! --config` read ([`AppState::audit`]) is applied before anything is counted. Every
//! series is unique: two sockets with the same labels (two SO_REUSEPORT sockets of one
//! server, or the same server on 0.0.0.0 seen twice) are one series, and the finding
//! counts are the counts of those series, so that
//! `count by (severity) (portdex_finding_info)` is `portdex_findings`.
//!
//! portdex has not been released with the names this replaces (`portdex_listener`,
//! `portdex_audit_findings`): they are gone, not kept for a release.

use super::*;
use portdex_net::Listener;
use portdex_registry::Severity;
use std::fmt::Write as _;

/// A Prometheus label value: backslash, quote and newline escaped (most values have
/// none: they are not copied).
pub(crate) fn label(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['\\', '"', '\n']) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n"),
    )
}

/// The severities, most severe first: every one is written, 0 included, so that an
/// alert on one of them has a series to look at.
const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// The date of the registry in use: the newest registration or modification date of
/// IANA's rows (what `portdex data` calls its date), made again after an update.
fn registry_date() -> Arc<String> {
    static DATE: reload::PerGeneration<String> = reload::PerGeneration::new();
    DATE.get(|| {
        all_assignments()
            .filter(|a| a.source() == portdex_registry::Source::Iana)
            .flat_map(|a| [a.registration_date(), a.modification_date()])
            .filter_map(|d| d.parse::<portdex_data::IanaDate>().ok())
            .max()
            .map_or_else(String::new, |d| d.to_string())
    })
}

/// The names of a listener's processes, sorted and without repeats, joined by commas
/// (nginx's master and workers are `nginx`); "" when they are hidden.
fn process_names(l: &Listener) -> String {
    let mut names: Vec<&str> = l.processes.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// A metric family's HELP and TYPE lines.
fn family(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(o, "# HELP {name} {help}");
    let _ = writeln!(o, "# TYPE {name} {kind}");
}

/// The exposition text: the build, then (with a snapshot) the listeners, the findings
/// and the listing's cost, and the count of listings that failed.
pub(crate) fn exposition(taken: Option<&Taken>, audit: &AuditConfig, errors: u64) -> String {
    let mut o = String::with_capacity(4096);
    family(
        &mut o,
        "portdex_build_info",
        "gauge",
        "The portdex serving these metrics: its version and the date of the IANA registry it uses (always 1).",
    );
    let _ = writeln!(
        o,
        "portdex_build_info{{version=\"{}\",registry_date=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        label(&registry_date()),
    );
    if let Some(t) = taken {
        listeners_and_findings(&mut o, &t.snap, audit);
        family(
            &mut o,
            "portdex_owners_hidden",
            "gauge",
            "1 when the owners of some sockets could not be read (portdex is not root, or lacks CAP_SYS_PTRACE): process labels are then empty; else 0.",
        );
        let _ = writeln!(
            o,
            "portdex_owners_hidden {}",
            u8::from(t.snap.owners_hidden)
        );
        family(
            &mut o,
            "portdex_snapshot_duration_seconds",
            "gauge",
            "How long listing this machine's sockets and their owners took, for the snapshot these metrics describe (one is shared for a second between requests).",
        );
        let _ = writeln!(
            o,
            "portdex_snapshot_duration_seconds {}",
            t.took.as_secs_f64()
        );
    }
    family(
        &mut o,
        "portdex_snapshot_errors_total",
        "counter",
        "Listings of this machine's sockets that failed since portdex started. A scrape during a failure has no listener, finding or owner series.",
    );
    let _ = writeln!(o, "portdex_snapshot_errors_total {errors}");
    o
}

fn listeners_and_findings(o: &mut String, snap: &portdex_net::Snapshot, audit: &AuditConfig) {
    // Each series once, in the listing's order (by transport, port and address).
    let mut listener_series: Vec<String> = Vec::new();
    let mut finding_series: Vec<(Severity, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for l in &snap.listeners {
        let findings = portdex_audit::findings_for(l, audit, Lang::En);
        let names = process_names(l);
        let process = label(&names);
        let worst = findings.iter().map(|f| f.severity).max();
        let line = format!(
            "portdex_listener_info{{proto=\"{}\",address=\"{}\",port=\"{}\",exposure=\"{}\",service=\"{}\",common_use=\"{}\",process=\"{}\",container=\"{}\",severity=\"{}\"}} 1",
            l.transport,
            l.address,
            l.port,
            l.exposure.as_str(),
            label(portdex_audit::service_of(l).unwrap_or("")),
            label(l.common_use.unwrap_or("")),
            process,
            label(l.container.as_deref().map_or("", portdex_net::container::Container::label)),
            worst.map_or("", Severity::as_str),
        );
        if seen.insert(line.clone()) {
            listener_series.push(line);
        }
        for f in findings {
            let line = format!(
                "portdex_finding_info{{rule=\"{}\",severity=\"{}\",port=\"{}\",proto=\"{}\",address=\"{}\",service=\"{}\",process=\"{}\"}} 1",
                f.rule,
                f.severity.as_str(),
                f.port,
                f.transport,
                f.address,
                label(f.service.as_deref().unwrap_or("")),
                process,
            );
            if seen.insert(line.clone()) {
                finding_series.push((f.severity, line));
            }
        }
    }
    family(
        o,
        "portdex_listener_info",
        "gauge",
        "A listening TCP socket or bound UDP socket on this machine (always 1). exposure: loopback, address (one address of this machine) or all (every interface); service: what the audit takes it for; common_use: the curated use of its port; process: its owners' names, \"\" when hidden; container: the name of the container it is published for (podman, Docker), \"\" when none; severity: its worst audit finding, \"\" when none (loopback only, accepted by --config, or nothing to say). Replaces portdex_listener, which no release served.",
    );
    for line in &listener_series {
        o.push_str(line);
        o.push('\n');
    }
    family(
        o,
        "portdex_finding_info",
        "gauge",
        "An audit finding on this machine, after serve --config accepted what it accepts (always 1). rule: the audit's rule; severity: critical, high, medium, low or info.",
    );
    for (_, line) in &finding_series {
        o.push_str(line);
        o.push('\n');
    }
    family(
        o,
        "portdex_findings",
        "gauge",
        "Audit findings on this machine by severity (the portdex_finding_info series), after serve --config. Replaces portdex_audit_findings, which no release served.",
    );
    for s in SEVERITIES {
        let n = finding_series.iter().filter(|(sev, _)| *sev == s).count();
        let _ = writeln!(o, "portdex_findings{{severity=\"{}\"}} {n}", s.as_str());
    }
}

pub(crate) async fn metrics(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
) -> Result<Response, ApiError> {
    local_guard(&state)?;
    // A listing that fails is not an HTTP error: the scrape says so (the error counter),
    // and Prometheus's `up` keeps meaning "portdex answers".
    let taken = taken(&state, &cache).await.ok();
    let body = exposition(taken.as_ref(), &state.audit, cache.errors());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn label_values_are_escaped_as_the_text_format_says() {
        assert_eq!(label("redis-server"), "redis-server");
        // A process may name itself anything (prctl PR_SET_NAME).
        assert_eq!(label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
