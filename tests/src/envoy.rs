//! Starting a real Envoy with the real Pavise `.wasm` filters on ephemeral loopback ports.
//!
//! [`Envoy::start`] writes a config into a fresh temporary directory, starts Envoy with the
//! admin address written to a file, waits (bounded) until it is ready, and reads the listener's
//! port from the admin API. Dropping the guard kills Envoy and removes the directory.

use crate::process::{spawn_logged, wait_for, Child};
use crate::{envoy_binary, http, wasm_path};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long Envoy may take to compile the Wasm modules and open its listener.
pub const START_LIMIT: Duration = Duration::from_secs(60);

// The one Envoy renderer, shared with `pavise render envoy` and the shipped configs.
pub use pavise::render::envoy::{
    bootstrap_yaml, wasm_filter_yaml_at, Bootstrap, FilterSpec, HTTP_FILTER_INDENT,
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
    let wasm = wasm_path(&spec.name);
    let dir = wasm
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    wasm_filter_yaml_at(spec, indent, &dir)
}

/// A complete bootstrap on ephemeral ports with the given Pavise filters (in order) before the
/// router, routing everything to `upstream`.
pub fn config_yaml(filters: &[FilterSpec], upstream: SocketAddr) -> String {
    bootstrap_yaml(&Bootstrap {
        listener_port: 0,
        admin_port: 0,
        http_filters: filters
            .iter()
            .map(|f| wasm_filter_yaml(f, HTTP_FILTER_INDENT))
            .collect(),
        vhost_extra: String::new(),
        upstream,
    })
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
        let dir = TempDir::new("pavise-envoy");
        let config_path = dir.0.join("envoy.yaml");
        let admin_path = dir.0.join("admin.txt");
        let log = dir.0.join("envoy.log");
        std::fs::write(&config_path, config).unwrap();
        let mut cmd = Command::new(envoy_binary());
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
            ])
            .current_dir(crate::workspace_root());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = spawn_logged("envoy", cmd, &log);
        let read_log = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();

        let admin: SocketAddr = wait_for("Envoy's admin address", START_LIMIT, || {
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

        let listener = wait_for("Envoy's listener", START_LIMIT, || {
            if !child.running() {
                return Some(None);
            }
            let r = std::panic::catch_unwind(|| http::get(admin, "/listeners?format=json", &[]))
                .ok()?;
            let v: serde_json::Value = serde_json::from_slice(&r.body).ok()?;
            let port = v["listener_statuses"][0]["local_address"]["socket_address"]["port_value"]
                .as_u64()?;
            (port != 0).then(|| Some(SocketAddr::from(([127, 0, 0, 1], port as u16))))
        })
        .ok_or_else(|| StartFailure {
            exit_code: child.wait_exit(Duration::from_secs(5)),
            log: read_log(&log),
        })?;

        wait_for("Envoy to be ready", START_LIMIT, || {
            let r = std::panic::catch_unwind(|| http::get(admin, "/ready", &[])).ok()?;
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

    /// Envoy's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The admin's Prometheus page.
    pub fn prometheus(&self) -> String {
        http::get(self.admin, "/stats/prometheus", &[]).text()
    }

    /// A counter's value from the Prometheus page (0 if absent).
    pub fn counter(&self, name: &str) -> u64 {
        let page = self.prometheus();
        page.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| {
                let (n, v) = l.rsplit_once(' ')?;
                let bare = n.split('{').next()?;
                (bare == name)
                    .then(|| v.parse::<f64>().ok().map(|f| f as u64))
                    .flatten()
            })
            .unwrap_or(0)
    }
}

/// The project's own upstream, started on an ephemeral port.
pub struct Echo {
    pub addr: SocketAddr,
    _child: Child,
}

impl Echo {
    pub fn start() -> Echo {
        let mut cmd = Command::new(crate::own_binary("pavise-echo"));
        cmd.arg("127.0.0.1:0");
        let (child, line) = crate::process::spawn_until_line(
            "pavise-echo",
            cmd,
            |l| l.starts_with("listening on "),
            Duration::from_secs(10),
        );
        let addr = line.trim_start_matches("listening on ").parse().unwrap();
        Echo {
            addr,
            _child: child,
        }
    }
}

/// Envoy with `filters` in front of a fresh echo upstream.
pub struct Stack {
    pub envoy: Envoy,
    pub echo: Echo,
}

impl Stack {
    pub fn start(filters: &[FilterSpec], env: &[(&str, &str)]) -> Stack {
        let echo = Echo::start();
        let envoy = Envoy::start(&config_yaml(filters, echo.addr), env);
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
