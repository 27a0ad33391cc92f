//! In both runtimes, the combined filter refuses a bad member policy with the path inside the
//! combined document; it and the standalone filters load policies with an editor's `"$schema"` and
//! a byte order mark. (Its behaviour is tested with the audit scenario in `tests/audit.rs`, run
//! both as a chain of filters and as the combined filter.)

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{assert_refuses_to_start, FilterSpec, Runtime};

fn bad_member_policy_stops_envoy_with_the_combined_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[FilterSpec::new(
            "combined",
            r#"{"audit": {}, "auth": {"keys": [{"id": "k", "client": "c", "sha256": "zz"}], "routes": []}}"#,
        )],
        "$.auth.keys[0].sha256: expected 64 hex characters",
    );
}

/// An editor's `"$schema"` and a byte order mark, in the filters themselves: the standalone
/// modules and the combined one load such policies and decide as usual.
fn policies_with_a_schema_member_and_a_byte_order_mark_load(runtime: Runtime) {
    use pavise_tests::envoy::Stack;
    use pavise_tests::http::get;
    use pavise_tests::policy_text;
    let edited = |name: &str| {
        format!(
            "\u{feff}{}",
            policy_text(&format!("{name}.example.json")).replacen(
                '{',
                &format!("{{\"$schema\": \"./schemas/{name}.schema.json\","),
                1
            )
        )
    };
    let stack = Stack::start(
        runtime,
        &[
            FilterSpec::new("cors", &edited("cors")),
            FilterSpec::new("auth", &edited("auth")),
        ],
        &[],
    );
    assert_eq!(get(stack.addr(), "/healthz", &[]).status, 200);
    assert_eq!(get(stack.addr(), "/api/x", &[]).status, 401);
    drop(stack);

    let combined = format!(
        "\u{feff}{{\"$schema\": \"./combined.schema.json\", \"auth\": {}, \"screen\": {}}}",
        edited("auth").trim_start_matches('\u{feff}'),
        edited("screen").trim_start_matches('\u{feff}')
    );
    let stack = Stack::start(runtime, &[FilterSpec::new("combined", &combined)], &[]);
    assert_eq!(get(stack.addr(), "/healthz", &[]).status, 200);
    assert_eq!(get(stack.addr(), "/api/x", &[]).status, 401);
}

pavise_tests::for_each_runtime!(
    bad_member_policy_stops_envoy_with_the_combined_path,
    policies_with_a_schema_member_and_a_byte_order_mark_load
);
