//! The request headers a real browser sends, screened with every header inspected
//! (`detect.headers: ["*"]`): headless Chromium loads a page from a local listener that records
//! every request it gets, and the page makes the requests browsers make: the navigation, a
//! style sheet, an image, a script, `fetch` GET and JSON POST, `XMLHttpRequest`, a `FormData`
//! upload with a file, and real form submissions (urlencoded and multipart) into frames. Each
//! recorded request is then screened by the filter's own decision code: no header set may be
//! refused or flagged at paranoia level 1 or 2, and no body at level 1 (the multipart ones
//! read part by part: a field `curl up with a good book`, which follows a line break in the
//! body, read as a command when the body was screened as one text). The recorded header sets are printed
//! (`--nocapture`) for anyone who wants to see what Chromium sends.
//!
//! Chromium comes from Debian's `chromium` package, which `make test` installs.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_core::headers::HeaderList;
use pavise_screen::screen::{BodyDecision, BodyPlan, HeaderDecision, Screener};
use pavise_tests::envoy::TempDir;
use pavise_tests::http::{serve_on, Request};
use pavise_tests::process::spawn_logged;
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The page: sub-resources, then each kind of request in turn; `done` when all answered.
const PAGE: &str = r#"<!doctype html><html><head>
<link rel="stylesheet" href="/style.css"><script src="/script.js"></script>
</head><body><img src="/image.svg" alt=""><pre id="result">pending</pre>
<iframe name="f1"></iframe><iframe name="f2"></iframe>
<form id="multi" method="post" action="/form/multipart" enctype="multipart/form-data" target="f1">
<input name="title" value="Pack the tent."><textarea name="note">curl up with a good book</textarea></form>
<form id="plain" method="post" action="/form/urlencoded" target="f2">
<input name="q" value="fish &amp; chips, 2 for £5"><input name="email" value="ada@example.org"></form>
<script>
(async () => {
  const done = [];
  const frame = (name) => new Promise((ok) => document.querySelector(`iframe[name=${name}]`).addEventListener("load", ok, {once: true}));
  await fetch("/api/get?page=2&sort=name");
  await fetch("/api/json", {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify({name: "Ada Lovelace", city: "London", tags: ["a", "b"]})});
  await new Promise((ok) => { const x = new XMLHttpRequest(); x.open("GET", "/api/xhr"); x.onload = ok; x.onerror = ok; x.send(); });
  const data = new FormData();
  data.append("caption", "curl up with a good book");
  data.append("upload", new File(["hello; cat notes.txt\n<b>bold</b>\n"], "notes.txt", {type: "text/plain"}));
  await fetch("/api/upload", {method: "POST", body: data});
  await fetch("/api/urlencoded", {method: "POST", body: new URLSearchParams({q: "tea & cake", n: "2"})});
  let loaded = frame("f1"); document.getElementById("multi").submit(); await loaded;
  loaded = frame("f2"); document.getElementById("plain").submit(); await loaded;
  document.getElementById("result").textContent = "done";
})();
</script></body></html>"#;

fn reply(req: &Request) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let path = req.path.split('?').next().unwrap_or_default();
    let (kind, body): (&str, &[u8]) = match path {
        "/" => ("text/html", PAGE.as_bytes()),
        "/style.css" => ("text/css", b"pre { color: #333; }"),
        "/script.js" => ("text/javascript", b"window.loaded = true;"),
        "/image.svg" => (
            "image/svg+xml",
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#,
        ),
        p if p.starts_with("/form/") => ("text/html", b"<!doctype html><p>ok</p>"),
        _ => ("application/json", b"{\"ok\":true}"),
    };
    (
        200,
        vec![("content-type".into(), kind.into())],
        body.to_vec(),
    )
}

/// Loads the page in headless Chromium; every request the listener got.
fn record() -> Vec<Request> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        serve_on(listener, "recorder", move |req| {
            log.lock().unwrap().push(req.clone());
            reply(req)
        })
    });
    let dir = TempDir::new("pavise-chromium-headers");
    let out = dir.0.join("chromium.out");
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
    .arg(format!("http://{addr}/"));
    let mut child = spawn_logged("chromium", cmd, &out);
    let code = child.wait_exit(Duration::from_secs(90));
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(code, Some(0), "chromium did not finish: {text}");
    assert!(
        text.contains("<pre id=\"result\">done</pre>"),
        "the page did not make all its requests: {text}"
    );
    let seen = seen.lock().unwrap().clone();
    seen
}

/// The request as Envoy hands it to the filter: pseudo-headers, then the rest (the host
/// header becomes `:authority`).
fn header_list(req: &Request) -> HeaderList {
    let host = req
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let mut pairs: Vec<(String, Vec<u8>)> = vec![
        (":method".into(), req.method.clone().into_bytes()),
        (":path".into(), req.path.clone().into_bytes()),
        (":authority".into(), host.into_bytes()),
    ];
    pairs.extend(
        req.headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone())),
    );
    HeaderList::new(pairs)
}

#[test]
fn chromium_requests_pass_with_every_header_inspected() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} missing: `make test-deps` installs Debian's chromium"
    );
    let requests = record();
    for path in [
        "/",
        "/style.css",
        "/script.js",
        "/image.svg",
        "/api/get?page=2&sort=name",
        "/api/json",
        "/api/xhr",
        "/api/upload",
        "/api/urlencoded",
        "/form/multipart",
        "/form/urlencoded",
    ] {
        assert!(
            requests.iter().any(|r| r.path == path),
            "Chromium made no request for {path}"
        );
    }
    let names: Vec<&str> = requests
        .iter()
        .flat_map(|r| r.headers.iter().map(|(n, _)| n.as_str()))
        .collect();
    for name in [
        "sec-ch-ua",
        "sec-fetch-mode",
        "accept-language",
        "user-agent",
    ] {
        assert!(
            names.iter().any(|n| n.eq_ignore_ascii_case(name)),
            "Chromium sent no {name}: the recording says nothing about it"
        );
    }
    for level in [1, 2] {
        let screener = Screener::from_json(
            format!(r#"{{"mode": "detect", "detect": {{"headers": ["*"], "paranoia": {level}}}}}"#)
                .as_bytes(),
        )
        .unwrap();
        for req in &requests {
            let headers = header_list(req);
            if level == 1 {
                eprintln!("{} {}", req.method, req.path);
                for (n, v) in &req.headers {
                    eprintln!("  {n}: {}", String::from_utf8_lossy(v));
                }
            }
            let HeaderDecision::Pass {
                findings,
                body,
                route,
                mode,
            } = screener.screen_headers(&headers, !req.body.is_empty())
            else {
                panic!(
                    "level {level}: {} {} refused at the headers",
                    req.method, req.path
                );
            };
            assert_eq!(
                findings,
                vec![],
                "level {level}: {} {}",
                req.method,
                req.path
            );
            // Bodies are the benign set's business (level 2 flags some prose by design); here
            // they show the multipart parsing on a browser's own bodies, at level 1.
            if let (1, BodyPlan::Inspect(kind)) = (level, body) {
                let BodyDecision::Pass { findings } =
                    screener.screen_body(kind, &req.body, true, route, mode)
                else {
                    panic!(
                        "level {level}: the body of {} {} refused",
                        req.method, req.path
                    );
                };
                assert_eq!(
                    findings,
                    vec![],
                    "level {level}: the body of {} {} ({kind:?}): {}",
                    req.method,
                    req.path,
                    String::from_utf8_lossy(&req.body)
                );
            }
        }
    }
}
