//! The domain's small types: ports, ranges, transports, categories, and the parsing of
//! what a user types. Parsing never panics; every error names the value and what is valid.

use std::fmt;
use std::str::FromStr;

/// The longest piece of user input an error message repeats.
const SHOW_MAX: usize = 40;

/// A user's value, shortened for an error message (a 10 MB argument stays readable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(String);

impl Shown {
    /// At most 40 characters of `s`, escaped, with its length when cut.
    pub fn new(s: &str) -> Self {
        let mut out: String = s
            .chars()
            .take(SHOW_MAX)
            .flat_map(char::escape_debug)
            .collect();
        if s.chars().count() > SHOW_MAX {
            out.push_str(&format!("… ({} bytes)", s.len()));
        }
        Shown(out)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a port, range, transport or query could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input was empty.
    #[error("empty query: give a port (0-65535), a range (8000-8100) or a service name (ssh)")]
    Empty,
    /// A number outside 0–65535.
    #[error("'{0}' is out of range: ports are 0-65535")]
    OutOfRange(Shown),
    /// Not a number where a port was expected.
    #[error("'{0}' is not a port: ports are whole numbers 0-65535, written with ASCII digits")]
    NotAPort(Shown),
    /// A range whose start is above its end.
    #[error("'{0}' is not a range: the start is above the end (write it low-high, e.g. 3-9)")]
    Reversed(Shown),
    /// A range with a missing end.
    #[error("'{0}' is not a range: write two ports, low-high, e.g. 8000-8100")]
    BadRange(Shown),
    /// A name with characters no service name has.
    #[error("'{0}' is not a port, range or service name: names are letters, digits and - _ . + /")]
    BadName(Shown),
    /// An unknown transport.
    #[error("'{0}' is not a transport: use tcp, udp, sctp or dccp")]
    BadTransport(Shown),
    /// An unknown category.
    #[error("'{0}' is not a port category: use well-known, registered or dynamic")]
    BadCategory(Shown),
    /// A name longer than any service name.
    #[error("'{0}' is too long for a service name: names have at most {MAX_NAME} characters")]
    NameTooLong(Shown),
    /// A search beyond the bounds.
    #[error("'{0}' is too long a search: give at most {MAX_SEARCH_WORDS} words and {MAX_SEARCH} characters")]
    SearchTooLong(Shown),
}

impl ParseError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the value and what is valid.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            ParseError::Empty => ja::empty_query(),
            ParseError::OutOfRange(v) => ja::out_of_range(v),
            ParseError::NotAPort(v) => ja::not_a_port(v),
            ParseError::Reversed(v) => ja::reversed(v),
            ParseError::BadRange(v) => ja::bad_range(v),
            ParseError::BadName(v) => ja::bad_name(v),
            ParseError::BadTransport(v) => ja::bad_transport(v),
            ParseError::BadCategory(v) => ja::bad_category(v),
            ParseError::NameTooLong(v) => ja::name_too_long(v, MAX_NAME),
            ParseError::SearchTooLong(v) => ja::search_too_long(v, MAX_SEARCH_WORDS, MAX_SEARCH),
        }
    }
}

/// The longest name a query may hold (IANA's service names have at most 15 characters;
/// curated names are longer, none near this).
pub const MAX_NAME: usize = 64;
/// The most characters a search may hold.
pub const MAX_SEARCH: usize = 200;
/// The most words a search may hold.
pub const MAX_SEARCH_WORDS: usize = 16;

/// Whether a search is within [`MAX_SEARCH`] characters and [`MAX_SEARCH_WORDS`] words:
/// each word costs a pass over the candidates, so an unbounded search is a way to burn
/// CPU.
pub fn check_search(query: &str) -> Result<(), ParseError> {
    if query.chars().count() > MAX_SEARCH || query.split_whitespace().count() > MAX_SEARCH_WORDS {
        return Err(ParseError::SearchTooLong(Shown::new(query)));
    }
    Ok(())
}

