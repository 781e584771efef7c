//! The shapes of the generated tables, and typed views over their rows.
//!
//! Rows hold only integers: strings are ids into `SPANS`, which are (offset, length)
//! spans in one text blob. A table of `&'static str` would cost a dynamic relocation
//! per string at every start-up (see DESIGN.md); these cost none.

use crate::generated::tables::{KNOW, SPANS, STRINGS};
use crate::iana::{ported, row, row_text};
use crate::types::{Auth, Encryption, Lang, PortRange, Role, Severity, Source, Status, Transport};

/// One registry row, as generated.
#[derive(Clone, Copy, Default)]
pub(crate) struct Row {
    pub lo: u16,
    pub hi: u16,
    pub transport: u8,
    pub status: u8,
    pub source: u8,
    /// name, description, assignee, contact, registered, modified, reference,
    /// service code, known unauthorized uses, assignment notes.
    pub s: [u32; 10],
}

pub(crate) const fn r(
    lo: u16,
    hi: u16,
    transport: u8,
    status: u8,
    source: u8,
    s: [u32; 10],
) -> Row {
    Row {
        lo,
        hi,
        transport,
        status,
        source,
        s,
    }
}

/// One curated entry, as generated.
pub(crate) struct Know {
    pub lo: u16,
    pub hi: u16,
    pub mask: u8,
    pub severity: u8,
    pub cleartext: u8,
    pub iana: u8,
    /// encryption, auth, role codes (1-based positions in each vocabulary; see `types`).
    pub kind: [u8; 3],
    /// Process names, comma-separated (0: none).
    pub processes: u32,
    pub names: u32,
    pub use_: [u32; 2],
    pub risk: [u32; 2],
    pub secure: [u32; 2],
    pub note: [u32; 2],
    pub reference: u32,
    pub sec_ref: u32,
}

#[allow(clippy::too_many_arguments)]
pub(crate) const fn k(
    lo: u16,
    hi: u16,
    mask: u8,
    severity: u8,
    cleartext: u8,
    iana: u8,
    kind: [u8; 3],
    processes: u32,
    names: u32,
    use_: [u32; 2],
    risk: [u32; 2],
    secure: [u32; 2],
    note: [u32; 2],
    reference: u32,
    sec_ref: u32,
) -> Know {
    Know {
        lo,
        hi,
        mask,
        severity,
        cleartext,
        iana,
        kind,
        processes,
        names,
        use_,
        risk,
        secure,
        note,
        reference,
        sec_ref,
    }
}

pub(crate) fn text(id: u32) -> &'static str {
    let (off, len) = SPANS[id as usize];
    &STRINGS[off as usize..(off + len) as usize]
}

fn lang_text(ids: [u32; 2], lang: Lang) -> Option<&'static str> {
    let id = match lang {
        Lang::En => ids[0],
        Lang::Ja => ids[1],
    };
    (id != 0).then(|| text(id))
}

/// One row of the IANA registry: a service name (possibly empty) on a port or range
/// (possibly none) over a transport (possibly unspecified).
///
/// A cheap handle (`Copy`); every accessor returns text of the registry in use (the
/// embedded one, or an updated one installed at start-up).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Assignment(pub(crate) u16);

impl Assignment {
    fn row(self) -> Row {
        row(usize::from(self.0))
    }
    /// The service name; empty for reserved ports and nameless entries.
    pub fn name(self) -> &'static str {
        row_text(self.row().s[0])
    }
    /// The registry's description.
    pub fn description(self) -> &'static str {
        row_text(self.row().s[1])
    }
    /// The port or range, if the row has one (some service names have no port).
    pub fn ports(self) -> Option<PortRange> {
        let r = self.row();
        (usize::from(self.0) < ported()).then_some(PortRange { lo: r.lo, hi: r.hi })
    }
    /// The transport, if the row names one.
    pub fn transport(self) -> Option<Transport> {
        Transport::from_code(self.row().transport)
    }
    /// Assigned, reserved, de-assigned, or (rarely kept) unassigned.
    pub fn status(self) -> Status {
        Status::from_code(self.row().status)
    }
    /// Which registry snapshot the row comes from.
    pub fn source(self) -> Source {
        Source::from_code(self.row().source)
    }
    /// The assignee, as IANA writes it (`[Jon_Postel]`).
    pub fn assignee(self) -> &'static str {
        row_text(self.row().s[2])
    }
    /// The contact.
    pub fn contact(self) -> &'static str {
        row_text(self.row().s[3])
    }
    /// The registration date (YYYY-MM-DD or YYYY-MM), if recorded.
    pub fn registration_date(self) -> &'static str {
        row_text(self.row().s[4])
    }
    /// The modification date, if recorded.
    pub fn modification_date(self) -> &'static str {
        row_text(self.row().s[5])
    }
    /// The reference (usually an RFC: `[RFC6335]`).
    pub fn reference(self) -> &'static str {
        row_text(self.row().s[6])
    }
    /// The service code, if any.
    pub fn service_code(self) -> &'static str {
        row_text(self.row().s[7])
    }
    /// IANA's note on known unauthorized use of the port.
    pub fn known_unauthorized_uses(self) -> &'static str {
        row_text(self.row().s[8])
    }
    /// IANA's assignment notes.
    pub fn assignment_notes(self) -> &'static str {
        row_text(self.row().s[9])
    }
}

