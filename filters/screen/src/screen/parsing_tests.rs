//! Request parsing as screening uses it: multipart parts, headers read by their grammar,
//! base64 and JWT values, repeated entity layers.

use super::*;

fn screener(json: &str) -> Screener {
    Screener::from_json(json.as_bytes()).unwrap()
}

fn request(extra: &[(&str, &str)]) -> HeaderList {
    request_to("/", extra)
}

fn request_to(path: &str, extra: &[(&str, &str)]) -> HeaderList {
    let mut pairs = vec![
        (":method", "POST"),
        (":path", path),
        (":authority", "api.test"),
    ];
    pairs.extend_from_slice(extra);
    HeaderList::from_pairs(&pairs)
}

/// The rule and location of the first finding, in detect mode (every finding kept).
fn first(findings: &[Finding]) -> Option<(&'static str, String)> {
    findings.first().map(|f| (f.rule.id, f.location.clone()))
}

fn header_findings(s: &Screener, headers: &[(&str, &str)]) -> Vec<Finding> {
    match s.screen_headers(&request(headers), false) {
        HeaderDecision::Pass { findings, .. } => findings,
        HeaderDecision::Refuse(Refusal::Finding(f)) => vec![f],
        HeaderDecision::Refuse(r) => panic!("{r:?}"),
    }
}

fn body_findings(s: &Screener, kind: BodyKind, body: &str) -> Result<Vec<Finding>, &'static str> {
    match s.screen_body(kind, body.as_bytes(), true, None, Mode::Detect) {
        BodyDecision::Pass { findings } => Ok(findings),
        BodyDecision::Refuse(r) => Err(r.rule_id()),
    }
}

const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

fn multipart_kind() -> BodyKind {
    BodyKind::Multipart(Boundary::new(BOUNDARY.as_bytes()).unwrap())
}

