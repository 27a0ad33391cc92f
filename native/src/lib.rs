//! The Pavise filters as one Envoy dynamic module (`libpavise_native.so`), loaded by Envoy's
//! `envoy.filters.http.dynamic_modules` filter: the same stages, policies, denials, verdicts,
//! audit events and metrics as the Wasm filters, without a VM between Envoy and the stages.
//!
//! - [`served`]: which chain a configuration runs, by its `filter_name` (`pavise.auth`, …,
//!   `pavise.combined`);
//! - [`config`]: a configuration's chain, one copy per Envoy worker, and its main-thread work
//!   (the audit sink's ticks and callouts);
//! - [`driver`]: one stream's way through the chain, against the host traits only (what the
//!   fuzzer drives through the fake host);
//! - [`host`]: the host traits of `pavise_core::host` over the ABI;
//! - [`metrics`]: the metrics a configuration defined in Envoy;
//! - [`exports`]: the hooks Envoy calls, each catching panics and failing closed.
//!
//! The bindings to the ABI are `pavise_envoy_dm`'s; no decision lives here.

mod config;
pub mod driver;
mod exports;
mod host;
mod metrics;
mod served;
