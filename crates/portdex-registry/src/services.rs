//! The registry as an `/etc/services` file (services(5)).

use crate::{all_assignments, Assignment, Status};
use std::fmt::{self, Write};

/// Whether a name can stand in a services(5) line: no white space or comment sign.
fn fits(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '#')
}

/// Writes every assigned port/transport with a name as services(5) lines: the first
/// name is the service, the others on the same port and transport are its aliases.
/// Ranges cannot be written in that format and are left out, as are rows without a
/// port or transport and de-assigned rows.
///
/// ```
/// let mut out = String::new();
/// portdex_registry::write_services(&mut out).unwrap();
/// assert!(out.lines().any(|l| l.starts_with("http ") && l.contains("80/tcp") && l.contains("www www-http")));
/// ```
pub fn write_services(out: &mut impl Write) -> fmt::Result {
    writeln!(
        out,
        "# /etc/services: written by portdex from the IANA Service Name and Transport\n\
         # Protocol Port Number Registry (see portdex's data/README.md for the sources).\n\
         # Ranges and service names without a port are not expressible here and are left out."
    )?;
    write_services_rows(out, all_assignments())
}

/// Writes the given rows as services(5) lines, with the same rules as
/// [`write_services`]: rows of one port and transport become one line with aliases.
pub fn write_services_rows(
    out: &mut impl Write,
    rows: impl IntoIterator<Item = Assignment>,
) -> fmt::Result {
    let rows: Vec<Assignment> = rows
        .into_iter()
        .filter(|a| {
            a.status() == Status::Assigned
                && fits(a.name())
                && a.transport().is_some()
                && a.ports().is_some_and(|p| p.lo == p.hi)
        })
        .collect();
    let mut i = 0;
    while i < rows.len() {
        let first = rows[i];
        let key = (first.ports(), first.transport());
        let mut j = i + 1;
        while j < rows.len() && (rows[j].ports(), rows[j].transport()) == key {
            j += 1;
        }
        let mut aliases: Vec<&str> = Vec::new();
        for a in &rows[i + 1..j] {
            let n = a.name();
            if !n.eq_ignore_ascii_case(first.name())
                && !aliases.iter().any(|x| x.eq_ignore_ascii_case(n))
            {
                aliases.push(n);
            }
        }
        let (Some(p), Some(t)) = key else {
            unreachable!("filtered above")
        };
        let port = format!("{}/{}", p.lo, t);
        let desc: String = first
            .description()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut line = format!("{:<15} {port:<15}", first.name());
        if !aliases.is_empty() {
            line.push(' ');
            line.push_str(&aliases.join(" "));
        }
        if !desc.is_empty() {
            line.push_str(if aliases.is_empty() { "# " } else { " # " });
            line.push_str(&desc);
        }
        writeln!(out, "{}", line.trim_end())?;
        i = j;
    }
    Ok(())
}
