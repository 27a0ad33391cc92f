//! End-to-end, in both runtimes: audit events buffered while the collector is down are not lost
//! when a live policy update replaces the audit filter's configuration. Envoy serves from the
//! CLI's file-based dynamic config; when the old filter config is released, the Wasm filter's
//! VM delays its shutdown (`on_done`), sends what it holds once the collector is back, and
//! tells Envoy it is done; the native module's old configuration hands what it holds to the
//! new one, whose sink sends it.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise::bundle::Bundle;
use pavise::render::envoy::{bootstrap_for, bundle_filters, EnvoyOptions, XdsFiles};
use pavise_tests::envoy::{read_json_lines, Echo, Envoy, Runtime, Sink, TempDir};
use pavise_tests::http::get;
use pavise_tests::process::wait_for;
use pavise_tests::{built_modules, free_port, wasm_dir};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn render(src: &Path, xds: &Path, opts: &EnvoyOptions) {
    let bundle = Bundle::from_dir(src, &wasm_dir()).unwrap();
    let boot = bootstrap_for(&bundle_filters(&bundle), opts);
    XdsFiles::new(&boot, xds, &bundle.fingerprint())
        .write(xds)
        .unwrap();
}

/// A policy whose backoff is so long that nothing is retried on its own during the test: what
/// arrives was sent by the old VM as it went away.
fn policy(sample: &str) -> String {
    format!(
        r#"{{"sample_allowed": {sample}, "http": {{"cluster": "audit_sink", "flush_interval_ms": 50,
  "batch_max_events": 2, "initial_backoff_ms": 60000, "max_backoff_ms": 60000, "timeout_ms": 3000}}}}"#
    )
}

fn request_ids(sink_file: &Path) -> Vec<String> {
    read_json_lines(sink_file)
        .iter()
        .flat_map(|b| {
            b["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|r| {
            let e: Value = serde_json::from_str(r["body"]["stringValue"].as_str()?).ok()?;
            e["request_id"].as_str().map(str::to_string)
        })
        .collect()
}

/// Envoy serving an audit policy from rendered xds files, with five events buffered while its
/// collector is down.
struct Setup {
    envoy: Envoy,
    sink_file: PathBuf,
    sink_addr: SocketAddr,
    src: TempDir,
    xds: TempDir,
    opts: EnvoyOptions,
    _echo: Echo,
    _dir: TempDir,
}

impl Setup {
    fn new(runtime: Runtime) -> Setup {
        let echo = Echo::start();
        let dir = TempDir::new("pavise-audit-reload");
        let sink_file = dir.0.join("sink.jsonl");
        let sink_addr = Sink::start("127.0.0.1:0", &sink_file).stop();
        let src = TempDir::new("pavise-audit-reload-src");
        let xds = TempDir::new("pavise-audit-reload-xds");
        std::fs::write(
            src.0.join("bundle.json"),
            r#"{"name": "audit-reload", "version": "1", "owner": "tests"}"#,
        )
        .unwrap();
        std::fs::write(src.0.join("audit.json"), policy("1.0")).unwrap();
        let opts = EnvoyOptions {
            listener_port: free_port(),
            admin_port: 0,
            upstream: echo.addr,
            modules: built_modules(runtime),
            audit_log: None,
            clusters: vec![("audit_sink".to_string(), sink_addr)],
        };
        render(&src.0, &xds.0, &opts);
        let bootstrap = std::fs::read_to_string(xds.0.join("bootstrap.yaml")).unwrap();
        // Old listeners drain for a second, not Envoy's default ten minutes, so that the old
        // filter config, and with it the old VM, is released during the test.
        let envoy = Envoy::start_with_args(&bootstrap, &[], &["--drain-time-s", "1"]);
        for i in 0..5 {
            let id = format!("held-{i}");
            let r = get(
                envoy.listener,
                "/x",
                &[("x-request-id", id.as_str()), ("connection", "close")],
            );
            assert_eq!(r.status, 200);
        }
        wait_for("a failed attempt", Duration::from_secs(10), || {
            (envoy.counter("pavise_audit_sink_failed_batches_total") >= 1).then_some(())
        });
        Setup {
            envoy,
            sink_file,
            sink_addr,
            src,
            xds,
            opts,
            _echo: echo,
            _dir: dir,
        }
    }

    /// A new policy: the listener, and with it the VM, is replaced.
    fn update_policy(&self) {
        std::fs::write(self.src.0.join("audit.json"), policy("0.5")).unwrap();
        render(&self.src.0, &self.xds.0, &self.opts);
    }
}

/// What each runtime logs about the events the replaced policy held, for `held` events: the
/// Wasm filter's VM sends them as it shuts down; the native module hands them to the new
/// policy's sink (Envoy waits for no dynamic module, and makes the new configuration first).
fn hand_over_lines(runtime: Runtime, held: usize) -> [String; 2] {
    match runtime {
        Runtime::Wasm => [
            format!("shutting down with {held} audit events buffered"),
            "every buffered audit event was sent before shutdown".to_string(),
        ],
        Runtime::Native => [
            format!(
                "the policy is being replaced with {held} audit events buffered; handing them to \
                 the new policy's sink"
            ),
            format!("took over {held} of {held} audit events buffered by the replaced policy"),
        ],
    }
}

fn buffered_events_survive_a_live_policy_update(runtime: Runtime) {
    let s = Setup::new(runtime);
    // The collector comes back; nothing is retried before the (long) backoff.
    let _sink = Sink::start(&s.sink_addr.to_string(), &s.sink_file);
    std::thread::sleep(Duration::from_millis(500));
    assert!(request_ids(&s.sink_file).is_empty());

    // The replaced policy's events are sent: by the old VM as it goes (Wasm), by the new
    // policy's sink (native).
    s.update_policy();
    let ids = wait_for(
        "the buffered events after the update",
        Duration::from_secs(30),
        || {
            let ids = request_ids(&s.sink_file);
            (ids.len() >= 5).then_some(ids)
        },
    );
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (0..5).map(|i| format!("held-{i}")).collect::<Vec<_>>(),
        "each once"
    );
    let log = s.envoy.log_text();
    for line in hand_over_lines(runtime, 5) {
        assert!(log.contains(&line), "no '{line}' in:\n{log}");
    }
    assert_eq!(s.envoy.counter("pavise_audit_sink_lost_total"), 0);
}

