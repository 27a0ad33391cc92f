//! `pavise-echo`: the demo and test upstream. Answers every request with a JSON description of
//! what it received (method, path, headers in order, body size and text), so a person running
//! `make run` or a test can see exactly what a filter let through.
//!
//! A test can make the upstream send extra response headers: each request header
//! `x-echo-response-header: NAME: VALUE` adds `NAME: VALUE` to the response (to check that a
//! filter replaces or keeps what an upstream set).
//!
//! Usage: `pavise-echo [ADDR]` (default `127.0.0.1:0`). Prints `listening on ADDR` once ready.

use pavise_tests::http::{serve, Request};

fn describe(req: &Request) -> (u16, Vec<(String, String)>, Vec<u8>) {
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

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let e = serve("pavise-echo", &addr, describe);
    eprintln!("pavise-echo: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
