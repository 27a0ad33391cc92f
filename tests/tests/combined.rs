//! The combined filter refuses a bad member policy with the path inside the combined document.
//! (Its behaviour is tested with the audit scenario in `tests/audit.rs`, run both as a chain of
//! filters and as the combined filter.)

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{config_yaml, Echo, Envoy, FilterSpec};

#[test]
fn bad_member_policy_stops_envoy_with_the_combined_path() {
    let echo = Echo::start();
    let bad = r#"{"audit": {}, "auth": {"keys": [{"id": "k", "client": "c", "sha256": "zz"}],
                  "routes": []}}"#;
    let config = config_yaml(&[FilterSpec::new("combined", bad)], echo.addr);
    let failure = match Envoy::try_start(&config, &[]) {
        Ok(_) => panic!("Envoy started with a bad policy"),
        Err(f) => f,
    };
    assert_eq!(failure.exit_code, Some(1), "{}", failure.log);
    assert!(
        failure
            .log
            .contains("$.auth.keys[0].sha256: expected 64 hex characters"),
        "{}",
        failure.log
    );
}
