//! End-to-end, in both runtimes: the audit filter first in the chain, in a real Envoy, with both
//! sinks: the local access log (one JSON object per line in its own file) and the HTTP sink
//! (`pavise-sink`, receiving OTLP/HTTP JSON). Every request must produce exactly one correct event, denials by
//! any filter included, and no secret may appear in either sink or in Envoy's log.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{
    assert_refuses_to_start, audit_access_log_yaml, bootstrap_on, bootstrap_yaml, read_json_lines,
    Echo, Envoy, FilterSpec, Runtime, Sink, TempDir,
};
use pavise_tests::http::{get, send, Response};
use pavise_tests::process::wait_for;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

const KEY: &str = "e2e-audit-key-3c9a1f7e5b2d4068a1b2";
const SECRETS: [&str; 5] = [
    KEY,
    "SECRET-QUERY-TOKEN",
    "SECRET-COOKIE-VALUE",
    "SECRET-BEARER",
    "jane.doe@example.com",
];

fn auth_policy() -> String {
    format!(
        r#"{{"keys": [{{"id": "k1", "client": "billing", "sha256": "{}"}}],
  "routes": [{{"match": {{"path_prefix": "/healthz"}}, "access": "public"}},
             {{"match": {{"path_prefix": "/"}}, "access": "authenticated"}}]}}"#,
        hex::encode(Sha256::digest(KEY.as_bytes()))
    )
}

const SCREEN_POLICY: &str = r#"{"mode": "block"}"#;

const CORS_POLICY: &str = r#"{"routes": [{"allow_origins": ["https://app.example.com"],
  "allow_methods": ["GET", "PUT"], "allow_headers": ["x-api-key"]}]}"#;

fn audit_policy(http: &str, extra: &str) -> String {
    format!(
        r#"{{"exclude": [{{"path_prefix": "/healthz"}}],
  "http": {{"cluster": "audit_sink", {http}}}{extra}}}"#
    )
}

/// Envoy with `filters` of `runtime`, the local sink writing to `dir/audit.jsonl` and the HTTP
/// sink's cluster pointing at `sink`.
fn start(
    runtime: Runtime,
    filters: &[FilterSpec],
    sink: SocketAddr,
    dir: &TempDir,
) -> (Envoy, Echo) {
    let echo = Echo::start();
    let mut b = bootstrap_on(runtime, filters, echo.addr);
    let local = dir.0.join("audit.jsonl").display().to_string();
    b.hcm_extra = audit_access_log_yaml(&local, runtime);
    b.clusters.push(("audit_sink".to_string(), sink));
    (Envoy::start(&bootstrap_yaml(&b), &[]), echo)
}

/// The events in the sink's OTLP bodies, keyed by request id, with how often each arrived.
fn sink_events(sink_file: &std::path::Path) -> HashMap<String, (usize, Value)> {
    let mut out: HashMap<String, (usize, Value)> = HashMap::new();
    for body in read_json_lines(sink_file) {
        let records = body["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for r in records {
            let event: Value =
                serde_json::from_str(r["body"]["stringValue"].as_str().unwrap_or("null")).unwrap();
            let id = event["request_id"].as_str().unwrap_or_default().to_string();
            let entry = out.entry(id).or_insert((0, event));
            entry.0 += 1;
        }
    }
    out
}

fn local_events(dir: &TempDir) -> Vec<Value> {
    read_json_lines(&dir.0.join("audit.jsonl"))
}

fn request(addr: SocketAddr, id: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut h = vec![("x-request-id", id)];
    h.extend_from_slice(headers);
    get(addr, path, &h)
}

