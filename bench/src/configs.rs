//! The Envoy configurations measured side by side: bare Envoy, each Pavise filter alone with its
//! example policy, the Pavise chain and the combined filter, each both as `.wasm` modules and
//! from the native Pavise module, and Envoy's own filters for the same jobs in the same binary.
//!
//! Every config is the same listener, route and upstream; only the HTTP filters differ.

use pavise_tests::demo::Filter;
use pavise_tests::envoy::{
    bootstrap_yaml, filter_yaml_at, wasm_filter_yaml, Bootstrap, FilterSpec, Modules, Runtime,
};
use pavise_tests::workspace_root;
use std::net::SocketAddr;
use std::path::Path;

/// The API key the benchmark requests present: the `ci` demo key of `policies/auth.example.json`.
pub const DEMO_KEY: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";

/// The `Origin` the benchmark requests carry; allowed by the CORS example policy and by the
/// native CORS config below.
pub const DEMO_ORIGIN: &str = "https://app.example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Baseline,
    /// Pavise's `.wasm` filters.
    Pavise,
    /// Pavise's native module (the same filters as an Envoy dynamic module).
    PaviseNative,
    /// Envoy's own filters (what "native" meant here before Pavise had a native module).
    Native,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Baseline => "baseline",
            Family::Pavise => "pavise",
            Family::PaviseNative => "pavise-native",
            Family::Native => "native",
        }
    }

    /// Which build of the Pavise filters a config of this family runs.
    pub fn runtime(self) -> Runtime {
        match self {
            Family::PaviseNative => Runtime::Native,
            _ => Runtime::Wasm,
        }
    }
}

/// One configuration under test.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub name: String,
    pub family: Family,
    /// `http_filters` entries before the router, already indented.
    pub filters: String,
    /// Extra virtual-host settings (native CORS policy).
    pub vhost_extra: String,
}

const INDENT: &str = "          ";

fn pavise_filter(name: &str) -> Option<String> {
    let root = workspace_root();
    let wasm = pavise_tests::wasm_dir().join(format!("pavise_{name}.wasm"));
    let policy =
        std::fs::read_to_string(root.join(format!("policies/{name}.example.json"))).ok()?;
    if !wasm.exists() {
        return None;
    }
    Some(wasm_filter_yaml(
        &FilterSpec::new(name, policy.trim_end()),
        INDENT,
    ))
}

/// The native module as `make build` leaves it (`$PAVISE_NATIVE_MODULE` for another build), if
/// it is there.
fn native_module() -> Option<String> {
    let path = pavise_tests::native_module_file();
    path.exists().then(|| path.display().to_string())
}

/// Pavise filter `name` with its example policy, served by the native module at `module`.
fn pavise_native_filter(module: &str, name: &str) -> Option<String> {
    let policy =
        std::fs::read_to_string(workspace_root().join(format!("policies/{name}.example.json")))
            .ok()?;
    Some(filter_yaml_at(
        &FilterSpec::new(name, policy.trim_end()),
        INDENT,
        &Modules::Native(module.to_string()),
    ))
}

/// The configs of the native module at `module`: each filter alone, the chain of four and the
/// combined filter (none without a module).
fn pavise_native_configs(module: Option<String>) -> Vec<BenchConfig> {
    let mut out = Vec::new();
    let Some(module) = module else {
        return out;
    };
    let mut chain = String::new();
    for name in Filter::ALL.map(Filter::member) {
        if let Some(f) = pavise_native_filter(&module, name) {
            chain.push_str(&f);
            out.push(BenchConfig {
                name: format!("pavise-native-{name}"),
                family: Family::PaviseNative,
                filters: f,
                vhost_extra: String::new(),
            });
        }
    }
    if out.is_empty() {
        return out;
    }
    out.push(BenchConfig {
        name: "pavise-native-chain".into(),
        family: Family::PaviseNative,
        filters: chain,
        vhost_extra: String::new(),
    });
    if let Some(f) = pavise_native_filter(&module, "combined") {
        out.push(BenchConfig {
            name: "pavise-native-combined".into(),
            family: Family::PaviseNative,
            filters: f,
            vhost_extra: String::new(),
        });
    }
    out
}

