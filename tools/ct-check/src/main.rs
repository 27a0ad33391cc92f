//! `pavise-ct-check`: does the auth filter's key lookup take the same time whatever the key?
//!
//! For each experiment two classes of presented keys, of equal length, are interleaved at
//! random and every call of `Keyring::lookup` is timed; Welch's t-test then asks whether the
//! classes' timings differ (|t| > 4.5: a leak, as in dudect). Experiments:
//! - `match-vs-none`: stored keys against random keys that match nothing (the outcome is public
//!   anyway, the response says it; a difference here would still betray work done on a match);
//! - `first-vs-last`: keys stored in the first half against keys stored in the second half
//!   (which key matched);
//! - `digest-prefix`: keys whose SHA-256 shares its first two bytes with a stored digest
//!   against keys whose digest differs in the first byte (an early-exit compare leaks this).
//!
//! A control runs the same harness on a deliberately leaky lookup (plaintext keys compared byte
//! by byte with an early exit); the tool fails if the control is *not* detected, so a pass
//! means the instrument can see a leak and saw none. Exit code: 0 pass, 1 leak or blind
//! instrument. Runs natively and as `wasm32-wasip1` under Node's WASI (V8, Envoy's runtime).
//!
//! Usage: `pavise-ct-check [SAMPLES_PER_EXPERIMENT]` (default 400000).

#![allow(clippy::indexing_slicing)]

mod welch;

use pavise_auth::keyring::Keyring;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::time::Instant;

const KEY_LEN: usize = 40;
const STORED_KEYS: usize = 16;
const THRESHOLD: f64 = 4.5;
const CONTROL_MIN_T: f64 = 10.0;

/// xorshift64*: deterministic, good enough to pick classes and make random keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn key(&mut self) -> Vec<u8> {
        (0..KEY_LEN)
            .map(|_| b'a' + (self.next() % 26) as u8)
            .collect()
    }
}

fn digest(k: &[u8]) -> [u8; 32] {
    Sha256::digest(k).into()
}

/// Times `f` on inputs of two classes, interleaved at random.
fn measure(
    rng: &mut Rng,
    samples: usize,
    class_inputs: [&[Vec<u8>]; 2],
    mut f: impl FnMut(&[u8]) -> bool,
) -> Vec<(u8, u64)> {
    let mut out = Vec::with_capacity(samples);
    // Warm up caches and the JIT before measuring.
    for i in 0..samples / 10 {
        let inputs = class_inputs[i % 2];
        black_box(f(&inputs[i % inputs.len()]));
    }
    for i in 0..samples {
        let class = (rng.next() & 1) as u8;
        let inputs = class_inputs[usize::from(class)];
        let input = &inputs[i % inputs.len()];
        let start = Instant::now();
        let found = f(black_box(input));
        let elapsed = start.elapsed();
        black_box(found);
        out.push((class, elapsed.as_nanos() as u64));
    }
    out
}

/// Finds `count` keys whose digest starts with the same two bytes as `target`'s (or, with
/// `share` false, differs from it in the first byte).
fn keys_by_digest_prefix(
    rng: &mut Rng,
    target: &[u8; 32],
    share: bool,
    count: usize,
) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    while found.len() < count {
        let k = rng.key();
        let d = digest(&k);
        let shares = d[0] == target[0] && d[1] == target[1];
        let differs_first = d[0] != target[0];
        if (share && shares) || (!share && differs_first) {
            found.push(k);
        }
    }
    found
}

struct Outcome {
    name: &'static str,
    t: f64,
    crop: f64,
}

fn report(name: &'static str, samples: &[(u8, u64)]) -> Outcome {
    let (t, crop) = welch::max_abs_t(samples);
    Outcome { name, t, crop }
}

fn main() {
    let samples: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(400_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    let stored: Vec<Vec<u8>> = (0..STORED_KEYS).map(|_| rng.key()).collect();
    let ring = Keyring::from_digests(stored.iter().map(|k| digest(k)).collect());
    let lookup = |k: &[u8]| ring.lookup(k).index.is_some();

    // Every class is a set of 8 distinct keys, so caches treat the classes alike.
    let random: Vec<Vec<u8>> = (0..8).map(|_| rng.key()).collect();
    let first: Vec<Vec<u8>> = stored[..8].to_vec();
    let last: Vec<Vec<u8>> = stored[STORED_KEYS - 8..].to_vec();
    let target = digest(&stored[0]);
    let near = keys_by_digest_prefix(&mut rng, &target, true, 8);
    let far = keys_by_digest_prefix(&mut rng, &target, false, 8);

    let results = [
        report(
            "match-vs-none",
            &measure(&mut rng, samples, [&first, &random], lookup),
        ),
        report(
            "first-vs-last",
            &measure(&mut rng, samples, [&first, &last], lookup),
        ),
        report(
            "digest-prefix",
            &measure(&mut rng, samples, [&near, &far], lookup),
        ),
    ];

    // Control: plaintext keys compared byte by byte with an early exit. Long keys sharing a
    // long prefix with a stored key against keys that differ in the first byte.
    let long_stored: Vec<u8> = (0..4096).map(|i| b'a' + (i % 26) as u8).collect();
    let mut long_near = long_stored.clone();
    if let Some(b) = long_near.last_mut() {
        *b = b'#';
    }
    let mut long_far = long_stored.clone();
    long_far[0] = b'#';
    let leaky = |k: &[u8]| {
        if k.len() != long_stored.len() {
            return false;
        }
        for (a, b) in k.iter().zip(long_stored.iter()) {
            if a != b {
                return false;
            }
        }
        true
    };
    let near_set = vec![long_near];
    let far_set = vec![long_far];
    let control = report(
        "control (leaky on purpose)",
        &measure(&mut rng, samples, [&near_set, &far_set], leaky),
    );

    let target_name = if cfg!(target_arch = "wasm32") {
        "wasm32 (V8 via Node WASI)"
    } else {
        "native"
    };
    println!("pavise-ct-check: {samples} samples per experiment, {STORED_KEYS} stored keys, {KEY_LEN}-byte keys, {target_name}");
    println!(
        "{:<28} {:>10}  {:>6}  verdict",
        "experiment", "max |t|", "crop"
    );
    let mut ok = true;
    for r in &results {
        let leak = r.t.abs() > THRESHOLD;
        ok &= !leak;
        println!(
            "{:<28} {:>10.2}  {:>5.0}%  {}",
            r.name,
            r.t.abs(),
            r.crop * 100.0,
            if leak {
                "LEAK (|t| > 4.5)"
            } else {
                "no leak detected"
            }
        );
    }
    let seen = control.t.abs() > CONTROL_MIN_T;
    ok &= seen;
    println!(
        "{:<28} {:>10.2}  {:>5.0}%  {}",
        control.name,
        control.t.abs(),
        control.crop * 100.0,
        if seen {
            "detected, as it must be"
        } else {
            "NOT detected: the instrument is blind"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}
