//! `parse` on IANA's CSV and on copies broken in one way each; `diff` between copies.

mod common;

use common::{bundled, bundled_with};
use portdex_data::{diff, is_grandfathered, parse, CsvErrorKind, Field, IanaDate, Registry};
use portdex_registry::{PortRange, Transport};

fn bundled_registry() -> Registry {
    parse(&bundled()).unwrap()
}

/// The bundled CSV cut after its first `rows` rows, at a row boundary (IANA ends rows
/// with CRLF; line breaks inside quoted fields are bare LF).
fn first_rows(rows: usize) -> Vec<u8> {
    let bytes = bundled();
    let end = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"\r\n")
        .nth(rows) // the header's CRLF is the 0th
        .map(|(i, _)| i + 2)
        .unwrap();
    bytes[..end].to_vec()
}

#[test]
fn the_bundled_csv_has_every_row_and_field() {
    let r = bundled_registry();
    assert_eq!(r.len(), 14_499);
    assert_eq!(r.newest_modification(), Some("2026-02-13".parse().unwrap()));
    assert_eq!(r.newest_registration(), Some("2025-10-30".parse().unwrap()));

    let http = r
        .rows()
        .iter()
        .find(|row| row.service_name == "http" && row.transport == Some(Transport::Tcp))
        .unwrap();
    assert_eq!(http.service_name, "http");
    assert_eq!(http.port, Some(PortRange { lo: 80, hi: 80 }));
    assert_eq!(http.transport, Some(Transport::Tcp));
    assert_eq!(http.description, "World Wide Web HTTP");
    assert_eq!(http.modification_date, Some("2021-10-01".parse().unwrap()));
    assert_eq!(http.reference, "[RFC9110]");
    assert!(http.assignment_notes.starts_with("Defined TXT keys"));

    let x11 = r
        .rows()
        .iter()
        .find(|row| row.service_name == "x11")
        .unwrap();
    assert_eq!(x11.port, Some(PortRange { lo: 6000, hi: 6063 }));
    assert!(r
        .rows()
        .iter()
        .any(|row| row.port.is_none() && !row.service_name.is_empty()));
    assert_eq!(
        r.rows()
            .iter()
            .filter(|row| is_grandfathered(&row.service_name))
            .count(),
        185
    );
    // Registration dates before 2008 are months.
    let month = IanaDate {
        year: 1992,
        month: 7,
        day: None,
    };
    assert!(r
        .rows()
        .iter()
        .any(|row| row.registration_date == Some(month)));
}

#[test]
fn a_byte_order_mark_and_lf_line_ends_are_accepted() {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(bundled());
    assert_eq!(parse(&with_bom).unwrap().len(), 14_499);
    let lf = String::from_utf8(bundled()).unwrap().replace("\r\n", "\n");
    assert_eq!(parse(lf.as_bytes()).unwrap().len(), 14_499);
}

/// Each broken copy gives the line of the broken row and says what is wrong.
#[test]
fn each_rule_names_the_line_and_the_value() {
    let cases: [(&str, &str, usize, &str); 9] = [
        (
            "Service Name,Port Number,",
            "Service,Port Number,",
            1,
            "the header is not IANA's",
        ),
        (
            "\nhttp,80,tcp,",
            "\nhttp,80,TCP,",
            184,
            "transport \"TCP\" is not one of tcp, udp, sctp, dccp, or empty",
        ),
        ("\nhttp,80,tcp,", "\nhttp,80-79,tcp,", 184, "port \"80-79\""),
        (
            "\nhttp,80,tcp,",
            "\nhttp_alt,80,tcp,",
            184,
            "service name \"http_alt\" breaks RFC 6335",
        ),
        (
            "[IETF_Chair],,2021-10-01,[RFC9110]",
            "[IETF_Chair],,2021/10/01,[RFC9110]",
            184,
            "Modification Date \"2021/10/01\" is not a date YYYY-MM-DD or YYYY-MM",
        ),
        (
            "\nnetbios-ssn,139,tcp,NETBIOS Session Service,",
            "\nnetbios-ssn,139,tcp,NETBIOS Session Service",
            355,
            "the row has 11 fields; IANA's rows have 12",
        ),
        (
            "\nnetbios-ssn,139,tcp,NETBIOS Session Service,",
            "\nnetbios-ssn,139,tcp,NETBIOS \"Session\" Service,",
            355,
            "a quote (\") inside an unquoted field",
        ),
        (
            "\nnetbios-ssn,139,tcp,NETBIOS Session Service,",
            "\nnetbios-ssn,139,tcp,\"NETBIOS\" Session Service,",
            355,
            "' ' after a closing quote",
        ),
        (
            "\npostgresql,5432,tcp,PostgreSQL Database,",
            "\npostgresql,5432,tcp,PostgreSQL \u{0}\u{7f} Database,\r",
            9788,
            "a carriage return",
        ),
    ];
    for (from, to, line, message) in cases {
        let err = parse(&bundled_with(from, to)).unwrap_err();
        assert_eq!(err.line, line, "{to}: {err}");
        assert!(err.to_string().contains(message), "{to}: {err}");
        assert!(
            err.to_string().starts_with(&format!("line {line}: ")),
            "{err}"
        );
    }
}

