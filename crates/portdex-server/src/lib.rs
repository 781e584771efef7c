//! `portdex serve`: the registry as a JSON API and a web page (`web/`, embedded),
//! whatportis-compatible endpoints, and, only when asked for (`expose_local`), this
//! machine's listeners, audit and Prometheus metrics. Read-only; every error is JSON with a message and the right status.
//!
//! The router is a plain function of its state, so tests call it in-process without a port.

#![forbid(unsafe_code)]
// The OpenAPI document is one json! literal, deeper than the default limit.
#![recursion_limit = "512"]

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::FromRef;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portdex_audit::AuditConfig;
use portdex_net::{listeners, ListOptions, SocketSource};
use portdex_registry::{
    all_assignments, category_counts, lookup, search, suggest, AnswerJson, Category, Lang,
    PortRange, Query as RegQuery, Shown, Status, Transport,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

mod conn;
mod openapi;
mod web;

/// What the server may tell.
#[derive(Clone)]
pub struct AppState {
    /// Serve this machine's listeners, audit and /metrics.
    pub expose_local: bool,
    /// Where listeners come from (the kernel, or a fake in tests).
    pub source: Arc<dyn SocketSource + Send + Sync>,
    /// Host names (with or without :port) answered besides the loopback ones: the names
    /// a reverse proxy forwards (`--allowed-host`). See [`serve`].
    pub allowed_hosts: Vec<String>,
}

/// Which Host headers a server answers: a page on another site that rebinds its own
/// name to 127.0.0.1 sends its own name as Host, and gets 421.
#[derive(Debug, Clone)]
struct HostPolicy {
    /// Lowercase names (IPv6 in brackets), each with its port, or None for any port.
    allowed: Vec<(String, Option<u16>)>,
    /// For the error message.
    listening: std::net::SocketAddr,
}

/// "Name:port", "[::1]:port" or a name alone → (name, port), without copying.
fn split_host(h: &str) -> Option<(&str, Option<u16>)> {
    let h = h.trim();
    let (name, port) = match h.rfind(':') {
        Some(i) if !h.starts_with('[') || h[..i].ends_with(']') => {
            (&h[..i], Some(h[i + 1..].parse::<u16>().ok()?))
        }
        _ => (h, None),
    };
    (!name.is_empty()).then_some((name, port))
}

impl HostPolicy {
    /// None: any Host (bound to other interfaces, no --allowed-host).
    fn for_address(addr: std::net::SocketAddr, extra: &[String]) -> Option<HostPolicy> {
        let ip = match addr.ip() {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            ip => ip,
        };
        let mut allowed: Vec<(String, Option<u16>)> = extra
            .iter()
            .filter_map(|h| split_host(h))
            .map(|(n, p)| (n.to_ascii_lowercase(), p))
            .collect();
        if ip.is_loopback() {
            for name in ["localhost", "127.0.0.1", "[::1]"] {
                allowed.push((name.to_owned(), Some(addr.port())));
            }
        } else if allowed.is_empty() {
            return None;
        }
        Some(HostPolicy {
            allowed,
            listening: addr,
        })
    }

    fn admits(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        // Without a port, HTTP's own: 80.
        let port = port.unwrap_or(80);
        self.allowed
            .iter()
            .any(|(n, p)| n.eq_ignore_ascii_case(name) && p.is_none_or(|p| p == port))
    }

    fn names(&self) -> String {
        self.allowed
            .iter()
            .map(|(n, p)| p.map_or_else(|| n.clone(), |p| format!("{n}:{p}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// 421 for a Host the server does not answer; requests without Host (HTTP/1.0 tools)
/// pass, since browsers always send one.
fn refused_host(policy: &HostPolicy, req: &axum::extract::Request) -> Option<Response> {
    // Checked on every request: no copy unless it is refused.
    let h = req.headers().get(header::HOST)?.as_bytes();
    if std::str::from_utf8(h).is_ok_and(|h| policy.admits(h)) {
        return None;
    }
    Some(
        ApiError(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "Host '{}' is not served here: portdex serve on {} answers to {}; behind a reverse proxy, start it with --allowed-host NAME",
                Shown::new(&String::from_utf8_lossy(h)),
                policy.listening,
                policy.names()
            ),
            Value::Null,
        )
        .into_response(),
    )
}

/// The checks around every request, in one layer (each layer costs a boxed future per
/// request): the Host, then the large-answer budget and JSON for every error.
async fn guard(
    hosts: Option<Arc<HostPolicy>>,
    large: Arc<tokio::sync::Semaphore>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(refusal) = hosts.as_deref().and_then(|p| refused_host(p, &req)) {
        return refusal;
    }
    let res = next.run(req).await;
    conn::json_errors(conn::budget(&large, res)).await
}

/// What the handlers share: the caller's state and the server's caches (as router
/// state, not per-request extensions: nothing is inserted into each request).
#[derive(Clone)]
struct Served {
    state: AppState,
    snapshots: Arc<SnapCache>,
    ranges: Arc<RangeCache>,
}

impl FromRef<Served> for AppState {
    fn from_ref(s: &Served) -> AppState {
        s.state.clone()
    }
}

impl FromRef<Served> for Arc<SnapCache> {
    fn from_ref(s: &Served) -> Arc<SnapCache> {
        Arc::clone(&s.snapshots)
    }
}

impl FromRef<Served> for Arc<RangeCache> {
    fn from_ref(s: &Served) -> Arc<RangeCache> {
        Arc::clone(&s.ranges)
    }
}

/// A JSON error with its status.
pub(crate) struct ApiError(StatusCode, String, Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.1, "status": self.0.as_u16() });
        if let (Value::Object(b), Value::Object(extra)) = (&mut body, self.2) {
            b.extend(extra);
        }
        (self.0, Json(body)).into_response()
    }
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into(), Value::Null)
}

/// A request axum could not read (bad percent-encoding, a repeated parameter), as JSON.
fn rejected(e: impl std::fmt::Display) -> ApiError {
    bad_request(e.to_string())
}

/// A query parameter that must be a whole number in `range`; absent gives `default`.
fn number_in(
    name: &str,
    value: Option<&str>,
    range: std::ops::RangeInclusive<u32>,
    default: u32,
) -> Result<u32, ApiError> {
    let Some(v) = value else { return Ok(default) };
    v.parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            bad_request(format!(
                "{name} '{}' is not a number from {} to {}",
                Shown::new(v),
                range.start(),
                range.end()
            ))
        })
}

