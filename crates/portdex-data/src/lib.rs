//! The plumbing of `portdex update`: fetch IANA's registry CSV ([`fetch`]), check that it
//! is the registry and nothing else ([`parse`]), compare it with the data in use
//! ([`diff`]) and keep it in a data directory so that an interrupted update loses
//! nothing ([`Store`]).
//!
//! Nothing here knows about terminals, progress bars or the embedded registry; the
//! binary wires them together. Every error is a typed value whose message names the bad
//! value and what would be valid.
//!
//! ```no_run
//! use portdex_data::{diff, fetch, parse, FetchOptions, Store, IANA_CSV_URL};
//!
//! let bytes = fetch(IANA_CSV_URL, &FetchOptions::default())?;
//! let registry = parse(&bytes)?;
//! let store = Store::new(Store::default_dir()?);
//! if let Some((old, _meta)) = store.load()? {
//!     let changes = diff(&old, &registry);
//!     assert!(!changes.is_suspicious(), "refuse without --force");
//! }
//! let compact = b""; // portdex_registry::encode(...) of the rows
//! store.install(&bytes, &registry, IANA_CSV_URL, compact)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod diff;
mod fetch;
mod grandfathered;
mod parse;
mod rows;
mod store;

pub use diff::{diff, Change, Diff, Field, SUSPICIOUS_PERCENT};
pub use fetch::{fetch, FetchError, FetchOptions, ProxySettings, DEFAULT_MAX_BYTES, IANA_CSV_URL};
pub use parse::{
    is_grandfathered, is_rfc6335_name, parse, CsvError, CsvErrorKind, DateError, IanaDate, IanaRow,
    Registry, FIELDS, HEADER, MIN_ROWS,
};
pub use rows::{in_use, rows_to_install, status_of};
pub use store::{
    LoadError, Meta, Store, StoreError, StoreInfo, StoreStatus, StoredFile, LOCK_FILE, META_FILE,
    META_FORMAT,
};
