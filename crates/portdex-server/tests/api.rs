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

async fn get(expose_local: bool, uri: &str) -> (StatusCode, String, Option<String>) {
    let app = router(AppState {
        expose_local,
        source: Arc::new(Fake),
    });
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
        ("/api/v1/nothing", 404, "no such endpoint"),
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

#[tokio::test]
async fn whatportis_compatible_endpoints() {
    let (s, v) = get_json(false, "/ports/3306").await;
    assert_eq!(s, StatusCode::OK);
    let rows = v["ports"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "mysql");
    assert_eq!(rows[0]["port"], "3306");
    assert_eq!(rows[0]["protocol"], "tcp, udp");
    let (_, v) = get_json(false, "/ports/redis").await;
    assert_eq!(v["ports"][0]["port"], "6379");
    let (_, v) = get_json(false, "/ports/mysql?like").await;
    assert!(v["ports"].as_array().unwrap().len() > 3);
    let (_, v) = get_json(false, "/ports").await;
    assert!(v["ports"].as_array().unwrap().len() > 5000);
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
    assert!(text.contains(r#"portdex_listener{transport="tcp",address="0.0.0.0",port="6379",service="redis",exposure="all",process=""} 1"#), "{text}");
    assert!(
        text.contains(r#"portdex_audit_findings{severity="critical"} 1"#),
        "{text}"
    );
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
    ] {
        assert!(v["paths"].get(path).is_some(), "{path}");
    }
    assert!(csp.unwrap().contains("default-src 'self'"));
}
