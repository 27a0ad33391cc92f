//! Envoy configuration text: the one renderer behind `pavise render envoy`, the shipped demo
//! config (`envoy/`), the end-to-end tests and the benchmarks.
//!
//! Two shapes from the same pieces: a static bootstrap ([`bootstrap_yaml`]), and file-based
//! dynamic config ([`XdsFiles`]): a bootstrap that points Envoy at `lds.yaml` and `cds.yaml` in
//! a watched directory, and a listener whose filters take their configurations from
//! `ecds-<filter>.yaml` there (extension config discovery, [`DiscoveredFilter`]), so rewriting
//! them (atomically, by rename) changes the running Envoy's policies without a restart and
//! without replacing the listener. Both carry the `stats_config` of Pavise's metric labels
//! ([`super::stats`]).
//!
//! Two runtimes ([`Runtime`], [`Modules`]): the proxy-wasm filters, one `.wasm` per filter in
//! Envoy's V8, and the native Envoy dynamic module, one shared library (`libpavise_native.so`)
//! loaded into Envoy's process that serves every filter by its `filter_name`. Both take the same
//! policy JSON as their configuration, sit in the same places in the chain and report the same
//! metrics and audit events; only the `typed_config` of each filter and a few bootstrap lines
//! differ.
//!
//! Code pinning: Envoy checks a `sha256` only for `vm_config.code.remote` (fetched over HTTP);
//! a `local` filename has no digest field. With a directory of `.wasm` files, `pavise render`
//! therefore checks each file's SHA-256 against the bundle manifest before writing the config,
//! and records it in a comment next to the filename. With an `http(s)://` base URL instead
//! ([`CodeUrl`]), the config uses `code.remote` with the manifest's `sha256`, and Envoy itself
//! refuses a module whose digest differs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One Pavise filter in the chain.
#[derive(Debug, Clone)]
pub struct FilterSpec {
    /// Filter crate name without `pavise_`, e.g. `auth`; also the `.wasm` name.
    pub name: String,
    /// The policy JSON handed to the filter as its configuration.
    pub policy: String,
    /// Environment variables Envoy passes into the VM (`host_env_keys`).
    pub env_keys: Vec<String>,
    /// Envoy's `fail_open`: what happens to requests when the VM has failed.
    pub fail_open: bool,
    /// SHA-256 of the `.wasm`, checked by the renderer and recorded in a comment.
    pub wasm_sha256: Option<String>,
}

impl FilterSpec {
    pub fn new(name: &str, policy: &str) -> FilterSpec {
        FilterSpec {
            name: name.to_string(),
            policy: policy.to_string(),
            env_keys: Vec::new(),
            fail_open: false,
            wasm_sha256: None,
        }
    }

    pub fn with_env(mut self, key: &str) -> FilterSpec {
        self.env_keys.push(key.to_string());
        self
    }
}

/// A YAML double-quoted scalar (JSON strings are valid ones).
pub fn yaml_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `text` as the body of a YAML literal block scalar (`|`): every line indented, nothing
/// escaped, so the policy reads in the config exactly as in its file.
pub fn block_scalar(text: &str, indent: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where Envoy fetches the modules from when they are served over HTTP(S):
/// `<base>/pavise_<name>.wasm`, through the cluster [`CODE_CLUSTER`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUrl {
    /// The URL without a trailing `/`.
    pub base: String,
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

/// The cluster Envoy fetches remote modules through.
pub const CODE_CLUSTER: &str = "pavise_wasm_code";

impl CodeUrl {
    /// `Some` if `location` is an `http://` or `https://` URL (else it is a directory); `Err`
    /// if it is one but malformed.
    pub fn parse(location: &str) -> Result<Option<CodeUrl>, String> {
        let (rest, tls, default_port) = if let Some(r) = location.strip_prefix("http://") {
            (r, false, 80)
        } else if let Some(r) = location.strip_prefix("https://") {
            (r, true, 443)
        } else {
            return Ok(None);
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("{location}: bad port '{p}'"))?,
            ),
            None => (authority, default_port),
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(format!(
                "{location}: expected http(s)://host[:port]/path with a DNS name or IPv4 address"
            ));
        }
        Ok(Some(CodeUrl {
            base: location.trim_end_matches('/').to_string(),
            host: host.to_string(),
            port,
            tls,
        }))
    }

    /// The fetch cluster as a list item indented by two spaces.
    fn cluster_yaml(&self, type_url: Option<&str>) -> String {
        let is_ip = self.host.parse::<std::net::Ipv4Addr>().is_ok();
        let tls = if self.tls {
            format!(
                "    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        sni: {}
",
                yaml_string(&self.host)
            )
        } else {
            String::new()
        };
        format!(
            r#"{item}name: {CODE_CLUSTER}
    type: {kind}
    connect_timeout: 5s
    load_assignment:
      cluster_name: {CODE_CLUSTER}
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{ address: {host}, port_value: {port} }}
{tls}"#,
            item = list_item(type_url),
            kind = if is_ip { "STATIC" } else { "STRICT_DNS" },
            host = yaml_string(&self.host),
            port = self.port,
        )
    }
}