/// A TCP/UDP/SCTP/DCCP port number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(pub u16);

impl Port {
    /// The RFC 6335 category this port falls in.
    pub fn category(self) -> Category {
        Category::of(self.0)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Port {
    type Err = ParseError;

    /// Reads `0`–`65535` in ASCII digits.
    ///
    /// ```
    /// use portdex_registry::{Port, ParseError};
    /// assert_eq!("443".parse::<Port>(), Ok(Port(443)));
    /// assert!(matches!("65536".parse::<Port>(), Err(ParseError::OutOfRange(_))));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::NotAPort(Shown::new(s)));
        }
        let digits = s.trim_start_matches('0');
        if digits.len() > 5 {
            return Err(ParseError::OutOfRange(Shown::new(s)));
        }
        let n: u32 = if digits.is_empty() {
            0
        } else {
            digits
                .parse()
                .map_err(|_| ParseError::NotAPort(Shown::new(s)))?
        };
        u16::try_from(n)
            .map(Port)
            .map_err(|_| ParseError::OutOfRange(Shown::new(s)))
    }
}

/// An inclusive range of ports, `lo..=hi`; a single port is a range of one.
/// In JSON: `{"lo": 8000, "hi": 8100}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct PortRange {
    /// First port.
    pub lo: u16,
    /// Last port (inclusive).
    pub hi: u16,
}

impl PortRange {
    /// The range of one port.
    pub fn single(port: u16) -> Self {
        Self { lo: port, hi: port }
    }
    /// Whether `port` lies in the range.
    pub fn contains(self, port: u16) -> bool {
        self.lo <= port && port <= self.hi
    }
    /// Whether the two ranges share a port.
    pub fn overlaps(self, other: PortRange) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }
    /// How many ports the range holds.
    pub fn len(self) -> u32 {
        u32::from(self.hi) - u32::from(self.lo) + 1
    }
    /// Always false: a range holds at least one port.
    pub fn is_empty(self) -> bool {
        false
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

impl FromStr for PortRange {
    type Err = ParseError;

    /// Reads `443` or `8000-8100`.
    ///
    /// ```
    /// use portdex_registry::PortRange;
    /// assert_eq!("8000-8100".parse::<PortRange>().unwrap().len(), 101);
    /// assert!("9-3".parse::<PortRange>().is_err());
    /// assert!("8000-".parse::<PortRange>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('-') {
            None => s.parse::<Port>().map(|p| PortRange::single(p.0)),
            Some((a, b)) => {
                if a.is_empty() && !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()) {
                    // "-1": a negative number, not a range.
                    return Err(ParseError::OutOfRange(Shown::new(s)));
                }
                if a.is_empty() || b.is_empty() {
                    return Err(ParseError::BadRange(Shown::new(s)));
                }
                let lo = a.parse::<Port>().map_err(|e| range_err(e, s))?;
                let hi = b.parse::<Port>().map_err(|e| range_err(e, s))?;
                if lo > hi {
                    return Err(ParseError::Reversed(Shown::new(s)));
                }
                Ok(PortRange { lo: lo.0, hi: hi.0 })
            }
        }
    }
}

fn range_err(e: ParseError, whole: &str) -> ParseError {
    match e {
        ParseError::OutOfRange(_) => ParseError::OutOfRange(Shown::new(whole)),
        _ => ParseError::BadRange(Shown::new(whole)),
    }
}

/// A transport protocol of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
    /// DCCP.
    Dccp,
}

impl Transport {
    /// All transports, in registry order.
    pub const ALL: [Transport; 4] = [
        Transport::Tcp,
        Transport::Udp,
        Transport::Sctp,
        Transport::Dccp,
    ];

    /// The lowercase name (`tcp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Sctp => "sctp",
            Transport::Dccp => "dccp",
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Transport> {
        Transport::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }

