//! `pavise-echo`: the demo and test upstream. Answers every request with a JSON description of
//! what it received (method, path, headers in order, body size and text), so a person running
//! `make run` or a test can see exactly what a filter let through.
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
    (
        200,
        vec![("content-type".into(), "application/json".into())],
        body.to_string().into_bytes(),
    )
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let e = serve("pavise-echo", &addr, describe);
    eprintln!("pavise-echo: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
