//! `/api/v1/guide`: the facts of the beginner's guide the web page shows at /guide (the
//! words are portdex-text's, in /assets/text.js): the three ranges with the guide's
//! example ports, the kernel's ephemeral range, the twenty ports from the curated
//! entries, and, with --expose-local only, the cleartext services the audit finds.

use super::*;
use portdex_registry::guide::{categories_of, guide_examples, guide_ports};
use portdex_registry::KnowledgeJson;

pub(crate) async fn guide(
    State(state): State<AppState>,
    State(cache): State<Arc<SnapCache>>,
    q: Result<Query<LangParam>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(rejected)?;
    let lang = lang_of(q.lang.as_deref())?;
    let ranges: Vec<Value> = Category::ALL
        .iter()
        .map(|c| {
            json!({
                "category": c, "lo": c.range().lo, "hi": c.range().hi,
                "label": { "en": c.label(Lang::En), "ja": c.label(Lang::Ja) },
                "examples": guide_examples(*c),
            })
        })
        .collect();
    // The kernel's setting, not a listener: served without --expose-local.
    let ephemeral = portdex_net::ephemeral_range().map(|r| {
        let parts: Vec<Value> = categories_of(r)
            .into_iter()
            .map(|(c, p)| json!({ "category": c, "lo": p.lo, "hi": p.hi }))
            .collect();
        json!({ "lo": r.lo, "hi": r.hi, "parts": parts })
    });
    let ports: Vec<Value> = guide_ports()
        .into_iter()
        .map(|(p, k)| json!({ "port": p, "knowledge": KnowledgeJson::from(k) }))
        .collect();
    let local = if state.expose_local {
        let snap = snapshot(&state, &cache).await?;
        let report = portdex_audit::audit(&snap, &state.audit, lang);
        let cleartext: Vec<&portdex_audit::Finding> =
            report.findings.iter().filter(|f| f.cleartext).collect();
        json!({ "cleartext": cleartext, "owners_hidden": report.owners_hidden })
    } else {
        Value::Null
    };
    Ok(Json(json!({
        "ranges": ranges,
        "ephemeral": ephemeral,
        "ports": ports,
        "local": local,
    })))
}
