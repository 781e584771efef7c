//! The embedded data: the merge rule of data/README.md holds, and the curated
//! knowledge is complete (both languages, a reference for every fact).

use portdex_registry::{
    all_assignments, all_knowledge, assignments_at, lookup, name_answer, port_report, search, Lang,
    Query, Source, Status, Transport,
};

fn names_at(port: u16, t: Transport) -> Vec<&'static str> {
    assignments_at(port)
        .filter(|a| a.transport() == Some(t) && a.status() == Status::Assigned)
        .map(|a| a.name())
        .collect()
}

#[test]
fn aliases_on_one_port_are_all_kept() {
    assert_eq!(names_at(80, Transport::Tcp), ["http", "www", "www-http"]);
}

#[test]
fn current_registry_adds_what_2015_lacked_and_keeps_what_it_had() {
    let at465: Vec<_> = assignments_at(465)
        .filter(|a| a.transport() == Some(Transport::Tcp))
        .map(|a| (a.name(), a.source()))
        .collect();
    assert!(at465.contains(&("urd", Source::Iana2015)), "{at465:?}");
    assert!(
        at465.contains(&("submissions", Source::IanaCurrent)),
        "{at465:?}"
    );
    // Confirmed by both snapshots, with the 2015 fields.
    let ssh = assignments_at(22)
        .find(|a| a.transport() == Some(Transport::Tcp))
        .unwrap();
    assert_eq!(ssh.source(), Source::Both);
    assert_eq!(ssh.reference(), "[RFC4251]");
}

#[test]
fn withdrawn_udp_assignments_are_marked_de_assigned() {
    let imap_udp = assignments_at(143)
        .find(|a| a.transport() == Some(Transport::Udp) && a.name() == "imap")
        .unwrap();
    assert_eq!(imap_udp.status(), Status::DeAssigned);
}

#[test]
fn ranges_and_names_without_ports_are_kept() {
    assert!(assignments_at(6010).any(|a| a.name() == "x11"));
    let a = name_answer("nfs-domainroot");
    assert_eq!(a.portless.len(), 1);
    assert!(a.portless[0].ports().is_none());
}

#[test]
fn every_field_of_the_complete_registry_is_there() {
    let all: Vec<_> = all_assignments().collect();
    assert!(all.len() > 13_000, "{}", all.len());
    assert!(all.iter().any(|a| !a.known_unauthorized_uses().is_empty()));
    assert!(all.iter().any(|a| !a.assignment_notes().is_empty()));
    assert!(all.iter().any(|a| !a.registration_date().is_empty()));
    assert!(all.iter().any(|a| !a.modification_date().is_empty()));
    assert!(all.iter().any(|a| !a.service_code().is_empty()));
    for t in Transport::ALL {
        assert!(all.iter().any(|a| a.transport() == Some(t)), "{t}");
    }
}

#[test]
fn curated_knowledge_is_complete_and_referenced() {
    let all: Vec<_> = all_knowledge().collect();
    assert!(all.len() >= 46 + 150, "{} curated entries", all.len());
    for k in all {
        let what = format!("{} ({})", k.name(), k.ports());
        for lang in [Lang::En, Lang::Ja] {
            assert!(!k.usage(lang).is_empty(), "{what}: use");
            assert!(!k.risk(lang).is_empty(), "{what}: risk");
        }
        assert_eq!(
            k.secure_alternative(Lang::En).is_some(),
            k.secure_alternative(Lang::Ja).is_some(),
            "{what}"
        );
        assert_eq!(
            k.note(Lang::En).is_some(),
            k.note(Lang::Ja).is_some(),
            "{what}"
        );
        // Japanese text is Japanese.
        assert!(
            k.usage(Lang::Ja).chars().any(|c| c > '\u{3000}')
                || k.usage(Lang::Ja) == k.usage(Lang::En),
            "{what}"
        );
        assert!(
            k.reference().starts_with("https://"),
            "{what}: {}",
            k.reference()
        );
        assert!(k.security_reference().starts_with("https://"), "{what}");
        assert!(k.transports().count() > 0, "{what}");
    }
}

#[test]
fn common_uses_are_told_apart_from_assignments() {
    let k = |p: u16, name: &str| {
        port_report(p)
            .knowledge
            .into_iter()
            .find(|k| k.name() == name)
            .unwrap()
    };
    assert!(!k(9200, "elasticsearch").iana_assigned());
    assert!(!k(1521, "oracle").iana_assigned());
    assert!(!k(4040, "spark-ui").iana_assigned());
    assert!(k(6379, "redis").iana_assigned());
    assert!(k(3306, "mysql").iana_assigned());
}

