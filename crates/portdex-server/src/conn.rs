//! What keeps one client from taking the server: a deadline for each answer that covers
//! writing it (a client that does not read is cut off), a table of connections from
//! which the oldest one that is not being answered is shed when all slots are taken
//! (slowloris and idle floods), and a memory budget for large answers in flight.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What a connection shares with its requests.
#[derive(Debug, Default)]
pub(crate) struct ConnState {
    /// Requests being answered (in a handler) now.
    pub busy: AtomicUsize,
    /// When the answer being written must be done.
    pub deadline: Mutex<Option<Instant>>,
}

/// A request in a handler: counted busy until the handler returns (or is dropped).
pub(crate) struct Busy(Arc<ConnState>);

impl Busy {
    /// Marks the connection busy and starts the answer's deadline.
    pub fn start(state: &Arc<ConnState>, within: Duration) -> Busy {
        state.busy.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut d) = state.deadline.lock() {
            *d = Some(Instant::now() + within);
        }
        Busy(Arc::clone(state))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A stream whose writes fail once the current answer's deadline has passed, so that a
/// client that stops reading cannot hold its connection (and the answer's memory).
pub(crate) struct Guarded<S> {
    inner: S,
    state: Arc<ConnState>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Guarded<S> {
    pub fn new(inner: S, state: Arc<ConnState>) -> Self {
        Guarded {
            inner,
            state,
            timer: None,
        }
    }

    /// Ready(Err) when the deadline has passed; otherwise arms a timer that wakes the
    /// writer at the deadline.
    fn check(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let deadline = self.state.deadline.lock().ok().and_then(|d| *d);
        let Some(deadline) = deadline else {
            return Poll::Pending;
        };
        if Instant::now() >= deadline {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the answer in time",
            )));
        }
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        if timer.deadline() != tokio::time::Instant::from(deadline) {
            timer.as_mut().reset(deadline.into());
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S> Guarded<S> {
    /// A write that waits fails once the answer's deadline has passed.
    fn within_deadline(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match r {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => match self.check(cx) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                _ => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.within_deadline(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.within_deadline(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// One open connection, as the accept loop sees it.
struct Entry {
    id: u64,
    since: Instant,
    state: Arc<ConnState>,
    abort: tokio::task::AbortHandle,
}

/// The open connections, for shedding.
#[derive(Default)]
pub(crate) struct Table {
    entries: Mutex<Vec<Entry>>,
    next: std::sync::atomic::AtomicU64,
}

impl Table {
    /// Adds a connection; returns its id for [`Table::remove`].
    pub fn add(&self, state: Arc<ConnState>, abort: tokio::task::AbortHandle) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut e) = self.entries.lock() {
            e.push(Entry {
                id,
                since: Instant::now(),
                state,
                abort,
            });
        }
        id
    }

    /// Forgets a connection that ended.
    pub fn remove(&self, id: u64) {
        if let Ok(mut e) = self.entries.lock() {
            e.retain(|x| x.id != id);
        }
    }

    /// Closes the oldest connection that is not being answered (still sending its
    /// headers, idle between requests, or reading an answer already made); false when
    /// every connection is in a handler.
    pub fn shed_oldest_idle(&self) -> bool {
        let Ok(mut e) = self.entries.lock() else {
            return false;
        };
        let Some(i) = e
            .iter()
            .enumerate()
            .filter(|(_, x)| x.state.busy.load(Ordering::SeqCst) == 0)
            .min_by_key(|(_, x)| x.since)
            .map(|(i, _)| i)
        else {
            return false;
        };
        let victim = e.swap_remove(i);
        victim.abort.abort();
        true
    }
}

/// Answers above this size count against [`LARGE_BUDGET`] while they are written.
const LARGE: u64 = 256 * 1024;
/// Bytes of large answers that may be in flight at once (a full-range answer is about
/// 5 MB: six of them).
pub(crate) const LARGE_BUDGET: usize = 32 * 1024 * 1024;

/// Holds part of the large-answer budget until the body is written or dropped.
struct Held {
    inner: Body,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl http_body::Body for Held {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A body that holds `permit` until it is written or dropped.
pub(crate) fn held(body: Body, permit: tokio::sync::OwnedSemaphorePermit) -> Body {
    Body::new(Held {
        inner: body,
        _permit: permit,
    })
}

/// Marks an answer whose bytes are shared (a cached one): it takes no memory per client
/// and does not count against the budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shared;

/// Lets a large answer out only within the budget (503 otherwise), and keeps its share
/// until it is written: slow readers asking for 5 MB each cannot grow the server.
pub(crate) fn budget(large: &Arc<tokio::sync::Semaphore>, res: Response) -> Response {
    if res.extensions().get::<Shared>().is_some() {
        return res;
    }
    // Streamed answers (a range) hold a chunk at a time: only whole bodies count.
    let Some(size) = http_body::Body::size_hint(res.body()).exact() else {
        return res;
    };
    if size < LARGE {
        return res;
    }
    let kib = u32::try_from(size.div_ceil(1024)).unwrap_or(u32::MAX);
    match Arc::clone(large).try_acquire_many_owned(kib) {
        Ok(permit) => {
            let (parts, body) = res.into_parts();
            Response::from_parts(
                parts,
                Body::new(Held {
                    inner: body,
                    _permit: permit,
                }),
            )
        }
        Err(_) => crate::ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many large answers are being sent: ask again in a moment, or for a smaller range"
                .into(),
            serde_json::Value::Null,
        )
        .into_response(),
    }
}

/// Every error as JSON: the errors of the layers below the handlers (413, 408, a path
/// that is not UTF-8) come as plain text; the web page's own 404 (HTML) stays.
pub(crate) async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let mut message = String::from_utf8_lossy(&text).trim().to_owned();
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
    }
    let mut out = crate::ApiError(status, message, serde_json::Value::Null).into_response();
    // Keep what the layer said besides the body (Allow, Retry-After…).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
