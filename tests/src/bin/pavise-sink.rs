//! `pavise-sink`: the audit HTTP sink of the tests and the demo. Accepts every POST, appends
//! its body as one line to a file (bodies are single-line JSON: an OTLP logs request or a JSON
//! array of events) and answers 200; anything else gets 405.
//!
//! Usage: `pavise-sink ADDR FILE`. Prints `listening on ADDR` once ready. Stopping and
//! restarting it on the same address is how the tests make the sink fail and recover.
//!
//! Tests can also make it answer chosen statuses, as a collector would: `PUT /_control` with
//! `{"status": 400, "times": 1, "retry_after": "1"}` answers the next `times` POSTs (every
//! later one while `times` is omitted) with `status` and that `retry-after`, and keeps their
//! bodies out of FILE, in `FILE.refused` instead. `{"status": 200}` goes back to normal. The
//! request headers of every POST (names and values) go to `FILE.headers`, one JSON object a
//! line, so a test can check what the sender put there.

use pavise_tests::http::{serve, Request};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::Mutex;

/// The chosen answer for the next POSTs.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    /// How many more POSTs get it; `None`: all of them.
    times: Option<u64>,
    retry_after: Option<String>,
}

fn open(path: &str) -> Mutex<std::fs::File> {
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(f) => Mutex::new(f),
        Err(e) => {
            eprintln!("pavise-sink: {path}: {e}");
            std::process::exit(1);
        }
    }
}

fn append(file: &Mutex<std::fs::File>, body: &[u8]) -> bool {
    file.lock()
        .map(|mut f| {
            let mut line = body.to_vec();
            line.retain(|b| *b != b'\n');
            line.push(b'\n');
            f.write_all(&line).and_then(|()| f.flush()).is_ok()
        })
        .unwrap_or(false)
}

/// Parses a `/_control` body.
fn control(body: &[u8]) -> Option<Answer> {
    let v: Value = serde_json::from_slice(body).ok()?;
    Some(Answer {
        status: u16::try_from(v.get("status")?.as_u64()?).ok()?,
        times: v.get("times").and_then(Value::as_u64),
        retry_after: v
            .get("retry_after")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// The answer for this POST, counting it down.
fn next_answer(answer: &Mutex<Option<Answer>>) -> Option<Answer> {
    let mut guard = answer.lock().ok()?;
    let current = guard.clone()?;
    match current.times {
        Some(0) => {
            *guard = None;
            None
        }
        Some(n) => {
            guard.as_mut()?.times = Some(n - 1);
            Some(current)
        }
        None => Some(current),
    }
}

fn headers_json(req: &Request) -> Vec<u8> {
    let map: serde_json::Map<String, Value> = req
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                Value::from(String::from_utf8_lossy(v).into_owned()),
            )
        })
        .collect();
    json!(map).to_string().into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: pavise-sink ADDR FILE");
        std::process::exit(2);
    };
    let file = open(&path);
    let refused = open(&format!("{path}.refused"));
    let headers = open(&format!("{path}.headers"));
    let answer: Mutex<Option<Answer>> = Mutex::new(None);
    let e = serve("pavise-sink", &addr, move |req| {
        if req.method == "PUT" && req.path == "/_control" {
            return match (control(&req.body), answer.lock()) {
                (Some(a), Ok(mut guard)) => {
                    *guard = (a.status != 200).then_some(a);
                    (204, vec![], Vec::new())
                }
                _ => (400, vec![], Vec::new()),
            };
        }
        if req.method != "POST" {
            return (405, vec![], Vec::new());
        }
        append(&headers, &headers_json(req));
        if let Some(a) = next_answer(&answer) {
            append(&refused, &req.body);
            let extra = a
                .retry_after
                .map(|r| vec![("retry-after".to_string(), r)])
                .unwrap_or_default();
            return (a.status, extra, Vec::new());
        }
        if append(&file, &req.body) {
            (200, vec![], Vec::new())
        } else {
            (500, vec![], Vec::new())
        }
    });
    eprintln!("pavise-sink: cannot serve on {addr}: {e}");
    std::process::exit(1);
}
