//! `pavise-sink`: the audit HTTP sink of the tests and the demo. Accepts every POST, appends
//! its body as one line to a file (bodies are single-line JSON: an OTLP logs request or a JSON
//! array of events) and answers 200; anything else gets 405.
//!
//! Usage: `pavise-sink ADDR FILE`. Prints `listening on ADDR` once ready. Stopping and
//! restarting it on the same address is how the tests make the sink fail and recover.

use pavise_tests::http::serve;
use std::io::Write;
use std::sync::Mutex;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: pavise-sink ADDR FILE");
        std::process::exit(2);
    };
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(f) => Mutex::new(f),
        Err(e) => {
            eprintln!("pavise-sink: {path}: {e}");
            std::process::exit(1);
        }
    };
    let e = serve("pavise-sink", &addr, move |req| {
        if req.method != "POST" {
            return (405, vec![], Vec::new());
        }
        let written = file.lock().map(|mut f| {
            let mut line = req.body.clone();
            line.retain(|b| *b != b'\n');
            line.push(b'\n');
            f.write_all(&line).and_then(|()| f.flush())
        });
        match written {
            Ok(Ok(())) => (200, vec![], Vec::new()),
            _ => (500, vec![], Vec::new()),
        }
    });
    eprintln!("pavise-sink: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
