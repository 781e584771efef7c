//! `portdex scan`: reads the targets and options, runs the scanner, names what answers,
//! renders. Progress goes to standard error on a terminal only.

use crate::cli::{Format, ScanArgs};
use crate::text::clean;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_net::detect::{detect, Detected};
use portdex_net::scan::{
    check_hosts, parse_ports, resolve_target, scan_host, top_ports, HostScan, Hosts, Rate,
    ScanOptions,
};
use portdex_registry::{Category, Severity, Transport};
use portdex_text::Words;
use serde::Serialize;
use std::fmt::Write;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Reads 500ms, 2s, 1.5s, 1m (for `--timeout`).
pub(crate) fn parse_duration(s: &str, w: Words) -> Result<Duration, String> {
    parse_duration_of("--timeout", s, w)
}

/// Reads 500ms, 2s, 1.5s, 1m (up to an hour) for the option `flag`.
pub(crate) fn parse_duration_of(flag: &str, s: &str, w: Words) -> Result<Duration, String> {
    portdex_net::scan::parse_duration(s).ok_or_else(|| w.err_duration(flag, &clean(s)))
}

#[derive(Serialize)]
struct PortOut {
    port: u16,
    state: &'static str,
    detected: Option<Detected>,
    registry_service: Option<&'static str>,
    /// The first of `common_uses` (kept for the JSON's stability).
    common_use: Option<&'static str>,
    /// Every curated common use of the port (9090: prometheus, cockpit).
    common_uses: Vec<&'static str>,
    category: Category,
    severity: Option<Severity>,
}

/// A line of `--format jsonl`: one scanned port with its host.
#[derive(Serialize)]
struct PortLine<'a> {
    host: &'a str,
    address: IpAddr,
    #[serde(flatten)]
    port: &'a PortOut,
}

/// The JSON Lines of one host: its open ports, then its filtered ones.
fn host_lines(h: &HostOut) -> String {
    let mut out = String::new();
    let line = |out: &mut String, port: &PortOut| {
        crate::render::json_line(
            out,
            &PortLine {
                host: &h.host,
                address: h.address,
                port,
            },
        );
    };
    for p in &h.open {
        line(&mut out, p);
    }
    for &f in &h.filtered {
        let p = PortOut {
            state: "filtered",
            ..describe(f, None)
        };
        line(&mut out, &p);
    }
    out
}

#[derive(Serialize)]
struct HostOut {
    host: String,
    address: IpAddr,
    ports_scanned: usize,
    open: Vec<PortOut>,
    closed: usize,
    filtered: Vec<u16>,
    elapsed: f64,
}

fn describe(port: u16, detected: Option<Detected>) -> PortOut {
    let summary = portdex_registry::port_summary(port, Transport::Tcp);
    PortOut {
        port,
        state: "open",
        detected,
        registry_service: summary.registry_service,
        common_use: summary.common_use,
        common_uses: portdex_registry::common_uses(port, Transport::Tcp).collect(),
        category: summary.category,
        severity: summary.severity,
    }
}

/// Names what answers on each open port, a few connections at a time, within `--rate`.
fn detect_all(
    ip: IpAddr,
    open: &[u16],
    timeout: Duration,
    rate: Option<&Rate>,
) -> Vec<Option<Detected>> {
    let mut out = vec![None; open.len()];
    for (chunk_out, chunk) in out.chunks_mut(32).zip(open.chunks(32)) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&p| {
                    s.spawn(move || {
                        if let Some(r) = rate {
                            r.take();
                        }
                        detect(SocketAddr::new(ip, p), timeout)
                    })
                })
                .collect();
            for (slot, h) in chunk_out.iter_mut().zip(handles) {
                *slot = h.join().ok().flatten();
            }
        });
    }
    out
}

/// A progress line on standard error, redrawn every 100 ms while `running`.
fn progress(host: &str, total: usize, done: &AtomicUsize, running: &AtomicBool) {
    let start = Instant::now();
    while running.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let n = done.load(Ordering::Relaxed).min(total);
        let rate = n as f64 / start.elapsed().as_secs_f64().max(0.001);
        eprint!("\r\x1b[2Kscanning {host}: {n}/{total} ports, {rate:.0}/s");
    }
    eprint!("\r\x1b[2K");
}

