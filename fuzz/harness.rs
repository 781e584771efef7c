// The fuzz targets' bodies, shared by fuzz/fuzz_targets/*.rs (cargo fuzz, nightly) and by
// the stable test that replays fuzz/corpus and fuzz/regressions on every run
// (crates/portdex-server/tests/fuzz_corpus.rs). Each reads bytes the way portdex reads
// a user's input and checks that the answer is a value or an error, never a panic, and
// never a server error.

/// The input as text, the way a command line or a file would hand it over.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A query: a port, a range or a name (`portdex QUERY`).
pub fn query(data: &[u8]) {
    if let Some(s) = text(data) {
        if let Ok(q) = s.parse::<portdex_registry::Query>() {
            let _ = portdex_registry::lookup(&q, None);
        }
        let _ = portdex_registry::check_search(s);
    }
}

/// A scan's port list (`-p 22,80,8000-8100`).
pub fn ports(data: &[u8]) {
    if let Some(s) = text(data) {
        if let Ok(p) = portdex_net::scan::parse_ports(s) {
            assert!(p.iter().all(|&x| x != 0) && p.windows(2).all(|w| w[0] < w[1]));
        }
    }
}

/// A scan target, read without resolving it (nothing may reach the network).
pub fn target(data: &[u8]) {
    if let Some(s) = text(data) {
        if let Ok(portdex_net::scan::Target::Hosts(h)) = portdex_net::scan::parse_target(s) {
            let _ = h.iter().take(4).count();
            let _ = portdex_net::scan::check_hosts(&[h], false);
        }
    }
}

/// A stored registry file (`portdex update` writes it; every start-up reads it): read
/// whole and checked, or read where lookups need it as a file the store vouches for
/// (no checksum read), then looked up. Damage is an error or an empty answer, never a
/// panic.
pub fn registry_file(data: &[u8]) {
    use portdex_registry::{assignments_at, assignments_named, install_compact, install_file};
    let look = || {
        for port in [0, 1, 22, 443, 5901, 8080, 27015, 65535] {
            for a in assignments_at(port) {
                let _ = (
                    a.name(),
                    a.description(),
                    a.ports(),
                    a.transport(),
                    a.status(),
                );
            }
        }
        let _ = assignments_named("http").count();
    };
    if install_compact(data).is_ok() {
        look();
    }
    let file = Box::new(data.to_vec());
    if install_file(file, portdex_registry::Verify::Unchanged).is_ok() {
        look();
    }
}

/// A duration (`--timeout`, `--confirm`).
pub fn duration(data: &[u8]) {
    if let Some(d) = text(data).and_then(portdex_net::scan::parse_duration) {
        assert!(
            d >= std::time::Duration::from_millis(1) && d <= std::time::Duration::from_secs(3600)
        );
    }
}

/// An audit configuration file (`audit --config`).
pub fn audit_config(data: &[u8]) {
    if let Some(s) = text(data) {
        let _ = portdex_audit::AuditConfig::parse(s);
    }
}

/// A firewall allow list (`firewall --allow`), and the rules for it.
pub fn allow_list(data: &[u8]) {
    use portdex_audit::firewall::{parse_allow, render, Backend, Family, RenderOptions};
    let Some(s) = text(data) else { return };
    for proto in [None, Some(portdex_registry::Transport::Udp)] {
        if let Ok(allow) = parse_allow(s, proto) {
            for backend in [
                Backend::Nftables,
                Backend::Ufw,
                Backend::Iptables,
                Backend::Firewalld,
            ] {
                let rules = render(
                    backend,
                    &allow,
                    RenderOptions {
                        family: Family::V6,
                        docker: false,
                        lang: portdex_registry::Lang::En,
                    },
                );
                // Labels reach shell scripts and rule comments: one rule line per
                // allowed port, whatever the user wrote (no newline or quote of theirs).
                let marker = match backend {
                    Backend::Ufw => "ufw allow ",
                    Backend::Iptables => "-m comment --comment",
                    Backend::Firewalld => "--add-port=",
                    Backend::Nftables => continue,
                };
                assert_eq!(rules.matches(marker).count(), allow.len(), "{rules}");
                assert!(
                    allow.iter().all(|a| !a.label.contains(['\'', '"', '\n'])
                        || !rules.contains(a.label.as_str())),
                    "{rules}"
                );
            }
        }
    }
}

/// An HTTP request line's target (path and query string) for `portdex serve`.
pub fn http(data: &[u8]) {
    use tower::ServiceExt;
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    static APP: std::sync::OnceLock<axum::Router> = std::sync::OnceLock::new();
    let Some(s) = text(data) else { return };
    const PREFIXES: &[&str] = &[
        "/api/v1/search?",
        "/api/v1/ports?",
        "/api/v1/map?",
        "/api/v1/services/",
        "/api/v1/ports/",
        "/port/",
        "/ports/",
        "/",
    ];
    let (first, rest) = match s.char_indices().nth(1) {
        Some((i, _)) => (s.as_bytes()[0], &s[i..]),
        None => (0, s),
    };
    let uri = format!("{}{rest}", PREFIXES[usize::from(first) % PREFIXES.len()]);
    let Ok(req) = axum::http::Request::get(uri.as_str()).body(axum::body::Body::empty()) else {
        return;
    };
    let rt = RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    });
    let app = APP.get_or_init(|| {
        portdex_server::router(portdex_server::AppState {
            expose_local: false,
            source: std::sync::Arc::new(portdex_net::SystemSource),
            allowed_hosts: Vec::new(),
            data_dir: None,
            audit: Default::default(),
        })
    });
    let res = rt
        .block_on(app.clone().oneshot(req))
        .expect("the router answers");
    assert!(!res.status().is_server_error(), "{uri}: {}", res.status());
}

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target, by name (the file names under fuzz_targets/ and corpus/).
pub const TARGETS: &[(&str, Body)] = &[
    ("query", query),
    ("ports", ports),
    ("scan_target", target),
    ("duration", duration),
    ("audit_config", audit_config),
    ("allow_list", allow_list),
    ("http", http),
    // Last: it installs registries, which stay the process's for what follows.
    ("registry_file", registry_file),
];