/// Which build of the Pavise filters a config runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Runtime {
    /// The proxy-wasm modules (`pavise_<filter>.wasm`) in Envoy's V8: what Istio and every
    /// other proxy-wasm host runs.
    #[default]
    Wasm,
    /// The native Envoy dynamic module (`libpavise_native.so`) in Envoy's own process: for an
    /// Envoy you run yourself.
    Native,
}

impl Runtime {
    /// Both, Wasm first.
    pub const ALL: [Runtime; 2] = [Runtime::Wasm, Runtime::Native];

    /// `wasm` or `native`, as `--runtime` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Wasm => "wasm",
            Runtime::Native => "native",
        }
    }

    /// The filter state key the audit filter publishes each event under, for the local sink's
    /// access log: Envoy files a proxy-wasm property under `wasm.`, while a dynamic module
    /// names its filter state key itself.
    pub fn audit_event_key(self) -> &'static str {
        match self {
            Runtime::Wasm => "wasm.pavise.audit.event",
            Runtime::Native => NATIVE_AUDIT_EVENT_KEY,
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The filter state key of the native module's audit event.
pub const NATIVE_AUDIT_EVENT_KEY: &str = "pavise.audit.event";

/// The Pavise code a config loads, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modules {
    /// `pavise_<filter>.wasm` in this directory (as Envoy sees it), or under this `http(s)://`
    /// base URL ([`CodeUrl`]).
    Wasm(String),
    /// The native dynamic module at this path (as Envoy sees it), the `libpavise_native.so`
    /// that `make build` builds. Envoy loads it once, however many filters name it.
    Native(String),
}

impl Modules {
    pub fn runtime(&self) -> Runtime {
        match self {
            Modules::Wasm(_) => Runtime::Wasm,
            Modules::Native(_) => Runtime::Native,
        }
    }

    /// The filter configuration's type, for an ECDS entry's `type_urls`.
    fn type_url(&self) -> &'static str {
        match self {
            Modules::Wasm(_) => WASM_FILTER_TYPE,
            Modules::Native(_) => NATIVE_FILTER_TYPE,
        }
    }

    /// The `typed_config` of `spec`'s filter, its key indented by `indent`.
    fn typed_config_yaml(&self, spec: &FilterSpec, indent: &str) -> String {
        match self {
            Modules::Wasm(dir) => wasm_typed_config_yaml(spec, indent, dir),
            Modules::Native(path) => native_typed_config_yaml(spec, indent, path),
        }
    }
}

/// The `http_filters` entry for one Pavise filter of `modules`, indented by `indent`.
pub fn filter_yaml_at(spec: &FilterSpec, indent: &str, modules: &Modules) -> String {
    format!(
        "{indent}- name: pavise.{name}\n{}",
        modules.typed_config_yaml(spec, &format!("{indent}  ")),
        name = spec.name
    )
}

/// The `http_filters` entry for one Pavise filter whose `.wasm` is in `wasm_dir`: a directory,
/// or an `http(s)://` base URL ([`CodeUrl`]; then `spec.wasm_sha256` is required and Envoy
/// checks it).
pub fn wasm_filter_yaml_at(spec: &FilterSpec, indent: &str, wasm_dir: &str) -> String {
    filter_yaml_at(spec, indent, &Modules::Wasm(wasm_dir.to_string()))
}

