//! The data directory: install, load, damage, interrupted writes, concurrent updates.

mod common;

use common::{bundled, bundled_with};
use portdex_data::{parse, LoadError, Store, StoreError, StoreStatus, LOCK_FILE, META_FILE};
use std::fs;
use std::path::Path;

const SHA256: &str = "361899a76482379959543892e489689a45f676feba5988f7d4d369517da5bbad";

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// A store holding the bundled CSV.
fn installed() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().join("portdex"));
    let bytes = bundled();
    store
        .install(
            &bytes,
            &parse(&bytes).unwrap(),
            "https://example.test/iana.csv",
            b"compact",
        )
        .unwrap();
    (tmp, store)
}

#[test]
fn install_then_load_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().join("portdex"));
    assert!(store.load().unwrap().is_none(), "nothing stored yet");
    assert!(matches!(store.info().status, StoreStatus::Empty));

    let bytes = bundled();
    let registry = parse(&bytes).unwrap();
    let meta = store
        .install(&bytes, &registry, "/tmp/iana.csv", b"compact")
        .unwrap();
    assert_eq!(meta.sha256, SHA256);
    assert_eq!(meta.csv, format!("iana-{}.csv", &SHA256[..16]));
    assert_eq!(meta.rows, 14_499);
    assert_eq!(meta.bytes, bytes.len() as u64);
    assert_eq!(meta.newest_modification.unwrap().to_string(), "2026-02-13");
    assert_eq!(meta.source, "/tmp/iana.csv");

    let (loaded, loaded_meta) = store.load().unwrap().unwrap();
    assert_eq!(loaded, registry);
    assert_eq!(loaded_meta, meta);
    assert_eq!(
        fs::read(store.dir().join(&meta.csv)).unwrap(),
        bytes,
        "byte for byte"
    );
    assert_eq!(
        names(store.dir()),
        [&meta.csv, LOCK_FILE, META_FILE, &meta.compact]
    );
    assert_eq!(meta.compact, format!("registry-{}.bin", &SHA256[..16]));
    let (compact, _) = store.compact().unwrap().unwrap();
    assert_eq!(compact, b"compact", "the compact registry as given");

    let info = store.info();
    assert!(matches!(info.status, StoreStatus::Intact));
    assert_eq!(info.csv_path, Some(store.dir().join(&meta.csv)));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(store.dir().join(META_FILE)).unwrap()).unwrap();
    assert_eq!(json["sha256"], SHA256);
    assert_eq!(json["newest_registration"], "2025-10-30");
}

#[test]
fn a_flipped_byte_is_detected() {
    let (_tmp, store) = installed();
    let meta = store.load().unwrap().unwrap().1;
    let path = store.dir().join(&meta.csv);
    let mut bytes = fs::read(&path).unwrap();
    bytes[500_000] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    let err = store.load().unwrap_err();
    assert!(matches!(err, LoadError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("is damaged: SHA-256"), "{err}");
    let info = store.info();
    assert!(matches!(
        info.status,
        StoreStatus::Damaged(LoadError::Checksum { .. })
    ));
    assert_eq!(info.meta, Some(meta), "the metadata is still shown");
}

#[test]
fn truncation_missing_files_and_bad_metadata_are_errors_not_panics() {
    let (_tmp, store) = installed();
    let meta = store.load().unwrap().unwrap().1;
    let csv = store.dir().join(&meta.csv);
    let bytes = fs::read(&csv).unwrap();

    fs::write(&csv, &bytes[..1000]).unwrap();
    assert!(matches!(
        store.load(),
        Err(LoadError::Size { found: 1000, .. })
    ));

    fs::remove_file(&csv).unwrap();
    assert!(matches!(store.load(), Err(LoadError::Missing { .. })));
    fs::write(&csv, &bytes).unwrap();

    let meta_path = store.dir().join(META_FILE);
    let good = fs::read(&meta_path).unwrap();
    for bad in [
        &b"{\"format\": 1"[..],
        b"",
        b"\xff\xfe",
        b"[]",
        &String::from_utf8(good.clone())
            .unwrap()
            .replace(&meta.csv, "../../etc/passwd.csv")
            .into_bytes(),
        &String::from_utf8(good.clone())
            .unwrap()
            .replace("\"format\": 1", "\"format\": 99")
            .into_bytes(),
    ] {
        fs::write(&meta_path, bad).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, LoadError::BadMeta { .. }), "{err}");
    }
    fs::write(&meta_path, good).unwrap();
    assert!(store.load().unwrap().is_some());
}

