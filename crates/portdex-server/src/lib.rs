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

mod cache;
mod conn;
mod guide;
mod host;
mod local;
mod metrics;
mod openapi;
mod range;
mod reload;
mod web;
mod whatportis;

use host::{refused_host, HostPolicy};
use local::*;
use metrics::metrics;
use range::*;
use whatportis::*;

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
    /// Where `portdex update` keeps the registry: a newer one stored there is used from
    /// the next request on (and at SIGHUP). None: the registry never changes.
    pub data_dir: Option<std::path::PathBuf>,
    /// The audit's configuration (`serve --config`, the file `portdex audit --config`
    /// reads): the listeners it accepts are not findings in /api/v1/audit or /metrics.
    pub audit: AuditConfig,
}

/// The public answers only: this machine's sockets as the source but not served, every
/// Host but the loopback ones refused, the embedded registry, no audit configuration.
impl Default for AppState {
    fn default() -> Self {
        AppState {
            expose_local: false,
            source: Arc::new(portdex_net::SystemSource),
            allowed_hosts: Vec::new(),
            data_dir: None,
            audit: AuditConfig::default(),
        }
    }
}

/// The checks around every request the router answers, in one layer (each layer costs a
/// boxed future per request): a newer registry, then the large-answer budget and JSON
/// for every error. The Host is checked before, by [`App`].
async fn guard(
    large: Arc<tokio::sync::Semaphore>,
    reloader: Arc<reload::Reloader>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if reloader.changed() {
        reloader.reload().await;
    }
    // The registry stays as it is while the answer is made, and while a streamed one is
    // sent (an answer in memory holds no row of it).
    let hold = reloader.hold().await;
    let res = next.run(req).await;
    let res = if hold.is_some() && http_body::Body::size_hint(res.body()).exact().is_none() {
        res.map(|body| axum::body::Body::new(reload::Held { body, _hold: hold }))
    } else {
        res
    };
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
    /// Connections open at once. A new one takes the slot of the oldest connection
    /// that is not being answered (shed); when every one is being answered, it waits
    /// for one to end.
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
    let reloader = Arc::new(reload::Reloader::new(state.data_dir.clone()));
    app(state, Limits::default(), reloader)
}

