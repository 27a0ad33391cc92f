//! Time per request of each pure decision function, for typical and worst-case inputs.

// A benchmark with a broken input must stop, not measure nothing.
#![allow(clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use pavise_auth::decision::Authenticator;
use pavise_core::headers::HeaderList;
use pavise_microbench::{bodies, example_policy, typical_request};
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

fn cors(c: &mut Criterion) {
    let e = match pavise_cors::engine::CorsEngine::from_json(&example_policy("cors")) {
        Ok(e) => e,
        Err(e) => panic!("example cors policy: {e}"),
    };
    let mut g = c.benchmark_group("cors");
    let plain = with_origin("/api/orders", None);
    g.bench_function("no origin", |b| b.iter(|| e.decide(black_box(&plain))));
    let allowed = with_origin("/api/orders", Some("https://eu.app.example.com"));
    g.bench_function("allowed origin (wildcard)", |b| {
        b.iter(|| e.decide(black_box(&allowed)))
    });
    let denied = with_origin("/api/orders", Some("https://evil-app.example.com"));
    g.bench_function("denied origin", |b| b.iter(|| e.decide(black_box(&denied))));
    let mut preflight = with_origin("/api/orders", Some("http://localhost:5173"));
    preflight = HeaderList::new(
        preflight
            .iter()
            .map(|(n, v)| {
                let v = if n == ":method" { &b"OPTIONS"[..] } else { v };
                (n.to_string(), v.to_vec())
            })
            .chain([
                ("access-control-request-method".to_string(), b"PUT".to_vec()),
                (
                    "access-control-request-headers".to_string(),
                    b"content-type, x-api-key".to_vec(),
                ),
            ])
            .collect(),
    );
    g.bench_function("preflight", |b| b.iter(|| e.decide(black_box(&preflight))));
    g.finish();
}

fn with_origin(path: &str, origin: Option<&str>) -> HeaderList {
    let base = typical_request("k", path);
    HeaderList::new(
        base.iter()
            .filter(|(n, _)| *n != "origin")
            .map(|(n, v)| (n.to_string(), v.to_vec()))
            .chain(origin.map(|o| ("origin".to_string(), o.as_bytes().to_vec())))
            .collect(),
    )
}

fn audit(c: &mut Criterion) {
    use pavise_audit::event::{build_event, EndFacts, RequestFacts};
    use pavise_audit::policy::SinkFormat;
    use pavise_audit::sink::{render_batch, OtlpResource, QueuedEvent};
    let policy = match pavise_audit::policy::parse(&example_policy("audit")) {
        Ok(p) => p,
        Err(e) => panic!("example audit policy: {e}"),
    };
    let mut g = c.benchmark_group("audit");
    let request = typical_request(
        "k",
        "/api/orders?page=2&access_token=abc&email=a%40b.example",
    );
    g.bench_function("capture + build + serialise", |b| {
        b.iter(|| {
            let facts = RequestFacts::capture(black_box(&request), 1, &policy);
            let event = build_event(facts, EndFacts::default(), &[]);
            event.to_json()
        })
    });
    // What the HTTP sink does per batch on the worker thread: a full batch of the example
    // policy's size as the OTLP body.
    let facts = RequestFacts::capture(&request, 1, &policy);
    let event = build_event(facts, EndFacts::default(), &[]);
    let batch: Vec<QueuedEvent> = (0..100)
        .map(|i| QueuedEvent::new(event.clone(), i, SinkFormat::Otlp))
        .collect();
    let resource = OtlpResource::default();
    g.bench_function("OTLP body for a batch of 100 events", |b| {
        b.iter(|| render_batch(SinkFormat::Otlp, black_box(&batch).iter(), 7, &resource))
    });
    g.finish();
}

fn screen(c: &mut Criterion) {
    // The example policy (level 1), and the strict example (the same at level 2).
    for (group, policy) in [("screen", "screen"), ("screen, level 2", "screen.strict")] {
        screen_with(c, group, &example_policy(policy));
    }
}