/// The filter's `typed_config` (the Wasm filter with its policy and code), its key indented by
/// `indent`: the body of an `http_filters` entry, and of an ECDS resource ([`ecds_yaml`]).
fn wasm_typed_config_yaml(spec: &FilterSpec, indent: &str, wasm_dir: &str) -> String {
    // The lines below are written for an entry at `indent` minus two spaces.
    let indent = indent.strip_suffix("  ").unwrap_or(indent);
    let env = if spec.env_keys.is_empty() {
        String::new()
    } else {
        format!(
            "\n{indent}        environment_variables:\n{indent}          host_env_keys: [{}]",
            spec.env_keys.join(", ")
        )
    };
    let file = format!(
        "{}/pavise_{}.wasm",
        wasm_dir.trim_end_matches('/'),
        spec.name
    );
    let code = match CodeUrl::parse(wasm_dir) {
        Ok(Some(_)) => format!(
            "{indent}          remote:\n{indent}            http_uri:\n{indent}              uri: {uri}\n{indent}              cluster: {CODE_CLUSTER}\n{indent}              timeout: 10s\n{indent}            sha256: {sha}\n{indent}            retry_policy: {{ num_retries: 3 }}",
            uri = yaml_string(&file),
            sha = yaml_string(spec.wasm_sha256.as_deref().unwrap_or_default()),
        ),
        _ => {
            let pin = match &spec.wasm_sha256 {
                // Envoy has no digest field for local code; the renderer checked this one.
                Some(d) => format!("\n{indent}            # sha256: {d} (checked by pavise render)"),
                None => String::new(),
            };
            format!(
                "{indent}          local:\n{indent}            filename: {}{pin}",
                yaml_string(&file)
            )
        }
    };
    format!(
        r#"{indent}  typed_config:
{indent}    "@type": {WASM_FILTER_TYPE}
{indent}    config:
{indent}      name: pavise_{name}
{indent}      root_id: pavise_{name}
{indent}      fail_open: {fail_open}
{indent}      configuration:
{indent}        "@type": type.googleapis.com/google.protobuf.StringValue
{indent}        value: |
{policy}
{indent}      vm_config:
{indent}        vm_id: pavise_{name}
{indent}        runtime: envoy.wasm.runtime.v8
{indent}        code:
{code}{env}
"#,
        name = spec.name,
        fail_open = spec.fail_open,
        policy = block_scalar(&spec.policy, &format!("{indent}          ")),
    )
}

/// The type of the Wasm HTTP filter's configuration.
const WASM_FILTER_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

/// The type of the dynamic module HTTP filter's configuration.
const NATIVE_FILTER_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter";

/// The native filter's `typed_config`, its key indented by `indent`: the module by file path
/// (Envoy `dlopen`s it; no `ENVOY_DYNAMIC_MODULES_SEARCH_PATH` needed), kept loaded across
/// configuration updates (`do_not_close`), the filter by name (`pavise.<name>`), and the policy
/// as the filter configuration, the same text the Wasm filter takes. There is no `fail_open`:
/// nothing in the module can fail as a VM does, and a hook that fails refuses the request.
/// The policy's `env` key references are read from Envoy's own environment.
fn native_typed_config_yaml(spec: &FilterSpec, indent: &str, module: &str) -> String {
    format!(
        r#"{indent}typed_config:
{indent}  "@type": {NATIVE_FILTER_TYPE}
{indent}  dynamic_module_config:
{indent}    module:
{indent}      local:
{indent}        filename: {file}
{indent}    do_not_close: true
{indent}  filter_name: pavise.{name}
{indent}  filter_config:
{indent}    "@type": type.googleapis.com/google.protobuf.StringValue
{indent}    value: |
{policy}
"#,
        file = yaml_string(module),
        name = spec.name,
        policy = block_scalar(&spec.policy, &format!("{indent}      ")),
    )
}

/// The indentation [`Bootstrap::http_filters`] entries are rendered at.
pub const HTTP_FILTER_INDENT: &str = "          ";

/// The parts of a one-listener, one-upstream Envoy bootstrap that differ between uses.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// Listener and admin ports on 127.0.0.1 (0: ephemeral).
    pub listener_port: u16,
    pub admin_port: u16,
    /// `http_filters` entries before the router, indented by [`HTTP_FILTER_INDENT`].
    pub http_filters: String,
    /// Extra virtual-host settings (e.g. a native filter's `typed_per_filter_config`), indented
    /// by fourteen spaces.
    pub vhost_extra: String,
    /// Extra HTTP connection manager settings (e.g. the audit filter's `access_log`), indented
    /// by ten spaces.
    pub hcm_extra: String,
    pub upstream: SocketAddr,
    /// More clusters by name (e.g. the audit filter's HTTP sink), each one loopback or IP
    /// endpoint.
    pub clusters: Vec<(String, SocketAddr)>,
    /// The Pavise filters of `http_filters`, for the xDS shape ([`XdsFiles`]), which delivers
    /// their configurations by extension config discovery instead of inlining them.
    pub discovered: Vec<DiscoveredFilter>,
    /// Which build of the filters `http_filters` runs (the native one needs a runtime flag
    /// for its metric names, [`admin_yaml`]).
    pub runtime: Runtime,
}