    pub(crate) fn code(self) -> u8 {
        self as u8 + 1
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transport {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transport::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseError::BadTransport(Shown::new(s)))
    }
}

/// The RFC 6335 port categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// 0–1023, RFC 6335 "System Ports".
    WellKnown,
    /// 1024–49151, RFC 6335 "User Ports".
    Registered,
    /// 49152–65535, RFC 6335 "Dynamic and/or Private Ports".
    Dynamic,
}

impl Category {
    /// All three, lowest first.
    pub const ALL: [Category; 3] = [Category::WellKnown, Category::Registered, Category::Dynamic];

    /// The category of a port.
    ///
    /// ```
    /// use portdex_registry::Category;
    /// assert_eq!(Category::of(443), Category::WellKnown);
    /// assert_eq!(Category::of(50000), Category::Dynamic);
    /// ```
    pub fn of(port: u16) -> Category {
        match port {
            0..=1023 => Category::WellKnown,
            1024..=49151 => Category::Registered,
            _ => Category::Dynamic,
        }
    }

    /// The ports of the category.
    pub fn range(self) -> PortRange {
        match self {
            Category::WellKnown => PortRange { lo: 0, hi: 1023 },
            Category::Registered => PortRange {
                lo: 1024,
                hi: 49151,
            },
            Category::Dynamic => PortRange {
                lo: 49152,
                hi: 65535,
            },
        }
    }

    /// The stable identifier (`well-known`, `registered`, `dynamic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::WellKnown => "well-known",
            Category::Registered => "registered",
            Category::Dynamic => "dynamic",
        }
    }

    /// The name RFC 6335 gives the range.
    pub fn rfc6335_name(self) -> &'static str {
        match self {
            Category::WellKnown => "System Ports",
            Category::Registered => "User Ports",
            Category::Dynamic => "Dynamic and/or Private Ports",
        }
    }

    /// A name for people, in a language.
    pub fn label(self, lang: Lang) -> &'static str {
        portdex_text::category(self.as_str(), lang)
    }
}

impl FromStr for Category {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "well-known" | "wellknown" | "system" => Ok(Category::WellKnown),
            "registered" | "user" => Ok(Category::Registered),
            "dynamic" | "private" | "ephemeral" => Ok(Category::Dynamic),
            _ => Err(ParseError::BadCategory(Shown::new(s))),
        }
    }
}

/// The status of an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Assigned to a service.
    Assigned,
    /// Reserved by IANA.
    Reserved,
    /// Unassigned: IANA's own Unassigned rows, often a range (27011-27015).
    Unassigned,
    /// Once assigned, since withdrawn (IANA's de-registered rows, and every history row).
    DeAssigned,
}

impl Status {
    pub(crate) fn from_code(code: u8) -> Status {
        match code {
            0 => Status::Assigned,
            1 => Status::Reserved,
            2 => Status::Unassigned,
            _ => Status::DeAssigned,
        }
    }
    /// The status of a row of IANA's CSV with this service name, description and
    /// assignee (data/README.md, rule 1; the generator applies the same rule).
    pub fn of_iana_row(name: &str, description: &str, assignee: &str) -> Status {
        Status::from_code(crate::status_rule::iana_status_code(
            name,
            description,
            assignee,
        ))
    }
    pub(crate) fn code(self) -> u8 {
        match self {
            Status::Assigned => 0,
            Status::Reserved => 1,
            Status::Unassigned => 2,
            Status::DeAssigned => 3,
        }
    }
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Assigned => "assigned",
            Status::Reserved => "reserved",
            Status::Unassigned => "unassigned",
            Status::DeAssigned => "de-assigned",
        }
    }

    /// A name for people, in a language.
    pub fn label(self, lang: Lang) -> &'static str {
        portdex_text::status(self.as_str(), lang)
    }
}

