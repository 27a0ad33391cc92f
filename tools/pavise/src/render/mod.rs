//! Turning a bundle into configuration for a proxy: Envoy ([`envoy`]) or Istio ([`istio`]), and
//! the stats configuration both need for Pavise's metric labels ([`stats`]).

pub mod envoy;
pub mod istio;
pub mod stats;
