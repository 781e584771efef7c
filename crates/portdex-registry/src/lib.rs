//! The port registry portdex answers from: every row of the IANA Service Name and
//! Transport Protocol Port Number Registry, plus curated knowledge the registry lacks
//! (common uses, security notes, English and Japanese text), embedded in the binary.
//!
//! No I/O, no start-up parsing, no unsafe: the tables are generated (`cargo xtask gen`)
//! into integer arrays over one text blob, so a lookup costs a binary search.
//!
//! ```
//! use portdex_registry::{lookup, Query, Category};
//!
//! let answer = lookup(&"443".parse().unwrap(), None);
//! let report = &answer.reports[0];
//! assert_eq!(report.category(), Category::WellKnown);
//! assert!(report.assignments.iter().any(|a| a.name() == "https"));
//!
//! // By name, aliases and curated names too: 9200 is Elasticsearch by common use only.
//! let answer = lookup(&Query::Name("elasticsearch".into()), None);
//! let k = answer.reports[0].knowledge[0];
//! assert_eq!(k.ports().lo, 9200);
//! assert!(!k.iana_assigned());
//! ```

#![forbid(unsafe_code)]

mod generated;
pub mod guide;
mod iana;
mod json;
mod search;
mod services;
mod status_rule;
mod table;
mod types;

pub use iana::{
    encode, generation, install, install_compact, install_file, installed, CompactError,
    DecodeError, InstallError, ReadAt, RowData, Verify,
};
pub use json::{AnswerJson, AssignmentJson, HitJson, KnowledgeJson, ReportJson, SearchJson};
pub use search::{search, search_transport, suggest, Hit, HitKind};
pub use services::{write_services, write_services_rows};
pub use table::{Assignment, Knowledge};
pub use types::{
    check_search, Auth, Category, Encryption, Lang, ParseError, Port, PortRange, Query, Role,
    Severity, Shown, Source, Status, Transport, MAX_NAME, MAX_SEARCH, MAX_SEARCH_WORDS,
};

use generated::tables::{KNOW, KNOW_NAMES, KNOW_RANGES};
use iana::{by_name, ported, ranges, row_count, rows, PortIndex};

/// Everything known about one port or one registered range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The port (lo == hi) or the registered range this report is about.
    pub ports: PortRange,
    /// The IANA rows, in registry order per transport.
    pub assignments: Vec<Assignment>,
    /// Curated entries: common uses and security notes.
    pub knowledge: Vec<Knowledge>,
}

impl Report {
    /// The category of the first port.
    pub fn category(&self) -> Category {
        Category::of(self.ports.lo)
    }
    /// Whether nothing is known here: the port is unassigned (no rows, or only IANA's
    /// Unassigned rows, such as the range 27011-27015) and has no common use.
    pub fn is_empty(&self) -> bool {
        self.assignments
            .iter()
            .all(|a| a.status() == Status::Unassigned)
            && self.knowledge.is_empty()
    }
    /// Whether the report holds no row and no curated entry at all.
    fn has_nothing(&self) -> bool {
        self.assignments.is_empty() && self.knowledge.is_empty()
    }
    /// The most severe security note, if any.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.knowledge.iter().map(|k| k.severity()).max()
    }
    fn retain_transport(&mut self, t: Transport) {
        self.assignments
            .retain(|a| a.transport().is_none_or(|x| x == t));
        self.knowledge.retain(|k| k.has_transport(t));
    }
}

/// The answer to a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// One report per port or range, by port.
    pub reports: Vec<Report>,
    /// For a name: rows of that name that have no port (DNS-SD service names).
    pub portless: Vec<Assignment>,
}

impl Answer {
    /// True when nothing at all was found.
    pub fn is_empty(&self) -> bool {
        self.reports.iter().all(Report::is_empty) && self.portless.is_empty()
    }
}

/// Rows whose port is exactly `port` (not ranges), as a slice of indices: the rows from
/// the first whose first port is `port` (a binary search) on while their first port is.
fn single_rows(ix: PortIndex, port: u16) -> std::ops::Range<usize> {
    let start = first_row_from(ix, port);
    let ported = ix.ported();
    let mut end = start;
    while end < ported && ix.ports_of(end).0 == port {
        end += 1;
    }
    start..end
}

/// The rows on `port` alone (not the ranges that start there).
fn single_port_rows(ix: PortIndex, port: u16) -> impl Iterator<Item = Assignment> {
    single_rows(ix, port)
        .filter(move |&i| {
            let (lo, hi) = ix.ports_of(i);
            lo == hi
        })
        .map(|i| Assignment(i as u16))
}

