//! `portdex guide`: the beginner's guide, with this machine's facts in it (its ephemeral
//! range, and the cleartext services the audit finds now). The words are portdex-text's
//! `guide` texts, the same the web page's /guide shows; the ports, their names and
//! uses are the registry's (`portdex_registry::guide`).

use crate::render::{plain, table, BOLD};
use crate::text::clean;
use crate::{Config, FOUND};
use anstyle::{AnsiColor, Style};
use portdex_net::{listeners, ListOptions, SocketSource};
use portdex_registry::guide::{categories_of, guide_examples, guide_ports};
use portdex_registry::{Category, PortRange};
use portdex_text::guide as g;
use portdex_text::{Guide, Words};
use std::fmt::Write;

const CLEARTEXT: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// `portdex guide`. `ephemeral` is the kernel's ephemeral range
/// ([`portdex_net::ephemeral_range`]), None when it cannot be read.
pub fn guide(
    out: &mut String,
    config: &Config,
    source: &dyn SocketSource,
    ephemeral: Option<PortRange>,
) -> Result<u8, String> {
    let t = Guide(config.lang);
    let width = config.width;
    let bold = |s: &str| {
        if config.color {
            format!("{BOLD}{s}{BOLD:#}")
        } else {
            s.to_owned()
        }
    };
    // A paragraph, wrapped, then an empty line.
    let para = |out: &mut String, text: &str| {
        crate::grid::write_wrapped(out, width, "", text);
        out.push('\n');
    };
    let heading = |out: &mut String, text: &str| {
        let _ = writeln!(out, "{}\n", bold(text));
    };
    // A command to type, indented under its habit.
    let command = |out: &mut String, text: &str| {
        let _ = writeln!(out, "     {}\n", bold(text));
    };

    heading(out, t.get(g::TITLE));
    heading(out, t.get(g::WHAT_TITLE));
    para(out, t.get(g::WHAT));
    para(out, t.get(g::WHAT_TRANSPORTS));

    heading(out, t.get(g::RANGES_TITLE));
    let ports = guide_ports();
    for category in Category::ALL {
        let r = category.range();
        let _ = writeln!(
            out,
            "{}  {}–{}",
            bold(category.label(config.lang)),
            r.lo,
            r.hi
        );
        let about = match category {
            Category::WellKnown => g::WELL_KNOWN,
            Category::Registered => g::REGISTERED,
            Category::Dynamic => g::DYNAMIC,
        };
        crate::grid::write_wrapped(out, width, "  ", t.get(about));
        let examples: Vec<String> = guide_examples(category)
            .into_iter()
            .filter_map(|p| ports.iter().find(|(q, _)| *q == p))
            // A port and its name stay on one line: joined by a no-break space when
            // the text is wrapped.
            .map(|(p, k)| {
                format!(
                    "{p}{}{}",
                    if width.is_some() { "\u{a0}" } else { " " },
                    k.name()
                )
            })
            .collect();
        if !examples.is_empty() {
            let sep = Words(config.lang).list_separator();
            let prefix = format!("  {}", t.get(g::EXAMPLES));
            crate::grid::write_wrapped(out, width, &prefix, &examples.join(sep));
        }
        out.push('\n');
    }
    match ephemeral {
        Some(eph) => {
            let mut text = t.fill(g::EPHEMERAL, &[&eph.lo, &eph.hi]);
            let shared: Vec<String> = categories_of(eph)
                .into_iter()
                .filter(|(c, _)| *c != Category::Dynamic)
                .map(|(c, part)| {
                    t.fill(
                        g::EPHEMERAL_OVERLAP,
                        &[&c.label(config.lang), &part.lo, &part.hi],
                    )
                })
                .collect();
            let space = config.lang.pick(" ", "");
            if shared.is_empty() {
                text = format!("{text}{space}{}", t.get(g::EPHEMERAL_INSIDE));
            }
            for s in shared {
                text = format!("{text}{space}{s}");
            }
            para(out, &text);
        }
        None => para(out, t.get(g::EPHEMERAL_UNKNOWN)),
    }

    heading(out, t.get(g::PORTS_TITLE));
    let rows = ports.iter().map(|(p, k)| {
        let transports: Vec<&str> = k.transports().map(|t| t.as_str()).collect();
        let encryption = if k.cleartext() {
            (t.get(g::CLEARTEXT).to_owned(), Some(CLEARTEXT))
        } else {
            plain(t.get(g::ENCRYPTED))
        };
        [
            plain(p.to_string()),
            plain(transports.join(",")),
            plain(k.name()),
            plain(k.usage(config.lang)),
            encryption,
        ]
    });
    table(out, config, t.ports_header(), (3, &[1]), rows);
    out.push('\n');
    para(out, t.get(g::PORTS_SOURCE));

    heading(out, t.get(g::HABITS_TITLE));
    para(out, t.get(g::CLOSE));
    command(out, "portdex ls --exposed");
    para(out, t.get(g::FIREWALL));
    command(out, "portdex firewall --allow ssh,https");
    para(out, t.get(g::ENCRYPT));
    command(out, "portdex audit");
    cleartext_now(out, config, source);
    Ok(FOUND)
}

