//! `pavise-bench-upstream`: the benchmark's upstream. Reads each request whole (body included)
//! and answers a fixed small 200, with keep-alive: as little work as an upstream can do, so the
//! measurements are of Envoy and its filters.
//!
//! Usage: `pavise-bench-upstream [ADDR]`; prints `listening on ADDR` once ready.

use pavise_tests::http::{read_request, write_response};
use std::io::{BufReader, Write};
use std::net::TcpListener;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("pavise-bench-upstream: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    if let Ok(a) = listener.local_addr() {
        println!("listening on {a}");
    }
    let _ = std::io::stdout().flush();
    for conn in listener.incoming().flatten() {
        let _ = conn.set_nodelay(true);
        std::thread::spawn(move || {
            let Ok(mut writer) = conn.try_clone() else {
                return;
            };
            let mut reader = BufReader::new(conn);
            while let Ok(Some(_)) = read_request(&mut reader) {
                if write_response(&mut writer, 200, &[("content-type", "text/plain")], b"ok\n")
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}
