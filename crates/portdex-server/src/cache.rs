//! Answers made once and served again as bytes: the registry does not change between
//! updates, so the JSON for `/api/v1/ports/443` is the same for every client until a
//! newer registry is installed (`portdex_registry::generation` tells). Bounded in
//! entries and bytes; the answers asked for recently stay, the others go.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One answer as the router gave it: status, headers (without the Date hyper adds when
/// it writes), body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The answer again: the same status, headers and body (shared, not copied).
    pub fn response(&self) -> axum::response::Response {
        let mut res = axum::response::Response::new(axum::body::Body::from(self.body.clone()));
        *res.status_mut() = self.status;
        *res.headers_mut() = self.headers.clone();
        res
    }

    /// What it holds in memory, with its key, roughly (the map's own slots included).
    fn size(&self, key: &str) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 64)
            .sum();
        key.len() + headers + self.body.len() + 256
    }
}

/// Whether the answer for `path` depends on the request's path and query only (and on
/// the registry): the JSON API and whatportis' endpoints. Not the web page (its answer
/// depends on If-None-Match), not this machine's listeners, audit or metrics (they
/// change), not ranges (large; `RangeCache` keeps them).
pub(crate) fn cacheable(path: &str) -> bool {
    match path.strip_prefix("/api/v1/") {
        Some(rest) => {
            rest.strip_prefix("ports/").is_some_and(|p| !p.is_empty())
                || rest
                    .strip_prefix("services/")
                    .is_some_and(|p| !p.is_empty())
                || matches!(rest, "search" | "categories" | "map" | "about")
        }
        None => path == "/openapi.json" || path.starts_with("/ports/"),
    }
}

/// Answers larger than this are made for each request (they are rare, and would take
/// the room of many small ones).
pub(crate) const MAX_ANSWER: usize = 64 * 1024;

/// The answers, by the request's path and query exactly as sent (an answer repeats the
/// query as it was written: `/api/v1/ports/0443` says "0443").
///
/// Two maps: new answers go into `young`; when it is full it becomes `old` and the
/// previous `old` is dropped. An answer found in `old` moves back into `young`. So what
/// is asked for stays, what was asked for once goes, and the whole never holds more than
/// twice the bounds of one map.
pub(crate) struct Answers {
    maps: RwLock<Maps>,
}

#[derive(Default)]
struct Maps {
    /// The registry generation the answers were made from.
    generation: u64,
    young: HashMap<Box<str>, Arc<Answer>>,
    young_bytes: usize,
    old: HashMap<Box<str>, Arc<Answer>>,
}

impl Maps {
    fn clear(&mut self, generation: u64) {
        *self = Maps {
            generation,
            ..Maps::default()
        };
    }

    fn insert(&mut self, key: Box<str>, answer: Arc<Answer>) {
        let size = answer.size(&key);
        if self.young.len() >= Answers::ENTRIES || self.young_bytes + size > Answers::BYTES {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
        self.old.remove(&key);
        let key_len = key.len();
        if let Some(before) = self.young.insert(key, answer) {
            // Two clients made the same answer at once: count it once.
            self.young_bytes = self.young_bytes.saturating_sub(before.size("") + key_len);
        }
        self.young_bytes += size;
    }
}

impl Default for Answers {
    fn default() -> Self {
        Answers {
            maps: RwLock::new(Maps {
                generation: portdex_registry::generation(),
                ..Maps::default()
            }),
        }
    }
}

impl Answers {
    /// Answers in one map at most.
    pub(crate) const ENTRIES: usize = 4096;
    /// Bytes in one map at most (so at most 16 MiB in all).
    pub(crate) const BYTES: usize = 8 * 1024 * 1024;