/// A multipart body: `(name, filename, value)` per part, CRLF line breaks as browsers send.
fn multipart(parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut body = String::new();
    for (name, filename, value) in parts {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(f) = filename {
            body.push_str(&format!("; filename=\"{f}\"\r\nContent-Type: text/plain"));
        }
        body.push_str(&format!("\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

#[test]
fn multipart_fields_are_inspected_one_by_one() {
    let s = screener("{}");
    let benign = multipart(&[
        ("title", None, "Weekend"),
        ("note", None, "curl up with a good book"),
        ("more", None, "ssh into the cabin\nps: bring tea"),
    ]);
    assert_eq!(
        body_findings(&s, multipart_kind(), &benign).map(|f| f.len()),
        Ok(0)
    );

    let attack = multipart(&[("title", None, "x"), ("cmd", None, "; cat /etc/passwd")]);
    let found = body_findings(&s, multipart_kind(), &attack).unwrap();
    assert_eq!(found.first().map(|f| f.location.as_str()), Some("body:cmd"));
    let sqli = multipart(&[("q", None, "1' or '1'='1")]);
    assert_eq!(
        first(&body_findings(&s, multipart_kind(), &sqli).unwrap()),
        Some(("sqli-001", "body:q".into()))
    );
    // Names and file names carry payloads too.
    let name = multipart(&[("<script>alert(1)</script>", None, "x")]);
    assert!(!body_findings(&s, multipart_kind(), &name)
        .unwrap()
        .is_empty());
    let filename = multipart(&[("upload", Some("../../../etc/passwd"), "data")]);
    assert_eq!(
        first(&body_findings(&s, multipart_kind(), &filename).unwrap()),
        Some(("path-001", "body:upload".into()))
    );
}

#[test]
fn multipart_file_contents_as_the_policy_says() {
    let shell = multipart(&[("upload", Some("notes.txt"), "<script>alert(1)</script>")]);
    let skip = screener("{}");
    assert_eq!(
        body_findings(&skip, multipart_kind(), &shell).map(|f| f.len()),
        Ok(0)
    );
    let inspect = screener(r#"{"detect": {"multipart_files": "inspect"}}"#);
    assert_eq!(
        first(&body_findings(&inspect, multipart_kind(), &shell).unwrap()),
        Some(("xss-001", "body:upload".into()))
    );
    // Only the first `multipart_file_bytes` of a file are inspected.
    let late = multipart(&[(
        "upload",
        Some("notes.txt"),
        &format!("{}<script>alert(1)</script>", "a ".repeat(20)),
    )]);
    let short =
        screener(r#"{"detect": {"multipart_files": "inspect", "multipart_file_bytes": 16}}"#);
    assert_eq!(
        body_findings(&short, multipart_kind(), &late).map(|f| f.len()),
        Ok(0)
    );
    assert!(!body_findings(&inspect, multipart_kind(), &late)
        .unwrap()
        .is_empty());
}

#[test]
fn malformed_multipart_is_refused() {
    let s = screener("{}");
    let unclosed = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx");
    assert_eq!(
        body_findings(&s, multipart_kind(), &unclosed).map(|f| f.len()),
        Err("limit-multipart")
    );
    assert_eq!(
        body_findings(&s, multipart_kind(), "a=1&b=2").map(|f| f.len()),
        Err("limit-multipart")
    );
    let denial = Refusal::Limit(Limit::Multipart).denial();
    assert_eq!(denial.status, 400);
    // Cut at the inspection limit (`past_inspection: pass`), an open last part is inspected.
    let pass = screener(r#"{"limits": {"past_inspection": "pass"}}"#);
    let cut = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n; cat /etc/passwd"
    );
    let d = pass.screen_body(multipart_kind(), cut.as_bytes(), false, None, Mode::Block);
    assert!(
        matches!(d, BodyDecision::Refuse(Refusal::Finding(_))),
        "{d:?}"
    );

    // No boundary parameter: refused at the headers, before any body byte is read.
    let headers = request(&[
        ("content-type", "multipart/form-data"),
        ("content-length", "10"),
    ]);
    assert_eq!(
        s.screen_headers(&headers, true),
        HeaderDecision::Refuse(Refusal::Limit(Limit::Multipart))
    );
    let ok = request(&[
        (
            "content-type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        ),
        ("content-length", "10"),
    ]);
    assert!(matches!(
        s.screen_headers(&ok, true),
        HeaderDecision::Pass {
            body: BodyPlan::Inspect(BodyKind::Multipart(_)),
            ..
        }
    ));
    // Without body inspection the boundary does not matter.
    let no_body = screener(r#"{"detect": {"body": false}}"#);
    assert!(matches!(
        no_body.screen_headers(&headers, true),
        HeaderDecision::Pass { .. }
    ));
}

/// The request headers headless Chromium 130 sends for a page, a `fetch` and a multipart form.
const CHROME: [(&str, &str); 14] = [
    ("sec-ch-ua", r#""Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99""#),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", "\"Linux\""),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
    ("sec-fetch-site", "same-origin"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
    ("cache-control", "max-age=0"),
    ("content-type", "multipart/form-data; boundary=----WebKitFormBoundaryzVq2n9Yc1ruVWbTR"),
];

#[test]
fn star_headers_pass_a_browser() {
    for level in [1, 2] {
        let s = screener(&format!(
            r#"{{"detect": {{"headers": ["*"], "paranoia": {level}}}}}"#
        ));
        assert_eq!(first(&header_findings(&s, &CHROME)), None, "level {level}");
        // Syntax that read as SQL when the value was inspected whole.
        for (name, value) in [
            ("content-type", "multipart/form-data; boundary=boundary"),
            ("content-type", "application/*+json"),
            ("accept", "*/*"),
            ("if-none-match", r#"W/"5e-1b4c", "x""#),
        ] {
            assert_eq!(
                first(&header_findings(&s, &[(name, value)])),
                None,
                "{name}: {value}"
            );
        }
    }
}

#[test]
fn star_headers_catch_payloads() {
    let s = screener(r#"{"detect": {"headers": ["*"]}}"#);
    for (name, value, category) in [
        ("x-custom", "' or 1=1--", "sqli"),
        ("x-forwarded-host", "<script>alert(1)</script>", "xss"),
        ("x-forwarded-for", "127.0.0.1; id; uname -a", "rce"),
        ("accept", "' or 1=1--", "sqli"),
        (
            "accept-language",
            "en' union select password from users--",
            "sqli",
        ),
        ("sec-ch-ua", r#""<script>alert(1)</script>";v="1""#, "xss"),
        ("sec-ch-ua", r#""x' or 1=1--";v="1""#, "sqli"),
        (
            "content-type",
            "text/plain; charset=\"<svg onload=alert(1)>\"",
            "xss",
        ),
        ("if-none-match", "\"../../etc/passwd\"", "traversal"),
    ] {
        let found = header_findings(&s, &[(name, value)]);
        assert_eq!(
            found
                .first()
                .map(|f| (f.rule.category.as_str(), f.location.clone())),
            Some((category, format!("header:{name}"))),
            "{name}: {value}"
        );
    }
}

#[test]
fn base64_values_are_inspected_decoded() {
    let s = screener(r#"{"mode": "detect"}"#);
    let findings = |path: &str| match s.screen_headers(&request_to(path, &[]), false) {
        HeaderDecision::Pass { findings, .. } => findings,
        HeaderDecision::Refuse(r) => panic!("{r:?}"),
    };
    // `<script>alert(1)</script>` and `' or 1=1-- ?>>`.
    assert_eq!(
        first(&findings("/?q=PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg%3D%3D")),
        Some(("xss-001", "query:q (base64)".into()))
    );
    assert_eq!(
        first(&findings("/?q=JyBvciAxPTEtLSA_Pj4")).map(|(id, l)| (&id[..4], l)),
        Some(("sqli", "query:q (base64)".into()))
    );
    // A path segment.
    assert_eq!(
        first(&findings("/share/PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg/view")),
        Some(("xss-001", "path (base64)".into()))
    );
    assert_eq!(
        first(&findings(
            "/api/v1/users/550e8400e29b41d4a716446655440000/profile"
        )),
        None
    );
    // `; cat /etc/passwd` in a JSON body value.
    let json = r#"{"data": "OyBjYXQgL2V0Yy9wYXNzd2Q="}"#;
    let found = body_findings(&s, BodyKind::Json, json).unwrap();
    assert_eq!(
        found.first().map(|f| f.location.as_str()),
        Some("body:data (base64)")
    );
    // A plain-looking body is still read value by value to find it (unpadded, letters only).
    let plain = r#"{"data": "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg"}"#;
    assert!(!body_findings(&s, BodyKind::Json, plain).unwrap().is_empty());
    // Ids, hashes, keys and benign encoded text pass.
    for path in [
        "/?id=9428e78841abcdef0123",
        "/?sha=d41d8cd98f00b204e9800998ecf8427e",
        "/?key=SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        // `Hello, world! How are you today?`
        "/?m=SGVsbG8sIHdvcmxkISBIb3cgYXJlIHlvdSB0b2RheT8%3D",
        // `{"user":"ada","roles":["admin"],"note":"it's fine"}`
        "/?state=eyJ1c2VyIjoiYWRhIiwicm9sZXMiOlsiYWRtaW4iXSwibm90ZSI6Iml0J3MgZmluZSJ9",
    ] {
        assert_eq!(first(&findings(path)), None, "{path}");
    }
}

#[test]
fn json_web_tokens_are_inspected_decoded() {
    let s = screener(r#"{"mode": "detect"}"#);
    let findings =
        |token: &str| match s.screen_headers(&request_to(&format!("/?t={token}"), &[]), false) {
            HeaderDecision::Pass { findings, .. } => findings,
            HeaderDecision::Refuse(r) => panic!("{r:?}"),
        };
    let benign = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assert_eq!(first(&findings(benign)), None);
    // Claims `{"sub":"1' or '1'='1"}`.
    let attack = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxJyBvciAnMSc9JzEifQ.sig";
    assert_eq!(
        first(&findings(attack)),
        Some(("sqli-001", "query:t (jwt)".into()))
    );
}

#[test]
fn entity_layers_in_markup() {
    let s = screener(r#"{"mode": "detect"}"#);
    for value in [
        "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
        "&amp;amp;lt;img src=x onerror=alert(1)&amp;amp;gt;",
        "&#38;lt;svg onload=alert(1)&#38;gt;",
        // Past the three rounds every value gets, markup still encoded is decoded further.
        "&amp;amp;amp;lt;script src=//evil.example/x.js&amp;amp;amp;gt;",
        "%2526amp%253Bamp%253Blt%253Biframe src=//evil.example%2526amp%253Bamp%253Bgt%253B",
        "%26amp%3Blt%3Bscript%26amp%3Bgt%3Balert(1)",
    ] {
        let json = serde_json::json!({ "comment": value }).to_string();
        let found = body_findings(&s, BodyKind::Json, &json).unwrap();
        assert_eq!(
            found.first().map(|f| f.rule.category.as_str()),
            Some("xss"),
            "{value}"
        );
    }
    let benign =
        serde_json::json!({ "comment": "Fish &amp;amp; chips &amp;lt;3 at A&amp;W" }).to_string();
    assert_eq!(
        body_findings(&s, BodyKind::Json, &benign).map(|f| f.len()),
        Ok(0)
    );
}
