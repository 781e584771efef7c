//! Reading and validating IANA's CSV: [`parse`] turns the bytes into a [`Registry`] or
//! says, with a line number, why they are not IANA's registry.
//!
//! The rules accept exactly what IANA publishes (checked against the copy in
//! `data/sources/iana/`) and nothing looser: a captive portal's HTML page, a file cut short, a
//! row with a port of 70000 or a date of `2024/01/02` are refused before anything is
//! stored.

use crate::grandfathered::GRANDFATHERED;
use portdex_registry::{PortRange, Transport};
use std::fmt;
use std::str::FromStr;

/// IANA's header line, exactly (the file may start with a UTF-8 byte order mark).
pub const HEADER: &str = "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes";

/// The fewest rows a registry may have. IANA's has had more than 14,000 for years; a
/// file with fewer is cut short or is something else.
pub const MIN_ROWS: usize = 10_000;

/// The number of fields of every row.
pub const FIELDS: usize = 12;

/// How many leading bytes are searched for signs of an HTML page.
const HTML_SNIFF: usize = 1024;

/// A date of the registry: `YYYY-MM-DD`, or `YYYY-MM` as IANA wrote registration
/// dates until 2007. Ordered by time; a month sorts before its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IanaDate {
    /// The year (four digits).
    pub year: u16,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, when the date has one.
    pub day: Option<u8>,
}

impl fmt::Display for IanaDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)?;
        if let Some(day) = self.day {
            write!(f, "-{day:02}")?;
        }
        Ok(())
    }
}

/// Why a string is not an [`IanaDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date of the form YYYY-MM-DD or YYYY-MM")]
pub struct DateError(pub String);

impl DateError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        lang.pick(self.to_string(), portdex_text::errors_ja::bad_date(&self.0))
    }
}

impl FromStr for IanaDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DateError(s.to_string());
        let digits = |part: &str, len: usize| -> Option<u16> {
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        let mut parts = s.split('-');
        let year = parts.next().and_then(|p| digits(p, 4)).ok_or_else(bad)?;
        let month = parts.next().and_then(|p| digits(p, 2)).ok_or_else(bad)?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        let day = match parts.next() {
            None => None,
            Some(p) => {
                let day = digits(p, 2).ok_or_else(bad)?;
                if day == 0 || day > u16::from(days_in_month(year, month as u8)) {
                    return Err(bad());
                }
                Some(day as u8)
            }
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(IanaDate {
            year,
            month: month as u8,
            day,
        })
    }
}

impl serde::Serialize for IanaDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IanaDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// One row of IANA's registry, every field kept. Text fields are as IANA wrote them
/// (an empty string where the field is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IanaRow {
    /// Service Name: empty for rows that only say a port is Reserved or Unassigned.
    pub service_name: String,
    /// Port Number: a port (a range of one) or a range; `None` for a name without a port.
    pub port: Option<PortRange>,
    /// Transport Protocol; `None` when empty (unassigned and reserved port ranges).
    pub transport: Option<Transport>,
    /// Description.
    pub description: String,
    /// Assignee.
    pub assignee: String,
    /// Contact.
    pub contact: String,
    /// Registration Date.
    pub registration_date: Option<IanaDate>,
    /// Modification Date.
    pub modification_date: Option<IanaDate>,
    /// Reference (RFCs and other documents).
    pub reference: String,
    /// Service Code.
    pub service_code: String,
    /// Unauthorized Use Reported.
    pub unauthorized_use: String,
    /// Assignment Notes.
    pub assignment_notes: String,
}

/// A whole validated registry: its rows in IANA's order, and a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    rows: Vec<IanaRow>,
    newest_registration: Option<IanaDate>,
    newest_modification: Option<IanaDate>,
}

impl Registry {
    /// A registry of these rows (the summary is computed from them). [`parse`] is the
    /// way to get a validated one; this is for registries built from other data.
    pub fn from_rows(rows: Vec<IanaRow>) -> Registry {
        let newest_registration = rows.iter().filter_map(|r| r.registration_date).max();
        let newest_modification = rows.iter().filter_map(|r| r.modification_date).max();
        Registry {
            rows,
            newest_registration,
            newest_modification,
        }
    }

