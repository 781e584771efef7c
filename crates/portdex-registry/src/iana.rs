//! The IANA part of the registry: the tables embedded in the binary, or the rows of an
//! updated registry (`portdex update`) installed at start-up, or later by a long-running
//! process (`portdex serve`) that picks up an update. Curated knowledge is always the
//! embedded one. This crate reads no files: whoever loads an updated registry hands its
//! rows to [`install`] or [`install_compact`].
//!
//! An installed registry lives as long as the process (its text is `&'static`), and a
//! newer one replaces it for what comes after. A row handle ([`crate::Assignment`]) is an
//! index into the tables in use when it was made: a process that installs while others
//! hold handles (a server) makes them wait first ([`generation`] tells caches apart).

use crate::generated::tables::{BY_NAME, LINE_STARTS, PORTED, RANGES, RANGE_WIDEST, ROWS, SEARCH};
use crate::table::{text, Row};
use crate::types::{PortRange, Source, Status, Transport};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;

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

impl From<crate::Assignment> for RowData {
    /// A row of the registry in use, every field as it is.
    fn from(a: crate::Assignment) -> Self {
        RowData {
            name: a.name().to_owned(),
            ports: a.ports(),
            transport: a.transport(),
            status: a.status(),
            source: a.source(),
            fields: [
                a.description(),
                a.assignee(),
                a.contact(),
                a.registration_date(),
                a.modification_date(),
                a.reference(),
                a.service_code(),
                a.known_unauthorized_uses(),
                a.assignment_notes(),
            ]
            .map(str::to_owned),
        }
    }
}

/// Installed rows, laid out like the embedded tables.
struct Installed {
    rows: Vec<Row>,
    spans: Vec<(u32, u32)>,
    strings: String,
    ported: usize,
    ranges: Vec<u16>,
    /// The most ports a range row spans, minus one.
    range_widest: u16,
    by_name: Vec<u16>,
    search: String,
    line_starts: Vec<u32>,
}

/// The widest of the range rows `ranges` (indices into `rows`): hi - lo.
fn widest(rows: &[Row], ranges: &[u16]) -> u16 {
    ranges
        .iter()
        .map(|&i| {
            let r = &rows[usize::from(i)];
            r.hi - r.lo
        })
        .max()
        .unwrap_or(0)
}

/// The installed tables, once there are some (each version is kept for the process's
/// life, so that the text handed out stays valid).
static INSTALLED: RwLock<Option<&'static Installed>> = RwLock::new(None);
/// Whether anything was installed: the embedded tables need no lock.
static ANY: AtomicBool = AtomicBool::new(false);
/// How many times tables were installed.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn set(tables: Installed) {
    let tables: &'static Installed = Box::leak(Box::new(tables));
    let mut current = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    *current = Some(tables);
    ANY.store(true, Ordering::Release);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

thread_local! {
    /// The installed tables this thread last saw, and their generation: every row access
    /// asks for them, and the lock is taken only after an install.
    static SEEN: std::cell::Cell<Option<(u64, &'static Installed)>> =
        const { std::cell::Cell::new(None) };
}

/// The installed tables, if any.
fn current() -> Option<&'static Installed> {
    if !ANY.load(Ordering::Acquire) {
        return None;
    }
    let generation = GENERATION.load(Ordering::Acquire);
    SEEN.with(|seen| match seen.get() {
        Some((g, tables)) if g == generation => Some(tables),
        _ => {
            let tables = *INSTALLED.read().unwrap_or_else(|e| e.into_inner());
            // An install between the two loads is seen again on the next access.
            seen.set(tables.map(|t| (generation, t)));
            tables
        }
    })
}

/// How many times a registry was installed in this process (0: the embedded one is in
/// use). Caches of answers compare it to know they are stale.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Why rows could not be installed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstallError {
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

