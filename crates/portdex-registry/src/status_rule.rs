// The status of a row of IANA's CSV, as a status code (0 assigned, 1 reserved,
// 2 unassigned, 3 de-assigned; `Status::from_code`). One rule, included as source by
// the generator (xtask, which must build without this crate) and by this crate, which
// gives it to `portdex update` as `Status::of_iana_row`. data/README.md, rule 1: a
// named row is assigned unless "De-Registered"; a nameless one is what its
// description's first word says, else assigned when it has an assignee.

/// The status code of a CSV row with this service name, description and assignee.
pub(crate) fn iana_status_code(name: &str, description: &str, assignee: &str) -> u8 {
    let d = description.trim().to_ascii_lowercase();
    if !name.is_empty() {
        return if d.starts_with("de-registered") { 3 } else { 0 };
    }
    if d.starts_with("unassigned") || d.starts_with("(unassigned)") {
        2
    } else if d.starts_with("reserved") {
        1
    } else if [
        "de-registered",
        "removed",
        "deprecated",
        "decomissioned",
        "de-commissioned",
    ]
    .iter()
    .any(|w| d.starts_with(w))
    {
        3
    } else if assignee.is_empty() {
        2
    } else {
        0
    }
}