fn not_found(msg: impl Into<String>, extra: Value) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, msg.into(), extra)
}

#[derive(Deserialize)]
struct ProtoParam {
    proto: Option<String>,
}

fn transport(p: &Option<String>) -> Result<Option<Transport>, ApiError> {
    p.as_deref()
        .map(|s| {
            s.parse::<Transport>()
                .map_err(|e| bad_request(e.to_string()))
        })
        .transpose()
}

async fn port(
    port: Result<Path<String>, PathRejection>,
    q: Result<Query<ProtoParam>, QueryRejection>,
) -> Result<Json<AnswerJson>, ApiError> {
    let (Path(port), Query(q)) = (port.map_err(rejected)?, q.map_err(rejected)?);
    let p: portdex_registry::Port = port
        .parse()
        .map_err(|e: portdex_registry::ParseError| bad_request(e.to_string()))?;
    let t = transport(&q.proto)?;
    let answer = lookup(&RegQuery::Port(p.0), t);
    if answer.is_empty() {
        let cat = Category::of(p.0);
        return Err(not_found(
            format!(
                "nothing is assigned to port {} and no common use is known",
                p.0
            ),
            json!({ "category": cat, "category_range": cat.range() }),
        ));
    }
    Ok(Json(AnswerJson::new(&port, &answer)))
}

#[derive(Deserialize)]
struct RangeParam {
    range: Option<String>,
    proto: Option<String>,
}

async fn ports(
    State(cache): State<Arc<RangeCache>>,
    q: Result<Query<RangeParam>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(rejected)?;
    let spec = q
        .range
        .as_deref()
        .ok_or_else(|| bad_request("give ?range=LOW-HIGH, e.g. ?range=8000-8100"))?;
    let r: PortRange = spec
        .parse()
        .map_err(|e: portdex_registry::ParseError| bad_request(e.to_string()))?;
    let t = transport(&q.proto)?;
    // The registry does not change while serving: an answer made once is served again
    // from one shared buffer (no copy per client), within RangeCache's bounds.
    if let Some(bytes) = cache.get_or_make(spec, r, t).await {
        let mut res = ([(header::CONTENT_TYPE, "application/json")], bytes).into_response();
        res.extensions_mut().insert(conn::Shared);
        return Ok(res);
    }
    // The same JSON, written as the client reads it: a whole-range answer is about
    // 5 MB, and a client that reads slowly holds a few KiB of it, not 5 MB. Making it
    // costs CPU for as much as the client's buffers take, so only a few at a time.
    let Ok(permit) = Arc::clone(&cache.streams).try_acquire_owned() else {
        return Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many large answers are being sent: ask again in a moment, or for a smaller range"
                .into(),
            Value::Null,
        ));
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        conn::held(axum::body::Body::new(RangeBody::new(spec, r, t)), permit),
    )
        .into_response())
}

