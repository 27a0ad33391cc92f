//! `pavise-bench-upstream`: the benchmark's upstream. Reads each request whole (body included)
//! and answers a fixed small 200, with keep-alive: as little work as an upstream can do, so the
//! measurements are of Envoy and its filters.
//!
//! Usage: `pavise-bench-upstream [ADDR]`; prints `listening on ADDR` once ready.

use pavise_tests::http::serve;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let e = serve("pavise-bench-upstream", &addr, |_| {
        (
            200,
            vec![("content-type".into(), "text/plain".into())],
            b"ok\n".to_vec(),
        )
    });
    eprintln!("pavise-bench-upstream: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
