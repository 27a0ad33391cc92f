//! Starting a real Envoy with the real Pavise filters on ephemeral loopback ports, in either
//! runtime ([`Runtime`]): the `.wasm` modules or the native module, both as `make build` builds
//! them.
//!
//! [`Envoy::start`] writes a config into a fresh temporary directory, starts Envoy with the
//! admin address written to a file, waits (bounded) until it is ready, and reads the listener's
//! port from the admin API. Dropping the guard kills Envoy and removes the directory.

use crate::process::{spawn_logged, wait_for, Child};
use crate::{built_modules, envoy_binary, http};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long Envoy may take to compile the Wasm modules and open its listener.
pub const START_LIMIT: Duration = Duration::from_secs(60);

// The one Envoy renderer, shared with `pavise render envoy` and the shipped configs.
pub use pavise::render::envoy::{
    audit_access_log_yaml, bootstrap_yaml, filter_yaml_at, static_cluster_yaml,
    wasm_filter_yaml_at, Bootstrap, FilterSpec, Modules, Runtime, HTTP_FILTER_INDENT,
};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `http_filters` entry for one Pavise filter, with the `.wasm` from `make build`.
pub fn wasm_filter_yaml(spec: &FilterSpec, indent: &str) -> String {
    filter_yaml(Runtime::Wasm, spec, indent)
}

/// The `http_filters` entry for one Pavise filter of `runtime`, as `make build` built it.
pub fn filter_yaml(runtime: Runtime, spec: &FilterSpec, indent: &str) -> String {
    if runtime == Runtime::Wasm {
        // Each filter is a module of its own: say which one is missing.
        crate::wasm_path(&spec.name);
    }
    filter_yaml_at(spec, indent, &built_modules(runtime))
}

/// The bootstrap pieces for Pavise `filters` of `runtime` (in order) before the router on
/// ephemeral ports, routing everything to `upstream`: for settings to add before
/// [`bootstrap_yaml`].
pub fn bootstrap_on(runtime: Runtime, filters: &[FilterSpec], upstream: SocketAddr) -> Bootstrap {
    let mut b = Bootstrap::new(filters_yaml(runtime, filters), upstream);
    b.runtime = runtime;
    b
}

/// A complete bootstrap on ephemeral ports with the given Pavise filters (in order) before the
/// router, routing everything to `upstream`.
pub fn config_yaml(runtime: Runtime, filters: &[FilterSpec], upstream: SocketAddr) -> String {
    bootstrap_yaml(&bootstrap_on(runtime, filters, upstream))
}

/// The HTTP connection manager settings with which the rendered configs make Envoy normalise
/// the path before the filters see it, each as one line of the rendered YAML.
pub const PATH_OPTIONS: [&str; 3] = [
    "normalize_path: true",
    "merge_slashes: true",
    "path_with_escaped_slashes_action: REJECT_REQUEST",
];

/// [`config_yaml`] without Envoy's [`PATH_OPTIONS`]: Envoy forwards the path as the client
/// wrote it, so the filters alone must hold their routes.
pub fn config_yaml_without_path_options(
    runtime: Runtime,
    filters: &[FilterSpec],
    upstream: SocketAddr,
) -> String {
    let config = config_yaml(runtime, filters, upstream);
    let kept: Vec<&str> = config
        .lines()
        .filter(|line| !PATH_OPTIONS.contains(&line.trim()))
        .collect();
    assert_eq!(
        config.lines().count() - kept.len(),
        PATH_OPTIONS.len(),
        "the rendered config no longer sets each path option once:\n{config}"
    );
    kept.join("\n") + "\n"
}

/// The `http_filters` entries for Pavise filters of `runtime`, in order, as `make build` built
/// them.
pub fn filters_yaml(runtime: Runtime, filters: &[FilterSpec]) -> String {
    filters
        .iter()
        .map(|f| filter_yaml(runtime, f, HTTP_FILTER_INDENT))
        .collect()
}

/// A running Envoy.
pub struct Envoy {
    pub listener: SocketAddr,
    pub admin: SocketAddr,
    log: PathBuf,
    // Field order matters: kill Envoy before removing its directory.
    _child: Child,
    _dir: TempDir,
}

