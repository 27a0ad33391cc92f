//! The shipped demo: `envoy/envoy.yaml`, `envoy/xds/` and their native variants in
//! `envoy/native/` are current, and every `curl` example in the README gives the status the
//! README says, against that same configuration, in both runtimes.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::demo::{demo_config, demo_xds, shipped_path, shipped_xds_dir, DemoPorts};
use pavise_tests::envoy::{read_json_lines, Echo, Envoy, Runtime};
use pavise_tests::http::{send, Response};
use pavise_tests::workspace_root;
use std::time::Duration;

/// Compares a checked-in file with what the renderer makes now (rewriting it under
/// `UPDATE_CONFIGS=1`).
fn assert_current(path: &std::path::Path, expected: &str) {
    if std::env::var_os("UPDATE_CONFIGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == expected,
        "{} is stale: run UPDATE_CONFIGS=1 cargo test -p pavise-tests --test demo",
        path.display()
    );
}

#[test]
fn shipped_configs_are_current() {
    for runtime in Runtime::ALL {
        assert_current(
            &shipped_path(runtime),
            &demo_config(&DemoPorts::shipped(runtime)),
        );
    }
}

#[test]
fn shipped_xds_configs_are_current() {
    for runtime in Runtime::ALL {
        shipped_xds_config_is_current(runtime);
    }
}

fn shipped_xds_config_is_current(runtime: Runtime) {
    let (dir, as_seen) = shipped_xds_dir(runtime);
    let files = demo_xds(&DemoPorts::shipped(runtime), &as_seen);
    assert_current(&dir.join("bootstrap.yaml"), &files.bootstrap);
    assert_current(&dir.join("lds.yaml"), &files.listeners);
    assert_current(&dir.join("cds.yaml"), &files.clusters);
    assert!(!files.filters.is_empty());
    for (name, text) in &files.filters {
        assert_current(&dir.join(name), text);
    }
}

/// One README example: `curl … URL  # → STATUS …`.
#[derive(Debug)]
struct CurlExample {
    line: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    expect: u16,
}

/// Splits a shell command line into words, honouring single and double quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

fn readme_examples() -> Vec<CurlExample> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.trim_start().starts_with("curl ") && l.contains("# → "))
        .map(|line| {
            let (cmd, comment) = line.split_once("# → ").unwrap();
            let expect = comment.split_whitespace().next().unwrap().parse().unwrap();
            let words = shell_words(cmd);
            let mut ex = CurlExample {
                line: line.to_string(),
                method: "GET".into(),
                path: String::new(),
                headers: vec![],
                body: None,
                expect,
            };
            let mut it = words.into_iter().skip(1);
            while let Some(w) = it.next() {
                match w.as_str() {
                    "-s" | "-i" | "-si" | "-is" => {}
                    "-X" => ex.method = it.next().unwrap(),
                    "-H" => {
                        let h = it.next().unwrap();
                        let (n, v) = h.split_once(':').unwrap();
                        ex.headers
                            .push((n.trim().to_string(), v.trim().to_string()));
                    }
                    "-d" | "--data" => {
                        ex.body = it.next();
                        if ex.method == "GET" {
                            ex.method = "POST".into();
                        }
                    }
                    url if url.starts_with("http://127.0.0.1:8080") => {
                        ex.path = url.trim_start_matches("http://127.0.0.1:8080").to_string();
                    }
                    other => {
                        panic!("README example uses an option this test does not know: {other}")
                    }
                }
            }
            ex
        })
        .collect()
}

fn readme_curl_examples_behave_as_documented(runtime: Runtime) {
    let examples = readme_examples();
    assert!(
        examples.len() >= 4,
        "the README should show denied and allowed requests"
    );
    let echo = Echo::start();
    let audit_dir = pavise_tests::envoy::TempDir::new("pavise-demo-audit");
    let sink = pavise_tests::envoy::Sink::start("127.0.0.1:0", &audit_dir.0.join("otlp.jsonl"));
    let ports = DemoPorts {
        listener: 0,
        admin: 0,
        upstream: echo.addr,
        modules: pavise_tests::built_modules(runtime),
        audit_log: audit_dir.0.join("audit.jsonl").display().to_string(),
        audit_sink: sink.addr,
    };
    let envoy = Envoy::start(&demo_config(&ports), &[]);
    for ex in &examples {
        let headers: Vec<(&str, &[u8])> = ex
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let r: Response = send(
            envoy.listener,
            &ex.method,
            &ex.path,
            &headers,
            ex.body.as_deref().map(str::as_bytes),
        );
        assert_eq!(
            r.status,
            ex.expect,
            "README example: {}\nresponse: {}",
            ex.line,
            r.text()
        );
    }

    // The audit filter wrote one event per request, but for the excluded /healthz, to both sinks.
    let audited = examples
        .iter()
        .filter(|ex| !ex.path.starts_with("/healthz"))
        .count();
    let local = audit_dir.0.join("audit.jsonl");
    pavise_tests::process::wait_for("the demo's audit events", Duration::from_secs(10), || {
        let lines = read_json_lines(&local).len();
        let shipped: usize = sink
            .bodies()
            .iter()
            .map(|b| {
                b["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                    .as_array()
                    .map_or(0, Vec::len)
            })
            .sum();
        (lines == audited && shipped == audited).then_some(())
    });
}

pavise_tests::for_each_runtime!(readme_curl_examples_behave_as_documented);
