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
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

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

/// Installed tables: decoded whole, or read from their file as lookups need them.
#[derive(Clone, Copy)]
enum Tables {
    Full(&'static Installed),
    Lazy(&'static Lazy),
}

impl Tables {
    /// The whole tables: a lazily read registry is read whole the first time.
    fn full(self) -> &'static Installed {
        match self {
            Tables::Full(t) => t,
            Tables::Lazy(l) => l.full(),
        }
    }
    /// The whole tables when they are at hand without reading.
    fn at_hand(self) -> Result<&'static Installed, &'static Lazy> {
        match self {
            Tables::Full(t) => Ok(t),
            Tables::Lazy(l) => l.full.get().copied().ok_or(l),
        }
    }
}

/// The installed tables, once there are some (each version is kept for the process's
/// life, so that the text handed out stays valid).
static INSTALLED: RwLock<Option<Tables>> = RwLock::new(None);
/// Whether anything was installed: the embedded tables need no lock.
static ANY: AtomicBool = AtomicBool::new(false);
/// How many times tables were installed.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn set(tables: Tables) {
    let mut current = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    *current = Some(tables);
    ANY.store(true, Ordering::Release);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

thread_local! {
    /// The installed tables this thread last saw, and their generation: every row access
    /// asks for them, and the lock is taken only after an install.
    static SEEN: std::cell::Cell<Option<(u64, Tables)>> =
        const { std::cell::Cell::new(None) };
}

/// The installed tables, if any.
fn current() -> Option<Tables> {
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
    set(Tables::Full(Box::leak(Box::new(build(rows)?))));
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
// start-up reads. A lookup of one port reads a few hundred bytes of it, not all of it:
// the file starts with a small index (the ports of the rows), and rows and strings are
// read where they lie ([`install_file`]); a command that needs every row (a search, a
// range) reads it whole, once. Little-endian:
//   magic "PDXREG2\0", crc32 of everything after it,
//   counts (u32): rows, spans, strings bytes, ported rows, ranges, names, search bytes,
//   index: first port (u16) and last port (u16) of each ported row, range rows (index,
//   first port, last port: u16 each), names (u16),
//   rows (lo u16, hi u16, transport u8, status u8, source u8, 0 u8, ten u32 string ids),
//   spans (offset u32, length u32), strings, search, line starts (u32, one more than rows).
const MAGIC: &[u8; 8] = b"PDXREG2\0";
const ROW_BYTES: usize = 48;
const HEADER_BYTES: usize = 8 + 4 + 7 * 4;

/// Why a compact registry could not be read: it is damaged, truncated, or not one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Not a compact registry (or a newer format).
    #[error("not a portdex registry file (or one written by a newer portdex)")]
    NotOne,
    /// A compact registry in a form an older portdex wrote.
    #[error("the registry file was written by an older portdex")]
    Older,
    /// The checksum does not match: the file is damaged.
    #[error("the registry file is damaged (checksum mismatch)")]
    Checksum,
    /// The file is shorter or longer than its counts say, or a table is inconsistent.
    #[error("the registry file is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// Reading the file failed (the system's message).
    #[error("the registry file could not be read: {0}")]
    Read(String),
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
            DecodeError::Older => ja::registry_older(),
            DecodeError::Checksum => ja::registry_checksum(),
            DecodeError::Inconsistent(what) => ja::registry_inconsistent(what),
            DecodeError::Read(why) => ja::registry_unreadable(why),
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

/// The compact form of `rows`, which [`install_compact`] and [`install_file`] read.
pub fn encode(rows: Vec<RowData>) -> Result<Vec<u8>, InstallError> {
    let t = build(rows)?;
    let mut body = Vec::with_capacity(
        t.rows.len() * (ROW_BYTES + 8) + t.strings.len() + t.search.len() + t.spans.len() * 8,
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
    for r in &t.rows[..t.ported] {
        body.extend_from_slice(&r.lo.to_le_bytes());
        body.extend_from_slice(&r.hi.to_le_bytes());
    }
    for &i in &t.ranges {
        let r = &t.rows[usize::from(i)];
        for v in [i, r.lo, r.hi] {
            body.extend_from_slice(&v.to_le_bytes());
        }
    }
    for i in &t.by_name {
        body.extend_from_slice(&i.to_le_bytes());
    }
    for r in &t.rows {
        body.extend_from_slice(&encode_row(r));
    }
    for (off, len) in &t.spans {
        body.extend_from_slice(&off.to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
    }
    body.extend_from_slice(t.strings.as_bytes());
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

fn encode_row(r: &Row) -> [u8; ROW_BYTES] {
    let mut b = [0u8; ROW_BYTES];
    b[0..2].copy_from_slice(&r.lo.to_le_bytes());
    b[2..4].copy_from_slice(&r.hi.to_le_bytes());
    b[4..8].copy_from_slice(&[r.transport, r.status, r.source, 0]);
    for (k, id) in r.s.iter().enumerate() {
        b[8 + 4 * k..12 + 4 * k].copy_from_slice(&id.to_le_bytes());
    }
    b
}

/// One row as the file holds it; `None` when a field is out of range (`spans`: how
/// many strings there are).
fn decode_row(b: &[u8], spans: usize) -> Option<Row> {
    let u16_at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let mut s = [0u32; 10];
    for (k, id) in s.iter_mut().enumerate() {
        let at = 8 + 4 * k;
        *id = u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        if *id as usize >= spans {
            return None;
        }
    }
    let (lo, hi, transport, status, source) = (u16_at(0), u16_at(2), b[4], b[5], b[6]);
    (lo <= hi && transport <= 4 && status <= 3 && source <= 1).then_some(Row {
        lo,
        hi,
        transport,
        status,
        source,
        s,
    })
}

fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Where each part of a compact registry lies, from its counts.
#[derive(Debug, Clone, Copy)]
struct Layout {
    rows: usize,
    spans: usize,
    strings: usize,
    ported: usize,
    ranges: usize,
    names: usize,
    search: usize,
}

impl Layout {
    /// The counts at the start of a file: `head` is its first [`HEADER_BYTES`].
    fn read(head: &[u8]) -> Result<(Layout, u32), DecodeError> {
        use DecodeError::Inconsistent as Bad;
        if head.starts_with(b"PDXREG1\0") {
            return Err(DecodeError::Older);
        }
        let rest = head.strip_prefix(MAGIC).ok_or(DecodeError::NotOne)?;
        if rest.len() < 4 + 7 * 4 {
            return Err(Bad("shorter than its counts say"));
        }
        let v = u32s(&rest[..4 + 7 * 4]);
        let n = |i: usize| v[i] as usize;
        let l = Layout {
            rows: n(1),
            spans: n(2),
            strings: n(3),
            ported: n(4),
            ranges: n(5),
            names: n(6),
            search: n(7),
        };
        if l.rows > usize::from(u16::MAX) || l.ported > l.rows || l.spans == 0 {
            return Err(Bad("counts out of range"));
        }
        if l.ranges > l.ported || l.names > l.rows || l.spans > l.strings + 1 {
            return Err(Bad("counts out of range"));
        }
        Ok((l, v[0]))
    }
    fn index(&self) -> usize {
        HEADER_BYTES
    }
    fn ranges_at(&self) -> usize {
        self.index() + 4 * self.ported
    }
    fn names_at(&self) -> usize {
        self.ranges_at() + 6 * self.ranges
    }
    fn rows_at(&self) -> usize {
        self.names_at() + 2 * self.names
    }
    fn spans_at(&self) -> usize {
        self.rows_at() + ROW_BYTES * self.rows
    }
    fn strings_at(&self) -> usize {
        self.spans_at() + 8 * self.spans
    }
    fn search_at(&self) -> usize {
        self.strings_at() + self.strings
    }
    fn starts_at(&self) -> usize {
        self.search_at() + self.search
    }
    fn len(&self) -> usize {
        self.starts_at() + 4 * (self.rows + 1)
    }
}

/// The range rows, from the index at the start of the file: each one's row index,
/// first and last port, checked.
struct Ranges {
    rows: Vec<u16>,
    los: Vec<u16>,
    his: Vec<u16>,
}

impl Ranges {
    fn read(l: &Layout, b: &[u8]) -> Result<Ranges, DecodeError> {
        use DecodeError::Inconsistent as Bad;
        let v = u16s(b);
        let (mut rows, mut los, mut his) = (Vec::new(), Vec::new(), Vec::new());
        for t in v.chunks_exact(3) {
            rows.push(t[0]);
            los.push(t[1]);
            his.push(t[2]);
        }
        let sound = rows.iter().all(|&i| usize::from(i) < l.ported)
            && rows.windows(2).all(|w| w[0] < w[1])
            && los.windows(2).all(|w| w[0] <= w[1])
            && los.iter().zip(&his).all(|(lo, hi)| lo < hi);
        if !sound {
            return Err(Bad("an index out of range"));
        }
        Ok(Ranges { rows, los, his })
    }
    /// The most ports a range spans, minus one.
    fn widest(&self) -> u16 {
        self.los
            .iter()
            .zip(&self.his)
            .map(|(lo, hi)| hi - lo)
            .max()
            .unwrap_or(0)
    }
    /// The first and last port of row `i`, when it is a range row.
    fn ports_of(&self, i: usize) -> Option<(u16, u16)> {
        let at = self.rows.binary_search(&u16::try_from(i).ok()?).ok()?;
        Some((self.los[at], self.his[at]))
    }
}

/// Reads the compact form [`encode`] writes, checking everything a lookup relies on,
/// so that a damaged file is an error, never a wrong answer or a panic.
fn decode(bytes: &[u8]) -> Result<Installed, DecodeError> {
    use DecodeError::Inconsistent as Bad;
    let (l, crc) = Layout::read(&bytes[..bytes.len().min(HEADER_BYTES)])?;
    if crc32fast::hash(&bytes[12..]) != crc {
        return Err(DecodeError::Checksum);
    }
    if bytes.len() != l.len() {
        return Err(Bad("shorter or longer than its counts say"));
    }
    let ports = u16s(&bytes[l.index()..l.ranges_at()]);
    let ranges = Ranges::read(&l, &bytes[l.ranges_at()..l.names_at()])?;
    let by_name = u16s(&bytes[l.names_at()..l.rows_at()]);
    if by_name.iter().any(|&i| usize::from(i) >= l.rows) {
        return Err(Bad("an index out of range"));
    }
    let rows = bytes[l.rows_at()..l.spans_at()]
        .chunks_exact(ROW_BYTES)
        .map(|b| decode_row(b, l.spans))
        .collect::<Option<Vec<Row>>>()
        .ok_or(Bad("a row out of range"))?;
    let agrees = |(i, r): (usize, &Row)| ports[2 * i] == r.lo && ports[2 * i + 1] == r.hi;
    let range_agrees = |(k, &i): (usize, &u16)| {
        let r = &rows[usize::from(i)];
        (ranges.los[k], ranges.his[k]) == (r.lo, r.hi)
    };
    let ranged = (0..l.ported).filter(|&i| rows[i].hi > rows[i].lo).count();
    if !rows[..l.ported].iter().enumerate().all(agrees)
        || !ranges.rows.iter().enumerate().all(range_agrees)
        || ranged != ranges.rows.len()
    {
        return Err(Bad("the index disagrees with the rows"));
    }
    // Lookups find a port's rows by binary search: they must be in order.
    if rows[..l.ported].windows(2).any(|w| w[0].lo > w[1].lo) {
        return Err(Bad("rows out of order"));
    }
    let spans: Vec<(u32, u32)> = u32s(&bytes[l.spans_at()..l.strings_at()])
        .chunks_exact(2)
        .map(|s| (s[0], s[1]))
        .collect();
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| Bad("text that is not UTF-8"))
    };
    let strings = text(&bytes[l.strings_at()..l.search_at()])?;
    for &(off, len) in &spans {
        let (a, b) = (off as usize, off as usize + len as usize);
        if b > strings.len() || !strings.is_char_boundary(a) || !strings.is_char_boundary(b) {
            return Err(Bad("a string out of range"));
        }
    }
    let search = text(&bytes[l.search_at()..l.starts_at()])?;
    let line_starts = u32s(&bytes[l.starts_at()..]);
    let ordered = line_starts.first() == Some(&0)
        && line_starts.last() == Some(&(search.len() as u32))
        && line_starts.windows(2).all(|w| w[0] < w[1])
        && line_starts[1..]
            .iter()
            .all(|&s| search.as_bytes()[s as usize - 1] == b'\n');
    if !ordered {
        return Err(Bad("search lines out of order"));
    }
    let range_widest = ranges.widest();
    Ok(Installed {
        rows,
        spans,
        strings,
        ported: l.ported,
        ranges: ranges.rows,
        range_widest,
        by_name,
        search,
        line_starts,
    })
}

/// Uses the registry in `bytes` (the compact form [`encode`] writes) instead of the
/// rows in use from now on, after checking it whole (see [`install`] on row handles).
pub fn install_compact(bytes: &[u8]) -> Result<(), CompactError> {
    set(Tables::Full(Box::leak(Box::new(decode(bytes)?))));
    Ok(())
}

/// A file (or anything else) that can be read at any offset: where a registry in the
/// compact form lies. The caller opens it; this crate reads no paths.
pub trait ReadAt: Send + Sync {
    /// Fills `buf` with the bytes at `offset`, or fails (a short file is an error).
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
    /// The length in bytes.
    fn size(&self) -> std::io::Result<u64>;
}

impl ReadAt for Vec<u8> {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        match self.get(at..).and_then(|b| b.get(..buf.len())) {
            Some(b) => {
                buf.copy_from_slice(b);
                Ok(())
            }
            None => Err(std::io::ErrorKind::UnexpectedEof.into()),
        }
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.len() as u64)
    }
}

/// A registry read from its file as lookups need it, and read whole the first time
/// something needs every row.
struct Lazy {
    file: Box<dyn ReadAt>,
    layout: Layout,
    ranges: Ranges,
    range_widest: u16,
    by_name: OnceLock<Vec<u16>>,
    /// Pages of the file read so far ([`PAGE`] bytes each, by page number): a lookup's
    /// small reads (a dozen 4-byte index entries in its binary search, rows that lie
    /// side by side, their spans and strings) cost a few system calls, not one each.
    pages: Mutex<HashMap<usize, Box<[u8]>>>,
    /// Rows and strings read so far (text handed out lives as long as the process).
    rows: Mutex<HashMap<usize, Row>>,
    texts: Mutex<HashMap<u32, &'static str>>,
    full: OnceLock<&'static Installed>,
}

/// The unit [`Lazy::read`] reads small reads in.
const PAGE: usize = 4096;

impl Lazy {
    /// `len` bytes at `at`: small reads through the page cache, large ones (the whole
    /// file, the name index) straight from the file.
    fn read(&self, len: usize, at: usize) -> Option<Vec<u8>> {
        if len > PAGE || at.checked_add(len)? > self.layout.len() {
            let mut buf = vec![0; len];
            self.file.read_exact_at(&mut buf, at as u64).ok()?;
            return Some(buf);
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let mut buf = Vec::with_capacity(len);
        let mut pos = at;
        while pos < at + len {
            let n = pos / PAGE;
            let page = match pages.entry(n) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let start = n * PAGE;
                    let mut b = vec![0; PAGE.min(self.layout.len() - start)];
                    self.file.read_exact_at(&mut b, start as u64).ok()?;
                    e.insert(b.into_boxed_slice())
                }
            };
            let from = pos - n * PAGE;
            let take = (at + len - pos).min(page.len() - from);
            buf.extend_from_slice(&page[from..from + take]);
            pos += take;
        }
        Some(buf)
    }
    /// The whole tables, checked whole. Should the file have changed on disk since it
    /// was installed (someone else wrote it in place) or fail its checks, the tables are
    /// empty rather than a mix of two registries or a wrong one.
    fn full(&self) -> &'static Installed {
        self.full.get_or_init(|| {
            let whole = self
                .read(self.layout.len(), 0)
                .and_then(|b| decode(&b).ok())
                .unwrap_or_else(|| build(Vec::new()).expect("no rows fit"));
            Box::leak(Box::new(whole))
        })
    }
    /// The first and last port of ported row `i`: from the range index, or read from
    /// the file's index (a lookup's binary search reads a dozen of these).
    fn ports_of(&self, i: usize) -> (u16, u16) {
        if let Some(p) = self.ranges.ports_of(i) {
            return p;
        }
        match self.read(4, self.layout.index() + 4 * i) {
            Some(b) => (
                u16::from_le_bytes([b[0], b[1]]),
                u16::from_le_bytes([b[2], b[3]]),
            ),
            None => (0, 0),
        }
    }
    fn row(&self, i: usize) -> Row {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        *rows.entry(i).or_insert_with(|| {
            self.read(ROW_BYTES, self.layout.rows_at() + ROW_BYTES * i)
                .and_then(|b| decode_row(&b, self.layout.spans))
                .unwrap_or_default()
        })
    }
    fn text(&self, id: u32) -> &'static str {
        if id == 0 || id as usize >= self.layout.spans {
            return "";
        }
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        texts.entry(id).or_insert_with(|| {
            let span = self.read(8, self.layout.spans_at() + 8 * id as usize);
            let text = span.and_then(|s| {
                let [off, len] = [0, 4]
                    .map(|k| u32::from_le_bytes([s[k], s[k + 1], s[k + 2], s[k + 3]]) as usize);
                if off + len > self.layout.strings {
                    return None;
                }
                let b = self.read(len, self.layout.strings_at() + off)?;
                String::from_utf8(b).ok()
            });
            text.map_or("", |t| Box::leak(t.into_boxed_str()))
        })
    }
    fn by_name(&self) -> &[u16] {
        self.by_name.get_or_init(|| {
            let l = &self.layout;
            let names = self.read(2 * l.names, l.names_at()).map(|b| u16s(&b));
            match names {
                Some(v) if v.iter().all(|&i| usize::from(i) < l.rows) => v,
                _ => Vec::new(),
            }
        })
    }
}

