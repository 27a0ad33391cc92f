//! `pavise-echo`: the demo and test upstream. Answers every request with a JSON description of
//! what it received (method, path, headers in order, body size and text), so a person running
//! `make run` or a test can see exactly what a filter let through.
//!
//! Usage: `pavise-echo [ADDR]` (default `127.0.0.1:0`). Prints `listening on ADDR` once ready.

use pavise_tests::http::{read_request, write_response};
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("pavise-echo: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(a) => println!("listening on {a}"),
        Err(e) => {
            eprintln!("pavise-echo: {e}");
            std::process::exit(1);
        }
    }
    let _ = std::io::stdout().flush();
    for conn in listener.incoming().flatten() {
        std::thread::spawn(move || serve(conn));
    }
}

fn serve(conn: TcpStream) {
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    let mut writer = write_half;
    // Keep-alive: Envoy reuses upstream connections.
    while let Ok(Some(req)) = read_request(&mut reader) {
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
        })
        .to_string();
        if write_response(
            &mut writer,
            200,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .is_err()
        {
            return;
        }
    }
}
