//! Search results for people, JSON, JSON Lines or CSV.

use super::{finish_csv, json, json_line, paint, plain, port_list, ports, transport, DIM};
use crate::cli::Format;
use crate::Config;
use portdex_registry::{Hit, HitKind, Knowledge};
use portdex_text::labels;
use std::fmt::Write;

/// Search results, in the configured format.
pub fn search(out: &mut String, config: &Config, query: &str, hits: &[Hit], total: usize) {
    let l = labels(config.lang);
    // The search itself kept only --proto's transport, before the limit.
    // The note is the severity's identifier in CSV, its name in the language for people.
    let row = |h: &Hit, human: bool| -> [String; 5] {
        let sev = |k: Knowledge| {
            if human {
                k.severity().label(config.lang)
            } else {
                k.severity().as_str()
            }
        };
        match h.kind {
            HitKind::Assignment(a) => [
                a.ports().map_or(String::new(), |p| p.to_string()),
                transport(a).to_owned(),
                a.name().to_owned(),
                a.description().to_owned(),
                String::new(),
            ],
            HitKind::Knowledge(k) => [
                k.ports().to_string(),
                ports(k),
                k.name().to_owned(),
                k.usage(config.lang).to_owned(),
                if k.iana_assigned() {
                    sev(k).to_owned()
                } else {
                    format!("{}; {}", l.common_use, sev(k))
                },
            ],
        }
    };
    match config.format {
        Format::Json => {
            json(out, &portdex_registry::SearchJson::new(query, hits, total));
        }
        Format::Jsonl => {
            for hit in hits {
                json_line(out, &portdex_registry::HitJson::from(hit));
            }
        }
        Format::Csv => {
            let mut w = crate::render::csv_writer();
            let _ = w.write_record([
                "port",
                "transport",
                "service",
                "description",
                "note",
                "score",
            ]);
            for h in hits {
                let r = row(h, false);
                let _ = w.write_record([&r[0], &r[1], &r[2], &r[3], &r[4], &h.score.to_string()]);
            }
            finish_csv(out, w);
        }
        Format::Table | Format::Services => {
            if hits.is_empty() {
                let _ = writeln!(out, "{query}: {}", l.no_results);
                return;
            }
            let mut rows: Vec<[String; 5]> = Vec::new();
            for h in hits {
                let r = row(h, true);
                // Same port, name and text on another transport: one row, "tcp,udp".
                let same = |last: &[String; 5]| {
                    matches!(h.kind, HitKind::Assignment(_))
                        && last[0] == r[0]
                        && last[2] == r[2]
                        && last[3] == r[3]
                        && last[4] == r[4]
                };
                match rows.last_mut() {
                    Some(last) if same(last) => {
                        last[1].push(',');
                        last[1].push_str(&r[1]);
                    }
                    _ => rows.push(r),
                }
            }
            let rows = rows.into_iter().map(|r| r.map(plain));
            port_list(out, config, rows);
            if total > hits.len() {
                let _ = writeln!(
                    out,
                    "{}",
                    paint(config, DIM, &format!("… {} {}", total - hits.len(), l.more))
                );
            }
        }
    }
}