/// Envoy exited instead of becoming ready.
#[derive(Debug)]
pub struct StartFailure {
    pub exit_code: Option<i32>,
    pub log: String,
}

impl Envoy {
    /// Starts Envoy with `config`; panics with Envoy's log if it does not become ready.
    pub fn start(config: &str, env: &[(&str, &str)]) -> Envoy {
        match Envoy::try_start(config, env) {
            Ok(e) => e,
            Err(f) => panic!("Envoy did not start (exit {:?}):\n{}", f.exit_code, f.log),
        }
    }

    /// Starts Envoy; `Err` with its exit code and log if it exits before becoming ready.
    pub fn try_start(config: &str, env: &[(&str, &str)]) -> Result<Envoy, StartFailure> {
        Envoy::try_start_under(&[], START_LIMIT, config, env)
    }

    /// [`Envoy::try_start`], with Envoy run by `launcher` (a command and its arguments, to
    /// which Envoy's own command line is appended, e.g. valgrind's), given `limit` to become
    /// ready. The launcher needs Envoy's executable itself, not the `.venv/bin/envoy` script
    /// that starts it: see [`crate::envoy_executable`].
    pub fn try_start_under(
        launcher: &[String],
        limit: Duration,
        config: &str,
        env: &[(&str, &str)],
    ) -> Result<Envoy, StartFailure> {
        Envoy::spawn(launcher, limit, config, env, &[])
    }

    /// [`Envoy::start`] with more command-line options, e.g. `["--drain-time-s", "1"]`.
    pub fn start_with_args(config: &str, env: &[(&str, &str)], args: &[&str]) -> Envoy {
        match Envoy::spawn(&[], START_LIMIT, config, env, args) {
            Ok(e) => e,
            Err(f) => panic!("Envoy did not start (exit {:?}):\n{}", f.exit_code, f.log),
        }
    }

    fn spawn(
        launcher: &[String],
        limit: Duration,
        config: &str,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Result<Envoy, StartFailure> {
        let dir = TempDir::new("pavise-envoy");
        let config_path = dir.0.join("envoy.yaml");
        let admin_path = dir.0.join("admin.txt");
        let log = dir.0.join("envoy.log");
        std::fs::write(&config_path, config).unwrap();
        let mut cmd = match launcher.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(crate::envoy_executable());
                c
            }
            None => Command::new(envoy_binary()),
        };
        cmd.arg("-c")
            .arg(&config_path)
            .arg("--admin-address-path")
            .arg(&admin_path)
            .args([
                "--disable-hot-restart",
                "--concurrency",
                "1",
                "--log-level",
                "info",
                // What `make run` passes too: the audit file is written about once a second
                // (Envoy's default is every 10 s; no config field sets it).
                "--file-flush-interval-msec",
                "1000",
            ])
            .args(args)
            .current_dir(crate::workspace_root());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = spawn_logged("envoy", cmd, &log);
        let read_log = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();

        let admin: SocketAddr = wait_for("Envoy's admin address", limit, || {
            if !child.running() {
                return Some(None);
            }
            let text = std::fs::read_to_string(&admin_path).ok()?;
            text.trim().parse().ok().map(Some)
        })
        .ok_or_else(|| StartFailure {
            exit_code: child.wait_exit(Duration::from_secs(5)),
            log: read_log(&log),
        })?;

        let listener = wait_for("Envoy's listener", limit, || {
            if !child.running() {
                return Some(None);
            }
            let r = http::try_get(admin, "/listeners?format=json").ok()?;
            let v: serde_json::Value = serde_json::from_slice(&r.body).ok()?;
            let port = v["listener_statuses"][0]["local_address"]["socket_address"]["port_value"]
                .as_u64()?;
            (port != 0).then(|| Some(SocketAddr::from(([127, 0, 0, 1], port as u16))))
        })
        .ok_or_else(|| StartFailure {
            exit_code: child.wait_exit(Duration::from_secs(5)),
            log: read_log(&log),
        })?;

        wait_for("Envoy to be ready", limit, || {
            let r = http::try_get(admin, "/ready").ok()?;
            (r.status == 200).then_some(())
        });

