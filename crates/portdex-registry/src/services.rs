//! The registry as an `/etc/services` file (services(5)), a drop-in replacement for
//! Debian's.
//!
//! Resolvers (`getservbyname`, `getent services`) return the FIRST line whose name or
//! alias matches, so the order of the lines decides what a name means. The file is
//! written in two parts:
//!
//! 1. Debian netbase's `/etc/services` (`data/sources/netbase/services`), every line in
//!    its order, each with the IANA names of its port and transport added as aliases
//!    where that cannot change what a Debian name resolves to. Every Debian name, alias
//!    and port therefore resolves as it does on Debian (`http-alt` is 8080, `x11` is
//!    6000, `postgres` is 5432).
//! 2. The rest of the IANA registry by port, one line per port and transport; every
//!    port of a range on its own line (`x11 6001/tcp` … `x11 6063/tcp`), so a name's
//!    first line is its lowest port.
//!
//! Debian's file is embedded as text and read only when this format is asked for: the
//! lookups do not touch it.

use crate::{all_assignments, Assignment, PortRange, Status, Transport};
use std::collections::HashMap;
use std::fmt::{self, Write};

/// Debian netbase's `/etc/services`, as the package ships it.
const NETBASE: &str = include_str!("../../../data/sources/netbase/services");
/// The netbase version of [`NETBASE`] (data/README.md says where it came from).
const NETBASE_VERSION: &str = "6.4";

/// Whether a name can stand in a services(5) line: no white space or comment sign.
fn fits(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '#')
}

/// One line of Debian's file.
struct Debian {
    name: &'static str,
    port: u16,
    proto: &'static str,
    aliases: Vec<&'static str>,
    comment: &'static str,
}

impl Debian {
    fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }
}

/// The entries of Debian's file, in its order.
fn netbase() -> Vec<Debian> {
    NETBASE
        .lines()
        .filter_map(|l| {
            let (fields, comment) = l.split_once('#').unwrap_or((l, ""));
            let mut f = fields.split_whitespace();
            let name = f.next()?;
            let (port, proto) = f.next()?.split_once('/')?;
            Some(Debian {
                name,
                port: port.parse().ok()?,
                proto,
                aliases: f.collect(),
                comment: comment.trim(),
            })
        })
        .collect()
}

/// The IANA rows of one port and transport, names distinct (ignoring case): the
/// port's own rows first, then the ranges that cover it.
struct Cell {
    port: u16,
    transport: Transport,
    rows: Vec<Assignment>,
}

/// Assigned rows with a usable name, port and transport, one cell per port and
/// transport, by port then transport. A range gives every port it covers within `within`.
fn cells(rows: impl IntoIterator<Item = Assignment>, within: PortRange) -> Vec<Cell> {
    let mut each: Vec<(u16, Transport, bool, Assignment)> = rows
        .into_iter()
        .filter(|a| a.status() == Status::Assigned && fits(a.name()))
        .filter_map(|a| Some((a.ports()?, a.transport()?, a)))
        .flat_map(|(p, t, a)| {
            let ports = p.lo.max(within.lo)..=p.hi.min(within.hi);
            ports.map(move |port| (port, t, p.lo != p.hi, a))
        })
        .collect();
    // Stable: registry order within a port's own rows and within its ranges.
    each.sort_by_key(|&(port, t, range, _)| (port, t, range));
    let mut out: Vec<Cell> = Vec::new();
    for (port, transport, _, a) in each {
        match out.last_mut() {
            Some(c) if (c.port, c.transport) == (port, transport) => {
                if !c
                    .rows
                    .iter()
                    .any(|r| r.name().eq_ignore_ascii_case(a.name()))
                {
                    c.rows.push(a);
                }
            }
            _ => out.push(Cell {
                port,
                transport,
                rows: vec![a],
            }),
        }
    }
    out
}

/// The comment of a Debian line: Debian's own, else the IANA description of its name
/// (not another name's: 7000/tcp is Debian's `bbs` and IANA's `afs3-fileserver`).
fn comment_of(d: &Debian, rows: &[Assignment]) -> String {
    if !d.comment.is_empty() {
        return d.comment.to_owned();
    }
    rows.iter()
        .find(|a| a.name().eq_ignore_ascii_case(d.name))
        .map(|a| one_line(a.description()))
        .unwrap_or_default()
}

