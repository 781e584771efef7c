//! Lookups (`portdex 443`, `portdex ldaps`, `portdex 8000-8100`) for people, JSON, JSON
//! Lines, CSV or an /etc/services file.

use super::*;
use portdex_registry::PortRange;

/// Answers to lookups, in the configured format: each with the text asked and the query it was read as.
pub fn answers(out: &mut String, config: &Config, answers: &[(&str, &Query, Answer)]) {
    match config.format {
        Format::Json => {
            let v: Vec<AnswerJson> = answers
                .iter()
                .map(|(q, _, a)| AnswerJson::new(q, a))
                .collect();
            json(out, &v);
        }
        Format::Jsonl => {
            for (q, _, a) in answers {
                json_line(out, &AnswerJson::new(q, a));
            }
        }
        Format::Csv => csv_answers(out, config.lang, answers),
        Format::Services => {
            let _ = writeln!(
                out,
                "# portdex {}",
                answers
                    .iter()
                    .map(|(q, _, _)| *q)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            for (_, q, a) in answers {
                services_lines(out, q, a);
            }
        }
        Format::Table => {
            for (i, (q, query, a)) in answers.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                // A range is a compact table; a name or a port, full reports. The parsed
                // query says which (3com-tsmux is a name, though it starts with a digit).
                let compact = matches!(query, Query::Range(_));
                if compact {
                    compact_table(out, config, a);
                } else {
                    for (j, r) in a.reports.iter().enumerate() {
                        if j > 0 {
                            out.push('\n');
                        }
                        full_report(out, config, r);
                    }
                }
                if !a.portless.is_empty() {
                    portless(out, config, &a.portless);
                }
                if a.reports.is_empty() && a.portless.is_empty() {
                    let l = labels(config.lang);
                    let _ = writeln!(out, "{q}: {}", l.nothing);
                }
            }
        }
    }
}

fn heading(config: &Config, r: &Report) -> String {
    let cat = r.category();
    let range = cat.range();
    let l = labels(config.lang);
    format!(
        "{} {} {} {} ({}-{}, {})",
        paint(config, BOLD, l.port_word),
        paint(config, BOLD, &r.ports.to_string()),
        paint(config, DIM, "·"),
        cat.label(config.lang),
        range.lo,
        range.hi,
        cat.rfc6335_name()
    )
}

fn full_report(out: &mut String, config: &Config, r: &Report) {
    let l = labels(config.lang);
    crate::grid::write_wrapped(out, config.width, "", &heading(config, r));
    if r.assignments.is_empty() && r.knowledge.is_empty() {
        let _ = writeln!(out, " {}", l.nothing);
        return;
    }
    if !r.assignments.is_empty() {
        let merged = merge_transports(&r.assignments);
        let rows = merged.iter().map(|(transports, a)| {
            [
                plain(transports.clone()),
                plain(a.name()),
                plain(described(*a, r.ports)),
                plain(a.status().label(config.lang)),
            ]
        });
        table(
            out,
            config,
            [l.transport, l.service, l.description, l.status],
            (2, &[3]),
            rows,
        );
        // IANA's notes where they say why a port is not (or no longer) assigned, and
        // any reported unauthorized use.
        for (transports, a) in &merged {
            let mut notes = Vec::new();
            if a.status() != portdex_registry::Status::Assigned {
                notes.push(a.assignment_notes());
            }
            notes.push(a.known_unauthorized_uses());
            for note in notes.into_iter().filter(|n| !n.is_empty()) {
                let who = if a.name().is_empty() {
                    a.description()
                } else {
                    a.name()
                };
                let on = if transports == "-" {
                    String::new()
                } else {
                    format!(" [{transports}]")
                };
                let note = note.split_whitespace().collect::<Vec<_>>().join(" ");
                // Registry text (from an update too): nothing in it may steer the terminal.
                field(
                    out,
                    config,
                    l.correction,
                    &clean(&format!("{who}{on}: {note}")),
                );
            }
        }
    }
    for &k in &r.knowledge {
        knowledge(out, config, l, k);
    }
}

/// A row's description; for a range row in the report of one port, with its range
/// (`Unassigned (27018-27344)`, `X Window System (6000-6063)`): which range the port is in.
fn described(a: Assignment, here: PortRange) -> String {
    match a.ports() {
        Some(p) if p != here && p.lo != p.hi => format!("{} ({p})", a.description()),
        _ => a.description().to_owned(),
    }
}

/// Writes `label  text` with the text wrapped to the terminal, continuation lines
/// indented under the text.
fn field(out: &mut String, config: &Config, label: &str, text: &str) {
    let body_w = config
        .width
        .map(|w| w.saturating_sub(INDENT + LABEL_W).max(20));
    let lines = match body_w {
        None => vec![std::borrow::Cow::Borrowed(text)],
        Some(w) => {
            // Never split a word at a hyphen: names must stay copyable.
            let opts = textwrap::Options::new(w)
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            textwrap::wrap(text, opts)
        }
    };
    field_lines(out, config, label, &lines);
}

const INDENT: usize = 1;
const LABEL_W: usize = 14;

/// Writes `label  line` then the other lines indented under the first.
fn field_lines(out: &mut String, config: &Config, label: &str, lines: &[impl AsRef<str>]) {
    let pad = LABEL_W.saturating_sub(unicode_width::UnicodeWidthStr::width(label));
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(
                out,
                "{:INDENT$}{}{:pad$}{}",
                "",
                paint(config, DIM, label),
                "",
                line.as_ref()
            );
        } else {
            let _ = writeln!(
                out,
                "{:width$}{}",
                "",
                line.as_ref(),
                width = INDENT + LABEL_W
            );
        }
    }
}

