//! The event builder, trace ids, scope and sampling.

use super::*;
use crate::policy::parse;

fn policy(json: &str) -> AuditPolicy {
    parse(json.as_bytes()).unwrap()
}

fn facts(path: &str) -> RequestFacts {
    let headers = HeaderList::from_pairs(&[
        (":method", "POST"),
        (":authority", "api.example.com"),
        (":path", path),
        ("x-request-id", "5f1c2a3b-0000-4000-8000-000000000001"),
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("user-agent", "curl/8 (jane@example.com)"),
        ("authorization", "Bearer SECRET-TOKEN-1"),
        ("cookie", "session=SECRET-COOKIE-2"),
        ("x-api-key", "SECRET-KEY-3"),
    ]);
    RequestFacts::capture(&headers, 1_795_420_800_123_000_000, &policy("{}"))
}

fn end() -> EndFacts {
    EndFacts {
        status: 200,
        source_address: Some("127.0.0.1:5555".into()),
        duration_ms: Some(1.5),
        request_bytes: Some(120),
        response_bytes: Some(340),
    }
}

fn verdict(filter: &str, outcome: Outcome, reason: &str) -> Verdict {
    let mut v = Verdict::new(filter, outcome);
    if !reason.is_empty() {
        v.reason = Some(reason.into());
    }
    v
}