/// One Pavise filter's configuration as its own resource: in the xDS shape the listener only
/// names it, and Envoy reads it from `ecds-<name>.yaml`, so a new policy replaces the filter
/// configuration in place. The listener stays, and the next request on every open connection
/// runs the new policy (a replaced listener would leave its connections on the old one while
/// they drain).
#[derive(Debug, Clone)]
pub struct DiscoveredFilter {
    /// The filter's short name (`auth`); the resource is `pavise.<name>`.
    pub name: String,
    /// The `typed_config` (Wasm or native), its key indented by four spaces.
    pub typed_config: String,
    /// The type of `typed_config`, which the listener's entry accepts.
    pub type_url: &'static str,
}

impl DiscoveredFilter {
    pub fn new(spec: &FilterSpec, modules: &Modules) -> DiscoveredFilter {
        DiscoveredFilter {
            name: spec.name.clone(),
            typed_config: modules.typed_config_yaml(spec, "    "),
            type_url: modules.type_url(),
        }
    }

    /// The file in the xDS directory that holds the configuration.
    pub fn file_name(&self) -> String {
        format!("{XDS_FILTER_PREFIX}{}.yaml", self.name)
    }

    /// The `http_filters` entry that points Envoy at the file, indented by
    /// [`HTTP_FILTER_INDENT`].
    fn entry_yaml(&self, dir: &Path) -> String {
        let i = HTTP_FILTER_INDENT;
        format!(
            "{i}- name: pavise.{name}\n{i}  config_discovery:\n{i}    config_source:\n{i}      resource_api_version: V3\n{i}      path_config_source:\n{i}        path: {path}\n{i}        watched_directory: {{ path: {dir} }}\n{i}    type_urls: [{type_url}]\n",
            name = self.name,
            type_url = self.type_url,
            path = yaml_string(&dir.join(self.file_name()).display().to_string()),
            dir = yaml_string(&dir.display().to_string()),
        )
    }

    /// The resource file: one `TypedExtensionConfig` named like the filter entry.
    fn resource_yaml(&self, version: &str) -> String {
        format!(
            "version_info: {version}\nresources:\n  - \"@type\": {EXTENSION_CONFIG_TYPE}\n    name: pavise.{name}\n{typed}",
            name = self.name,
            typed = self.typed_config,
        )
    }
}

const EXTENSION_CONFIG_TYPE: &str = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";

impl Bootstrap {
    /// Ephemeral ports, `http_filters` before the router, nothing else.
    pub fn new(http_filters: String, upstream: SocketAddr) -> Bootstrap {
        Bootstrap {
            listener_port: 0,
            admin_port: 0,
            http_filters,
            vhost_extra: String::new(),
            hcm_extra: String::new(),
            upstream,
            clusters: Vec::new(),
            discovered: Vec::new(),
            runtime: Runtime::Wasm,
        }
    }
}

/// The audit filter's local sink: a file access log that writes each event the filter
/// published as filter state (under `runtime`'s key), one JSON object per line, and nothing for
/// requests without one (sampled out or out of scope). For [`Bootstrap::hcm_extra`].
pub fn audit_access_log_yaml(path: &str, runtime: Runtime) -> String {
    format!(
        r#"          access_log:
          - name: pavise.audit.local
            filter:
              extension_filter:
                name: envoy.access_loggers.extension_filters.cel
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter
                  expression: "'{key}' in filter_state"
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: {path}
              log_format:
                text_format_source:
                  inline_string: "%FILTER_STATE({key}:PLAIN)%\n"
"#,
        path = yaml_string(path),
        key = runtime.audit_event_key(),
    )
}

/// How a resource starts in a list: plain in a static bootstrap, with its type in an xDS file.
fn list_item(type_url: Option<&str>) -> String {
    match type_url {
        Some(t) => format!("  - \"@type\": {t}\n    "),
        None => "  - ".to_string(),
    }
}

const LISTENER_TYPE: &str = "type.googleapis.com/envoy.config.listener.v3.Listener";
const CLUSTER_TYPE: &str = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