        Ok(Envoy {
            listener,
            admin,
            log,
            _child: child,
            _dir: dir,
        })
    }

    /// Envoy's process id (e.g. to pin it to a CPU or read its memory).
    pub fn pid(&self) -> u32 {
        self._child.id()
    }

    /// Asks Envoy to exit (admin `/quitquitquit`) and waits for it; its exit code, `None` if
    /// it is still running after `limit`. Its log stays readable.
    pub fn quit(&mut self, limit: Duration) -> Option<i32> {
        let _ = http::try_send_raw(
            self.admin,
            b"POST /quitquitquit HTTP/1.1\r\nhost: admin\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        self._child.wait_exit(limit)
    }

    /// Envoy's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The structured decision lines (see `pavise_core::event`) `filter` (e.g. `pavise.auth`)
    /// wrote to Envoy's log so far.
    pub fn decision_lines(&self, filter: &str) -> Vec<serde_json::Value> {
        self.log_text()
            .lines()
            .filter_map(|l| l.find("{\"").map(|i| &l[i..]))
            .filter_map(|j| serde_json::from_str(j).ok())
            .filter(|v: &serde_json::Value| v["filter"] == filter)
            .collect()
    }

    /// The admin's Prometheus page.
    pub fn prometheus(&self) -> String {
        http::get(self.admin, "/stats/prometheus", &[]).text()
    }

    /// A counter's value from the Prometheus page (0 if absent): `name` alone sums every
    /// series of the family, `name{label="value",…}` those that carry these labels.
    pub fn counter(&self, selector: &str) -> u64 {
        let (name, wanted) = match selector.split_once('{') {
            Some((n, rest)) => (n, labels_of(rest.trim_end_matches('}'))),
            None => (selector, Vec::new()),
        };
        let page = self.prometheus();
        let total: f64 = page
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (series, v) = l.rsplit_once(' ')?;
                let (bare, labels) = match series.split_once('{') {
                    Some((b, rest)) => (b, labels_of(rest.trim_end_matches('}'))),
                    None => (series, Vec::new()),
                };
                (bare == name && wanted.iter().all(|w| labels.contains(w)))
                    .then(|| v.parse::<f64>().ok())
                    .flatten()
            })
            .sum();
        total as u64
    }
}

