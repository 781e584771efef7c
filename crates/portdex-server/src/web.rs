//! The web page: files embedded in the binary (no CDN, works offline), served with an
//! ETag so a browser revalidates instead of downloading them again. `/port/N` is the
//! same page, which reads the port from its address. Its words come from portdex-text,
//! as the script `/assets/text.js` built once from `portdex_text::WEB`.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

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

/// `/assets/text.js`: `const T = {"en": {key: text…}, "ja": {…}};`, the page's words
/// from portdex-text, built and hashed on first use. serde_json's output is a valid
/// JavaScript literal; the file is a script of its own, never inlined in HTML, so no
/// `</script>` can end it early.
static TEXT: LazyLock<(String, u64)> = LazyLock::new(|| {
    let table = |pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str| {
        portdex_text::WEB
            .iter()
            .map(|entry| (entry.0.to_owned(), pick(entry).into()))
            .collect::<serde_json::Map<String, serde_json::Value>>()
    };
    let both = serde_json::json!({ "en": table(|e| e.1), "ja": table(|e| e.2) });
    let body = format!(
        "// The page's words, from crates/portdex-text (portdex_text::WEB).\n'use strict';\nconst T = {both};\n"
    );
    let hash = fnv(&body);
    (body, hash)
});

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

/// `/assets/…`: the scripts, the style sheet and the icon.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "app.js" => file(StatusCode::OK, &headers, &SCRIPT),
        "text.js" => {
            let (body, hash) = &*TEXT;
            let words = Asset(body, *hash, "text/javascript; charset=utf-8");
            file(StatusCode::OK, &headers, &words)
        }
        "app.css" => file(StatusCode::OK, &headers, &STYLE),
        "icon.svg" => file(StatusCode::OK, &headers, &IMAGE),
        _ => super::not_found(
            format!("no asset '{}'", portdex_registry::Shown::new(&name)),
            serde_json::Value::Null,
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{APP_JS, INDEX, TEXT};

    /// The quoted word after each `marker` in `text` (`t('results'` → `results`), where
    /// the marker is not the end of a longer name (`set('lang'`).
    fn keys<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
        text.match_indices(marker)
            .filter(|&(at, _)| {
                !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
            })
            .filter_map(|(at, _)| text[at + marker.len()..].split(['\'', '"']).next())
            .collect()
    }

    #[test]
    fn every_key_the_page_uses_is_in_the_table() {
        let has = |key: &str| portdex_text::WEB.iter().any(|e| e.0 == key);
        let used: Vec<&str> = [keys(APP_JS, "t('"), keys(INDEX, "data-t=\"")].concat();
        assert!(used.len() > 40, "the page's keys were found: {used:?}");
        for key in used {
            assert!(
                has(key),
                "app.js or index.html uses '{key}', which portdex_text::WEB lacks"
            );
        }
        for group in keys(APP_JS, "tv('") {
            assert!(
                portdex_text::WEB
                    .iter()
                    .any(|e| e.0.starts_with(&format!("{group}."))),
                "tv('{group}', …) has no words"
            );
        }
        // No table of words of its own any more.
        assert!(!APP_JS.contains("const T ="), "app.js declares T again");
    }

    #[test]
    fn the_words_are_one_script_declaring_t() {
        let (body, _) = &*TEXT;
        let json = body
            .split_once("const T = ")
            .and_then(|(_, rest)| rest.trim_end().strip_suffix(';'))
            .expect("const T = {…};");
        let t: serde_json::Value = serde_json::from_str(json).unwrap();
        for &(key, en, ja) in portdex_text::WEB {
            assert_eq!(t["en"][key], en);
            assert_eq!(t["ja"][key], ja);
        }
    }
}
