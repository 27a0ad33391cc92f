//! The echo upstream's answer: a JSON description of the request it received (method, path,
//! headers in order, body size and text). `pavise-echo` serves it; `pavise-record-headers`
//! answers the browser's requests with it too, so the browser sees the same upstream.
//!
//! A test can make the upstream send extra response headers: each request header
//! `x-echo-response-header: NAME: VALUE` adds `NAME: VALUE` to the response (to check that a
//! filter replaces or keeps what an upstream set).

use crate::http::{Reply, Request};

/// The echo's reply to `req`.
pub fn describe(req: &Request) -> Reply {
    let headers: Vec<serde_json::Value> = req
        .headers
        .iter()
        .map(|(n, v)| serde_json::json!([n, String::from_utf8_lossy(v)]))
        .collect();
    let body = serde_json::json!({
        "method": req.method,
        "path": req.path,
        "headers": headers,
        "body_bytes": req.body.len(),
        "body": String::from_utf8_lossy(&req.body),
    });
    let mut response_headers = vec![("content-type".to_string(), "application/json".to_string())];
    for (name, value) in &req.headers {
        if !name.eq_ignore_ascii_case("x-echo-response-header") {
            continue;
        }
        let text = String::from_utf8_lossy(value);
        if let Some((n, v)) = text.split_once(':') {
            response_headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    (200, response_headers, body.to_string().into_bytes())
}
