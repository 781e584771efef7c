//! `portdex update`, `portdex data`, and the start-up that uses an updated registry:
//! wiring between portdex-data (fetch, check, store) and portdex-registry (install).

use crate::cli::Format;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_data::{
    diff, fetch, in_use, parse, rows_to_install, Diff, FetchOptions, IanaRow, Registry, Store,
    StoreStatus, IANA_CSV_URL,
};
use portdex_text::Words;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The data directory: `--data-dir`, else PORTDEX_DATA_DIR, else $XDG_DATA_HOME/portdex
/// (or ~/.local/share/portdex).
pub fn data_dir(flag: Option<&Path>, lang: portdex_text::Lang) -> Result<PathBuf, String> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os("PORTDEX_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    Store::default_dir().map_err(|e| e.message(lang))
}

/// Uses the registry `portdex update` stored, when there is one, for the rest of the
/// process. A damaged one is skipped with one line on stderr: the embedded registry
/// answers. Costs one failed open when nothing is stored. A short-lived command reads
/// the file where its lookups need it (`whole` false: `portdex 443` reads the index and
/// a few rows, after checking the checksum); commands that look at many ports (a
/// listing, a search, a server) read it whole up front (`whole` true).
pub fn activate(words: Words, whole: bool) {
    let Ok(dir) = data_dir(None, words.0) else {
        return;
    };
    let store = Store::new(&dir);
    let installed = if whole {
        store
            .compact()
            .map(|c| c.map(|(bytes, _)| portdex_registry::install_compact(&bytes)))
    } else {
        store
            .compact_file()
            .map(|c| c.map(|(file, _)| portdex_registry::install_file(Box::new(file))))
    };
    let why = match installed {
        Ok(None) | Ok(Some(Ok(()))) => return,
        // Another user's directory (a HOME kept across su or setpriv): as good as none.
        Err(portdex_data::LoadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            return
        }
        Ok(Some(Err(e))) => format!("{}: {}", dir.display(), e.message(words.0)),
        Err(e) => e.message(words.0),
    };
    eprintln!("{}", words.registry_damaged(&why));
}

/// "IANA's registry of DATE (N rows)".
fn describe(words: Words, r: &Registry) -> String {
    let date = r
        .newest_modification()
        .max(r.newest_registration())
        .map_or_else(|| "?".to_owned(), |d| d.to_string());
    words.registry_of(&date, r.len())
}

fn row_label(r: &IanaRow) -> String {
    let port = r.port.map_or_else(|| "-".to_owned(), |p| p.to_string());
    let transport = r.transport.map_or("", |t| t.as_str());
    let name = if r.service_name.is_empty() {
        r.description.as_str()
    } else {
        r.service_name.as_str()
    };
    let sep = if transport.is_empty() { "" } else { "/" };
    crate::text::clean(&format!("{name} {port}{sep}{transport}")).into_owned()
}

/// The rows of a diff as JSON: every row, every change, with the fields that changed.
fn diff_json(d: &Diff) -> serde_json::Value {
    let row = |r: &IanaRow| {
        serde_json::json!({
            "service": r.service_name, "port": r.port.map(|p| p.lo), "port_end": r.port.map(|p| p.hi),
            "transport": r.transport.map(|t| t.as_str()), "description": r.description,
        })
    };
    serde_json::json!({
        "added": d.added.iter().map(row).collect::<Vec<_>>(),
        "changed": d.changed.iter().map(|c| {
            let mut v = row(&c.new);
            v["fields"] = c.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().into();
            v
        }).collect::<Vec<_>>(),
        "removed": d.removed.iter().map(row).collect::<Vec<_>>(),
    })
}

/// At most this many changed rows in the table; --json lists them all.
const SHOWN: usize = 20;

fn diff_lines(out: &mut String, words: Words, d: &Diff) {
    let lines = d
        .added
        .iter()
        .map(|r| format!(" + {}", row_label(r)))
        .chain(d.changed.iter().map(|c| {
            let fields: Vec<&str> = c.fields.iter().map(|f| f.as_str()).collect();
            format!(" ~ {}: {}", row_label(&c.new), fields.join(", "))
        }))
        .chain(d.removed.iter().map(|r| format!(" - {}", row_label(r))));
    let total = d.added.len() + d.changed.len() + d.removed.len();
    for line in lines.take(SHOWN) {
        let _ = writeln!(out, "{line}");
    }
    if total > SHOWN {
        let _ = writeln!(out, " {}", words.more_changes(total - SHOWN));
    }
}

/// Options of `portdex update`.
pub struct UpdateArgs<'a> {
    pub from: Option<&'a str>,
    pub check: bool,
    pub force: bool,
    pub data_dir: Option<&'a Path>,
    pub timeout: std::time::Duration,
}