/// Range answers already made, by query text and transport, up to
/// [`RangeCache::BYTES`] in all; beyond that, or while [`RangeCache::MAKING`] other
/// answers are being made, answers are streamed instead.
struct RangeCache {
    /// Streamed answers being written.
    streams: Arc<tokio::sync::Semaphore>,
    /// Bytes held, and the answers.
    held: std::sync::Mutex<(usize, HashMap<RangeKey, axum::body::Bytes>)>,
    /// Answers being made: a crowd asking for the same range waits for it once.
    making: std::sync::Mutex<HashMap<RangeKey, Arc<tokio::sync::OnceCell<axum::body::Bytes>>>>,
}

type RangeKey = (String, Option<Transport>);

impl Default for RangeCache {
    fn default() -> Self {
        RangeCache {
            streams: Arc::new(tokio::sync::Semaphore::new(Self::STREAMS)),
            held: Default::default(),
            making: Default::default(),
        }
    }
}
use std::collections::HashMap;

impl RangeCache {
    const BYTES: usize = 48 * 1024 * 1024;
    const MAKING: usize = 2;
    const STREAMS: usize = 8;

    /// The answer, from the cache or made now (and kept); None: stream it instead.
    async fn get_or_make(
        &self,
        spec: &str,
        range: PortRange,
        t: Option<Transport>,
    ) -> Option<axum::body::Bytes> {
        let key = (spec.to_owned(), t);
        {
            let held = self.held.lock().ok()?;
            if let Some(b) = held.1.get(&key) {
                return Some(b.clone());
            }
            if held.0 >= Self::BYTES {
                return None;
            }
        }
        let cell = {
            let mut making = self.making.lock().ok()?;
            match making.get(&key) {
                Some(c) => Arc::clone(c),
                None if making.len() >= Self::MAKING => return None,
                None => {
                    let c = Arc::new(tokio::sync::OnceCell::new());
                    making.insert(key.clone(), Arc::clone(&c));
                    c
                }
            }
        };
        let made = cell
            .get_or_try_init(|| async {
                let body = RangeBody::new(spec, range, t);
                tokio::task::spawn_blocking(move || body.collect()).await
            })
            .await
            .ok()
            .cloned();
        if let Ok(mut making) = self.making.lock() {
            making.remove(&key);
        }
        let bytes = made?;
        if let Ok(mut held) = self.held.lock() {
            if !held.1.contains_key(&key) && held.0 < Self::BYTES {
                held.0 += bytes.len();
                held.1.insert(key, bytes.clone());
            }
        }
        Some(bytes)
    }
}

/// An answer for a range, as `{"query":…,"reports":[…],"portless":[]}`, serialized
/// [`RangeBody::CHUNK`] reports at a time.
struct RangeBody {
    head: Option<axum::body::Bytes>,
    reports: Box<dyn Iterator<Item = portdex_registry::Report> + Send>,
    first: bool,
    done: bool,
}

impl RangeBody {
    const CHUNK: usize = 128;

    /// The whole answer in one buffer.
    fn collect(mut self) -> axum::body::Bytes {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk() {
            out.extend_from_slice(&chunk);
        }
        out.into()
    }

    /// The next piece of the JSON; None at the end.
    fn next_chunk(&mut self) -> Option<axum::body::Bytes> {
        if let Some(head) = self.head.take() {
            return Some(head);
        }
        if self.done {
            return None;
        }
        let mut buf = Vec::with_capacity(16 * 1024);
        for r in self.reports.by_ref().take(Self::CHUNK) {
            if !std::mem::take(&mut self.first) {
                buf.push(b',');
            }
            let _ = serde_json::to_writer(&mut buf, &portdex_registry::ReportJson::from(&r));
        }
        if buf.is_empty() {
            buf.extend_from_slice(b"],\"portless\":[]}");
            self.done = true;
        }
        Some(buf.into())
    }

    fn new(query: &str, range: PortRange, transport: Option<Transport>) -> Self {
        let mut head = b"{\"query\":".to_vec();
        let _ = serde_json::to_writer(&mut head, query);
        head.extend_from_slice(b",\"reports\":[");
        RangeBody {
            head: Some(head.into()),
            reports: Box::new(portdex_registry::range_reports_iter(range, transport)),
            first: true,
            done: false,
        }
    }
}

