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
///
/// ASCII throughout: the fields searched, service names (RFC 6335) and port numbers, are
/// ASCII (`wp_db_is_ascii` below checks the whole registry), and on ASCII text ASCII's
/// `\w` `\d` `\s` `\b` and `(?i)` match exactly the rows Python's Unicode-aware ones do.
/// The one way Python's could differ is a non-ASCII character in the pattern (`(?i)K`,
/// KELVIN SIGN, finds "kerberos" in Python): such a pattern is refused with a 400 that
/// says why, never answered differently. Leaving regex's Unicode tables out of the binary
/// spares every start of `portdex` their relocation (Cargo.toml).
pub(crate) fn wp_regex(pattern: &str) -> Result<regex::bytes::Regex, ApiError> {
    let valid = format!(
        "?like takes an ASCII regular expression of at most {WP_PATTERN_MAX} bytes (Rust regex \
         syntax: Python's re without look-around or backreferences), searched for anywhere in \
         the service name, or in the port number when the pattern is all digits"
    );
    if pattern.len() > WP_PATTERN_MAX {
        return Err(bad_request(format!(
            "'{}' is too long for ?like: {valid}",
            Shown::new(pattern)
        )));
    }
    if !pattern.is_ascii() {
        return Err(bad_request(format!(
            "'{}' has characters outside ASCII, and the service names and port numbers ?like \
             searches are ASCII: {valid}",
            Shown::new(pattern)
        )));
    }
    // An ASCII pattern can still name a non-ASCII character by an escape (`\u{212A}`) or
    // ask for Unicode (`(?u)`, `\p{L}`): found in regex's own parse of the pattern; a
    // pattern that does not parse is left to the builder below, whose message says why.
    if let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        if let Err(needs) = regex_syntax::ast::visit(&ast, FindUnicode) {
            let why = match needs {
                NeedsUnicode::Character => "names a character outside ASCII",
                NeedsUnicode::Class => "asks for Unicode classes (\\p{..}, (?u))",
            };
            return Err(bad_request(format!(
                "'{}' {why}, and the service names and port numbers ?like searches are \
                 ASCII: {valid}",
                Shown::new(pattern)
            )));
        }
    }
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
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

/// What in a pattern's syntax tree would need Unicode: a literal outside ASCII (an
/// escape, as `wp_regex` has refused non-ASCII text already), in classes and ranges too,
/// a `\p{..}` class, or the `u` flag turned on. Found here rather than left to the
/// regex builder, whose answer depends on which of regex's Unicode tables the build
/// has (a workspace test build has them all, through a dev-dependency).
#[derive(Debug, PartialEq)]
enum NeedsUnicode {
    Character,
    Class,
}

struct FindUnicode;

fn turns_on_unicode(flags: &regex_syntax::ast::Flags) -> bool {
    use regex_syntax::ast::{Flag, FlagsItemKind};
    let mut negated = false;
    for item in &flags.items {
        match item.kind {
            FlagsItemKind::Negation => negated = true,
            FlagsItemKind::Flag(Flag::Unicode) if !negated => return true,
            _ => {}
        }
    }
    false
}

impl regex_syntax::ast::Visitor for FindUnicode {
    type Output = ();
    type Err = NeedsUnicode;

    fn finish(self) -> Result<(), NeedsUnicode> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &regex_syntax::ast::Ast) -> Result<(), NeedsUnicode> {
        use regex_syntax::ast::{Ast, GroupKind};
        match ast {
            Ast::Literal(l) if !l.c.is_ascii() => Err(NeedsUnicode::Character),
            Ast::ClassUnicode(_) => Err(NeedsUnicode::Class),
            Ast::Flags(f) if turns_on_unicode(&f.flags) => Err(NeedsUnicode::Class),
            Ast::Group(g) => match &g.kind {
                GroupKind::NonCapturing(f) if turns_on_unicode(f) => Err(NeedsUnicode::Class),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(
        &mut self,
        item: &regex_syntax::ast::ClassSetItem,
    ) -> Result<(), NeedsUnicode> {
        use regex_syntax::ast::ClassSetItem;
        match item {
            ClassSetItem::Literal(l) if !l.c.is_ascii() => Err(NeedsUnicode::Character),
            ClassSetItem::Range(r) if !r.start.c.is_ascii() || !r.end.c.is_ascii() => {
                Err(NeedsUnicode::Character)
            }
            ClassSetItem::Unicode(_) => Err(NeedsUnicode::Class),
            _ => Ok(()),
        }
    }
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
        wp_rows(
            db.iter()
                .filter(|&d| re.is_match(field(d, numeric).as_bytes())),
        )
    } else {
        wp_rows(db.iter().filter(|&d| field(d, numeric) == pattern))
    };
    Ok(Json(json!({ "ports": rows })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_takes_what_pythons_re_takes_on_ascii() {
        // Python's re syntax that Rust's regex shares, with ASCII's classes and folding.
        for (pattern, hit, miss) in [
            (r"^http\w*", "https", "shttp"),
            (r"\d+", "802", "x"),
            (r"(?i)HTTPS", "https", "http"),
            (r"\s", "a b", "ab"),
            (r"\bsql\b", "sql*net", "mysql"),
            (r"\W", "sql*net", "sqlnet"),
            (r"re.is", "redis", "reis"),
            (r"[^a-z]", "x11", "xyz"),
        ] {
            let re = wp_regex(pattern).unwrap_or_else(|e| panic!("{pattern}: {}", e.1));
            assert!(re.is_match(hit.as_bytes()), "{pattern} in {hit}");
            assert!(!re.is_match(miss.as_bytes()), "{pattern} in {miss}");
        }
    }

    #[test]
    fn like_refuses_what_would_need_unicode() {
        for (pattern, says) in [
            ("(?i)\u{212A}erberos", "outside ASCII"),
            ("[é]", "outside ASCII"),
            (r"(?u)\w", "asks for Unicode classes"),
            (r"x(?iu:\w)", "asks for Unicode classes"),
            (r"\p{L}", "asks for Unicode classes"),
            (r"[\pL]", "asks for Unicode classes"),
            (r"(?i)\u{212A}erberos", "names a character outside ASCII"),
            (r"\x{212A}", "names a character outside ASCII"),
            (r"[\xE9]", "names a character outside ASCII"),
            (r"[a-\u{17F}]", "names a character outside ASCII"),
        ] {
            let e = wp_regex(pattern).expect_err(pattern);
            assert_eq!(e.0, StatusCode::BAD_REQUEST, "{pattern}");
            assert!(e.1.contains(says), "{pattern}: {}", e.1);
            assert!(!e.1.contains("feature"), "{pattern}: {}", e.1);
        }
        // Turning Unicode off is ASCII again, and allowed.
        assert!(wp_regex(r"(?-u)\w").is_ok());
        assert!(wp_regex(r"(?i-u:A)").is_ok());
    }

    /// The premise of ASCII patterns: every field `?like` searches is ASCII.
    #[test]
    fn wp_db_is_ascii() {
        let db = wp_db();
        assert!(db.len() > 5_000);
        for d in db.iter() {
            assert!(
                d.name.is_ascii() && d.port.is_ascii(),
                "{} {}",
                d.name,
                d.port
            );
        }
    }
}