fn app(state: AppState, limits: Limits, reloader: Arc<reload::Reloader>) -> Router {
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
        .route("/api/v1/guide", get(guide::guide))
        .route("/metrics", get(metrics))
        .route("/ports", get(wp_all))
        .route("/ports/{pattern}", get(wp_pattern))
        .route("/openapi.json", get(openapi_doc))
        .route("/", get(web::index))
        .route("/port/{port}", get(web::port_page))
        .route("/guide", get(web::index))
        .route("/assets/{file}", get(web::asset))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Served {
            state,
            snapshots: Arc::new(SnapCache::default()),
            ranges: Arc::clone(&reloader.ranges),
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
    router.layer(axum::middleware::from_fn(move |req, next| {
        guard(Arc::clone(&large), Arc::clone(&reloader), req, next)
    }))
}

/// The application as [`serve`] runs it: the Host check, then the answers already made
/// (from memory, as bytes), and the others from the [`router`] (kept for the next client
/// when they depend on the request's path and query only). A cached answer is the
/// router's to the byte, headers included: it skips the router's layers, which do
/// nothing for it (the deadline for writing it and the connection limits are the
/// server's, around every request).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

struct AppParts {
    router: Router,
    hosts: Option<HostPolicy>,
    reloader: Arc<reload::Reloader>,
}

/// The [`router`] behind its answer cache, as [`serve`] runs it (without the Host check,
/// which needs the address served). For benchmarks and tests.
pub fn cached(state: AppState) -> App {
    let reloader = Arc::new(reload::Reloader::new(state.data_dir.clone()));
    App::new(state, Limits::default(), None, reloader)
}

impl App {
    fn new(
        state: AppState,
        limits: Limits,
        hosts: Option<HostPolicy>,
        reloader: Arc<reload::Reloader>,
    ) -> App {
        App(Arc::new(AppParts {
            router: app(state, limits, Arc::clone(&reloader)),
            hosts,
            reloader,
        }))
    }

    /// The answer to one request.
    pub async fn answer<B>(&self, req: axum::http::Request<B>) -> Response
    where
        B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let parts = &*self.0;
        if let Some(refusal) = parts
            .hosts
            .as_ref()
            .and_then(|p| refused_host(p, req.headers()))
        {
            return refusal;
        }
        if parts.reloader.changed() {
            parts.reloader.reload().await;
        }
        let answers = &parts.reloader.answers;
        // A GET without a body (a body, even unread, can make the router refuse it).
        let key = (req.method() == axum::http::Method::GET
            && http_body::Body::is_end_stream(req.body())
            && cache::cacheable(req.uri().path()))
        .then(|| req.uri().path_and_query().map_or("/", |pq| pq.as_str()));
        if let Some(answer) = key.and_then(|k| answers.get(k)) {
            return answer.response();
        }
        let key: Option<Box<str>> = key.map(Into::into);
        let made_from = portdex_registry::generation();
        let res = {
            use tower::ServiceExt;
            let Ok(res) = parts
                .router
                .clone()
                .oneshot(req.map(axum::body::Body::new))
                .await;
            res
        };
        let Some(key) = key else { return res };
        let small = http_body::Body::size_hint(res.body())
            .exact()
            .is_some_and(|n| n <= cache::MAX_ANSWER as u64);
        if res.status() != StatusCode::OK || !small {
            return res;
        }
        let (parts_of, body) = res.into_parts();
        let Ok(body) = axum::body::to_bytes(body, cache::MAX_ANSWER).await else {
            return ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the answer could not be made".into(),
                Value::Null,
            )
            .into_response();
        };
        answers.put(
            &key,
            cache::Answer {
                status: parts_of.status,
                headers: parts_of.headers.clone(),
                body: body.clone(),
            },
            made_from,
        );
        Response::from_parts(parts_of, axum::body::Body::from(body))
    }
}

impl<B> tower::Service<axum::http::Request<B>> for App
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { Ok(app.answer(req).await) })
    }
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
/// Each connection holds one of `limits.max_connections` slots; a new connection
/// without a free slot takes the slot of the oldest idle one, which is closed, so a
/// flood of idle connections can neither take every file descriptor nor keep a client
/// out; when every connection is being answered, the new one waits. A client gets `limits.timeout` to send each request's headers, which
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
    let server = Server::new(listener.local_addr()?, state, limits);
    reload_on_hangup(&server);
    server.accept(listener, stop_signal()).await;
    Ok(())
}

/// What every accept loop of one server shares: the answers, and the table of
/// connections (their slots), so that `max_connections` and shedding hold for the whole server.
struct Server {
    app: App,
    limits: Limits,
    table: Arc<conn::Table>,
}

/// SIGHUP reloads the registry `portdex update` stored (a task on the current runtime).
fn reload_on_hangup(server: &Server) {
    if let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        let reloader = Arc::clone(&server.app.0.reloader);
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                reloader.reload().await;
            }
        });
    }
}

impl Server {
    fn new(addr: std::net::SocketAddr, state: AppState, limits: Limits) -> Arc<Server> {
        // Room for --max-connections sockets and more, up to the hard limit.
        portdex_net::scan::raise_fd_limit();
        let hosts = HostPolicy::for_address(addr, &state.allowed_hosts);
        let reloader = Arc::new(reload::Reloader::new(state.data_dir.clone()));
        Arc::new(Server {
            app: App::new(state, limits, hosts, reloader),
            limits,
            table: Arc::new(conn::Table::new(limits.max_connections)),
        })
    }

