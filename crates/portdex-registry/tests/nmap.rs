//! Coverage of the ports people meet: each of the 150 TCP and 50 UDP ports that nmap
//! finds open most often (its frequency table, /usr/share/nmap/nmap-services from
//! Debian's nmap-common, third column) has a curated entry, or a line in
//! data/nmap-exceptions.txt saying why not. An exception for a port that has an entry
//! now, or for a port outside those lists, fails too: the list stays reviewed.

use portdex_registry::{knowledge_at, Transport};
use std::collections::BTreeMap;

const NMAP_SERVICES: &str = "/usr/share/nmap/nmap-services";
const EXCEPTIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/nmap-exceptions.txt"
);
const TOP_TCP: usize = 150;
const TOP_UDP: usize = 50;

/// One line of nmap-services: its name, port, transport and open frequency.
#[derive(Debug, Clone, PartialEq)]
struct Service {
    name: String,
    port: u16,
    transport: Transport,
    frequency: f64,
}

/// nmap-services' lines (`name<TAB>port/proto<TAB>frequency[<TAB># comment]`); `#`
/// lines are comments. Transports other than tcp and udp (sctp) are left out.
fn read_services(text: &str) -> Result<Vec<Service>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("{NMAP_SERVICES}: line {}: {why}: {line:?}", i + 1);
        let mut f = line.split_whitespace();
        let (Some(name), Some(pp), Some(freq)) = (f.next(), f.next(), f.next()) else {
            return Err(bad("fewer than three fields"));
        };
        let (port, proto) = pp.split_once('/').ok_or_else(|| bad("no port/proto"))?;
        let transport = match proto {
            "tcp" => Transport::Tcp,
            "udp" => Transport::Udp,
            "sctp" => continue,
            _ => return Err(bad("unknown transport")),
        };
        out.push(Service {
            name: name.to_owned(),
            port: port.parse().map_err(|_| bad("not a port"))?,
            transport,
            frequency: freq.parse().map_err(|_| bad("not a frequency"))?,
        });
    }
    Ok(out)
}

/// The `n` most frequently open ports of a transport, most frequent first (equal
/// frequencies by port).
fn top(services: &[Service], transport: Transport, n: usize) -> Vec<Service> {
    let mut of: Vec<Service> = services
        .iter()
        .filter(|s| s.transport == transport)
        .cloned()
        .collect();
    of.sort_by(|a, b| {
        b.frequency
            .total_cmp(&a.frequency)
            .then(a.port.cmp(&b.port))
    });
    of.dedup_by_key(|s| s.port);
    of.truncate(n);
    of
}

/// data/nmap-exceptions.txt: `PORT/PROTO<whitespace>reason` a line, `#` comments.
fn read_exceptions(text: &str) -> Result<BTreeMap<(u16, Transport), String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("data/nmap-exceptions.txt: line {}: {why}: {line:?}", i + 1);
        let (key, reason) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad("no reason after PORT/PROTO"))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(bad("no reason after PORT/PROTO"));
        }
        let (port, proto) = key.split_once('/').ok_or_else(|| bad("not PORT/PROTO"))?;
        let port: u16 = port.parse().map_err(|_| bad("not a port"))?;
        let transport = match proto {
            "tcp" => Transport::Tcp,
            "udp" => Transport::Udp,
            _ => return Err(bad("the transport is tcp or udp")),
        };
        if out.insert((port, transport), reason.to_owned()).is_some() {
            return Err(bad("a second line for this port"));
        }
    }
    Ok(out)
}

fn has_entry(port: u16, transport: Transport) -> bool {
    knowledge_at(port).any(|k| k.has_transport(transport))
}

/// The failures: top ports with neither entry nor exception, stale exceptions, and
/// exceptions for ports outside the lists.
fn problems(
    tops: &[Service],
    exceptions: &BTreeMap<(u16, Transport), String>,
    has_entry: impl Fn(u16, Transport) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in tops {
        if !has_entry(s.port, s.transport) && !exceptions.contains_key(&(s.port, s.transport)) {
            out.push(format!(
                "{}/{} (nmap: {}, frequency {}): no curated entry and no exception",
                s.port, s.transport, s.name, s.frequency
            ));
        }
    }
    for &(port, transport) in exceptions.keys() {
        if has_entry(port, transport) {
            out.push(format!(
                "{port}/{transport}: has a curated entry now; remove its exception"
            ));
        } else if !tops
            .iter()
            .any(|s| s.port == port && s.transport == transport)
        {
            out.push(format!(
                "{port}/{transport}: not among nmap's top {TOP_TCP} TCP / {TOP_UDP} UDP ports; remove its exception"
            ));
        }
    }
    out
}

#[test]
fn nmap_s_most_frequent_ports_have_entries_or_exceptions() {
    let Ok(text) = std::fs::read_to_string(NMAP_SERVICES) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{NMAP_SERVICES} is missing: install nmap-common (CI must have it)"
        );
        eprintln!("SKIPPED: {NMAP_SERVICES} is missing (apt-get install nmap-common)");
        return;
    };
    let services = read_services(&text).unwrap();
    let mut tops = top(&services, Transport::Tcp, TOP_TCP);
    assert_eq!(tops.len(), TOP_TCP, "nmap-services has too few TCP ports");
    tops.extend(top(&services, Transport::Udp, TOP_UDP));
    assert_eq!(tops.len(), TOP_TCP + TOP_UDP, "too few UDP ports");
    let exceptions =
        std::fs::read_to_string(EXCEPTIONS).unwrap_or_else(|e| panic!("{EXCEPTIONS}: {e}"));
    let exceptions = read_exceptions(&exceptions).unwrap();
    let bad = problems(&tops, &exceptions, has_entry);
    assert!(
        bad.is_empty(),
        "{} problems with nmap's most frequently open ports:\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

#[test]
fn the_rule_on_a_small_table() {
    let services = read_services(
        "# comment\nhttp\t80/tcp\t0.484143\t# World Wide Web HTTP\n\
         telnet\t23/tcp\t0.221265\nsnmp\t161/udp\t0.433467\nsctp-x\t9/sctp\t0.9\n\
         a\t1/tcp\t0.000001\nb\t2/tcp\t0.221265\n",
    )
    .unwrap();
    assert_eq!(services.len(), 5, "sctp left out");
    let tops: Vec<u16> = top(&services, Transport::Tcp, 3)
        .iter()
        .map(|s| s.port)
        .collect();
    assert_eq!(tops, [80, 2, 23], "by frequency, equal ones by port");
    let mut tops = top(&services, Transport::Tcp, 2);
    tops.extend(top(&services, Transport::Udp, 1));
    let exc =
        read_exceptions("# why\n2/tcp  nothing documented\n\n7/tcp  old\n161/udp  x\n").unwrap();
    let entries = |p: u16, t: Transport| (p, t) == (80, Transport::Tcp) || p == 161;
    let got = problems(&tops, &exc, entries);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].starts_with("7/tcp: not among"), "{got:#?}");
    assert!(
        got[1].starts_with("161/udp: has a curated entry"),
        "{got:#?}"
    );
    let got = problems(&tops, &BTreeMap::new(), entries);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with("2/tcp (nmap: b"), "{got:#?}");

    for bad in [
        "22/tcp",
        "22 reason",
        "22/sctp x",
        "x/tcp y",
        "22/tcp a\n22/tcp b",
    ] {
        let e = read_exceptions(bad).unwrap_err();
        assert!(e.contains("line "), "{bad}: {e}");
    }
    assert!(read_services("x 80/tcp").is_err());
    assert!(read_services("x 80/tcp high").is_err());
}