/// The audit `portdex audit` runs, in-process: its cleartext findings, or that there are
/// none, and whether owners were hidden.
fn cleartext_now(out: &mut String, config: &Config, source: &dyn SocketSource) {
    let t = Guide(config.lang);
    let w = Words(config.lang);
    let snap = match listeners(source, ListOptions::default()) {
        Ok(snap) => snap,
        Err(e) => {
            let text = t.fill(g::NOT_LISTED, &[&w.io_error(&e)]);
            crate::grid::write_wrapped(out, config.width, "", &text);
            return;
        }
    };
    let report = portdex_audit::audit(&snap, &portdex_audit::AuditConfig::default(), config.lang);
    let found: Vec<&portdex_audit::Finding> =
        report.findings.iter().filter(|f| f.cleartext).collect();
    if found.is_empty() {
        crate::grid::write_wrapped(out, config.width, "", t.get(g::CLEARTEXT_NONE));
    } else {
        crate::grid::write_wrapped(out, config.width, "", t.get(g::CLEARTEXT_FOUND));
        for f in found {
            let addr = std::net::SocketAddr::new(f.address, f.port);
            let mut line = format!(
                "{} {addr} ({})",
                f.transport,
                w.exposure(f.exposure.as_str())
            );
            if let Some(s) = &f.service {
                let _ = write!(line, "  {}", clean(s));
            }
            if !f.processes.is_empty() {
                let _ = write!(line, "  {}", clean(&f.processes.join(", ")));
            }
            crate::grid::write_wrapped(out, config.width, "   - ", &line);
            let prefix = format!("     {}: ", t.get(g::FIX));
            crate::grid::write_wrapped(out, config.width, &prefix, &clean(&f.fix));
        }
    }
    if report.owners_hidden {
        out.push('\n');
        crate::grid::write_wrapped(out, config.width, "", t.get(g::OWNERS_HIDDEN));
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::Format;
    use crate::Config;
    use portdex_net::{Owners, RawSocket, SocketSource, Which};
    use portdex_registry::{Lang, Transport};

    /// A machine whose sockets cannot be listed.
    struct Unlistable;

    impl SocketSource for Unlistable {
        fn sockets(&self, _: Transport, _: Which) -> std::io::Result<Vec<RawSocket>> {
            Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
        }
        fn owners(&self, _: &[u64], _: bool) -> Owners {
            Owners::default()
        }
        fn user_name(&self, _: u32) -> Option<String> {
            None
        }
    }

    #[test]
    fn without_sockets_or_an_ephemeral_range_it_says_so() {
        for lang in [Lang::En, Lang::Ja] {
            let config = Config {
                format: Format::Table,
                lang,
                transport: None,
                width: None,
                color: false,
            };
            let mut out = String::new();
            super::guide(&mut out, &config, &Unlistable, None).unwrap();
            let t = portdex_text::Guide(lang);
            assert!(
                out.contains(t.get(portdex_text::guide::EPHEMERAL_UNKNOWN)),
                "{out}"
            );
            let listed = t.fill(portdex_text::guide::NOT_LISTED, &[&""]);
            assert!(out.contains(listed.trim_end()), "{out}");
            assert!(
                !out.contains(t.get(portdex_text::guide::CLEARTEXT_NONE)),
                "{out}"
            );
        }
    }
}
