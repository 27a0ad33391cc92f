//! A real browser against the CORS filter, in both runtimes: headless Chromium loads a page from
//! one loopback origin and calls Envoy's origin with `fetch`. Whether a call succeeds is the
//! browser's own verdict on the filter's answers: a simple GET, a preflighted PUT with a custom
//! header, a request with `credentials: 'include'`, and a header the policy does not allow.
//!
//! The page is served twice under two origins: `http://127.0.0.1:PORT` (allowed by the policy)
//! and `http://localhost:PORT` (not allowed). Chromium comes from Debian's `chromium` package,
//! which `make test` installs.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{FilterSpec, Runtime, Stack, TempDir};
use pavise_tests::http::serve_on;
use pavise_tests::process::spawn_logged;
use serde_json::Value;
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The page: four fetches to Envoy, results written into `<pre id="result">` as JSON.
fn page(envoy: SocketAddr) -> String {
    format!(
        r#"<!doctype html><html><body><pre id="result">pending</pre><script>
const target = "http://{envoy}/api/items";
async function attempt(name, init) {{
  try {{
    const r = await fetch(target, init);
    const body = await r.text();
    return {{name, ok: true, status: r.status, reached_upstream: body.includes('"method"')}};
  }} catch (e) {{
    return {{name, ok: false, error: String(e)}};
  }}
}}
(async () => {{
  const results = [
    await attempt("simple_get", {{}}),
    await attempt("preflighted_put", {{method: "PUT", headers: {{"x-custom": "1", "content-type": "application/json"}}, body: "{{}}"}}),
    await attempt("credentials_include", {{credentials: "include"}}),
    await attempt("header_not_allowed", {{method: "PUT", headers: {{"x-forbidden": "1"}}}}),
  ];
  document.getElementById("result").textContent = JSON.stringify(results);
}})();
</script></body></html>"#
    )
}

/// Serves the page on an already bound listener (both origins reach the same server).
fn serve_page(listener: TcpListener, envoy: SocketAddr) {
    let html = page(envoy);
    std::thread::spawn(move || {
        serve_on(listener, "page", move |_| {
            (
                200,
                vec![("content-type".into(), "text/html".into())],
                html.clone().into_bytes(),
            )
        })
    });
}

/// Loads `url` in headless Chromium and returns the page's results, keyed by fetch name.
fn browse(url: &str) -> Value {
    let dir = TempDir::new("pavise-chromium");
    let log = dir.0.join("chromium.out");
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--virtual-time-budget=15000",
        "--dump-dom",
    ])
    .arg(format!(
        "--user-data-dir={}",
        dir.0.join("profile").display()
    ))
    .arg(url);
    let mut child = spawn_logged("chromium", cmd, &log);
    let code = child.wait_exit(Duration::from_secs(90));
    let out = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, Some(0), "chromium did not finish: {out}");
    let start = out.find("<pre id=\"result\">").expect("result element") + 17;
    let end = start + out[start..].find("</pre>").expect("end of result");
    let text = out[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let list: Vec<Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}\n{out}"));
    list.into_iter()
        .map(|v| (v["name"].as_str().unwrap_or_default().to_string(), v))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn allowed(results: &Value, name: &str) -> bool {
    let r = &results[name];
    assert!(r.is_object(), "no result for {name}: {results}");
    r["ok"] == true && r["status"] == 200 && r["reached_upstream"] == true
}

fn browser_obeys_the_cors_filter(runtime: Runtime) {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    );
    // The policy names the page's origin, so its port is bound before Envoy starts.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let page_port = listener.local_addr().unwrap().port();
    let policy = format!(
        r#"{{"routes": [{{"name": "api",
            "allow_origins": ["http://127.0.0.1:{page_port}"],
            "allow_methods": ["GET", "PUT"],
            "allow_headers": ["content-type", "x-custom"],
            "allow_credentials": true, "max_age": 0}}]}}"#
    );
    let stack = Stack::start(runtime, &[FilterSpec::new("cors", &policy)], &[]);
    serve_page(listener, stack.addr());

    let good = browse(&format!("http://127.0.0.1:{page_port}/"));
    for name in ["simple_get", "preflighted_put", "credentials_include"] {
        assert!(
            allowed(&good, name),
            "{name} from the allowed origin: {good}"
        );
    }
    assert_eq!(
        good["header_not_allowed"]["ok"], false,
        "the browser must block a header the policy does not allow: {good}"
    );

    let bad = browse(&format!("http://localhost:{page_port}/"));
    for name in [
        "simple_get",
        "preflighted_put",
        "credentials_include",
        "header_not_allowed",
    ] {
        assert_eq!(
            bad[name]["ok"], false,
            "{name} from a disallowed origin: {bad}"
        );
    }

    // The browser really preflighted (the PUT twice, the forbidden header once each page).
    let e = &stack.envoy;
    assert!(e.counter(r#"pavise_cors_requests_total{decision="preflight"}"#) >= 1);
    assert!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="header_not_allowed"}"#)
            >= 1
    );
    assert!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="origin_not_allowed"}"#)
            >= 3
    );
}

pavise_tests::for_each_runtime!(browser_obeys_the_cors_filter);
