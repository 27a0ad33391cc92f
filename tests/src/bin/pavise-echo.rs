//! `pavise-echo`: the demo and test upstream. Answers every request with a JSON description of
//! what it received (method, path, headers in order, body size and text), so a person running
//! `make run` or a test can see exactly what a filter let through ([`pavise_tests::echo`]).
//!
//! Usage: `pavise-echo [ADDR]` (default `127.0.0.1:0`). Prints `listening on ADDR` once ready.

use pavise_tests::echo::describe;
use pavise_tests::http::serve;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let e = serve("pavise-echo", &addr, describe);
    eprintln!("pavise-echo: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
