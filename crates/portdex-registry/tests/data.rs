//! The embedded data: the merge rule of data/README.md holds (IANA's CSV, every row and
//! field; the 2015 snapshot only as history), and the curated knowledge is complete (both
//! languages, a reference for every fact).

use portdex_registry::{
    all_assignments, all_knowledge, assignments_at, lookup, name_answer, port_report, port_summary,
    search, Assignment, Lang, PortRange, Query, Source, Status, Transport,
};
use std::collections::HashMap;

fn names_at(port: u16, t: Transport) -> Vec<&'static str> {
    assignments_at(port)
        .filter(|a| a.transport() == Some(t) && a.status() == Status::Assigned)
        .map(|a| a.name())
        .collect()
}

/// IANA's CSV as committed: the header, then one `Vec` of 12 fields per row.
fn iana_csv() -> Vec<Vec<String>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/sources/iana/service-names-port-numbers.csv"
    );
    read_csv(&std::fs::read_to_string(path).unwrap())
}

/// A tiny RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes,
/// CRLF or LF), independent of the generator's.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A row as the CSV writes it: its twelve fields.
fn as_csv(a: Assignment) -> Vec<String> {
    [
        a.name().to_owned(),
        a.ports().map(|p| p.to_string()).unwrap_or_default(),
        a.transport()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        a.description().to_owned(),
        a.assignee().to_owned(),
        a.contact().to_owned(),
        a.registration_date().to_owned(),
        a.modification_date().to_owned(),
        a.reference().to_owned(),
        a.service_code().to_owned(),
        a.known_unauthorized_uses().to_owned(),
        a.assignment_notes().to_owned(),
    ]
    .to_vec()
}

#[test]
fn every_csv_row_is_a_row_with_every_field() {
    let csv = iana_csv();
    assert_eq!(csv[0][0], "Service Name");
    let csv = &csv[1..];
    assert_eq!(csv.len(), 14_499, "rows in the committed CSV");
    assert!(csv.iter().all(|r| r.len() == 12));
    // IANA writes a few single ports as ranges of one ("4748-4748"): the same port.
    let port = |s: &str| match s.split_once('-') {
        Some((a, b)) if a == b => a.to_owned(),
        _ => s.to_owned(),
    };
    let mut want: HashMap<Vec<String>, i32> = HashMap::new();
    for r in csv {
        let mut r = r.clone();
        r[1] = port(&r[1]);
        *want.entry(r).or_default() += 1;
    }
    let mut have: HashMap<Vec<String>, i32> = HashMap::new();
    for a in all_assignments().filter(|a| a.source() == Source::Iana) {
        *have.entry(as_csv(a)).or_default() += 1;
    }
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| have.get(*k) != Some(n))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "CSV rows not in the registry: {missing:?}"
    );
    assert_eq!(have.values().sum::<i32>(), 14_499);
}

#[test]
fn csv_rows_by_status_and_transport_are_the_registry_s() {
    // What IANA's rows say, counted from the CSV by the rule of data/README.md.
    let status = |r: &[String]| {
        let d = r[3].to_ascii_lowercase();
        if !r[0].is_empty() {
            if d.starts_with("de-registered") {
                Status::DeAssigned
            } else {
                Status::Assigned
            }
        } else if d.starts_with("unassigned") || d.starts_with("(unassigned)") {
            Status::Unassigned
        } else if d.starts_with("reserved") {
            Status::Reserved
        } else if [
            "de-registered",
            "removed",
            "deprecated",
            "decomissioned",
            "de-commissioned",
        ]
        .iter()
        .any(|p| d.starts_with(p))
        {
            Status::DeAssigned
        } else if r[4].is_empty() {
            Status::Unassigned
        } else {
            Status::Assigned
        }
    };
    let mut want: HashMap<(&str, String), usize> = HashMap::new();
    let csv = iana_csv();
    for r in &csv[1..] {
        *want.entry((status(r).as_str(), r[2].clone())).or_default() += 1;
    }
    let mut have: HashMap<(&str, String), usize> = HashMap::new();
    for a in all_assignments().filter(|a| a.source() == Source::Iana) {
        let t = a.transport().map(|t| t.as_str()).unwrap_or_default();
        *have.entry((a.status().as_str(), t.to_owned())).or_default() += 1;
    }
    assert_eq!(have, want);
    // IANA's own words for the nameless rows.
    let reserved = csv[1..]
        .iter()
        .filter(|r| r[0].is_empty() && r[3] == "Reserved");
    assert!(reserved.count() > 700);
    assert!(want[&("unassigned", String::new())] > 800);
}