    /// Every row, in IANA's order.
    pub fn rows(&self) -> &[IanaRow] {
        &self.rows
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows (never, for a parsed registry).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The newest Registration Date of any row.
    pub fn newest_registration(&self) -> Option<IanaDate> {
        self.newest_registration
    }

    /// The newest Modification Date of any row: how current the registry is.
    pub fn newest_modification(&self) -> Option<IanaDate> {
        self.newest_modification
    }
}

/// Why bytes are not IANA's registry: the 1-based line where the problem is (for a
/// row, the line it starts on) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct CsvError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: CsvErrorKind,
}

/// What is wrong with the CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// Nothing at all.
    #[error("the file is empty; expected IANA's registry CSV")]
    Empty,
    /// An HTML page: a captive portal, a proxy's or a server's error page.
    #[error("this is an HTML page, not IANA's CSV (a captive portal, a proxy's login page or an error page?)")]
    Html,
    /// Bytes that are not UTF-8.
    #[error("byte 0x{byte:02x} is not UTF-8; IANA's CSV is UTF-8 text")]
    NotUtf8 {
        /// The first offending byte.
        byte: u8,
    },
    /// A first line other than IANA's header.
    #[error("the header is not IANA's: found {found:?}, expected {HEADER:?}")]
    Header {
        /// The first line as found (cut to 200 characters).
        found: String,
    },
    /// A quoted field that never closes.
    #[error("a quoted field is not closed before the end of the file (is the file cut short?)")]
    UnclosedQuote,
    /// A quote in the middle of an unquoted field.
    #[error("a quote (\") inside an unquoted field; quotes are only allowed around a whole field")]
    StrayQuote,
    /// Something other than a comma or a line break after a closing quote.
    #[error("{found:?} after a closing quote; expected a comma or the end of the line")]
    AfterQuote {
        /// The character found.
        found: char,
    },
    /// A carriage return that is not part of a CRLF line break.
    #[error("a carriage return (\\r) outside quotes that is not followed by a line feed")]
    BareCarriageReturn,
    /// The last row has no line break: the file was cut off within it.
    #[error("the last row does not end with a line break (is the file cut short?)")]
    NoFinalNewline,
    /// A row with the wrong number of fields.
    #[error("the row has {found} fields; IANA's rows have {FIELDS}")]
    FieldCount {
        /// How many fields it has.
        found: usize,
    },
    /// A bad Port Number.
    #[error("port {0:?} is not a port 0-65535, a range lo-hi with lo <= hi, or empty")]
    Port(String),
    /// A bad Transport Protocol.
    #[error("transport {0:?} is not one of tcp, udp, sctp, dccp, or empty")]
    Transport(String),
    /// A bad Registration or Modification Date.
    #[error("{field} {value:?} is not a date YYYY-MM-DD or YYYY-MM, or empty")]
    Date {
        /// `Registration Date` or `Modification Date`.
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// A service name that breaks RFC 6335 and is not one of IANA's grandfathered names.
    #[error("service name {0:?} breaks RFC 6335 (1-15 letters, digits and hyphens, at least one letter, no hyphen at either end, no \"--\") and is not one of IANA's grandfathered names")]
    ServiceName(String),
    /// Too few rows to be the registry.
    #[error("only {found} rows; IANA's registry has more than 14,000, at least {MIN_ROWS} are required (is the file cut short?)")]
    TooFewRows {
        /// The number of rows found.
        found: usize,
    },
}

fn err(line: usize, kind: CsvErrorKind) -> CsvError {
    CsvError { line, kind }
}

impl CsvError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        lang.pick(
            self.to_string(),
            portdex_text::errors_ja::csv_line(self.line, &self.kind.message(lang)),
        )
    }
}