/// The first ported row whose first port is `port` or later (binary search on the
/// rows' first ports, which are in order).
fn first_row_from(ix: PortIndex, port: u16) -> usize {
    let (mut lo, mut hi) = (0, ix.ported());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if ix.ports_of(mid).0 < port {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Every IANA row that covers `port`: the port's own rows, then the ranges that include
/// it (x11 on 6000-6063, an Unassigned range such as 27011-27015).
pub fn assignments_at(port: u16) -> impl Iterator<Item = Assignment> {
    // Which tables, asked once: every row read below is of the same tables.
    let ix = PortIndex::current();
    let singles = single_port_rows(ix, port);
    let ranges = ix
        .ranges_near(port)
        .iter()
        .filter(move |&&i| {
            let (lo, hi) = ix.ports_of(usize::from(i));
            lo <= port && port <= hi
        })
        .map(|&i| Assignment(i));
    singles.chain(ranges)
}

/// Curated entries that cover `port`: the port's own entries, then ranges that include it.
pub fn knowledge_at(port: u16) -> impl Iterator<Item = Knowledge> {
    let start = KNOW.partition_point(|k| k.lo < port);
    let end = start + KNOW[start..].partition_point(|k| k.lo == port);
    let singles = (start..end)
        .filter(|&i| KNOW[i].hi == KNOW[i].lo)
        .map(|i| Knowledge(i as u16));
    let ranges = KNOW_RANGES
        .iter()
        .filter(move |&&i| {
            let k = &KNOW[usize::from(i)];
            k.lo <= port && port <= k.hi
        })
        .map(|&i| Knowledge(i));
    singles.chain(ranges)
}

/// Everything known about one port. Never empty of meaning: an unassigned port still
/// has its category.
///
/// ```
/// let r = portdex_registry::port_report(80);
/// let names: Vec<_> = r.assignments.iter().filter(|a| a.transport().map(|t| t.as_str()) == Some("tcp")).map(|a| a.name()).collect();
/// assert_eq!(names, ["http", "www", "www-http"]);
/// ```
pub fn port_report(port: u16) -> Report {
    Report {
        ports: PortRange::single(port),
        assignments: assignments_at(port).collect(),
        knowledge: knowledge_at(port).collect(),
    }
}

/// Reports for every port in a range that has an assignment or curated entry
/// (registered ranges inside it as their own reports).
pub fn range_reports(range: PortRange) -> Vec<Report> {
    reports_in(range, range)
}

/// The reports of [`lookup`] for a range, made a stretch of ports at a time: the same
/// reports in the same order, without holding them all (an answer for 0-65535 is about
/// 5 MB of JSON; a server streams it).
pub fn range_reports_iter(
    range: PortRange,
    transport: Option<Transport>,
) -> impl Iterator<Item = Report> + Send + 'static {
    const STRETCH: u32 = 1024;
    let mut next = u32::from(range.lo);
    let last = u32::from(range.hi);
    std::iter::from_fn(move || {
        if next > last {
            return None;
        }
        let hi = (next + STRETCH - 1).min(last);
        let stretch = PortRange {
            lo: next as u16,
            hi: hi as u16,
        };
        next = hi + 1;
        Some(reports_in(stretch, range))
    })
    .flatten()
    .filter_map(move |mut r| match transport {
        Some(t) => {
            r.retain_transport(t);
            (!r.has_nothing()).then_some(r)
        }
        None => Some(r),
    })
}

/// The reports of `whole` that fall in `stretch`: ports in the stretch, and each range
/// row in the stretch where it starts within `whole` (so that it comes once, in order).
fn reports_in(stretch: PortRange, whole: PortRange) -> Vec<Report> {
    let ported = &rows()[..ported()];
    let start = ported.partition_point(|r| r.lo < stretch.lo);
    let mut ports: Vec<u16> = ported[start..]
        .iter()
        .take_while(|r| r.lo <= stretch.hi)
        .filter(|r| r.lo == r.hi)
        .map(|r| r.lo)
        .collect();
    ports.extend(
        KNOW.iter()
            .filter(|k| k.lo == k.hi && stretch.contains(k.lo))
            .map(|k| k.lo),
    );
    ports.sort_unstable();
    ports.dedup();
    let mut reports: Vec<Report> = ports
        .into_iter()
        .map(|p| Report {
            ports: PortRange::single(p),
            assignments: single_port_rows(PortIndex::current(), p).collect(),
            knowledge: knowledge_at(p)
                .filter(|k| k.ports().lo == k.ports().hi)
                .collect(),
        })
        .collect();
    let here = |pr: PortRange| pr.overlaps(whole) && stretch.contains(pr.lo.max(whole.lo));
    for &i in ranges() {
        let r = &rows()[usize::from(i)];
        let pr = PortRange { lo: r.lo, hi: r.hi };
        if here(pr) {
            push_range_row(&mut reports, pr, Assignment(i));
        }
    }
    for &i in &KNOW_RANGES {
        let k = Knowledge(i);
        if here(k.ports()) {
            range_report(&mut reports, k.ports()).knowledge.push(k);
        }
    }
    reports.sort_by_key(|r| (r.ports.lo, r.ports.hi));
    reports
}

fn range_report(reports: &mut Vec<Report>, pr: PortRange) -> &mut Report {
    match reports.iter().position(|r| r.ports == pr) {
        Some(i) => &mut reports[i],
        None => {
            reports.push(Report {
                ports: pr,
                assignments: Vec::new(),
                knowledge: Vec::new(),
            });
            reports.last_mut().expect("just pushed")
        }
    }
}

fn push_range_row(reports: &mut Vec<Report>, pr: PortRange, a: Assignment) {
    let rep = range_report(reports, pr);
    if !rep.assignments.contains(&a) {
        rep.assignments.push(a);
    }
}

/// Rows whose service name equals `name`, ignoring ASCII case.
pub fn assignments_named(name: &str) -> impl Iterator<Item = Assignment> + '_ {
    let key = |i: &u16| Assignment(*i).name();
    let cmp = move |i: &u16| cmp_ignore_case(key(i), name);
    let start = by_name().partition_point(|i| cmp(i).is_lt());
    by_name()[start..]
        .iter()
        .take_while(move |i| cmp(i).is_eq())
        .map(|&i| Assignment(i))
}