/// The listener as a list item indented by two spaces: one HTTP listener whose only route
/// sends everything to the upstream cluster, through `http_filters` and the router. Paths are
/// normalised as the Pavise route rules expect.
fn listener_yaml(b: &Bootstrap, type_url: Option<&str>) -> String {
    format!(
        r#"{item}name: main
    address:
      socket_address: {{ address: 127.0.0.1, port_value: {listener} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          # Route rules match the normalised path; make Envoy forward that same path.
          normalize_path: true
          merge_slashes: true
          path_with_escaped_slashes_action: REJECT_REQUEST
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
{vhost_extra}              routes:
              - match: {{ prefix: "/" }}
                route: {{ cluster: upstream }}
{hcm_extra}          # Order matters: see Filter::ALL in crates/core/src/filter.rs and the README.
          http_filters:
{filters}          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
"#,
        item = list_item(type_url),
        listener = b.listener_port,
        vhost_extra = b.vhost_extra,
        hcm_extra = b.hcm_extra,
        filters = b.http_filters,
    )
}

/// The upstream cluster and the extra ones, as list items indented by two spaces.
fn clusters_yaml(b: &Bootstrap, type_url: Option<&str>) -> String {
    std::iter::once(("upstream", b.upstream))
        .chain(b.clusters.iter().map(|(n, a)| (n.as_str(), *a)))
        .map(|(name, addr)| static_cluster_yaml(name, addr, type_url))
        .collect()
}

/// One cluster with one IP endpoint, as a list item indented by two spaces.
pub fn static_cluster_yaml(name: &str, addr: SocketAddr, type_url: Option<&str>) -> String {
    format!(
        r#"{item}name: {name}
    type: STATIC
    connect_timeout: 2s
    load_assignment:
      cluster_name: {name}
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{ address: {ip}, port_value: {port} }}
"#,
        item = list_item(type_url),
        name = yaml_string(name),
        ip = addr.ip(),
        port = addr.port(),
    )
}

/// Admin on loopback, the `stats_config`, and for the native runtime the runtime layer its
/// metric names need.
fn admin_yaml(b: &Bootstrap) -> String {
    format!(
        "admin:\n  address:\n    socket_address: {{ address: 127.0.0.1, port_value: {} }}\n{}{}",
        b.admin_port,
        super::stats::envoy_yaml(),
        match b.runtime {
            Runtime::Wasm => "",
            Runtime::Native => NATIVE_RUNTIME_LAYERS,
        }
    )
}

/// Envoy 1.40 prefixes a dynamic module's metrics in its Prometheus output with `envoy_` and
/// the namespace (`envoy_dynamicmodulescustom_pavise_…`) unless this runtime flag registers
/// the namespace to be stripped, as `wasmcustom` always is: with it, both runtimes give the
/// same `pavise_*` series. The admin layer keeps `/runtime_modify` working, as without a
/// `layered_runtime`.
const NATIVE_RUNTIME_LAYERS: &str =
    "# The native module's metrics as the same pavise_* Prometheus series as the Wasm filters'.
layered_runtime:
  layers:
  - name: pavise
    static_layer:
      envoy.reloadable_features.dynamic_modules_strip_custom_stat_prefix: true
  - name: admin
    admin_layer: {}
";

/// A static Envoy bootstrap: the listener and the upstream cluster, admin on loopback.
pub fn bootstrap_yaml(b: &Bootstrap) -> String {
    bootstrap_yaml_with(b, None)
}

/// [`bootstrap_yaml`], plus the cluster remote modules are fetched through, if any.
pub fn bootstrap_yaml_with(b: &Bootstrap, code: Option<&CodeUrl>) -> String {
    format!(
        "{admin}static_resources:\n  listeners:\n{listener}  clusters:\n{cluster}{code}",
        admin = admin_yaml(b),
        listener = listener_yaml(b, None),
        cluster = clusters_yaml(b, None),
        code = code.map(|c| c.cluster_yaml(None)).unwrap_or_default(),
    )
}

/// File names inside an xDS directory.
pub const XDS_BOOTSTRAP: &str = "bootstrap.yaml";
pub const XDS_LISTENERS: &str = "lds.yaml";
pub const XDS_CLUSTERS: &str = "cds.yaml";
/// Each filter's configuration is `ecds-<filter>.yaml` ([`DiscoveredFilter`]).
pub const XDS_FILTER_PREFIX: &str = "ecds-";

/// File-based dynamic configuration: Envoy starts from `bootstrap`, then loads and watches
/// `lds.yaml` and `cds.yaml` in `dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XdsFiles {
    pub bootstrap: String,
    pub listeners: String,
    pub clusters: String,
    /// Each discovered filter's configuration: (file name, text).
    pub filters: Vec<(String, String)>,
}

