//! Istio `WasmPlugin` resources for a bundle: one per filter.
//!
//! - `url`: the filter's OCI image (`pavise oci` writes it; push it to the registry), tagged
//!   with the bundle version; or, with [`ModuleSource::Url`], the plain `.wasm` over http(s).
//! - `sha256`: what Istio checks after pulling: for an image its manifest digest (the image is
//!   built deterministically from the `.wasm` the bundle pins, so the digest is computed here
//!   without a registry and equals what `pavise oci` writes); for a plain module its own digest.
//! - `phase` and `priority`: from the filter table, so Istio runs the filters in chain order
//!   (`Filter::ALL`; AUTHN before AUTHZ, within a phase higher priority first).
//! - `pluginConfig`: the policy, as an object (Istio hands it to the filter as JSON).
//! - `failStrategy`: the filter's failure policy (auth: `FAIL_CLOSE`).
//! - `vmConfig.env`: each environment variable the policy references, `valueFrom: HOST`, so the
//!   secret comes from the proxy's environment and never appears in the resource.
//! - `match`: the traffic the filters apply to, `SERVER` (the workload's inbound requests) by
//!   default: in a mesh a plugin without `match` also runs on the workload's own outbound calls,
//!   where auth would refuse them. [`TrafficMode`] chooses client-side use.
//! - the audit filter's HTTP sink: with [`IstioOptions::otlp_service`], its `http.cluster` is
//!   the sidecar's outbound cluster for that service (`outbound|4318||otel-collector.
//!   observability.svc.cluster.local`): the cluster a policy names for plain Envoy does not
//!   exist in a mesh.

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
    /// The traffic the plugins apply to (`spec.match[].mode`).
    pub mode: TrafficMode,
    /// The OpenTelemetry Collector's service for the audit filter's HTTP sink.
    pub otlp_service: Option<MeshService>,
}

/// Istio's `WasmPlugin.spec.match[].mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TrafficMode {
    /// Requests the workload receives (its sidecar's inbound listener).
    #[default]
    Server,
    /// Requests the workload sends (outbound): e.g. an egress gateway or a client policy.
    Client,
    /// Both.
    ClientAndServer,
}

impl TrafficMode {
    pub fn istio(self) -> &'static str {
        match self {
            TrafficMode::Server => "SERVER",
            TrafficMode::Client => "CLIENT",
            TrafficMode::ClientAndServer => "CLIENT_AND_SERVER",
        }
    }
}

/// A Kubernetes service as Istio names it: `name.namespace` (or its full
/// `name.namespace.svc.cluster.local`) and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshService {
    /// The fully qualified host, `name.namespace.svc.cluster.local`.
    pub host: String,
    pub port: u16,
}

impl MeshService {
    /// Parses `name.namespace:port` or `name.namespace.svc.<domain>:port`.
    pub fn parse(text: &str) -> Result<MeshService, String> {
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("{text}: expected SERVICE.NAMESPACE:PORT"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{text}: the port must be a number from 1 to 65535"))?;
        let labels: Vec<&str> = host.split('.').collect();
        let dns_label = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if labels.len() < 2 || !labels.iter().all(dns_label) {
            return Err(format!(
                "{text}: expected SERVICE.NAMESPACE:PORT (lowercase DNS labels), e.g. \
                 otel-collector.observability:4318"
            ));
        }
        let host = if labels.len() == 2 {
            format!("{host}.svc.cluster.local")
        } else {
            host.to_string()
        };
        Ok(MeshService { host, port })
    }

    /// The sidecar's outbound cluster for this service: `outbound|PORT||HOST`.
    pub fn outbound_cluster(&self) -> String {
        format!("outbound|{}||{}", self.port, self.host)
    }
}

/// Why the resources cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IstioError {
    /// `--otlp-service` was given but the bundle's audit policy has no HTTP sink.
    OtlpServiceWithoutSink,
}

