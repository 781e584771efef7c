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
/// at a time, on one blocking thread, instead of one thread per request.
#[derive(Default)]
pub(crate) struct SnapCache(
    tokio::sync::Mutex<Option<(std::time::Instant, Arc<portdex_net::Snapshot>)>>,
);

/// How long a snapshot is served again.
pub(crate) const SNAPSHOT_FRESH: Duration = Duration::from_secs(1);

pub(crate) async fn snapshot(
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
    Ok(Json(portdex_audit::audit(
        &snap,
        &AuditConfig::default(),
        lang,
    )))
}

/// A Prometheus label value: backslash, quote and newline escaped.
pub(crate) fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn metrics(
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
            label(portdex_audit::service_of(l).unwrap_or("")),
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