/// Where a row comes from (see data/README.md for the merge rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// IANA's registry as it is now (its CSV): the row stands, every field as IANA has it.
    Iana,
    /// Only the 2015 snapshot has it: a name IANA has since de-assigned or replaced on
    /// that port. Always with status de-assigned; never a current assignment.
    History,
}

impl Source {
    pub(crate) fn from_code(code: u8) -> Source {
        match code {
            0 => Source::Iana,
            _ => Source::History,
        }
    }
    /// The stable identifier (`iana`, `history`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Iana => "iana",
            Source::History => "history",
        }
    }
    pub(crate) fn code(self) -> u8 {
        match self {
            Source::Iana => 0,
            Source::History => 1,
        }
    }
}

/// How bad it is when a service is reachable from other machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Minor.
    Low,
    /// Should be looked at.
    Medium,
    /// Should be fixed.
    High,
    /// Fix now: data or control exposed without authentication by default.
    Critical,
}

impl Severity {
    pub(crate) fn from_code(code: u8) -> Severity {
        match code {
            0 => Severity::Info,
            1 => Severity::Low,
            2 => Severity::Medium,
            3 => Severity::High,
            _ => Severity::Critical,
        }
    }
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    /// A name for people, in a language.
    pub fn label(self, lang: Lang) -> &'static str {
        portdex_text::severity(self.as_str(), lang)
    }
}

/// Declares a small vocabulary enum: codes are 1-based positions in the generator's
/// word list (0 means "not given"), `as_str` is the word.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $w:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            /// Every value, in the order of the vocabulary.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// The stable identifier, as written in data/knowledge.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $w,)+ }
            }
            pub(crate) fn from_code(code: u8) -> Option<$name> {
                Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("{s:?} is not a {}", stringify!($name).to_lowercase()))
            }
        }
    };
}

vocabulary! {
    /// How a protocol is encrypted as commonly deployed (data/README.md).
    Encryption {
        /// No encryption in the protocol as deployed.
        None = "none",
        /// TLS supported but off or not required by default (most databases).
        Optional = "optional",
        /// Starts in clear and upgrades in-band (SMTP 587, IMAP 143, XMPP 5222).
        Starttls = "starttls",
        /// Implicit TLS from the first byte (443, 465, 993, 636).
        Tls = "tls",
        /// Encryption built into the protocol (SSH, WireGuard, IPsec).
        Protocol = "protocol",
    }
}

impl Encryption {
    /// Whether data or credentials can cross the network unencrypted: unless encryption
    /// starts with the first byte or is the protocol's own. STARTTLS counts as cleartext:
    /// an on-path attacker can strip the upgrade (RFC 8314, section 3).
    pub fn is_cleartext(self) -> bool {
        matches!(
            self,
            Encryption::None | Encryption::Optional | Encryption::Starttls
        )
    }
}

vocabulary! {
    /// Whether a default install asks for credentials.
    Auth {
        /// Anyone who connects is served by default.
        None = "none",
        /// A default install asks for credentials or keys.
        Required = "required",
    }
}

vocabulary! {
    /// What reaching a service gives (data/README.md).
    Role {
        /// Databases, caches, object stores, message brokers, file shares.
        Data = "data",
        /// APIs that run or change things (Docker API, Kubernetes API, RPC).
        Control = "control",
        /// Remote administration consoles (Webmin, Cockpit, iLO).
        Admin = "admin",
        /// Interactive logins (SSH, Telnet, RDP, VNC).
        Login = "login",
        /// Web applications and UIs not primarily for administration.
        Web = "web",
        /// Services meant to face the Internet (HTTPS, SMTP 25, authoritative DNS).
        Public = "public",
        /// Cluster and peer-to-peer traffic.
        Peer = "peer",
        /// LAN discovery and announcements (mDNS, SSDP).
        Discovery = "discovery",
        /// Ports known for backdoors and trojans.
        Malware = "malware",
    }
}

pub use portdex_text::Lang;