/// Uses `rows` instead of the registry rows in use, from now on. Row handles made
/// before point into the tables they came from: install before the first lookup, or
/// when no handle is held.
pub fn install(rows: Vec<RowData>) -> Result<(), InstallError> {
    set(build(rows)?);
    Ok(())
}

/// The tables of `rows`, laid out like the embedded ones.
fn build(mut rows: Vec<RowData>) -> Result<Installed, InstallError> {
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
    let ranges: Vec<u16> = (0..ported)
        .filter(|&i| table[i].hi > table[i].lo)
        .map(|i| i as u16)
        .collect();
    let range_widest = widest(&table, &ranges);
    let mut by_name: Vec<(String, u16)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.name.trim().is_empty())
        .map(|(i, r)| (r.name.trim().to_ascii_lowercase(), i as u16))
        .collect();
    by_name.sort();
    Ok(Installed {
        rows: table,
        spans,
        strings,
        ported,
        ranges,
        range_widest,
        by_name: by_name.into_iter().map(|(_, i)| i).collect(),
        search,
        line_starts,
    })
}

// The compact form of installed tables, for the file an update writes and every
// start-up reads: the tables as they are laid out in memory, so that loading is reading
// and checking, not building. Little-endian:
//   magic "PDXREG1\0", crc32 of everything after it,
//   counts (u32): rows, spans, strings bytes, ported rows, ranges, names, search bytes,
//   rows (lo u16, hi u16, transport u8, status u8, source u8, 0 u8, ten u32 string ids),
//   spans (offset u32, length u32), strings, ranges (u16), names (u16), search,
//   line starts (u32, one more than rows).
const MAGIC: &[u8; 8] = b"PDXREG1\0";
const ROW_BYTES: usize = 48;

/// Why a compact registry could not be read: it is damaged, truncated, or not one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Not a compact registry (or a newer format).
    #[error("not a portdex registry file (or one written by a newer portdex)")]
    NotOne,
    /// The checksum does not match: the file is damaged.
    #[error("the registry file is damaged (checksum mismatch)")]
    Checksum,
    /// The file is shorter or longer than its counts say, or a table is inconsistent.
    #[error("the registry file is inconsistent: {0}")]
    Inconsistent(&'static str),
}

/// Why a compact registry could not be installed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompactError {
    /// The bytes are not a sound compact registry.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Installing failed.
    #[error(transparent)]
    Install(#[from] InstallError),
}

impl CompactError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        match self {
            CompactError::Decode(e) => e.message(lang),
            CompactError::Install(e) => e.message(lang),
        }
    }
}

impl DecodeError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            DecodeError::NotOne => ja::not_a_registry(),
            DecodeError::Checksum => ja::registry_checksum(),
            DecodeError::Inconsistent(what) => ja::registry_inconsistent(what),
        }
    }
}

impl InstallError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        match (lang, self) {
            (portdex_text::Lang::En, _) => self.to_string(),
            (portdex_text::Lang::Ja, InstallError::TooMany(n)) => {
                portdex_text::errors_ja::too_many_rows(*n)
            }
        }
    }
}

