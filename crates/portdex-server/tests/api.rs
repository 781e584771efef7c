//! Every endpoint, in-process (no port): answers, errors, whatportis compatibility, and
//! that this machine is only described with expose_local.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use portdex_net::{Owners, RawSocket, SocketSource, Which};
use portdex_registry::Transport;
use portdex_server::{router, AppState};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// One exposed Redis and one loopback-only listener.
struct Fake;

impl SocketSource for Fake {
    fn sockets(&self, transport: Transport, _: Which) -> std::io::Result<Vec<RawSocket>> {
        if transport != Transport::Tcp {
            return Ok(Vec::new());
        }
        let s = |local: &str, inode| RawSocket {
            transport,
            local: local.parse().unwrap(),
            remote: "0.0.0.0:0".parse().unwrap(),
            state: 10,
            uid: 0,
            inode,
        };
        Ok(vec![s("0.0.0.0:6379", 1), s("127.0.0.1:5432", 2)])
    }
    fn owners(&self, _: &[u64], _: bool) -> Owners {
        Owners::default()
    }
    fn user_name(&self, _: u32) -> Option<String> {
        Some("root".into())
    }
}

/// The router as the server builds it, over the fake listeners.
fn test_router(expose_local: bool) -> axum::Router {
    router(AppState {
        expose_local,
        source: Arc::new(Fake),
        ..AppState::default()
    })
}

async fn get(expose_local: bool, uri: &str) -> (StatusCode, String, Option<String>) {
    let app = test_router(expose_local);
    let res = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let csp = res
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap(), csp)
}

async fn get_json(expose_local: bool, uri: &str) -> (StatusCode, Value) {
    let (s, body, _) = get(expose_local, uri).await;
    (
        s,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: {e}: {body}")),
    )
}

#[tokio::test]
async fn ports_services_ranges_search_categories() {
    let (s, v) = get_json(false, "/api/v1/ports/443").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["reports"][0]["category"], "well-known");
    let (_, v) = get_json(false, "/api/v1/ports/53?proto=udp").await;
    assert!(v["reports"][0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["transport"] == "udp"));
    let (s, v) = get_json(false, "/api/v1/services/redis").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["reports"][0]["port"], 6379);
    let (_, v) = get_json(false, "/api/v1/ports?range=8000-8100").await;
    assert!(v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["port"] == 8080));
    let (_, v) = get_json(false, "/api/v1/search?q=mail&limit=5").await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 5);
    assert!(v["total"].as_u64().unwrap() > 5);
    let (_, v) = get_json(false, "/api/v1/categories").await;
    assert_eq!(v["categories"][2]["lo"], 49152);
    assert!(v["categories"][0]["assignments"].as_u64().unwrap() > 500);
}

#[tokio::test]
async fn errors_are_json_with_the_right_status() {
    for (uri, status, want) in [
        ("/api/v1/ports/65536", 400, "out of range"),
        ("/api/v1/ports/abc", 400, "not a port"),
        ("/api/v1/ports/443?proto=icmp", 400, "not a transport"),
        ("/api/v1/ports/50000", 404, "nothing is assigned"),
        ("/api/v1/ports", 400, "range"),
        ("/api/v1/ports?range=9-3", 400, "start is above the end"),
        ("/api/v1/services/postgress", 404, "no port is known"),
        (
            "/api/v1/services/http$$",
            400,
            "not a port, range or service name",
        ),
        ("/api/v1/search", 400, "q="),
        (
            "/api/v1/search?q=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q",
            400,
            "at most 16 words",
        ),
        ("/api/v1/search?q=mail&limit=0", 400, "limit '0'"),
        ("/api/v1/search?q=mail&limit=501", 400, "from 1 to 500"),
        ("/api/v1/search?q=mail&limit=x", 400, "limit 'x'"),
        ("/api/v1/map?cells=0", 400, "cells '0'"),
        ("/api/v1/map?cells=5000", 400, "from 1 to 4096"),
        ("/api/v1/map?range=70000-80000", 400, "out of range"),
        ("/assets/secret.txt", 404, "no asset 'secret.txt'"),
        ("/api/v1/nothing", 404, "no such endpoint"),
        // Errors of the layers below the handlers are JSON too.
        ("/port/%ff", 400, "UTF-8"),
    ] {
        let (s, v) = get_json(false, uri).await;
        assert_eq!(s.as_u16(), status, "{uri}: {v}");
        assert!(v["error"].as_str().unwrap().contains(want), "{uri}: {v}");
        assert_eq!(v["status"], status);
    }
    let (_, v) = get_json(false, "/api/v1/services/postgress").await;
    assert_eq!(v["did_you_mean"][0], "postgres");
    let (_, v) = get_json(false, "/api/v1/ports/50000").await;
    assert_eq!(v["category"], "dynamic");
}

