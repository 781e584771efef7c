//! The IANA part of the registry: the tables embedded in the binary, or the rows of an
//! updated registry (`portdex update`) installed once at start-up, before any lookup.
//! Curated knowledge is always the embedded one. This crate reads no files: whoever
//! loads an updated registry hands its rows to [`install`].

use crate::generated::tables::{BY_NAME, LINE_STARTS, PORTED, RANGES, ROWS, SEARCH};
use crate::table::{text, Row};
use crate::types::{PortRange, Source, Status, Transport};
use std::sync::OnceLock;

/// One registry row to install, every field as the registry has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowData {
    /// Service name ("" when none).
    pub name: String,
    /// Port or range; None for a name without a port.
    pub ports: Option<PortRange>,
    /// Transport; None when the registry gives none.
    pub transport: Option<Transport>,
    /// Assigned, reserved, unassigned or de-assigned.
    pub status: Status,
    /// Where the row comes from.
    pub source: Source,
    /// The other fields: description, assignee, contact, registration date,
    /// modification date, reference, service code, known unauthorized uses, assignment
    /// notes.
    pub fields: [String; 9],
}

/// Installed rows, laid out like the embedded tables.
struct Installed {
    rows: Vec<Row>,
    spans: Vec<(u32, u32)>,
    strings: String,
    ported: usize,
    ranges: Vec<u16>,
    by_name: Vec<u16>,
    search: String,
    line_starts: Vec<u32>,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Why rows could not be installed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstallError {
    /// Rows were installed already (or a lookup ran first).
    #[error("an updated registry is installed already")]
    Already,
    /// More rows than the tables index.
    #[error("{0} rows are more than the registry's tables hold (65,535)")]
    TooMany(usize),
}

/// The search line of a row: its name and description, lowercase, on one line (as the
/// generator writes them).
fn search_line(name: &str, description: &str) -> String {
    let mut line = format!("{name} {description}").to_lowercase();
    line = line.replace(['\n', '\r', '\t'], " ");
    line.push('\n');
    line
}

/// Uses `rows` instead of the embedded registry rows from now on, for the whole
/// process. Call it once, before the first lookup.
pub fn install(mut rows: Vec<RowData>) -> Result<(), InstallError> {
    if rows.len() > usize::from(u16::MAX) {
        return Err(InstallError::TooMany(rows.len()));
    }
    // Rows with a port first, by port (stable: the registry's order within a port).
    rows.sort_by_key(|r| r.ports.map_or((1, 0), |p| (0, p.lo)));
    let mut strings = String::new();
    let mut spans: Vec<(u32, u32)> = vec![(0, 0)];
    let mut ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut id = |s: &str, strings: &mut String, spans: &mut Vec<(u32, u32)>| -> u32 {
        let s = s.trim();
        if s.is_empty() {
            return 0;
        }
        if let Some(&i) = ids.get(s) {
            return i;
        }
        let i = spans.len() as u32;
        spans.push((strings.len() as u32, s.len() as u32));
        strings.push_str(s);
        ids.insert(s.to_owned(), i);
        i
    };
    let mut table = Vec::with_capacity(rows.len());
    let mut search = String::new();
    let mut line_starts = Vec::with_capacity(rows.len() + 1);
    for r in &rows {
        let mut s = [0u32; 10];
        s[0] = id(&r.name, &mut strings, &mut spans);
        for (slot, f) in s[1..].iter_mut().zip(&r.fields) {
            *slot = id(f, &mut strings, &mut spans);
        }
        let (lo, hi) = r.ports.map_or((0, 0), |p| (p.lo, p.hi));
        table.push(Row {
            lo,
            hi,
            transport: r.transport.map_or(0, Transport::code),
            status: r.status.code(),
            source: r.source.code(),
            s,
        });
        line_starts.push(search.len() as u32);
        search.push_str(&search_line(r.name.trim(), r.fields[0].trim()));
    }
    line_starts.push(search.len() as u32);
    let ported = rows.iter().filter(|r| r.ports.is_some()).count();
    let ranges = (0..ported)
        .filter(|&i| table[i].hi > table[i].lo)
        .map(|i| i as u16)
        .collect();
    let mut by_name: Vec<(String, u16)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.name.trim().is_empty())
        .map(|(i, r)| (r.name.trim().to_ascii_lowercase(), i as u16))
        .collect();
    by_name.sort();
    let installed = Installed {
        rows: table,
        spans,
        strings,
        ported,
        ranges,
        by_name: by_name.into_iter().map(|(_, i)| i).collect(),
        search,
        line_starts,
    };
    INSTALLED.set(installed).map_err(|_| InstallError::Already)
}

/// Whether an updated registry is in use.
pub fn installed() -> bool {
    INSTALLED.get().is_some()
}

pub(crate) fn rows() -> &'static [Row] {
    INSTALLED.get().map_or(&ROWS[..], |i| &i.rows)
}

/// Rows with a port come first in [`rows`]: how many.
pub(crate) fn ported() -> usize {
    INSTALLED.get().map_or(PORTED, |i| i.ported)
}

/// The indices of rows on a range of ports.
pub(crate) fn ranges() -> &'static [u16] {
    INSTALLED.get().map_or(&RANGES[..], |i| &i.ranges)
}

/// The indices of named rows, by lowercase name.
pub(crate) fn by_name() -> &'static [u16] {
    INSTALLED.get().map_or(&BY_NAME[..], |i| &i.by_name)
}

/// The text of a row's string id.
pub(crate) fn row_text(id: u32) -> &'static str {
    match INSTALLED.get() {
        None => text(id),
        Some(i) => {
            let (off, len) = i.spans[id as usize];
            &i.strings[off as usize..(off + len) as usize]
        }
    }
}

/// The search lines of the rows: the text and where each line starts (one more entry
/// than rows: the end). Offsets are into the returned text.
pub(crate) fn row_search() -> (&'static str, &'static [u32]) {
    match INSTALLED.get() {
        Some(i) => (&i.search, &i.line_starts),
        None => (SEARCH, &LINE_STARTS[..=ROWS.len()]),
    }
}

/// The search lines of the curated entries (always the embedded ones): the text and
/// where each line starts, offsets into the returned text.
pub(crate) fn knowledge_search() -> (&'static str, &'static [u32]) {
    (SEARCH, &LINE_STARTS[ROWS.len()..])
}