impl http_body::Body for RangeBody {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .next_chunk()
                .map(|c| Ok(http_body::Frame::data(c))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.head.is_none()
    }
}

async fn service(
    name: Result<Path<String>, PathRejection>,
    q: Result<Query<ProtoParam>, QueryRejection>,
) -> Result<Json<AnswerJson>, ApiError> {
    let (Path(name), Query(q)) = (name.map_err(rejected)?, q.map_err(rejected)?);
    let query: RegQuery = name
        .parse()
        .map_err(|e: portdex_registry::ParseError| bad_request(e.to_string()))?;
    let RegQuery::Name(n) = &query else {
        return Err(bad_request(format!(
            "'{name}' is a port, not a name: use /api/v1/ports/{name}"
        )));
    };
    let answer = lookup(&query, transport(&q.proto)?);
    if answer.is_empty() {
        return Err(not_found(
            format!("no port is known by the name '{n}'"),
            json!({ "did_you_mean": suggest(n, 5) }),
        ));
    }
    Ok(Json(AnswerJson::new(&name, &answer)))
}

#[derive(Deserialize)]
struct SearchParam {
    q: Option<String>,
    limit: Option<String>,
}

async fn search_handler(
    q: Result<Query<SearchParam>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(rejected)?;
    let words =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad_request("give ?q=WORDS"))?;
    portdex_registry::check_search(words).map_err(|e| bad_request(e.to_string()))?;
    let limit = number_in("limit", q.limit.as_deref(), 1..=500, 20)? as usize;
    let (hits, total) = search(words, limit);
    Ok(Json(
        serde_json::to_value(portdex_registry::SearchJson::new(words, &hits, total))
            .unwrap_or_default(),
    ))
}

#[derive(Deserialize)]
struct MapParam {
    range: Option<String>,
    cells: Option<String>,
}

/// How densely each stretch of a range is assigned: the cells of the web page's map.
async fn map(q: Result<Query<MapParam>, QueryRejection>) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(rejected)?;
    let range = match q.range.as_deref() {
        None => PortRange { lo: 0, hi: 65535 },
        Some(spec) => spec
            .parse()
            .map_err(|e: portdex_registry::ParseError| bad_request(e.to_string()))?,
    };
    let cells = number_in("cells", q.cells.as_deref(), 1..=4096, 64)?;
    Ok(Json(json!({
        "lo": range.lo, "hi": range.hi,
        "cells": portdex_registry::density(range, cells),
    })))
}

/// What this server is and what it serves (the page asks before showing this machine).
async fn about(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "name": "portdex",
        "version": env!("CARGO_PKG_VERSION"),
        "expose_local": state.expose_local,
    }))
}

async fn categories() -> Json<Value> {
    let v: Vec<Value> = category_counts()
        .iter()
        .map(|(c, n)| {
            json!({
                "category": c, "lo": c.range().lo, "hi": c.range().hi,
                "rfc6335_name": c.rfc6335_name(), "label": { "en": c.label(Lang::En), "ja": c.label(Lang::Ja) },
                "assignments": n,
            })
        })
        .collect();
    Json(json!({ "categories": v }))
}

// whatportis compatibility: `/ports` and `/ports/{pattern}` answer as whatportis 0.8.2's
// server (`whatportis --server HOST PORT`, Flask over a TinyDB file) does. Its code:
//
//   server.py  /ports            -> jsonify({"ports": get_database().all()})
//              /ports/<pattern>  -> like = "like" in request.args
//                                   jsonify({"ports": get_ports(pattern, like)})
//   db.py      get_ports: where_field = "port" if port.isdigit() else "name"
//                         like: db.search(where(where_field).search(port))   (TinyDB:
//                               re.search(regex, value): unanchored, case-sensitive)
//                         else: db.search(where(where_field) == port)
//                         then merge_protocols, then Port(**p) namedtuples (JSON arrays)
//              merge_protocols: rows with the same "{description}-{name}-{port}" key
//                         become the first of them, protocols joined with ", "
//   cli.py     populate_db: one document per CSV row, "---" for an empty field
//
// So /ports is the database as stored (objects, one per transport, not merged) and
// /ports/{pattern} is rows of four strings [name, port, protocol, description].