#[test]
fn lookup_by_port_name_and_range() {
    let q = |s: &str| lookup(&s.parse::<Query>().unwrap(), None);
    assert_eq!(q("postgres").reports[0].ports.lo, 5432);
    assert_eq!(q("LDAPS").reports[0].ports.lo, 636);
    assert_eq!(q("www").reports[0].ports.lo, 80);
    let r = q("8000-8100");
    assert!(r.reports.iter().any(|r| r.ports.lo == 8080));
    assert!(r
        .reports
        .iter()
        .all(|r| (8000..=8100).contains(&r.ports.lo)));
    assert!(q("50000").is_empty());
}

#[test]
fn search_ranks_the_service_first() {
    let (hits, total) = search("mysql", 5);
    assert!(total >= 5);
    assert_eq!(hits[0].port(), Some(3306));
    let (hits, _) = search("remote desktop", 10);
    assert!(hits.iter().any(|h| h.port() == Some(3389)), "{hits:?}");
    assert_eq!(search("no-such-thing-anywhere", 5).1, 0);
}

/// The map's counts agree with port-by-port lookups, on every port.
#[test]
fn density_counts_match_lookups() {
    use portdex_registry::{assignments_at, density, knowledge_at, Category, PortRange, Status};
    let full = PortRange { lo: 0, hi: 65535 };
    let cells = density(full, 100);
    assert_eq!(cells.len(), 100);
    assert_eq!((cells[0].lo, cells[99].hi), (0, 65535));
    assert!(cells.windows(2).all(|w| w[1].lo == w[0].hi + 1));
    let (mut assigned, mut known) = (0, 0);
    for p in 0..=65535u16 {
        assigned += u32::from(assignments_at(p).any(|a| a.status() == Status::Assigned));
        known += u32::from(knowledge_at(p).next().is_some());
    }
    assert_eq!(cells.iter().map(|c| c.assigned).sum::<u32>(), assigned);
    assert_eq!(cells.iter().map(|c| c.known).sum::<u32>(), known);
    // x11's registered range fills its stretch; nothing in a band counts outside it.
    let x11 = density(PortRange { lo: 6000, hi: 6063 }, 1);
    assert_eq!(x11[0].assigned, 64);
    let wk = density(Category::WellKnown.range(), 64);
    assert!(wk.iter().all(|c| c.hi <= 1023 && c.assigned <= 16));
    // More cells than ports: one port per cell.
    assert_eq!(density(PortRange { lo: 1, hi: 3 }, 50).len(), 3);
    assert_eq!(density(PortRange { lo: 1, hi: 3 }, 0).len(), 1);
}

/// The spellings docs/json.md promises for `source`.
#[test]
fn source_spellings_are_the_documented_ones() {
    let spell = |s: Source| serde_json::to_value(s).unwrap();
    assert_eq!(spell(Source::Iana2015), "iana-2015");
    assert_eq!(spell(Source::IanaCurrent), "iana-current");
    assert_eq!(spell(Source::Both), "both");
}

#[test]
fn every_name_fits_the_query_bound() {
    // A query may hold at most MAX_NAME characters: no real name may be longer.
    let longest = portdex_registry::all_assignments()
        .map(|a| a.name())
        .chain(portdex_registry::all_knowledge().flat_map(|k| k.names()))
        .max_by_key(|n| n.len())
        .unwrap();
    assert!(
        longest.len() <= portdex_registry::MAX_NAME,
        "{longest} is longer than MAX_NAME"
    );
}

#[test]
fn range_reports_made_a_stretch_at_a_time_equal_the_whole() {
    use portdex_registry::{lookup, range_reports_iter, PortRange, Query};
    for (lo, hi) in [
        (0, 65535),
        (0, 0),
        (5999, 6070),
        (1023, 1025),
        (6000, 6000),
        (60000, 65535),
        (3000, 5000),
    ] {
        let r = PortRange { lo, hi };
        for t in [
            None,
            Some(Transport::Tcp),
            Some(Transport::Udp),
            Some(Transport::Sctp),
        ] {
            let whole = lookup(&Query::Range(r), t).reports;
            let streamed: Vec<_> = range_reports_iter(r, t).collect();
            assert_eq!(streamed, whole, "{r} {t:?}");
        }
    }
}