/// Rows as whatportis 0.8.2's server gives them: arrays [name, port, protocol,
/// description], protocols merged; `?like` a regular expression (re.search).
#[tokio::test]
async fn whatportis_compatible_endpoints() {
    let (s, v) = get_json(false, "/ports/3306").await;
    assert_eq!(s, StatusCode::OK);
    let rows = v["ports"].as_array().unwrap();
    assert_eq!(rows[0][0], "mysql");
    assert_eq!(rows[0][1], "3306");
    assert_eq!(rows[0][2], "tcp, udp");
    assert_eq!(rows[0].as_array().unwrap().len(), 4);
    assert!(rows[0][3].is_string());
    let (_, v) = get_json(false, "/ports/redis").await;
    assert_eq!(v["ports"][0][1], "6379");
    let (_, v) = get_json(false, "/ports/mysql?like").await;
    assert!(v["ports"].as_array().unwrap().len() > 3);
    // Unanchored, case-sensitive regular expressions over the name.
    let (_, v) = get_json(false, "/ports/%5Eredis%24?like").await;
    assert_eq!(v["ports"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["ports"][0][0], "redis");
    let (_, v) = get_json(false, "/ports/re.is?like=").await;
    assert!(v["ports"].as_array().unwrap().len() > 1, "{v}");
    let (_, v) = get_json(false, "/ports/%5EREDIS%24?like").await;
    assert_eq!(v["ports"], serde_json::json!([]));
    // All digits: the port, as a regular expression with ?like ("80" is in 8080).
    let (_, v) = get_json(false, "/ports/80?like").await;
    let ports: Vec<&str> = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert!(
        ports.contains(&"80") && ports.contains(&"8080"),
        "{ports:?}"
    );
    assert!(ports.iter().all(|p| p.contains("80")), "{ports:?}");
    let (_, v) = get_json(false, "/ports/no-such-service-here").await;
    assert_eq!(v["ports"], serde_json::json!([]));
    // The whole database: objects as stored, one per transport.
    let (_, v) = get_json(false, "/ports").await;
    let all = v["ports"].as_array().unwrap();
    assert!(all.len() > 5000);
    let mysql: Vec<&Value> = all.iter().filter(|d| d["name"] == "mysql").collect();
    assert_eq!(mysql.len(), 2, "{mysql:?}");
    assert_eq!(mysql[0]["port"], "3306");
    assert_eq!(mysql[0]["protocol"], "tcp");
}

/// A `?like` pattern that is not a regular expression, or too big for one, or not
/// ASCII, is a 400 naming it (whatportis itself fails with a 500 page for the first
/// two); without ?like it is a name.
#[tokio::test]
async fn whatportis_like_rejects_bad_regular_expressions() {
    let long = "a".repeat(201);
    for (uri, why) in [
        ("/ports/%28?like".to_owned(), "unclosed group"),
        ("/ports/%5B?like".to_owned(), "unclosed character class"),
        ("/ports/(%3F%3Dr)e?like".to_owned(), "look-around"),
        ("/ports/a%7B1000%7D%7B1000%7D?like".to_owned(), "too large"),
        (
            "/ports/%5Cw%7B1000%7D%7B1000%7D?like".to_owned(),
            "too large",
        ),
        // ASCII patterns: the names searched are ASCII; what would need Unicode is said.
        ("/ports/%E2%84%AAerberos?like".to_owned(), "outside ASCII"),
        (
            "/ports/(%3Fi)%5Cu%7B212A%7Derberos?like".to_owned(),
            "names a character outside ASCII",
        ),
        (
            "/ports/(%3Fu)%5Cw?like".to_owned(),
            "asks for Unicode classes",
        ),
        (
            "/ports/%5Cp%7BL%7D?like".to_owned(),
            "asks for Unicode classes",
        ),
        (format!("/ports/{long}?like"), "too long"),
    ] {
        let (s, v) = get_json(false, &uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["status"], 400);
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(why), "{uri}: {msg}");
        assert!(msg.contains("at most 200 bytes"), "{uri}: {msg}");
    }
    let (s, v) = get_json(false, &format!("/ports/{long}")).await;
    assert_eq!((s, &v["ports"]), (StatusCode::OK, &serde_json::json!([])));
    let (s, v) = get_json(false, "/ports/%28").await;
    assert_eq!((s, &v["ports"]), (StatusCode::OK, &serde_json::json!([])));
}

