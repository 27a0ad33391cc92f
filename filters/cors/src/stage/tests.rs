//! The CORS stage on the fake host, phase by phase: preflights answered, refusals counted and
//! logged, the response headers edited, and a failed host call handled as the docs say.

use super::*;
use pavise_core::chain::{self, Stages};
use pavise_core::stage::Flow;
use pavise_core::testing::FakeHost;

const POLICY: &str = r#"{"mode": "enforce", "routes": [{"name": "api", "match": {"path_prefix": "/"},
    "allow_origins": ["https://app.example.com"], "allow_methods": ["GET", "POST"]}]}"#;

type Chain = (Option<CorsStage>, ());

fn setup(headers: &[(&str, &str)]) -> (FakeHost, Chain) {
    let mut host = FakeHost::with_request(headers);
    let chain = (
        Some(CorsStage::load(POLICY.as_bytes(), &mut host).unwrap()),
        (),
    );
    (host, chain)
}

#[test]
fn an_allowed_origin_gets_its_headers_on_the_response() {
    let (mut host, chain) = setup(&[
        (":method", "GET"),
        (":path", "/x"),
        (":authority", "api.example.com"),
        ("origin", "https://app.example.com"),
    ]);
    let mut memo = Default::default();
    let flow = chain::on_request_headers(Some(&chain), &mut host, true, &mut memo, FILTER_NAME);
    assert_eq!(flow, Flow::Continue);
    host.response_headers = HeaderList::from_pairs(&[(":status", "200")]);
    chain.response_headers(&mut host, &mut memo);
    assert_eq!(
        host.response_headers.get_str("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        host.metric("pavise_cors_requests_total.decision.allowed"),
        Some(1)
    );
    assert_eq!(
        host.metric("pavise_cors_route_requests_total.route.api.decision.allowed"),
        Some(1)
    );
    assert!(host.verdicts.is_empty());
}

#[test]
fn a_preflight_is_answered_here() {
    let (mut host, chain) = setup(&[
        (":method", "OPTIONS"),
        (":path", "/x"),
        (":authority", "api.example.com"),
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "POST"),
    ]);
    let mut memo = Default::default();
    let flow = chain::on_request_headers(Some(&chain), &mut host, true, &mut memo, FILTER_NAME);
    assert_eq!(flow, Flow::Answered);
    assert_eq!(host.reply().map(|r| r.status), Some(204));
    assert_eq!(
        host.metric("pavise_cors_requests_total.decision.preflight"),
        Some(1)
    );
    // The response phase has nothing left to do.
    chain.response_headers(&mut host, &mut memo);
    assert!(host.response_headers.is_empty());
}

#[test]
fn a_foreign_origin_is_refused_counted_logged_and_handed_to_the_audit() {
    let (mut host, chain) = setup(&[
        (":method", "GET"),
        (":path", "/x"),
        (":authority", "api.example.com"),
        ("origin", "https://evil.example.net"),
    ]);
    let flow = chain::on_request_headers(
        Some(&chain),
        &mut host,
        true,
        &mut Default::default(),
        FILTER_NAME,
    );
    assert_eq!(flow, Flow::Answered);
    assert_eq!(host.reply().map(|r| r.status), Some(403));
    assert_eq!(
        host.metric("pavise_cors_route_requests_total.route.api.decision.denied"),
        Some(1)
    );
    assert_eq!(host.verdicts.len(), 1);
    assert_eq!(host.verdicts[0].filter, "cors");
    assert_eq!(host.verdicts[0].outcome, Outcome::Denied);
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("evil.example.net")));
}

#[test]
fn unwritable_response_headers_are_counted_not_refused() {
    let (mut host, chain) = setup(&[
        (":method", "GET"),
        (":path", "/x"),
        (":authority", "api.example.com"),
        ("origin", "https://app.example.com"),
    ]);
    let mut memo = Default::default();
    chain::on_request_headers(Some(&chain), &mut host, true, &mut memo, FILTER_NAME);
    host.fail("edit_response_headers");
    chain.response_headers(&mut host, &mut memo);
    assert!(host.replies.is_empty());
    assert_eq!(
        host.metric("pavise_internal_errors_total.filter.cors"),
        Some(1)
    );
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("response headers left unedited")));
}

#[test]
fn a_preflight_that_cannot_be_answered_fails_closed() {
    let (mut host, chain) = setup(&[
        (":method", "OPTIONS"),
        (":path", "/x"),
        (":authority", "api.example.com"),
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "POST"),
    ]);
    host.fail("send_response");
    let flow = chain::on_request_headers(
        Some(&chain),
        &mut host,
        true,
        &mut Default::default(),
        FILTER_NAME,
    );
    assert_eq!(flow, Flow::Answered);
    assert_eq!(
        host.metric("pavise_internal_errors_total.filter.cors"),
        Some(1)
    );
}

#[test]
fn implements_the_request_and_response_headers() {
    let mut phases = Vec::new();
    Chain::phases(&mut phases);
    assert_eq!(phases, [Phase::RequestHeaders, Phase::ResponseHeaders]);
}