/// How [`install_file`] makes sure a registry file is sound before it answers from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Check the checksum over the whole file (streamed through a small buffer).
    Checksum,
    /// The caller knows the file is byte for byte what was written and checked when it
    /// was installed (its size, inode and change time are those recorded then), so the
    /// checksum is not read again: a lookup then reads only the rows it shows.
    Unchanged,
}

/// Uses the registry in `file` (the compact form [`encode`] writes) instead of the
/// rows in use from now on, reading it as lookups need it: after the checksum is
/// checked over the whole file (`Verify::Checksum`), or not when the file is known
/// unchanged since it was written (`Verify::Unchanged`), the header and the range index
/// are read; rows and text are read when asked for. What a process needs every row for
/// (a search, a range, a server) reads the file whole, once, checking all of it. See
/// [`install`] on row handles.
pub fn install_file(file: Box<dyn ReadAt>, verify: Verify) -> Result<(), CompactError> {
    let io = |e: std::io::Error| DecodeError::Read(e.to_string());
    let size = file.size().map_err(io)?;
    let mut head = [0u8; HEADER_BYTES];
    let have = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .min(HEADER_BYTES);
    file.read_exact_at(&mut head[..have], 0).map_err(io)?;
    let (layout, crc) = Layout::read(&head[..have])?;
    if size != layout.len() as u64 {
        return Err(DecodeError::Inconsistent("shorter or longer than its counts say").into());
    }
    if verify == Verify::Checksum {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&head[12..]);
        let mut buf = vec![0; 64 * 1024];
        let mut at = HEADER_BYTES;
        while at < layout.len() {
            let n = buf.len().min(layout.len() - at);
            file.read_exact_at(&mut buf[..n], at as u64).map_err(io)?;
            hasher.update(&buf[..n]);
            at += n;
        }
        if hasher.finalize() != crc {
            return Err(DecodeError::Checksum.into());
        }
    }
    let mut index = vec![0; layout.names_at() - layout.ranges_at()];
    file.read_exact_at(&mut index, layout.ranges_at() as u64)
        .map_err(io)?;
    let ranges = Ranges::read(&layout, &index)?;
    let lazy = Lazy {
        file,
        layout,
        range_widest: ranges.widest(),
        ranges,
        by_name: OnceLock::new(),
        pages: Mutex::new(HashMap::new()),
        rows: Mutex::new(HashMap::new()),
        texts: Mutex::new(HashMap::new()),
        full: OnceLock::new(),
    };
    set(Tables::Lazy(Box::leak(Box::new(lazy))));
    Ok(())
}