    /// The answer made for `key` from the registry in use, if there is one.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Answer>> {
        let generation = portdex_registry::generation();
        {
            let maps = self.maps.read().unwrap_or_else(|e| e.into_inner());
            if maps.generation == generation {
                if let Some(a) = maps.young.get(key) {
                    return Some(Arc::clone(a));
                }
                if !maps.old.contains_key(key) {
                    return None;
                }
            }
        }
        let mut maps = self.maps.write().unwrap_or_else(|e| e.into_inner());
        if maps.generation != generation {
            maps.clear(generation);
            return None;
        }
        if let Some(a) = maps.young.get(key) {
            return Some(Arc::clone(a));
        }
        let a = maps.old.remove(key)?;
        maps.insert(key.into(), Arc::clone(&a));
        Some(a)
    }

    /// Keeps an answer made from the registry of generation `made_from` (read before it
    /// was made): nothing when a newer registry was installed since, as the answer may
    /// come from either.
    pub(crate) fn put(&self, key: &str, answer: Answer, made_from: u64) {
        if answer.body.len() > MAX_ANSWER {
            return;
        }
        let mut maps = self.maps.write().unwrap_or_else(|e| e.into_inner());
        let generation = portdex_registry::generation();
        if made_from != generation {
            return;
        }
        if maps.generation != generation {
            maps.clear(generation);
        }
        maps.insert(key.into(), Arc::new(answer));
    }

    /// Forgets every answer (a newer registry was installed).
    pub(crate) fn clear(&self) {
        let mut maps = self.maps.write().unwrap_or_else(|e| e.into_inner());
        maps.clear(portdex_registry::generation());
    }

    /// Answers and bytes held (for tests).
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let maps = self.maps.read().unwrap_or_else(|e| e.into_inner());
        let bytes: usize = maps
            .young
            .iter()
            .chain(maps.old.iter())
            .map(|(k, a)| a.size(k))
            .sum();
        (maps.young.len() + maps.old.len(), bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(n: usize) -> Answer {
        Answer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; n]),
        }
    }

    #[test]
    fn the_endpoints_that_depend_on_the_uri_only() {
        for yes in [
            "/api/v1/ports/443",
            "/api/v1/services/https",
            "/api/v1/search",
            "/api/v1/categories",
            "/api/v1/map",
            "/api/v1/about",
            "/openapi.json",
            "/ports/http",
        ] {
            assert!(cacheable(yes), "{yes}");
        }
        for no in [
            "/",
            "/port/443",
            "/assets/app.js",
            "/api/v1/ports",
            "/api/v1/ports/",
            "/api/v1/services/",
            "/api/v1/listeners",
            "/api/v1/audit",
            "/metrics",
            "/ports",
            "/api/v1/searchx",
        ] {
            assert!(!cacheable(no), "{no}");
        }
    }

    #[test]
    fn bounded_in_entries_and_bytes_and_keeps_what_is_asked_for() {
        let g = portdex_registry::generation();
        let c = Answers::default();
        c.put("/hot", answer(10), g);
        for i in 0..3 * Answers::ENTRIES {
            c.put(&format!("/cold/{i}"), answer(10), g);
            // Asked for all the time: it stays.
            assert!(c.get("/hot").is_some(), "{i}");
        }
        let (n, _) = c.held();
        assert!(n <= 2 * Answers::ENTRIES, "{n} answers");
        assert!(c.get("/cold/0").is_none(), "asked for once, long ago");
        assert!(c
            .get(&format!("/cold/{}", 3 * Answers::ENTRIES - 1))
            .is_some());
        // Large answers: the bytes bound holds.
        for i in 0..1000 {
            c.put(&format!("/big/{i}"), answer(MAX_ANSWER), g);
        }
        let (_, bytes) = c.held();
        assert!(bytes <= 2 * Answers::BYTES, "{bytes} bytes");
        // Larger than an answer may be: not kept.
        c.put("/huge", answer(MAX_ANSWER + 1), g);
        assert!(c.get("/huge").is_none());
    }

    #[test]
    fn an_answer_made_across_an_install_is_not_kept() {
        let c = Answers::default();
        let g = portdex_registry::generation();
        c.put("/a", answer(1), g.wrapping_sub(1));
        assert!(c.get("/a").is_none());
        c.put("/a", answer(1), g);
        assert!(c.get("/a").is_some());
        c.clear();
        assert!(c.get("/a").is_none());
    }
}