impl CsvErrorKind {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            CsvErrorKind::Empty => ja::csv_empty(),
            CsvErrorKind::Html => ja::csv_html(),
            CsvErrorKind::NotUtf8 { byte } => ja::csv_not_utf8(*byte),
            CsvErrorKind::Header { found } => ja::csv_header(found, HEADER),
            CsvErrorKind::UnclosedQuote => ja::csv_unclosed_quote(),
            CsvErrorKind::StrayQuote => ja::csv_stray_quote(),
            CsvErrorKind::AfterQuote { found } => ja::csv_after_quote(*found),
            CsvErrorKind::BareCarriageReturn => ja::csv_bare_cr(),
            CsvErrorKind::NoFinalNewline => ja::csv_no_final_newline(),
            CsvErrorKind::FieldCount { found } => ja::csv_field_count(*found, FIELDS),
            CsvErrorKind::Port(v) => ja::csv_port(v),
            CsvErrorKind::Transport(v) => ja::csv_transport(v),
            CsvErrorKind::Date { field, value } => ja::csv_date(field, value),
            CsvErrorKind::ServiceName(v) => ja::csv_service_name(v),
            CsvErrorKind::TooFewRows { found } => ja::csv_too_few_rows(*found, MIN_ROWS),
        }
    }
}

/// Parses and validates IANA's registry CSV.
///
/// The rules, in order: not empty; not an HTML page (`<!DOCTYPE` or `<html` in the first
/// 1 KiB, any case); UTF-8; an optional byte order mark, then IANA's [`HEADER`] exactly;
/// RFC 4180 quoting (fields may span lines inside quotes), rows ended by CRLF or LF and
/// the last row too; [`FIELDS`] fields in every row; each row's fields valid (see
/// [`IanaRow`]: port, transport, dates, service name); at least [`MIN_ROWS`] rows.
pub fn parse(bytes: &[u8]) -> Result<Registry, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.is_empty() {
        return Err(err(1, CsvErrorKind::Empty));
    }
    if looks_like_html(bytes) {
        return Err(err(1, CsvErrorKind::Html));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        err(
            line_at(bytes, at),
            CsvErrorKind::NotUtf8 { byte: bytes[at] },
        )
    })?;

    let (header, rest) = match text.find('\n') {
        Some(end) => (
            text[..end].strip_suffix('\r').unwrap_or(&text[..end]),
            end + 1,
        ),
        None => (text, text.len()),
    };
    if header != HEADER {
        return Err(err(
            1,
            CsvErrorKind::Header {
                found: header.chars().take(200).collect(),
            },
        ));
    }
    let mut reader = Reader {
        text,
        pos: rest,
        line: 2,
    };
    let mut rows = Vec::with_capacity(16_384);
    while let Some((line, fields)) = reader.record()? {
        rows.push(row(line, fields)?);
    }
    if rows.len() < MIN_ROWS {
        return Err(err(
            reader.line,
            CsvErrorKind::TooFewRows { found: rows.len() },
        ));
    }
    Ok(Registry::from_rows(rows))
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HTML_SNIFF)];
    let lower = head.to_ascii_lowercase();
    [&b"<!doctype"[..], b"<html"]
        .iter()
        .any(|needle| lower.windows(needle.len()).any(|w| w == *needle))
}

fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count()
}

/// A strict RFC 4180 reader that counts lines.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The line the next record starts on.
    line: usize,
}

