//! What every renderer shares: styles, fitted tables, JSON and CSV writers. Lookups are
//! rendered in `lookup.rs`, search results in `search.rs`.

mod lookup;
mod search;
pub use lookup::answers;
pub use search::search;

use crate::cli::Format;
use crate::grid::{Grid, Layout};
use crate::text::clean;
use crate::Config;
use anstyle::{AnsiColor, Effects, Style};
use portdex_registry::{Answer, AnswerJson, Assignment, Knowledge, Lang, Query, Report, Severity};
use portdex_text::{labels, Labels};
use std::fmt::Write;

pub(crate) const BOLD: Style = Style::new().effects(Effects::BOLD);
const DIM: Style = Style::new().effects(Effects::DIMMED);

fn paint(config: &Config, style: Style, s: &str) -> String {
    if config.color {
        format!("{style}{s}{style:#}")
    } else {
        s.to_owned()
    }
}

/// The colour of a severity.
pub fn severity_style(s: Severity) -> Style {
    let c = match s {
        Severity::Info => AnsiColor::Green,
        Severity::Low => AnsiColor::Cyan,
        Severity::Medium => AnsiColor::Yellow,
        Severity::High | Severity::Critical => AnsiColor::Red,
    };
    let st = Style::new().fg_color(Some(c.into()));
    if s == Severity::Critical {
        st.effects(Effects::BOLD)
    } else {
        st
    }
}

/// Writes a table of rows whose column `wrap` is long text, fitted to the terminal.
pub(crate) fn table<const N: usize>(
    out: &mut String,
    config: &Config,
    header: [&str; N],
    (wrap, hide): (usize, &[usize]),
    rows: impl IntoIterator<Item = [(String, Option<Style>); N]>,
) {
    let mut grid = Grid::<N>::with_capacity(8);
    for row in rows {
        for (text, style) in row {
            grid.styled(clean(&text), style);
        }
    }
    grid.render(
        out,
        &Layout {
            header: &header,
            width: config.width,
            hide,
            wrap: Some(wrap),
            color: config.color,
        },
    );
}

/// Rows of port, transport, service, description and note (a range's ports, search
/// hits): the description wraps; the transport goes first when the terminal is narrow.
fn port_list(
    out: &mut String,
    config: &Config,
    rows: impl IntoIterator<Item = [(String, Option<Style>); 5]>,
) {
    let l = labels(config.lang);
    table(
        out,
        config,
        [l.port, l.transport, l.service, l.description, l.note],
        (3, &[1]),
        rows,
    );
}

/// A cell without a style.
pub(crate) fn plain(s: impl Into<String>) -> (String, Option<Style>) {
    (s.into(), None)
}

/// Rows that differ only in transport as one, their transports joined ("tcp,udp").
fn merge_transports(rows: &[Assignment]) -> Vec<(String, Assignment)> {
    portdex_registry::merge_transports(rows)
        .into_iter()
        .map(|(ts, a)| {
            let names: Vec<&str> = ts.iter().map(|t| t.map_or("-", |t| t.as_str())).collect();
            (names.join(","), a)
        })
        .collect()
}

fn transport(a: Assignment) -> &'static str {
    a.transport().map_or("-", |t| t.as_str())
}

fn ports(k: Knowledge) -> String {
    k.transports()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Appends a value as pretty JSON and a line end.
pub fn json(out: &mut String, value: &impl serde::Serialize) {
    out.push_str(&serde_json::to_string_pretty(value).unwrap_or_default());
    out.push('\n');
}

/// One object: pretty for `--format json`, on one line for `--format jsonl` (commands
/// whose answer is one object: who, kill, free).
pub fn object(out: &mut String, format: Format, value: &impl serde::Serialize) {
    if matches!(format, Format::Jsonl) {
        json_line(out, value);
    } else {
        json(out, value);
    }
}

/// One compact JSON object and a newline (JSON Lines).
pub fn json_line(out: &mut String, value: &impl serde::Serialize) {
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
    out.push('\n');
}

/// A CSV writer into memory; [`finish_csv`] appends what it wrote.
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

/// Appends what a [`csv_writer`] wrote.
pub fn finish_csv(out: &mut String, w: csv::Writer<Vec<u8>>) {
    out.push_str(&String::from_utf8_lossy(
        &w.into_inner().unwrap_or_default(),
    ));
}
