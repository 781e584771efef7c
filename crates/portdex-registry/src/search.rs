//! Ranked full-text search over service names, descriptions and curated text.
//!
//! The generator writes one lowercase line per registry row and per curated entry
//! (`search.txt`; an installed registry brings its own row lines); a query finds its
//! words with SIMD substring search over the blobs and maps each hit back to its line by
//! binary search. No index to build at start-up.

use crate::table::{Assignment, Knowledge};
use memchr::memmem;

/// What a search hit points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// A registry row.
    Assignment(Assignment),
    /// A curated entry.
    Knowledge(Knowledge),
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Higher is better: exact name > name prefix > name part > word in the text.
    pub score: u32,
    /// The row or entry.
    pub kind: HitKind,
}

impl Hit {
    /// The port (first port of a range) the hit is on, if any.
    pub fn port(&self) -> Option<u16> {
        match self.kind {
            HitKind::Assignment(a) => a.ports().map(|p| p.lo),
            HitKind::Knowledge(k) => Some(k.ports().lo),
        }
    }
}

/// Line `i` of a blob whose lines start at `starts` (offsets relative to `starts[0]`'s
/// blob), without its '\n'.
fn line<'a>(blob: &'a str, starts: &[u32], i: usize) -> &'a str {
    &blob[starts[i] as usize..starts[i + 1] as usize - 1]
}

fn score_word(names: &[&str], text: &str, word: &str) -> u32 {
    let mut best = 0;
    for n in names {
        let s = if *n == word {
            100
        } else if n.starts_with(word) {
            50
        } else if n.contains(word) {
            30
        } else {
            0
        };
        best = best.max(s);
    }
    if best > 0 {
        return best;
    }
    // A word that starts a word of the text beats one found inside a word.
    let bytes = text.as_bytes();
    let mut s = 0;
    for pos in memmem::find_iter(bytes, word.as_bytes()) {
        let at_start = pos == 0 || !bytes[pos - 1].is_ascii_alphanumeric();
        s = s.max(if at_start { 10 } else { 4 });
        if at_start {
            break;
        }
    }
    s
}

/// Searches names, descriptions and curated text for every word of `query`
/// (case-insensitive), best first, at most `limit` hits. Returns the hits and how many
/// matched in all.
///
/// ```
/// let (hits, total) = portdex_registry::search("mysql", 10);
/// assert!(total >= hits.len());
/// assert_eq!(hits[0].port(), Some(3306));
/// ```
pub fn search(query: &str, limit: usize) -> (Vec<Hit>, usize) {
    search_transport(query, limit, None)
}

/// [`search`] over the rows and curated entries of one transport only (the limit and
/// the total count what is left).
pub fn search_transport(
    query: &str,
    limit: usize,
    transport: Option<crate::Transport>,
) -> (Vec<Hit>, usize) {
    let q = query.to_lowercase();
    let mut words: Vec<&str> = q.split_whitespace().collect();
    if words.is_empty() {
        return (Vec::new(), 0);
    }
    // Find candidates by the longest word: it is the rarest, usually.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut hits = Vec::new();
    let finder = memmem::Finder::new(words[0].as_bytes());
    // The registry's rows (embedded or installed), then the curated entries.
    let (row_blob, row_starts) = crate::iana::row_search();
    let (know_blob, know_starts) = crate::iana::knowledge_search();
    for (blob, starts, curated) in [
        (row_blob, row_starts, false),
        (know_blob, know_starts, true),
    ] {
        let (first, end) = (starts[0] as usize, starts[starts.len() - 1] as usize);
        let mut last_line = usize::MAX;
        for pos in finder.find_iter(&blob.as_bytes()[first..end]) {
            let pos = pos + first;
            let i = starts.partition_point(|&s| s as usize <= pos) - 1;
            if i == last_line {
                continue;
            }
            last_line = i;
            let text = line(blob, starts, i);
            let (kind, names): (HitKind, Vec<&str>) = if !curated {
                let a = Assignment(i as u16);
                // The line starts with the name, lowercased (names are ASCII).
                let name = text.get(..a.name().len()).unwrap_or_default();
                (HitKind::Assignment(a), vec![name])
            } else {
                let k = Knowledge(i as u16);
                (HitKind::Knowledge(k), k.names().collect())
            };
            let mut score = 0;
            let mut all = true;
            for w in &words {
                let s = score_word(&names, text, w);
                if s == 0 {
                    all = false;
                    break;
                }
                score += s;
            }
            if !all {
                continue;
            }
            let on_transport = match (transport, kind) {
                (None, _) => true,
                (Some(t), HitKind::Assignment(a)) => a.transport().is_none_or(|x| x == t),
                (Some(t), HitKind::Knowledge(k)) => k.has_transport(t),
            };
            if !on_transport {
                continue;
            }
            if curated {
                // Curated entries are the services people meet every day: a word in
                // their text ranks above a registry name that merely starts with it.
                score += 60;
            }
            hits.push(Hit { score, kind });
        }
    }
    let total = hits.len();
    hits.sort_by_key(|h| (std::cmp::Reverse(h.score), h.port().unwrap_or(u16::MAX)));
    hits.truncate(limit);
    (hits, total)
}

/// Names close to `name` (for "did you mean"): registry and curated names, by
/// similarity, at most `n`, each once.
///
/// ```
/// assert!(portdex_registry::suggest("postgress", 3).contains(&"postgres"));
/// ```
pub fn suggest(name: &str, n: usize) -> Vec<&'static str> {
    use crate::generated::tables::KNOW_NAMES;
    use crate::table::text;
    // Jaro-Winkler against every name costs time in the name's length: nothing that
    // long is close to a service name anyway.
    if name.len() > crate::MAX_NAME {
        return Vec::new();
    }
    let name = name.to_ascii_lowercase();
    let mut scored: Vec<(f64, &'static str)> = crate::iana::by_name()
        .iter()
        .map(|&i| Assignment(i).name())
        .chain(KNOW_NAMES.iter().map(|e| text(e.0)))
        .map(|cand| {
            (
                strsim::jaro_winkler(&name, &cand.to_ascii_lowercase()),
                cand,
            )
        })
        .filter(|(s, _)| *s > 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<&'static str> = Vec::new();
    for (_, cand) in scored {
        if !out.iter().any(|x| x.eq_ignore_ascii_case(cand)) {
            out.push(cand);
        }
        if out.len() == n {
            break;
        }
    }
    out
}
