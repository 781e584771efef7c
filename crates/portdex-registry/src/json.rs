//! The stable JSON shape of answers (documented in docs/json.md). Field names and enum
//! spellings here are a public interface: add fields, never rename or remove them.

use crate::{Answer, Assignment, Knowledge, Report};
use serde::Serialize;

/// A registry row, as JSON.
#[derive(Debug, Serialize)]
pub struct AssignmentJson {
    /// Service name ("" when none).
    pub service: &'static str,
    /// First port, or null for a name without a port.
    pub port: Option<u16>,
    /// Last port (same as `port` unless a range).
    pub port_end: Option<u16>,
    /// tcp, udp, sctp, dccp, or null.
    pub transport: Option<crate::Transport>,
    /// assigned, reserved, unassigned, de-assigned.
    pub status: crate::Status,
    /// iana (IANA's current registry) or history (only in the 2015 snapshot).
    pub source: crate::Source,
    /// The registry's description.
    pub description: &'static str,
    /// Assignee.
    pub assignee: &'static str,
    /// Contact.
    pub contact: &'static str,
    /// Registration date.
    pub registration_date: &'static str,
    /// Modification date.
    pub modification_date: &'static str,
    /// Reference (RFC).
    pub reference: &'static str,
    /// Service code.
    pub service_code: &'static str,
    /// Known unauthorized uses.
    pub known_unauthorized_uses: &'static str,
    /// Assignment notes.
    pub assignment_notes: &'static str,
}

impl From<Assignment> for AssignmentJson {
    fn from(a: Assignment) -> Self {
        AssignmentJson {
            service: a.name(),
            port: a.ports().map(|p| p.lo),
            port_end: a.ports().map(|p| p.hi),
            transport: a.transport(),
            status: a.status(),
            source: a.source(),
            description: a.description(),
            assignee: a.assignee(),
            contact: a.contact(),
            registration_date: a.registration_date(),
            modification_date: a.modification_date(),
            reference: a.reference(),
            service_code: a.service_code(),
            known_unauthorized_uses: a.known_unauthorized_uses(),
            assignment_notes: a.assignment_notes(),
        }
    }
}

/// Text in both languages.
#[derive(Debug, Serialize)]
pub struct TextJson {
    /// English.
    pub en: &'static str,
    /// Japanese.
    pub ja: &'static str,
}

fn both(f: impl Fn(crate::Lang) -> &'static str) -> TextJson {
    TextJson {
        en: f(crate::Lang::En),
        ja: f(crate::Lang::Ja),
    }
}

fn both_opt(f: impl Fn(crate::Lang) -> Option<&'static str>) -> Option<TextJson> {
    Some(TextJson {
        en: f(crate::Lang::En)?,
        ja: f(crate::Lang::Ja)?,
    })
}

/// A curated entry, as JSON.
#[derive(Debug, Serialize)]
pub struct KnowledgeJson {
    /// Display name, then aliases.
    pub names: Vec<&'static str>,
    /// First port.
    pub port: u16,
    /// Last port.
    pub port_end: u16,
    /// Transports the entry is about.
    pub transports: Vec<crate::Transport>,
    /// What the port is used for.
    pub usage: TextJson,
    /// True when IANA assigns this use here; false for a de-facto (common) use.
    pub iana_assigned: bool,
    /// Whether the protocol is cleartext as commonly deployed (derived from `encryption`).
    pub cleartext: bool,
    /// none, optional, starttls, tls, protocol.
    pub encryption: crate::Encryption,
    /// none or required: authentication as shipped by default.
    pub auth: crate::Auth,
    /// data, control, admin, login, web, public, peer, discovery, malware.
    pub role: crate::Role,
    /// Process names (/proc/PID/comm) that identify this use.
    pub processes: Vec<&'static str>,
    /// info, low, medium, high, critical: how bad it is when reachable from outside.
    pub severity: crate::Severity,
    /// What goes wrong when it is reachable from outside.
    pub risk: TextJson,
    /// The secure alternative or fix.
    pub secure_alternative: Option<TextJson>,
    /// A correction of a common mistake about this port.
    pub note: Option<TextJson>,
    /// Where the use is documented.
    pub reference: &'static str,
    /// Where the security note is documented.
    pub security_reference: &'static str,
}

