//! The screening stage on the fake host, phase by phase: the body held, inspected and refused
//! or let on, a streamed body cut off at the limit, trailers, detect mode, and fail-closed on
//! a failed host call.

use super::*;
use pavise_core::chain::{self, Stages};
use pavise_core::stage::Flow;
use pavise_core::testing::FakeHost;

const POLICY: &str = r#"{
  "limits": {"content_types": ["application/json", "application/octet-stream"],
             "max_body_bytes": 1000, "inspect_body_bytes": 100},
  "routes": [{"match": {"path_prefix": "/beta/"}, "mode": "detect"}]
}"#;

type Chain = (Option<ScreenStage>, ());

/// Bodies only counted, never inspected.
const COUNT_ONLY: &str = r#"{"limits": {"max_body_bytes": 1000}, "detect": {"body": false}}"#;

fn setup(method: &str, path: &str, content_type: &str) -> (FakeHost, Chain) {
    setup_with(POLICY, method, path, content_type)
}

fn setup_with(policy: &str, method: &str, path: &str, content_type: &str) -> (FakeHost, Chain) {
    let mut host = FakeHost::with_request(&[
        (":method", method),
        (":path", path),
        (":authority", "api.test"),
        ("content-type", content_type),
        ("x-request-id", "rid-7"),
    ]);
    let chain = (
        Some(ScreenStage::load(policy.as_bytes(), &mut host).unwrap()),
        (),
    );
    (host, chain)
}

/// The SQL injection findings in `mode`, whatever the rule.
fn sqli_findings(host: &FakeHost, mode: &str) -> i64 {
    host.metric_sum(|n| {
        n.starts_with("pavise_screen_findings_total.category.sqli.")
            && n.ends_with(&format!(".mode.{mode}"))
    })
}

const ATTACK: &str = r#"{"q": "1' OR '1'='1' UNION SELECT password FROM users --"}"#;

#[test]
fn a_clean_get_passes_and_is_counted() {
    let (mut host, chain) = setup("GET", "/items?page=2", "application/json");
    let flow = chain::on_request_headers(
        Some(&chain),
        &mut host,
        true,
        &mut Default::default(),
        FILTER_NAME,
    );
    assert_eq!(flow, Flow::Continue);
    assert_eq!(host.metric("pavise_screen_passed_total"), Some(1));
    assert!(host.verdicts.is_empty());
}

#[test]
fn an_attack_in_a_held_json_body_is_refused_before_any_byte_goes_upstream() {
    let (mut host, chain) = setup("POST", "/items", "application/json");
    let mut memo = Default::default();
    let flow = chain::on_request_headers(Some(&chain), &mut host, false, &mut memo, FILTER_NAME);
    assert_eq!(flow, Flow::HoldForBody);
    host.request_body = ATTACK.as_bytes()[..20].to_vec();
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 20, false, false),
        BodyFlow::Buffer
    );
    host.request_body = ATTACK.as_bytes().to_vec();
    let flow = chain.request_body(&mut host, &mut memo, ATTACK.len(), true, false);
    assert_eq!(flow, BodyFlow::Answered);
    let reply = host.reply().unwrap();
    assert_eq!(reply.status, 403);
    assert!(reply.body_text().contains("rid-7"));
    assert_eq!(sqli_findings(&host, "block"), 1);
    assert_eq!(host.metric("pavise_screen_passed_total"), Some(0));
    assert_eq!(host.verdicts[0].outcome, Outcome::Denied);
    assert_eq!(host.verdicts[0].reason.as_deref(), Some("sqli"));
}

#[test]
fn a_clean_body_ending_with_trailers_is_inspected_at_the_trailers() {
    let (mut host, chain) = setup("POST", "/items", "application/json");
    let mut memo = Default::default();
    chain::on_request_headers(Some(&chain), &mut host, false, &mut memo, FILTER_NAME);
    host.request_body = br#"{"name": "O'Brien"}"#.to_vec();
    let size = host.request_body.len();
    assert_eq!(
        chain.request_body(&mut host, &mut memo, size, false, false),
        BodyFlow::Buffer
    );
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 0, true, true),
        BodyFlow::Continue
    );
    assert_eq!(host.metric("pavise_screen_passed_total"), Some(1));
    assert!(host.replies.is_empty());
}

#[test]
fn detect_mode_flags_and_lets_the_body_on() {
    let (mut host, chain) = setup("POST", "/beta/items", "application/json");
    let mut memo = Default::default();
    chain::on_request_headers(Some(&chain), &mut host, false, &mut memo, FILTER_NAME);
    host.request_body = ATTACK.as_bytes().to_vec();
    let flow = chain.request_body(&mut host, &mut memo, ATTACK.len(), true, false);
    assert_eq!(flow, BodyFlow::Continue);
    assert!(host.replies.is_empty());
    assert_eq!(sqli_findings(&host, "detect"), 1);
    assert_eq!(
        host.metric("pavise_screen_passed_total"),
        Some(0),
        "a flagged request is not a pass"
    );
    assert_eq!(host.verdicts[0].outcome, Outcome::Flagged);
}

#[test]
fn a_streamed_body_is_cut_off_at_max_body_bytes() {
    let (mut host, chain) = setup_with(COUNT_ONLY, "POST", "/upload", "application/octet-stream");
    let mut memo = Default::default();
    let flow = chain::on_request_headers(Some(&chain), &mut host, false, &mut memo, FILTER_NAME);
    assert_eq!(flow, Flow::Continue, "a counted body is not held");
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 600, false, false),
        BodyFlow::Continue
    );
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 600, false, false),
        BodyFlow::Answered
    );
    assert_eq!(host.reply().map(|r| r.status), Some(413));
    assert_eq!(
        host.metric("pavise_screen_limit_refusals_total.limit.body"),
        Some(1)
    );
}

#[test]
fn an_unreadable_body_fails_closed() {
    let (mut host, chain) = setup("POST", "/items", "application/json");
    let mut memo = Default::default();
    chain::on_request_headers(Some(&chain), &mut host, false, &mut memo, FILTER_NAME);
    host.fail("request_body");
    let flow = chain.request_body(&mut host, &mut memo, 10, true, false);
    assert_eq!(flow, BodyFlow::Answered);
    assert_eq!(host.reply().map(|r| r.status), Some(500));
    assert_eq!(
        host.metric("pavise_internal_errors_total.filter.screen"),
        Some(1)
    );
}

#[test]
fn implements_the_request_phases() {
    let mut phases = Vec::new();
    Chain::phases(&mut phases);
    assert_eq!(
        phases,
        [
            Phase::RequestHeaders,
            Phase::RequestBody,
            Phase::RequestTrailers
        ]
    );
}
