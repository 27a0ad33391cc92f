//! The `pavise` command-line tool as a library: the filter table, policy bundles, signatures,
//! key minting, OCI images, and the one Envoy/Istio renderer (also used by the end-to-end tests
//! and the shipped example configs). `main.rs` only calls [`cli::main`].

pub mod bundle;
pub mod cli;
pub mod deployed;
pub mod filters;
pub mod keygen;
pub mod oci;
pub mod render;
pub mod sign;
pub mod yaml;