impl std::fmt::Debug for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assignment")
            .field("name", &self.name())
            .field("ports", &self.ports())
            .field("transport", &self.transport())
            .field("status", &self.status())
            .finish()
    }
}

/// Curated knowledge about a port: what it is commonly used for, and what it means
/// when it is reachable from other machines. Each entry carries its reference.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Knowledge(pub(crate) u16);

impl Knowledge {
    fn know(self) -> &'static Know {
        &KNOW[usize::from(self.0)]
    }
    /// The ports this entry is about.
    pub fn ports(self) -> PortRange {
        PortRange {
            lo: self.know().lo,
            hi: self.know().hi,
        }
    }
    /// The transports this entry is about.
    pub fn transports(self) -> impl Iterator<Item = Transport> {
        let mask = self.know().mask;
        Transport::ALL
            .into_iter()
            .filter(move |t| mask & t.bit() != 0)
    }
    /// Whether the entry covers a transport.
    pub fn has_transport(self, t: Transport) -> bool {
        self.know().mask & t.bit() != 0
    }
    /// The names it is found by (lowercase), the display name first.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        text(self.know().names).split(',')
    }
    /// The display name (`elasticsearch`).
    pub fn name(self) -> &'static str {
        self.names().next().unwrap_or_default()
    }
    /// What the port is used for, in a language.
    pub fn usage(self, lang: Lang) -> &'static str {
        lang_text(self.know().use_, lang).unwrap_or_default()
    }
    /// True when IANA assigns one of this entry's names to these ports; false when the
    /// use is a de-facto (common) use that the registry does not record.
    pub fn iana_assigned(self) -> bool {
        self.know().iana != 0
    }
    /// Whether the protocol, as commonly deployed, sends data in clear text: derived
    /// from [`Knowledge::encryption`] (none, optional and STARTTLS are cleartext; see
    /// [`Encryption::is_cleartext`]).
    pub fn cleartext(self) -> bool {
        self.know().cleartext != 0
    }
    /// How the protocol is encrypted as commonly deployed.
    pub fn encryption(self) -> Encryption {
        Encryption::from_code(self.know().kind[0]).unwrap_or(Encryption::None)
    }
    /// Whether a default install asks for credentials.
    pub fn auth(self) -> Auth {
        Auth::from_code(self.know().kind[1]).unwrap_or(Auth::None)
    }
    /// What reaching the service gives.
    pub fn role(self) -> Role {
        Role::from_code(self.know().kind[2]).unwrap_or(Role::Data)
    }
    /// Process names (as in /proc/PID/comm) that identify this use on a listener.
    pub fn processes(self) -> impl Iterator<Item = &'static str> {
        text(self.know().processes)
            .split(',')
            .filter(|p| !p.is_empty())
    }
    /// Whether a process name (/proc/PID/comm) identifies this use.
    pub fn has_process(self, comm: &str) -> bool {
        self.processes().any(|p| p == comm)
    }
    /// How bad it is when this is reachable from other machines.
    pub fn severity(self) -> Severity {
        Severity::from_code(self.know().severity)
    }
    /// What goes wrong when it is reachable from other machines.
    pub fn risk(self, lang: Lang) -> &'static str {
        lang_text(self.know().risk, lang).unwrap_or_default()
    }
    /// The secure alternative or the fix, if there is one.
    pub fn secure_alternative(self, lang: Lang) -> Option<&'static str> {
        lang_text(self.know().secure, lang)
    }
    /// A correction of a common mistake about this port, if there is one.
    pub fn note(self, lang: Lang) -> Option<&'static str> {
        lang_text(self.know().note, lang)
    }
    /// Where the common use is documented.
    pub fn reference(self) -> &'static str {
        text(self.know().reference)
    }
    /// Where the security note is documented.
    pub fn security_reference(self) -> &'static str {
        text(self.know().sec_ref)
    }
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knowledge")
            .field("name", &self.name())
            .field("ports", &self.ports())
            .finish()
    }
}