/// `portdex scan`
pub fn scan(out: &mut String, config: &Config, args: &ScanArgs) -> Result<u8, String> {
    let w = Words(config.lang);
    let timeout = parse_duration(&args.timeout, w)?;
    if args.concurrency == Some(0) {
        return Err(w.err_concurrency_zero().into());
    }
    if args.rate == Some(0) {
        return Err(w.err_rate_zero().into());
    }
    if args.top == Some(0) {
        return Err(w.err_top_zero().into());
    }
    if config.transport.is_some_and(|t| t != Transport::Tcp) {
        return Err(w.err_scan_tcp_only().into());
    }
    let ports = match &args.ports {
        Some(spec) => parse_ports(spec).map_err(|e| e.message(w.0))?,
        None => {
            let mut p = top_ports(args.top.unwrap_or(1000));
            p.sort_unstable();
            p
        }
    };
    let targets: Vec<Hosts> = args
        .targets
        .iter()
        .map(|t| resolve_target(t))
        .collect::<Result<_, _>>()
        .map_err(|e| e.message(w.0))?;
    check_hosts(&targets, args.force).map_err(|e| e.message(w.0))?;
    let total_hosts: u128 = targets.iter().map(Hosts::len).sum();
    // Addresses are made as the scan goes: a /8 with --force takes no memory up front.
    let hosts = args
        .targets
        .iter()
        .zip(&targets)
        .flat_map(|(name, h)| h.iter().map(move |ip| (name, ip)));
    let rate = args.rate.map(|r| std::sync::Arc::new(Rate::per_second(r)));
    let opts = ScanOptions {
        timeout,
        retries: args.retries,
        concurrency: args.concurrency,
        rate: rate.clone(),
        threads: None,
    };
    let tty = std::io::stderr().is_terminal();
    let mut results: Vec<HostOut> = Vec::new();
    let mut any_open = false;
    for (i, (name, ip)) in hosts.enumerate() {
        let ip = &ip;
        let done = AtomicUsize::new(0);
        let running = AtomicBool::new(true);
        let label = if name == &ip.to_string() {
            name.clone()
        } else {
            format!("{name} ({ip})")
        };
        let progress_label = format!("host {}/{total_hosts}, {label}", i + 1);
        let scanned: HostScan = std::thread::scope(|s| {
            if tty {
                s.spawn(|| progress(&progress_label, ports.len(), &done, &running));
            }
            let r = scan_host(*ip, &ports, &opts, &done);
            running.store(false, Ordering::Relaxed);
            r
        })
        .map_err(|e| w.err_scanning(&label, &w.io_error(&e)))?;
        let detected = if args.no_detect {
            vec![None; scanned.open.len()]
        } else {
            detect_all(
                *ip,
                &scanned.open,
                timeout.max(Duration::from_millis(500)),
                rate.as_deref(),
            )
        };
        let h = HostOut {
            host: name.clone(),
            address: *ip,
            ports_scanned: ports.len(),
            open: scanned
                .open
                .iter()
                .zip(detected)
                .map(|(&p, d)| describe(p, d))
                .collect(),
            closed: scanned.closed,
            filtered: scanned.filtered,
            elapsed: scanned.elapsed.as_secs_f64(),
        };
        any_open |= !h.open.is_empty();
        // The table and JSON Lines go out host by host, and are not kept: a /8 with
        // --force runs in constant memory. JSON and CSV are one document at the end.
        let streamed = match config.format {
            Format::Jsonl => Some(host_lines(&h)),
            Format::Table | Format::Services => {
                let mut text = String::new();
                if i > 0 {
                    text.push('\n');
                }
                render(&mut text, config, std::slice::from_ref(&h));
                Some(text)
            }
            Format::Json | Format::Csv => None,
        };
        match streamed.map(|text| crate::write_stdout(&text, config.color)) {
            Some(Ok(())) => {}
            // The reader is gone (| head): scanning on would be wasted.
            Some(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            Some(Err(e)) => return Err(w.err_write_output(&w.io_error(&e))),
            None => results.push(h),
        }
    }
    render(out, config, &results);
    Ok(if any_open { FOUND } else { NOT_FOUND })
}

fn render(out: &mut String, config: &Config, hosts: &[HostOut]) {
    match config.format {
        Format::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                hosts: &'a [HostOut],
            }
            crate::render::json(out, &Out { hosts });
        }
        // Already written, host by host, while scanning.
        Format::Jsonl => {}
        Format::Csv => {
            let mut w = crate::render::csv_writer();
            let _ = w.write_record([
                "host",
                "address",
                "port",
                "state",
                "detected",
                "detected_info",
                "registry_service",
                "common_use",
                "category",
                "severity",
            ]);
            for h in hosts {
                for p in &h.open {
                    let _ = w.write_record([
                        h.host.as_str(),
                        &h.address.to_string(),
                        &p.port.to_string(),
                        p.state,
                        p.detected.as_ref().map_or("", |d| d.service),
                        p.detected
                            .as_ref()
                            .and_then(|d| d.info.as_deref())
                            .unwrap_or(""),
                        p.registry_service.unwrap_or(""),
                        &p.common_uses.join(", "),
                        p.category.as_str(),
                        p.severity.map_or("", |s| s.as_str()),
                    ]);
                }
                for f in &h.filtered {
                    let _ = w.write_record([
                        h.host.as_str(),
                        &h.address.to_string(),
                        &f.to_string(),
                        "filtered",
                        "",
                        "",
                        "",
                        "",
                        Category::of(*f).as_str(),
                        "",
                    ]);
                }
            }
            crate::render::finish_csv(out, w);
        }
        Format::Table | Format::Services => {
            let w = portdex_text::Words(config.lang);
            for (i, h) in hosts.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let label = if h.host == h.address.to_string() {
                    h.host.clone()
                } else {
                    format!("{} ({})", h.host, h.address)
                };
                // The host's line is bold when colour is on: it heads the host's table.
                let bold = anstyle::Style::new().bold();
                let label = if config.color {
                    format!("{bold}{}{bold:#}", clean(&label))
                } else {
                    clean(&label).into_owned()
                };
                let summary = w.scan_summary(
                    &label,
                    h.ports_scanned,
                    h.elapsed,
                    h.open.len(),
                    h.closed,
                    h.filtered.len(),
                );
                crate::grid::write_wrapped(out, config.width, "", &summary);
                if h.open.is_empty() {
                    continue;
                }
                let mut grid = crate::grid::Grid::<7>::with_capacity(h.open.len());
                for p in &h.open {
                    grid.cell(p.port);
                    grid.cell(w.state(p.state));
                    grid.cell(match &p.detected {
                        Some(d) => match &d.info {
                            Some(info) => format!("{} ({})", d.service, clean(info)),
                            None => d.service.to_owned(),
                        },
                        None => "-".to_owned(),
                    });
                    grid.cell(p.registry_service.unwrap_or("-"));
                    grid.cell(if p.common_uses.is_empty() {
                        "-".to_owned()
                    } else {
                        p.common_uses.join(", ")
                    });
                    grid.cell(p.category.label(config.lang));
                    grid.styled(
                        p.severity.map_or("-", |s| s.label(config.lang)),
                        p.severity.map(crate::render::severity_style),
                    );
                }
                // Hidden first when the terminal is narrow: category, registry name,
                // common use; what was detected wraps.
                grid.render(
                    out,
                    &crate::grid::Layout {
                        header: &w.scan_header(),
                        width: config.width,
                        hide: &[5, 3, 4],
                        wrap: Some(2),
                        color: config.color,
                    },
                );
                if !h.filtered.is_empty() && h.filtered.len() <= 20 {
                    let list: Vec<String> = h.filtered.iter().map(u16::to_string).collect();
                    let _ = writeln!(out, " {}: {}", w.filtered(), list.join(", "));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use portdex_registry::{all_knowledge, knowledge_at, Transport};

    /// A scanned port names every curated use of it that is not the IANA assignment,
    /// and takes the most severe note of them all, ranges included (X11 on 6010).
    #[test]
    fn a_scanned_port_shows_every_use_and_ranges_by_any_port_inside() {
        let mut bad = Vec::new();
        for k in all_knowledge().filter(|k| k.has_transport(Transport::Tcp)) {
            let r = k.ports();
            for port in [r.lo, r.lo + (r.hi - r.lo) / 2, r.hi] {
                let p = describe(port, None);
                if !k.iana_assigned() && !p.common_uses.contains(&k.name()) {
                    bad.push(format!("{port}: {} not in {:?}", k.name(), p.common_uses));
                }
                if p.severity < Some(k.severity()) {
                    bad.push(format!(
                        "{port}: severity {:?} below {}'s",
                        p.severity,
                        k.name()
                    ));
                }
                if p.common_use != p.common_uses.first().copied() {
                    bad.push(format!("{port}: common_use is not the first use"));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        // A port with several common uses lists them all.
        let shared = (0..=u16::MAX).find(|&p| {
            knowledge_at(p)
                .filter(|k| k.has_transport(Transport::Tcp) && !k.iana_assigned())
                .count()
                >= 2
        });
        if let Some(p) = shared {
            assert!(describe(p, None).common_uses.len() >= 2, "{p}");
        }
        let x11 = describe(6010, None);
        assert!(
            knowledge_at(6010).any(|k| k.ports().lo == 6000 && k.ports().hi == 6063),
            "X11's entry is the range 6000-6063"
        );
        assert!(x11.severity.is_some(), "6010 has X11's note");
    }
}