impl XdsFiles {
    /// The files for `b`, to live in `dir` (the bootstrap names it; make it absolute unless
    /// Envoy runs from a known directory). `version` becomes each resource file's
    /// `version_info`, visible in Envoy's config dump.
    pub fn new(b: &Bootstrap, dir: &Path, version: &str) -> XdsFiles {
        XdsFiles::with_code(b, dir, version, None)
    }

    /// [`XdsFiles::new`], plus the cluster remote modules are fetched through, if any.
    pub fn with_code(b: &Bootstrap, dir: &Path, version: &str, code: Option<&CodeUrl>) -> XdsFiles {
        let source = |file: &str| {
            format!(
                "    resource_api_version: V3\n    path_config_source:\n      path: {path}\n      watched_directory: {{ path: {dir} }}\n",
                path = yaml_string(&dir.join(file).display().to_string()),
                dir = yaml_string(&dir.display().to_string()),
            )
        };
        let bootstrap = format!(
            "node: {{ id: pavise, cluster: pavise }}\n{admin}dynamic_resources:\n  cds_config:\n{cds}  lds_config:\n{lds}",
            admin = admin_yaml(b),
            cds = source(XDS_CLUSTERS),
            lds = source(XDS_LISTENERS),
        );
        let version = yaml_string(version);
        let mut listener = b.clone();
        if !b.discovered.is_empty() {
            listener.http_filters = b.discovered.iter().map(|f| f.entry_yaml(dir)).collect();
        }
        XdsFiles {
            bootstrap,
            listeners: format!(
                "version_info: {version}\nresources:\n{}",
                listener_yaml(&listener, Some(LISTENER_TYPE))
            ),
            filters: b
                .discovered
                .iter()
                .map(|f| (f.file_name(), f.resource_yaml(&version)))
                .collect(),
            clusters: format!(
                "version_info: {version}\nresources:\n{}{}",
                clusters_yaml(b, Some(CLUSTER_TYPE)),
                code.map(|c| c.cluster_yaml(Some(CLUSTER_TYPE)))
                    .unwrap_or_default()
            ),
        }
    }

    /// Writes the files into `dir`, each to a temporary name first and then renamed into
    /// place: Envoy watches the directory for files moved into it, and a rename is atomic, so it
    /// never reads a half-written file. The filter configurations and the clusters go first:
    /// the listener names them. Filter configurations no longer named are removed last.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        write_atomically(&dir.join(XDS_BOOTSTRAP), &self.bootstrap)?;
        for (name, text) in &self.filters {
            write_atomically(&dir.join(name), text)?;
        }
        write_atomically(&dir.join(XDS_CLUSTERS), &self.clusters)?;
        write_atomically(&dir.join(XDS_LISTENERS), &self.listeners)?;
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let stale = name.starts_with(XDS_FILTER_PREFIX)
                && name.ends_with(".yaml")
                && !self.filters.iter().any(|(f, _)| *f == name);
            if stale {
                std::fs::remove_file(dir.join(name))?;
            }
        }
        Ok(())
    }
}

/// Writes `text` to `path` by writing a sibling temporary file and renaming it over `path`.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| format!(".{}.tmp", n.to_string_lossy()))
        .unwrap_or_else(|| ".tmp".to_string());
    tmp.set_file_name(name);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// The Envoy filter entry for one policy of filter `kind`: the policy inlined, the filter's
/// failure policy, the environment variables the policy references, the pinned digest if any.
pub fn filter_spec(
    kind: &crate::filters::FilterKind,
    policy: &[u8],
    wasm_sha256: Option<String>,
) -> FilterSpec {
    let env_keys = (kind.check)(policy).map(|c| c.env_keys).unwrap_or_default();
    FilterSpec {
        name: kind.name.to_string(),
        // Policies that parse are JSON, so UTF-8.
        policy: String::from_utf8_lossy(policy).trim_end().to_string(),
        env_keys,
        fail_open: kind.failure.fail_open(),
        wasm_sha256,
    }
}

/// The filters of a bundle, in chain order, each pinned to the digest in its manifest.
pub fn bundle_filters(bundle: &crate::bundle::Bundle) -> Vec<FilterSpec> {
    bundle
        .chain()
        .into_iter()
        .map(|(kind, policy, entry)| filter_spec(kind, policy, Some(entry.wasm_sha256.clone())))
        .collect()
}

