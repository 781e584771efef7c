//! An updated registry installed at start-up replaces the embedded rows everywhere:
//! lookups, names, ranges, search and the services file. (Its own test binary: the
//! installed rows are the process's from then on.)

use portdex_registry::{
    all_assignments, assignments_at, assignments_named, generation, install, installed, lookup,
    search, PortRange, Query, RowData, Status, Transport,
};

#[test]
fn installed_rows_replace_the_embedded_ones() {
    let before = all_assignments().len();
    let mut rows: Vec<RowData> = all_assignments().map(RowData::from).collect();
    let embedded = rows.clone();
    // One row changed, one added (on a new range), one removed.
    let https = rows
        .iter_mut()
        .find(|r| r.name == "https" && r.transport == Some(Transport::Tcp))
        .unwrap();
    https.fields[0] = "HTTP over TLS, as updated".to_owned();
    let mut added = rows[0].clone();
    added.name = "portdex-test".to_owned();
    added.ports = Some(PortRange {
        lo: 47001,
        hi: 47003,
    });
    added.transport = Some(Transport::Udp);
    added.status = Status::Assigned;
    added.fields[0] = "A row only the update has".to_owned();
    rows.push(added);
    let removed = rows.iter().filter(|r| r.name == "kerberos").count();
    assert!(removed > 0);
    rows.retain(|r| r.name != "kerberos");
    assert!(!installed());
    assert_eq!(generation(), 0);
    install(rows).unwrap();
    assert!(installed());
    assert_eq!(generation(), 1);

    let https: Vec<_> = assignments_at(443)
        .filter(|a| a.name() == "https" && a.transport() == Some(Transport::Tcp))
        .collect();
    assert_eq!(https[0].description(), "HTTP over TLS, as updated");
    // A port inside the new range finds it, by port and by name.
    assert!(assignments_at(47002).any(|a| a.name() == "portdex-test"));
    assert_eq!(assignments_named("PORTDEX-TEST").count(), 1);
    assert_eq!(assignments_named("kerberos").count(), 0);
    let answer = lookup(&"47002".parse::<Query>().unwrap(), None);
    assert!(!answer.is_empty());
    // Search finds the new text, and curated entries still come.
    let (hits, _) = search("only the update", 5);
    assert!(hits.iter().any(
        |h| matches!(h.kind, portdex_registry::HitKind::Assignment(a) if a.name() == "portdex-test")
    ));
    let (hits, _) = search("redis", 5);
    assert!(hits
        .iter()
        .any(|h| matches!(h.kind, portdex_registry::HitKind::Knowledge(_))));
    assert_eq!(all_assignments().len(), before + 1 - removed);

    // A newer registry replaces it (a server picking up an update): the map and every
    // lookup follow.
    let map_before = portdex_registry::density(
        PortRange {
            lo: 47000,
            hi: 47007,
        },
        1,
    );
    let mut newer = embedded;
    newer.retain(|r| r.name != "https");
    install(newer).unwrap();
    assert_eq!(generation(), 2);
    assert!(assignments_named("https").next().is_none());
    assert!(assignments_at(47002).all(|a| a.name() != "portdex-test"));
    let map_after = portdex_registry::density(
        PortRange {
            lo: 47000,
            hi: 47007,
        },
        1,
    );
    // 47002 and 47003 were assigned only by the range the first install added.
    assert_eq!(
        map_before[0].assigned,
        map_after[0].assigned + 2,
        "{map_before:?} {map_after:?}"
    );
}