/// What a user asked about: a port, a range, or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// One port.
    Port(u16),
    /// A range of ports.
    Range(PortRange),
    /// A service name (case-insensitive): an IANA name or alias, or a curated name.
    Name(String),
}

impl FromStr for Query {
    type Err = ParseError;

    /// Reads what a user typed.
    ///
    /// ```
    /// use portdex_registry::{Query, PortRange};
    /// assert_eq!("443".parse(), Ok(Query::Port(443)));
    /// assert_eq!("8000-8100".parse(), Ok(Query::Range(PortRange { lo: 8000, hi: 8100 })));
    /// assert_eq!("Redis".parse(), Ok(Query::Name("redis".into())));
    /// assert!("http$$".parse::<Query>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        if s.chars().all(|c| c.is_numeric() || c == '-') {
            let r: PortRange = s.parse()?;
            return Ok(if r.lo == r.hi && !s.contains('-') {
                Query::Port(r.lo)
            } else {
                Query::Range(r)
            });
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || "-_.+/*".contains(c);
        if !s.chars().all(ok) {
            return Err(ParseError::BadName(Shown::new(s)));
        }
        if s.len() > MAX_NAME {
            return Err(ParseError::NameTooLong(Shown::new(s)));
        }
        Ok(Query::Name(s.to_ascii_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_name_the_value() {
        for (input, want) in [
            ("65536", "'65536' is out of range"),
            ("-1", "'-1' is out of range"),
            ("99999999999999999999", "is out of range"),
            ("8000-", "'8000-' is not a range"),
            ("9-3", "'9-3' is not a range: the start is above the end"),
            ("", "empty query"),
            ("http$$", "'http$$' is not a port, range or service name"),
            ("٤٤٣", "is not a port"),
            ("1-70000", "'1-70000' is out of range"),
        ] {
            let err = input.parse::<Query>().unwrap_err().to_string();
            assert!(err.contains(want), "{input:?}: {err}");
        }
    }

    #[test]
    fn long_input_is_shortened_in_errors() {
        let long = "x$".repeat(5_000_000);
        let err = long.parse::<Query>().unwrap_err().to_string();
        assert!(err.len() < 200, "{}", err.len());
        assert!(err.contains("10000000 bytes"));
    }

    /// The generator writes codes by position in these lists (xtask pins the same).
    #[test]
    fn vocabularies_in_the_generator_s_order() {
        let words = |all: Vec<&'static str>| all;
        assert_eq!(
            words(Encryption::ALL.iter().map(|e| e.as_str()).collect()),
            ["none", "optional", "starttls", "tls", "protocol"]
        );
        assert_eq!(
            words(Auth::ALL.iter().map(|e| e.as_str()).collect()),
            ["none", "required"]
        );
        assert_eq!(
            words(Role::ALL.iter().map(|e| e.as_str()).collect()),
            [
                "data",
                "control",
                "admin",
                "login",
                "web",
                "public",
                "peer",
                "discovery",
                "malware"
            ]
        );
        assert_eq!(Encryption::from_code(4), Some(Encryption::Tls));
        assert_eq!(Encryption::from_code(0), None);
        assert_eq!(Role::from_code(10), None);
        assert_eq!("starttls".parse::<Encryption>(), Ok(Encryption::Starttls));
        assert!("optional".parse::<Auth>().is_err());
        let clear: Vec<_> = Encryption::ALL
            .iter()
            .filter(|e| e.is_cleartext())
            .collect();
        assert_eq!(
            clear,
            [
                &Encryption::None,
                &Encryption::Optional,
                &Encryption::Starttls
            ]
        );
    }

    #[test]
    fn leading_zeros_are_ports() {
        assert_eq!("0000443".parse::<Port>(), Ok(Port(443)));
        assert_eq!("0".parse::<Port>(), Ok(Port(0)));
    }

    #[test]
    fn categories_cover_every_port() {
        for p in 0..=u16::MAX {
            assert!(Category::of(p).range().contains(p));
        }
    }
}