/// One document of whatportis's database: an IANA row, one per transport, "---" for an
/// empty field. portdex's rows are the assigned single ports (whatportis's file, built
/// from the whole IANA CSV, also holds ranges and unassigned/reserved rows).
struct WpDoc {
    name: &'static str,
    port: String,
    protocol: &'static str,
    description: &'static str,
}

/// whatportis's database, in registry order (its file order is TinyDB's search order).
fn wp_db() -> &'static [WpDoc] {
    static DB: std::sync::OnceLock<Vec<WpDoc>> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let or_dashes = |s: &'static str| if s.is_empty() { "---" } else { s };
        all_assignments()
            .filter_map(|a| {
                let (p, t) = (a.ports()?, a.transport()?);
                (a.status() == Status::Assigned && p.lo == p.hi).then(|| WpDoc {
                    name: or_dashes(a.name()),
                    port: p.lo.to_string(),
                    protocol: t.as_str(),
                    description: or_dashes(a.description()),
                })
            })
            .collect()
    })
}

/// whatportis's `merge_protocols`: documents with the same description, name and port
/// become one row (where the first was), their protocols joined with ", ". Its key is the
/// three joined with "-", so ("a-b", name "c") and ("a", name "b-c") merge too; so here.
fn wp_rows<'a>(docs: impl Iterator<Item = &'a WpDoc>) -> Vec<[String; 4]> {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for d in docs {
        let key = format!("{}-{}-{}", d.description, d.name, d.port);
        match at.get(&key) {
            Some(&i) => {
                rows[i][2].push_str(", ");
                rows[i][2].push_str(d.protocol);
            }
            None => {
                at.insert(key, rows.len());
                rows.push([
                    d.name.to_owned(),
                    d.port.clone(),
                    d.protocol.to_owned(),
                    d.description.to_owned(),
                ]);
            }
        }
    }
    rows
}

/// `/ports`: every document as stored, `{"ports": [{"name", "port", "protocol",
/// "description"}, ...]}`, serialized once.
async fn wp_all() -> Response {
    static BODY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| {
        let docs: Vec<Value> = wp_db()
            .iter()
            .map(|d| json!({ "name": d.name, "port": d.port, "protocol": d.protocol, "description": d.description }))
            .collect();
        serde_json::to_vec(&json!({ "ports": docs })).expect("JSON of strings")
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.as_slice(),
    )
        .into_response()
}

/// The longest `?like` pattern compiled: whatportis has no bound; the pattern is
/// untrusted input.
const WP_PATTERN_MAX: usize = 200;

/// A `?like` pattern as a regular expression, compiled within small bounds (the `regex`
/// crate matches in linear time; these bound its memory and compile time).
fn wp_regex(pattern: &str) -> Result<regex::Regex, ApiError> {
    let valid = format!(
        "?like takes a regular expression of at most {WP_PATTERN_MAX} bytes (Rust regex syntax: \
         Python's re without look-around or backreferences), searched for anywhere in the \
         service name, or in the port number when the pattern is all digits"
    );
    if pattern.len() > WP_PATTERN_MAX {
        return Err(bad_request(format!(
            "'{}' is too long for ?like: {valid}",
            Shown::new(pattern)
        )));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let why = match &e {
                // The parser's message is a diagram over several lines; its last line says why.
                regex::Error::Syntax(s) => s
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or("not valid")
                    .to_owned(),
                regex::Error::CompiledTooBig(_) => "too large once compiled".to_owned(),
                _ => e.to_string(),
            };
            bad_request(format!(
                "'{}' is not a regular expression ?like can use ({why}): {valid}",
                Shown::new(pattern)
            ))
        })
}

/// `/ports/{pattern}` (`?like`): rows [name, port, protocol, description].
async fn wp_pattern(
    pattern: Result<Path<String>, PathRejection>,
    q: Result<Query<std::collections::HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(pattern), Query(q)) = (pattern.map_err(rejected)?, q.map_err(rejected)?);
    // Present with any value (or none), as `"like" in request.args`.
    let like = q.contains_key("like");
    // Python's str.isdigit() also takes other scripts' digits ("٣"); such a pattern
    // matches nothing in either field, so ASCII digits decide the same.
    let numeric = !pattern.is_empty() && pattern.bytes().all(|b| b.is_ascii_digit());
    let field = |d: &'static WpDoc| -> &'static str {
        if numeric {
            &d.port
        } else {
            d.name
        }
    };
    let rows = if like {
        // whatportis answers an invalid regular expression with Flask's 500 HTML page
        // (re.error escapes the view); portdex answers 400 with its JSON error instead.
        let re = wp_regex(&pattern)?;
        wp_rows(wp_db().iter().filter(|&d| re.is_match(field(d))))
    } else {
        wp_rows(wp_db().iter().filter(|&d| field(d) == pattern))
    };
    Ok(Json(json!({ "ports": rows })))
}

