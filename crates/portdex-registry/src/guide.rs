//! The facts of the beginner's guide (`portdex guide`, the web page's /guide): which
//! twenty ports it shows, and how a range of ports (the kernel's ephemeral range) sits
//! among the three RFC 6335 categories. The words are in portdex-text; the names and
//! uses of the ports are the curated entries `portdex PORT` shows.

use crate::{knowledge_at, Category, Knowledge, PortRange};

/// The twenty ports everyone should know, lowest first, each with the name of the use
/// the guide teaches (a crowded port has several curated uses: 6379 is Redis here, not
/// Ray's GCS; 8080 the alternate HTTP port, not one of the many programs that default
/// to it). Chosen as the ports a beginner meets on a first server and in a first audit,
/// in the pairs that teach the third habit (prefer the encrypted protocol):
/// - logging in and copying files: 22 SSH against 23 Telnet and 21 FTP, 3389 RDP;
/// - the web: 80 HTTP against 443 HTTPS, and 8080, the usual port of a second web
///   server or proxy;
/// - mail: 25 SMTP, 587 submission (STARTTLS) and 465 submission over TLS; 110 POP3
///   against 995 POP3S, 143 IMAP against 993 IMAPS;
/// - what every network runs: 53 DNS, 123 NTP, 445 SMB (Windows file sharing, the
///   port most attacked on Windows networks);
/// - the databases found exposed most often: 3306 MySQL, 5432 PostgreSQL, 6379 Redis.
///
/// Left out on purpose: 20 (FTP's data connection, taught with 21), 67/68 DHCP and 161
/// SNMP (UDP infrastructure a beginner rarely configures), 8443 (the same lesson as
/// 8080 and 443). A test checks that each is a curated entry on its port.
pub const GUIDE_PORTS: [(u16, &str); 20] = [
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (25, "smtp"),
    (53, "domain"),
    (80, "http"),
    (110, "pop3"),
    (123, "ntp"),
    (143, "imap"),
    (443, "https"),
    (445, "microsoft-ds"),
    (465, "submissions"),
    (587, "submission"),
    (993, "imaps"),
    (995, "pop3s"),
    (3306, "mysql"),
    (3389, "ms-wbt-server"),
    (5432, "postgresql"),
    (6379, "redis"),
    (8080, "http-alt"),
];

/// The guide's ports with their curated entries, as `portdex PORT` shows them (the
/// entry of the guide's use among the port's entries).
pub fn guide_ports() -> Vec<(u16, Knowledge)> {
    GUIDE_PORTS
        .iter()
        .filter_map(|&(p, name)| knowledge_at(p).find(|k| k.name() == name).map(|k| (p, k)))
        .collect()
}

/// The guide's ports in a category (its examples), lowest first.
pub fn guide_examples(category: Category) -> Vec<u16> {
    GUIDE_PORTS
        .iter()
        .map(|&(p, _)| p)
        .filter(|&p| Category::of(p) == category)
        .collect()
}

/// The parts of `range` in each category, lowest first: (category, the ports of
/// `range` in it). The kernel's usual ephemeral range 32768–60999 gives
/// (registered, 32768–49151) and (dynamic, 49152–60999).
///
/// ```
/// use portdex_registry::{guide::categories_of, Category, PortRange};
/// let parts = categories_of(PortRange { lo: 32768, hi: 60999 });
/// assert_eq!(parts, [
///     (Category::Registered, PortRange { lo: 32768, hi: 49151 }),
///     (Category::Dynamic, PortRange { lo: 49152, hi: 60999 }),
/// ]);
/// ```
pub fn categories_of(range: PortRange) -> Vec<(Category, PortRange)> {
    Category::ALL
        .into_iter()
        .filter_map(|c| {
            let r = c.range();
            let (lo, hi) = (r.lo.max(range.lo), r.hi.min(range.hi));
            (lo <= hi).then_some((c, PortRange { lo, hi }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guide_port_has_a_curated_entry_that_names_it() {
        let ports = guide_ports();
        assert_eq!(
            ports.len(),
            GUIDE_PORTS.len(),
            "a guide port without an entry"
        );
        for (p, k) in ports {
            assert!(k.ports().contains(p), "{p}: {}", k.name());
            assert!(!k.usage(crate::Lang::En).is_empty(), "{p}");
            assert!(!k.usage(crate::Lang::Ja).is_empty(), "{p}");
        }
        GUIDE_PORTS
            .windows(2)
            .for_each(|w| assert!(w[0].0 < w[1].0, "lowest first, no port twice: {w:?}"));
    }

    #[test]
    fn a_range_is_split_by_category() {
        assert_eq!(
            categories_of(PortRange { lo: 1000, hi: 1100 }),
            [
                (Category::WellKnown, PortRange { lo: 1000, hi: 1023 }),
                (Category::Registered, PortRange { lo: 1024, hi: 1100 }),
            ]
        );
        assert_eq!(
            categories_of(PortRange {
                lo: 49152,
                hi: 65535
            }),
            [(
                Category::Dynamic,
                PortRange {
                    lo: 49152,
                    hi: 65535
                }
            )]
        );
        assert_eq!(guide_examples(Category::Dynamic), Vec::<u16>::new());
        assert!(guide_examples(Category::WellKnown).contains(&443));
    }
}
