//! `pavise-record-headers`: records the requests a real browser sends, as benign corpus rows
//! (the shared corpora's format, source `chromium-headers`), so that screening with
//! `detect.headers: ["*"]` can be measured on what Chromium really sends (`Sec-CH-UA`,
//! `Sec-Fetch-*`, `Accept`, cookies, `Origin`, …).
//!
//! It serves one page on a loopback port and answers every other request as `pavise-echo`
//! does ([`pavise_tests::echo::describe`]); headless Chromium (Debian's `chromium`, a fresh
//! profile) loads the page, which makes a top-level navigation, loads a style sheet and a
//! script, makes a `fetch` GET, JSON POST and `FormData` upload with a file, an
//! `XMLHttpRequest` GET and POST, an image, a form post into a frame and a multipart form post
//! (a navigation); the browser's own favicon request comes along. Every request received is a
//! row, named by what made it. The values the page posts are plain on purpose: this source
//! measures the browser's headers; the generated sets measure what users write.
//!
//! Usage: `pavise-record-headers OUT.jsonl` (`make benign-corpus` writes
//! `target/benign/chromium-headers.jsonl`). Exits 1 if Chromium is missing or the page does not
//! finish within a minute.

// A tool: a failure stops it with a message.
#![allow(clippy::print_stderr)]

use pavise_tests::echo::describe;
use pavise_tests::envoy::TempDir;
use pavise_tests::http::{serve_on, Reply, Request};
use pavise_tests::process::spawn_logged;
use serde_json::{json, Map, Value};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const PAGE: &str = "/record/page";
/// The last request the page makes: once it is in, everything is.
const LAST: &str = "/form/upload";

/// The page: each kind of request a site makes, one after the other.
const HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orders</title>
<link rel="stylesheet" href="/static/style.css"><script src="/static/app.js"></script></head><body>
<iframe name="frame" id="frame"></iframe>
<form id="contact" method="post" action="/form/contact" target="frame">
  <input name="name" value="Ada Lovelace"><input name="email" value="ada@example.com">
  <textarea name="message">Hello, I would like to ask about my order.
Thanks</textarea>
</form>
<form id="upload" method="post" action="/form/upload" enctype="multipart/form-data">
  <input name="title" value="Holiday photos"><input name="description" value="Summer 2024, Lisbon">
</form>
<script>
document.cookie = "theme=dark; path=/";
document.cookie = "cart_items=3; path=/";
function xhr(method, url, body, type) {
  return new Promise(done => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    if (type) x.setRequestHeader("Content-Type", type);
    x.onloadend = done;
    x.send(body);
  });
}
(async () => {
  await fetch("/api/fetch/items?page=2&sort=name");
  await fetch("/api/fetch/items", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({name: "Ada Lovelace", note: "Call after 5pm\nback door"})});
  const upload = new FormData();
  upload.append("caption", "Receipt for March");
  upload.append("file", new File(["Paid in full, thank you.\n"], "receipt.txt", {type: "text/plain"}));
  await fetch("/api/fetch/upload", {method: "POST", body: upload});
  await xhr("GET", "/api/xhr/status?id=17");
  await xhr("POST", "/api/xhr/save", "title=Weekly+report&done=true",
    "application/x-www-form-urlencoded");
  await new Promise(done => { const i = new Image(); i.onload = i.onerror = done;
    i.src = "/img/logo.png"; });
  await new Promise(done => { document.getElementById("frame").onload = done;
    document.getElementById("contact").submit(); });
  document.getElementById("upload").submit();
})();
</script></body></html>"#;

/// What made a request, from its path.
fn kind(req: &Request) -> &'static str {
    let path = req.path.as_str();
    match () {
        _ if path == PAGE => "navigation",
        _ if path == "/api/fetch/upload" => "fetch-formdata-upload",
        _ if path.starts_with("/api/fetch/") && req.method == "POST" => "fetch-post",
        _ if path.starts_with("/api/fetch/") => "fetch-get",
        _ if path.starts_with("/api/xhr/") && req.method == "POST" => "xhr-post",
        _ if path.starts_with("/api/xhr/") => "xhr-get",
        _ if path.starts_with("/img/") => "image",
        _ if path.ends_with(".css") => "stylesheet",
        _ if path.ends_with(".js") => "script",
        _ if path == "/form/contact" => "form-post",
        _ if path == LAST => "multipart-form-post",
        _ if path == "/favicon.ico" => "favicon",
        _ => "other",
    }
}

fn row(req: &Request) -> Value {
    let mut headers = Map::new();
    for (name, value) in &req.headers {
        let value = String::from_utf8_lossy(value).into_owned();
        // The corpus format has one value a name, as a proxy joins repeated headers.
        let joined = match headers.get(name).and_then(Value::as_str) {
            Some(before) => format!("{before}, {value}"),
            None => value,
        };
        headers.insert(name.clone(), Value::String(joined));
    }
    let body = (!req.body.is_empty()).then(|| String::from_utf8_lossy(&req.body).into_owned());
    json!({
        "id": format!("chromium-headers-{}", kind(req)),
        "source": "chromium-headers",
        "category": "benign",
        "method": req.method,
        "uri": req.path,
        "headers": headers,
        "body": body,
        "expect": "benign",
    })
}

fn fail(message: &str) -> ! {
    eprintln!("pavise-record-headers: {message}");
    std::process::exit(1);
}

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        fail("usage: pavise-record-headers OUT.jsonl")
    };
    if !std::path::Path::new(CHROMIUM).exists() {
        fail(&format!(
            "{CHROMIUM} missing: `make benign-corpus` installs Debian's chromium"
        ));
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| fail(&e.to_string()));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        serve_on(
            listener,
            "pavise-record-headers",
            move |req: &Request| -> Reply {
                if let Ok(mut s) = record.lock() {
                    s.push(req.clone());
                }
                if req.path == PAGE {
                    let html = vec![("content-type".into(), "text/html; charset=utf-8".into())];
                    return (200, html, HTML.as_bytes().to_vec());
                }
                describe(req)
            },
        )
    });

    let dir = TempDir::new("pavise-record-headers");
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!(
        "--user-data-dir={}",
        dir.0.join("profile").display()
    ))
    .arg(format!("http://{addr}{PAGE}"));
    let log = dir.0.join("chromium.log");
    let mut chromium = spawn_logged("chromium", cmd, &log);

    let deadline = Instant::now() + Duration::from_secs(60);
    let done = || seen.lock().is_ok_and(|s| s.iter().any(|r| r.path == LAST));
    while !done() {
        if Instant::now() > deadline || !chromium.running() {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            fail(&format!(
                "the page did not finish (requests seen: {:?}); chromium said:\n{output}",
                seen.lock()
                    .map(|s| s.iter().map(|r| r.path.clone()).collect::<Vec<_>>())
                    .unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The favicon request may trail the last form post a little.
    std::thread::sleep(Duration::from_millis(500));
    drop(chromium);

    let mut rows: Vec<Value> = seen
        .lock()
        .map(|s| s.iter().map(row).collect())
        .unwrap_or_default();
    rows.sort_by_key(|r| r["id"].as_str().map(str::to_string));
    rows.dedup_by_key(|r| r["id"].as_str().map(str::to_string));
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    if let Err(e) = std::fs::write(&out, text) {
        fail(&format!("{out}: {e}"));
    }
    eprintln!("{out}: {} rows", rows.len());
}
