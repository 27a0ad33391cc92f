//! The proxy-wasm host of every Pavise Wasm filter.
//!
//! - [`wasm`]: [`WasmHost`], the proxy-wasm implementation of the host traits of
//!   [`pavise_core::host`]: every host call as a `Result`, headers as bytes, no panics.
//! - [`header_map`]: header maps across the ABI, read into a [`pavise_core::headers::HeaderList`]
//!   and written back in one pass.
//! - [`chain`]: [`chain::ChainRoot`], the root and stream contexts that run a chain of stages
//!   ([`pavise_core::chain`]) as one Envoy filter; each Wasm crate under `wasm/` is one
//!   `proxy_wasm::main!` over it.
//!
//! No decision and no stage lives here: stages are host-independent and tested natively.

pub mod chain;
pub mod header_map;
pub mod wasm;

pub use wasm::WasmHost;
