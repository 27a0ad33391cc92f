//! The metrics as Prometheus users see them, end to end: a Prometheus server (Debian's
//! `prometheus` package, `make test-deps`) scrapes a real Envoy running the demo chain (in each
//! runtime: the same series from the `.wasm` filters and the native module) with the
//! config the CLI renders, and every series the shipped Grafana dashboard
//! (`deploy/grafana/pavise.json`) and alert rules (`deploy/prometheus/pavise-alerts.yaml`) use
//! is queried from its HTTP API, with the labels they select and group by. The rules pass
//! `promtool check rules` and evaluate without error in that server.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::demo::{demo_config, DemoPorts};
use pavise_tests::envoy::{Echo, Envoy, Runtime, Sink, TempDir};
use pavise_tests::http::{get, send};
use pavise_tests::process::{spawn_logged, wait_for, Child};
use pavise_tests::{free_port, workspace_root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const CI_KEY: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";
/// How long Prometheus may take to start, scrape and evaluate.
const LIMIT: Duration = Duration::from_secs(60);

fn rules_path() -> PathBuf {
    workspace_root().join("deploy/prometheus/pavise-alerts.yaml")
}

fn dashboard_path() -> PathBuf {
    workspace_root().join("deploy/grafana/pavise.json")
}

/// A program from `make test-deps`.
fn tool(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{name} is missing: run `make test-deps` (Debian's prometheus package)"
    );
    Command::new(name)
}

/// The PromQL expressions of the alert rules (one `expr:` line each).
fn rule_expressions() -> Vec<String> {
    let text = std::fs::read_to_string(rules_path()).unwrap();
    let exprs: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr: "))
        .map(str::to_string)
        .collect();
    assert!(exprs.len() >= 4, "sink, buffer, denials, internal errors");
    exprs
}

/// The PromQL expressions of the dashboard's panels and variables, Grafana's variables given
/// the values Grafana would (all instances, a one-minute rate window).
fn dashboard_expressions() -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("expr", Value::String(e)) => out.push(e.clone()),
                        ("definition", Value::String(e)) => out.push(e.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(dashboard_path()).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&dashboard, &mut out);
    assert!(out.len() >= 10, "{out:?}");
    out.into_iter()
        .map(|e| {
            // label_values(METRIC, LABEL) is Grafana's, not PromQL: the series it lists.
            if let Some(args) = e
                .strip_prefix("label_values(")
                .and_then(|r| r.strip_suffix(')'))
            {
                let (metric, label) = args.split_once(',').unwrap();
                return format!("count by ({}) ({})", label.trim(), metric.trim());
            }
            e.replace("$__rate_interval", "1m")
                .replace("\"$instance\"", "\".*\"")
        })
        .collect()
}

/// A selector in an expression: the metric and its label matchers as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Selector {
    metric: String,
    matchers: String,
}

impl Selector {
    fn all_in(expr: &str) -> Vec<Selector> {
        let mut out = Vec::new();
        let mut rest = expr;
        while let Some(i) = rest.find("pavise_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            let metric = tail[..end].to_string();
            let after = &tail[end..];
            let matchers = if after.starts_with('{') {
                after[..=after.find('}').unwrap()].to_string()
            } else {
                String::new()
            };
            out.push(Selector { metric, matchers });
            rest = &tail[end..];
        }
        out
    }

    fn promql(&self) -> String {
        format!("{}{}", self.metric, self.matchers)
    }
}