#[test]
fn history_is_never_a_current_assignment() {
    let iana: std::collections::HashSet<_> = all_assignments()
        .filter(|a| a.source() == Source::Iana && !a.name().is_empty())
        .map(|a| (a.name().to_ascii_lowercase(), a.ports(), a.transport()))
        .collect();
    let history: Vec<_> = all_assignments()
        .filter(|a| a.source() == Source::History)
        .collect();
    assert!(!history.is_empty());
    for a in &history {
        assert_eq!(a.status(), Status::DeAssigned, "{a:?}");
        assert!(!a.name().is_empty(), "{a:?}");
        let key = (a.name().to_ascii_lowercase(), a.ports(), a.transport());
        assert!(!iana.contains(&key), "{a:?} is also IANA's current row");
    }
    // After IANA's rows of the same port and transport.
    for p in [2, 143, 3283] {
        for t in Transport::ALL {
            let sources: Vec<_> = assignments_at(p)
                .filter(|a| a.transport() == Some(t))
                .map(|a| a.source())
                .collect();
            assert!(
                sources.is_sorted_by_key(|s| *s == Source::History),
                "{p}/{t}"
            );
        }
    }
}

fn rows(port: u16, t: Transport) -> Vec<(&'static str, Status, Source)> {
    assignments_at(port)
        .filter(|a| a.transport() == Some(t))
        .map(|a| (a.name(), a.status(), a.source()))
        .collect()
}

#[test]
fn display_strings_of_2015_are_history_not_services() {
    for t in [Transport::Tcp, Transport::Udp] {
        assert_eq!(names_at(3283, t), ["net-assistant"]);
        assert_eq!(names_at(3679, t), ["newton-dock"]);
        assert_eq!(
            rows(3283, t)[1],
            (
                "Apple Remote Desktop (Net Assistant)",
                Status::DeAssigned,
                Source::History
            )
        );
        assert_eq!(
            rows(3679, t)[1],
            ("Escale (Newton Dock)", Status::DeAssigned, Source::History)
        );
    }
    let na = assignments_at(3283).next().unwrap();
    assert_eq!(na.assignee(), "[Michael_Stein]");
    assert_eq!(na.modification_date(), "2025-01-23");
    assert_eq!(
        port_summary(3283, Transport::Tcp).registry_service,
        Some("net-assistant")
    );
}

#[test]
fn de_assigned_ports_are_reserved_with_iana_s_note() {
    for t in [Transport::Tcp, Transport::Udp] {
        assert_eq!(
            rows(2, t),
            [
                ("", Status::Reserved, Source::Iana),
                ("compressnet", Status::DeAssigned, Source::History)
            ]
        );
        assert_eq!(
            rows(831, t),
            [
                ("", Status::Reserved, Source::Iana),
                ("netconf-beep", Status::DeAssigned, Source::History)
            ]
        );
        assert_eq!(port_summary(2, t).registry_service, None);
        assert_eq!(port_summary(831, t).registry_service, None);
    }
    let two = assignments_at(2).next().unwrap();
    assert_eq!(
        two.assignment_notes(),
        "De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]"
    );
    assert!(assignments_at(831)
        .next()
        .unwrap()
        .assignment_notes()
        .contains("[RFC9900]"));
    // IANA keeps the name, without a port.
    let a = name_answer("compressnet");
    assert!(a.portless.iter().all(|a| a.source() == Source::Iana));
    assert_eq!(a.portless.len(), 2);
}

