//! Picking up an updated registry (`portdex update`) while serving, without a restart: on
//! SIGHUP, or on the first request after the data directory's `meta.json` changed
//! (looked at once a second at most). Every request holds a read lock on the registry
//! while it is answered, its streamed body included; a reload takes the write lock, so
//! that no request holds a row of the registry it replaces, installs the new one, and
//! empties the answer caches. A stored registry that cannot be read changes nothing.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

/// A value made from the registry in use, made again after a reload.
pub(crate) struct PerGeneration<T>(Mutex<Option<(u64, Arc<T>)>>);

impl<T> PerGeneration<T> {
    pub(crate) const fn new() -> Self {
        PerGeneration(Mutex::new(None))
    }

    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> Arc<T> {
        let generation = portdex_registry::generation();
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some((g, v)) if *g == generation => Arc::clone(v),
            _ => {
                let v = Arc::new(make());
                *slot = Some((generation, Arc::clone(&v)));
                v
            }
        }
    }
}

/// The size and time of `meta.json`: what says an update happened.
type Stamp = Option<(SystemTime, u64)>;

/// Watches the data directory and reloads the registry.
pub(crate) struct Reloader {
    dir: Option<PathBuf>,
    lock: Arc<RwLock<()>>,
    /// When `meta.json` was last looked at, and what it was.
    seen: Mutex<(Instant, Stamp)>,
    /// The SHA-256 of the stored registry in use, if one is: storing the same again
    /// (or a SIGHUP without an update) installs nothing.
    in_use: Mutex<Option<String>>,
    /// The answers made from the registry, emptied when it is replaced.
    pub(crate) ranges: Arc<crate::RangeCache>,
    pub(crate) answers: Arc<crate::cache::Answers>,
}

const LOOK_EVERY: Duration = Duration::from_secs(1);

impl Reloader {
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        let stamp = dir.as_ref().and_then(|d| stamp(d));
        // The process installed the stored registry at start-up, if it installed one.
        let in_use = match &dir {
            Some(d) if portdex_registry::generation() > 0 => portdex_data::Store::new(d)
                .compact()
                .ok()
                .flatten()
                .map(|(_, meta)| meta.sha256),
            _ => None,
        };
        Reloader {
            dir,
            lock: Arc::new(RwLock::new(())),
            seen: Mutex::new((Instant::now(), stamp)),
            in_use: Mutex::new(in_use),
            ranges: Arc::default(),
            answers: Arc::default(),
        }
    }

    /// A request's hold on the registry: while it lives, no reload happens. None when
    /// there is nothing to reload from.
    pub(crate) async fn hold(&self) -> Option<OwnedRwLockReadGuard<()>> {
        self.dir.as_ref()?;
        Some(Arc::clone(&self.lock).read_owned().await)
    }

    /// Whether `meta.json` changed since last looked at (at most once a second).
    pub(crate) fn changed(&self) -> bool {
        let Some(dir) = &self.dir else {
            return false;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.0.elapsed() < LOOK_EVERY {
            return false;
        }
        let now = stamp(dir);
        let changed = now != seen.1;
        *seen = (Instant::now(), now);
        changed
    }

    /// Installs the stored registry, once no request holds the one in use, and empties
    /// the answer caches; nothing when it is the one in use already. Returns whether a
    /// registry was installed.
    pub(crate) async fn reload(&self) -> bool {
        let Some(dir) = &self.dir else {
            return false;
        };
        let _all = self.lock.write().await;
        let mut in_use = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        let installed = match portdex_data::Store::new(dir).compact() {
            Ok(Some((_, meta))) if in_use.as_deref() == Some(meta.sha256.as_str()) => false,
            Ok(Some((bytes, meta))) => {
                let ok = portdex_registry::install_compact(&bytes).is_ok();
                if ok {
                    *in_use = Some(meta.sha256);
                }
                ok
            }
            _ => false,
        };
        drop(in_use);
        if installed {
            self.ranges.clear();
            self.answers.clear();
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        *seen = (Instant::now(), stamp(dir));
        installed
    }
}

fn stamp(dir: &std::path::Path) -> Stamp {
    let m = std::fs::metadata(dir.join(portdex_data::META_FILE)).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// A response body that keeps the request's hold on the registry until it is sent.
pub(crate) struct Held<B> {
    pub(crate) body: B,
    pub(crate) _hold: Option<OwnedRwLockReadGuard<()>>,
}

impl<B: http_body::Body + Unpin> http_body::Body for Held<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
