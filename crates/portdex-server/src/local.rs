//! This machine, when `--expose-local` allows it: listeners, audit and `/metrics`, from a
//! snapshot shared for a second between requests.

use super::*;

pub(crate) fn local_guard(state: &AppState) -> Result<(), ApiError> {
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
/// at a time, on one blocking thread, instead of one thread per request. It also keeps
/// what /metrics says of the listing itself: how long the last one took, and how many
/// failed.
#[derive(Default)]
pub(crate) struct SnapCache {
    last: tokio::sync::Mutex<Option<Taken>>,
    errors: std::sync::atomic::AtomicU64,
}

/// A snapshot, when it was taken and how long taking it took.
#[derive(Clone)]
pub(crate) struct Taken {
    at: std::time::Instant,
    pub(crate) snap: Arc<portdex_net::Snapshot>,
    pub(crate) took: Duration,
}

impl SnapCache {
    /// Listings that failed since the server started.
    pub(crate) fn errors(&self) -> u64 {
        self.errors.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// How long a snapshot is served again.
pub(crate) const SNAPSHOT_FRESH: Duration = Duration::from_secs(1);

pub(crate) async fn snapshot(
    state: &AppState,
    cache: &SnapCache,
) -> Result<Arc<portdex_net::Snapshot>, ApiError> {
    Ok(taken(state, cache).await?.snap)
}

/// The shared snapshot, taken again when it is older than [`SNAPSHOT_FRESH`]; a listing
/// that fails is counted.
pub(crate) async fn taken(state: &AppState, cache: &SnapCache) -> Result<Taken, ApiError> {
    let mut last = cache.last.lock().await;
    if let Some(t) = last.as_ref() {
        if t.at.elapsed() < SNAPSHOT_FRESH {
            return Ok(t.clone());
        }
    }
    let source = state.source.clone();
    let started = std::time::Instant::now();
    let listed =
        tokio::task::spawn_blocking(move || listeners(source.as_ref(), ListOptions::default()))
            .await
            .map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                    Value::Null,
                )
            })
            .and_then(|r| {
                r.map_err(|e| {
                    ApiError(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot list sockets: {e}"),
                        Value::Null,
                    )
                })
            });
    let snap = match listed {
        Ok(snap) => snap,
        Err(e) => {
            cache
                .errors
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(e);
        }
    };
    let t = Taken {
        at: std::time::Instant::now(),
        snap: Arc::new(snap),
        took: started.elapsed(),
    };
    *last = Some(t.clone());
    Ok(t)
}

pub(crate) async fn local_listeners(
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
pub(crate) struct LangParam {
    pub(crate) lang: Option<String>,
}

/// `?lang=`: en (the default) or ja.
pub(crate) fn lang_of(lang: Option<&str>) -> Result<Lang, ApiError> {
    match lang {
        None | Some("en") => Ok(Lang::En),
        Some("ja") => Ok(Lang::Ja),
        Some(other) => Err(bad_request(format!(
            "lang '{}' is not a language portdex speaks: en or ja",
            Shown::new(other)
        ))),
    }
}

pub(crate) async fn local_audit(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
    q: Result<Query<LangParam>, QueryRejection>,
) -> Result<Json<portdex_audit::Report>, ApiError> {
    local_guard(&state)?;
    let Query(q) = q.map_err(rejected)?;
    let lang = lang_of(q.lang.as_deref())?;
    let snap = snapshot(&state, &cache).await?;
    Ok(Json(portdex_audit::audit(&snap, &state.audit, lang)))
}
