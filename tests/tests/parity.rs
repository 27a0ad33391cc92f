//! The two runtimes decide alike: the same requests through the demo chain (every filter with
//! its example policy) in one Envoy running the `.wasm` filters and one running the native
//! module, and again through the combined filter in each, give the same status, headers and
//! body, the same upstream view, the same audit events (but for the fields that differ from
//! one run to the next: the time, the duration, the client's port) and the same non-zero
//! counters.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::demo::{demo_config, demo_filters, DemoPorts};
use pavise_tests::envoy::{read_json_lines, Echo, Envoy, FilterSpec, Runtime, Sink, TempDir};
use pavise_tests::http::{send_raw, Response};
use pavise_tests::process::wait_for;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const CI: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";
const READER: &str = "demo-reader-key-f05b2d8e6c1a4973ab22";
const EXPIRED: &str = "demo-old-ci-key-2b9e4f7a1c0d3e58d6b1";

/// One request of the set: id (also its `x-request-id`), method, path, headers, body.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Option<Vec<u8>>,
);

/// Requests that make every filter take each of its decisions: allowed with each credential
/// form, refused for each reason, preflights, CORS refusals, findings in the query, a header
/// and the body, limits, ambiguous paths, excluded paths.
fn requests() -> Vec<Case> {
    let key = |k: &str| ("x-api-key", k.to_string());
    let origin = |o: &str| ("origin", o.to_string());
    let json = ("content-type", "application/json".to_string());
    vec![
        ("no-key", "GET", "/api/orders", vec![], None),
        ("ci", "GET", "/api/orders?page=2", vec![key(CI)], None),
        (
            "bearer",
            "GET",
            "/api/orders",
            vec![("authorization", format!("Bearer {READER}"))],
            None,
        ),
        (
            "reader-post",
            "POST",
            "/api/orders",
            vec![key(READER)],
            Some(b"{}".to_vec()),
        ),
        ("expired", "GET", "/api/orders", vec![key(EXPIRED)], None),
        (
            "wrong-key",
            "GET",
            "/api/orders",
            vec![key("not-a-key")],
            None,
        ),
        ("admin", "GET", "/admin/users", vec![key(CI)], None),
        ("internal", "GET", "/internal/metrics", vec![key(CI)], None),
        ("healthz", "GET", "/healthz", vec![], None),
        (
            "preflight",
            "OPTIONS",
            "/api/orders",
            vec![
                origin("http://localhost:3000"),
                ("access-control-request-method", "PUT".to_string()),
                (
                    "access-control-request-headers",
                    "content-type, x-api-key".to_string(),
                ),
            ],
            None,
        ),
        (
            "preflight-bad-method",
            "OPTIONS",
            "/api/orders",
            vec![
                origin("http://localhost:3000"),
                ("access-control-request-method", "TRACE".to_string()),
            ],
            None,
        ),
        (
            "cors-allowed",
            "GET",
            "/api/orders",
            vec![origin("http://localhost:3000"), key(CI)],
            None,
        ),
        (
            "cors-evil",
            "GET",
            "/api/orders",
            vec![origin("https://evil.example.net"), key(CI)],
            None,
        ),
        (
            "sqli-query",
            "GET",
            "/api/orders?id=1%27%20or%201%3D1--",
            vec![key(CI)],
            None,
        ),
        (
            "xss-query",
            "GET",
            "/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            vec![key(CI)],
            None,
        ),
        (
            "header-finding",
            "GET",
            "/api/orders",
            vec![key(CI), ("x-custom", "' or 1=1--".to_string())],
            None,
        ),
        (
            "json-body",
            "POST",
            "/api/orders",
            vec![key(CI), json.clone()],
            Some(br#"{"item": "book", "quantity": 2, "note": "jane.doe@example.com"}"#.to_vec()),
        ),
        (
            "json-body-sqli",
            "POST",
            "/api/orders",
            vec![key(CI), json.clone()],
            Some(br#"{"item": "1' UNION SELECT password FROM users--"}"#.to_vec()),
        ),
        (
            "form-body-xss",
            "POST",
            "/api/comments",
            vec![
                key(CI),
                (
                    "content-type",
                    "application/x-www-form-urlencoded".to_string(),
                ),
            ],
            Some(b"comment=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E".to_vec()),
        ),
        (
            "big-body",
            "POST",
            "/api/orders",
            vec![key(CI), json],
            Some(format!("{{\"pad\": \"{}\"}}", "a".repeat(100 * 1024)).into_bytes()),
        ),
        ("ambiguous", "GET", "/Admin/users", vec![key(CI)], None),
        (
            "redacted-query",
            "GET",
            "/api/orders?account=12345&x=1",
            vec![
                key(CI),
                ("user-agent", "tester (jane.doe@example.com)".to_string()),
            ],
            None,
        ),
    ]
}

/// The request's bytes, with a fixed `host` (the audit event records it) and its id.
fn raw(case: &Case) -> Vec<u8> {
    let (id, method, path, headers, body) = case;
    let mut raw = format!(
        "{method} {path} HTTP/1.1\r\nhost: pavise.test\r\nconnection: close\r\nx-request-id: {id}\r\n"
    )
    .into_bytes();
    for (n, v) in headers {
        raw.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    if let Some(b) = body {
        raw.extend_from_slice(format!("content-length: {}\r\n", b.len()).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    if let Some(b) = body {
        raw.extend_from_slice(b);
    }
    raw
}

/// What a client sees of a response, and what the upstream saw: status, headers (sorted, but
/// for those that differ between any two runs: the date and the upstream's time), body.
fn seen(r: &Response) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| n != "date" && n != "x-envoy-upstream-service-time")
        .collect();
    headers.sort();
    (r.status, headers, r.text())
}

/// A response as compared: status, headers, body.
type Answer = (u16, Vec<(String, String)>, String);

/// One Envoy's record of the request set.
struct Run {
    responses: BTreeMap<&'static str, Answer>,
    /// Audit events by request id, from the local sink, without the per-run fields.
    events: BTreeMap<String, Value>,
    /// Every Pavise counter and gauge series, and each histogram's count, that is not zero.
    metrics: BTreeMap<String, String>,
}

/// The fields of an audit event that differ between two runs of the same request.
const PER_RUN_FIELDS: [&str; 3] = ["timestamp", "duration_ms", "source_address"];

/// The non-zero Pavise series of Envoy's Prometheus page; of a histogram only its count (its
/// buckets and sum are times).
fn pavise_metrics(envoy: &Envoy) -> BTreeMap<String, String> {
    envoy
        .prometheus()
        .lines()
        .filter(|l| l.starts_with("pavise_"))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let name = series.split('{').next().unwrap_or_default();
            !name.ends_with("_bucket") && !name.ends_with("_sum")
        })
        .filter(|(_, v)| v.parse::<f64>().ok().is_none_or(|v| v != 0.0))
        .map(|(s, v)| (s.to_string(), v.to_string()))
        .collect()
}

/// Sends the request set through Envoy running `filters` (`None`: the demo chain) in `runtime`.
fn run(runtime: Runtime, filters: Option<&[FilterSpec]>) -> Run {
    let echo = Echo::start();
    let dir = TempDir::new("pavise-parity");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("otlp.jsonl"));
    let local = dir.0.join("audit.jsonl");
    let ports = DemoPorts {
        listener: 0,
        admin: 0,
        upstream: echo.addr,
        modules: pavise_tests::built_modules(runtime),
        audit_log: local.display().to_string(),
        audit_sink: sink.addr,
    };
    let config = match filters {
        None => demo_config(&ports),
        Some(filters) => {
            let opts = pavise::render::envoy::EnvoyOptions {
                listener_port: 0,
                admin_port: 0,
                upstream: echo.addr,
                modules: ports.modules.clone(),
                audit_log: Some(ports.audit_log.clone()),
                clusters: vec![("audit_sink".to_string(), sink.addr)],
            };
            let mut b = pavise::render::envoy::bootstrap_for(filters, &opts);
            // The combined filter holds the audit member: give it the local sink as well.
            b.hcm_extra = pavise_tests::envoy::audit_access_log_yaml(&ports.audit_log, runtime);
            pavise_tests::envoy::bootstrap_yaml(&b)
        }
    };
    // Without Envoy's own timing header (`x-envoy-upstream-service-time`, whose length varies
    // from run to run), every byte of a response, and so each event's `response_bytes`, is the
    // same in both runs.
    let router = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n";
    assert_eq!(config.matches(router).count(), 1, "{config}");
    let config = config.replace(
        router,
        &format!("{router}              suppress_envoy_headers: true\n"),
    );
    let envoy = Envoy::start(&config, &[]);
    let cases = requests();
    let responses = cases
        .iter()
        .map(|c| (c.0, seen(&send_raw(envoy.listener, &raw(c)))))
        .collect();
    let audited = cases.iter().filter(|c| c.2 != "/healthz").count();
    // Every event written to the file and sent to the sink, so the counters are final.
    wait_for(
        "every audit event in both sinks",
        Duration::from_secs(15),
        || {
            (read_json_lines(&local).len() >= audited
                && envoy.counter("pavise_audit_sink_sent_total") >= audited as u64)
                .then_some(())
        },
    );
    let events = read_json_lines(&local)
        .into_iter()
        .map(|mut e| {
            for field in PER_RUN_FIELDS {
                e.as_object_mut().map(|o| o.remove(field));
            }
            (e["request_id"].as_str().unwrap_or_default().to_string(), e)
        })
        .collect();
    let metrics = pavise_metrics(&envoy);
    drop(sink);
    Run {
        responses,
        events,
        metrics,
    }
}

