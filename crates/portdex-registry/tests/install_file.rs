//! An updated registry read from its file where lookups need it (`install_file`)
//! answers exactly as the rows it was built from, reads a small part of the file for one
//! port, and reads the rest only when something needs every row. (Its own test binary:
//! the installed rows are the process's from then on.)

use portdex_registry::{
    all_assignments, assignments_at, assignments_named, encode, install_file, installed, lookup,
    search, CompactError, DecodeError, PortRange, Query, ReadAt, RowData, Status, Transport,
    Verify,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A file in memory that counts the bytes read from it, and the reads (each one a
/// system call on a real file).
struct Counted {
    bytes: Vec<u8>,
    read: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
}

impl ReadAt for Counted {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        self.read.fetch_add(buf.len(), Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.bytes.read_exact_at(buf, offset)
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.bytes.len() as u64)
    }
}

/// A file that cannot be read.
struct Broken;

impl ReadAt for Broken {
    fn read_exact_at(&self, _: &mut [u8], _: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("input/output error"))
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(1 << 20)
    }
}

/// What a row says, to compare answers by.
fn said(r: &RowData) -> (String, Option<Transport>, String, String) {
    (
        r.name.clone(),
        r.transport,
        r.fields[0].clone(),
        r.fields[5].clone(),
    )
}

#[test]
fn a_registry_read_where_needed_answers_as_its_rows() {
    let mut rows: Vec<RowData> = all_assignments().map(RowData::from).collect();
    let https = rows
        .iter_mut()
        .find(|r| r.name == "https" && r.transport == Some(Transport::Tcp))
        .unwrap();
    https.fields[0] = "HTTP over TLS, as updated".to_owned();
    let mut added = rows[0].clone();
    added.name = "portdex-lazy".to_owned();
    added.ports = Some(PortRange {
        lo: 47001,
        hi: 47003,
    });
    added.transport = Some(Transport::Udp);
    added.status = Status::Assigned;
    added.fields[0] = "A row only the update has".to_owned();
    rows.push(added);
    rows.retain(|r| r.name != "kerberos");
    let bytes = encode(rows.clone()).unwrap();

    // Damage is an error at install, never a panic, and installs nothing.
    let mut flipped = bytes.clone();
    let at = flipped.len() - 1000;
    flipped[at] ^= 0x20;
    assert_eq!(
        install_file(Box::new(flipped), Verify::Checksum).err(),
        Some(CompactError::Decode(DecodeError::Checksum))
    );
    assert!(install_file(
        Box::new(bytes[..bytes.len() - 7].to_vec()),
        Verify::Checksum
    )
    .is_err());
    assert!(install_file(Box::new(bytes[..30].to_vec()), Verify::Unchanged).is_err());
    assert_eq!(
        install_file(
            Box::new(b"<html>captive portal</html>".to_vec()),
            Verify::Unchanged
        )
        .err(),
        Some(CompactError::Decode(DecodeError::NotOne))
    );
    assert!(matches!(
        install_file(Box::new(Broken), Verify::Checksum),
        Err(CompactError::Decode(DecodeError::Read(_)))
    ));
    assert!(!installed());

    // A damaged file that its owner vouches for is still no panic: garbage rows read
    // as empty ones (a scratch install, replaced below).
    let mut scribbled = bytes.clone();
    for b in scribbled[bytes.len() / 3..bytes.len() / 3 + 4096].iter_mut() {
        *b = 0xff;
    }
    if install_file(Box::new(scribbled), Verify::Unchanged).is_ok() {
        for port in [0, 443, 8080, 27017, 65535] {
            for a in assignments_at(port) {
                let _ = (a.name(), a.description());
            }
        }
    }

    // Vouched for as unchanged: the header and the range index, nothing more.
    let read = Arc::new(AtomicUsize::new(0));
    let size = bytes.len();
    install_file(
        Box::new(Counted {
            bytes: bytes.clone(),
            read: read.clone(),
            calls: Arc::default(),
        }),
        Verify::Unchanged,
    )
    .unwrap();
    assert!(read.load(Ordering::Relaxed) < 8 * 1024, "{read:?}");

    let read = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    install_file(
        Box::new(Counted {
            bytes,
            read: read.clone(),
            calls: calls.clone(),
        }),
        Verify::Checksum,
    )
    .unwrap();
    assert!(installed());
    // Checked: the whole file streams once, for its checksum, and the range index.
    assert!(read.load(Ordering::Relaxed) >= size);
    assert!(read.load(Ordering::Relaxed) < size + 8 * 1024);
    let size = read.load(Ordering::Relaxed);
    let installing = calls.load(Ordering::Relaxed);

    // One port costs a few rows and their text, not the file, in a few reads: small
    // reads (the binary search's index entries, rows, spans, strings) go a page at a time.
    let https: Vec<_> = assignments_at(443)
        .filter(|a| a.transport() == Some(Transport::Tcp))
        .map(|a| (a.name(), a.description()))
        .collect();
    assert!(
        https.contains(&("https", "HTTP over TLS, as updated")),
        "{https:?}"
    );
    let after_one = read.load(Ordering::Relaxed) - size;
    assert!(after_one < 32 * 1024, "one port read {after_one} bytes");
    let reads = calls.load(Ordering::Relaxed) - installing;
    eprintln!("one port: {reads} reads, {after_one} bytes");
    assert!(reads <= 10, "one port took {reads} reads");

    // Every port answers as the rows say (ports, ranges, transports, text).
    for port in (0..=u16::MAX)
        .step_by(7)
        .chain([0, 443, 47001, 47002, 47003, 65535])
    {
        let mut want: Vec<_> = rows
            .iter()
            .filter(|r| r.ports.is_some_and(|p| p.contains(port)))
            .map(said)
            .collect();
        let mut got: Vec<_> = assignments_at(port)
            .map(|a| said(&RowData::from(a)))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "port {port}");
    }
    assert_eq!(assignments_named("PORTDEX-LAZY").count(), 1);
    assert_eq!(assignments_named("kerberos").count(), 0);
    assert!(!lookup(&"47002".parse::<Query>().unwrap(), None).is_empty());
    assert!(
        read.load(Ordering::Relaxed) < 2 * size,
        "point lookups read the file whole"
    );

    // A search needs every row: the file is read whole, once, and answers still agree.
    let (hits, _) = search("only the update", 5);
    assert!(hits.iter().any(
        |h| matches!(h.kind, portdex_registry::HitKind::Assignment(a) if a.name() == "portdex-lazy")
    ));
    assert_eq!(all_assignments().len(), rows.len());
    let https: Vec<_> = assignments_at(443).map(|a| a.description()).collect();
    assert!(https.contains(&"HTTP over TLS, as updated"));
}
