//! Between IANA's rows and the registry's: the rows an update installs (the new CSV's,
//! then the history the registry in use keeps and the new CSV does not list), and the
//! registry in use as IANA's rows, to compare an update with.

use crate::parse::{IanaRow, Registry};
use portdex_registry::{all_assignments, PortRange, RowData, Source, Status, Transport};
use std::collections::HashSet;

/// The status of one of IANA's rows, by the rule the generator applies
/// ([`Status::of_iana_row`]).
pub fn status_of(row: &IanaRow) -> Status {
    Status::of_iana_row(&row.service_name, &row.description, &row.assignee)
}

/// What matches a row across registries: its name (ignoring ASCII case), its port field
/// and its transport (data/README.md, rule 2).
type Key = (String, Option<PortRange>, Option<Transport>);

fn key(name: &str, ports: Option<PortRange>, transport: Option<Transport>) -> Key {
    (name.to_ascii_lowercase(), ports, transport)
}

fn row_data(r: &IanaRow) -> RowData {
    let date = |d: Option<crate::IanaDate>| d.map(|d| d.to_string()).unwrap_or_default();
    RowData {
        name: r.service_name.clone(),
        ports: r.port,
        transport: r.transport,
        status: status_of(r),
        source: Source::Iana,
        fields: [
            r.description.clone(),
            r.assignee.clone(),
            r.contact.clone(),
            date(r.registration_date),
            date(r.modification_date),
            r.reference.clone(),
            r.service_code.clone(),
            r.unauthorized_use.clone(),
            r.assignment_notes.clone(),
        ],
    }
}

/// The rows an update installs: every row of `new`, as IANA has it; then, as history
/// (de-assigned, never a current assignment), the named rows of the registry in use that
/// `new` no longer lists: its history rows, and its IANA rows that `new` dropped.
pub fn rows_to_install(new: &Registry) -> Vec<RowData> {
    let listed: HashSet<Key> = new
        .rows()
        .iter()
        .filter(|r| !r.service_name.is_empty())
        .map(|r| key(&r.service_name, r.port, r.transport))
        .collect();
    let mut rows: Vec<RowData> = new.rows().iter().map(row_data).collect();
    let mut kept: HashSet<Key> = HashSet::new();
    for a in all_assignments().filter(|a| !a.name().is_empty()) {
        let k = key(a.name(), a.ports(), a.transport());
        if listed.contains(&k) || !kept.insert(k) {
            continue;
        }
        rows.push(RowData {
            source: Source::History,
            status: Status::DeAssigned,
            ..RowData::from(a)
        });
    }
    rows
}

/// The registry in use (the embedded one, or an installed update) as IANA's rows: every
/// row that comes from IANA, every field; the history is left out.
pub fn in_use() -> Registry {
    let date = |s: &str| s.parse().ok();
    Registry::from_rows(
        all_assignments()
            .filter(|a| a.source() == Source::Iana)
            .map(|a| IanaRow {
                service_name: a.name().to_owned(),
                port: a.ports(),
                transport: a.transport(),
                description: a.description().to_owned(),
                assignee: a.assignee().to_owned(),
                contact: a.contact().to_owned(),
                registration_date: date(a.registration_date()),
                modification_date: date(a.modification_date()),
                reference: a.reference().to_owned(),
                service_code: a.service_code().to_owned(),
                unauthorized_use: a.known_unauthorized_uses().to_owned(),
                assignment_notes: a.assignment_notes().to_owned(),
            })
            .collect(),
    )
}