fn native_api_key_auth() -> String {
    format!(
        r#"{INDENT}- name: envoy.filters.http.api_key_auth
{INDENT}  typed_config:
{INDENT}    "@type": type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth
{INDENT}    credentials:
{INDENT}    - {{ key: {DEMO_KEY}, client: ci }}
{INDENT}    - {{ key: demo-ops-key-41c7e9a0d3f25b86c0aa, client: ops }}
{INDENT}    - {{ key: demo-reader-key-f05b2d8e6c1a4973ab22, client: reader }}
{INDENT}    key_sources:
{INDENT}    - header: x-api-key
{INDENT}    forwarding:
{INDENT}      header: x-client-id
{INDENT}      hide_credentials: true
"#
    )
}

fn native_cors() -> String {
    format!(
        r#"{INDENT}- name: envoy.filters.http.cors
{INDENT}  typed_config:
{INDENT}    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
"#
    )
}

fn native_cors_policy() -> String {
    format!(
        r#"              typed_per_filter_config:
                envoy.filters.http.cors:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                  allow_origin_string_match: [{{ exact: "{DEMO_ORIGIN}" }}]
                  allow_methods: "GET, POST, PUT, DELETE"
                  allow_headers: "content-type, x-api-key, authorization"
                  max_age: "600"
"#
    )
}

fn native_body_size_limit() -> String {
    format!(
        r#"{INDENT}- name: envoy.filters.http.body_size_limit
{INDENT}  typed_config:
{INDENT}    "@type": type.googleapis.com/envoy.extensions.filters.http.body_size_limit.v3.BodySizeLimit
{INDENT}    max_request_bytes: 1048576
"#
    )
}

impl BenchConfig {
    /// Whether requests through this config are audited: the audit filter (alone or in the
    /// chain, `.wasm` or native), or the combined filter with an `audit` member in its policy.
    pub fn audits(&self) -> bool {
        let combined = self.filters.contains("pavise_combined.wasm")
            || self.filters.contains("filter_name: pavise.combined\n");
        self.filters.contains("pavise_audit.wasm")
            || self.filters.contains("filter_name: pavise.audit\n")
            || (combined && self.filters.contains("\"audit\": {"))
    }
}

/// Every configuration that can be built now (a Pavise filter whose `.wasm` or example policy
/// is missing is left out, and said so by the caller).
pub fn all_configs() -> Vec<BenchConfig> {
    let mut out = vec![BenchConfig {
        name: "bare".into(),
        family: Family::Baseline,
        filters: String::new(),
        vhost_extra: String::new(),
    }];
    let mut chain = String::new();
    for name in Filter::ALL.map(Filter::member) {
        if let Some(f) = pavise_filter(name) {
            chain.push_str(&f);
            out.push(BenchConfig {
                name: format!("pavise-{name}"),
                family: Family::Pavise,
                filters: f,
                vhost_extra: String::new(),
            });
        }
    }
    out.push(BenchConfig {
        name: "pavise-chain".into(),
        family: Family::Pavise,
        filters: chain,
        vhost_extra: String::new(),
    });
    let trivial = pavise_tests::wasm_dir().join("pavise_bench_trivial.wasm");
    if trivial.exists() {
        out.push(BenchConfig {
            name: "calibration-trivial".into(),
            family: Family::Baseline,
            filters: wasm_filter_yaml(&FilterSpec::new("bench_trivial", ""), INDENT),
            vhost_extra: String::new(),
        });
        // Four of them in a chain sharing one VM (same `vm_id` and code): what a chain of
        // filters pays when it enters one module.
        let one = wasm_filter_yaml(&FilterSpec::new("bench_trivial", ""), INDENT);
        out.push(BenchConfig {
            name: "calibration-trivial-x4".into(),
            family: Family::Baseline,
            filters: one.repeat(4),
            vhost_extra: String::new(),
        });
        // Four of them in four VMs of their own, as four separate filter modules run: the floor
        // under the chain of four separate Pavise filters.
        out.push(BenchConfig {
            name: "calibration-trivial-x4-vms".into(),
            family: Family::Baseline,
            filters: in_own_vms(&one, "pavise_bench_trivial", 4),
            vhost_extra: String::new(),
        });
    }
    if let Some(f) = pavise_filter("combined") {
        out.push(BenchConfig {
            name: "pavise-combined".into(),
            family: Family::Pavise,
            filters: f,
            vhost_extra: String::new(),
        });
    }
    out.extend(pavise_native_configs(native_module()));
    out.extend([
        BenchConfig {
            name: "native-api_key_auth".into(),
            family: Family::Native,
            filters: native_api_key_auth(),
            vhost_extra: String::new(),
        },
        BenchConfig {
            name: "native-cors".into(),
            family: Family::Native,
            filters: native_cors(),
            vhost_extra: native_cors_policy(),
        },
        BenchConfig {
            name: "native-body_size_limit".into(),
            family: Family::Native,
            filters: native_body_size_limit(),
            vhost_extra: String::new(),
        },
        BenchConfig {
            name: "native-chain".into(),
            family: Family::Native,
            filters: format!(
                "{}{}{}",
                native_cors(),
                native_api_key_auth(),
                native_body_size_limit()
            ),
            vhost_extra: native_cors_policy(),
        },
    ]);
    out
}

