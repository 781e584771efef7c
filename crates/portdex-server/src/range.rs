//! Ranges of ports (`/api/v1/ports?range=`): answers computed once, cached within a
//! memory bound with one computation per range in flight, and streamed.

use super::*;

#[derive(Deserialize)]
pub(crate) struct RangeParam {
    range: Option<String>,
    proto: Option<String>,
}

pub(crate) async fn ports(
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
pub(crate) struct RangeCache {
    /// Streamed answers being written.
    streams: Arc<tokio::sync::Semaphore>,
    /// Bytes held, and the answers.
    held: std::sync::Mutex<(usize, HashMap<RangeKey, axum::body::Bytes>)>,
    /// Answers being made: a crowd asking for the same range waits for it once.
    making: std::sync::Mutex<HashMap<RangeKey, Arc<tokio::sync::OnceCell<axum::body::Bytes>>>>,
}

type RangeKey = (String, Option<Transport>);

impl RangeCache {
    /// Forgets every answer (the registry they came from was replaced).
    pub(crate) fn clear(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.0 = 0;
        held.1.clear();
        self.making
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

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
pub(crate) struct RangeBody {
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