/// The compact form of `rows`, which [`install_compact`] reads.
pub fn encode(rows: Vec<RowData>) -> Result<Vec<u8>, InstallError> {
    let t = build(rows)?;
    let mut body = Vec::with_capacity(
        t.rows.len() * ROW_BYTES + t.strings.len() + t.search.len() + t.spans.len() * 8 + 64,
    );
    for n in [
        t.rows.len(),
        t.spans.len(),
        t.strings.len(),
        t.ported,
        t.ranges.len(),
        t.by_name.len(),
        t.search.len(),
    ] {
        body.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for r in &t.rows {
        body.extend_from_slice(&r.lo.to_le_bytes());
        body.extend_from_slice(&r.hi.to_le_bytes());
        body.extend_from_slice(&[r.transport, r.status, r.source, 0]);
        for id in r.s {
            body.extend_from_slice(&id.to_le_bytes());
        }
    }
    for (off, len) in &t.spans {
        body.extend_from_slice(&off.to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
    }
    body.extend_from_slice(t.strings.as_bytes());
    for i in t.ranges.iter().chain(&t.by_name) {
        body.extend_from_slice(&i.to_le_bytes());
    }
    body.extend_from_slice(t.search.as_bytes());
    for s in &t.line_starts {
        body.extend_from_slice(&s.to_le_bytes());
    }
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads little-endian values off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError::Inconsistent("shorter than its counts say"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn text(&mut self, n: usize) -> Result<String, DecodeError> {
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| DecodeError::Inconsistent("text that is not UTF-8"))
    }
    fn index(&mut self, n: usize, rows: usize) -> Result<Vec<u16>, DecodeError> {
        let v = (0..n)
            .map(|_| self.u16())
            .collect::<Result<Vec<u16>, _>>()?;
        if v.iter().any(|&i| usize::from(i) >= rows) {
            return Err(DecodeError::Inconsistent("an index out of range"));
        }
        Ok(v)
    }
}

/// Reads the compact form [`encode`] writes, checking everything a lookup relies on,
/// so that a damaged file is an error, never a wrong answer or a panic.
fn decode(bytes: &[u8]) -> Result<Installed, DecodeError> {
    use DecodeError::Inconsistent as Bad;
    let rest = bytes.strip_prefix(MAGIC).ok_or(DecodeError::NotOne)?;
    let mut r = Reader(rest);
    let crc = r.u32()?;
    if crc32fast::hash(r.0) != crc {
        return Err(DecodeError::Checksum);
    }
    let mut counts = [0usize; 7];
    for c in &mut counts {
        *c = r.u32()? as usize;
    }
    let [n_rows, n_spans, n_strings, ported, n_ranges, n_names, n_search] = counts;
    if n_rows > usize::from(u16::MAX) || ported > n_rows || n_spans == 0 {
        return Err(Bad("counts out of range"));
    }
    if r.0.len() < n_rows * ROW_BYTES + n_spans * 8 + n_strings + n_search {
        return Err(Bad("shorter than its counts say"));
    }
    let mut rows = Vec::with_capacity(n_rows);
    for _ in 0..n_rows {
        let (lo, hi) = (r.u16()?, r.u16()?);
        let codes = r.take(4)?;
        let mut s = [0u32; 10];
        for id in &mut s {
            *id = r.u32()?;
            if *id as usize >= n_spans {
                return Err(Bad("a string id out of range"));
            }
        }
        if lo > hi || codes[0] > 4 || codes[1] > 3 || codes[2] > 1 {
            return Err(Bad("a row out of range"));
        }
        rows.push(Row {
            lo,
            hi,
            transport: codes[0],
            status: codes[1],
            source: codes[2],
            s,
        });
    }
    let mut spans = Vec::with_capacity(n_spans);
    for _ in 0..n_spans {
        spans.push((r.u32()?, r.u32()?));
    }
    let strings = r.text(n_strings)?;
    for &(off, len) in &spans {
        let (a, b) = (off as usize, off as usize + len as usize);
        if b > strings.len() || !strings.is_char_boundary(a) || !strings.is_char_boundary(b) {
            return Err(Bad("a string out of range"));
        }
    }
    let ranges = r.index(n_ranges, n_rows)?;
    let by_name = r.index(n_names, n_rows)?;
    let search = r.text(n_search)?;
    let line_starts = (0..=n_rows)
        .map(|_| r.u32())
        .collect::<Result<Vec<u32>, _>>()?;
    let ordered = line_starts.first() == Some(&0)
        && line_starts.last() == Some(&(search.len() as u32))
        && line_starts.windows(2).all(|w| w[0] < w[1])
        && line_starts[1..]
            .iter()
            .all(|&s| search.as_bytes()[s as usize - 1] == b'\n');
    if !ordered {
        return Err(Bad("search lines out of order"));
    }
    if !r.0.is_empty() {
        return Err(Bad("longer than its counts say"));
    }
    // Lookups find a port's rows by binary search: they must be in order.
    if rows[..ported].windows(2).any(|w| w[0].lo > w[1].lo) {
        return Err(Bad("rows out of order"));
    }
    let range_widest = widest(&rows, &ranges);
    Ok(Installed {
        rows,
        spans,
        strings,
        ported,
        ranges,
        range_widest,
        by_name,
        search,
        line_starts,
    })
}

/// Uses the registry in `bytes` (the compact form [`encode`] writes) instead of the
/// rows in use from now on, after checking it whole (see [`install`] on row handles).
pub fn install_compact(bytes: &[u8]) -> Result<(), CompactError> {
    set(decode(bytes)?);
    Ok(())
}

/// Whether an updated registry is in use.
pub fn installed() -> bool {
    current().is_some()
}

pub(crate) fn rows() -> &'static [Row] {
    current().map_or(&ROWS[..], |i| &i.rows)
}

/// Rows with a port come first in [`rows`]: how many.
pub(crate) fn ported() -> usize {
    current().map_or(PORTED, |i| i.ported)
}

/// The indices of rows on a range of ports.
pub(crate) fn ranges() -> &'static [u16] {
    current().map_or(&RANGES[..], |i| &i.ranges)
}

