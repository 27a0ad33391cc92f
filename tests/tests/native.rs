//! End-to-end: the native module (`libpavise_native.so`, Envoy's dynamic modules) in a real
//! Envoy with the example policies, the same decisions, denial bodies, audit events and
//! metrics as the Wasm filters; Envoy's config validation loading it; and its ABI surface held
//! to the pinned Envoy binary, so an Envoy upgrade that changes the ABI fails here.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use object::{Object, ObjectSymbol};
use pavise_tests::demo::demo_filters;
use pavise_tests::envoy::{
    audit_access_log_yaml, bootstrap_on, bootstrap_yaml, config_yaml, read_json_lines,
    upstream_header, upstream_saw, Echo, Envoy, FilterSpec, Runtime, Sink, Stack, TempDir,
};
use pavise_tests::http::{send, Response};
use pavise_tests::process::wait_for;
use pavise_tests::{envoy_executable, native_module_path, policy_text};
use std::collections::BTreeSet;
use std::time::Duration;

/// The example auth policy's key for client `ci` (README).
const CI_KEY: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";

/// The example chain (audit, cors, auth, screen) in the native module, its local audit sink in
/// `dir/audit.jsonl` and its HTTP sink at `sink`.
struct Examples {
    envoy: Envoy,
    sink: Sink,
    dir: TempDir,
    _echo: Echo,
}

fn start_examples() -> Examples {
    let dir = TempDir::new("pavise-native");
    let echo = Echo::start();
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("otlp.jsonl"));
    let audit_log = dir.0.join("audit.jsonl").display().to_string();
    let filters = demo_filters();
    assert_eq!(
        filters.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["audit", "cors", "auth", "screen"]
    );
    let mut b = bootstrap_on(Runtime::Native, &filters, echo.addr);
    b.hcm_extra = audit_access_log_yaml(&audit_log, Runtime::Native);
    b.clusters.push((
        pavise_tests::demo::AUDIT_SINK_CLUSTER.to_string(),
        sink.addr,
    ));
    let envoy = Envoy::start(&bootstrap_yaml(&b), &[]);
    Examples {
        envoy,
        sink,
        dir,
        _echo: echo,
    }
}

fn request(envoy: &Envoy, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    send(envoy.listener, method, path, &headers, None)
}