/// `portdex update`: fetch, check whole, compare, and (unless --check) store and use.
pub fn update(out: &mut String, config: &Config, args: &UpdateArgs) -> Result<u8, String> {
    let words = Words(config.lang);
    let dir = data_dir(args.data_dir, words.0)?;
    let source = args.from.unwrap_or(IANA_CSV_URL);
    let opts = FetchOptions {
        timeout: args.timeout,
        ..FetchOptions::default()
    };
    let lang = words.0;
    let unchanged = |why: String| words.err_registry_unchanged(&why);
    // The messages quote what was fetched: nothing in it may steer the terminal.
    let clean = |m: String| crate::text::clean(&m).into_owned();
    let bytes = fetch(source, &opts).map_err(|e| clean(unchanged(e.message(lang))))?;
    let new =
        parse(&bytes).map_err(|e| clean(unchanged(format!("{source}: {}", e.message(lang)))))?;
    let current = in_use();
    let changes = diff(&current, &new);
    if changes.is_suspicious() && !args.force {
        return Err(words.err_suspicious(
            source,
            changes.changed.len(),
            changes.removed.len(),
            changes.old_rows,
            portdex_data::SUSPICIOUS_PERCENT,
        ));
    }
    let what = describe(words, &new);
    let install = !args.check && !changes.is_empty();
    if install {
        let compact = portdex_registry::encode(rows_to_install(&new))
            .map_err(|e| unchanged(format!("{source}: {}", e.message(lang))))?;
        Store::new(&dir)
            .install(&bytes, &new, source, &compact)
            .map_err(|e| unchanged(e.message(lang)))?;
    }
    match config.format {
        Format::Json | Format::Jsonl => {
            let mut v = diff_json(&changes);
            v["source"] = source.into();
            v["rows"] = new.len().into();
            v["newest_modification"] = new.newest_modification().map(|d| d.to_string()).into();
            v["installed"] = install.into();
            v["data_dir"] = dir.display().to_string().into();
            crate::render::object(out, config.format, &v);
        }
        _ => {
            if changes.is_empty() {
                let _ = writeln!(out, "{}", words.up_to_date(&what));
            } else {
                let _ = writeln!(
                    out,
                    "{}",
                    words.changes(
                        &what,
                        changes.added.len(),
                        changes.changed.len(),
                        changes.removed.len()
                    )
                );
                diff_lines(out, words, &changes);
                let last = if install {
                    words.now_in_use(&dir.display().to_string())
                } else {
                    words.newer_available().to_owned()
                };
                let _ = writeln!(out, "{last}");
            }
        }
    }
    Ok(if args.check && !changes.is_empty() {
        NOT_FOUND
    } else {
        FOUND
    })
}

/// `portdex data`: which registry is in use, the embedded one's date, and the data
/// directory's state. Runs before anything is installed, so that it can tell both.
pub fn data(out: &mut String, config: &Config, flag: Option<&Path>) -> Result<u8, String> {
    let words = Words(config.lang);
    let embedded = in_use();
    let dir = data_dir(flag, words.0)?;
    let store = Store::new(&dir);
    let info = store.info();
    let updated = match (&info.status, store.compact()) {
        (StoreStatus::Intact, Ok(Some((bytes, meta)))) => {
            portdex_registry::install_compact(&bytes).map_err(|e| e.message(words.0))?;
            Some(meta)
        }
        _ => None,
    };
    let (state, damage) = match &info.status {
        StoreStatus::Empty => ("empty", None),
        StoreStatus::Intact => ("intact", None),
        StoreStatus::Damaged(e) => ("damaged", Some(e.message(words.0))),
    };
    match config.format {
        Format::Json | Format::Jsonl => {
            let v = serde_json::json!({
                "in_use": if updated.is_some() { "updated" } else { "embedded" },
                "embedded": { "rows": embedded.len(), "newest_modification": embedded.newest_modification().map(|d| d.to_string()) },
                "data_dir": dir.display().to_string(),
                "stored": info.meta,
                "state": state,
                "damage": damage,
            });
            crate::render::object(out, config.format, &v);
        }
        _ => {
            let embedded_what = describe(words, &embedded);
            let line = match &updated {
                Some(meta) => {
                    let what = words.registry_of(
                        &meta
                            .newest_modification
                            .map_or_else(|| "?".to_owned(), |d| d.to_string()),
                        meta.rows,
                    );
                    words.in_use_updated(
                        &what,
                        &crate::text::clean(&meta.source),
                        &meta.fetched_at_rfc3339(),
                    )
                }
                None => words.in_use_embedded(&embedded_what),
            };
            crate::grid::write_wrapped(out, config.width, "", &line);
            if updated.is_some() {
                let _ = writeln!(out, "{}", words.embedded_is(&embedded_what));
            }
            let mut kept = words.kept_in(&dir.display().to_string(), words.store_state(state));
            if let Some(d) = damage {
                kept.push_str(": ");
                kept.push_str(&d);
            }
            crate::grid::write_wrapped(out, config.width, "", &kept);
        }
    }
    Ok(FOUND)
}
