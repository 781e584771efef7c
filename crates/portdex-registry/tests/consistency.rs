//! Consistency rules of the curated knowledge (data/README.md, "Curated knowledge"),
//! enforced here instead of by hand. Each test lists every entry that breaks its rule,
//! by display name, ports and transports, so the data can be fixed in one pass.

use portdex_registry::{
    all_knowledge, knowledge_at, Auth, Encryption, Knowledge, Lang, Role, Severity, Transport,
};

/// How an entry is named in a failure: `prometheus 9090/tcp`.
fn label(k: Knowledge) -> String {
    let ts: Vec<&str> = k.transports().map(Transport::as_str).collect();
    format!("{} {}/{}", k.name(), k.ports(), ts.join(","))
}

fn fail_unless_empty(rule: &str, bad: Vec<String>) {
    assert!(
        bad.is_empty(),
        "{} entries break the rule: {rule}\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

/// The severities the rubric allows for an entry's role, auth and encryption.
fn allowed(role: Role, auth: Auth, cleartext: bool) -> &'static [Severity] {
    use Severity::*;
    match (role, auth) {
        (Role::Data | Role::Control | Role::Admin, Auth::None) => &[Critical],
        (Role::Data | Role::Control | Role::Admin, Auth::Required) => &[High],
        (Role::Login, _) if cleartext => &[High],
        (Role::Login, _) => &[Low, Medium],
        (Role::Malware, _) => &[High, Critical],
        // Cluster traffic that anyone who reaches it can join or inject into.
        (Role::Peer, Auth::None) => &[Info, Low, Medium, High],
        // web, public, peer, discovery: high only when cleartext logins cross it.
        (_, Auth::Required) if cleartext => &[Info, Low, Medium, High],
        _ => &[Info, Low, Medium],
    }
}

#[test]
fn severities_follow_the_rubric() {
    let mut bad = Vec::new();
    for k in all_knowledge() {
        let ok = allowed(k.role(), k.auth(), k.cleartext());
        if !ok.contains(&k.severity()) {
            let want: Vec<&str> = ok.iter().map(|s| s.as_str()).collect();
            bad.push(format!(
                "{}: role {}, auth {}, encryption {}: severity {}, the rubric says {}",
                label(k),
                k.role(),
                k.auth(),
                k.encryption(),
                k.severity().as_str(),
                want.join(" or ")
            ));
        }
    }
    fail_unless_empty(
        "severity by role, auth and cleartext (data/README.md, \"Severity\")",
        bad,
    );
}

#[test]
fn the_rubric_itself() {
    use Severity::*;
    assert_eq!(allowed(Role::Data, Auth::None, false), [Critical]);
    assert_eq!(allowed(Role::Control, Auth::Required, true), [High]);
    assert_eq!(allowed(Role::Login, Auth::Required, true), [High]);
    assert_eq!(allowed(Role::Login, Auth::Required, false), [Low, Medium]);
    assert_eq!(allowed(Role::Malware, Auth::None, true), [High, Critical]);
    assert_eq!(allowed(Role::Web, Auth::None, true), [Info, Low, Medium]);
    assert_eq!(
        allowed(Role::Public, Auth::Required, true),
        [Info, Low, Medium, High]
    );
    assert_eq!(
        allowed(Role::Peer, Auth::Required, false),
        [Info, Low, Medium]
    );
    assert_eq!(
        allowed(Role::Peer, Auth::None, false),
        [Info, Low, Medium, High]
    );
}

/// The entries of one port itself (not ranges through it) on TCP.
fn own_tcp_entries(port: u16) -> impl Iterator<Item = Knowledge> {
    knowledge_at(port)
        .filter(move |k| k.ports().lo == port && k.ports().hi == port)
        .filter(|k| k.has_transport(Transport::Tcp))
}

fn check_ports(ports: &[u16], want: Encryption, role: Option<Role>, rule: &str) {
    let mut bad = Vec::new();
    for &p in ports {
        for k in own_tcp_entries(p).filter(|k| role.is_none_or(|r| k.role() == r)) {
            if k.encryption() != want {
                bad.push(format!(
                    "{}: encryption {}, should be {want}",
                    label(k),
                    k.encryption()
                ));
            }
        }
    }
    fail_unless_empty(rule, bad);
}

/// Protocols that start in clear and upgrade in-band: FTP AUTH TLS (21), SMTP (25, 587),
/// POP3 (110), IMAP (143), LDAP StartTLS (389), XMPP (5222, 5269).
pub const STARTTLS_PORTS: [u16; 8] = [21, 25, 110, 143, 389, 587, 5222, 5269];

/// Implicit TLS from the first byte: HTTPS, SMTPS/submissions, NNTPS, LDAPS, DNS over
/// TLS, FTPS, Telnet over TLS, IMAPS, POP3S, XMPP over TLS, TURN over TLS, WinRM HTTPS,
/// CouchDB HTTPS, alternate HTTPS. (Not 61614: RabbitMQ's STOMP over TLS, but
/// ActiveMQ's unencrypted WebSocket connector.)
pub const TLS_PORTS: [u16; 15] = [
    443, 465, 563, 636, 853, 989, 990, 992, 993, 995, 5223, 5349, 5986, 6984, 8443,
];

/// Databases that support TLS but do not require it by default: SQL Server, MySQL (and
/// its X Protocol), PostgreSQL, MongoDB, Redis, Cassandra CQL, CouchDB.
pub const OPTIONAL_TLS_DATABASES: [u16; 8] = [1433, 3306, 33060, 5432, 27017, 6379, 9042, 5984];

#[test]
fn starttls_ports_are_starttls() {
    check_ports(
        &STARTTLS_PORTS,
        Encryption::Starttls,
        None,
        "a STARTTLS port's entries have encryption starttls",
    );
}

#[test]
fn implicit_tls_ports_are_tls() {
    check_ports(
        &TLS_PORTS,
        Encryption::Tls,
        None,
        "an implicit-TLS port's entries have encryption tls",
    );
}

#[test]
fn databases_with_optional_tls_are_alike() {
    check_ports(
        &OPTIONAL_TLS_DATABASES,
        Encryption::Optional,
        Some(Role::Data),
        "databases that support TLS but do not require it have encryption optional",
    );
    // The list is not empty of meaning: each of these ports has a database entry.
    let missing: Vec<String> = OPTIONAL_TLS_DATABASES
        .iter()
        .filter(|&&p| own_tcp_entries(p).all(|k| k.role() != Role::Data))
        .map(|p| format!("{p}: no entry with role data"))
        .collect();
    fail_unless_empty("each listed database port has its database entry", missing);
}

#[test]
fn references_are_https() {
    let mut bad = Vec::new();
    for k in all_knowledge() {
        for (field, url) in [
            ("ref", k.reference()),
            ("security_ref", k.security_reference()),
        ] {
            let rest = url.strip_prefix("https://").unwrap_or_default();
            if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
                bad.push(format!("{}: {field} {url:?} is not an https URL", label(k)));
            }
        }
    }
    fail_unless_empty("every ref and security_ref is an https URL", bad);
}

