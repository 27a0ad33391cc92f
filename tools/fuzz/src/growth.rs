//! Cost growth: whether any parser of request data takes time that grows faster than its
//! input. A value read again from each of its separators (`;;;;…`, `&&&&…`) is no panic, so
//! the random fuzzer does not see it, but 64 KiB of it held an Envoy worker for seconds.
//!
//! [`sweep`] builds values by repeating short units (every pair of bytes that matter to the
//! detectors, and attack words followed by each of them), runs each parser the fuzzer runs
//! ([`crate::PARSERS`]) on each at two lengths, and reports the units and parsers whose time grows
//! more than [`MOST_GROWTH`] times when the length grows four times (linear work grows about
//! four times, work per byte that grows with the value sixteen). Each parser is timed alone,
//! so that the others' linear work does not hide one that grows. Timing on a shared machine is
//! noisy: a unit is reported only if it still grows so when measured again, and only above
//! [`LEAST_TIME`]. A tool (`make fuzz`), not a test: its verdict rests on timing.

use crate::{Parser, PARSERS};
use pavise_screen::screen::Screener;
use std::time::{Duration, Instant};

/// The shorter length; the longer is four times it.
pub const SHORT: usize = 8192;

/// Growth over a fourfold length reported as faster than linear.
const MOST_GROWTH: f64 = 8.0;

/// Below this at the longer length, a parser is too quick on a unit to matter (and to time).
const LEAST_TIME: Duration = Duration::from_millis(2);

/// Bytes that separate, quote, nest, escape or encode, and a letter, a digit and a blank.
const BYTES: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ a1\n";

/// Words the detectors look for, each repeated with every byte of [`BYTES`] after it.
const WORDS: [&str; 49] = [
    "or ",
    "and ",
    "select ",
    "union ",
    "script",
    "on",
    "sh ",
    "cat ",
    "x=",
    "1=",
    "in ",
    "like ",
    "exec ",
    "$(",
    "${",
    "&#",
    "%2",
    "\\u",
    "/*",
    "*/",
    "<a ",
    "=\"",
    "'x'",
    "1 ",
    "::",
    "..",
    "../",
    "%c0",
    "\\x",
    "0x",
    "-- ",
    "; ",
    "| ",
    "` ",
    "\" ",
    "' ",
    "(select",
    "or 1=1 ",
    "' or ",
    "javascript:",
    "<script>",
    "onerror=",
    "\\\\",
    "//",
    "{\"a\":",
    "\n--x",
    "name=\"",
    "&amp;",
    "QUJD",
];

/// One unit and parser whose cost grew faster than the unit's length.
#[derive(Debug, Clone)]
pub struct Growth {
    pub unit: Vec<u8>,
    pub parser: &'static str,
    /// Time at the longer length over time at the shorter.
    pub ratio: f64,
    pub long: Duration,
}

/// Every unit [`sweep`] tries.
pub fn units() -> Vec<Vec<u8>> {
    let mut units = Vec::new();
    for &a in BYTES {
        for &b in BYTES {
            units.push(vec![a, b]);
        }
    }
    for w in WORDS {
        units.push(w.as_bytes().to_vec());
        for &b in BYTES {
            let mut u = w.as_bytes().to_vec();
            u.push(b);
            units.push(u);
        }
    }
    units
}

fn repeated(unit: &[u8], len: usize) -> Vec<u8> {
    unit.iter().copied().cycle().take(len).collect()
}

fn time(parser: Parser, data: &[u8], screeners: &[Screener]) -> Duration {
    let start = Instant::now();
    parser(data, screeners);
    start.elapsed()
}

/// How one parser's cost on one unit grows: `(long / short, long)`.
fn growth(parser: Parser, short: &[u8], long: &[u8], screeners: &[Screener]) -> (f64, Duration) {
    let short = time(parser, short, screeners);
    let long = time(parser, long, screeners);
    (long.as_secs_f64() / short.as_secs_f64().max(1e-9), long)
}

/// The units and parsers whose cost grows faster than the length, costliest first.
pub fn sweep(screeners: &[Screener]) -> Vec<Growth> {
    let mut found = Vec::new();
    for unit in units() {
        let short = repeated(&unit, SHORT);
        let long = repeated(&unit, SHORT * 4);
        for (name, parser) in PARSERS {
            let (ratio, long_time) = growth(parser, &short, &long, screeners);
            if ratio <= MOST_GROWTH || long_time < LEAST_TIME {
                continue;
            }
            // Measured again, the lower of the two: a pause of the machine is not growth.
            let (again, long_again) = growth(parser, &short, &long, screeners);
            let (ratio, long_time) = if again < ratio {
                (again, long_again)
            } else {
                (ratio, long_time)
            };
            if ratio > MOST_GROWTH && long_time >= LEAST_TIME {
                found.push(Growth {
                    unit: unit.clone(),
                    parser: name,
                    ratio,
                    long: long_time,
                });
            }
        }
    }
    found.sort_by_key(|g| std::cmp::Reverse(g.long));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_cover_every_byte_pair_and_word() {
        let units = units();
        assert_eq!(
            units.len(),
            BYTES.len() * BYTES.len() + WORDS.len() * (BYTES.len() + 1)
        );
        assert!(units.contains(&b"&&".to_vec()));
        assert!(units.contains(&b"' or ".to_vec()));
    }

    #[test]
    fn repeated_values_have_the_length_asked() {
        assert_eq!(repeated(b"abc", 7), b"abcabca");
    }
}