#[tokio::test]
async fn this_machine_only_with_expose_local() {
    for uri in ["/api/v1/listeners", "/api/v1/audit", "/metrics"] {
        let (s, body, _) = get(false, uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("--expose-local"), "{uri}: {body}");
    }
    let (s, v) = get_json(true, "/api/v1/listeners").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["listeners"].as_array().unwrap().len(), 2);
    let (_, v) = get_json(true, "/api/v1/audit").await;
    assert_eq!(v["findings"][0]["service"], "redis");
    assert_eq!(v["loopback_only"], 1);
    let (s, text, _) = get(true, "/metrics").await;
    assert_eq!(s, StatusCode::OK);
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        r#"portdex_listener_info{proto="tcp",address="0.0.0.0",port="6379",exposure="all",service="redis",common_use="ray-gcs",process="",container="",severity="critical"} 1"#,
        r#"portdex_listener_info{proto="tcp",address="127.0.0.1",port="5432",exposure="loopback",service="postgresql",common_use="",process="",container="",severity=""} 1"#,
        r#"portdex_finding_info{rule="service-exposed",severity="critical",port="6379",proto="tcp",address="0.0.0.0",service="redis",process=""} 1"#,
        r#"portdex_findings{severity="critical"} 1"#,
        r#"portdex_findings{severity="high"} 0"#,
        "portdex_owners_hidden 0",
        "portdex_snapshot_errors_total 0",
    ] {
        assert!(lines.contains(&want), "no {want} in\n{text}");
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("portdex_finding_info{"))
            .count(),
        1,
        "{text}"
    );
    let build = lines
        .iter()
        .find(|l| l.starts_with("portdex_build_info{"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        build.starts_with(&format!(
            "portdex_build_info{{version=\"{}\",registry_date=\"20",
            env!("CARGO_PKG_VERSION")
        )),
        "{build}"
    );
    let took: f64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("portdex_snapshot_duration_seconds "))
        .unwrap_or_else(|| panic!("{text}"))
        .parse()
        .unwrap();
    assert!(took > 0.0 && took < 10.0, "{took}");
}

/// The listing's owners and errors: a source that hides owners, then one that fails.
struct Hidden(bool);

impl SocketSource for Hidden {
    fn sockets(&self, transport: Transport, w: Which) -> std::io::Result<Vec<RawSocket>> {
        if self.0 {
            return Err(std::io::Error::other("no /proc/net/tcp"));
        }
        Fake.sockets(transport, w)
    }
    fn owners(&self, _: &[u64], _: bool) -> Owners {
        Owners {
            hidden: true,
            ..Owners::default()
        }
    }
    fn user_name(&self, _: u32) -> Option<String> {
        None
    }
}

async fn metrics_of(state: AppState, times: usize) -> Vec<String> {
    let app = router(state);
    let mut out = Vec::new();
    for _ in 0..times {
        let res = app
            .clone()
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        out.push(String::from_utf8(body.to_vec()).unwrap());
    }
    out
}

#[tokio::test]
async fn metrics_say_owners_are_hidden_and_count_failed_listings() {
    let state = |fail| AppState {
        expose_local: true,
        source: Arc::new(Hidden(fail)),
        ..AppState::default()
    };
    let text = &metrics_of(state(false), 1).await[0];
    assert!(
        text.lines().any(|l| l == "portdex_owners_hidden 1"),
        "{text}"
    );
    // A listing that fails is a scrape with the error counted and no listener series
    // (not stale ones); each scrape tries again.
    let texts = metrics_of(state(true), 2).await;
    for (i, text) in texts.iter().enumerate() {
        let want = format!("portdex_snapshot_errors_total {}", i + 1);
        assert!(text.lines().any(|l| l == want), "{want}: {text}");
        assert!(text.contains("portdex_build_info{"), "{text}");
        for gone in [
            "portdex_listener_info{",
            "portdex_finding_info{",
            "portdex_findings{",
            "portdex_owners_hidden ",
        ] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
    }
}