fn local_guard(state: &AppState) -> Result<(), ApiError> {
    if state.expose_local {
        Ok(())
    } else {
        Err(not_found(
            "this machine's listeners and audit are not served: start portdex serve with --expose-local",
            Value::Null,
        ))
    }
}

/// The last snapshot of this machine's sockets, shared for a second: a flood of
/// /api/v1/listeners (or /metrics scrapes from many Prometheus servers) takes one listing
/// at a time, on one blocking thread, instead of one thread per request.
#[derive(Default)]
struct SnapCache(tokio::sync::Mutex<Option<(std::time::Instant, Arc<portdex_net::Snapshot>)>>);

/// How long a snapshot is served again.
const SNAPSHOT_FRESH: Duration = Duration::from_secs(1);

async fn snapshot(
    state: &AppState,
    cache: &SnapCache,
) -> Result<Arc<portdex_net::Snapshot>, ApiError> {
    let mut last = cache.0.lock().await;
    if let Some((at, snap)) = last.as_ref() {
        if at.elapsed() < SNAPSHOT_FRESH {
            return Ok(Arc::clone(snap));
        }
    }
    let source = state.source.clone();
    let snap =
        tokio::task::spawn_blocking(move || listeners(source.as_ref(), ListOptions::default()))
            .await
            .map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    Value::Null,
                )
            })?
            .map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot list sockets: {e}"),
                    Value::Null,
                )
            })?;
    let snap = Arc::new(snap);
    *last = Some((std::time::Instant::now(), Arc::clone(&snap)));
    Ok(snap)
}

async fn local_listeners(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
) -> Result<Json<Value>, ApiError> {
    local_guard(&state)?;
    let snap = snapshot(&state, &cache).await?;
    Ok(Json(
        json!({ "listeners": snap.listeners, "owners_hidden": snap.owners_hidden }),
    ))
}

#[derive(Deserialize)]
struct LangParam {
    lang: Option<String>,
}

async fn local_audit(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
    q: Result<Query<LangParam>, QueryRejection>,
) -> Result<Json<portdex_audit::Report>, ApiError> {
    local_guard(&state)?;
    let Query(q) = q.map_err(rejected)?;
    let lang = match q.lang.as_deref() {
        None | Some("en") => Lang::En,
        Some("ja") => Lang::Ja,
        Some(other) => {
            return Err(bad_request(format!(
                "lang '{}' is not a language portdex speaks: en or ja",
                Shown::new(other)
            )))
        }
    };
    let snap = snapshot(&state, &cache).await?;
    Ok(Json(portdex_audit::audit(
        &snap,
        &AuditConfig::default(),
        lang,
    )))
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
) -> Result<Response, ApiError> {
    local_guard(&state)?;
    let snap = snapshot(&state, &cache).await?;
    let report = portdex_audit::audit(&snap, &AuditConfig::default(), Lang::En);
    let mut o = String::new();
    o.push_str("# HELP portdex_listener A listening TCP socket or bound UDP socket on this machine (always 1).\n");
    o.push_str("# TYPE portdex_listener gauge\n");
    // Two SO_REUSEPORT sockets of one server have the same labels: one series.
    let mut seen = std::collections::HashSet::new();
    for l in &snap.listeners {
        let process = l
            .processes
            .first()
            .map_or(String::new(), |p| p.name.clone());
        let line = format!(
            "portdex_listener{{transport=\"{}\",address=\"{}\",port=\"{}\",service=\"{}\",exposure=\"{}\",process=\"{}\"}} 1\n",
            l.transport,
            l.address,
            l.port,
            label(l.common_use.or(l.registry_service).unwrap_or("")),
            l.exposure.as_str(),
            label(&process),
        );
        if seen.insert(line.clone()) {
            o.push_str(&line);
        }
    }
    o.push_str("# HELP portdex_audit_findings Audit findings on this machine, by severity.\n");
    o.push_str("# TYPE portdex_audit_findings gauge\n");
    for s in ["critical", "high", "medium", "low", "info"] {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity.as_str() == s)
            .count();
        o.push_str(&format!("portdex_audit_findings{{severity=\"{s}\"}} {n}\n"));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        o,
    )
        .into_response())
}

async fn openapi_doc() -> Json<Value> {
    Json(openapi::document())
}