/// A description as a one-line comment.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes one services(5) line: `name port/proto [aliases…] [# comment]`.
fn line<'a>(
    out: &mut impl Write,
    port: u16,
    proto: &str,
    mut names: impl Iterator<Item = &'a str>,
    comment: &str,
) -> fmt::Result {
    let name = names.next().unwrap_or_default();
    let mut l = format!("{name:<15} {:<15}", format!("{port}/{proto}"));
    let mut aliases = false;
    for n in names {
        l.push(' ');
        l.push_str(n);
        aliases = true;
    }
    if !comment.is_empty() {
        l.push_str(if aliases { " # " } else { "# " });
        l.push_str(comment);
    }
    writeln!(out, "{}", l.trim_end())
}

/// Writes the whole registry as an `/etc/services` file: a header that says what it
/// is, Debian's entries first (with IANA's names of their ports added), then every
/// other assigned port and transport of the IANA registry by port, ranges one line
/// per port. Rows without a port or transport and de-assigned rows are left out.
///
/// ```
/// let mut out = String::new();
/// portdex_registry::write_services(&mut out).unwrap();
/// assert!(out.lines().any(|l| l.starts_with("http ") && l.contains("80/tcp") && l.contains("www www-http")));
/// // Debian's name wins where Debian lists it: http-alt is 8080, before IANA's 591.
/// let at = |s: &str| out.lines().position(|l| l.starts_with(s)).unwrap();
/// assert!(at("http-alt        8080/tcp") < at("http-alt        591/tcp"));
/// // Every port of a range on its own line.
/// assert!(out.lines().any(|l| l.starts_with("x11             6063/tcp")));
/// ```
pub fn write_services(out: &mut impl Write) -> fmt::Result {
    writeln!(
        out,
        "# /etc/services (services(5)), written by portdex. Sources:\n\
         # - Debian netbase {NETBASE_VERSION}'s /etc/services (GPL-2): its entries first, in its order,\n\
         #   so that each of its names, aliases and ports resolves as on Debian; the IANA\n\
         #   names of the same port and transport are added as aliases;\n\
         # - the IANA Service Name and Transport Protocol Port Number Registry: every other\n\
         #   assigned port and transport by port, each port of a range on its own line.\n\
         # A name on several ports resolves to its first line. See portdex's data/README.md.\n\
         # Rows without a port or a transport (DNS-SD names; ranges such as flex-lm\n\
         # 27000-27009, which the registry gives no transport) cannot be written here."
    )?;
    let debian = netbase();
    let mut cells = cells(
        all_assignments(),
        PortRange {
            lo: 0,
            hi: u16::MAX,
        },
    );
    let at: HashMap<(u16, &str), usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.port, c.transport.as_str()), i))
        .collect();
    // Where each Debian name first resolves: by name alone and by name and transport.
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut first_on: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, d) in debian.iter().enumerate() {
        for n in d.names() {
            first.entry(n).or_insert(i);
            first_on.entry((n, d.proto)).or_insert(i);
        }
    }
    // An IANA name can join Debian's line i unless a Debian line after it resolves
    // that name (alone or with this transport).
    let may_join = |n: &str, proto: &str, i: usize| match first.get(n) {
        None => true,
        Some(&f) => f < i && first_on.get(&(n, proto)).is_none_or(|&f| f < i),
    };
    writeln!(
        out,
        "# From Debian netbase {NETBASE_VERSION}'s /etc/services"
    )?;
    for (i, d) in debian.iter().enumerate() {
        let mut names: Vec<&str> = d.names().collect();
        let mut comment = d.comment.to_owned();
        if let Some(&c) = at.get(&(d.port, d.proto)) {
            let rows = &mut cells[c].rows;
            comment = comment_of(d, rows);
            rows.retain(|a| {
                let n = a.name();
                if names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                    false
                } else if may_join(n, d.proto, i) {
                    names.push(n);
                    false
                } else {
                    true
                }
            });
        }
        line(out, d.port, d.proto, names.into_iter(), &comment)?;
    }
    writeln!(out, "# The rest of the IANA registry, by port")?;
    write_cells(out, &cells, &[])
}