/// Whether an updated registry is in use.
pub fn installed() -> bool {
    current().is_some()
}

/// Every row, ported rows by port first (reads a lazily installed registry whole).
pub(crate) fn rows() -> &'static [Row] {
    current().map_or(&ROWS[..], |t| &t.full().rows)
}

/// How many rows there are.
pub(crate) fn row_count() -> usize {
    match current() {
        None => ROWS.len(),
        Some(t) => match t.at_hand() {
            Ok(i) => i.rows.len(),
            Err(l) => l.layout.rows,
        },
    }
}

/// Row `i`.
pub(crate) fn row(i: usize) -> Row {
    match current() {
        None => ROWS[i],
        Some(t) => match t.at_hand() {
            Ok(full) => full.rows[i],
            Err(l) => l.row(i),
        },
    }
}

/// For each embedded range row (in RANGES' order, by first port), the last port of
/// it and of every range row before it: how far the ranges up to it reach.
fn embedded_reach() -> &'static [u16] {
    static REACH: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    REACH.get_or_init(|| {
        RANGES
            .iter()
            .scan(0u16, |reach, &i| {
                *reach = (*reach).max(ROWS[usize::from(i)].hi);
                Some(*reach)
            })
            .collect()
    })
}

/// The port index of the tables in use, taken once for the many reads of one lookup
/// (a binary search over the rows, the range rows near a port): each free function
/// here asks which tables are installed on every call.
#[derive(Clone, Copy)]
pub(crate) struct PortIndex(Index);