/// Both runtimes' records of the request set through `filters` are the same, entry by entry.
fn assert_same(filters: Option<&[FilterSpec]>) {
    let wasm = run(Runtime::Wasm, filters);
    let native = run(Runtime::Native, filters);
    let mut differences = Vec::new();
    for (id, w) in &wasm.responses {
        let n = &native.responses[id];
        if w != n {
            differences.push(format!("response {id}:\n  wasm   {w:?}\n  native {n:?}"));
        }
    }
    let ids: std::collections::BTreeSet<&String> =
        wasm.events.keys().chain(native.events.keys()).collect();
    for id in ids {
        let (w, n) = (wasm.events.get(id), native.events.get(id));
        if w != n {
            differences.push(format!("audit event {id}:\n  wasm   {w:?}\n  native {n:?}"));
        }
    }
    let series: std::collections::BTreeSet<&String> =
        wasm.metrics.keys().chain(native.metrics.keys()).collect();
    for s in series {
        let (w, n) = (wasm.metrics.get(s), native.metrics.get(s));
        if w != n {
            differences.push(format!("{s}: wasm {w:?}, native {n:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "the runtimes differ in {} places:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The set means something: it was refused and allowed, audited and counted.
    let statuses: std::collections::BTreeSet<u16> = wasm.responses.values().map(|r| r.0).collect();
    for status in [200, 204, 400, 401, 403, 413] {
        assert!(statuses.contains(&status), "no {status} in {statuses:?}");
    }
    assert_eq!(wasm.events.len(), requests().len() - 1, "all but /healthz");
    assert!(wasm.metrics.len() >= 20, "{:?}", wasm.metrics);
}

#[test]
fn the_demo_chain_decides_alike_in_both_runtimes() {
    assert_same(None);
}

#[test]
fn the_combined_filter_decides_alike_in_both_runtimes() {
    let combined = pavise_tests::policy_text("combined.example.json");
    // The combined example holds every member the demo chain has.
    let members: Vec<String> = demo_filters().iter().map(|f| f.name.clone()).collect();
    let v: Value = serde_json::from_str(&combined).unwrap();
    for m in &members {
        assert!(v.get(m).is_some(), "combined.example.json has no {m}");
    }
    assert_same(Some(&[FilterSpec::new("combined", &combined)]));
}