#[tokio::test]
async fn metrics_and_audit_apply_the_audit_config() {
    let audit =
        portdex_audit::AuditConfig::parse("[[accept]]\nport = 6379\nreason = \"test\"\n").unwrap();
    let app = router(AppState {
        expose_local: true,
        source: Arc::new(Fake),
        audit,
        ..AppState::default()
    });
    let body = |uri: &'static str| {
        let app = app.clone();
        async move {
            let res = app
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let b = res.into_body().collect().await.unwrap().to_bytes();
            String::from_utf8(b.to_vec()).unwrap()
        }
    };
    let text = body("/metrics").await;
    assert!(!text.contains("portdex_finding_info{"), "{text}");
    assert!(
        text.contains(r#"portdex_findings{severity="critical"} 0"#),
        "{text}"
    );
    assert!(text.contains(r#"port="6379",exposure="all",service="redis",common_use="ray-gcs",process="",container="",severity=""} 1"#), "{text}");
    let audit: Value = serde_json::from_str(&body("/api/v1/audit").await).unwrap();
    assert_eq!(audit["accepted"], 1, "{audit}");
    assert_eq!(audit["findings"], serde_json::json!([]), "{audit}");
}

#[tokio::test]
async fn openapi_and_safety_headers() {
    let (s, body, csp) = get(false, "/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    for path in [
        "/api/v1/ports/{port}",
        "/api/v1/services/{name}",
        "/api/v1/search",
        "/ports/{pattern}",
        "/metrics",
        "/api/v1/guide",
    ] {
        assert!(v["paths"].get(path).is_some(), "{path}");
    }
    assert!(csp.unwrap().contains("default-src 'self'"));
}

#[tokio::test]
async fn map_counts_every_port_once() {
    let (s, v) = get_json(false, "/api/v1/map").await;
    assert_eq!(s, StatusCode::OK);
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 64);
    assert_eq!((v["lo"].as_u64(), v["hi"].as_u64()), (Some(0), Some(65535)));
    assert_eq!(cells[0]["lo"], 0);
    assert_eq!(cells[63]["hi"], 65535);
    let (_, v) = get_json(false, "/api/v1/map?range=6000-6063&cells=1").await;
    assert_eq!(v["cells"][0]["assigned"], 64, "x11's range: {v}");
    let (_, v) = get_json(false, "/api/v1/map?range=49152-65535&cells=4").await;
    assert!(v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["assigned"] == 0));
}

#[tokio::test]
async fn audit_in_japanese_on_request() {
    let (_, v) = get_json(true, "/api/v1/audit?lang=ja").await;
    let why = v["findings"][0]["why"].as_str().unwrap();
    assert!(
        why.contains("すべてのインターフェースから到達できます"),
        "{why}"
    );
    let (s, v) = get_json(true, "/api/v1/audit?lang=fr").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("en or ja"), "{v}");
}