/// The port numbers a text names: "port 22", "ports 5986 and 5985", "ports 80, 443 or
/// 8443", "ports 5900-5909" (both ends), "on 9440", "(5349)", "22/tcp".
fn ports_named(text: &str) -> Vec<u16> {
    // Words and numbers, punctuation kept apart.
    // A dot between digits stays in the number ("TLS 1.3" is no port 1).
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let decimal = c == '.'
            && !cur.is_empty()
            && cur.chars().all(|d| d.is_ascii_digit())
            && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || c == '_' || decimal {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let number = |t: &str| -> Option<u16> {
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let word = t.to_ascii_lowercase();
        if matches!(word.as_str(), "port" | "ports" | "on") {
            // A list after it: numbers joined by ",", "-", "and", "or", "to".
            let mut j = i + 1;
            while let Some(p) = tokens.get(j).and_then(|t| number(t)) {
                out.push(p);
                match tokens.get(j + 1).map(String::as_str) {
                    Some("," | "-" | "–" | "and" | "or" | "to") if word != "on" => j += 2,
                    _ => break,
                }
            }
        } else if let Some(p) = number(t) {
            let before = i.checked_sub(1).map(|b| tokens[b].as_str());
            let after = tokens.get(i + 1).map(String::as_str);
            let proto = after == Some("/")
                && matches!(
                    tokens.get(i + 2).map(String::as_str),
                    Some("tcp" | "udp" | "TCP" | "UDP")
                );
            if (before == Some("(") && after == Some(")")) || proto {
                out.push(p);
            }
        }
    }
    // Port 0 is "none" in configuration ("icp_port 0" disables ICP), not a port to look up.
    out.retain(|&p| p != 0);
    out
}

#[test]
fn ports_named_in_texts_are_found() {
    let cases: [(&str, &[u16]); 10] = [
        ("Use SFTP (over SSH, port 22) or FTPS.", &[22]),
        ("Use TURN over TLS (5349).", &[5349]),
        (
            "Use WinRM over HTTPS (ports 5986 and 5985 are both…)",
            &[5986, 5985],
        ),
        ("Prism Central on 9440 instead.", &[9440]),
        ("Use ports 5900-5909 only on a VPN.", &[5900, 5909]),
        (
            "Allow 853/tcp, then ports 80, 443 or 8443.",
            &[853, 80, 443, 8443],
        ),
        ("Use FTPS (explicit TLS, RFC 4217).", &[]),
        ("Use TLS 1.3 on all interfaces, on its own.", &[]),
        (
            "Version (2) and (70000) are not ports; Port 110 is.",
            &[2, 110],
        ),
        ("Disable ICP (icp_port 0) or set http_port 3128.", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(ports_named(text), want, "{text}");
    }
}

#[test]
fn ports_named_in_secure_texts_have_entries() {
    let mut bad = Vec::new();
    for k in all_knowledge() {
        let Some(text) = k.secure_alternative(Lang::En) else {
            continue;
        };
        let missing: Vec<String> = ports_named(text)
            .into_iter()
            .filter(|&p| knowledge_at(p).next().is_none())
            .map(|p| p.to_string())
            .collect();
        if !missing.is_empty() {
            bad.push(format!(
                "{}: secure names port {} without an entry: {text:?}",
                label(k),
                missing.join(", ")
            ));
        }
    }
    fail_unless_empty("every port a secure text names has a curated entry", bad);
}

#[test]
fn process_names_fit_comm_and_are_claimed_once() {
    let all: Vec<Knowledge> = all_knowledge().collect();
    let mut bad = Vec::new();
    for &k in &all {
        for p in k.processes() {
            if p.is_empty() || p.len() > 15 || p.contains('/') {
                bad.push(format!(
                    "{}: process {p:?} is not a /proc/PID/comm name (1-15 bytes)",
                    label(k)
                ));
            }
        }
    }
    for (i, &a) in all.iter().enumerate() {
        for &b in &all[i + 1..] {
            let shared_transport = a.transports().any(|t| b.has_transport(t));
            if !shared_transport || !a.ports().overlaps(b.ports()) {
                continue;
            }
            for p in a.processes().filter(|p| b.has_process(p)) {
                bad.push(format!(
                    "{} and {}: both claim process {p:?} on overlapping ports",
                    label(a),
                    label(b)
                ));
            }
        }
    }
    fail_unless_empty(
        "process names are comm names, and one process names one use of a port",
        bad,
    );
}

#[test]
fn cleartext_is_derived_from_encryption() {
    let bad: Vec<String> = all_knowledge()
        .filter(|k| k.cleartext() != k.encryption().is_cleartext())
        .map(|k| {
            format!(
                "{}: cleartext {} but encryption {}",
                label(k),
                k.cleartext(),
                k.encryption()
            )
        })
        .collect();
    fail_unless_empty("cleartext follows encryption", bad);
}

/// Runtimes and wrappers that run many different servers: their names identify no use
/// (a `java` on 8080 may be UniFi, Jenkins or Tomcat), so no entry may claim them.
const GENERIC_PROCESSES: &[&str] = &[
    "java",
    "python",
    "python2",
    "python3",
    "node",
    "nodejs",
    "deno",
    "bun",
    "ruby",
    "perl",
    "php",
    "dotnet",
    "mono",
    "beam.smp",
    "erl",
    "sh",
    "bash",
    "docker-proxy",
    "containerd-shim",
    "conmon",
    "rootlessport",
    "slirp4netns",
    "pasta",
    "systemd",
    "inetd",
    "xinetd",
];

#[test]
fn process_names_are_not_generic_runtimes() {
    let bad: Vec<String> = all_knowledge()
        .flat_map(|k| {
            k.processes()
                .filter(|p| GENERIC_PROCESSES.contains(p))
                .map(move |p| format!("{}: process {p:?} names a runtime, not this use", label(k)))
        })
        .collect();
    fail_unless_empty(
        "processes name the server of this use, never a generic runtime or wrapper",
        bad,
    );
}