#[test]
fn a_leftover_temporary_file_is_ignored_then_cleaned() {
    let (_tmp, store) = installed();
    // An install killed while writing its CSV leaves this behind.
    let leftover = store.dir().join(".tmp-4242-0-iana-0123456789abcdef.csv");
    fs::write(&leftover, &bundled()[..300_000]).unwrap();
    let (registry, _) = store.load().unwrap().unwrap();
    assert_eq!(registry.len(), 14_499);

    let bytes = bundled();
    store
        .install(&bytes, &registry, "again", b"compact")
        .unwrap();
    assert!(!leftover.exists(), "the next install removes it");
}

#[test]
fn an_install_interrupted_before_its_metadata_keeps_the_previous_data() {
    let (_tmp, store) = installed();
    let before = store.load().unwrap().unwrap();
    // The state after a crash between writing the new CSV and writing meta.json: the
    // new CSV is complete under its own name, meta.json still names the old one.
    let newer = bundled_with(",PostgreSQL Database,", ",PostgreSQL,");
    fs::write(store.dir().join("iana-00000000deadbeef.csv"), &newer).unwrap();
    assert_eq!(store.load().unwrap().unwrap(), before);

    // The next install completes and removes every other CSV and compact registry.
    let meta = store
        .install(&newer, &parse(&newer).unwrap(), "new", b"compact")
        .unwrap();
    assert_eq!(
        names(store.dir()),
        [&meta.csv, LOCK_FILE, META_FILE, &meta.compact]
    );
    let (registry, _) = store.load().unwrap().unwrap();
    assert!(registry
        .rows()
        .iter()
        .any(|r| r.description == "PostgreSQL"));
}

#[test]
fn a_failed_parse_leaves_the_store_untouched() {
    let (_tmp, store) = installed();
    let listing = names(store.dir());
    let meta_json = fs::read(store.dir().join(META_FILE)).unwrap();

    // What `portdex update` does: parse, and install only what parsed.
    let broken = bundled_with("\nhttp,80,tcp,", "\nhttp,80,tcp,\"");
    let result = parse(&broken).map(|r| store.install(&broken, &r, "broken", b"compact"));
    assert!(result.is_err());

    assert_eq!(names(store.dir()), listing);
    assert_eq!(fs::read(store.dir().join(META_FILE)).unwrap(), meta_json);
    assert_eq!(store.load().unwrap().unwrap().0.len(), 14_499);
}

#[test]
fn a_second_concurrent_install_fails_clearly() {
    let (_tmp, store) = installed();
    // Another update holding the lock (flock locks belong to the open file, so a second
    // open in this process conflicts like another process would).
    let held = fs::File::open(store.dir().join(LOCK_FILE)).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();

    let bytes = bundled();
    let err = store
        .install(&bytes, &parse(&bytes).unwrap(), "second", b"compact")
        .unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("another `portdex update` is running"),
        "{err}"
    );

    drop(held);
    store
        .install(&bytes, &parse(&bytes).unwrap(), "after", b"compact")
        .unwrap();
    assert_eq!(store.load().unwrap().unwrap().1.source, "after");
}

#[test]
fn the_compact_file_is_unchanged_until_it_is_written_again() {
    let (_dir, store) = installed();
    let (file, meta) = store.compact_file().unwrap().unwrap();
    assert!(meta.compact_stamp.is_some());
    assert!(file.unchanged_since(&meta), "just installed");
    // The same bytes written again (a copy back, an editor's save) are a new file.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let path = store.dir().join(&meta.compact);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let (file, meta) = store.compact_file().unwrap().unwrap();
    assert!(!file.unchanged_since(&meta), "written again");
    // Metadata from a portdex that recorded no stamp: never taken as unchanged.
    let mut old = meta.clone();
    old.compact_stamp = None;
    assert!(!file.unchanged_since(&old));
}