/// The most ports a range row spans, minus one.
pub(crate) fn range_widest() -> u16 {
    current().map_or(RANGE_WIDEST, |i| i.range_widest)
}

/// The indices of named rows, by lowercase name.
pub(crate) fn by_name() -> &'static [u16] {
    current().map_or(&BY_NAME[..], |i| &i.by_name)
}

/// The text of a row's string id.
pub(crate) fn row_text(id: u32) -> &'static str {
    match current() {
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
    match current() {
        Some(i) => (&i.search, &i.line_starts),
        None => (SEARCH, &LINE_STARTS[..=ROWS.len()]),
    }
}

/// The search lines of the curated entries (always the embedded ones): the text and
/// where each line starts, offsets into the returned text.
pub(crate) fn knowledge_search() -> (&'static str, &'static [u32]) {
    (SEARCH, &LINE_STARTS[ROWS.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_rows() -> Vec<RowData> {
        crate::all_assignments().map(RowData::from).collect()
    }

    #[test]
    fn the_compact_form_reads_back_as_built() {
        let rows = embedded_rows();
        let built = build(rows.clone()).unwrap();
        let bytes = encode(rows).unwrap();
        let read = decode(&bytes).unwrap();
        assert_eq!(read.rows.len(), built.rows.len());
        assert_eq!(read.strings, built.strings);
        assert_eq!(read.search, built.search);
        assert_eq!(read.line_starts, built.line_starts);
        assert_eq!(read.by_name, built.by_name);
        assert_eq!(read.ranges, built.ranges);
        assert_eq!(read.ported, built.ported);
        // The embedded tables and the installed ones agree row by row.
        assert_eq!(read.rows.len(), ROWS.len());
        assert_eq!(read.ported, PORTED);
        assert_eq!(read.ranges.len(), RANGES.len());
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let bytes = encode(embedded_rows()).unwrap();
        let mut flipped = bytes.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x40;
        assert_eq!(decode(&flipped).err(), Some(DecodeError::Checksum));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert_eq!(decode(b"garbage").err(), Some(DecodeError::NotOne));
        // Damage that keeps the checksum right (written by a broken tool, say) is
        // caught by the checks: mutate, re-checksum, decode (a small registry, so that
        // every part of the file is hit often).
        let mut rows = embedded_rows();
        rows.truncate(200);
        let bytes = encode(rows).unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = bytes.clone();
            let at = 12 + (seed as usize % (b.len() - 12));
            b[at] = (seed >> 32) as u8;
            let crc = crc32fast::hash(&b[12..]).to_le_bytes();
            b[8..12].copy_from_slice(&crc);
            let _ = decode(&b);
        }
    }
}