async fn fallback() -> ApiError {
    not_found("no such endpoint: see /openapi.json", Value::Null)
}

/// A method other than GET (or HEAD) on an endpoint: the server is read-only. axum adds
/// the Allow header.
async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not served: portdex serve is read-only, use GET"),
        Value::Null,
    )
}

/// How much one server takes on.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; the next ones wait in the kernel's accept queue
    /// until one closes.
    pub max_connections: usize,
    /// Time for a client to send a request's headers (idle keep-alive connections
    /// included), and for the server to answer it.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 256,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The kernel's send buffer for each connection.
const SEND_BUFFER: usize = 128 * 1024;

/// Request headers above this size are refused (431) by the HTTP layer.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Requests with more headers than this are refused.
const MAX_HEADERS: usize = 64;

/// The whole API and page, with its safety layers: a request timeout, a body limit, a
/// concurrency limit, and a strict Content-Security-Policy.
pub fn router(state: AppState) -> Router {
    app(state, Limits::default(), None)
}

fn app(state: AppState, limits: Limits, hosts: Option<HostPolicy>) -> Router {
    let router = Router::new()
        .route("/api/v1/ports/{port}", get(port))
        .route("/api/v1/ports", get(ports))
        .route("/api/v1/services/{name}", get(service))
        .route("/api/v1/search", get(search_handler))
        .route("/api/v1/about", get(about))
        .route("/api/v1/categories", get(categories))
        .route("/api/v1/map", get(map))
        .route("/api/v1/listeners", get(local_listeners))
        .route("/api/v1/audit", get(local_audit))
        .route("/metrics", get(metrics))
        .route("/ports", get(wp_all))
        .route("/ports/{pattern}", get(wp_pattern))
        .route("/openapi.json", get(openapi_doc))
        .route("/", get(web::index))
        .route("/port/{port}", get(web::port_page))
        .route("/assets/{file}", get(web::asset))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Served {
            state,
            snapshots: Arc::new(SnapCache::default()),
            ranges: Arc::new(RangeCache::default()),
        })
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(512))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            ),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    let large = Arc::new(tokio::sync::Semaphore::new(conn::LARGE_BUDGET / 1024));
    let hosts = hosts.map(Arc::new);
    router.layer(axum::middleware::from_fn(move |req, next| {
        guard(hosts.clone(), Arc::clone(&large), req, next)
    }))
}

/// Binds `addr` (the binary defaults to 127.0.0.1:7878); the caller learns the bound
/// address (port 0 picks a free one) before serving starts.
pub async fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// Serves on a bound listener until Ctrl-C or SIGTERM, then lets the requests in flight
/// finish (for at most `limits.timeout`).
///
/// Each connection holds one of `limits.max_connections` slots; without a free slot the
/// server accepts nothing more, so a flood of idle connections cannot take every file
/// descriptor. A client gets `limits.timeout` to send each request's headers, which
/// also closes idle keep-alive connections and slow-header (slowloris) clients; headers
/// are limited in size and number.
///
/// Bound to loopback, it answers only requests whose Host is localhost, 127.0.0.1 or
/// [::1] with its port, or one of `state.allowed_hosts` (421 otherwise): a web page
/// cannot read this machine's listeners through a name it rebinds to 127.0.0.1. Bound
/// elsewhere, the Host is checked only when `allowed_hosts` names some.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: Limits,
) -> std::io::Result<()> {
    use tower::ServiceExt;
    // Room for --max-connections sockets and more, up to the hard limit.
    portdex_net::scan::raise_fd_limit();
    let hosts = HostPolicy::for_address(listener.local_addr()?, &state.allowed_hosts);
    let app = app(state, limits, hosts)
        .map_request(|r: axum::http::Request<hyper::body::Incoming>| r.map(axum::body::Body::new));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let table = Arc::new(conn::Table::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop_signal());
    loop {
        // Accept first: a full house sheds its oldest idle connection for the new one,
        // so that idle and slow-header floods cannot keep a real client out.
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                // Out of descriptors or memory: shed an idle connection, wait, go on.
                Err(_) => {
                    table.shed_oldest_idle();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(s) => s,
            Err(_) => {
                table.shed_oldest_idle();
                // Every connection is being answered: wait for one to finish.
                tokio::select! {
                    s = slots.clone().acquire_owned() => s.expect("the semaphore is never closed"),
                    _ = &mut stop => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        // A small send buffer: a client that does not read takes SEND_BUFFER of the
        // answer, not the megabytes loopback's autotuning would give it (each of which
        // the server would first have to make).
        let _ = rustix::net::sockopt::set_socket_send_buffer_size(&stream, SEND_BUFFER);
        let conn_state = Arc::new(conn::ConnState::default());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.timeout)
            .max_buf_size(MAX_HEADER_BYTES)
            .max_headers(MAX_HEADERS);
        let per_request = {
            let app = app.clone();
            let conn_state = Arc::clone(&conn_state);
            hyper::service::service_fn(move |req| {
                // Busy while the handler runs; the answer must be written by the deadline.
                let busy = conn::Busy::start(&conn_state, limits.timeout);
                let app = app.clone();
                async move {
                    let res = app.oneshot(req).await;
                    drop(busy);
                    res
                }
            })
        };
        let io = hyper_util::rt::TokioIo::new(conn::Guarded::new(stream, Arc::clone(&conn_state)));
        let conn = graceful.watch(http.serve_connection(io, per_request));
        let (tx, rx) = tokio::sync::oneshot::channel::<u64>();
        let done_table = Arc::clone(&table);
        let task = tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
            if let Ok(id) = rx.await {
                done_table.remove(id);
            }
        });
        let id = table.add(conn_state, task.abort_handle());
        let _ = tx.send(id);
    }
    // Stop taking connections; let the ones in flight finish.
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.timeout) => {}
    }
    Ok(())
}