impl Reader<'_> {
    /// The next record and the line it starts on, or `None` at the end.
    fn record(&mut self) -> Result<Option<(usize, Vec<String>)>, CsvError> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return Ok(None);
        }
        let start_line = self.line;
        let mut fields = Vec::with_capacity(FIELDS);
        loop {
            // One field.
            let mut field = String::new();
            if bytes.get(self.pos) == Some(&b'"') {
                self.pos += 1;
                loop {
                    let Some(rel) = bytes[self.pos..].iter().position(|&b| b == b'"') else {
                        return Err(err(start_line, CsvErrorKind::UnclosedQuote));
                    };
                    let chunk = &self.text[self.pos..self.pos + rel];
                    self.line += chunk.bytes().filter(|&b| b == b'\n').count();
                    field.push_str(chunk);
                    self.pos += rel + 1;
                    if bytes.get(self.pos) == Some(&b'"') {
                        field.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match bytes.get(self.pos) {
                    None | Some(b',' | b'\r' | b'\n') => {}
                    Some(_) => {
                        let found = self.text[self.pos..].chars().next().unwrap_or('?');
                        return Err(err(self.line, CsvErrorKind::AfterQuote { found }));
                    }
                }
            } else {
                let rel = bytes[self.pos..]
                    .iter()
                    .position(|&b| matches!(b, b',' | b'\r' | b'\n'))
                    .unwrap_or(bytes.len() - self.pos);
                let chunk = &self.text[self.pos..self.pos + rel];
                if chunk.contains('"') {
                    return Err(err(self.line, CsvErrorKind::StrayQuote));
                }
                field.push_str(chunk);
                self.pos += rel;
            }
            fields.push(field);
            // After the field: a comma, a line break, or the end.
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                    return Ok(Some((start_line, fields)));
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Some((start_line, fields)));
                }
                Some(_) if self.pos + 1 < bytes.len() => {
                    return Err(err(self.line, CsvErrorKind::BareCarriageReturn))
                }
                // The end of the file, or a lone `\r` at its very end: cut before the `\n`.
                _ => return Err(err(self.line, CsvErrorKind::NoFinalNewline)),
            }
        }
    }
}

fn row(line: usize, fields: Vec<String>) -> Result<IanaRow, CsvError> {
    let fields: [String; FIELDS] = fields
        .try_into()
        .map_err(|f: Vec<String>| err(line, CsvErrorKind::FieldCount { found: f.len() }))?;
    let [service_name, port, transport, description, assignee, contact, registration, modification, reference, service_code, unauthorized_use, assignment_notes] =
        fields;
    if !service_name.is_empty()
        && !is_rfc6335_name(&service_name)
        && !is_grandfathered(&service_name)
    {
        return Err(err(line, CsvErrorKind::ServiceName(service_name)));
    }
    let port = parse_port(&port).map_err(|()| err(line, CsvErrorKind::Port(port)))?;
    let transport = if transport.is_empty() {
        None
    } else {
        Some(
            Transport::ALL
                .into_iter()
                .find(|t| t.as_str() == transport)
                .ok_or_else(|| err(line, CsvErrorKind::Transport(transport)))?,
        )
    };
    let date = |field: &'static str, value: String| -> Result<Option<IanaDate>, CsvError> {
        if value.is_empty() {
            return Ok(None);
        }
        value
            .parse()
            .map(Some)
            .map_err(|_| err(line, CsvErrorKind::Date { field, value }))
    };
    Ok(IanaRow {
        service_name,
        port,
        transport,
        description,
        assignee,
        contact,
        registration_date: date("Registration Date", registration)?,
        modification_date: date("Modification Date", modification)?,
        reference,
        service_code,
        unauthorized_use,
        assignment_notes,
    })
}

fn parse_port(s: &str) -> Result<Option<PortRange>, ()> {
    let number = |s: &str| -> Result<u16, ()> {
        if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        s.parse().map_err(|_| ())
    };
    if s.is_empty() {
        return Ok(None);
    }
    let (lo, hi) = match s.split_once('-') {
        Some((lo, hi)) => (number(lo)?, number(hi)?),
        None => {
            let port = number(s)?;
            (port, port)
        }
    };
    if lo > hi {
        return Err(());
    }
    Ok(Some(PortRange { lo, hi }))
}

/// Whether `name` follows RFC 6335 section 5.1: 1–15 characters, only ASCII letters,
/// digits and hyphens, at least one letter, no hyphen at the start or end, no two
/// hyphens in a row.
pub fn is_rfc6335_name(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=15).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.iter().any(|c| c.is_ascii_alphabetic())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !name.contains("--")
}

