//! Time per request of each pure decision function, for typical and worst-case inputs.

// A benchmark with a broken input must stop, not measure nothing.
#![allow(clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use pavise_auth::decision::Authenticator;
use pavise_microbench::{example_policy, typical_request};
use std::hint::black_box;

const NOW: i64 = 1_800_000_000;

fn auth(c: &mut Criterion) {
    let a = match Authenticator::from_json(&example_policy("auth"), |_| None) {
        Ok(a) => a,
        Err(e) => panic!("example auth policy: {e}"),
    };
    let mut g = c.benchmark_group("auth");
    let valid = typical_request("demo-ci-key-8d1f0c5e7a2b4c69b3e1", "/api/orders");
    g.bench_function("valid key", |b| b.iter(|| a.decide(black_box(&valid), NOW)));
    let unknown = typical_request("not-a-key-0123456789abcdef0123456", "/api/orders");
    g.bench_function("unknown key", |b| {
        b.iter(|| a.decide(black_box(&unknown), NOW))
    });
    let long = "k".repeat(4096);
    let worst = typical_request(&long, "/a/./b/../c//d/%61%62/../../../../api/orders");
    g.bench_function("worst: 4 KiB key, messy path", |b| {
        b.iter(|| a.decide(black_box(&worst), NOW))
    });
    let public = typical_request("", "/healthz");
    g.bench_function("public route", |b| {
        b.iter(|| a.decide(black_box(&public), NOW))
    });
    g.finish();
}

fn core(c: &mut Criterion) {
    let mut g = c.benchmark_group("core");
    g.bench_function("normalize_path", |b| {
        b.iter(|| pavise_core::path::normalize_path(black_box("/api/v1/../v2/%6frders//42?x=1")))
    });
    g.finish();
}

criterion_group!(benches, auth, core);
criterion_main!(benches);
