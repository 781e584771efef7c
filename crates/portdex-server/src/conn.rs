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
    /// Told when the connection is shed: its task ends and closes it.
    pub shed: tokio::sync::Notify,
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
}

/// The open connections: at most `max` of them, admitted and shed in one step under one
/// lock, so that a slot freed by shedding goes to the connection that shed it and not to
/// a connection another thread accepted meanwhile (which left a client accepted and
/// waiting for a slot until some connection timed out on its own).
pub(crate) struct Table {
    max: usize,
    entries: Mutex<Vec<Entry>>,
    next: std::sync::atomic::AtomicU64,
    /// A connection ended or was shed: one waiting for a slot may try again.
    freed: tokio::sync::Notify,
}

impl Table {
    pub fn new(max: usize) -> Table {
        Table {
            max: max.max(1),
            entries: Mutex::new(Vec::new()),
            next: std::sync::atomic::AtomicU64::new(0),
            freed: tokio::sync::Notify::new(),
        }
    }

    /// Admits a connection: into a free slot, or into the slot of the oldest connection
    /// that is not being answered, which is shed. `None` when every connection is being
    /// answered; [`Table::admit_waiting`] waits for one to end.
    pub fn admit(&self, state: &Arc<ConnState>) -> Option<u64> {
        let mut e = self.entries.lock().ok()?;
        if e.len() >= self.max {
            let i = Self::oldest_idle(&e)?;
            let victim = e.swap_remove(i);
            victim.state.shed.notify_one();
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        e.push(Entry {
            id,
            since: Instant::now(),
            state: Arc::clone(state),
        });
        Some(id)
    }

    /// [`Table::admit`], waiting while every connection is being answered.
    pub async fn admit_waiting(&self, state: &Arc<ConnState>) -> u64 {
        loop {
            let freed = self.freed.notified();
            let mut freed = std::pin::pin!(freed);
            // Registered before trying, so that a slot freed in between is not missed.
            freed.as_mut().enable();
            if let Some(id) = self.admit(state) {
                return id;
            }
            freed.await;
        }
    }

    /// Forgets a connection that ended (nothing when it was shed already).
    pub fn remove(&self, id: u64) {
        if let Ok(mut e) = self.entries.lock() {
            let before = e.len();
            e.retain(|x| x.id != id);
            if e.len() < before {
                self.freed.notify_one();
            }
        }
    }

    /// Closes the oldest connection that is not being answered (still sending its
    /// headers, idle between requests, or reading an answer already made); false when
    /// every connection is in a handler.
    pub fn shed_oldest_idle(&self) -> bool {
        let Ok(mut e) = self.entries.lock() else {
            return false;
        };
        let Some(i) = Self::oldest_idle(&e) else {
            return false;
        };
        let victim = e.swap_remove(i);
        victim.state.shed.notify_one();
        self.freed.notify_one();
        true
    }

    fn oldest_idle(e: &[Entry]) -> Option<usize> {
        e.iter()
            .enumerate()
            .filter(|(_, x)| x.state.busy.load(Ordering::SeqCst) == 0)
            .min_by_key(|(_, x)| x.since)
            .map(|(i, _)| i)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Arc<ConnState> {
        Arc::new(ConnState::default())
    }

    #[test]
    fn a_full_table_admits_by_shedding_the_oldest_idle_connection_at_once() {
        let table = Table::new(2);
        let (a, b, c) = (conn(), conn(), conn());
        table.admit(&a).unwrap();
        table.admit(&b).unwrap();
        // The slot a frees is c's in the same step: no other admission can take it.
        assert!(table.admit(&c).is_some());
        let shed = std::pin::pin!(a.shed.notified());
        let woken = futures_now(shed);
        assert!(woken, "the oldest connection is told to close");
        assert_eq!(table.entries.lock().unwrap().len(), 2);
    }

    #[test]
    fn connections_being_answered_are_never_shed() {
        let table = Table::new(2);
        let (a, b, c, d) = (conn(), conn(), conn(), conn());
        let ida = table.admit(&a).unwrap();
        table.admit(&b).unwrap();
        let _busy_a = Busy::start(&a, Duration::from_secs(5));
        // a is busy, b is idle: b goes although a is older.
        table.admit(&c).unwrap();
        assert!(!futures_now(std::pin::pin!(a.shed.notified())));
        assert!(futures_now(std::pin::pin!(b.shed.notified())));
        let _busy_c = Busy::start(&c, Duration::from_secs(5));
        // Everyone is being answered: no slot until one ends.
        assert!(table.admit(&d).is_none());
        assert!(!table.shed_oldest_idle());
        table.remove(ida);
        assert!(table.admit(&d).is_some());
    }

    #[test]
    fn a_connection_waiting_for_a_slot_gets_the_next_one_freed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let table = Arc::new(Table::new(1));
            let a = conn();
            let ida = table.admit(&a).unwrap();
            let _busy = Busy::start(&a, Duration::from_secs(5));
            let waiter = {
                let table = Arc::clone(&table);
                tokio::spawn(async move { table.admit_waiting(&conn()).await })
            };
            tokio::task::yield_now().await;
            assert!(!waiter.is_finished());
            table.remove(ida);
            let id = tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("admitted once a slot is free")
                .unwrap();
            assert_ne!(id, ida);
        });
    }

    /// Whether a future is ready on its first poll.
    fn futures_now<F: Future>(f: Pin<&mut F>) -> bool {
        let waker = std::task::Waker::noop();
        f.poll(&mut Context::from_waker(waker)).is_ready()
    }
}
