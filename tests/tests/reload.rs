//! Live policy changes, end to end, in both runtimes: Envoy serves from file-based dynamic
//! config written by the CLI's renderer, each filter's policy delivered by extension config
//! discovery (ECDS); a re-render changes its behaviour without a restart and without replacing the listener, the
//! next request on an open keep-alive connection already runs the new policy, a request in
//! flight across the change completes, a policy that fails validation is refused by the CLI,
//! and one written anyway is rejected by Envoy, which keeps serving the previous one.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise::bundle::{Bundle, BundleError};
use pavise::render::envoy::{bootstrap_for, bundle_filters, EnvoyOptions, FilterSpec, XdsFiles};
use pavise_tests::envoy::{Echo, Envoy, Runtime, TempDir};
use pavise_tests::http::{get, read_response};
use pavise_tests::process::wait_for;
use pavise_tests::{built_modules, free_port, policy_text, wasm_dir};
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// The example policy's CI key (public demo key).
const CI_KEY: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";

/// The ECDS counters of the auth filter's configuration.
const AUTH_RELOADS: &str = "envoy_extension_config_discovery_http_filter_pavise_auth_config_reload";
const AUTH_REJECTED: &str =
    "envoy_extension_config_discovery_http_filter_pavise_auth_update_rejected";
/// Listeners replaced (a replaced listener drains its connections on the old filters).
const LISTENERS_MODIFIED: &str = "envoy_listener_manager_listener_modified";

/// How long a listener update may take to be visible.
const RELOAD_LIMIT: Duration = Duration::from_secs(30);

/// What `pavise render envoy SRC --xds-dir XDS` does: build the bundle (validating every
/// policy with the filter's parser) and write the files atomically.
fn render(src: &Path, xds: &Path, opts: &EnvoyOptions) -> Result<(), BundleError> {
    let bundle = Bundle::from_dir(src, &wasm_dir())?;
    let boot = bootstrap_for(&bundle_filters(&bundle), opts);
    XdsFiles::new(&boot, xds, &bundle.fingerprint())
        .write(xds)
        .unwrap();
    Ok(())
}

fn status(envoy: &Envoy, path: &str) -> u16 {
    get(envoy.listener, path, &[]).status
}

