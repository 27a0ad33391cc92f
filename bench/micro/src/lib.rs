//! Inputs shared by the microbenchmarks in `benches/`: realistic requests built once, so the
//! benchmarks time only the decision functions. Run with `make bench-micro`.

use pavise_core::headers::HeaderList;

/// A typical API request as Envoy hands it to a filter.
pub fn typical_request(key: &str, path: &str) -> HeaderList {
    HeaderList::from_pairs(&[
        (":authority", "api.example.com"),
        (":path", path),
        (":method", "GET"),
        (":scheme", "https"),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        ),
        ("accept", "application/json"),
        ("origin", "https://app.example.com"),
        ("x-api-key", key),
        ("x-forwarded-proto", "https"),
        ("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ])
}

/// The example auth policy from `policies/`.
pub fn example_policy(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../policies/{name}.example.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_default()
}
