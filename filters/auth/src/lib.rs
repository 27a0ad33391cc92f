//! Pavise API-key authentication.
//!
//! The policy ([`policy::ApiKeyPolicy`]) lists keys as SHA-256 digests or as references to
//! environment variables that Envoy passes to the VM, never as plaintext. At configure time the
//! policy becomes a [`decision::Authenticator`]: a [`keyring::Keyring`] of digests plus the
//! route rules. Per request, the filter hands it the headers and the time and gets back an
//! [`decision::AuthDecision`]: allow (with the header edits to make) or deny (with a reason).
//!
//! Everything but `stage` and `filter` is plain Rust and unit-tested natively; `stage` (the
//! per-request glue, shared with the combined filter) and `filter` (the standalone Envoy
//! filter) are proxy-wasm code, built only for `wasm32`.

pub mod credential;
pub mod decision;
pub mod keyring;
pub mod policy;

#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod filter;
#[cfg(target_arch = "wasm32")]
pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = "pavise.auth";