/// `a="x",b="y"` as pairs (values without escapes, as Pavise's are).
fn labels_of(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

/// The project's own upstream, started on an ephemeral port.
pub struct Echo {
    pub addr: SocketAddr,
    _child: Child,
}

impl Echo {
    pub fn start() -> Echo {
        let (child, addr) = start_own_server("pavise-echo", &["127.0.0.1:0"]);
        Echo {
            addr,
            _child: child,
        }
    }
}

/// The project's audit sink receiver (`pavise-sink`), appending each POST body to a file.
pub struct Sink {
    pub addr: SocketAddr,
    pub file: PathBuf,
    _child: Child,
}

impl Sink {
    /// Starts the receiver on `addr` (`127.0.0.1:0` for a fresh port; the same address again to
    /// restart it after [`Sink::stop`]). Starting retries for a few seconds: a restart on the
    /// same port failed once in a few dozen runs (likely Envoy's retries to the freed loopback
    /// port becoming a TCP self-connection that holds it until Envoy gives up on it).
    pub fn start(addr: &str, file: &std::path::Path) -> Sink {
        let file_arg = file.display().to_string();
        for _ in 0..50 {
            let mut cmd = Command::new(crate::own_binary("pavise-sink"));
            cmd.args([addr, file_arg.as_str()]);
            let started = crate::process::try_spawn_until_line(
                "pavise-sink",
                cmd,
                |l| l.starts_with("listening on "),
                Duration::from_secs(10),
            );
            if let Some((child, line)) = started {
                return Sink {
                    addr: line.trim_start_matches("listening on ").parse().unwrap(),
                    file: file.to_path_buf(),
                    _child: child,
                };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("pavise-sink could not listen on {addr} within 5 s");
    }

    /// The receiver's process id.
    pub fn pid(&self) -> u32 {
        self._child.id()
    }

    /// Stops the receiver (its file stays); its address, to restart it on.
    pub fn stop(self) -> SocketAddr {
        self.addr
    }

    /// The bodies received so far, one per POST.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        read_json_lines(&self.file)
    }

    /// Makes the receiver answer the next `times` POSTs (all, with `None`) with `status` and
    /// `retry-after`, keeping their bodies apart ([`Sink::refused_bodies`]); 200 resets it.
    pub fn answer(&self, status: u16, times: Option<u64>, retry_after: Option<&str>) {
        let body =
            serde_json::json!({"status": status, "times": times, "retry_after": retry_after});
        let r = crate::http::send(
            self.addr,
            "PUT",
            "/_control",
            &[],
            Some(body.to_string().as_bytes()),
        );
        assert_eq!(r.status, 204, "pavise-sink refused the control request");
    }

    /// The bodies answered with a chosen non-200 status, one per POST.
    pub fn refused_bodies(&self) -> Vec<serde_json::Value> {
        read_json_lines(&self.side_file("refused"))
    }

    /// The request headers of every POST, one object per POST (lowercase names).
    pub fn request_headers(&self) -> Vec<serde_json::Value> {
        read_json_lines(&self.side_file("headers"))
    }

    fn side_file(&self, suffix: &str) -> PathBuf {
        PathBuf::from(format!("{}.{suffix}", self.file.display()))
    }
}

/// The JSON values of a JSON-lines file (missing file: none; unparsable lines are skipped).
pub fn read_json_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Starts one of the project's test servers and waits for its `listening on ADDR` line.
fn start_own_server(binary: &str, args: &[&str]) -> (Child, SocketAddr) {
    let mut cmd = Command::new(crate::own_binary(binary));
    cmd.args(args);
    let (child, line) = crate::process::spawn_until_line(
        binary,
        cmd,
        |l| l.starts_with("listening on "),
        Duration::from_secs(10),
    );
    let addr = line.trim_start_matches("listening on ").parse().unwrap();
    (child, addr)
}

/// Starts Envoy with `filters` of `runtime` in front of a fresh echo upstream and expects it to
/// refuse to start: exit status 1, with `expected` (a path-named policy error) in its log.
pub fn assert_refuses_to_start(runtime: Runtime, filters: &[FilterSpec], expected: &str) {
    let echo = Echo::start();
    let failure = match Envoy::try_start(&config_yaml(runtime, filters, echo.addr), &[]) {
        Ok(_) => panic!("Envoy started; expected it to refuse with: {expected}"),
        Err(f) => f,
    };
    assert_eq!(failure.exit_code, Some(1), "{}", failure.log);
    assert!(failure.log.contains(expected), "{}", failure.log);
}

/// Envoy with `filters` in front of a fresh echo upstream.
pub struct Stack {
    pub envoy: Envoy,
    pub echo: Echo,
}

impl Stack {
    pub fn start(runtime: Runtime, filters: &[FilterSpec], env: &[(&str, &str)]) -> Stack {
        let echo = Echo::start();
        let envoy = Envoy::start(&config_yaml(runtime, filters, echo.addr), env);
        Stack { envoy, echo }
    }

    /// [`Stack::start`] with [`config_yaml_without_path_options`].
    pub fn start_without_path_options(
        runtime: Runtime,
        filters: &[FilterSpec],
        env: &[(&str, &str)],
    ) -> Stack {
        let echo = Echo::start();
        let envoy = Envoy::start(
            &config_yaml_without_path_options(runtime, filters, echo.addr),
            env,
        );
        Stack { envoy, echo }
    }

    pub fn addr(&self) -> SocketAddr {
        self.envoy.listener
    }
}

/// What the echo upstream reports it received, from a 200 response through the stack.
pub fn upstream_saw(resp: &http::Response) -> serde_json::Value {
    assert_eq!(
        resp.status,
        200,
        "expected the request to reach upstream: {}",
        resp.text()
    );
    resp.json()
}

/// Values of `name` that upstream received.
pub fn upstream_header(seen: &serde_json::Value, name: &str) -> Vec<String> {
    seen["headers"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .filter(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .filter_map(|h| h[1].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
