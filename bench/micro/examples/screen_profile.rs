//! One screening benchmark input, screened many times in a loop with nothing else around it:
//! for a profiler (`valgrind --tool=callgrind`, see [`measured`]) or a quick timing.
//!
//! `cargo run --release -p pavise-microbench --example screen_profile -- <policy> <body> [n]`
//! with `<policy>` `screen` (level 1) or `screen.strict` (level 2), `<body>` one of
//! `plain`, `rich`, `form`, `faker`, `markup` (16 KiB each, [`pavise_microbench::bodies`]).

// A profiling driver with a broken input must stop, not measure nothing.
#![allow(clippy::panic, clippy::print_stdout)]

use pavise_microbench::{bodies, example_policy};
use pavise_screen::policy::Mode;
use pavise_screen::screen::{BodyKind, Screener};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(policy), Some(body)) = (args.first(), args.get(1)) else {
        panic!("usage: screen_profile <screen|screen.strict> <plain|rich|form|faker|markup> [n]");
    };
    let n: u32 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let screener = Screener::from_json(&example_policy(policy))
        .unwrap_or_else(|e| panic!("{policy}: example policy: {e}"));
    let size = 16 * 1024;
    let (kind, body) = match body.as_str() {
        "plain" => (BodyKind::Json, bodies::plain_json(size)),
        "rich" => (BodyKind::Json, bodies::rich_json(size)),
        "form" => (BodyKind::Form, bodies::form(size)),
        "faker" => (BodyKind::Json, bodies::faker_json(size)),
        "markup" => (BodyKind::Json, bodies::markup_json(size)),
        other => panic!("no body {other}"),
    };
    // The first screening builds what is built once per process (matchers, word sets).
    let decision = screener.screen_body(kind, &body, true, None, Mode::Detect);
    let start = Instant::now();
    measured(&screener, kind, &body, n);
    let each = start.elapsed() / n.max(1);
    println!("{policy} {} bytes: {each:?} each; {decision:?}", body.len());
}

/// The loop a profiler looks at alone: `valgrind --tool=callgrind
/// --toggle-collect='screen_profile::measured' …` counts `n` screenings and nothing else.
#[inline(never)]
fn measured(screener: &Screener, kind: BodyKind, body: &[u8], n: u32) {
    for _ in 0..n {
        black_box(screener.screen_body(kind, black_box(body), true, None, Mode::Detect));
    }
}