/// The labels an expression groups by (`by (a, b)`), which its series must carry.
fn grouping_labels(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = expr;
    while let Some(i) = rest.find("by (") {
        let tail = &rest[i + 4..];
        let end = tail.find(')').unwrap();
        out.extend(
            tail[..end]
                .split(',')
                .map(|l| l.trim().to_string())
                // Prometheus's own: the scrape target, and the bucket bound of a histogram.
                .filter(|l| !l.is_empty() && l != "instance" && l != "le"),
        );
        rest = &tail[end..];
    }
    out
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Prometheus server scraping Envoy's admin every second, with the shipped rules loaded.
struct Prometheus {
    addr: SocketAddr,
    _child: Child,
    _dir: TempDir,
}

impl Prometheus {
    fn start(envoy_admin: SocketAddr) -> Prometheus {
        let dir = TempDir::new("pavise-prometheus");
        let config = dir.0.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\n\
                 rule_files: [{rules:?}]\n\
                 scrape_configs:\n\
                 - job_name: envoy\n\
                 \x20 metrics_path: /stats/prometheus\n\
                 \x20 static_configs: [{{ targets: [\"{envoy_admin}\"] }}]\n",
                rules = rules_path().display().to_string(),
            ),
        )
        .unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut cmd = tool("prometheus");
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .current_dir(&dir.0);
        let child = spawn_logged("prometheus", cmd, &dir.0.join("prometheus.log"));
        let p = Prometheus {
            addr,
            _child: child,
            _dir: dir,
        };
        wait_for("Prometheus to be ready", LIMIT, || {
            pavise_tests::http::try_get(addr, "/-/ready")
                .ok()
                .filter(|r| r.status == 200)
        });
        p
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.0.join("prometheus.log")).unwrap_or_default()
    }

    /// `GET /api/v1/<path>`: the `data` of a successful answer, or the error.
    fn api(&self, path: &str) -> Result<Value, String> {
        let r = get(self.addr, &format!("/api/v1/{path}"), &[]);
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| format!("{e}: {}", r.text()))?;
        if v["status"] == "success" {
            Ok(v["data"].clone())
        } else {
            Err(r.text())
        }
    }

    fn query(&self, expr: &str) -> Result<Value, String> {
        self.api(&format!("query?query={}", url_encode(expr)))
    }

    /// The label sets of the series `selector` matches.
    fn series(&self, selector: &str) -> Vec<serde_json::Map<String, Value>> {
        self.api(&format!("series?match[]={}", url_encode(selector)))
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_object().unwrap().clone())
            .collect()
    }
}

