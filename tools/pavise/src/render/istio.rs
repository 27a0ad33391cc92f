//! Istio `WasmPlugin` resources for a bundle: one per filter.
//!
//! - `url`: the filter's OCI image (`pavise oci` writes it; push it to the registry), tagged
//!   with the bundle version; or, with [`ModuleSource::Url`], the plain `.wasm` over http(s).
//! - `sha256`: what Istio checks after pulling: for an image its manifest digest (the image is
//!   built deterministically from the `.wasm` the bundle pins, so the digest is computed here
//!   without a registry and equals what `pavise oci` writes); for a plain module its own digest.
//! - `phase` and `priority`: from the filter table, so Istio runs the filters in `CHAIN_ORDER`
//!   (AUTHN before AUTHZ; within a phase, higher priority first).
//! - `pluginConfig`: the policy, as an object (Istio hands it to the filter as JSON).
//! - `failStrategy`: the filter's failure policy (auth: `FAIL_CLOSE`).
//! - `vmConfig.env`: each environment variable the policy references, `valueFrom: HOST`, so the
//!   secret comes from the proxy's environment and never appears in the resource.

use crate::bundle::Bundle;
use crate::oci::WasmImage;
use crate::yaml::to_yaml;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Where Istio pulls the modules from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// OCI images (`pavise oci`) under this registry and path prefix, e.g.
    /// `registry.example.com/platform` (no scheme); `sha256` is the image's manifest digest.
    Registry(String),
    /// Plain `.wasm` files at `<base>/pavise_<filter>.wasm` (http or https); `sha256` is the
    /// module's own digest.
    Url(String),
}

/// Where the modules are and where the resources go.
#[derive(Debug, Clone)]
pub struct IstioOptions {
    pub source: ModuleSource,
    /// Namespace of the `WasmPlugin` resources.
    pub namespace: String,
    /// `spec.selector.matchLabels`; empty: every workload in the namespace.
    pub match_labels: Vec<(String, String)>,
}

/// The OCI repository name of a filter's image.
pub fn image_name(filter: &str) -> String {
    format!("pavise-{filter}")
}

/// One `WasmPlugin` per filter, in chain order. `modules` holds each filter's `.wasm` (already
/// checked against the bundle's digests).
pub fn wasm_plugins(
    bundle: &Bundle,
    modules: &BTreeMap<String, Vec<u8>>,
    opts: &IstioOptions,
) -> Vec<Value> {
    let m = &bundle.manifest;
    bundle
        .chain()
        .into_iter()
        .filter_map(|(kind, policy, _)| {
            let wasm = modules.get(kind.name)?;
            // The bundle validated every policy already; this also yields the env references.
            let checked = (kind.check)(policy).ok()?;
            let config: Value = serde_json::from_slice(policy).ok()?;
            let mut spec = Map::new();
            if !opts.match_labels.is_empty() {
                let labels: Map<String, Value> = opts
                    .match_labels
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect();
                spec.insert("selector".into(), json!({ "matchLabels": labels }));
            }
            let (url, sha256) = match &opts.source {
                ModuleSource::Registry(registry) => (
                    format!(
                        "oci://{}/{}:{}",
                        registry.trim_end_matches('/'),
                        image_name(kind.name),
                        m.version
                    ),
                    WasmImage::new(wasm).manifest_digest(),
                ),
                ModuleSource::Url(base) => (
                    format!("{}/{}", base.trim_end_matches('/'), kind.wasm_file()),
                    crate::bundle::sha256_hex(wasm),
                ),
            };
            spec.insert("url".into(), Value::from(url));
            spec.insert("sha256".into(), Value::from(sha256));
            spec.insert("imagePullPolicy".into(), Value::from("IfNotPresent"));
            spec.insert("phase".into(), Value::from(kind.istio_phase.as_str()));
            spec.insert("priority".into(), Value::from(kind.istio_priority()));
            spec.insert("pluginName".into(), Value::from(kind.root_id()));
            spec.insert("failStrategy".into(), Value::from(kind.failure.istio()));
            spec.insert("pluginConfig".into(), config);
            if !checked.env_keys.is_empty() {
                let env: Vec<Value> = checked
                    .env_keys
                    .iter()
                    .map(|k| json!({"name": k, "valueFrom": "HOST"}))
                    .collect();
                spec.insert("vmConfig".into(), json!({ "env": env }));
            }
            Some(json!({
                "apiVersion": "extensions.istio.io/v1alpha1",
                "kind": "WasmPlugin",
                "metadata": {
                    "name": format!("{}-{}", m.name, kind.name),
                    "namespace": opts.namespace,
                    "labels": {
                        "app.kubernetes.io/part-of": "pavise",
                        "pavise.dev/bundle": m.name,
                    },
                    "annotations": {
                        "pavise.dev/bundle-version": m.version,
                        "pavise.dev/owner": m.owner,
                        "pavise.dev/wasm-sha256": modules
                            .get(kind.name)
                            .map(|w| crate::bundle::sha256_hex(w))
                            .unwrap_or_default(),
                    },
                },
                "spec": Value::Object(spec),
            }))
        })
        .collect()
}

/// The resources as one multi-document YAML stream for `kubectl apply -f`.
pub fn to_yaml_stream(bundle: &Bundle, plugins: &[Value]) -> String {
    let mut out = format!(
        "# Istio WasmPlugins for bundle {} {} (owner: {}), rendered by `pavise render istio`.\n",
        bundle.manifest.name, bundle.manifest.version, bundle.manifest.owner
    );
    for p in plugins {
        out.push_str("---\n");
        out.push_str(&to_yaml(p));
    }
    out
}
