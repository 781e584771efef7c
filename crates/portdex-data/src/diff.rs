//! What an update changes: rows added, removed and changed between two registries, and
//! a sanity bound that catches a registry that changed too much to be trusted blindly.

use crate::parse::{IanaRow, Registry};
use portdex_registry::{PortRange, Transport};
use std::collections::HashMap;

/// The share of the old rows that may be removed or changed before a diff is
/// [suspicious](Diff::is_suspicious): one in ten.
pub const SUSPICIOUS_PERCENT: usize = 10;

/// A field of a row, named as in IANA's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Description.
    Description,
    /// Assignee.
    Assignee,
    /// Contact.
    Contact,
    /// Registration Date.
    RegistrationDate,
    /// Modification Date.
    ModificationDate,
    /// Reference.
    Reference,
    /// Service Code.
    ServiceCode,
    /// Unauthorized Use Reported.
    UnauthorizedUse,
    /// Assignment Notes.
    AssignmentNotes,
}

impl Field {
    /// The fields that can change while a row keeps its identity (name, port, transport).
    pub const ALL: [Field; 9] = [
        Field::Description,
        Field::Assignee,
        Field::Contact,
        Field::RegistrationDate,
        Field::ModificationDate,
        Field::Reference,
        Field::ServiceCode,
        Field::UnauthorizedUse,
        Field::AssignmentNotes,
    ];

    /// The column's name in IANA's header (`Description`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Description => "Description",
            Field::Assignee => "Assignee",
            Field::Contact => "Contact",
            Field::RegistrationDate => "Registration Date",
            Field::ModificationDate => "Modification Date",
            Field::Reference => "Reference",
            Field::ServiceCode => "Service Code",
            Field::UnauthorizedUse => "Unauthorized Use Reported",
            Field::AssignmentNotes => "Assignment Notes",
        }
    }

    fn differs(self, a: &IanaRow, b: &IanaRow) -> bool {
        match self {
            Field::Description => a.description != b.description,
            Field::Assignee => a.assignee != b.assignee,
            Field::Contact => a.contact != b.contact,
            Field::RegistrationDate => a.registration_date != b.registration_date,
            Field::ModificationDate => a.modification_date != b.modification_date,
            Field::Reference => a.reference != b.reference,
            Field::ServiceCode => a.service_code != b.service_code,
            Field::UnauthorizedUse => a.unauthorized_use != b.unauthorized_use,
            Field::AssignmentNotes => a.assignment_notes != b.assignment_notes,
        }
    }
}

/// A row that is in both registries (same service name, port and transport) with other
/// fields different.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The row before.
    pub old: IanaRow,
    /// The row after.
    pub new: IanaRow,
    /// The fields that differ, in IANA's column order.
    pub fields: Vec<Field>,
}

/// The difference between two registries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Rows only in the new registry, in its order.
    pub added: Vec<IanaRow>,
    /// Rows in both with other fields changed, in the new registry's order.
    pub changed: Vec<Change>,
    /// Rows only in the old registry, in its order.
    pub removed: Vec<IanaRow>,
    /// The number of rows of the old registry.
    pub old_rows: usize,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// Whether more than [`SUSPICIOUS_PERCENT`] of the old rows were removed or changed:
    /// IANA changes a few dozen rows a month, so a larger change is more likely a broken
    /// download or the wrong file than an update (the CLI asks for `--force`).
    pub fn is_suspicious(&self) -> bool {
        (self.removed.len() + self.changed.len()) * 100 > self.old_rows * SUSPICIOUS_PERCENT
    }
}

type Key<'a> = (&'a str, Option<PortRange>, Option<Transport>);

fn key(row: &IanaRow) -> Key<'_> {
    (&row.service_name, row.port, row.transport)
}

/// Compares two registries. Rows are matched by service name, port and transport; where
/// IANA has several rows with the same key (unnamed Reserved ranges, `rdp` without a
/// port), identical rows pair first and the rest pair in order.
pub fn diff(old: &Registry, new: &Registry) -> Diff {
    let mut old_by_key: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
    for (i, row) in old.rows().iter().enumerate() {
        old_by_key.entry(key(row)).or_default().push(i);
    }
    let mut new_by_key: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
    for (i, row) in new.rows().iter().enumerate() {
        new_by_key.entry(key(row)).or_default().push(i);
    }

    let mut old_used = vec![false; old.len()];
    // For each new row: the old row it pairs with, if any.
    let mut partner: Vec<Option<usize>> = vec![None; new.len()];
    for (k, new_idx) in &new_by_key {
        let Some(old_idx) = old_by_key.get(k) else {
            continue;
        };
        // Identical rows first, then the rest in order.
        for &n in new_idx {
            if let Some(&o) = old_idx
                .iter()
                .find(|&&o| !old_used[o] && old.rows()[o] == new.rows()[n])
            {
                old_used[o] = true;
                partner[n] = Some(o);
            }
        }
        for &n in new_idx {
            if partner[n].is_some() {
                continue;
            }
            if let Some(&o) = old_idx.iter().find(|&&o| !old_used[o]) {
                old_used[o] = true;
                partner[n] = Some(o);
            }
        }
    }

    let mut added = Vec::new();
    let mut changed = Vec::new();
    for (n, row) in new.rows().iter().enumerate() {
        match partner[n] {
            None => added.push(row.clone()),
            Some(o) => {
                let before = &old.rows()[o];
                let fields: Vec<Field> = Field::ALL
                    .into_iter()
                    .filter(|f| f.differs(before, row))
                    .collect();
                if !fields.is_empty() {
                    changed.push(Change {
                        old: before.clone(),
                        new: row.clone(),
                        fields,
                    });
                }
            }
        }
    }
    let removed = old
        .rows()
        .iter()
        .zip(&old_used)
        .filter(|(_, used)| !**used)
        .map(|(row, _)| row.clone())
        .collect();
    Diff {
        added,
        changed,
        removed,
        old_rows: old.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, port: u16, description: &str) -> IanaRow {
        IanaRow {
            service_name: name.to_string(),
            port: Some(PortRange { lo: port, hi: port }),
            transport: Some(Transport::Tcp),
            description: description.to_string(),
            assignee: String::new(),
            contact: String::new(),
            registration_date: None,
            modification_date: None,
            reference: String::new(),
            service_code: String::new(),
            unauthorized_use: String::new(),
            assignment_notes: String::new(),
        }
    }

    #[test]
    fn added_changed_removed() {
        let old = Registry::from_rows(vec![
            row("http", 80, "World Wide Web HTTP"),
            row("gopher", 70, "Gopher"),
            row("", 2, "Reserved"),
            row("", 2, "Reserved"),
        ]);
        let new = Registry::from_rows(vec![
            row("http", 80, "HTTP"),
            row("", 2, "Reserved"),
            row("", 2, "Reserved"),
            row("https", 443, "HTTP over TLS"),
        ]);
        let d = diff(&old, &new);
        assert_eq!(d.added, vec![row("https", 443, "HTTP over TLS")]);
        assert_eq!(d.removed, vec![row("gopher", 70, "Gopher")]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].fields, vec![Field::Description]);
        assert!(d.is_suspicious(), "2 of 4 rows is more than 10%");
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn duplicate_keys_pair_identical_rows_first() {
        let old = Registry::from_rows(vec![row("", 2, "a"), row("", 2, "b")]);
        let new = Registry::from_rows(vec![row("", 2, "b"), row("", 2, "a")]);
        assert!(diff(&old, &new).is_empty());
    }
}