#[derive(Clone, Copy)]
enum Index {
    Embedded,
    Full(&'static Installed),
    Lazy(&'static Lazy),
}

impl PortIndex {
    /// The index of the tables installed now.
    pub(crate) fn current() -> PortIndex {
        PortIndex(match current() {
            None => Index::Embedded,
            Some(t) => match t.at_hand() {
                Ok(full) => Index::Full(full),
                Err(l) => Index::Lazy(l),
            },
        })
    }
    /// The first and last port of ported row `i` (`i` < [`PortIndex::ported`]).
    pub(crate) fn ports_of(self, i: usize) -> (u16, u16) {
        match self.0 {
            Index::Embedded => (ROWS[i].lo, ROWS[i].hi),
            Index::Full(full) => (full.rows[i].lo, full.rows[i].hi),
            Index::Lazy(l) => l.ports_of(i),
        }
    }
    /// Rows with a port come first: how many.
    pub(crate) fn ported(self) -> usize {
        match self.0 {
            Index::Embedded => PORTED,
            Index::Full(full) => full.ported,
            Index::Lazy(l) => l.layout.ported,
        }
    }
    /// The indices of rows on a range of ports.
    pub(crate) fn ranges(self) -> &'static [u16] {
        match self.0 {
            Index::Embedded => &RANGES[..],
            Index::Full(full) => &full.ranges,
            Index::Lazy(l) => &l.ranges.rows,
        }
    }
    /// The range rows that may hold `port`, by first port: every range row that holds
    /// it is among them (the caller checks each).
    pub(crate) fn ranges_near(self, port: u16) -> &'static [u16] {
        let all = self.ranges();
        let end = all.partition_point(|&i| self.ports_of(usize::from(i)).0 <= port);
        let start = match self.0 {
            // The embedded rows carry how far the ranges up to each one reach: the first
            // that reaches `port` starts the candidates (a row or two, where the
            // widest-range window below holds dozens).
            Index::Embedded => embedded_reach()[..end].partition_point(|&hi| hi < port),
            // The ranges are by first port, and none is wider than range_widest(): only
            // those that start between port - range_widest() and port can hold it.
            _ => {
                let from = port.saturating_sub(self.range_widest());
                all[..end].partition_point(|&i| self.ports_of(usize::from(i)).0 < from)
            }
        };
        &all[start..end]
    }
    /// The most ports a range row spans, minus one.
    pub(crate) fn range_widest(self) -> u16 {
        match self.0 {
            Index::Embedded => RANGE_WIDEST,
            Index::Full(full) => full.range_widest,
            Index::Lazy(l) => l.range_widest,
        }
    }
}