/// Where the rendered Envoy listens and sends traffic.
#[derive(Debug, Clone)]
pub struct EnvoyOptions {
    pub listener_port: u16,
    pub admin_port: u16,
    pub upstream: SocketAddr,
    /// The filters' code as Envoy will see it (paths relative to its working directory, or
    /// absolute): the `.wasm` directory or URL, or the native module.
    pub modules: Modules,
    /// The audit filter's events file (its local sink), when the chain has the audit filter.
    pub audit_log: Option<String>,
    /// Clusters the policies name (e.g. the audit filter's HTTP sink), by name.
    pub clusters: Vec<(String, SocketAddr)>,
}

/// The bootstrap pieces for `filters` (in chain order) with `opts`.
pub fn bootstrap_for(filters: &[FilterSpec], opts: &EnvoyOptions) -> Bootstrap {
    let has_audit = filters.iter().any(|f| f.name == "audit");
    let runtime = opts.modules.runtime();
    Bootstrap {
        listener_port: opts.listener_port,
        admin_port: opts.admin_port,
        http_filters: http_filters(filters, &opts.modules),
        vhost_extra: String::new(),
        hcm_extra: match (&opts.audit_log, has_audit) {
            (Some(path), true) => audit_access_log_yaml(path, runtime),
            _ => String::new(),
        },
        upstream: opts.upstream,
        clusters: opts.clusters.clone(),
        discovered: filters
            .iter()
            .map(|f| DiscoveredFilter::new(f, &opts.modules))
            .collect(),
        runtime,
    }
}