/// Whether `name` is one of IANA's grandfathered names that predate RFC 6335's syntax
/// (`whois++`, `sql*net`, `z39.50`…). The list was taken from IANA's CSV; a test keeps it
/// equal to the names in the copy in `data/sources/iana/`.
pub fn is_grandfathered(name: &str) -> bool {
    GRANDFATHERED.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_both_shapes_and_nothing_else() {
        assert_eq!(
            "2024-02-29".parse::<IanaDate>().unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            "1992-07".parse::<IanaDate>().unwrap().to_string(),
            "1992-07"
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T00:00",
            "2024",
            "2024-01-32",
            " 2024-01-01",
            "2024-01-01-01",
        ] {
            assert!(bad.parse::<IanaDate>().is_err(), "{bad} accepted");
        }
        let month: IanaDate = "2007-11".parse().unwrap();
        let day: IanaDate = "2007-11-01".parse().unwrap();
        assert!(month < day);
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port(""), Ok(None));
        assert_eq!(parse_port("0"), Ok(Some(PortRange { lo: 0, hi: 0 })));
        assert_eq!(
            parse_port("6000-6063"),
            Ok(Some(PortRange { lo: 6000, hi: 6063 }))
        );
        assert_eq!(
            parse_port("4748-4748"),
            Ok(Some(PortRange { lo: 4748, hi: 4748 }))
        );
        for bad in [
            "65536", "-1", "1-", "-", "2-1", "+1", " 1", "1 ", "1-2-3", "000001",
        ] {
            assert_eq!(parse_port(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn service_name_syntax() {
        for good in [
            "http",
            "x11",
            "a",
            "www-http",
            "netbios-ssn",
            "abcdefghijklmno",
        ] {
            assert!(is_rfc6335_name(good), "{good}");
        }
        for bad in [
            "",
            "123",
            "-a",
            "a-",
            "a--b",
            "abcdefghijklmnop",
            "a_b",
            "a.b",
            "é",
        ] {
            assert!(!is_rfc6335_name(bad), "{bad}");
        }
        assert!(is_grandfathered("whois++") && is_grandfathered("914c/g"));
        assert!(!is_grandfathered("whois+++"));
    }

    /// The embedded list is exactly the set of names in the bundled CSV that break RFC
    /// 6335: data-derived, not typed. `PORTDEX_BLESS=1` rewrites it from the CSV.
    #[test]
    fn grandfathered_list_equals_the_bundled_csv() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let csv = std::fs::read_to_string(format!(
            "{dir}/../../data/sources/iana/service-names-port-numbers.csv"
        ))
        .unwrap();
        let mut reader = Reader {
            text: &csv,
            pos: 0,
            line: 1,
        };
        reader.record().unwrap(); // the header
        let mut names = std::collections::BTreeSet::new();
        let mut rows = 0;
        while let Some((_, fields)) = reader.record().unwrap() {
            rows += 1;
            let name = &fields[0];
            if !name.is_empty() && !is_rfc6335_name(name) {
                names.insert(name.clone());
            }
        }
        let found: Vec<&str> = names.iter().map(String::as_str).collect();
        if std::env::var_os("PORTDEX_BLESS").is_some() {
            let old = std::fs::read_to_string(format!("{dir}/src/grandfathered.rs")).unwrap();
            let head = &old[..old.find("pub(crate) const").unwrap()];
            let mut text = format!("{head}pub(crate) const GRANDFATHERED: &[&str] = &[\n");
            for name in &found {
                text.push_str(&format!("    {name:?},\n"));
            }
            text.push_str("];\n");
            std::fs::write(format!("{dir}/src/grandfathered.rs"), text).unwrap();
        }
        assert_eq!(
            GRANDFATHERED, found,
            "src/grandfathered.rs is stale: run PORTDEX_BLESS=1 cargo test -p portdex-data grandfathered"
        );
        // IANA's copy: 97 distinct names on 185 of its 14,499 rows.
        assert_eq!(rows, 14_499);
        assert_eq!(found.len(), 97);
    }

    #[test]
    fn grandfathered_list_is_sorted() {
        assert!(GRANDFATHERED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn html_is_recognised_in_any_case() {
        assert!(looks_like_html(b"\n  <!DOCTYPE html><p>log in"));
        assert!(looks_like_html(b"<HTML><body>"));
        assert!(!looks_like_html(HEADER.as_bytes()));
    }
}