#[test]
fn an_unclosed_quote_names_the_line_where_its_row_starts() {
    let rows = first_rows(12_000);
    let last_line = rows.iter().filter(|&&b| b == b'\n').count();
    let mut bytes = rows[..rows.len() - 2].to_vec(); // without the last CRLF
    bytes.extend(b",\"open");
    let err = parse(&bytes).unwrap_err();
    assert_eq!(err.kind, CsvErrorKind::UnclosedQuote, "{err}");
    assert_eq!(err.line, last_line);
}

#[test]
fn bad_encodings_empty_files_and_short_files_are_refused() {
    let mut latin1 = bundled_with(
        "\npostgresql,5432,tcp,PostgreSQL Database,",
        "\npostgresql,5432,tcp,PostgreSQL XYZZY,",
    );
    let at = latin1.windows(5).position(|w| w == b"XYZZY").unwrap();
    latin1[at] = 0xE9;
    let err = parse(&latin1).unwrap_err();
    assert_eq!(err.line, 9788);
    assert_eq!(err.kind, CsvErrorKind::NotUtf8 { byte: 0xE9 });

    assert_eq!(parse(b"").unwrap_err().kind, CsvErrorKind::Empty);
    let err = parse(&first_rows(9_999)).unwrap_err();
    assert_eq!(err.kind, CsvErrorKind::TooFewRows { found: 9_999 }, "{err}");
    assert_eq!(parse(&first_rows(10_000)).unwrap().len(), 10_000);
}

#[test]
fn one_changed_description_is_one_changed_row() {
    let old = bundled_registry();
    let new = parse(&bundled_with(
        "\npostgresql,5432,tcp,PostgreSQL Database,",
        "\npostgresql,5432,tcp,PostgreSQL,",
    ))
    .unwrap();
    let d = diff(&old, &new);
    assert!(d.added.is_empty() && d.removed.is_empty(), "{d:?}");
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].fields, vec![Field::Description]);
    assert_eq!(d.changed[0].old.description, "PostgreSQL Database");
    assert_eq!(d.changed[0].new.description, "PostgreSQL");
    assert!(!d.is_suspicious());
    assert!(diff(&old, &old).is_empty());
}

#[test]
fn a_registry_cut_at_a_row_boundary_is_a_suspicious_diff() {
    // 12,000 rows parse (the file was cut between rows), but 2,499 removed rows are
    // more than a tenth of the old registry: the CLI refuses this without --force.
    let cut = parse(&first_rows(12_000)).unwrap();
    let d = diff(&bundled_registry(), &cut);
    assert_eq!(d.removed.len(), 2_499);
    assert!(d.added.is_empty() && d.changed.is_empty());
    assert!(d.is_suspicious());
    let added_back = diff(&cut, &bundled_registry());
    assert_eq!(added_back.added.len(), 2_499);
    assert!(
        !added_back.is_suspicious(),
        "additions alone are not suspicious"
    );
}