fn screen_with(c: &mut Criterion, group: &str, policy: &[u8]) {
    use criterion::Throughput;
    use pavise_screen::policy::Mode;
    use pavise_screen::screen::{BodyDecision, BodyKind, Screener};
    let s = match Screener::from_json(policy) {
        Ok(s) => s,
        Err(e) => panic!("{group}: example policy: {e}"),
    };
    let mut g = c.benchmark_group(group);
    let get = typical_request(
        "k",
        "/api/orders?page=2&sort=name&q=red+running+shoes&size=42",
    );
    g.bench_function("headers: GET with a query", |b| {
        b.iter(|| s.screen_headers(black_box(&get), false))
    });
    let size = 16 * 1024;
    for (name, kind, body) in [
        // Plain records: no value holds a byte or word any rule looks for.
        (
            "body: 16 KiB JSON",
            BodyKind::Json,
            bodies::plain_json(size),
        ),
        // Values with `/`, `'` and `(` (URLs, apostrophes, asides): every value is parsed out
        // and goes through the rules its anchors call, as most real documents do.
        (
            "body: 16 KiB JSON, not plain",
            BodyKind::Json,
            bodies::rich_json(size),
        ),
        // What Faker makes: names with accents, addresses, e-mail addresses, phone numbers,
        // URLs, multi-line free text.
        (
            "body: 16 KiB JSON, Faker-like",
            BodyKind::Json,
            bodies::faker_json(size),
        ),
        // HTML as a CMS posts it, in a JSON string.
        (
            "body: 16 KiB JSON with markup",
            BodyKind::Json,
            bodies::markup_json(size),
        ),
        ("body: 16 KiB form", BodyKind::Form, bodies::form(size)),
    ] {
        // Each body is benign: a finding would time a refusal, not the screening.
        let verdict = s.screen_body(kind, &body, true, None, Mode::Block);
        if !matches!(&verdict, BodyDecision::Pass { findings } if findings.is_empty()) {
            panic!("{group}: {name} is benign, but: {verdict:?}");
        }
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| s.screen_body(kind, black_box(&body), true, None, Mode::Block))
        });
    }
    g.finish();
}

fn core(c: &mut Criterion) {
    let mut g = c.benchmark_group("core");
    g.bench_function("normalize_path", |b| {
        b.iter(|| pavise_core::path::normalize_path(black_box("/api/v1/../v2/%6frders//42?x=1")))
    });
    g.finish();
}

/// One value through every detector, as a body field: the per-value cost of benign values
/// that are not plain text (the shortcut does not apply), which real documents are full of.
fn inspect(c: &mut Criterion) {
    use pavise_screen::detect::{inspect, Enabled, ValueKind};
    let mut g = c.benchmark_group("inspect");
    for (name, value) in [
        ("URL", "https://shop.example.com/p/12/item-12?ref=home"),
        (
            "apostrophe sentence",
            "It's sturdy and doesn't wobble; we've used it daily (and it's still fine).",
        ),
        ("path-like", "kitchen/dining/chairs/oak-2024"),
        ("phrase with parentheses", "Item 12 (2-pack)"),
    ] {
        let found = inspect(value.as_bytes(), ValueKind::Text, "body:v", Enabled::ALL);
        if !found.is_empty() {
            panic!("{value} is benign, but: {found:?}");
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                inspect(
                    black_box(value.as_bytes()),
                    ValueKind::Text,
                    "body:v",
                    Enabled::ALL,
                )
            })
        });
    }
    g.finish();
}

/// 64 KiB values that once cost time growing with the square of their length (`make
/// fuzz-growth` found them): a value of separators, of separators and line breaks, of dotted
/// words. Inspected at level 2, every category, as a JSON string value.
fn hostile(c: &mut Criterion) {
    use pavise_screen::detect::{inspect, Enabled, ValueKind};
    let mut g = c.benchmark_group("inspect 64 KiB");
    g.sample_size(10);
    for (name, unit) in [("&&", "&&"), (";\\n", ";\n"), (".$", ".$")] {
        let value: Vec<u8> = unit.bytes().cycle().take(64 * 1024).collect();
        g.bench_function(name, |b| {
            b.iter(|| {
                inspect(
                    black_box(&value),
                    ValueKind::Text,
                    "body:v",
                    Enabled::STRICT,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, auth, cors, audit, screen, inspect, hostile, core);
criterion_main!(benches);
