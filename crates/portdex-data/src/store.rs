//! The data directory where `portdex update` keeps the registry it fetched.
//!
//! Layout of the directory (`$XDG_DATA_HOME/portdex`, else `~/.local/share/portdex`):
//!
//! | file | what |
//! |---|---|
//! | `meta.json` | the [`Meta`]: which CSV file is current, its SHA-256 and size, rows, newest dates, source, time |
//! | `iana-<first 16 hex digits of its SHA-256>.csv` | IANA's CSV, byte for byte as fetched |
//! | `registry-<the same 16 hex digits>.bin` | the registry built from it in portdex's compact form, which every start-up checks (its own checksum) and reads where lookups need it (`portdex_registry::install_file`; `serve` reads it whole) |
//! | `lock` | held (`flock`, exclusive) by an install while it runs |
//! | `.tmp-*` | a file being written; left over only by an interrupted install, removed by the next |
//!
//! Crash safety: `meta.json` is the one commit point. An install writes the new CSV and
//! its compact form under their own names (a temporary file, fsync, rename, fsync of the
//! directory), then the new
//! `meta.json` the same way, and only then removes the old CSV. Whenever it stops, the
//! `meta.json` on disk names a CSV that is complete on disk: the old one before the
//! rename of `meta.json`, the new one after it. Damage after the fact (a flipped byte, a
//! truncated file) is caught by the size and SHA-256 in `meta.json`, and [`Store::load`]
//! returns an error, never a panic, so that the caller can fall back on the embedded data.
//!
//! Readers take no lock: they read `meta.json`, then the file it names. A reader that
//! races an install which just removed the file it was about to read looks once more.

use crate::parse::{parse, CsvError, IanaDate, Registry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The name of the metadata file.
pub const META_FILE: &str = "meta.json";
/// The name of the lock file.
pub const LOCK_FILE: &str = "lock";
/// The version of the metadata format that this code writes and reads.
pub const META_FORMAT: u32 = 1;
const TMP_PREFIX: &str = ".tmp-";

/// What `meta.json` says about the stored CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// [`META_FORMAT`].
    pub format: u32,
    /// The CSV's file name in the data directory.
    pub csv: String,
    /// The CSV's SHA-256, lowercase hex.
    pub sha256: String,
    /// The CSV's size in bytes.
    pub bytes: u64,
    /// The number of rows.
    pub rows: usize,
    /// The newest Registration Date of any row.
    pub newest_registration: Option<IanaDate>,
    /// The newest Modification Date of any row.
    pub newest_modification: Option<IanaDate>,
    /// The compact registry's file name in the data directory ("" when an older portdex
    /// wrote this metadata).
    #[serde(default)]
    pub compact: String,
    /// The compact registry file as it was written (size, inode, change time), so that a
    /// start-up can tell it is unchanged without reading it whole; absent when an older
    /// portdex wrote this metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compact_stamp: Option<FileStamp>,
    /// Where the CSV came from: the URL, or the file given to `--from`.
    pub source: String,
    /// When it was installed, in seconds since 1970-01-01 UTC.
    pub fetched_at_unix: u64,
}

/// What changes whenever a file is written, renamed over or replaced: its size, device
/// and inode, and its modification and change times (the change time cannot be set back
/// by users). Equal stamps mean the same bytes as when it was taken, short of a disk
/// that changes data on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Device and inode.
    pub file: [u64; 2],
    /// Modification time: seconds and nanoseconds.
    pub modified: [i64; 2],
    /// Change time: seconds and nanoseconds.
    pub changed: [i64; 2],
}

impl FileStamp {
    /// The stamp of a file's metadata; `None` where the system has no inode numbers.
    pub fn of(m: &fs::Metadata) -> Option<FileStamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileStamp {
                size: m.size(),
                file: [m.dev(), m.ino()],
                modified: [m.mtime(), m.mtime_nsec()],
                changed: [m.ctime(), m.ctime_nsec()],
            })
        }
        #[cfg(not(unix))]
        {
            let _ = m;
            None
        }
    }
}

impl Meta {
    /// [`Meta::fetched_at_unix`] as RFC 3339 in UTC (`2026-02-13T09:30:00Z`).
    pub fn fetched_at_rfc3339(&self) -> String {
        rfc3339(self.fetched_at_unix)
    }
}

/// Why [`Store::install`] (or [`Store::default_dir`]) failed. The stored data is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Neither variable that locates the data directory is set.
    #[error("no data directory: neither XDG_DATA_HOME (an absolute path) nor HOME is set; set one of them")]
    NoDataDir,
    /// Another install holds the lock.
    #[error("{lock}: another `portdex update` is running; try again when it has finished")]
    Busy {
        /// The lock file.
        lock: PathBuf,
    },
    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done (`write`, `rename`…).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl StoreError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            StoreError::NoDataDir => ja::no_data_dir(),
            StoreError::Busy { lock } => ja::store_busy(lock.display()),
            StoreError::Io { op, path, source } => format!(
                "{op} {}: {}",
                path.display(),
                portdex_text::Words(lang).io_error(source)
            ),
        }
    }
}