fn chain_audit_policy() -> String {
    audit_policy(r#""flush_interval_ms": 50"#, "")
}

fn one_event_per_request_through_the_whole_chain(runtime: Runtime) {
    one_event_per_request(
        runtime,
        &[
            FilterSpec::new("audit", &chain_audit_policy()),
            FilterSpec::new("cors", CORS_POLICY),
            FilterSpec::new("auth", &auth_policy()),
            FilterSpec::new("screen", SCREEN_POLICY),
        ],
    );
}

/// The same scenario with the same policies in the combined filter: one module, one pass.
fn one_event_per_request_through_the_combined_filter(runtime: Runtime) {
    let combined = format!(
        r#"{{"audit": {}, "cors": {}, "auth": {}, "screen": {}}}"#,
        chain_audit_policy(),
        CORS_POLICY,
        auth_policy(),
        SCREEN_POLICY
    );
    one_event_per_request(runtime, &[FilterSpec::new("combined", &combined)]);
}

fn one_event_per_request(runtime: Runtime, filters: &[FilterSpec]) {
    let dir = TempDir::new("pavise-audit");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let (envoy, _echo) = start(runtime, filters, sink.addr, &dir);
    let addr = envoy.listener;

    let r = request(
        addr,
        "req-allowed",
        "/orders?page=2&access_token=SECRET-QUERY-TOKEN",
        &[
            ("x-api-key", KEY),
            ("cookie", "session=SECRET-COOKIE-VALUE"),
            ("user-agent", "tester (jane.doe@example.com)"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ],
    );
    assert_eq!(r.status, 200);
    let r = request(
        addr,
        "req-auth-denied",
        "/orders",
        &[("authorization", "Bearer SECRET-BEARER")],
    );
    assert_eq!(r.status, 401);
    let r = request(
        addr,
        "req-cors-denied",
        "/orders",
        &[("origin", "https://evil.example.net"), ("x-api-key", KEY)],
    );
    assert_eq!(r.status, 403);
    let r = send(
        addr,
        "OPTIONS",
        "/orders",
        &[
            ("x-request-id", b"req-preflight"),
            ("origin", b"https://app.example.com"),
            ("access-control-request-method", b"PUT"),
        ],
        None,
    );
    assert_eq!(
        r.status, 204,
        "preflight answered before auth asks for a key"
    );
    let r = request(
        addr,
        "req-screen-denied",
        "/orders?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        &[("x-api-key", KEY)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "request_blocked");
    let r = request(addr, "req-healthz", "/healthz", &[]);
    assert_eq!(r.status, 200);

    let expected = [
        "req-allowed",
        "req-auth-denied",
        "req-cors-denied",
        "req-preflight",
        "req-screen-denied",
    ];
    let events = wait_for(
        "the sink to receive every event",
        Duration::from_secs(10),
        || {
            let e = sink_events(&sink.file);
            expected.iter().all(|id| e.contains_key(*id)).then_some(e)
        },
    );
    assert!(!events.contains_key("req-healthz"), "/healthz is excluded");
    assert_eq!(events.len(), 5, "{events:?}");
    for (id, (count, _)) in &events {
        assert_eq!(*count, 1, "{id} arrived {count} times");
    }

    let allowed = &events["req-allowed"].1;
    assert_eq!(allowed["schema_version"], "1");
    assert_eq!(allowed["outcome"], "allowed");
    assert_eq!(allowed["status"], 200);
    assert_eq!(allowed["client_id"], "billing");
    assert_eq!(allowed["method"], "GET");
    assert_eq!(allowed["path"], "/orders?page=2&access_token=[REDACTED]");
    assert_eq!(allowed["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(allowed["user_agent"], "tester ([EMAIL])");
    assert!(allowed["source_address"]
        .as_str()
        .is_some_and(|a| a.starts_with("127.0.0.1:")));
    assert!(allowed["duration_ms"].as_f64().is_some_and(|d| d >= 0.0));
    assert!(allowed["response_bytes"].as_u64().is_some_and(|b| b > 0));
    assert!(allowed["timestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));

    let auth = &events["req-auth-denied"].1;
    assert_eq!(auth["outcome"], "denied");
    assert_eq!(auth["status"], 401);
    assert_eq!(auth["decided_by"]["filter"], "auth");
    assert_eq!(auth["decided_by"]["reason"], "missing");

    let cors = &events["req-cors-denied"].1;
    assert_eq!(cors["outcome"], "denied");
    assert_eq!(cors["status"], 403);
    assert_eq!(cors["decided_by"]["filter"], "cors");
    assert_eq!(cors["decided_by"]["reason"], "origin_not_allowed");
    assert_eq!(cors["client_id"], Value::Null, "auth never ran");

    let screen = &events["req-screen-denied"].1;
    assert_eq!(screen["outcome"], "denied");
    assert_eq!(screen["status"], 403);
    assert_eq!(screen["client_id"], "billing", "auth ran before screening");
    assert_eq!(screen["decided_by"]["filter"], "screen");
    assert_eq!(screen["decided_by"]["rule_id"], "xss-001");
    assert_eq!(screen["decided_by"]["reason"], "xss");

    let preflight = &events["req-preflight"].1;
    assert_eq!(preflight["outcome"], "allowed");
    assert_eq!(preflight["status"], 204);

    // The local sink: the same events, one JSON object per line, nothing else in the file.
    let local = wait_for("the local sink", Duration::from_secs(10), || {
        let l = local_events(&dir);
        (l.len() >= 5).then_some(l)
    });
    let text = std::fs::read_to_string(dir.0.join("audit.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    let mut ids: Vec<&str> = local
        .iter()
        .map(|e| e["request_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, expected);
    for e in &local {
        let id = e["request_id"].as_str().unwrap();
        assert_eq!(e, &events[id].1, "both sinks carry the same event");
    }

    // The client never sees a verdict, and no secret is anywhere.
    assert!(r.headers.iter().all(|(n, _)| !n.contains("verdict")));
    let sink_text = std::fs::read_to_string(&sink.file).unwrap();
    let envoy_log = envoy.log_text();
    for secret in SECRETS {
        assert!(!sink_text.contains(secret), "sink got {secret}");
        assert!(!text.contains(secret), "local sink got {secret}");
        assert!(!envoy_log.contains(secret), "Envoy's log has {secret}");
    }
    assert_eq!(envoy.counter("pavise_audit_events_total"), 5);
    assert_eq!(envoy.counter("pavise_audit_skipped_total"), 1);
    assert_eq!(envoy.counter("pavise_audit_sink_sent_total"), 5);
    assert_eq!(envoy.counter("pavise_audit_sink_dropped_total"), 0);
}

fn http_sink_outage_loses_and_duplicates_nothing(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-outage");
    let sink_file = dir.0.join("sink.jsonl");
    let sink = Sink::start("127.0.0.1:0", &sink_file);
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 4, "buffer_max_events": 1000,
           "initial_backoff_ms": 50, "max_backoff_ms": 200, "timeout_ms": 500"#,
        "",
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink.addr,
        &dir,
    );
    let addr = envoy.listener;

    for i in 0..5 {
        assert_eq!(request(addr, &format!("before-{i}"), "/x", &[]).status, 200);
    }
    wait_for("the first five", Duration::from_secs(10), || {
        (sink_events(&sink_file).len() == 5).then_some(())
    });

    // Outage: requests are unaffected (drop mode), events wait and are retried.
    let sink_addr = sink.stop();
    for i in 0..20 {
        assert_eq!(request(addr, &format!("during-{i}"), "/x", &[]).status, 200);
    }
    wait_for("failed attempts", Duration::from_secs(10), || {
        (envoy.counter("pavise_audit_sink_failed_batches_total") >= 2).then_some(())
    });

    let _sink = Sink::start(&sink_addr.to_string(), &sink_file);
    let events = wait_for(
        "every event after recovery",
        Duration::from_secs(15),
        || {
            let e = sink_events(&sink_file);
            (e.len() == 25).then_some(e)
        },
    );
    for (id, (count, _)) in &events {
        assert_eq!(*count, 1, "{id} arrived {count} times");
    }
    // Nothing arrives twice later either.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        sink_events(&sink_file)
            .values()
            .map(|(c, _)| c)
            .sum::<usize>(),
        25
    );
    assert_eq!(envoy.counter("pavise_audit_sink_sent_total"), 25);
    assert!(envoy.counter("pavise_audit_sink_retried_total") >= 4);
    assert_eq!(envoy.counter("pavise_audit_sink_dropped_total"), 0);
}

/// A busy proxy makes events faster than one batch per timer tick can carry: the sink must
/// send the next full batch as soon as the last one is answered, not wait for the next tick.
/// With a 250 ms tick (a 1 s flush interval) and 10 events a batch, one batch a tick carries 40
/// events a second, so 600 events would take 15 s; sent back to back they take well under 10.
fn http_sink_sends_full_batches_back_to_back(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-busy");
    let sink_file = dir.0.join("sink.jsonl");
    let sink = Sink::start("127.0.0.1:0", &sink_file);
    let policy = audit_policy(
        r#""flush_interval_ms": 1000, "batch_max_events": 10, "buffer_max_events": 100000"#,
        "",
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink.addr,
        &dir,
    );
    let addr = envoy.listener;

    const THREADS: usize = 6;
    const PER_THREAD: usize = 100;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    let id = format!("busy-{t}-{i}");
                    assert_eq!(request(addr, &id, "/x", &[]).status, 200);
                }
            });
        }
    });
    let events = wait_for(
        "all 600 events, in batches sent back to back",
        Duration::from_secs(10),
        || {
            let e = sink_events(&sink_file);
            (e.len() == THREADS * PER_THREAD).then_some(e)
        },
    );
    assert!(events.values().all(|(count, _)| *count == 1));
    assert_eq!(envoy.counter("pavise_audit_sink_dropped_total"), 0);
    assert_eq!(
        envoy.counter("pavise_audit_sink_sent_total"),
        (THREADS * PER_THREAD) as u64
    );
}

fn deny_mode_refuses_requests_while_the_buffer_is_full(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-deny");
    let sink_file = dir.0.join("sink.jsonl");
    // Reserve an address for the sink, and keep it down for now.
    let sink_addr = Sink::start("127.0.0.1:0", &sink_file).stop();
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 3, "buffer_max_events": 3,
           "initial_backoff_ms": 50, "max_backoff_ms": 100, "timeout_ms": 500"#,
        r#", "on_sink_failure": "deny""#,
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink_addr,
        &dir,
    );
    let addr = envoy.listener;

    for i in 0..3 {
        assert_eq!(
            request(addr, &format!("buffered-{i}"), "/x", &[]).status,
            200
        );
    }
    let r = request(addr, "refused", "/x", &[]);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "audit_unavailable");
    assert!(envoy.counter("pavise_audit_sink_full_denials_total") >= 1);

    let _sink = Sink::start(&sink_addr.to_string(), &sink_file);
    wait_for("the buffer to drain", Duration::from_secs(10), || {
        let e = sink_events(&sink_file);
        ["buffered-0", "buffered-1", "buffered-2"]
            .iter()
            .all(|id| e.contains_key(*id))
            .then_some(())
    });
    wait_for(
        "requests to be served again",
        Duration::from_secs(10),
        || (request(addr, "after", "/x", &[]).status == 200).then_some(()),
    );
}

fn bad_audit_policy_stops_envoy_with_the_json_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[FilterSpec::new("audit", r#"{"sample_allowed": 2}"#)],
        "$.sample_allowed: expected a share from 0.0 to 1.0",
    );
}

pavise_tests::for_each_runtime!(
    one_event_per_request_through_the_whole_chain,
    one_event_per_request_through_the_combined_filter,
    http_sink_outage_loses_and_duplicates_nothing,
    http_sink_sends_full_batches_back_to_back,
    deny_mode_refuses_requests_while_the_buffer_is_full,
    bad_audit_policy_stops_envoy_with_the_json_path
);