/// `n` copies of the filter entry `one` (whose VM is `vm_id`), each in a VM of its own.
fn in_own_vms(one: &str, vm_id: &str, n: usize) -> String {
    (1..=n)
        .map(|i| {
            one.replace(
                &format!("vm_id: {vm_id}\n"),
                &format!("vm_id: {vm_id}_{i}\n"),
            )
        })
        .collect()
}

/// The combined module running only the members `stages` (e.g. `["auth"]`) of its example
/// policy: what each stage costs inside one module, without the per-module cost of running it
/// as a filter of its own. `None` if the module or the policy is missing or a name is unknown.
pub fn combined_part_config(name: &str, stages: &[&str]) -> Option<BenchConfig> {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("policies/combined.example.json")).ok()?;
    let serde_json::Value::Object(mut members) = serde_json::from_str(&text).ok()? else {
        return None;
    };
    if stages.iter().any(|s| !members.contains_key(*s)) {
        return None;
    }
    members.retain(|k, _| stages.contains(&k.as_str()));
    let policy = serde_json::to_string_pretty(&members).ok()?;
    let wasm = pavise_tests::wasm_dir().join("pavise_combined.wasm");
    wasm.exists().then(|| BenchConfig {
        name: name.to_string(),
        family: Family::Pavise,
        filters: wasm_filter_yaml(&FilterSpec::new("combined", &policy), INDENT),
        vhost_extra: String::new(),
    })
}

/// The Pavise configs of `configs` again, with the modules in `dir` (another build), named
/// `<config>@<label>`: to measure a change against the build before it in the same run.
pub fn with_modules_from(configs: &[BenchConfig], label: &str, dir: &Path) -> Vec<BenchConfig> {
    let here = pavise_tests::wasm_dir().display().to_string();
    let there = dir.display().to_string();
    configs
        .iter()
        .filter(|c| c.family == Family::Pavise)
        .map(|c| BenchConfig {
            name: format!("{}@{label}", c.name),
            // Every module path in a Pavise config is `<wasm dir>/pavise_<name>.wasm`.
            filters: c.filters.replace(&here, &there),
            ..c.clone()
        })
        .collect()
}

/// The host-call probe (`bench/probe`) running `ops` on every request.
pub fn probe_config(name: &str, ops: &str) -> BenchConfig {
    BenchConfig {
        name: name.to_string(),
        family: Family::Baseline,
        filters: wasm_filter_yaml(&FilterSpec::new("bench_probe", ops), INDENT),
        vhost_extra: String::new(),
    }
}

