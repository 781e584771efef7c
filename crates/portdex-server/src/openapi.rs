//! The OpenAPI 3.1 document served at /openapi.json. Field-level shapes of answers are
//! documented in docs/json.md; the schemas here describe the envelopes and errors.

use serde_json::{json, Value};

fn get(summary: &str, params: Value, ok: Value, errors: &[(&str, &str)]) -> Value {
    let mut responses = json!({ "200": { "description": "found", "content": { "application/json": { "schema": ok } } } });
    for (code, what) in errors {
        responses[*code] = json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    }
    json!({ "get": { "summary": summary, "parameters": params, "responses": responses } })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn query_param(name: &str, description: &str, ty: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": ty } })
}

/// The document.
pub fn document() -> Value {
    let proto = query_param(
        "proto",
        "only this transport: tcp, udp, sctp or dccp",
        "string",
    );
    let answer = json!({ "$ref": "#/components/schemas/Answer" });
    let object = json!({ "type": "object" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "portdex",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The IANA port registry plus common uses and security notes. Answer fields: docs/json.md."
        },
        "paths": {
            "/api/v1/ports/{port}": get("Everything known about one port",
                json!([path_param("port", "0-65535"), proto]), answer.clone(),
                &[("400", "not a port or transport"), ("404", "nothing assigned, no common use known")]),
            "/api/v1/ports": get("Everything assigned in a range",
                json!([query_param("range", "LOW-HIGH, e.g. 8000-8100 (required)", "string"), proto]), answer.clone(),
                &[("400", "missing or bad range")]),
            "/api/v1/services/{name}": get("The ports of a service name (IANA names, aliases, curated names)",
                json!([path_param("name", "e.g. redis, ldaps, postgres"), proto]), answer,
                &[("400", "not a name"), ("404", "no such name; did_you_mean lists close ones")]),
            "/api/v1/search": get("Ranked full-text search",
                json!([query_param("q", "words (required)", "string"), query_param("limit", "1-500, default 20", "integer")]),
                object.clone(), &[("400", "missing or too long q")]),
            "/api/v1/categories": get("The three RFC 6335 port categories and their assignment counts",
                json!([]), object.clone(), &[]),
            "/api/v1/listeners": get("This machine's listeners (only with --expose-local)",
                json!([]), object.clone(), &[("404", "not exposed")]),
            "/api/v1/audit": get("This machine's audit (only with --expose-local)",
                json!([]), object.clone(), &[("404", "not exposed")]),
            "/metrics": { "get": { "summary": "Prometheus metrics (only with --expose-local)",
                "responses": { "200": { "description": "Prometheus text format", "content": { "text/plain": { "schema": { "type": "string" } } } },
                               "404": { "description": "not exposed", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } },
            "/ports": get("whatportis-compatible: every assigned port", json!([]), json!({ "$ref": "#/components/schemas/WhatportisPorts" }), &[]),
            "/ports/{pattern}": get("whatportis-compatible: ports or names matching a pattern",
                json!([path_param("pattern", "a port number or a service name"), query_param("like", "present: substring match", "string")]),
                json!({ "$ref": "#/components/schemas/WhatportisPorts" }), &[]),
            "/openapi.json": get("This document", json!([]), object, &[])
        },
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error", "status"],
                "properties": { "error": { "type": "string" }, "status": { "type": "integer" } } },
            "Answer": { "type": "object", "required": ["query", "reports", "portless"],
                "properties": { "query": { "type": "string" },
                    "reports": { "type": "array", "items": { "type": "object" } },
                    "portless": { "type": "array", "items": { "type": "object" } } } },
            "WhatportisPorts": { "type": "object", "required": ["ports"],
                "properties": { "ports": { "type": "array", "items": { "type": "object",
                    "required": ["name", "port", "protocol", "description"],
                    "properties": { "name": { "type": "string" }, "port": { "type": "string" },
                        "protocol": { "type": "string" }, "description": { "type": "string" } } } } } }
        } }
    })
}