impl From<Knowledge> for KnowledgeJson {
    fn from(k: Knowledge) -> Self {
        KnowledgeJson {
            names: k.names().collect(),
            port: k.ports().lo,
            port_end: k.ports().hi,
            transports: k.transports().collect(),
            usage: both(|l| k.usage(l)),
            iana_assigned: k.iana_assigned(),
            cleartext: k.cleartext(),
            encryption: k.encryption(),
            auth: k.auth(),
            role: k.role(),
            processes: k.processes().collect(),
            severity: k.severity(),
            risk: both(|l| k.risk(l)),
            secure_alternative: both_opt(|l| k.secure_alternative(l)),
            note: both_opt(|l| k.note(l)),
            reference: k.reference(),
            security_reference: k.security_reference(),
        }
    }
}

/// A report, as JSON.
#[derive(Debug, Serialize)]
pub struct ReportJson {
    /// First port.
    pub port: u16,
    /// Last port.
    pub port_end: u16,
    /// well-known, registered, dynamic.
    pub category: crate::Category,
    /// IANA rows.
    pub assignments: Vec<AssignmentJson>,
    /// Curated entries.
    pub knowledge: Vec<KnowledgeJson>,
}

impl From<&Report> for ReportJson {
    fn from(r: &Report) -> Self {
        ReportJson {
            port: r.ports.lo,
            port_end: r.ports.hi,
            category: r.category(),
            assignments: r.assignments.iter().map(|&a| a.into()).collect(),
            knowledge: r.knowledge.iter().map(|&k| k.into()).collect(),
        }
    }
}

/// An answer, as JSON.
#[derive(Debug, Serialize)]
pub struct AnswerJson {
    /// What was asked.
    pub query: String,
    /// One per port or range.
    pub reports: Vec<ReportJson>,
    /// Rows of the name that have no port.
    pub portless: Vec<AssignmentJson>,
}

impl AnswerJson {
    /// Builds the JSON view of an answer.
    pub fn new(query: &str, answer: &Answer) -> Self {
        AnswerJson {
            query: query.to_owned(),
            reports: answer.reports.iter().map(Into::into).collect(),
            portless: answer.portless.iter().map(|&a| a.into()).collect(),
        }
    }
}

/// One search hit, as JSON: its score and either a registry row or a curated entry.
#[derive(Debug, Serialize)]
pub struct HitJson {
    /// How well it matched (higher is better).
    pub score: u32,
    /// The registry row, when the hit is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<AssignmentJson>,
    /// The curated entry, when the hit is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<KnowledgeJson>,
}

impl From<&crate::Hit> for HitJson {
    fn from(h: &crate::Hit) -> Self {
        let (assignment, knowledge) = match h.kind {
            crate::HitKind::Assignment(a) => (Some(a.into()), None),
            crate::HitKind::Knowledge(k) => (None, Some(k.into())),
        };
        HitJson {
            score: h.score,
            assignment,
            knowledge,
        }
    }
}

/// A search's answer, as JSON: the words searched, how many hits there are in all, and
/// the best of them.
#[derive(Debug, Serialize)]
pub struct SearchJson<'a> {
    /// The words searched.
    pub query: &'a str,
    /// Hits in all, before the limit.
    pub total: usize,
    /// The best hits, best first.
    pub hits: Vec<HitJson>,
}

impl<'a> SearchJson<'a> {
    /// The answer for `query` from its hits and their total.
    pub fn new(query: &'a str, hits: &[crate::Hit], total: usize) -> Self {
        SearchJson {
            query,
            total,
            hits: hits.iter().map(HitJson::from).collect(),
        }
    }
}