/// Curated entries found by `name` (lowercase names and aliases).
pub fn knowledge_named(name: &str) -> impl Iterator<Item = Knowledge> + '_ {
    let cmp = move |e: &(u32, u16)| cmp_ignore_case(table::text(e.0), name);
    let start = KNOW_NAMES.partition_point(|e| cmp(e).is_lt());
    KNOW_NAMES[start..]
        .iter()
        .take_while(move |e| cmp(e).is_eq())
        .map(|e| Knowledge(e.1))
}

fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Reports for a service name: the ports of every row with that name or alias, and of
/// every curated entry known by it; rows without a port go to `portless`.
pub fn name_answer(name: &str) -> Answer {
    let mut answer = Answer::default();
    let mut singles: Vec<u16> = Vec::new();
    for a in assignments_named(name) {
        match a.ports() {
            None => answer.portless.push(a),
            Some(pr) if pr.lo == pr.hi => singles.push(pr.lo),
            Some(pr) => push_range_row(&mut answer.reports, pr, a),
        }
    }
    for k in knowledge_named(name) {
        let pr = k.ports();
        if pr.lo == pr.hi {
            singles.push(pr.lo);
        } else {
            let rep = range_report(&mut answer.reports, pr);
            if !rep.knowledge.contains(&k) {
                rep.knowledge.push(k);
            }
        }
    }
    singles.sort_unstable();
    singles.dedup();
    answer.reports.extend(singles.into_iter().map(port_report));
    answer.reports.sort_by_key(|r| (r.ports.lo, r.ports.hi));
    answer
}

/// Answers a query, optionally for one transport only.
///
/// ```
/// use portdex_registry::{lookup, Query, Transport};
/// let a = lookup(&"www".parse().unwrap(), Some(Transport::Tcp));
/// assert_eq!(a.reports[0].ports.lo, 80);
/// assert!(a.reports[0].assignments.iter().all(|x| x.transport() == Some(Transport::Tcp)));
/// ```
pub fn lookup(query: &Query, transport: Option<Transport>) -> Answer {
    let mut answer = match query {
        Query::Port(p) => Answer {
            reports: vec![port_report(*p)],
            portless: Vec::new(),
        },
        Query::Range(r) => Answer {
            reports: range_reports(*r),
            portless: Vec::new(),
        },
        Query::Name(n) => name_answer(n),
    };
    if let Some(t) = transport {
        for r in &mut answer.reports {
            r.retain_transport(t);
        }
        answer
            .portless
            .retain(|a| a.transport().is_none_or(|x| x == t));
        if !matches!(query, Query::Port(_)) {
            answer.reports.retain(|r| !r.has_nothing());
        }
    }
    answer
}