/// Rows with a port come first: how many.
pub(crate) fn ported() -> usize {
    match current() {
        None => PORTED,
        Some(t) => match t.at_hand() {
            Ok(i) => i.ported,
            Err(l) => l.layout.ported,
        },
    }
}

/// The indices of rows on a range of ports.
pub(crate) fn ranges() -> &'static [u16] {
    match current() {
        None => &RANGES[..],
        Some(t) => match t.at_hand() {
            Ok(i) => &i.ranges,
            Err(l) => &l.ranges.rows,
        },
    }
}

/// The indices of named rows, by lowercase name.
pub(crate) fn by_name() -> &'static [u16] {
    match current() {
        None => &BY_NAME[..],
        Some(t) => match t.at_hand() {
            Ok(i) => &i.by_name,
            Err(l) => l.by_name(),
        },
    }
}

/// The text of a row's string id.
pub(crate) fn row_text(id: u32) -> &'static str {
    match current() {
        None => text(id),
        Some(t) => match t.at_hand() {
            Ok(i) => {
                let (off, len) = i.spans[id as usize];
                &i.strings[off as usize..(off + len) as usize]
            }
            Err(l) => l.text(id),
        },
    }
}

/// The search lines of the rows: the text and where each line starts (one more entry
/// than rows: the end). Offsets are into the returned text.
pub(crate) fn row_search() -> (&'static str, &'static [u32]) {
    match current() {
        Some(t) => {
            let i = t.full();
            (&i.search, &i.line_starts)
        }
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
        let mut older = bytes.clone();
        older[..8].copy_from_slice(b"PDXREG1\0");
        assert_eq!(decode(&older).err(), Some(DecodeError::Older));
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