/// The collector is still down at the update: no held event is lost without a trace. The Wasm
/// filter's VM gives up after the sink's timeout (3 s here) and says how many events were lost,
/// and counts them; the native module hands them to the new policy, which holds them for its
/// own sink (nothing lost, the buffer gauge still shows them).
fn events_held_at_a_policy_update_are_never_lost_silently(runtime: Runtime) {
    let s = Setup::new(runtime);
    s.update_policy();
    match runtime {
        Runtime::Wasm => {
            let line = wait_for("the loss to be logged", Duration::from_secs(30), || {
                s.envoy
                    .log_text()
                    .lines()
                    .find(|l| l.contains("are lost (see pavise_audit_sink_lost_total)"))
                    .map(str::to_string)
            });
            assert!(
                line.contains(
                    "pavise.audit: 5 audit events could not be sent to cluster 'audit_sink' \
                     before shutdown and are lost"
                ),
                "{line}"
            );
            assert!(line.contains("[error]"), "{line}");
            assert_eq!(s.envoy.counter("pavise_audit_sink_lost_total"), 5);
        }
        Runtime::Native => {
            let [handing, took] = hand_over_lines(runtime, 5);
            wait_for(
                "the hand-over to be logged",
                Duration::from_secs(30),
                || {
                    let log = s.envoy.log_text();
                    (log.contains(&handing) && log.contains(&took)).then_some(())
                },
            );
            assert_eq!(s.envoy.counter("pavise_audit_sink_lost_total"), 0);
            assert_eq!(s.envoy.counter("pavise_audit_buffer_events"), 5);
        }
    }
}

pavise_tests::for_each_runtime!(
    buffered_events_survive_a_live_policy_update,
    events_held_at_a_policy_update_are_never_lost_silently
);
