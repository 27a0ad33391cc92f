//! The four stages as one chain on the fake host, and the Wasm modules' callback lists checked
//! against what the stages implement.

use super::*;
use pavise_core::chain::{self, InMemoryVerdicts, Stages};
use pavise_core::filter::Filter;
use pavise_core::stage::{Flow, Phase};
use pavise_core::testing::FakeHost;

/// The shipped example policies, combined.
fn example() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/combined.example.json"
    ))
    .unwrap()
}

#[test]
fn a_request_without_a_key_is_refused_by_auth_and_audited_with_its_verdict() {
    let mut host = FakeHost::with_request(&[
        (":method", "GET"),
        (":path", "/orders"),
        (":authority", "api.example.com"),
        ("x-request-id", "rid-1"),
    ]);
    let chain = load(&example(), &mut host).unwrap();
    let mut memo = Default::default();
    let mut verdicts = Vec::new();
    let mut stream = InMemoryVerdicts {
        host: &mut host,
        verdicts: &mut verdicts,
    };
    let flow = chain::on_request_headers(Some(&chain), &mut stream, true, &mut memo, FILTER_NAME);
    assert_eq!(flow, Flow::Answered);
    chain.log(&mut stream, &mut memo);
    assert_eq!(host.reply().map(|r| r.status), Some(401));
    assert_eq!(
        host.metric("pavise_auth_requests_total.decision.denied.reason.missing"),
        Some(1)
    );
    assert_eq!(
        host.metric("pavise_screen_passed_total"),
        Some(0),
        "screen never saw it"
    );
    assert!(host.verdicts.is_empty(), "verdicts stay in the module");
    assert_eq!(verdicts.len(), 1);
    let event = String::from_utf8(host.properties["pavise.audit.event"].clone()).unwrap();
    assert!(event.contains("\"missing\""), "{event}");
}

#[test]
fn member_errors_name_their_path() {
    let err = load(br#"{"auth": {"keys": 3}}"#, &mut FakeHost::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("$.auth.keys"), "{err}");
}

/// The callbacks a module's chain implements: what `tools/wasm-trim` must keep.
fn callbacks<L: Stages>() -> Vec<&'static str> {
    let mut phases: Vec<Phase> = Vec::new();
    L::phases(&mut phases);
    phases.sort();
    phases.into_iter().map(Phase::wasm_callback).collect()
}

/// The names listed in `wasm/<module>/callbacks` (comments and blank lines skipped).
fn listed(module: &str) -> Vec<String> {
    let path = format!(
        "{}/../../wasm/{module}/callbacks",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut names: Vec<(Phase, String)> = text
        .lines()
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|name| {
            let phase = ALL_PHASES
                .into_iter()
                .find(|p| p.wasm_callback() == name)
                .unwrap_or_else(|| panic!("{path}: {name} is no phase of a stage"));
            (phase, name.to_string())
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, n)| n).collect()
}

const ALL_PHASES: [Phase; 8] = [
    Phase::RequestHeaders,
    Phase::RequestBody,
    Phase::RequestTrailers,
    Phase::ResponseHeaders,
    Phase::Log,
    Phase::Tick,
    Phase::CalloutResponse,
    Phase::Done,
];

/// Each module's callback list is exactly what its stages implement: a stage that gains a
/// phase fails here until its module keeps the callback (else the trim would remove it and
/// Envoy would never call the phase).
#[test]
fn wasm_callbacks_follow_the_stages() {
    use pavise_audit::stage::AuditStage;
    use pavise_auth::stage::AuthStage;
    use pavise_cors::stage::CorsStage;
    use pavise_screen::stage::ScreenStage;
    let expected = [
        (Filter::Audit, callbacks::<(Option<AuditStage>, ())>()),
        (Filter::Cors, callbacks::<(Option<CorsStage>, ())>()),
        (Filter::Auth, callbacks::<(Option<AuthStage>, ())>()),
        (Filter::Screen, callbacks::<(Option<ScreenStage>, ())>()),
    ];
    for (filter, callbacks) in expected {
        assert_eq!(
            listed(filter.member()),
            callbacks,
            "wasm/{}/callbacks",
            filter.member()
        );
    }
    assert_eq!(
        listed("combined"),
        callbacks::<Combined>(),
        "wasm/combined/callbacks"
    );
}
