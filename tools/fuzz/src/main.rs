//! `pavise-fuzz [--seconds N] [--seed S]`: fuzzes the request-data parsers for N seconds
//! (default 60) from fresh seeds, or replays one seed. Prints the seed of a panicking input
//! and exits 1; exits 0 after the budget.
//!
//! `pavise-fuzz --growth`: the cost-growth sweep ([`pavise_fuzz::growth`]); lists the inputs
//! whose cost grows faster than their length and exits 1 if there are any.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use pavise_fuzz::{fuzz_one, input, screeners, Rng};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seconds = 60u64;
    let mut replay: Option<u64> = None;
    while let Some(a) = args.next() {
        if a == "--growth" {
            std::process::exit(growth());
        }
        let value = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--seconds", Some(v)) => seconds = v,
            ("--seed", Some(v)) => replay = Some(v),
            _ => {
                eprintln!("usage: pavise-fuzz [--seconds N] [--seed S] | --growth");
                std::process::exit(2);
            }
        }
    }
    let Some(s) = screeners() else {
        eprintln!("pavise-fuzz: a fuzzing policy does not parse");
        std::process::exit(2);
    };
    let run = |seed: u64| {
        let mut rng = Rng::new(seed);
        let data = input(&mut rng);
        std::panic::catch_unwind(|| fuzz_one(&data, &s)).is_ok()
    };
    if let Some(seed) = replay {
        let ok = run(seed);
        println!("seed {seed}: {}", if ok { "ok" } else { "PANIC" });
        std::process::exit(i32::from(!ok));
    }
    let start = Instant::now();
    let base = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut n: u64 = 0;
    while start.elapsed() < Duration::from_secs(seconds) {
        let seed = base.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        if !run(seed) {
            println!("pavise-fuzz: panic on seed {seed} (replay: pavise-fuzz --seed {seed})");
            std::process::exit(1);
        }
        n += 1;
    }
    println!("pavise-fuzz: {n} inputs in {seconds} s, no panic");
}

/// Runs the cost-growth sweep; the exit status.
fn growth() -> i32 {
    let Some(s) = screeners() else {
        eprintln!("pavise-fuzz: a fuzzing policy does not parse");
        return 2;
    };
    let tried = pavise_fuzz::growth::units().len();
    let found = pavise_fuzz::growth::sweep(&s);
    for g in &found {
        println!(
            "{}, {:?} repeated: {:.1} times the time at four times the length ({:.1} ms at {} bytes)",
            g.parser,
            String::from_utf8_lossy(&g.unit),
            g.ratio,
            g.long.as_secs_f64() * 1e3,
            4 * pavise_fuzz::growth::SHORT
        );
    }
    if found.is_empty() {
        println!(
            "pavise-fuzz: no cost grows faster than its input ({tried} repeated units, {} parsers)",
            pavise_fuzz::PARSERS.len()
        );
        0
    } else {
        println!(
            "pavise-fuzz: {} parsers and repeated units (of {tried} units) cost more per byte as \
             they grow",
            found.len()
        );
        1
    }
}