/// Builds a runtime, binds `addr`, tells `on_bound` the address, and serves until Ctrl-C
/// or SIGTERM. For callers without an async runtime of their own (the binary).
pub fn run(
    addr: std::net::SocketAddr,
    state: AppState,
    limits: Limits,
    on_bound: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Listing sockets runs on blocking threads: a flood of /api/v1/listeners waits
        // for these few instead of growing the process by hundreds of threads.
        .max_blocking_threads(4)
        .build()?;
    rt.block_on(async {
        let listener = bind(addr).await?;
        on_bound(listener.local_addr()?);
        serve(listener, state, limits).await
    })
}

#[cfg(test)]
mod host_tests {
    use super::HostPolicy;

    #[test]
    fn loopback_answers_its_own_names_only() {
        let p = HostPolicy::for_address("127.0.0.1:7878".parse().unwrap(), &[]).unwrap();
        for ok in [
            "localhost:7878",
            "127.0.0.1:7878",
            "[::1]:7878",
            "LOCALHOST:7878",
        ] {
            assert!(p.admits(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:7878",
            "localhost:7879",
            "localhost",
            "127.0.0.1.attacker.example:7878",
            "[::1]",
            "",
            "localhost:",
            "localhost:x",
        ] {
            assert!(!p.admits(bad), "{bad}");
        }
        let p = HostPolicy::for_address(
            "[::ffff:127.0.0.1]:80".parse().unwrap(),
            &["ports.example.org".into(), "proxy:8443".into()],
        )
        .unwrap();
        for ok in [
            "localhost",
            "localhost:80",
            "ports.example.org",
            "ports.example.org:443",
            "proxy:8443",
        ] {
            assert!(p.admits(ok), "{ok}");
        }
        assert!(!p.admits("proxy:8444"));
        assert!(HostPolicy::for_address("0.0.0.0:7878".parse().unwrap(), &[]).is_none());
        let p = HostPolicy::for_address("0.0.0.0:7878".parse().unwrap(), &["a.example".into()])
            .unwrap();
        assert!(p.admits("a.example:7878") && !p.admits("localhost:7878"));
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[tokio::test]
    async fn with_the_cache_full_a_range_is_streamed_as_the_same_json() {
        let cache = Arc::new(RangeCache::default());
        cache.held.lock().unwrap().0 = RangeCache::BYTES;
        let q = RangeParam {
            range: Some("0-65535".into()),
            proto: Some("tcp".into()),
        };
        let res = ports(State(Arc::clone(&cache)), Ok(Query(q)))
            .await
            .unwrap_or_else(|e| e.into_response());
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            http_body::Body::size_hint(res.body()).exact(),
            None,
            "streamed, not whole"
        );
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let whole = lookup(
            &RegQuery::Range(PortRange { lo: 0, hi: 65535 }),
            Some(Transport::Tcp),
        );
        let want = serde_json::to_vec(&AnswerJson::new("0-65535", &whole)).unwrap();
        assert_eq!(body.as_ref(), want.as_slice());
        // The stream gave its place back when it was done.
        assert_eq!(cache.streams.available_permits(), RangeCache::STREAMS);
    }
}