#[test]
fn allowed_event_has_every_field() {
    let mut auth = verdict("auth", Outcome::Allowed, "");
    auth.client_id = Some("ci".into());
    let e = build_event(facts("/orders?id=7&token=SECRET-4"), end(), &[auth]);
    let json: serde_json::Value = serde_json::to_value(&e).unwrap();
    assert_eq!(json["schema_version"], "1");
    assert_eq!(json["timestamp"], "2026-11-23T08:00:00.123Z");
    assert_eq!(json["request_id"], "5f1c2a3b-0000-4000-8000-000000000001");
    assert_eq!(json["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(json["span_id"], "00f067aa0ba902b7");
    assert_eq!(json["client_id"], "ci");
    assert_eq!(json["source_address"], "127.0.0.1:5555");
    assert_eq!(json["method"], "POST");
    assert_eq!(json["host"], "api.example.com");
    assert_eq!(json["path"], "/orders?id=7&token=[REDACTED]");
    assert_eq!(json["status"], 200);
    assert_eq!(json["outcome"], "allowed");
    assert_eq!(json["decided_by"], serde_json::Value::Null);
    assert!(json.get("flagged_by").is_none());
    assert_eq!(json["duration_ms"], 1.5);
    assert_eq!(json["request_bytes"], 120);
    assert_eq!(json["response_bytes"], 340);
    assert_eq!(json["user_agent"], "curl/8 ([EMAIL])");
}

#[test]
fn no_secret_reaches_an_event() {
    let e = build_event(facts("/x?api_key=SECRET-5&password=SECRET-6"), end(), &[]);
    let text = serde_json::to_string(&e).unwrap();
    for secret in ["SECRET", "jane@example.com"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn denial_names_the_deciding_filter() {
    let e = build_event(
        facts("/x"),
        EndFacts {
            status: 403,
            ..end()
        },
        &[
            verdict("cors", Outcome::Allowed, ""),
            verdict("screen", Outcome::Flagged, "sqli"),
            verdict("auth", Outcome::Denied, "out_of_scope"),
        ],
    );
    assert_eq!(e.outcome, EventOutcome::Denied);
    let d = e.decided_by.unwrap();
    assert_eq!(
        (d.filter.as_str(), d.reason.as_deref()),
        ("auth", Some("out_of_scope"))
    );
    assert_eq!(e.flagged_by.len(), 1);
    assert_eq!(e.flagged_by[0].filter, "screen");
}

#[test]
fn rule_ids_are_carried() {
    let mut v = verdict("screen", Outcome::Denied, "sqli");
    v.rule_id = Some("sqli-001".into());
    let e = build_event(facts("/x"), end(), &[v]);
    assert_eq!(e.decided_by.unwrap().rule_id.as_deref(), Some("sqli-001"));
}

#[test]
fn trace_ids() {
    assert_eq!(
        trace_id(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    for bad in [
        &b"00-00000000000000000000000000000000-00f067aa0ba902b7-01"[..],
        b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        b"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        b"garbage",
        b"\xff",
    ] {
        assert_eq!(trace_id(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    // A future version may append fields.
    assert!(trace_id(b"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx").is_some());
}

#[test]
fn missing_headers_do_not_fail() {
    let f = RequestFacts::capture(&HeaderList::default(), 0, &policy("{}"));
    assert_eq!(f.path, "/");
    assert_eq!(f.request_id, None);
    let e = build_event(f, EndFacts::default(), &[]);
    assert_eq!(e.status, 0);
}

#[test]
fn scope_and_sampling() {
    let allowed = [verdict("auth", Outcome::Allowed, "")];
    let denied = [verdict("auth", Outcome::Denied, "missing")];
    let flagged = [verdict("screen", Outcome::Flagged, "xss")];
    let p = policy(r#"{"exclude": [{"path_prefix": "/healthz"}]}"#);
    assert!(!should_log(&p, &facts("/healthz"), "/healthz", &allowed));
    assert!(should_log(&p, &facts("/healthz"), "/healthz", &denied));
    assert!(should_log(&p, &facts("/orders"), "/orders", &allowed));

    let p = policy(r#"{"include": [{"path_prefix": "/api/"}]}"#);
    assert!(!should_log(&p, &facts("/other"), "/other", &[]));
    assert!(should_log(&p, &facts("/api/x"), "/api/x", &[]));
    assert!(should_log(&p, &facts("/other"), "/other", &flagged));

    let never = policy(r#"{"sample_allowed": 0.0}"#);
    assert!(!should_log(&never, &facts("/x"), "/x", &allowed));
    assert!(should_log(&never, &facts("/x"), "/x", &denied));
}

#[test]
fn sampling_rate_is_honoured_and_stable_per_request_id() {
    let p = policy(r#"{"sample_allowed": 0.25}"#);
    let mut logged = 0;
    for i in 0..10_000 {
        let mut f = facts("/x");
        f.request_id = Some(format!("req-{i}"));
        let first = should_log(&p, &f, "/x", &[]);
        f.start_unix_nanos += 1;
        assert_eq!(
            first,
            should_log(&p, &f, "/x", &[]),
            "decided by the id alone"
        );
        logged += usize::from(first);
    }
    assert!((2300..2700).contains(&logged), "{logged} of 10000 at 25%");
}

/// `UPDATE_SCHEMAS=1 cargo test -p pavise-audit` regenerates the checked-in schema.
#[test]
fn checked_in_event_schema_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/schemas/audit-event.schema.json"
    );
    pavise_core::policy::check_schema_file(path, &schema(), "pavise-audit").unwrap();
}

/// Filters publish only the verdicts that inform the audit (`Verdict::informs_audit`): leaving
/// the others out must change neither the event nor whether one is written, for every mix of
/// verdicts a chain can produce and for sampled-out and excluded requests.
#[test]
fn uninformative_verdicts_change_nothing() {
    let mut with_client = verdict("auth", Outcome::Allowed, "");
    with_client.client_id = Some("ci".into());
    let mut denied = verdict("screen", Outcome::Denied, "");
    denied.rule_id = Some("sqli-001".into());
    let options = [
        vec![verdict("cors", Outcome::Allowed, "")],
        vec![with_client.clone(), verdict("auth", Outcome::Allowed, "")],
        vec![verdict("cors", Outcome::Flagged, "origin_not_allowed")],
        vec![denied],
        vec![verdict("auth", Outcome::Denied, "missing")],
    ];
    let policies = [
        policy("{}"),
        policy(r#"{"sample_allowed": 0.0}"#),
        policy(r#"{"exclude": [{"path_prefix": "/orders"}]}"#),
    ];
    let request = facts("/orders?id=7");
    // Every subset of the options, in chain order.
    for mask in 0u32..(1 << options.len()) {
        let all: Vec<Verdict> = options
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect();
        let published: Vec<Verdict> = all.iter().filter(|v| v.informs_audit()).cloned().collect();
        assert_eq!(
            build_event(request.clone(), end(), &all),
            build_event(request.clone(), end(), &published),
            "{all:?}"
        );
        for p in &policies {
            assert_eq!(
                should_log(p, &request, "/orders", &all),
                should_log(p, &request, "/orders", &published),
                "{all:?}"
            );
        }
    }
}

/// A key in the auth policy's query parameter (`access`, a name that does not say secret) or
/// in a header the event records is kept out once the policy names them, as the combined
/// filter and a bundle make sure.
#[test]
fn credential_locations_named_in_the_policy_are_redacted() {
    let headers = HeaderList::from_pairs(&[
        (":method", "GET"),
        (":path", "/api/qp?access=KEY-IN-QUERY&x=1"),
        ("user-agent", "KEY-IN-UA"),
    ]);
    let open = RequestFacts::capture(&headers, 0, &policy("{}"));
    assert_eq!(open.path, "/api/qp?access=KEY-IN-QUERY&x=1");
    assert_eq!(open.user_agent.as_deref(), Some("KEY-IN-UA"));
    let mut p = policy("{}");
    p.redact.add_credentials("user-agent", Some("access"));
    let closed = RequestFacts::capture(&headers, 0, &p);
    assert_eq!(closed.path, "/api/qp?access=[REDACTED]&x=1");
    assert_eq!(closed.user_agent, None);
    let named = RequestFacts::capture(
        &headers,
        0,
        &policy(r#"{"redact": {"query_params": ["access"], "headers": ["user-agent"]}}"#),
    );
    assert_eq!(named, closed);
}

#[test]
fn span_id_needs_a_valid_traceparent() {
    assert_eq!(
        trace_context(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        Some((
            "4bf92f3577b34da6a3ce929d0e0e4736".to_string(),
            "00f067aa0ba902b7".to_string()
        ))
    );
    assert_eq!(
        trace_context(b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
        None,
        "an all-zero parent id is invalid"
    );
    let no_trace =
        RequestFacts::capture(&HeaderList::from_pairs(&[(":path", "/")]), 0, &policy("{}"));
    assert_eq!((no_trace.trace_id, no_trace.span_id), (None, None));
}

/// The hand-written JSON is what serde_json writes for the same event, byte for byte: every
/// optional field present and absent, text that needs escaping, findings and a refusal.
#[test]
fn to_json_is_serde_json_byte_for_byte() {
    let awkward = "q\"uo\\te \u{1} tab\t nl\n é 日本 🦀 </script>";
    let decision = |filter: &str, reason: Option<&str>, rule: Option<&str>| Decision {
        filter: filter.into(),
        reason: reason.map(Into::into),
        rule_id: rule.map(Into::into),
    };
    let mut events = Vec::new();
    for variant in 0..8u32 {
        let some = |bit: u32, text: &str| (variant & (1 << bit) != 0).then(|| text.to_string());
        events.push(AuditEvent {
            schema_version: SCHEMA_VERSION,
            timestamp: rfc3339_millis(1_795_420_800_123_000_000 + u64::from(variant)),
            request_id: some(0, "5f1c2a3b-0000-4000-8000-000000000001"),
            trace_id: some(1, "4bf92f3577b34da6a3ce929d0e0e4736"),
            span_id: some(2, "00f067aa0ba902b7"),
            client_id: some(0, awkward),
            source_address: some(1, "[::1]:5555"),
            method: if variant % 2 == 0 { "GET" } else { awkward }.into(),
            host: "api.example.com".into(),
            path: format!("/orders?id={variant}&q={awkward}"),
            status: [0, 200, 401, 503][(variant % 4) as usize],
            outcome: if variant & 1 == 0 {
                EventOutcome::Allowed
            } else {
                EventOutcome::Denied
            },
            decided_by: (variant & 1 == 1).then(|| decision("auth", Some("missing"), None)),
            flagged_by: match variant % 3 {
                0 => vec![],
                1 => vec![decision("screen", Some("sqli"), Some("sqli-001"))],
                _ => vec![
                    decision("cors", Some(awkward), None),
                    decision("screen", None, Some("xss-002")),
                ],
            },
            duration_ms: [
                None,
                Some(0.0),
                Some(1.5),
                Some(0.000_123),
                Some(12_345.678_9),
            ][(variant % 5) as usize],
            request_bytes: (variant & 2 != 0).then_some(120),
            response_bytes: (variant & 4 != 0).then_some(u64::MAX),
            user_agent: some(2, awkward),
        });
    }
    events.push(build_event(facts("/orders?token=SECRET"), end(), &[]));
    events.push(build_event(
        RequestFacts::capture(&HeaderList::default(), 0, &policy("{}")),
        EndFacts::default(),
        &[],
    ));
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(event.to_json(), json);
        // And escaped, as an OTLP body carries it: serde_json's string of the text, unquoted.
        let quoted = serde_json::to_string(&json).unwrap();
        assert_eq!(event.to_embedded_json(), quoted[1..quoted.len() - 1]);
    }
}
