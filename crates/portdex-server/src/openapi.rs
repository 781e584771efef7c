//! The OpenAPI 3.1 document served at /openapi.json: every endpoint, its parameters as
//! the server reads them, and the field-level shape of every answer and error (the
//! same shapes docs/json.md describes). schemathesis checks the server against it
//! (crates/portdex/tests/web.rs), so a drift on either side fails a test.

use serde_json::{json, Value};

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_body(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

/// A GET operation answering `ok` with 200, `errors` with the Error shape (or their own).
fn get(id: &str, summary: &str, params: Value, ok: Value, errors: &[(&str, &str, &str)]) -> Value {
    let mut responses = json!({ "200": json_body("found", ok) });
    for (code, what, shape) in errors {
        responses[*code] = json_body(what, schema(shape));
    }
    json!({ "get": { "operationId": id, "summary": summary, "parameters": params, "responses": responses } })
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

fn query_param(name: &str, description: &str, required: bool, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": schema })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn nullable(ty: &str) -> Value {
    json!({ "type": [ty, "null"] })
}

/// A port number as the server reads it: decimal digits (leading zeros allowed), 0-65535.
const PORT_TEXT: &str =
    "^0*([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";

/// The document.
pub fn document() -> Value {
    let port = json!({ "type": "integer", "minimum": 0, "maximum": 65535 });
    let proto = query_param(
        "proto",
        "only this transport: tcp, udp, sctp or dccp (any case)",
        false,
        json!({ "type": "string", "pattern": "^([tT][cC][pP]|[uU][dD][pP]|[sS][cC][tT][pP]|[dD][cC][cC][pP])$" }),
    );
    let range = |required| {
        query_param(
            "range",
            "LOW-HIGH (8000-8100) or one port; LOW at most HIGH, both 0-65535",
            required,
            json!({ "type": "string", "pattern": format!("{}|{}", PORT_TEXT,
                PORT_TEXT.replacen('$', &format!("-{}", &PORT_TEXT[1..]), 1)) }),
        )
    };
    let lang = query_param(
        "lang",
        "language of the findings' text: en (default) or ja",
        false,
        json!({ "type": "string", "enum": ["en", "ja"] }),
    );
    let not_exposed = (
        "404",
        "not served: start portdex serve with --expose-local",
        "Error",
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "portdex",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The IANA port registry plus common uses and security notes (English and Japanese), served by `portdex serve`. Read-only. The same shapes as `portdex --json` (docs/json.md). This machine's listeners, audit and metrics are served only with --expose-local.",
            "license": { "name": "MIT OR Apache-2.0" }
        },
        "paths": {
            "/api/v1/ports/{port}": get("port", "Everything known about one port",
                json!([path_param("port", "0-65535", port.clone()), proto]), schema("Answer"),
                &[("400", "not a port, or not a transport", "Error"),
                  ("404", "nothing assigned and no common use known; says the port's category", "PortNotFound")]),
            "/api/v1/ports": get("range", "Everything assigned in a range, one report per port with something",
                json!([range(true), proto]), schema("Answer"),
                &[("400", "missing or bad range, or not a transport", "Error")]),
            "/api/v1/services/{name}": get("service", "The ports of a service name (IANA names and aliases, curated names), any case",
                json!([path_param("name", "letters, digits and - _ . + / * (redis, ldaps, postgres)",
                    json!({ "type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_.+/*-]*[A-Za-z_.+/*][A-Za-z0-9_.+/*-]*$" })), proto]),
                schema("Answer"),
                &[("400", "not a name, or not a transport", "Error"),
                  ("404", "no such name; did_you_mean lists close ones", "NameNotFound")]),
            "/api/v1/search": get("search", "Ranked full-text search over names, descriptions and curated text",
                json!([query_param("q", "words, at most 200 characters", true,
                        json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]" })),
                      query_param("limit", "how many hits, 1-500 (default 20)", false,
                        json!({ "type": "integer", "minimum": 1, "maximum": 500 }))]),
                schema("SearchResult"), &[("400", "missing or too long q, or a bad limit", "Error")]),
            "/api/v1/about": get("about", "The server's version, and whether it serves this machine's listeners, audit and metrics",
                json!([]), schema("About"), &[]),
            "/api/v1/categories": get("categories", "The three RFC 6335 port categories and their assignment counts",
                json!([]), schema("Categories"), &[]),
            "/api/v1/map": get("map", "How densely a range is assigned, in equal stretches (the web page's map)",
                json!([range(false),
                      query_param("cells", "how many stretches, 1-4096 (default 64; fewer when the range is smaller)", false,
                        json!({ "type": "integer", "minimum": 1, "maximum": 4096 }))]),
                schema("Map"), &[("400", "bad range or cells", "Error")]),
            "/api/v1/listeners": get("listeners", "This machine's listening sockets and their owners (only with --expose-local)",
                json!([]), schema("Listeners"), &[not_exposed]),
            "/api/v1/audit": get("audit", "This machine's audit: what is reachable from other machines and should not be (only with --expose-local)",
                json!([lang]), schema("Audit"), &[("400", "not a language", "Error"), not_exposed]),
            "/api/v1/guide": get("guide", "The facts of the beginner's guide (the web page's /guide): the three ranges with example ports, this machine's ephemeral range, twenty ports to know, and (only with --expose-local) the cleartext services the audit finds",
                json!([lang]), schema("Guide"), &[("400", "not a language", "Error")]),
            "/metrics": { "get": { "operationId": "metrics", "summary": "Prometheus metrics (only with --expose-local): portdex_build_info, portdex_listener_info and portdex_finding_info (one series each), portdex_findings by severity after serve --config, portdex_owners_hidden, portdex_snapshot_duration_seconds, portdex_snapshot_errors_total",
                "responses": {
                    "200": { "description": "Prometheus text format 0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } },
                    "404": json_body(not_exposed.1, schema("Error")) } } },
            "/ports": get("whatportis_all", "whatportis-compatible: its whole database as stored, one object per assigned single port and transport (protocols not merged)",
                json!([]), schema("WhatportisDatabase"), &[]),
            "/ports/{pattern}": get("whatportis_pattern", "whatportis-compatible: rows [name, port, protocol, description] whose port (for an all-digit pattern) or name equals the pattern, or, with ?like, matches it as a regular expression; protocols of otherwise equal rows merged (\"tcp, udp\")",
                json!([path_param("pattern", "a port number (all digits: compared with the port) or a service name (compared with the name, case-sensitively); with ?like, an ASCII regular expression (the names and numbers searched are ASCII; \\w \\d \\s \\b and (?i) are ASCII's)", json!({ "type": "string" })),
                      query_param("like", "present (any value): the pattern is an ASCII regular expression (at most 200 bytes, Rust regex syntax) searched for anywhere in the field, as Python's re.search", false, json!({ "type": "string" }))]),
                schema("WhatportisRows"), &[("400", "with ?like, a pattern that is not a regular expression, is longer than 200 bytes, or is not ASCII", "Error")]),
            "/openapi.json": get("openapi", "This document", json!([]), json!({ "type": "object" }), &[])
        },
        "components": { "schemas": {
            "Error": object(&["error", "status"], json!({
                "error": { "type": "string", "description": "what was wrong, naming the value and what would be valid" },
                "status": { "type": "integer" } })),
            "PortNotFound": object(&["error", "status", "category", "category_range"], json!({
                "error": { "type": "string" }, "status": { "type": "integer" },
                "category": schema("Category"), "category_range": schema("Range") })),
            "NameNotFound": object(&["error", "status", "did_you_mean"], json!({
                "error": { "type": "string" }, "status": { "type": "integer" },
                "did_you_mean": { "type": "array", "items": { "type": "string" } } })),
            "Range": object(&["lo", "hi"], json!({ "lo": port, "hi": port })),
            "About": object(&["name", "version", "expose_local"], json!({
                "name": { "type": "string" }, "version": { "type": "string" },
                "expose_local": { "type": "boolean", "description": "started with --expose-local" } })),
            "Transport": { "type": "string", "enum": ["tcp", "udp", "sctp", "dccp"] },
            "Category": { "type": "string", "enum": ["well-known", "registered", "dynamic"] },
            "Severity": { "type": "string", "enum": ["info", "low", "medium", "high", "critical"] },
            "Exposure": { "type": "string", "enum": ["loopback", "address", "all"],
                "description": "loopback: this machine only; address: one address; all: every interface" },
            "Text": object(&["en", "ja"], json!({ "en": { "type": "string" }, "ja": { "type": "string" } })),
            "Assignment": object(&["service", "port", "port_end", "transport", "status", "source", "description", "assignee",
                    "contact", "registration_date", "modification_date", "reference", "service_code",
                    "known_unauthorized_uses", "assignment_notes"], json!({
                "service": { "type": "string" },
                "port": { "type": ["integer", "null"], "minimum": 0, "maximum": 65535 },
                "port_end": { "type": ["integer", "null"], "minimum": 0, "maximum": 65535 },
                "transport": { "oneOf": [schema("Transport"), { "type": "null" }] },
                "status": { "type": "string", "enum": ["assigned", "reserved", "unassigned", "de-assigned"] },
                "source": { "type": "string", "enum": ["iana", "history"],
                    "description": "iana: IANA's registry as it is now; history: a name IANA no longer lists on that port (2015 snapshot), never a current assignment" },
                "description": { "type": "string" }, "assignee": { "type": "string" }, "contact": { "type": "string" },
                "registration_date": { "type": "string" }, "modification_date": { "type": "string" },
                "reference": { "type": "string" }, "service_code": { "type": "string" },
                "known_unauthorized_uses": { "type": "string" }, "assignment_notes": { "type": "string" } })),
            "Knowledge": object(&["names", "port", "port_end", "transports", "usage", "iana_assigned", "cleartext",
                    "encryption", "auth", "role", "processes", "severity", "risk", "secure_alternative", "note", "reference", "security_reference"], json!({
                "names": { "type": "array", "minItems": 1, "items": { "type": "string" } },
                "port": port, "port_end": port,
                "transports": { "type": "array", "items": schema("Transport") },
                "usage": schema("Text"), "iana_assigned": { "type": "boolean" }, "cleartext": { "type": "boolean" },
                "encryption": { "type": "string", "enum": ["none", "optional", "starttls", "tls", "protocol"] },
                "auth": { "type": "string", "enum": ["none", "required"] },
                "role": { "type": "string", "enum": ["data", "control", "admin", "login", "web", "public", "peer", "discovery", "malware"] },
                "processes": { "type": "array", "items": { "type": "string" } },
                "severity": schema("Severity"), "risk": schema("Text"),
                "secure_alternative": { "oneOf": [schema("Text"), { "type": "null" }] },
                "note": { "oneOf": [schema("Text"), { "type": "null" }] },
                "reference": { "type": "string" }, "security_reference": { "type": "string" } })),
            "Report": object(&["port", "port_end", "category", "assignments", "knowledge"], json!({
                "port": port, "port_end": port, "category": schema("Category"),
                "assignments": { "type": "array", "items": schema("Assignment") },
                "knowledge": { "type": "array", "items": schema("Knowledge") } })),
            "Answer": object(&["query", "reports", "portless"], json!({
                "query": { "type": "string" },
                "reports": { "type": "array", "items": schema("Report") },
                "portless": { "type": "array", "items": schema("Assignment") } })),
            "SearchResult": object(&["query", "total", "hits"], json!({
                "query": { "type": "string" }, "total": { "type": "integer", "minimum": 0 },
                "hits": { "type": "array", "items": { "oneOf": [
                    object(&["score", "assignment"], json!({ "score": { "type": "integer" }, "assignment": schema("Assignment") })),
                    object(&["score", "knowledge"], json!({ "score": { "type": "integer" }, "knowledge": schema("Knowledge") })) ] } } })),
            "Categories": object(&["categories"], json!({ "categories": { "type": "array", "minItems": 3, "maxItems": 3,
                "items": object(&["category", "lo", "hi", "rfc6335_name", "label", "assignments"], json!({
                    "category": schema("Category"), "lo": port, "hi": port, "rfc6335_name": { "type": "string" },
                    "label": schema("Text"), "assignments": { "type": "integer", "minimum": 0 } })) } })),
            "Map": object(&["lo", "hi", "cells"], json!({ "lo": port, "hi": port,
                "cells": { "type": "array", "minItems": 1, "items": object(&["lo", "hi", "assigned", "known"], json!({
                    "lo": port, "hi": port,
                    "assigned": { "type": "integer", "minimum": 0, "description": "ports with an assigned IANA row" },
                    "known": { "type": "integer", "minimum": 0, "description": "ports with a curated common use" } })) } })),
            "Process": object(&["pid", "name"], json!({ "pid": { "type": "integer" }, "name": { "type": "string" },
                "cmdline": { "type": "array", "items": { "type": "string" } } })),
            "Listener": object(&["transport", "family", "address", "port", "exposure", "inode", "uid", "user", "processes",
                    "registry_service", "common_use", "common_uses", "category", "severity"], json!({
                "transport": schema("Transport"), "family": { "type": "integer", "enum": [4, 6] },
                "address": { "type": "string" }, "port": port, "exposure": schema("Exposure"),
                "inode": { "type": "integer" }, "uid": { "type": "integer" }, "user": nullable("string"),
                "processes": { "type": "array", "items": schema("Process") },
                "registry_service": nullable("string"), "common_use": nullable("string"),
                "common_uses": { "type": "array", "items": { "type": "string" } },
                "category": schema("Category"), "severity": { "oneOf": [schema("Severity"), { "type": "null" }] },
                "container": schema("Container") })),
            "Published": object(&["transport", "host_ip", "host_port", "container_port"], json!({
                "transport": schema("Transport"), "host_ip": { "type": "string" }, "host_port": port,
                "container_port": port })),
            "Container": object(&["engine", "id", "published"], json!({
                "engine": { "type": "string", "enum": ["podman", "docker", "containerd", "cri-o"] },
                "id": { "type": "string" }, "name": { "type": "string" }, "image": { "type": "string" },
                "pid": { "type": "integer" }, "process": { "type": "string" }, "netns": { "type": "integer" },
                "published": { "type": "array", "items": schema("Published") } })),
            "Listeners": object(&["listeners", "owners_hidden"], json!({
                "listeners": { "type": "array", "items": schema("Listener") }, "owners_hidden": { "type": "boolean" } })),
            "Finding": object(&["severity", "rule", "transport", "address", "port", "exposure", "service", "processes",
                    "other_uses", "why", "fix", "reference"], json!({
                "severity": schema("Severity"),
                "rule": { "type": "string", "enum": ["service-exposed", "cleartext-exposed", "unknown-exposed",
                    "dynamic-port-exposed", "unexpected-port", "docker-published", "container-published"] },
                "transport": schema("Transport"), "address": { "type": "string" }, "port": port,
                "exposure": schema("Exposure"), "service": nullable("string"),
                "processes": { "type": "array", "items": { "type": "string" } },
                "other_uses": { "type": "array", "items": { "type": "string" } },
                "why": { "type": "string" }, "fix": { "type": "string" }, "reference": nullable("string"),
                "container": schema("Container") })),
            "Audit": object(&["findings", "loopback_only", "accepted", "listeners", "owners_hidden", "docker_published"], json!({
                "findings": { "type": "array", "items": schema("Finding") },
                "loopback_only": { "type": "integer", "minimum": 0 }, "accepted": { "type": "integer", "minimum": 0 },
                "listeners": { "type": "integer", "minimum": 0 }, "owners_hidden": { "type": "boolean" },
                "docker_published": { "type": "boolean" } })),
            "Guide": object(&["ranges", "ephemeral", "ports", "local"], json!({
                "ranges": { "type": "array", "minItems": 3, "maxItems": 3,
                    "items": object(&["category", "lo", "hi", "label", "examples"], json!({
                        "category": schema("Category"), "lo": port, "hi": port, "label": schema("Text"),
                        "examples": { "type": "array", "items": port } })) },
                "ephemeral": { "oneOf": [{ "type": "null" }, object(&["lo", "hi", "parts"], json!({
                    "lo": port, "hi": port,
                    "parts": { "type": "array", "minItems": 1, "items": object(&["category", "lo", "hi"], json!({
                        "category": schema("Category"), "lo": port, "hi": port })) } }))],
                    "description": "the kernel's ephemeral range (net.ipv4.ip_local_port_range) and its part in each category; null when it cannot be read" },
                "ports": { "type": "array", "items": object(&["port", "knowledge"], json!({
                    "port": port, "knowledge": schema("Knowledge") })) },
                "local": { "oneOf": [{ "type": "null" }, object(&["cleartext", "owners_hidden"], json!({
                    "cleartext": { "type": "array", "items": schema("Finding") },
                    "owners_hidden": { "type": "boolean" } }))],
                    "description": "null unless the server was started with --expose-local" } })),
            "WhatportisDatabase": object(&["ports"], json!({ "ports": { "type": "array", "items":
                object(&["name", "port", "protocol", "description"], json!({
                    "name": { "type": "string" }, "port": { "type": "string" },
                    "protocol": { "type": "string" }, "description": { "type": "string" } })) } })),
            "WhatportisRows": object(&["ports"], json!({ "ports": { "type": "array", "items": {
                "type": "array", "items": { "type": "string" }, "minItems": 4, "maxItems": 4,
                "description": "[name, port, protocol, description]: the service name or \"---\", the port number, one or more protocols joined with \", \" (\"tcp, udp\"), the description or \"---\"" } } }))
        } }
    })
}
