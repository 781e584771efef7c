//! The answer cache gives the router's answer to the byte: status, every header, body,
//! the first time (made) and the next (from memory), in-process and on a socket.

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use portdex_server::{cached, router, AppState};
use tower::ServiceExt;

fn state() -> AppState {
    AppState::default()
}

/// Status, headers in order, body.
type Raw = (u16, Vec<(String, Vec<u8>)>, Vec<u8>);

async fn raw(res: axum::response::Response) -> Raw {
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

const URIS: &[&str] = &[
    "/api/v1/ports/443",
    "/api/v1/ports/0443",
    "/api/v1/ports/443?proto=udp",
    "/api/v1/ports/50000",
    "/api/v1/ports/70000",
    "/api/v1/ports/443?proto=xyz",
    "/api/v1/services/https",
    "/api/v1/services/nosuchservice",
    "/api/v1/search?q=mail",
    "/api/v1/search?q=mail&limit=3",
    "/api/v1/search?q=mail&limit=0",
    "/api/v1/search",
    "/api/v1/categories",
    "/api/v1/map?range=0-1023&cells=8",
    "/api/v1/about",
    "/openapi.json",
    "/ports/http",
    "/ports/ssh?like=true",
    "/api/v1/ports?range=8000-8100",
    "/",
    "/api/v1/listeners",
    "/nowhere",
];

#[tokio::test]
async fn cached_answers_are_the_routers_to_the_byte() {
    let plain = router(state());
    let app = cached(state());
    for uri in URIS {
        let req = || Request::get(*uri).body(Body::empty()).unwrap();
        let want = raw(plain.clone().oneshot(req()).await.unwrap()).await;
        let made = raw(app.clone().oneshot(req()).await.unwrap()).await;
        let again = raw(app.clone().oneshot(req()).await.unwrap()).await;
        assert_eq!(made, want, "{uri}: the first answer");
        assert_eq!(again, want, "{uri}: the answer from memory");
        assert!(!want.2.is_empty(), "{uri}");
    }
    // The security headers are there, on a cached answer too.
    let (s, headers, _) = raw(app
        .clone()
        .oneshot(
            Request::get("/api/v1/ports/443")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap())
    .await;
    assert_eq!(s, 200);
    for name in [
        "content-type",
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
    ] {
        assert!(headers.iter().any(|(n, _)| n == name), "{name}");
    }
}

#[tokio::test]
async fn other_methods_and_bodies_still_go_through_the_router() {
    let plain = router(state());
    let app = cached(state());
    // Made and kept once...
    let get = || {
        Request::get("/api/v1/ports/443")
            .body(Body::empty())
            .unwrap()
    };
    let kept = raw(app.clone().oneshot(get()).await.unwrap()).await;
    // ...then other requests for the same path get what the router says to them.
    let others = [
        Request::post("/api/v1/ports/443")
            .body(Body::empty())
            .unwrap(),
        Request::head("/api/v1/ports/443")
            .body(Body::empty())
            .unwrap(),
        Request::builder()
            .method(Method::GET)
            .uri("/api/v1/ports/443")
            .header("content-length", "2000")
            .body(Body::from(vec![b'x'; 2000]))
            .unwrap(),
    ];
    for req in others {
        let (m, uri, headers) = (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        );
        let mut copy = Request::builder().method(m.clone()).uri(uri);
        for (n, v) in &headers {
            copy = copy.header(n, v);
        }
        let body_len = headers
            .get("content-length")
            .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
        let copy = copy.body(Body::from(vec![b'x'; body_len])).unwrap();
        let want = raw(plain.clone().oneshot(copy).await.unwrap()).await;
        let got = raw(app.clone().oneshot(req).await.unwrap()).await;
        assert_eq!(got, want, "{m}");
        assert_ne!(got, kept, "{m}: not the cached answer");
    }
}

/// One request on its own connection, with std's blocking socket; the answer's text.
fn ask(addr: std::net::SocketAddr, path: &str, host: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// On a socket: the raw bytes of the first and the next answer, Date aside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_socket_the_bytes_are_the_same() {
    let listener = portdex_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(portdex_server::serve(
        listener,
        state(),
        portdex_server::Limits::default(),
    ));
    tokio::task::spawn_blocking(move || {
        let without_date = |text: String| {
            text.split("\r\n")
                .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        let host = addr.to_string();
        for path in ["/api/v1/ports/443", "/api/v1/search?q=mail"] {
            let first = without_date(ask(addr, path, &host));
            let next = without_date(ask(addr, path, &host));
            assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
            assert_eq!(next, first, "{path}");
        }
        // A Host this server does not answer: 421, cached answer or not.
        let refused = ask(addr, "/api/v1/ports/443", "attacker.example");
        assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    })
    .await
    .unwrap();
}