/// A complete bootstrap for `config`, listener and admin on ephemeral loopback ports.
pub fn envoy_yaml(config: &BenchConfig, upstream: SocketAddr, audit_sink: SocketAddr) -> String {
    let mut b = Bootstrap::new(config.filters.clone(), upstream);
    b.runtime = config.family.runtime();
    b.vhost_extra = config.vhost_extra.clone();
    b.clusters.push(("audit_sink".to_string(), audit_sink));
    bootstrap_yaml(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy a config carries, read back from its rendered filter.
    fn rendered_members(c: &BenchConfig) -> Vec<&'static str> {
        ["audit", "cors", "auth", "screen"]
            .into_iter()
            .filter(|m| c.filters.contains(&format!("\"{m}\": {{")))
            .collect()
    }

    #[test]
    fn combined_part_keeps_only_the_named_stages() {
        // Needs the built module (`make test` and `make bench` build it first).
        let c = combined_part_config("combined-auth", &["auth"])
            .expect("pavise_combined.wasm built and the example policy readable");
        assert_eq!(c.name, "combined-auth");
        assert_eq!(rendered_members(&c), ["auth"]);
        let c = combined_part_config("x", &["cors", "screen"]).unwrap();
        assert_eq!(rendered_members(&c), ["cors", "screen"]);
        assert!(combined_part_config("x", &["firewall"]).is_none());
        assert!(!combined_part_config("x", &["auth", "cors"])
            .unwrap()
            .audits());
        assert!(combined_part_config("x", &["audit"]).unwrap().audits());
        let configs = all_configs();
        let audits = |name: &str| configs.iter().find(|c| c.name == name).unwrap().audits();
        assert!(audits("pavise-audit") && audits("pavise-chain") && audits("pavise-combined"));
        assert!(!audits("pavise-auth") && !audits("bare") && !audits("native-chain"));
    }

    /// The native module's configs, rendered for a module path: each filter by name,
    /// the chain of four in order, the combined filter, and which of them audit.
    #[test]
    fn native_configs_name_each_filter_of_the_module() {
        let module = std::path::Path::new("/opt/pavise/libpavise_native.so");
        let configs = pavise_native_configs(Some(module.display().to_string()));
        let names: Vec<&str> = configs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "pavise-native-audit",
                "pavise-native-cors",
                "pavise-native-auth",
                "pavise-native-screen",
                "pavise-native-chain",
                "pavise-native-combined"
            ]
        );
        assert!(configs.iter().all(|c| c.family == Family::PaviseNative));
        let chain = &configs[4];
        let order: Vec<&str> = chain
            .filters
            .lines()
            .filter_map(|l| l.trim().strip_prefix("filter_name: "))
            .collect();
        assert_eq!(
            order,
            [
                "pavise.audit",
                "pavise.cors",
                "pavise.auth",
                "pavise.screen"
            ]
        );
        assert_eq!(
            chain.filters.matches(&module.display().to_string()).count(),
            4
        );
        let audits: Vec<bool> = configs.iter().map(BenchConfig::audits).collect();
        assert_eq!(audits, [true, false, false, false, true, true]);
        let yaml = envoy_yaml(
            chain,
            SocketAddr::from(([127, 0, 0, 1], 1)),
            SocketAddr::from(([127, 0, 0, 1], 2)),
        );
        assert!(yaml.contains("dynamic_modules_strip_custom_stat_prefix: true"));
    }

    #[test]
    fn the_separate_calibration_chain_runs_four_vms() {
        // Rendered against a directory that need not exist: `make test` does not build the
        // calibration module, `make bench` does.
        let one = pavise_tests::envoy::wasm_filter_yaml_at(
            &FilterSpec::new("bench_trivial", ""),
            INDENT,
            "/nowhere",
        );
        let vm_ids = |filters: &str| -> Vec<String> {
            let mut ids: Vec<String> = filters
                .lines()
                .filter_map(|l| l.trim().strip_prefix("vm_id: ").map(str::to_string))
                .collect();
            ids.sort();
            ids.dedup();
            ids
        };
        assert_eq!(vm_ids(&one.repeat(4)), ["pavise_bench_trivial"]);
        assert_eq!(
            vm_ids(&in_own_vms(&one, "pavise_bench_trivial", 4)),
            [
                "pavise_bench_trivial_1",
                "pavise_bench_trivial_2",
                "pavise_bench_trivial_3",
                "pavise_bench_trivial_4"
            ]
        );
    }

    #[test]
    fn modules_from_another_build_replace_every_module_path() {
        let here = pavise_tests::wasm_dir().display().to_string();
        let configs = all_configs();
        let chain = configs.iter().find(|c| c.name == "pavise-chain").unwrap();
        assert_eq!(chain.filters.matches(&here).count(), 4);
        let other = with_modules_from(&configs, "before", Path::new("/tmp/before-build"));
        assert!(other.iter().all(|c| c.name.ends_with("@before")));
        assert!(other.iter().all(|c| c.family == Family::Pavise));
        let chain = other
            .iter()
            .find(|c| c.name == "pavise-chain@before")
            .unwrap();
        assert!(!chain.filters.contains(&here));
        assert_eq!(
            chain.filters.matches("/tmp/before-build/pavise_").count(),
            4
        );
    }
}