/// Why [`Store::load`] could not give the stored registry. The caller falls back on the
/// embedded data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// `meta.json` is not valid metadata.
    #[error("{path}: damaged metadata ({detail}); run `portdex update` again")]
    BadMeta {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The CSV named by `meta.json` is not there.
    #[error("{path} is missing; run `portdex update` again")]
    Missing {
        /// The CSV file.
        path: PathBuf,
    },
    /// The CSV has another size than `meta.json` says.
    #[error(
        "{path} has {found} bytes, {expected} expected (truncated?); run `portdex update` again"
    )]
    Size {
        /// The CSV file.
        path: PathBuf,
        /// The size in `meta.json`.
        expected: u64,
        /// The size on disk.
        found: u64,
    },
    /// The CSV's checksum does not match `meta.json`.
    #[error("{path} is damaged: SHA-256 {found}, {expected} expected; run `portdex update` again")]
    Checksum {
        /// The CSV file.
        path: PathBuf,
        /// The SHA-256 in `meta.json`.
        expected: String,
        /// The SHA-256 on disk.
        found: String,
    },
    /// The CSV matches its checksum but does not parse (edited together with `meta.json`).
    #[error("{path}: {source}")]
    Invalid {
        /// The CSV file.
        path: PathBuf,
        /// Why it does not parse.
        source: CsvError,
    },
    /// A file could not be read.
    #[error("read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl LoadError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            LoadError::BadMeta { path, detail } => ja::bad_meta(path.display(), detail),
            LoadError::Missing { path } => ja::data_missing(path.display()),
            LoadError::Size {
                path,
                expected,
                found,
            } => ja::data_size(path.display(), *found, *expected),
            LoadError::Checksum {
                path,
                expected,
                found,
            } => ja::data_checksum(path.display(), found, expected),
            LoadError::Invalid { path, source } => {
                format!("{}: {}", path.display(), source.message(lang))
            }
            LoadError::Io { path, source } => format!(
                "read {}: {}",
                path.display(),
                portdex_text::Words(lang).io_error(source)
            ),
        }
    }
}

/// The state of a data directory, for `portdex data`.
#[derive(Debug)]
pub struct StoreInfo {
    /// The data directory.
    pub dir: PathBuf,
    /// The metadata, when `meta.json` is readable (even if the CSV is damaged).
    pub meta: Option<Meta>,
    /// The CSV's path, when the metadata names one.
    pub csv_path: Option<PathBuf>,
    /// Whether the stored registry is usable.
    pub status: StoreStatus,
}

/// Whether a data directory holds a usable registry.
#[derive(Debug)]
pub enum StoreStatus {
    /// Nothing installed: the embedded data is used.
    Empty,
    /// The CSV matches its metadata and parses.
    Intact,
    /// Something is wrong; the embedded data is used.
    Damaged(LoadError),
}

