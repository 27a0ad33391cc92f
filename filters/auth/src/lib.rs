//! Pavise API-key authentication.
//!
//! The policy ([`policy::ApiKeyPolicy`]) lists keys as SHA-256 digests or as references to
//! environment variables that Envoy passes to the VM, never as plaintext. At configure time the
//! policy becomes a [`decision::Authenticator`]: a [`keyring::Keyring`] of digests plus the
//! route rules. Per request, the filter hands it the headers and the time and gets back an
//! [`decision::AuthDecision`]: allow (with the header edits to make) or deny (with a reason).
//!
//! Everything is plain Rust and unit-tested natively: `stage` is the per-request work against
//! the host traits of `pavise_core::host`, which the Wasm filter (`wasm/auth`), the combined
//! filter and the native module run.

pub mod credential;
pub mod decision;
pub mod keyring;
pub mod policy;

pub mod stage;

/// The filter's name in logs.
pub const FILTER_NAME: &str = pavise_core::filter::Filter::Auth.name();