/// Requests that make every filter decide: allowed, refused, preflight, findings, a body.
fn traffic(envoy: &Envoy) {
    let key = [("x-api-key", CI_KEY)];
    assert_eq!(get(envoy.listener, "/api/orders", &key).status, 200);
    assert_eq!(get(envoy.listener, "/api/orders", &[]).status, 401);
    assert_eq!(get(envoy.listener, "/healthz", &[]).status, 200);
    let preflight = [
        ("origin", "http://localhost:3000"),
        ("access-control-request-method", "PUT"),
    ];
    let r = send(
        envoy.listener,
        "OPTIONS",
        "/api/orders",
        &preflight.map(|(n, v)| (n, v.as_bytes())),
        None,
    );
    assert_eq!(r.status, 204);
    let evil = [
        ("origin", "https://evil.example.net"),
        ("x-api-key", CI_KEY),
    ];
    assert_eq!(get(envoy.listener, "/api/orders", &evil).status, 403);
    let sqli = get(envoy.listener, "/api/orders?id=1%27%20or%201%3D1--", &key);
    assert_eq!(sqli.status, 403, "{}", sqli.text());
    let body = send(
        envoy.listener,
        "POST",
        "/api/orders",
        &[
            ("x-api-key", CI_KEY.as_bytes()),
            ("content-type", b"application/json"),
        ],
        Some(br#"{"item": "book", "quantity": 2}"#),
    );
    assert_eq!(body.status, 200, "{}", body.text());
}

#[test]
fn shipped_alert_rules_pass_promtool() {
    let out = tool("promtool")
        .arg("check")
        .arg("rules")
        .arg(rules_path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("SUCCESS"), "{text}");
}

fn prometheus_finds_every_series_the_dashboard_and_the_rules_use(runtime: Runtime) {
    let echo = Echo::start();
    let audit = TempDir::new("pavise-metrics-audit");
    let sink = Sink::start("127.0.0.1:0", &audit.0.join("otlp.jsonl"));
    let ports = DemoPorts {
        listener: 0,
        admin: 0,
        upstream: echo.addr,
        modules: pavise_tests::built_modules(runtime),
        audit_log: audit.0.join("audit.jsonl").display().to_string(),
        audit_sink: sink.addr,
    };
    let envoy = Envoy::start(&demo_config(&ports), &[]);
    traffic(&envoy);
    let prometheus = Prometheus::start(envoy.admin);

    // Scraped, with the histograms in (Envoy publishes them at its stats flush, every 5 s).
    wait_for("Prometheus to scrape Envoy's histograms", LIMIT, || {
        let v = prometheus
            .query("count(pavise_decision_duration_microseconds_count)")
            .ok()?;
        let n: f64 = v["result"][0]["value"][1].as_str()?.parse().ok()?;
        (n >= 5.0).then_some(())
    });

    let mut expressions = rule_expressions();
    expressions.extend(dashboard_expressions());
    let mut checked = BTreeSet::new();
    for expr in &expressions {
        prometheus
            .query(expr)
            .unwrap_or_else(|e| panic!("{expr}: Prometheus refuses it: {e}"));
        let selectors = Selector::all_in(expr);
        assert!(!selectors.is_empty(), "{expr}: no Pavise metric");
        let mut label_sets = Vec::new();
        for s in &selectors {
            let series = prometheus.series(&s.promql());
            assert!(
                !series.is_empty(),
                "{expr}: no series {} at Envoy's /stats/prometheus",
                s.promql()
            );
            label_sets.extend(series);
            checked.insert(s.clone());
        }
        for label in grouping_labels(expr) {
            assert!(
                label_sets.iter().any(|l| l.contains_key(&label)),
                "{expr}: no series carries the label {label:?}: {label_sets:?}"
            );
        }
    }
    println!("{} selectors checked: {checked:?}", checked.len());

    // Each filter's decisions are labelled as the docs say.
    for (selector, labels) in [
        (
            r#"pavise_auth_requests_total{decision="denied",reason="missing"}"#,
            1.0,
        ),
        (
            r#"pavise_auth_requests_total{decision="allowed",reason="key"}"#,
            2.0,
        ),
        (r#"pavise_cors_requests_total{decision="preflight"}"#, 1.0),
        (
            r#"pavise_cors_requests_total{decision="denied",reason="origin_not_allowed"}"#,
            1.0,
        ),
        (
            r#"pavise_screen_findings_total{category="sqli",mode="block"}"#,
            1.0,
        ),
    ] {
        let v = prometheus.query(&format!("sum({selector})")).unwrap();
        let n: f64 = v["result"][0]["value"][1]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        assert!(n >= labels, "{selector} = {n}, expected at least {labels}");
    }

    // Every rule evaluated without error.
    wait_for("every rule to be evaluated", LIMIT, || {
        let data = prometheus.api("rules").ok()?;
        let rules: Vec<Value> = data["groups"]
            .as_array()?
            .iter()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        let evaluated = rules.iter().all(|r| {
            r["lastEvaluation"]
                .as_str()
                .is_some_and(|t| !t.starts_with("0001"))
        });
        if !evaluated {
            return None;
        }
        for r in &rules {
            assert_eq!(r["health"], "ok", "{r}\n{}", prometheus.log());
        }
        Some(())
    });
    drop(sink);
}

/// The audit buffer's gauges follow the events held while the sink is down, and a policy
/// reload takes the replaced policy's share out of them (in the native module, its events
/// stay, held by the new policy).
fn audit_buffer_gauges_follow_the_buffer_across_a_reload(runtime: Runtime) {
    use pavise::bundle::Bundle;
    use pavise::render::envoy::{bootstrap_for, bundle_filters, EnvoyOptions, XdsFiles};
    use pavise_tests::{policy_text, wasm_dir};

    let echo = Echo::start();
    let src = TempDir::new("pavise-gauge-src");
    let xds = TempDir::new("pavise-gauge-xds");
    std::fs::write(
        src.0.join("bundle.json"),
        r#"{"name": "gauge-test", "version": "1", "owner": "tests"}"#,
    )
    .unwrap();
    let v1 = policy_text("audit.example.json");
    assert!(v1.contains(r#""buffer_max_events": 10000"#), "{v1}");
    std::fs::write(src.0.join("audit.json"), &v1).unwrap();
    // The sink's cluster points at a port nobody listens on: every batch fails and stays.
    let opts = EnvoyOptions {
        listener_port: free_port(),
        admin_port: 0,
        upstream: echo.addr,
        modules: pavise_tests::built_modules(runtime),
        audit_log: None,
        clusters: vec![(
            "audit_sink".to_string(),
            SocketAddr::from(([127, 0, 0, 1], free_port())),
        )],
    };
    let render = || {
        let bundle = Bundle::from_dir(&src.0, &wasm_dir()).unwrap();
        XdsFiles::new(
            &bootstrap_for(&bundle_filters(&bundle), &opts),
            &xds.0,
            &bundle.fingerprint(),
        )
        .write(&xds.0)
        .unwrap();
    };
    render();
    let bootstrap = std::fs::read_to_string(xds.0.join("bootstrap.yaml")).unwrap();
    let envoy = Envoy::start(&bootstrap, &[]);
    for _ in 0..7 {
        assert_eq!(get(envoy.listener, "/api/orders", &[]).status, 200);
    }
    wait_for("7 events held", LIMIT, || {
        (envoy.counter("pavise_audit_buffer_events") == 7).then_some(())
    });
    assert_eq!(envoy.counter("pavise_audit_buffer_capacity_events"), 10000);
    wait_for("a failed batch", LIMIT, || {
        (envoy.counter("pavise_audit_sink_failed_batches_total") >= 1).then_some(())
    });
    assert_eq!(
        envoy.counter("pavise_audit_buffer_events"),
        7,
        "failed, still held"
    );

    let reloads =
        envoy.counter("envoy_extension_config_discovery_http_filter_pavise_audit_config_reload");
    let v2 = v1.replace(
        r#""buffer_max_events": 10000"#,
        r#""buffer_max_events": 500"#,
    );
    std::fs::write(src.0.join("audit.json"), &v2).unwrap();
    render();
    wait_for("the new audit policy", LIMIT, || {
        (envoy.counter("envoy_extension_config_discovery_http_filter_pavise_audit_config_reload")
            > reloads)
            .then_some(())
    });
    // The replaced policy's events: the Wasm VM takes them with it (sent or counted lost as it
    // goes), the native module hands them to the new policy, which holds them in its buffer.
    let carried = match runtime {
        Runtime::Wasm => 0,
        Runtime::Native => 7,
    };
    wait_for("the old policy's share to leave the gauges", LIMIT, || {
        let capacity = envoy.counter("pavise_audit_buffer_capacity_events");
        let held = envoy.counter("pavise_audit_buffer_events");
        let settled = match runtime {
            // The new VM adds its share with its first event.
            Runtime::Wasm => held == 0 && capacity == 0,
            Runtime::Native => held == carried && capacity == 500,
        };
        settled.then_some(())
    });
    assert_eq!(get(envoy.listener, "/api/orders", &[]).status, 200);
    wait_for("the new policy's share", LIMIT, || {
        (envoy.counter("pavise_audit_buffer_events") == carried + 1
            && envoy.counter("pavise_audit_buffer_capacity_events") == 500)
            .then_some(())
    });
}

pavise_tests::for_each_runtime!(
    prometheus_finds_every_series_the_dashboard_and_the_rules_use,
    audit_buffer_gauges_follow_the_buffer_across_a_reload
);