/// A data directory holding a registry fetched by `portdex update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// A store in `dir` (created by the first install).
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// `$XDG_DATA_HOME/portdex` when XDG_DATA_HOME is an absolute path, else
    /// `$HOME/.local/share/portdex`; an error when neither is set.
    pub fn default_dir() -> Result<PathBuf, StoreError> {
        data_dir(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Installs a registry: `csv` must be the bytes that [`parse`] turned into
    /// `registry` (install takes only validated data); `source` is the URL or file they
    /// came from. Holds the lock while it runs; fails with [`StoreError::Busy`] when
    /// another install holds it. See the module documentation for why an interrupted
    /// install leaves the previous data intact.
    pub fn install(
        &self,
        csv: &[u8],
        registry: &Registry,
        source: &str,
        compact: &[u8],
    ) -> Result<Meta, StoreError> {
        let io = |op, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { op, path, source }
        };
        fs::create_dir_all(&self.dir).map_err(io("create", &self.dir))?;
        let _lock = self.lock()?;
        self.remove_leftovers(None);

        let sha256 = hex(&Sha256::digest(csv));
        let mut meta = Meta {
            format: META_FORMAT,
            csv: format!("iana-{}.csv", &sha256[..16]),
            compact: format!("registry-{}.bin", &sha256[..16]),
            sha256,
            bytes: csv.len() as u64,
            rows: registry.len(),
            newest_registration: registry.newest_registration(),
            newest_modification: registry.newest_modification(),
            compact_stamp: None,
            source: source.to_string(),
            fetched_at_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        self.write_atomic(&meta.csv, csv)?;
        self.write_atomic(&meta.compact, compact)?;
        // After the rename, which changes the change time on some file systems.
        meta.compact_stamp = fs::metadata(self.dir.join(&meta.compact))
            .ok()
            .as_ref()
            .and_then(FileStamp::of);
        let mut json = serde_json::to_vec_pretty(&meta).expect("Meta serializes");
        json.push(b'\n');
        self.write_atomic(META_FILE, &json)?;
        self.remove_leftovers(Some(&meta.csv));
        Ok(meta)
    }

    /// The stored registry's compact form, as [`Store::install`] wrote it, and its
    /// metadata; `None` when nothing was installed. Its own checksum is checked by
    /// whoever installs it (`portdex_registry::install_compact`). This is what commands
    /// that need every row read at start-up: no CSV parsing.
    pub fn compact(&self) -> Result<Option<(Vec<u8>, Meta)>, LoadError> {
        self.with_compact(|path| fs::read(path))
    }

    /// The stored registry's compact form opened for reading where lookups need it
    /// (`portdex_registry::install_file`), and its metadata; `None` when nothing was
    /// installed. The file stays the one opened even when an update replaces it (updates
    /// rename a new file over it, never write into it).
    pub fn compact_file(&self) -> Result<Option<(StoredFile, Meta)>, LoadError> {
        self.with_compact(StoredFile::open)
    }

    /// The compact registry `meta.json` names, opened by `open`, and the metadata;
    /// `None` when nothing was installed. An install may replace the file between
    /// reading the metadata and opening it: then the metadata is read again, once.
    fn with_compact<T>(
        &self,
        open: impl Fn(&Path) -> io::Result<T>,
    ) -> Result<Option<(T, Meta)>, LoadError> {
        for attempt in 0..2 {
            let Some(meta) = self.meta()? else {
                return Ok(None);
            };
            let path = self.dir.join(&meta.compact);
            if meta.compact.is_empty() {
                return Err(LoadError::Missing { path });
            }
            match open(&path) {
                Ok(opened) => return Ok(Some((opened, meta))),
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempt == 0 => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(LoadError::Missing { path })
                }
                Err(source) => return Err(LoadError::Io { path, source }),
            }
        }
        Ok(None)
    }

    /// The stored registry and its metadata; `None` when nothing was installed; an error
    /// when the metadata is damaged or the CSV is missing, of another size, fails its
    /// SHA-256 or does not parse.
    pub fn load(&self) -> Result<Option<(Registry, Meta)>, LoadError> {
        let Some(mut meta) = self.meta()? else {
            return Ok(None);
        };
        let bytes = match self.read_csv(&meta) {
            // An install may have replaced the CSV between our two reads: look again.
            Err(LoadError::Missing { path }) => match self.meta()? {
                Some(again) if again != meta => {
                    meta = again;
                    self.read_csv(&meta)?
                }
                _ => return Err(LoadError::Missing { path }),
            },
            other => other?,
        };
        let path = self.dir.join(&meta.csv);
        let registry = parse(&bytes).map_err(|source| LoadError::Invalid { path, source })?;
        Ok(Some((registry, meta)))
    }

    /// The state of the store: its metadata, and whether the registry is intact.
    pub fn info(&self) -> StoreInfo {
        let meta = self.meta().ok().flatten();
        let csv_path = meta.as_ref().map(|m| self.dir.join(&m.csv));
        let status = match self.load() {
            Ok(None) => StoreStatus::Empty,
            Ok(Some(_)) => StoreStatus::Intact,
            Err(e) => StoreStatus::Damaged(e),
        };
        StoreInfo {
            dir: self.dir.clone(),
            meta,
            csv_path,
            status,
        }
    }

    fn meta(&self) -> Result<Option<Meta>, LoadError> {
        let path = self.dir.join(META_FILE);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(LoadError::Io { path, source }),
        };
        let bad = |detail: String| LoadError::BadMeta {
            path: path.clone(),
            detail,
        };
        let meta: Meta = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
        if meta.format != META_FORMAT {
            return Err(bad(format!(
                "format {}, this portdex reads format {META_FORMAT}",
                meta.format
            )));
        }
        let plain = |name: &str| Path::new(name).file_name() == Some(name.as_ref());
        if !plain(&meta.csv) || !meta.csv.ends_with(".csv") || meta.csv.starts_with(TMP_PREFIX) {
            return Err(bad(format!("{:?} is not a CSV file name", meta.csv)));
        }
        let compact_ok = meta.compact.is_empty()
            || (plain(&meta.compact)
                && meta.compact.ends_with(".bin")
                && !meta.compact.starts_with(TMP_PREFIX));
        if !compact_ok {
            return Err(bad(format!(
                "{:?} is not a registry file name",
                meta.compact
            )));
        }
        Ok(Some(meta))
    }

    fn read_csv(&self, meta: &Meta) -> Result<Vec<u8>, LoadError> {
        let path = self.dir.join(&meta.csv);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::Missing { path })
            }
            Err(source) => return Err(LoadError::Io { path, source }),
        };
        if bytes.len() as u64 != meta.bytes {
            return Err(LoadError::Size {
                path,
                expected: meta.bytes,
                found: bytes.len() as u64,
            });
        }
        let found = hex(&Sha256::digest(&bytes));
        if found != meta.sha256 {
            return Err(LoadError::Checksum {
                path,
                expected: meta.sha256.clone(),
                found,
            });
        }
        Ok(bytes)
    }

    fn lock(&self) -> Result<File, StoreError> {
        let path = self.dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StoreError::Io {
                op: "open",
                path: path.clone(),
                source,
            })?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(file),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(StoreError::Busy { lock: path }),
            Err(e) => Err(StoreError::Io {
                op: "lock",
                path,
                source: e.into(),
            }),
        }
    }

    /// Writes `name` so that it is either the old file or all of `bytes`, durably.
    fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            "{TMP_PREFIX}{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let target = self.dir.join(name);
        let io = |op, path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { op, path, source }
        };
        let result = (|| {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io("create", &tmp))?;
            file.write_all(bytes).map_err(io("write", &tmp))?;
            file.sync_all().map_err(io("fsync", &tmp))?;
            fs::rename(&tmp, &target).map_err(io("rename", &target))?;
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(io("fsync", &self.dir))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Removes temporary files and, when `keep` is given, every CSV but that one.
    /// Best effort: what stays is harmless and goes next time.
    /// Removes temporary files, and with `keep` (the current CSV's name) the CSVs and
    /// compact registries of earlier installs.
    fn remove_leftovers(&self, keep: Option<&str>) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let old_csv = keep.is_some_and(|k| {
                let compact = format!("registry-{}", &k["iana-".len().min(k.len())..])
                    .replace(".csv", ".bin");
                (name != k && name.starts_with("iana-") && name.ends_with(".csv"))
                    || (name != compact && name.starts_with("registry-") && name.ends_with(".bin"))
            });
            if name.starts_with(TMP_PREFIX) || old_csv {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn data_dir(xdg: Option<OsString>, home: Option<OsString>) -> Result<PathBuf, StoreError> {
    if let Some(xdg) = xdg.map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(xdg.join("portdex"));
    }
    match home.filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/portdex")),
        None => Err(StoreError::NoDataDir),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since the epoch as RFC 3339 UTC (civil-from-days, H. Hinnant).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A stored registry file, read at offsets (`portdex_registry::ReadAt`).
#[derive(Debug)]
pub struct StoredFile {
    file: File,
    /// Its metadata when opened: one stat serves both the check that it is unchanged
    /// and its size (updates rename a new file over it, never write into it).
    stat: Option<std::fs::Metadata>,
}

impl StoredFile {
    fn open(path: &Path) -> io::Result<StoredFile> {
        let file = File::open(path)?;
        let stat = file.metadata().ok();
        Ok(StoredFile { file, stat })
    }

    /// Whether the file is the one `meta` recorded when it was written (see
    /// [`FileStamp`]): then its checksum need not be read again.
    pub fn unchanged_since(&self, meta: &Meta) -> bool {
        match (
            &meta.compact_stamp,
            self.stat.as_ref().and_then(FileStamp::of),
        ) {
            (Some(then), Some(now)) => *then == now,
            _ => false,
        }
    }
}

impl portdex_registry::ReadAt for StoredFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
        }
        #[cfg(not(unix))]
        {
            use std::io::{Read, Seek, SeekFrom};
            let mut f = &self.file;
            f.seek(SeekFrom::Start(offset))?;
            f.read_exact(buf)
        }
    }
    fn size(&self) -> io::Result<u64> {
        match &self.stat {
            Some(stat) => Ok(stat.len()),
            None => Ok(self.file.metadata()?.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_an_absolute_xdg_data_home() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(
            data_dir(s("/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/xdg/portdex")
        );
        assert_eq!(
            data_dir(s("relative"), s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/portdex")
        );
        assert_eq!(
            data_dir(None, s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/portdex")
        );
        assert!(matches!(data_dir(None, None), Err(StoreError::NoDataDir)));
        assert!(matches!(data_dir(s(""), s("")), Err(StoreError::NoDataDir)));
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_770_975_045), "2026-02-13T09:30:45Z");
    }
}
