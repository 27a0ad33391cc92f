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

use pavise_tests::envoy::{assert_refuses_to_start, FilterSpec};

#[test]
fn bad_member_policy_stops_envoy_with_the_combined_path() {
    assert_refuses_to_start(
        &[FilterSpec::new(
            "combined",
            r#"{"audit": {}, "auth": {"keys": [{"id": "k", "client": "c", "sha256": "zz"}], "routes": []}}"#,
        )],
        "$.auth.keys[0].sha256: expected 64 hex characters",
    );
}