fn policy_change_reloads_live_and_a_bad_one_is_refused(runtime: Runtime) {
    let echo = Echo::start();
    let src = TempDir::new("pavise-reload-src");
    let xds = TempDir::new("pavise-reload-xds");
    std::fs::write(
        src.0.join("bundle.json"),
        r#"{"name": "reload-test", "version": "1", "owner": "tests"}"#,
    )
    .unwrap();
    let v1 = policy_text("auth.example.json");
    std::fs::write(src.0.join("auth.json"), &v1).unwrap();
    let opts = EnvoyOptions {
        // A fixed port: an update keeps the listener's socket only if the address is the same.
        listener_port: free_port(),
        admin_port: 0,
        upstream: echo.addr,
        modules: built_modules(runtime),
        audit_log: None,
        clusters: Vec::new(),
    };
    render(&src.0, &xds.0, &opts).unwrap();
    let bootstrap = std::fs::read_to_string(xds.0.join("bootstrap.yaml")).unwrap();
    let envoy = Envoy::start(&bootstrap, &[]);
    let pid = envoy.pid();
    assert_eq!(status(&envoy, "/status/live"), 401, "not public yet");
    assert_eq!(status(&envoy, "/healthz"), 200);

    // A request in flight: headers sent (and authorised under the old policy), body not yet.
    let mut in_flight = TcpStream::connect(envoy.listener).unwrap();
    in_flight
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    in_flight
        .write_all(
            format!(
                "POST /api/orders HTTP/1.1\r\nhost: demo\r\nx-api-key: {CI_KEY}\r\n\
                 content-type: text/plain\r\ncontent-length: 10\r\n\r\n01234"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    // Make /status/ public and re-render.
    let updates = envoy.counter(AUTH_RELOADS);
    assert!(updates >= 1, "the policy came by ECDS");
    let v2 = v1.replacen(
        r#"{ "match": { "path_prefix": "/healthz" }, "access": "public" },"#,
        r#"{ "match": { "path_prefix": "/healthz" }, "access": "public" },
    { "match": { "path_prefix": "/status/" }, "access": "public" },"#,
        1,
    );
    assert_ne!(v1, v2);
    std::fs::write(src.0.join("auth.json"), &v2).unwrap();
    let rendered = Instant::now();
    render(&src.0, &xds.0, &opts).unwrap();
    wait_for("the new policy to serve", RELOAD_LIMIT, || {
        (status(&envoy, "/status/live") == 200).then_some(())
    });
    println!(
        "new policy served {:?} after the render",
        rendered.elapsed()
    );
    assert!(envoy.counter(AUTH_RELOADS) > updates);
    assert_eq!(envoy.counter(LISTENERS_MODIFIED), 0, "the listener stays");
    assert_eq!(envoy.pid(), pid);
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "Envoy restarted"
    );
    assert_eq!(
        status(&envoy, "/api/orders"),
        401,
        "the rest still needs a key"
    );

    // The request that started under the old listener completes.
    in_flight.write_all(b"56789").unwrap();
    let r = read_response(&mut BufReader::new(&in_flight)).unwrap();
    assert_eq!(r.status, 200, "in-flight request: {}", r.text());
    assert_eq!(r.json()["body"], "0123456789", "{}", r.text());

    // A policy that fails validation: the CLI refuses it and writes nothing.
    let lds_before = std::fs::read(xds.0.join("lds.yaml")).unwrap();
    let bad = v2.replacen("\"bearer\": true", "\"bearer\": \"yes\"", 1);
    assert_ne!(bad, v2);
    std::fs::write(src.0.join("auth.json"), &bad).unwrap();
    let e = render(&src.0, &xds.0, &opts).unwrap_err();
    assert!(
        e.to_string().contains("$.credentials.bearer: invalid type"),
        "{e}"
    );
    assert_eq!(std::fs::read(xds.0.join("lds.yaml")).unwrap(), lds_before);

    // Written anyway (bypassing the CLI): Envoy rejects the filter configuration because the
    // filter refuses the policy as it loads, and keeps serving the previous one.
    let rejected = envoy.counter(AUTH_REJECTED);
    let mut spec = FilterSpec::new("auth", &bad);
    spec.fail_open = false;
    XdsFiles::new(&bootstrap_for(&[spec], &opts), &xds.0, "bad")
        .write(&xds.0)
        .unwrap();
    wait_for("Envoy to reject the bad policy", RELOAD_LIMIT, || {
        (envoy.counter(AUTH_REJECTED) > rejected).then_some(())
    });
    assert_eq!(
        status(&envoy, "/status/live"),
        200,
        "old policy still serves"
    );
    assert_eq!(status(&envoy, "/api/orders"), 401, "and still refuses");
    assert!(
        envoy
            .log_text()
            .contains("$.credentials.bearer: invalid type"),
        "the filter names the problem in Envoy's log"
    );
    assert_eq!(envoy.pid(), pid);
}

/// One request on an open connection: its status.
fn request_on(conn: &mut TcpStream, reader: &mut BufReader<TcpStream>, path: &str) -> u16 {
    conn.write_all(
        format!("GET {path} HTTP/1.1\r\nhost: demo\r\nx-api-key: {CI_KEY}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let r = read_response(reader).unwrap();
    assert_ne!(
        r.header("connection"),
        Some("close"),
        "Envoy closed the connection"
    );
    r.status
}

fn a_revoked_key_is_refused_on_an_open_connection(runtime: Runtime) {
    let echo = Echo::start();
    let src = TempDir::new("pavise-revoke-src");
    let xds = TempDir::new("pavise-revoke-xds");
    std::fs::write(
        src.0.join("bundle.json"),
        r#"{"name": "revoke-test", "version": "1", "owner": "tests"}"#,
    )
    .unwrap();
    let v1 = policy_text("auth.example.json");
    std::fs::write(src.0.join("auth.json"), &v1).unwrap();
    let opts = EnvoyOptions {
        listener_port: free_port(),
        admin_port: 0,
        upstream: echo.addr,
        modules: built_modules(runtime),
        audit_log: None,
        clusters: Vec::new(),
    };
    render(&src.0, &xds.0, &opts).unwrap();
    let bootstrap = std::fs::read_to_string(xds.0.join("bootstrap.yaml")).unwrap();
    let envoy = Envoy::start(&bootstrap, &[]);

    // One keep-alive connection, the key valid.
    let mut conn = TcpStream::connect(envoy.listener).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    assert_eq!(request_on(&mut conn, &mut reader, "/api/orders"), 200);

    // Revoke the CI key (drop its entry) and re-render.
    let entry = r#"    {
      "id": "ci-2026-11",
      "client": "ci",
      "sha256": "3877574b249868890bbf3e13c24cd13199caf641a9f6c4705569a6dbbe5866d9"
    },
"#;
    let v2 = v1.replacen(entry, "", 1);
    assert_ne!(v1, v2, "the example policy holds the CI key's entry");
    std::fs::write(src.0.join("auth.json"), &v2).unwrap();
    render(&src.0, &xds.0, &opts).unwrap();
    // The new policy serves new connections (each check is a new connection)...
    wait_for("the revocation to serve", RELOAD_LIMIT, || {
        (get(envoy.listener, "/api/orders", &[("x-api-key", CI_KEY)]).status == 401).then_some(())
    });
    // ...and the very next request on the connection opened before it.
    assert_eq!(
        request_on(&mut conn, &mut reader, "/api/orders"),
        401,
        "the revoked key still works on a connection opened before the reload"
    );
    assert_eq!(envoy.counter(LISTENERS_MODIFIED), 0, "the listener stays");
}

pavise_tests::for_each_runtime!(
    policy_change_reloads_live_and_a_bad_one_is_refused,
    a_revoked_key_is_refused_on_an_open_connection
);
