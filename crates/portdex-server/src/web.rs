//! The web page: three files embedded in the binary (no CDN, works offline), served with
//! an ETag so a browser revalidates instead of downloading them again. `/port/N` is the
//! same page, which reads the port from its address.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");
const ICON: &str = include_str!("../web/icon.svg");

/// FNV-1a over the bytes, at compile time: the ETag is content-derived, so an upgraded
/// binary never serves a stale page under an old tag, and no request hashes anything.
const fn fnv(body: &str) -> u64 {
    let bytes = body.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// An embedded file: its text, its content hash and its type.
struct Asset(&'static str, u64, &'static str);

const PAGE: Asset = Asset(INDEX, fnv(INDEX), "text/html; charset=utf-8");
const SCRIPT: Asset = Asset(APP_JS, fnv(APP_JS), "text/javascript; charset=utf-8");
const STYLE: Asset = Asset(APP_CSS, fnv(APP_CSS), "text/css; charset=utf-8");
const IMAGE: Asset = Asset(ICON, fnv(ICON), "image/svg+xml");

fn file(status: StatusCode, headers: &HeaderMap, asset: &Asset) -> Response {
    let Asset(body, hash, mime) = *asset;
    let tag = format!("\"{hash:016x}\"");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let common = [
        (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(&tag).expect("an ETag is ASCII"),
        ),
    ];
    if fresh && status == StatusCode::OK {
        (StatusCode::NOT_MODIFIED, common).into_response()
    } else {
        (status, common, body).into_response()
    }
}

/// `/`: the page.
pub async fn index(headers: HeaderMap) -> Response {
    file(StatusCode::OK, &headers, &PAGE)
}

/// `/port/N`: the page, which shows port N; 404 (with the same page, which says why)
/// when N is not a port.
pub async fn port_page(Path(port): Path<String>, headers: HeaderMap) -> Response {
    let status = if port.parse::<portdex_registry::Port>().is_ok() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    file(status, &headers, &PAGE)
}

/// `/assets/…`: the script, the style sheet and the icon.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "app.js" => file(StatusCode::OK, &headers, &SCRIPT),
        "app.css" => file(StatusCode::OK, &headers, &STYLE),
        "icon.svg" => file(StatusCode::OK, &headers, &IMAGE),
        _ => super::not_found(
            format!("no asset '{}'", portdex_registry::Shown::new(&name)),
            serde_json::Value::Null,
        )
        .into_response(),
    }
}
