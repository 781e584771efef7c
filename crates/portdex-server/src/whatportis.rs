//! The whatportis-compatible endpoints (`/ports`, `/ports/{pattern}`), answering as
//! whatportis 0.8.2's own server does.
//!
//! `/ports` and `/ports/{pattern}` answer as whatportis 0.8.2's
//! server (`whatportis --server HOST PORT`, Flask over a TinyDB file) does. Its code:
//!
//! ```text
//!   server.py  /ports            -> jsonify({"ports": get_database().all()})
//!              /ports/<pattern>  -> like = "like" in request.args
//!                                   jsonify({"ports": get_ports(pattern, like)})
//!   db.py      get_ports: where_field = "port" if port.isdigit() else "name"
//!                         like: db.search(where(where_field).search(port))   (TinyDB:
//!                               re.search(regex, value): unanchored, case-sensitive)
//!                         else: db.search(where(where_field) == port)
//!                         then merge_protocols, then Port(**p) namedtuples (JSON arrays)
//!              merge_protocols: rows with the same "{description}-{name}-{port}" key
//!                         become the first of them, protocols joined with ", "
//!   cli.py     populate_db: one document per CSV row, "---" for an empty field
//! ```
//!
//! So /ports is the database as stored (objects, one per transport, not merged) and
//! /ports/{pattern} is rows of four strings [name, port, protocol, description].

use super::*;

/// One document of whatportis's database: an IANA row, one per transport, "---" for an
/// empty field. portdex's rows are the assigned single ports (whatportis's file, built
/// from the whole IANA CSV, also holds ranges and unassigned/reserved rows).
pub(crate) struct WpDoc {
    name: &'static str,
    port: String,
    protocol: &'static str,
    description: &'static str,
}

/// whatportis's database, in registry order (its file order is TinyDB's search order).
pub(crate) fn wp_db() -> std::sync::Arc<Vec<WpDoc>> {
    static DB: crate::reload::PerGeneration<Vec<WpDoc>> = crate::reload::PerGeneration::new();
    DB.get(|| {
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
pub(crate) fn wp_rows<'a>(docs: impl Iterator<Item = &'a WpDoc>) -> Vec<[String; 4]> {
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
pub(crate) async fn wp_all() -> Response {
    static BODY: crate::reload::PerGeneration<axum::body::Bytes> =
        crate::reload::PerGeneration::new();
    let body = BODY.get(|| {
        let docs: Vec<Value> = wp_db()
            .iter()
            .map(|d| json!({ "name": d.name, "port": d.port, "protocol": d.protocol, "description": d.description }))
            .collect();
        serde_json::to_vec(&json!({ "ports": docs }))
            .expect("JSON of strings")
            .into()
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        axum::body::Bytes::clone(&body),
    )
        .into_response()
}

/// The longest `?like` pattern compiled: whatportis has no bound; the pattern is
/// untrusted input.
pub(crate) const WP_PATTERN_MAX: usize = 200;

/// A `?like` pattern as a regular expression, compiled within small bounds (the `regex`
/// crate matches in linear time; these bound its memory and compile time).
pub(crate) fn wp_regex(pattern: &str) -> Result<regex::Regex, ApiError> {
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
pub(crate) async fn wp_pattern(
    pattern: Result<Path<String>, PathRejection>,
    q: Result<Query<std::collections::HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(pattern), Query(q)) = (pattern.map_err(rejected)?, q.map_err(rejected)?);
    // Present with any value (or none), as `"like" in request.args`.
    let like = q.contains_key("like");
    // Python's str.isdigit() also takes other scripts' digits ("٣"); such a pattern
    // matches nothing in either field, so ASCII digits decide the same.
    let numeric = !pattern.is_empty() && pattern.bytes().all(|b| b.is_ascii_digit());
    fn field(d: &WpDoc, numeric: bool) -> &str {
        if numeric {
            &d.port
        } else {
            d.name
        }
    }
    let db = wp_db();
    let rows = if like {
        // whatportis answers an invalid regular expression with Flask's 500 HTML page
        // (re.error escapes the view); portdex answers 400 with its JSON error instead.
        let re = wp_regex(&pattern)?;
        wp_rows(db.iter().filter(|&d| re.is_match(field(d, numeric))))
    } else {
        wp_rows(db.iter().filter(|&d| field(d, numeric) == pattern))
    };
    Ok(Json(json!({ "ports": rows })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_takes_what_pythons_re_takes() {
        // Python's re: \w \d \s are Unicode-aware, (?i) folds case beyond ASCII: the
        // regex features Cargo.toml keeps. (Whether \p{...} compiles is not checked here:
        // in a workspace test build another crate's dev-dependency turns on all of
        // regex's Unicode data; the shipped binary has none of it.)
        for ok in [r"^http\w*", r"\d+", r"(?i)HTTPS", r"\s", r"(?i)ß"] {
            assert!(
                wp_regex(ok).is_ok(),
                "{ok}: {:?}",
                wp_regex(ok).err().map(|e| e.1)
            );
        }
        assert!(wp_regex(r"^\w+$").is_ok_and(|re| re.is_match("名前")));
        assert!(wp_regex(r"(?i)^ß$").is_ok_and(|re| re.is_match("ẞ")));
    }
}