    /// Accepts and serves connections on the current runtime until `stop`, then lets
    /// the ones in flight finish (for at most `limits.timeout`).
    async fn accept(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let (table, limits) = (&self.table, self.limits);
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut stop = std::pin::pin!(stop);
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
            let conn_state = Arc::new(conn::ConnState::default());
            // A slot: a free one, or the oldest idle connection's (shed); when every
            // connection is being answered, wait for one to end.
            let id = match table.admit(&conn_state) {
                Some(id) => id,
                None => tokio::select! {
                    id = table.admit_waiting(&conn_state) => id,
                    _ = &mut stop => break,
                },
            };
            let _ = stream.set_nodelay(true);
            // A small send buffer: a client that does not read takes SEND_BUFFER of the
            // answer, not the megabytes loopback's autotuning would give it (each of which
            // the server would first have to make).
            let _ = rustix::net::sockopt::set_socket_send_buffer_size(&stream, SEND_BUFFER);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.timeout)
                .max_buf_size(MAX_HEADER_BYTES)
                .max_headers(MAX_HEADERS);
            let per_request = {
                let app = self.app.clone();
                let conn_state = Arc::clone(&conn_state);
                hyper::service::service_fn(move |req| {
                    // Busy while the handler runs; the answer must be written by the deadline.
                    let busy = conn::Busy::start(&conn_state, limits.timeout);
                    let app = app.clone();
                    async move {
                        let res = app.answer(req).await;
                        drop(busy);
                        Ok::<_, std::convert::Infallible>(res)
                    }
                })
            };
            let io =
                hyper_util::rt::TokioIo::new(conn::Guarded::new(stream, Arc::clone(&conn_state)));
            let conn = graceful.watch(http.serve_connection(io, per_request));
            let done = Arc::clone(table);
            tokio::spawn(async move {
                tokio::select! {
                    _ = conn => {}
                    // Shed for a new connection: dropping it closes the socket.
                    () = conn_state.shed.notified() => {}
                }
                done.remove(id);
            });
        }
        // Stop taking connections; let the ones in flight finish.
        drop(listener);
        tokio::select! {
            _ = graceful.shutdown() => {}
            _ = tokio::time::sleep(limits.timeout) => {}
        }
    }
}

/// A runtime for one thread of the server. Listing sockets runs on blocking threads:
/// a flood of /api/v1/listeners waits for these few (`blocking` in all) instead of
/// growing the process by hundreds of threads.
fn thread_runtime(blocking: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(blocking.max(1))
        .build()
}

/// Binds `addr`, tells `on_bound` the address, and serves until Ctrl-C or SIGTERM, on
/// every core. For callers without an async runtime of their own (the binary).
///
/// Each core runs a thread with a runtime of its own that accepts from the one
/// listening socket and serves the connections it accepted, as nginx's workers do: no
/// task moves between threads, and a busy thread leaves new connections to the others.
/// The table of connections (their slots) is the whole server's, so
/// `max_connections` and shedding are what they are with one thread.
pub fn run(
    addr: std::net::SocketAddr,
    state: AppState,
    limits: Limits,
    on_bound: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let blocking = 4usize.div_ceil(threads);
    let rt = thread_runtime(blocking)?;
    let listener = rt.block_on(bind(addr))?.into_std()?;
    let bound = listener.local_addr()?;
    on_bound(bound);
    let server = Server::new(bound, state, limits);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        // A closed channel (the main thread is gone) stops too.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let others = (1..threads)
        .map(|i| {
            let (listener, server) = (listener.try_clone()?, Arc::clone(&server));
            let stop = stopped(stop_rx.clone());
            std::thread::Builder::new()
                .name(format!("portdex-serve-{i}"))
                .spawn(move || -> std::io::Result<()> {
                    let rt = thread_runtime(blocking)?;
                    rt.block_on(async {
                        let listener = tokio::net::TcpListener::from_std(listener)?;
                        server.accept(listener, stop).await;
                        Ok(())
                    })
                })
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let served = rt.block_on(async {
        reload_on_hangup(&server);
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
        let listener = tokio::net::TcpListener::from_std(listener)?;
        server.accept(listener, stopped(stop_rx)).await;
        Ok(())
    });
    for t in others {
        t.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a server thread panicked")))?;
    }
    served
}
