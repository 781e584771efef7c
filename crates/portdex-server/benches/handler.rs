//! In-process speed of the server's handler path, request to bytes: the router making an
//! answer (every layer, the lookup or search, the JSON) and the answer cache serving one
//! already made, as `portdex serve` runs it. No socket: what is left above these in a
//! real server is hyper's parsing and writing and the system calls.
//! Run: cargo bench -p portdex-server
#![allow(missing_docs)]

use axum::body::Body;
use axum::http::Request;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use http_body_util::BodyExt;
use portdex_server::{cached, router, AppState};
use tower::ServiceExt;

fn state() -> AppState {
    AppState::default()
}

/// The request sent to `svc`, and the whole body of its answer.
async fn bytes<S>(svc: S, uri: &str) -> axum::body::Bytes
where
    S: tower::Service<
        Request<Body>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
    >,
{
    let req = Request::get(uri)
        .header("host", "127.0.0.1:7878")
        .body(Body::empty())
        .unwrap();
    let res = svc.oneshot(req).await.unwrap();
    res.into_body().collect().await.unwrap().to_bytes()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let plain = router(state());
    let app = cached(state());
    for uri in ["/api/v1/ports/443", "/api/v1/search?q=mail"] {
        c.bench_function(&format!("router GET {uri} (made)"), |b| {
            b.iter(|| rt.block_on(bytes(plain.clone(), black_box(uri))))
        });
        // Made once here; every iteration is served from memory.
        rt.block_on(bytes(app.clone(), uri));
        c.bench_function(&format!("cached GET {uri} (from memory)"), |b| {
            b.iter(|| rt.block_on(bytes(app.clone(), black_box(uri))))
        });
    }
}

criterion_group!(handler, benches);
criterion_main!(handler);