/// What portdex says of a port on one transport in one line of a table (ls, who, scan,
/// the server's listeners): one rule, here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSummary {
    /// The registry's name: the first row in IANA's order that assigns this port on
    /// this transport and has a name (reserved, unassigned and de-assigned rows do not
    /// name a port).
    pub registry_service: Option<&'static str>,
    /// A de-facto use that is not the IANA assignment (9200: elasticsearch): the first
    /// of [`common_uses`] (a port may have several: 9090 is Prometheus and Cockpit).
    pub common_use: Option<&'static str>,
    /// Well-known, registered or dynamic.
    pub category: Category,
    /// The most severe security note of the curated entries on this transport.
    pub severity: Option<Severity>,
}

/// The curated uses of a port on a transport that are not its IANA assignment, by
/// display name, in the order of [`knowledge_at`]: every one, where a port is shared.
///
/// ```
/// use portdex_registry::{common_uses, Transport};
/// assert!(common_uses(9200, Transport::Tcp).any(|n| n == "elasticsearch"));
/// ```
pub fn common_uses(port: u16, transport: Transport) -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    knowledge_at(port)
        .filter(move |k| k.has_transport(transport) && !k.iana_assigned())
        .map(|k| k.name())
        .filter(move |n| {
            let new = !seen.contains(n);
            seen.push(n);
            new
        })
}

/// The [`PortSummary`] of a port on a transport.
///
/// ```
/// use portdex_registry::{port_summary, Transport};
/// assert_eq!(port_summary(443, Transport::Tcp).registry_service, Some("https"));
/// // 2/tcp was compressnet, a row IANA has de-assigned: it names nothing now.
/// assert_ne!(port_summary(2, Transport::Tcp).registry_service, Some("compressnet"));
/// ```
pub fn port_summary(port: u16, transport: Transport) -> PortSummary {
    let known = || knowledge_at(port).filter(move |k| k.has_transport(transport));
    PortSummary {
        registry_service: registry_service(port, transport),
        common_use: common_uses(port, transport).next(),
        category: Category::of(port),
        severity: known().map(|k| k.severity()).max(),
    }
}

/// The registry's name for a port and transport: the first assigned, named row.
///
/// ```
/// use portdex_registry::{registry_service, Transport};
/// assert_eq!(registry_service(22, Transport::Tcp), Some("ssh"));
/// assert_eq!(registry_service(2, Transport::Tcp), None);
/// ```
pub fn registry_service(port: u16, transport: Transport) -> Option<&'static str> {
    assignments_at(port)
        .find(|a| {
            a.transport() == Some(transport)
                && a.status() == Status::Assigned
                && !a.name().is_empty()
        })
        .map(|a| a.name())
}

/// Rows that differ only in their transport, as one row with the transports in order:
/// the one rule for "tcp,udp" that every view of a port uses.
///
/// ```
/// use portdex_registry::{assignments_at, merge_transports, Transport};
/// let rows: Vec<_> = assignments_at(443).collect();
/// let merged = merge_transports(&rows);
/// assert_eq!(merged[0].0, [Some(Transport::Tcp), Some(Transport::Udp)]);
/// ```
pub fn merge_transports(rows: &[Assignment]) -> Vec<(Vec<Option<Transport>>, Assignment)> {
    let mut out: Vec<(Vec<Option<Transport>>, Assignment)> = Vec::new();
    for &a in rows {
        let same = |b: &Assignment| {
            b.name() == a.name()
                && b.description() == a.description()
                && b.status() == a.status()
                && b.source() == a.source()
                && b.ports() == a.ports()
        };
        match out.iter_mut().find(|(_, b)| same(b)) {
            Some((ts, _)) => ts.push(a.transport()),
            None => out.push((vec![a.transport()], a)),
        }
    }
    out
}

/// Every row of the registry, ported rows by port first, then rows without a port.
pub fn all_assignments() -> impl ExactSizeIterator<Item = Assignment> {
    (0..row_count()).map(|i| Assignment(i as u16))
}

/// Every curated entry, by port.
pub fn all_knowledge() -> impl ExactSizeIterator<Item = Knowledge> {
    (0..KNOW.len()).map(|i| Knowledge(i as u16))
}

/// How many assigned rows (with a port) each category holds.
pub fn category_counts() -> [(Category, usize); 3] {
    Category::ALL.map(|c| {
        let r = c.range();
        let n = rows()[..ported()]
            .iter()
            .filter(|row| row.status == 0 && r.contains(row.lo))
            .count();
        (c, n)
    })
}