/// `http_filters` entries for `filters`, from `modules`.
pub fn http_filters(filters: &[FilterSpec], modules: &Modules) -> String {
    filters
        .iter()
        .map(|f| filter_yaml_at(f, HTTP_FILTER_INDENT, modules))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bootstrap {
        Bootstrap {
            listener_port: 8080,
            admin_port: 9901,
            http_filters: wasm_filter_yaml_at(
                &FilterSpec::new("auth", "{\n  \"keys\": []\n}").with_env("PAVISE_KEY_X"),
                HTTP_FILTER_INDENT,
                "wasm",
            ),
            vhost_extra: String::new(),
            hcm_extra: String::new(),
            upstream: SocketAddr::from(([127, 0, 0, 1], 8081)),
            clusters: Vec::new(),
            discovered: Vec::new(),
            runtime: Runtime::Wasm,
        }
    }

    #[test]
    fn filter_entry_inlines_policy_and_fails_closed_by_default() {
        let y = wasm_filter_yaml_at(&FilterSpec::new("auth", "{\n  \"a\": 1\n}"), "", "w");
        assert!(y.contains("fail_open: false"), "{y}");
        assert!(
            y.contains("\n          {\n            \"a\": 1\n          }\n"),
            "{y}"
        );
        assert!(y.contains("filename: \"w/pavise_auth.wasm\""), "{y}");
        let mut open = FilterSpec::new("audit", "{}");
        open.fail_open = true;
        open.wasm_sha256 = Some("ab".repeat(32));
        let y = wasm_filter_yaml_at(&open, "", "w");
        assert!(y.contains("fail_open: true"), "{y}");
        assert!(y.contains(&format!("# sha256: {}", "ab".repeat(32))), "{y}");
    }

    #[test]
    fn native_entry_names_the_filter_in_the_module_with_the_policy() {
        let spec = FilterSpec::new("screen", "{\n  \"mode\": \"block\"\n}").with_env("X");
        let modules = Modules::Native("/opt/pavise/libpavise_native.so".into());
        let y = filter_yaml_at(&spec, "", &modules);
        assert!(
            y.starts_with("- name: pavise.screen\n  typed_config:\n"),
            "{y}"
        );
        assert!(y.contains("  filter_name: pavise.screen\n"), "{y}");
        assert!(
            y.contains("filename: \"/opt/pavise/libpavise_native.so\"\n      do_not_close: true\n"),
            "{y}"
        );
        assert!(
            y.contains("      value: |\n        {\n          \"mode\": \"block\"\n        }\n"),
            "{y}"
        );
        // No Wasm settings: the module reads its environment as Envoy's process.
        assert!(!y.contains("vm_config") && !y.contains("fail_open"), "{y}");
        // The combined filter is one filter name of the same module.
        let y = filter_yaml_at(&FilterSpec::new("combined", "{}"), "", &modules);
        assert!(y.contains("filter_name: pavise.combined\n"), "{y}");
    }

    #[test]
    fn native_configs_keep_one_shape_with_their_own_type_and_keys() {
        let opts = |modules: Modules| EnvoyOptions {
            listener_port: 8080,
            admin_port: 9901,
            upstream: SocketAddr::from(([127, 0, 0, 1], 8081)),
            modules,
            audit_log: Some("/tmp/a.jsonl".into()),
            clusters: vec![(
                "audit_sink".into(),
                SocketAddr::from(([127, 0, 0, 1], 4318)),
            )],
        };
        let filters = [
            FilterSpec::new("audit", "{}"),
            FilterSpec::new("auth", "{}"),
        ];
        let wasm = bootstrap_for(&filters, &opts(Modules::Wasm("w".into())));
        let native = bootstrap_for(
            &filters,
            &opts(Modules::Native("n/libpavise_native.so".into())),
        );
        assert_eq!(native.runtime, Runtime::Native);
        let (w, n) = (bootstrap_yaml(&wasm), bootstrap_yaml(&native));
        assert!(
            !w.contains("layered_runtime") && n.contains("layered_runtime:"),
            "{n}"
        );
        assert!(
            w.contains("'wasm.pavise.audit.event' in filter_state"),
            "{w}"
        );
        assert!(
            n.contains(&format!("'{NATIVE_AUDIT_EVENT_KEY}' in filter_state"))
                && n.contains(&format!("%FILTER_STATE({NATIVE_AUDIT_EVENT_KEY}:PLAIN)%")),
            "{n}"
        );
        // Everything but the filters, the audit key and the runtime layer is the same text.
        assert_eq!(
            w.split("http_filters:")
                .last()
                .map(|t| t.split("- name: envoy.filters.http.router").last()),
            n.split("http_filters:")
                .last()
                .map(|t| t.split("- name: envoy.filters.http.router").last()),
        );
        assert!(n.contains("name: \"audit_sink\""), "{n}");
        let x = XdsFiles::new(&native, Path::new("/run/xds"), "v1");
        assert!(x
            .listeners
            .contains(&format!("type_urls: [{NATIVE_FILTER_TYPE}]")));
        assert!(!x.listeners.contains(WASM_FILTER_TYPE));
        assert!(x
            .bootstrap
            .contains("dynamic_modules_strip_custom_stat_prefix: true"));
        assert_eq!(x.filters.len(), 2);
        assert!(x
            .filters
            .iter()
            .all(|(_, t)| t.contains("filter_name: pavise.")));
    }

    #[test]
    fn static_and_dynamic_share_the_listener() {
        let b = sample();
        let s = bootstrap_yaml(&b);
        let x = XdsFiles::new(&b, Path::new("/run/xds"), "v1");
        // The listener body is the same text in both shapes.
        let body = listener_yaml(&b, None);
        let body = body.trim_start_matches("  - ");
        assert!(s.contains(body));
        assert!(x.listeners.contains(body));
        assert!(x.listeners.starts_with("version_info: \"v1\"\nresources:\n  - \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\n    name: main\n"));
        assert!(x
            .bootstrap
            .contains("watched_directory: { path: \"/run/xds\" }"));
        assert!(x.bootstrap.contains("path: \"/run/xds/lds.yaml\""));
        assert!(s.contains("host_env_keys: [PAVISE_KEY_X]"));
    }

    #[test]
    fn remote_code_is_pinned_by_envoy() {
        let mut spec = FilterSpec::new("auth", "{}");
        spec.wasm_sha256 = Some("ab".repeat(32));
        let y = wasm_filter_yaml_at(&spec, "", "http://10.0.0.5:8000/wasm/");
        assert!(
            y.contains("uri: \"http://10.0.0.5:8000/wasm/pavise_auth.wasm\""),
            "{y}"
        );
        assert!(
            y.contains(&format!("sha256: \"{}\"", "ab".repeat(32))),
            "{y}"
        );
        assert!(!y.contains("local:"), "{y}");
        let code = CodeUrl::parse("https://wasm.example.com/m")
            .unwrap()
            .unwrap();
        assert_eq!(
            (code.host.as_str(), code.port, code.tls),
            ("wasm.example.com", 443, true)
        );
        let b = bootstrap_yaml_with(&sample(), Some(&code));
        assert!(
            b.contains("type: STRICT_DNS") && b.contains("sni: \"wasm.example.com\""),
            "{b}"
        );
        assert_eq!(CodeUrl::parse("target/wasm"), Ok(None));
        assert!(CodeUrl::parse("http://x:notaport/").is_err());
        assert!(CodeUrl::parse("http://[::1]/").is_err());
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("pavise-xds-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        XdsFiles::new(&sample(), &dir, "v1").write(&dir).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["bootstrap.yaml", "cds.yaml", "lds.yaml"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