fn knowledge(out: &mut String, config: &Config, l: &Labels, k: Knowledge) {
    let lang = config.lang;
    let (label, suffix) = if k.iana_assigned() {
        (l.use_iana, String::new())
    } else {
        (l.use_common, format!(" ({})", l.not_iana))
    };
    field(
        out,
        config,
        label,
        &format!("{} [{}]{suffix}", k.usage(lang), ports(k)),
    );
    let sev = k.severity();
    let sev_text = paint(config, severity_style(sev), sev.label(lang));
    let clear = if k.cleartext() {
        l.cleartext
    } else {
        l.encrypted
    };
    field(
        out,
        config,
        l.security,
        &format!("{sev_text} · {clear} · {}", k.risk(lang)),
    );
    if let Some(alt) = k.secure_alternative(lang) {
        field(out, config, l.secure, alt);
    }
    if let Some(note) = k.note(lang) {
        field(out, config, l.correction, note);
    }
    // URLs are never wrapped, one to a line, so that they stay clickable.
    let mut refs = vec![k.reference()];
    if k.security_reference() != k.reference() {
        refs.push(k.security_reference());
    }
    field_lines(out, config, l.reference, &refs);
}

fn compact_table(out: &mut String, config: &Config, a: &Answer) {
    let l = labels(config.lang);
    let mut rows = Vec::new();
    for r in &a.reports {
        for (transports, x) in merge_transports(&r.assignments) {
            let status = if x.status() == portdex_registry::Status::Assigned {
                ""
            } else {
                x.status().label(config.lang)
            };
            rows.push([
                plain(r.ports.to_string()),
                plain(transports),
                plain(x.name()),
                plain(x.description()),
                plain(status),
            ]);
        }
        for &k in &r.knowledge {
            let note = if k.iana_assigned() {
                k.severity().label(config.lang).to_owned()
            } else {
                format!("{}; {}", l.common_use, k.severity().label(config.lang))
            };
            rows.push([
                plain(r.ports.to_string()),
                plain(ports(k)),
                plain(k.name()),
                plain(k.usage(config.lang)),
                (note, Some(severity_style(k.severity()))),
            ]);
        }
    }
    if a.reports.is_empty() {
        let _ = writeln!(out, "{}", l.nothing);
    } else {
        port_list(out, config, rows);
    }
}

fn portless(out: &mut String, config: &Config, rows: &[Assignment]) {
    let l = labels(config.lang);
    let _ = writeln!(out, "{}", paint(config, BOLD, l.portless));
    let rows = rows
        .iter()
        .map(|&a| [plain(a.name()), plain(transport(a)), plain(a.description())]);
    table(
        out,
        config,
        [l.service, l.transport, l.description],
        (2, &[1]),
        rows,
    );
}

/// The lines of each report's ports; a range query's, only those inside the range
/// (`portdex 6050-6070` is not all of x11's 6000-6063).
fn services_lines(out: &mut String, q: &Query, a: &Answer) {
    for r in &a.reports {
        let mut ports = r.ports;
        if let Query::Range(within) = q {
            ports.lo = ports.lo.max(within.lo);
            ports.hi = ports.hi.min(within.hi);
        }
        let rows = r.assignments.iter().copied();
        let _ = portdex_registry::write_services_rows(out, rows, ports);
    }
}

const CSV_HEADER: [&str; 13] = [
    "query",
    "kind",
    "port",
    "port_end",
    "category",
    "transport",
    "service",
    "status",
    "description",
    "severity",
    "cleartext",
    "iana_assigned",
    "reference",
];

fn csv_answers(out: &mut String, lang: Lang, answers: &[(&str, &Query, Answer)]) {
    let mut w = crate::render::csv_writer();
    let _ = w.write_record(CSV_HEADER);
    for (q, _, a) in answers {
        for r in &a.reports {
            let (lo, hi, cat) = (
                r.ports.lo.to_string(),
                r.ports.hi.to_string(),
                r.category().as_str(),
            );
            if r.assignments.is_empty() && r.knowledge.is_empty() {
                let _ = w.write_record([
                    *q,
                    "none",
                    &lo,
                    &hi,
                    cat,
                    "",
                    "",
                    "unassigned",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]);
            }
            for &x in &r.assignments {
                let _ = w.write_record([
                    *q,
                    "assignment",
                    &lo,
                    &hi,
                    cat,
                    transport(x),
                    x.name(),
                    x.status().as_str(),
                    x.description(),
                    "",
                    "",
                    "true",
                    x.reference(),
                ]);
            }
            for &k in &r.knowledge {
                let _ = w.write_record([
                    *q,
                    "knowledge",
                    &lo,
                    &hi,
                    cat,
                    &ports(k),
                    k.name(),
                    "",
                    k.usage(lang),
                    k.severity().as_str(),
                    if k.cleartext() { "true" } else { "false" },
                    if k.iana_assigned() { "true" } else { "false" },
                    k.reference(),
                ]);
            }
        }
        for &x in &a.portless {
            let _ = w.write_record([
                *q,
                "assignment",
                "",
                "",
                "",
                transport(x),
                x.name(),
                x.status().as_str(),
                x.description(),
                "",
                "",
                "true",
                x.reference(),
            ]);
        }
    }
    finish_csv(out, w);
}
