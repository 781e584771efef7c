//! The rows an update installs agree with what the generator embedded: installing the
//! bundled CSV (the one the embedded registry was built from) changes nothing, row for
//! row, status and source included; and the registry in use reads back as that CSV.

mod common;

use common::bundled;
use portdex_data::{diff, in_use, parse, rows_to_install};
use portdex_registry::{all_assignments, RowData};

fn sort_key(r: &RowData) -> String {
    format!("{r:?}")
}

#[test]
fn installing_the_bundled_csv_reproduces_the_embedded_registry() {
    let bundled = parse(&bundled()).unwrap();
    let mut installed: Vec<RowData> = rows_to_install(&bundled);
    let mut embedded: Vec<RowData> = all_assignments().map(RowData::from).collect();
    for r in &mut embedded {
        r.name = r.name.trim().to_owned();
        for f in &mut r.fields {
            *f = f.trim().to_owned();
        }
    }
    for r in &mut installed {
        r.name = r.name.trim().to_owned();
        for f in &mut r.fields {
            *f = f.trim().to_owned();
        }
    }
    installed.sort_by_key(sort_key);
    embedded.sort_by_key(sort_key);
    assert_eq!(installed.len(), embedded.len());
    for (i, e) in installed.iter().zip(&embedded) {
        assert_eq!(i, e);
    }
}

#[test]
fn the_registry_in_use_reads_back_as_the_bundled_csv() {
    let bundled = parse(&bundled()).unwrap();
    let changes = diff(&in_use(), &bundled);
    assert!(
        changes.is_empty(),
        "{} added, {} changed, {} removed: {:?}",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.changed.first().map(|c| &c.fields)
    );
}