#[test]
fn a_port_in_an_unassigned_range_says_which_range() {
    // 27017 is mongodb on tcp, Reserved on udp: no Unassigned row.
    assert_eq!(
        rows(27017, Transport::Tcp),
        [("mongodb", Status::Assigned, Source::Iana)]
    );
    assert_eq!(
        rows(27017, Transport::Udp),
        [("", Status::Reserved, Source::Iana)]
    );
    assert!(assignments_at(27017).all(|a| a.status() != Status::Unassigned));
    // 27011 and 27018 lie in IANA's Unassigned ranges; the row keeps its range.
    let r = port_report(27011);
    assert_eq!(r.assignments.len(), 1);
    assert_eq!(r.assignments[0].status(), Status::Unassigned);
    assert_eq!(
        r.assignments[0].ports(),
        Some(PortRange {
            lo: 27011,
            hi: 27015
        })
    );
    assert_eq!(r.assignments[0].transport(), None);
    assert!(r.is_empty(), "an unassigned port is one with nothing known");
    let u = assignments_at(27018)
        .find(|a| a.status() == Status::Unassigned)
        .unwrap();
    assert_eq!(
        u.ports(),
        Some(PortRange {
            lo: 27018,
            hi: 27344
        })
    );
    assert_eq!(
        u.known_unauthorized_uses(),
        "Unauthorized Use Known on ports 27018 and 27019"
    );
}

#[test]
fn x11_is_one_range_row_per_transport() {
    let x11: Vec<_> = assignments_at(6010).collect();
    assert_eq!(x11.len(), 2, "{x11:?}");
    for (a, t) in x11.iter().zip([Transport::Tcp, Transport::Udp]) {
        assert_eq!(a.name(), "x11");
        assert_eq!(a.transport(), Some(t));
        assert_eq!(a.ports(), Some(PortRange { lo: 6000, hi: 6063 }));
        assert_eq!(a.source(), Source::Iana);
        assert_eq!(
            a.known_unauthorized_uses(),
            "Known Unauthorized Use on port 6003"
        );
    }
    let r = lookup(&"6000-6063".parse::<Query>().unwrap(), None);
    let whole = r
        .reports
        .iter()
        .find(|r| r.ports == PortRange { lo: 6000, hi: 6063 })
        .unwrap();
    assert_eq!(
        whole
            .assignments
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>(),
        ["x11", "x11"]
    );
}

#[test]
fn aliases_on_one_port_are_all_kept() {
    assert_eq!(names_at(80, Transport::Tcp), ["http", "www", "www-http"]);
}

#[test]
fn iana_s_rows_stand_with_their_fields() {
    let at465: Vec<_> = assignments_at(465)
        .filter(|a| a.transport() == Some(Transport::Tcp))
        .map(|a| (a.name(), a.source()))
        .collect();
    assert_eq!(
        at465,
        [("urd", Source::Iana), ("submissions", Source::Iana)]
    );
    let ssh = assignments_at(22)
        .find(|a| a.transport() == Some(Transport::Tcp))
        .unwrap();
    assert_eq!(ssh.source(), Source::Iana);
    assert_eq!(ssh.reference(), "[RFC4251]");
}

#[test]
fn grandfathered_names_are_found() {
    for (name, port) in [("whois++", 63), ("sql*net", 66)] {
        let q: Query = name.parse().unwrap();
        let a = lookup(&q, None);
        assert_eq!(a.reports.len(), 1, "{name}");
        assert_eq!(a.reports[0].ports.lo, port, "{name}");
        assert!(a.reports[0].assignments.iter().any(|x| x.name() == name));
    }
}

#[test]
fn withdrawn_udp_assignments_are_marked_de_assigned() {
    let imap_udp = assignments_at(143)
        .find(|a| a.transport() == Some(Transport::Udp) && a.name() == "imap")
        .unwrap();
    assert_eq!(imap_udp.status(), Status::DeAssigned);
    assert_eq!(imap_udp.source(), Source::History);
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
    assert_eq!(spell(Source::Iana), "iana");
    assert_eq!(spell(Source::History), "history");
    assert_eq!(Source::Iana.as_str(), "iana");
    assert_eq!(Source::History.as_str(), "history");
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
