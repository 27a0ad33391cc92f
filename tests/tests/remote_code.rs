//! Code pinned by Envoy itself: with `pavise render envoy --wasm-url`, Envoy fetches the
//! auth module over HTTP (`vm_config.code.remote`) and checks it against the bundle's sha256.
//! The right digest serves; with a wrong one (the module is not the one the bundle was tested
//! with) the plugin never loads and, auth failing closed, every request is refused.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise::bundle::sha256_hex;
use pavise::filters;
use pavise::render::envoy::{
    bootstrap_for, bootstrap_yaml_with, filter_spec, CodeUrl, EnvoyOptions, Modules,
};
use pavise_tests::envoy::{Echo, Envoy};
use pavise_tests::http::{get, serve};
use pavise_tests::process::wait_for;
use pavise_tests::{free_port, policy_text, wasm_path};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Serves `wasm` at `/modules/pavise_auth.wasm` on a loopback port, for the rest of the test
/// process; returns the base URL.
fn serve_module(wasm: Vec<u8>) -> String {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    std::thread::spawn(move || {
        serve("wasm-server", &addr.to_string(), move |req| {
            if req.path == "/modules/pavise_auth.wasm" {
                (200, vec![], wasm.clone())
            } else {
                (404, vec![], Vec::new())
            }
        })
    });
    wait_for("the module server", Duration::from_secs(10), || {
        TcpStream::connect(addr).ok().map(|_| ())
    });
    format!("http://{addr}/modules")
}

fn config(url: &str, sha256: &str, upstream: SocketAddr) -> String {
    let auth = filters::find("auth").unwrap();
    let spec = filter_spec(
        auth,
        policy_text("auth.example.json").as_bytes(),
        Some(sha256.to_string()),
    );
    let boot = bootstrap_for(
        &[spec],
        &EnvoyOptions {
            listener_port: 0,
            admin_port: 0,
            upstream,
            modules: Modules::Wasm(url.to_string()),
            audit_log: None,
            clusters: Vec::new(),
        },
    );
    let code = CodeUrl::parse(url).unwrap();
    bootstrap_yaml_with(&boot, code.as_ref())
}

#[test]
fn envoy_checks_the_pinned_digest_of_remote_code() {
    let wasm = std::fs::read(wasm_path("auth")).unwrap();
    let url = serve_module(wasm.clone());
    let echo = Echo::start();

    let right = config(&url, &sha256_hex(&wasm), echo.addr);
    assert!(right.contains("remote:") && !right.contains("local:"));
    let envoy = Envoy::start(&right, &[]);
    assert_eq!(get(envoy.listener, "/api/orders", &[]).status, 401);
    assert_eq!(get(envoy.listener, "/healthz", &[]).status, 200);
    drop(envoy);

    // A module that is not the pinned one: Envoy fetches it, the digest check fails, the
    // plugin does not load, and because auth fails closed every request is refused (nothing
    // reaches upstream) rather than served without the filter.
    let wrong = config(&url, &sha256_hex(b"another module"), echo.addr);
    let envoy = Envoy::start(&wrong, &[]);
    wait_for("the failed fetch", Duration::from_secs(30), || {
        envoy
            .log_text()
            .contains("Plugin pavise_auth failed to load")
            .then_some(())
    });
    for path in ["/healthz", "/api/orders"] {
        let r = get(envoy.listener, path, &[]);
        assert_eq!(r.status, 503, "{path}: {}", r.text());
    }
}