/// Writes the given rows as services(5) lines, one per port and transport of `ports`
/// (a range row gives each of its ports there its own line), in port order. Where
/// Debian's file has the port and transport, its name, aliases and comment lead the
/// line, as in [`write_services`].
pub fn write_services_rows(
    out: &mut impl Write,
    rows: impl IntoIterator<Item = Assignment>,
    ports: PortRange,
) -> fmt::Result {
    write_cells(out, &cells(rows, ports), &netbase())
}

fn write_cells(out: &mut impl Write, cells: &[Cell], debian: &[Debian]) -> fmt::Result {
    for c in cells.iter().filter(|c| !c.rows.is_empty()) {
        let proto = c.transport.as_str();
        let debian = debian.iter().find(|d| (d.port, d.proto) == (c.port, proto));
        let lead: Vec<&str> = debian.map(|d| d.names().collect()).unwrap_or_default();
        let iana = c
            .rows
            .iter()
            .map(|a| a.name())
            .filter(|n| !lead.iter().any(|x| x.eq_ignore_ascii_case(n)));
        let comment = match debian {
            Some(d) => comment_of(d, &c.rows),
            None => one_line(c.rows[0].description()),
        };
        line(
            out,
            c.port,
            proto,
            lead.iter().copied().chain(iana),
            &comment,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `getent services KEY` answers from a services(5) text: the first line
    /// whose name or alias is KEY (`name` or `name/proto`) or whose port is KEY
    /// (`port/proto`), as (name, port, proto).
    fn resolve<'a>(text: &'a str, key: &str) -> Option<(&'a str, u16, &'a str)> {
        let (k, want) = key
            .split_once('/')
            .map_or((key, None), |(k, p)| (k, Some(p)));
        let port: Option<u16> = k.parse().ok();
        text.lines().find_map(|l| {
            let mut f = l.split('#').next()?.split_whitespace();
            let name = f.next()?;
            let (p, proto) = f.next()?.split_once('/')?;
            let p: u16 = p.parse().ok()?;
            let hit = match port {
                Some(q) => q == p,
                None => name == k || f.any(|a| a == k),
            };
            (hit && want.is_none_or(|w| w == proto)).then_some((name, p, proto))
        })
    }

    #[test]
    fn every_debian_entry_resolves_as_on_debian() {
        let mut ours = String::new();
        write_services(&mut ours).unwrap();
        let debian = netbase();
        assert_eq!(debian.len(), 318, "entries of netbase {NETBASE_VERSION}");
        for d in &debian {
            let port = format!("{}/{}", d.port, d.proto);
            assert_eq!(resolve(&ours, &port), resolve(NETBASE, &port), "{port}");
            for n in d.names() {
                for key in [n.to_owned(), format!("{n}/{}", d.proto)] {
                    assert_eq!(resolve(&ours, &key), resolve(NETBASE, &key), "{key}");
                }
            }
        }
        assert_eq!(resolve(&ours, "http-alt"), Some(("http-alt", 8080, "tcp")));
        assert_eq!(resolve(&ours, "591/tcp"), Some(("http-alt", 591, "tcp")));
        assert_eq!(resolve(&ours, "x11"), Some(("x11", 6000, "tcp")));
        assert_eq!(resolve(&ours, "6063/udp"), Some(("x11", 6063, "udp")));
    }

    #[test]
    fn a_range_is_one_line_per_port() {
        let mut out = String::new();
        let x11 =
            || crate::assignments_named("x11").filter(|a| a.ports().is_some_and(|p| p.len() > 1));
        let all = PortRange {
            lo: 0,
            hi: u16::MAX,
        };
        write_services_rows(&mut out, x11(), all).unwrap();
        assert_eq!(out.lines().count(), 128, "{out}"); // 6000-6063, tcp and udp
                                                       // Debian's names lead where Debian has the port.
        assert!(
            out.starts_with("x11             6000/tcp        x11-0 #"),
            "{out}"
        );
        assert!(
            out.contains("\nx11-1           6001/tcp        x11\n"),
            "{out}"
        );
        // Only the ports asked for.
        let mut one = String::new();
        write_services_rows(&mut one, x11(), PortRange::single(6010)).unwrap();
        assert_eq!(one, "x11             6010/tcp       # X Window System\nx11             6010/udp       # X Window System\n");
    }
}