fn error_code(r: &Response) -> String {
    r.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_example_chain_decides_audits_and_counts_as_the_wasm_filters_do() {
    let s = start_examples();
    let e = &s.envoy;

    // Allowed: the key is checked, stripped, and the client named to the upstream.
    let r = request(e, "GET", "/api/orders", &[("x-api-key", CI_KEY)]);
    let seen = upstream_saw(&r);
    assert_eq!(upstream_header(&seen, "x-client-id"), ["ci"]);
    assert!(upstream_header(&seen, "x-api-key").is_empty());
    // The CORS stage's security headers are on the response.
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));

    // A missing key: 401 from auth.
    let r = request(e, "GET", "/api/orders", &[]);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(error_code(&r), "missing_credentials");

    // A preflight: answered by cors before auth asks for a key.
    let r = request(
        e,
        "OPTIONS",
        "/api/orders",
        &[
            ("origin", "http://localhost:3000"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type, x-api-key"),
        ],
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );

    // A refused origin.
    let r = request(
        e,
        "GET",
        "/api/orders",
        &[
            ("origin", "https://evil.example.net"),
            ("x-api-key", CI_KEY),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(error_code(&r), "cors_forbidden");

    // Screening: an injection in the query, and one in a JSON body (held, inspected, refused).
    let r = request(
        e,
        "GET",
        "/api/orders?q=1%27%20UNION%20SELECT%20password%20FROM%20users--",
        &[("x-api-key", CI_KEY)],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(error_code(&r), "request_blocked");
    let body = br#"{"note": "then <script>alert(document.cookie)</script>"}"#;
    let r = send(
        e.listener,
        "POST",
        "/api/orders",
        &[
            ("x-api-key", CI_KEY.as_bytes()),
            ("content-type", b"application/json"),
        ],
        Some(body),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(error_code(&r), "request_blocked");
    // A clean JSON body goes through whole.
    let r = send(
        e.listener,
        "POST",
        "/api/orders",
        &[
            ("x-api-key", CI_KEY.as_bytes()),
            ("content-type", b"application/json"),
        ],
        Some(br#"{"item": "book", "count": 2}"#),
    );
    let seen = upstream_saw(&r);
    assert_eq!(seen["body"], r#"{"item": "book", "count": 2}"#, "{seen}");

    // One audit event per request in the local sink and at the HTTP sink.
    let requests = 7;
    let local = s.dir.0.join("audit.jsonl");
    wait_for("the audit events", Duration::from_secs(15), || {
        let shipped: usize = s
            .sink
            .bodies()
            .iter()
            .map(|b| {
                b["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                    .as_array()
                    .map_or(0, Vec::len)
            })
            .sum();
        (read_json_lines(&local).len() == requests && shipped == requests).then_some(())
    });
    let events = read_json_lines(&local);
    let missing = events
        .iter()
        .find(|ev| ev["status"] == 401)
        .unwrap_or_else(|| panic!("no event for the 401: {events:?}"));
    assert!(missing.to_string().contains("\"missing\""), "{missing}");
    assert!(
        !std::fs::read_to_string(&local).unwrap().contains(CI_KEY),
        "a key reached the audit log"
    );

    // The same Prometheus series and labels as the Wasm filters.
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="missing"}"#),
        1
    );
    assert!(e.counter(r#"pavise_auth_requests_total{decision="allowed",reason="key"}"#) >= 3);
    assert_eq!(e.counter("pavise_audit_events_total"), requests as u64);
    // Counted on the configuration, from the main thread, as the callouts' answers arrive.
    wait_for("the sink counters", Duration::from_secs(5), || {
        (e.counter("pavise_audit_sink_sent_total") == requests as u64).then_some(())
    });
    assert_eq!(e.counter("pavise_audit_buffer_events"), 0);
    let page = e.prometheus();
    assert!(
        page.contains(
            r#"pavise_decision_duration_microseconds_bucket{filter="auth",phase="headers",le="5"}"#
        ),
        "{page}"
    );
    assert!(!page.contains("dynamicmodulescustom"), "{page}");
}

#[test]
fn a_denial_is_the_same_bytes_as_the_wasm_filters() {
    let auth = [FilterSpec::new("auth", &policy_text("auth.example.json"))];
    let wasm = Stack::start(Runtime::Wasm, &auth, &[]);
    let echo = Echo::start();
    let native = Envoy::start(&config_yaml(Runtime::Native, &auth, echo.addr), &[]);
    let ask = |addr| {
        send(
            addr,
            "GET",
            "/api/orders",
            &[("x-request-id", b"rid-native-1".as_slice())],
            None,
        )
    };
    let (w, n) = (ask(wasm.addr()), ask(native.listener));
    assert_eq!(n.status, 401);
    assert_eq!((n.status, n.text()), (w.status, w.text()));
    for name in ["content-type", "cache-control", "x-request-id"] {
        assert_eq!(n.header_all(name), w.header_all(name), "{name}");
    }
    assert_eq!(
        n.header_all("www-authenticate"),
        w.header_all("www-authenticate")
    );
}

/// `envoy --mode validate` loads the module and each policy; a bad policy is refused with its
/// path-named error.
#[test]
fn envoy_validates_a_native_config_and_refuses_a_bad_policy() {
    let dir = TempDir::new("pavise-native-validate");
    let upstream = "127.0.0.1:9".parse().unwrap();
    let validate = |name: &str, filters: &[FilterSpec]| {
        let path = dir.0.join(name);
        std::fs::write(&path, config_yaml(Runtime::Native, filters, upstream)).unwrap();
        std::process::Command::new(envoy_executable())
            .args(["--mode", "validate", "-c"])
            .arg(&path)
            .output()
            .unwrap()
    };
    let ok = validate("ok.yaml", &demo_filters());
    let log =
        String::from_utf8_lossy(&ok.stdout).to_string() + &String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{log}");
    assert!(log.contains("ABI version v0.2.0 matched"), "{log}");
    assert!(log.contains("pavise.auth: policy loaded"), "{log}");

    let bad = validate(
        "bad.yaml",
        &[FilterSpec::new(
            "auth",
            r#"{"keys": [{"id": "a", "client": "c", "sha256": "00"}]}"#,
        )],
    );
    let log =
        String::from_utf8_lossy(&bad.stdout).to_string() + &String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "{log}");
    assert!(
        log.contains("pavise.auth: policy rejected: $.keys[0].sha256"),
        "{log}"
    );
}

/// Every callback the module calls is one the pinned Envoy exports, every hook it exports is
/// one Envoy looks up, and every HTTP filter hook Envoy looks up is exported.
#[test]
fn the_module_abi_matches_the_pinned_envoy() {
    let module_bytes = std::fs::read(native_module_path()).unwrap();
    let module = object::File::parse(&*module_bytes).unwrap();
    let envoy_bytes = std::fs::read(envoy_executable()).unwrap();
    let envoy = object::File::parse(&*envoy_bytes).unwrap();

    let envoy_exports: BTreeSet<&str> = envoy
        .dynamic_symbols()
        .filter(|s| !s.is_undefined())
        .filter_map(|s| s.name().ok())
        .collect();
    let imported: BTreeSet<&str> = module
        .dynamic_symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok())
        .filter(|n| n.starts_with("envoy_"))
        .collect();
    assert!(imported.len() >= 20, "{imported:?}");
    let missing: Vec<&&str> = imported
        .iter()
        .filter(|n| !envoy_exports.contains(**n))
        .collect();
    assert!(
        missing.is_empty(),
        "callbacks Envoy does not export: {missing:?}"
    );

    let exported: BTreeSet<&str> = module
        .dynamic_symbols()
        .filter(|s| !s.is_undefined() && s.kind() == object::SymbolKind::Text)
        .filter_map(|s| s.name().ok())
        .collect();
    let hooks = envoy_hook_names(&envoy_bytes, &exported);
    let http_hooks: BTreeSet<&str> = hooks
        .iter()
        .map(String::as_str)
        .filter(|h| {
            h.starts_with("envoy_dynamic_module_on_http_filter_")
                || *h == "envoy_dynamic_module_on_program_init"
        })
        .collect();
    assert!(http_hooks.len() >= 13, "{http_hooks:?}");
    let unexported: Vec<&&str> = http_hooks
        .iter()
        .filter(|h| !exported.contains(**h))
        .collect();
    assert!(
        unexported.is_empty(),
        "hooks Envoy resolves that the module lacks: {unexported:?}"
    );
    for name in &exported {
        assert!(
            name.starts_with("envoy_dynamic_module_on_") && hooks.contains(*name),
            "the module exports {name}, which Envoy never looks up"
        );
    }
}

/// The hook names in Envoy's binary: it looks every hook up by name, so each is a string
/// constant there (the hooks are the module's symbols, not Envoy's). The constants sit back to
/// back without separators, so a run of name characters is split where the next hook name
/// begins; only the run's last name may run into unrelated text (`…_completesource`), which is
/// read as the exported hook it starts with unless the text goes on like a longer name (`_…`).
fn envoy_hook_names(binary: &[u8], exported: &BTreeSet<&str>) -> BTreeSet<String> {
    let prefix = "envoy_dynamic_module_on_";
    let mut out = BTreeSet::new();
    let mut at = 0;
    while let Some(found) = find(binary.get(at..).unwrap_or_default(), prefix.as_bytes()) {
        let start = at + found;
        let end = binary[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(binary.len(), |n| start + n);
        let run = String::from_utf8_lossy(&binary[start..end]).into_owned();
        let names: Vec<String> = run
            .split(prefix)
            .filter(|p| !p.is_empty())
            .map(|p| format!("{prefix}{p}"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            let last = i + 1 == names.len();
            let known = exported.iter().find(|e| {
                name.strip_prefix(**e)
                    .is_some_and(|rest| rest.is_empty() || (last && !rest.starts_with('_')))
            });
            out.insert(known.map_or_else(|| name.clone(), |e| (*e).to_string()));
        }
        at = end;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        match haystack[i..].iter().position(|b| *b == first) {
            Some(p) => i += p,
            None => return None,
        }
        if haystack.get(i..i + needle.len()) == Some(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A route's own policy (`DynamicModuleFilterPerRoute`) for the filter `name`, as the YAML of
/// a route's `typed_per_filter_config`, indented for the rendered route list.
fn per_route_yaml(name: &str, policy: &str) -> String {
    let module = yaml_quoted(&native_module_path().display().to_string());
    format!(
        r#"                typed_per_filter_config:
                  pavise.{name}:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilterPerRoute
                    dynamic_module_config: {{ module: {{ local: {{ filename: {module} }} }} }}
                    per_route_config_name: pavise.{name}
                    filter_config:
                      "@type": type.googleapis.com/google.protobuf.StringValue
                      value: {policy}
"#,
        policy = yaml_quoted(policy),
    )
}

fn yaml_quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `config` with a route for `prefix` before the catch-all one, carrying `per_route`.
fn with_route(config: &str, prefix: &str, per_route: &str) -> String {
    let catch_all = "              - match: { prefix: \"/\" }\n";
    assert!(config.contains(catch_all), "{config}");
    config.replacen(
        catch_all,
        &format!(
            "              - match: {{ prefix: \"{prefix}\" }}\n                route: {{ cluster: upstream }}\n{per_route}{catch_all}"
        ),
        1,
    )
}

const PARTNER_KEY: &str = "partner-key-5d0e7c1b9a3f4e6d8c2b1a0f";

fn partner_policy() -> String {
    use sha2::{Digest, Sha256};
    format!(
        r#"{{"keys": [{{"id": "p1", "client": "partner", "sha256": "{}"}}]}}"#,
        hex::encode(Sha256::digest(PARTNER_KEY.as_bytes()))
    )
}

/// A route's own auth policy replaces the filter's on that route only, and counts into the
/// filter's metrics.
#[test]
fn a_route_policy_replaces_the_filter_policy_on_its_route() {
    let auth = [FilterSpec::new("auth", &policy_text("auth.example.json"))];
    let echo = Echo::start();
    let config = with_route(
        &config_yaml(Runtime::Native, &auth, echo.addr),
        "/partner/",
        &per_route_yaml("auth", &partner_policy()),
    );
    let envoy = Envoy::start(&config, &[]);
    let get = |path: &str, key: &str| request(&envoy, "GET", path, &[("x-api-key", key)]);

    let seen = upstream_saw(&get("/api/orders", CI_KEY));
    assert_eq!(upstream_header(&seen, "x-client-id"), ["ci"]);
    let r = get("/partner/orders", CI_KEY);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(error_code(&r), "invalid_credentials");
    let seen = upstream_saw(&get("/partner/orders", PARTNER_KEY));
    assert_eq!(upstream_header(&seen, "x-client-id"), ["partner"]);
    let r = get("/api/orders", PARTNER_KEY);
    assert_eq!(r.status, 401, "{}", r.text());

    assert_eq!(
        envoy.counter(r#"pavise_auth_requests_total{decision="allowed",reason="key"}"#),
        2
    );
    assert_eq!(
        envoy.counter(r#"pavise_auth_requests_total{decision="denied",reason="unknown"}"#),
        2
    );
}

/// A route policy that does not load, or that needs the root's timer and callouts (an audit
/// HTTP sink), refuses the configuration with the reason.
#[test]
fn a_bad_route_policy_is_refused() {
    let echo = Echo::start();
    let auth = [FilterSpec::new("auth", &policy_text("auth.example.json"))];
    let bad = with_route(
        &config_yaml(Runtime::Native, &auth, echo.addr),
        "/partner/",
        &per_route_yaml(
            "auth",
            r#"{"keys": [{"id": "a", "client": "c", "sha256": "00"}]}"#,
        ),
    );
    let failure = Envoy::try_start(&bad, &[])
        .err()
        .expect("Envoy refused the route");
    assert!(
        failure
            .log
            .contains("pavise.auth (per route): policy rejected: $.keys[0].sha256"),
        "{}",
        failure.log
    );

    let audit = [FilterSpec::new("audit", r#"{"sample_allowed": 1.0}"#)];
    let sink = with_route(
        &config_yaml(Runtime::Native, &audit, echo.addr),
        "/partner/",
        &per_route_yaml("audit", r#"{"http": {"cluster": "audit_sink"}}"#),
    );
    let failure = Envoy::try_start(&sink, &[])
        .err()
        .expect("Envoy refused the route");
    assert!(
        failure
            .log
            .contains("a route's policy cannot have an audit HTTP sink"),
        "{}",
        failure.log
    );
}