async fn raw(uri: &str, if_none_match: Option<&str>) -> axum::response::Response {
    let app = test_router(false);
    let mut req = Request::get(uri);
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_embedded() {
    for (uri, status, mime) in [
        ("/", 200, "text/html"),
        ("/port/443", 200, "text/html"),
        ("/port/65535", 200, "text/html"),
        ("/port/70000", 404, "text/html"),
        ("/port/abc", 404, "text/html"),
        ("/guide", 200, "text/html"),
        ("/assets/app.js", 200, "text/javascript"),
        ("/assets/app.css", 200, "text/css"),
        ("/assets/icon.svg", 200, "image/svg+xml"),
        ("/assets/text.js", 200, "text/javascript"),
    ] {
        let res = raw(uri, None).await;
        assert_eq!(res.status().as_u16(), status, "{uri}");
        let h = res.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(mime),
            "{uri}"
        );
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    // Nothing outside this server: no absolute URL to load in the page or its assets
    // (links the user may follow, in app.js's extLink, are built from the data).
    let (_, html, _) = get(false, "/").await;
    assert!(html.contains(r#"<script src="/assets/app.js" defer>"#));
    // The words first: app.js reads T as it starts; deferred scripts run in order.
    let words_at = html.find(r#"<script src="/assets/text.js" defer>"#);
    assert!(words_at.is_some_and(|w| w < html.find("/assets/app.js").unwrap()));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let (_, css, _) = get(false, "/assets/app.css").await;
    assert!(!css.contains("url("), "no fonts or images from anywhere");

    // A browser revalidates with the ETag and gets 304 without a body.
    let first = raw("/assets/app.js", None).await;
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let again = raw("/assets/app.js", Some(&tag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let body = again.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty());
    let other = raw("/assets/app.css", Some(&tag)).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another file's tag does not match"
    );
}

/// The page's words, from portdex-text: one script with both languages, revalidated by
/// its ETag like the files.
#[tokio::test]
async fn the_words_are_served_as_a_script() {
    let first = raw("/assets/text.js", None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let h = first.headers();
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(h["cache-control"], "no-cache");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    let tag = h["etag"].to_str().unwrap().to_owned();
    let body = first.into_body().collect().await.unwrap().to_bytes();
    let js = String::from_utf8(body.to_vec()).unwrap();
    assert!(js.contains("const T = {"), "{js}");
    for text in [
        r#""en":"#,
        r#""ja":"#,
        r#""portTitle":"Port {0}""#,
        r#""portTitle":"ポート {0}""#,
        r#""st.assigned":"割り当て済み""#,
        r#""src.iana":"#,
        r#""src.history":"#,
    ] {
        assert!(js.contains(text), "{text} in {js}");
    }

    let again = raw("/assets/text.js", Some(&tag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], tag.as_str());
    let body = again.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty());
    let script = raw("/assets/app.js", None).await;
    assert_ne!(script.headers()["etag"], tag.as_str(), "a tag of its own");
}

#[tokio::test]
async fn other_methods_get_a_json_405_with_allow() {
    let app = test_router(false);
    let res = app
        .oneshot(
            Request::post("/api/v1/ports/443")
                .body(Body::from("x"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["error"].as_str().unwrap().contains("read-only"), "{v}");
    assert_eq!(v["status"], 405);
}

#[tokio::test]
async fn about_says_whether_this_machine_is_served() {
    for expose in [false, true] {
        let (s, v) = get_json(expose, "/api/v1/about").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["name"], "portdex");
        assert_eq!(v["expose_local"], expose);
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn huge_names_are_refused_before_any_work() {
    // Jaro-Winkler of a 15,000-character name against every name took 3.2 s a request.
    let long = "x".repeat(15_000);
    let start = std::time::Instant::now();
    let (s, v) = get_json(false, &format!("/api/v1/services/{long}")).await;
    assert_eq!(s.as_u16(), 400, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("too long for a service name"),
        "{v}"
    );
    // Generous, for a loaded debug build: the point is milliseconds, not seconds.
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

#[tokio::test]
async fn a_range_is_streamed_as_the_same_json() {
    use portdex_registry::{lookup, AnswerJson, PortRange, Query as RegQuery, Transport};
    for (spec, proto) in [
        ("0-65535", None),
        ("5999-6070", Some(Transport::Tcp)),
        ("50000-50010", None),
        ("6000-6063", Some(Transport::Udp)),
    ] {
        let r: PortRange = spec.parse().unwrap();
        let want =
            serde_json::to_string(&AnswerJson::new(spec, &lookup(&RegQuery::Range(r), proto)))
                .unwrap();
        let uri = match proto {
            Some(t) => format!("/api/v1/ports?range={spec}&proto={t}"),
            None => format!("/api/v1/ports?range={spec}"),
        };
        let (status, body, _) = get(false, &uri).await;
        assert_eq!(status.as_u16(), 200);
        assert_eq!(body, want, "{uri}");
    }
}

#[tokio::test]
async fn a_body_too_large_is_a_json_413() {
    let app = test_router(false);
    let res = app
        .oneshot(
            Request::get("/api/v1/ports/443")
                .header("content-length", "4096")
                .body(Body::from(vec![b'x'; 4096]))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], 413, "{v}");
}

/// The guide's facts: the three ranges, twenty curated ports, the kernel's ephemeral range
/// as /proc says, and the audit's cleartext findings only with expose_local.
#[tokio::test]
async fn the_guide_and_its_page() {
    let (s, v) = get_json(false, "/api/v1/guide").await;
    assert_eq!(s, StatusCode::OK);
    let ranges: Vec<(u64, u64)> = v["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["lo"].as_u64().unwrap(), r["hi"].as_u64().unwrap()))
        .collect();
    assert_eq!(ranges, [(0, 1023), (1024, 49151), (49152, 65535)]);
    let ports = v["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 20);
    for p in ports {
        // One of the entries /api/v1/ports/N shows, as it shows it.
        let n = p["port"].as_u64().unwrap();
        let (_, answer) = get_json(false, &format!("/api/v1/ports/{n}")).await;
        assert!(
            answer["reports"][0]["knowledge"]
                .as_array()
                .unwrap()
                .contains(&p["knowledge"]),
            "port {n}"
        );
        let examples = &v["ranges"].as_array().unwrap();
        assert!(
            examples
                .iter()
                .any(|r| r["examples"].as_array().unwrap().contains(&p["port"])),
            "{n} is an example of its range"
        );
    }
    match std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range") {
        Ok(text) => {
            let mut it = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
            let (lo, hi) = (it.next().unwrap(), it.next().unwrap());
            assert_eq!(v["ephemeral"]["lo"], lo);
            assert_eq!(v["ephemeral"]["hi"], hi);
            let parts = v["ephemeral"]["parts"].as_array().unwrap();
            assert_eq!(parts[0]["lo"], lo);
            assert_eq!(parts[parts.len() - 1]["hi"], hi);
        }
        Err(_) => assert!(v["ephemeral"].is_null()),
    }
    assert!(v["local"].is_null(), "this machine only with expose_local");

    // The fake's exposed Redis is cleartext; the loopback PostgreSQL is not a finding.
    let (s, v) = get_json(true, "/api/v1/guide?lang=ja").await;
    assert_eq!(s, StatusCode::OK);
    let found = v["local"]["cleartext"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["service"], "redis");
    assert_eq!(found[0]["port"], 6379);
    assert!(
        found[0]["fix"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{3000}'),
        "the fix in Japanese: {found:?}"
    );
    assert_eq!(v["local"]["owners_hidden"], false);

    let (s, v) = get_json(false, "/api/v1/guide?lang=fr").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("en or ja"));

    // The page links to it, and /guide is the page itself, with the same headers.
    let (s, html, csp) = get(false, "/guide").await;
    assert_eq!(s, StatusCode::OK);
    assert!(csp.unwrap().contains("default-src 'self'"));
    assert!(html.contains(r#"href="/guide""#), "{html}");
    let (_, home, _) = get(false, "/").await;
    assert_eq!(home, html);
}

/// Every use of a shared port is answered, and a range entry by any port inside: the
/// page draws each knowledge block of the answer.
#[tokio::test]
async fn every_use_of_a_port_and_ranges_by_any_port_inside() {
    for port in [9100u16, 514, 7000, 6010] {
        let (s, v) = get_json(false, &format!("/api/v1/ports/{port}")).await;
        assert_eq!(s, StatusCode::OK);
        let got: Vec<(u64, u64, String)> = v["reports"][0]["knowledge"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["port"].as_u64().unwrap(),
                    k["port_end"].as_u64().unwrap(),
                    k["names"][0].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: Vec<(u64, u64, String)> = portdex_registry::knowledge_at(port)
            .map(|k| {
                (
                    u64::from(k.ports().lo),
                    u64::from(k.ports().hi),
                    k.name().to_owned(),
                )
            })
            .collect();
        assert_eq!(got, want, "{port}");
        assert!(!got.is_empty(), "{port} has curated entries");
        if port != 6010 {
            assert!(got.len() >= 2, "{port} has several uses: {got:?}");
        } else {
            assert!(got.iter().any(|k| k.0 < 6010 && 6010 < k.1), "{got:?}");
        }
        for k in v["reports"][0]["knowledge"].as_array().unwrap() {
            for field in ["encryption", "auth", "role"] {
                assert!(k[field].is_string(), "{port}: {field}: {k}");
            }
            assert!(k["processes"].is_array(), "{k}");
        }
    }
}