impl std::fmt::Display for IstioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IstioError::OtlpServiceWithoutSink => write!(
                f,
                "--otlp-service: the bundle's audit policy has no \"http\" sink to point at it"
            ),
        }
    }
}

impl std::error::Error for IstioError {}

/// The audit policy with its HTTP sink pointed at `service`'s outbound cluster, and the
/// `:authority` the service answers to (unless the policy sets one).
fn audit_config_for_mesh(mut config: Value, service: &MeshService) -> Result<Value, IstioError> {
    let Some(http) = config.get_mut("http").and_then(Value::as_object_mut) else {
        return Err(IstioError::OtlpServiceWithoutSink);
    };
    http.insert("cluster".into(), Value::from(service.outbound_cluster()));
    http.entry("authority")
        .or_insert_with(|| Value::from(format!("{}:{}", service.host, service.port)));
    Ok(config)
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
) -> Result<Vec<Value>, IstioError> {
    let m = &bundle.manifest;
    if let Some(service) = &opts.otlp_service {
        let audit = bundle
            .policies
            .get("audit")
            .and_then(|p| serde_json::from_slice::<Value>(p).ok());
        audit_config_for_mesh(audit.unwrap_or(Value::Null), service)?;
    }
    let plugins = bundle
        .chain()
        .into_iter()
        .filter_map(|(kind, policy, _)| {
            let wasm = modules.get(kind.name)?;
            // The bundle validated every policy already; this also yields the env references.
            let checked = (kind.check)(policy).ok()?;
            let mut config: Value = serde_json::from_slice(policy).ok()?;
            if let (Some(service), "audit") = (&opts.otlp_service, kind.name) {
                config = audit_config_for_mesh(config, service).ok()?;
            }
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
            spec.insert("match".into(), json!([{ "mode": opts.mode.istio() }]));
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
        .collect();
    Ok(plugins)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// A bundle of the example audit and auth policies, with stand-in modules.
    fn bundle(tag: &str) -> (Bundle, BTreeMap<String, Vec<u8>>) {
        let dir = std::env::temp_dir().join(format!("pavise-istio-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        for f in ["audit", "auth"] {
            std::fs::copy(
                examples.join(format!("{f}.example.json")),
                dir.join(format!("{f}.json")),
            )
            .unwrap();
            std::fs::write(dir.join(format!("pavise_{f}.wasm")), b"\0asm\x01\0\0\0").unwrap();
        }
        std::fs::write(
            dir.join("bundle.json"),
            r#"{"name":"edge","version":"2.0.0","owner":"platform"}"#,
        )
        .unwrap();
        let b = Bundle::from_dir(&dir, &dir).unwrap();
        let modules = b.wasm_modules(&dir).unwrap();
        (b, modules)
    }

    fn opts(mode: TrafficMode, otlp: Option<&str>) -> IstioOptions {
        IstioOptions {
            source: ModuleSource::Registry("registry.example.com/platform".into()),
            namespace: "edge".into(),
            match_labels: vec![],
            mode,
            otlp_service: otlp.map(|s| MeshService::parse(s).unwrap()),
        }
    }

    /// The WasmPlugin CRD's v1alpha1 schema from `../shared/istio/` beside the repository, if
    /// this checkout has it.
    fn crd_schema() -> Option<Value> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let candidates = [
            repo.join("../shared/istio/wasmplugins.extensions.istio.io.crd.yaml"),
            repo.join("../../shared/istio/wasmplugins.extensions.istio.io.crd.yaml"),
        ];
        let path: PathBuf = candidates.into_iter().find(|p| p.exists())?;
        let crd: Value = serde_yaml::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        crd["spec"]["versions"]
            .as_array()?
            .iter()
            .find(|v| v["name"] == "v1alpha1")
            .map(|v| v["schema"]["openAPIV3Schema"].clone())
    }

    fn assert_valid(plugins: &[Value]) {
        let Some(schema) = crd_schema() else {
            eprintln!("skipped: no ../shared/istio/wasmplugins.extensions.istio.io.crd.yaml");
            return;
        };
        let validator = jsonschema::validator_for(&schema).unwrap();
        for p in plugins {
            let errors: Vec<String> = validator
                .iter_errors(p)
                .map(|e| format!("{e} at {}", e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{errors:?}\n{p:#}");
        }
    }

    /// Every plugin applies to inbound requests only unless told otherwise: without `match`,
    /// auth would also refuse the workload's own outbound calls.
    #[test]
    fn plugins_match_server_traffic_by_default() {
        let (b, modules) = bundle("mode");
        let plugins = wasm_plugins(&b, &modules, &opts(TrafficMode::default(), None)).unwrap();
        assert_eq!(plugins.len(), 2);
        for p in &plugins {
            assert_eq!(p["spec"]["match"], json!([{"mode": "SERVER"}]), "{p:#}");
        }
        assert_valid(&plugins);
        let client = wasm_plugins(&b, &modules, &opts(TrafficMode::Client, None)).unwrap();
        assert_eq!(client[0]["spec"]["match"], json!([{"mode": "CLIENT"}]));
        let both = wasm_plugins(&b, &modules, &opts(TrafficMode::ClientAndServer, None)).unwrap();
        assert_eq!(
            both[1]["spec"]["match"],
            json!([{"mode": "CLIENT_AND_SERVER"}])
        );
        assert_valid(&both);
        // Without --otlp-service the audit policy is rendered unchanged.
        assert_eq!(
            plugins[0]["spec"]["pluginConfig"]["http"]["cluster"],
            "audit_sink"
        );
    }

    #[test]
    fn audit_sink_becomes_the_collectors_outbound_cluster() {
        let (b, modules) = bundle("otlp");
        let plugins = wasm_plugins(
            &b,
            &modules,
            &opts(
                TrafficMode::Server,
                Some("otel-collector.observability:4318"),
            ),
        )
        .unwrap();
        let audit = &plugins[0];
        assert_eq!(audit["metadata"]["name"], "edge-audit");
        let http = &audit["spec"]["pluginConfig"]["http"];
        assert_eq!(
            http["cluster"],
            "outbound|4318||otel-collector.observability.svc.cluster.local"
        );
        assert_eq!(
            http["authority"],
            "otel-collector.observability.svc.cluster.local:4318"
        );
        assert_eq!(http["path"], "/v1/logs", "the rest of the policy is kept");
        // The rewritten policy is still a valid audit policy.
        pavise_audit::policy::parse(audit["spec"]["pluginConfig"].to_string().as_bytes()).unwrap();
        // Other filters are untouched.
        assert!(plugins[1]["spec"]["pluginConfig"].get("http").is_none());
        assert_valid(&plugins);
    }

    #[test]
    fn otlp_service_needs_an_http_sink() {
        let (mut b, modules) = bundle("nosink");
        b.policies
            .insert("audit".into(), br#"{"local": {"enabled": true}}"#.to_vec());
        assert_eq!(
            wasm_plugins(
                &b,
                &modules,
                &opts(TrafficMode::Server, Some("otel.obs:4318"))
            )
            .unwrap_err(),
            IstioError::OtlpServiceWithoutSink
        );
    }

    #[test]
    fn mesh_service_names() {
        let s = MeshService::parse("otel-collector.observability:4318").unwrap();
        assert_eq!(
            s.outbound_cluster(),
            "outbound|4318||otel-collector.observability.svc.cluster.local"
        );
        let full = MeshService::parse("otel.obs.svc.mesh.example:4317").unwrap();
        assert_eq!(
            full.outbound_cluster(),
            "outbound|4317||otel.obs.svc.mesh.example"
        );
        for bad in [
            "otel-collector:4318",
            "otel.observability",
            "otel.observability:0",
            "otel.observability:http",
            "Otel.observability:4318",
            "otel..observability:4318",
            "-otel.observability:4318",
        ] {
            assert!(MeshService::parse(bad).is_err(), "{bad}");
        }
    }
}
