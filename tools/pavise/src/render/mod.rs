//! Turning a bundle into configuration for a proxy: Envoy ([`envoy`]) or Istio ([`istio`]).

pub mod envoy;
pub mod istio;