/// One stretch of ports and how densely it is used: the cells of the port map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Stretch {
    /// First port.
    pub lo: u16,
    /// Last port.
    pub hi: u16,
    /// Ports in the stretch with at least one assigned IANA row (any transport; a
    /// registered range such as x11's 6000–6063 counts each of its ports).
    pub assigned: u32,
    /// Ports in the stretch with a curated common use.
    pub known: u32,
}

/// Splits `range` into `cells` stretches of equal width (the last one may be narrower;
/// fewer cells when the range has fewer ports) and counts in each how many ports are
/// assigned and how many have a common use. `cells` of 0 is taken as 1.
///
/// ```
/// use portdex_registry::{density, Category};
/// let map = density(Category::WellKnown.range(), 64);
/// assert_eq!(map.len(), 64);
/// assert_eq!((map[0].lo, map[0].hi), (0, 15));
/// assert!(map.iter().all(|s| s.assigned <= 16));
/// ```
pub fn density(range: PortRange, cells: u32) -> Vec<Stretch> {
    let bits = port_bits();
    let (assigned, known) = (&bits.0, &bits.1);
    let width = range.len().div_ceil(cells.clamp(1, range.len()));
    (u32::from(range.lo)..=u32::from(range.hi))
        .step_by(width as usize)
        .map(|lo| {
            let hi = (lo + width - 1).min(u32::from(range.hi));
            Stretch {
                lo: lo as u16,
                hi: hi as u16,
                assigned: count_bits(assigned, lo, hi),
                known: count_bits(known, lo, hi),
            }
        })
        .collect()
}

/// One bit per port: has an assigned IANA row; has a curated common use. Built once, on
/// the first map asked for (about 14k rows), never at start-up; again after an install.
fn port_bits() -> std::sync::Arc<([u64; 1024], [u64; 1024])> {
    type Bits = ([u64; 1024], [u64; 1024]);
    // Built again when another registry was installed since.
    static BITS: std::sync::Mutex<Option<(u64, std::sync::Arc<Bits>)>> =
        std::sync::Mutex::new(None);
    let generation = iana::generation();
    let mut cache = BITS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((g, bits)) = cache.as_ref() {
        if *g == generation {
            return bits.clone();
        }
    }
    let bits = std::sync::Arc::new(build_port_bits());
    *cache = Some((generation, bits.clone()));
    bits
}

fn build_port_bits() -> ([u64; 1024], [u64; 1024]) {
    {
        let mut assigned = [0u64; 1024];
        let mut known = [0u64; 1024];
        let mark = |bits: &mut [u64; 1024], r: PortRange| {
            for p in r.lo..=r.hi {
                bits[usize::from(p) / 64] |= 1 << (p % 64);
            }
        };
        for row in rows()[..ported()].iter().filter(|row| row.status == 0) {
            mark(
                &mut assigned,
                PortRange {
                    lo: row.lo,
                    hi: row.hi,
                },
            );
        }
        for k in all_knowledge() {
            mark(&mut known, k.ports());
        }
        (assigned, known)
    }
}

/// How many of the ports `lo..=hi` have their bit set: whole words at a time.
fn count_bits(bits: &[u64; 1024], lo: u32, hi: u32) -> u32 {
    let (first, last) = (lo as usize / 64, hi as usize / 64);
    (first..=last)
        .map(|w| {
            let mut word = bits[w];
            if w == first {
                word &= u64::MAX << (lo % 64);
            }
            if w == last {
                word &= u64::MAX >> (63 - hi % 64);
            }
            word.count_ones()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The range rows a lookup checks hold every range row that covers the port, for
    /// every port, in the order of the rows.
    #[test]
    fn ranges_near_a_port_hold_every_range_on_it() {
        let ix = PortIndex::current();
        let holds = |port: u16| {
            move |i: &u16| {
                let (lo, hi) = ix.ports_of(usize::from(*i));
                lo <= port && port <= hi
            }
        };
        let mut covered = 0;
        for port in 0..=u16::MAX {
            let want: Vec<u16> = ix.ranges().iter().copied().filter(holds(port)).collect();
            let got: Vec<u16> = ix
                .ranges_near(port)
                .iter()
                .copied()
                .filter(holds(port))
                .collect();
            assert_eq!(got, want, "{port}");
            covered += usize::from(!want.is_empty());
        }
        // Not vacuous: many ports are in some range (x11's 6000-6063, Unassigned ones).
        assert!(covered > 1000, "{covered}");
    }
}
