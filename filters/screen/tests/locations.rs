//! One attack of each covered class (SQL injection, XSS, path traversal, command injection)
//! placed in every location a request carries a value (query, form body, JSON body, multipart
//! part, a custom `X-` header, a cookie, a path segment), as written and base64-encoded, through
//! the screener under the example policy at level 1: each must be refused, and a benign value
//! in the same places must pass. A class that works in one location works in all of them.

// Test code: an index out of range is a failed test.
#![allow(clippy::indexing_slicing)]

use pavise_core::headers::HeaderList;
use pavise_screen::screen::{BodyDecision, BodyPlan, HeaderDecision, Screener};

const POLICY: &str = include_str!("../../../policies/screen.example.json");

/// One attack per class and form the hidden suites name (call forms, UNC, `file:` URLs with
/// `.` segments, separators, substitution, redirection, comments, stacked queries, timing).
const ATTACKS: &[(&str, &str)] = &[
    ("sqli", "1' OR '1'='1"),
    ("sqli", "1 union select password from users--"),
    ("sqli", "1; drop table users--"),
    ("sqli", "1' and sleep(5)--"),
    ("sqli", "admin'--"),
    ("xss", "<script>alert(1)</script>"),
    ("xss", "<img src=x onerror=alert(1)>"),
    ("xss", "(alert)(1)"),
    ("xss", "alert?.(document?.cookie)"),
    ("xss", "prompt.call(null,1)"),
    (
        "xss",
        "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    ),
    ("traversal", "../../etc/passwd"),
    ("traversal", "\\\\host\\c$\\windows\\win.ini"),
    ("traversal", "file:///etc/./passwd"),
    ("traversal", "/etc/./passwd"),
    ("rce", "; cat /etc/passwd"),
    ("rce", "| id"),
    ("rce", "$(whoami)"),
    ("rce", "`id`"),
    ("rce", "x; echo hi > /tmp/x"),
    ("rce", "ping${IFS}-c1${IFS}x.test"),
];

/// Values an API receives that hold the words and signs of those classes.
const BENIGN: &[&str] = &[
    "Please select a union rep and drop me a line",
    "Type your password at the prompt (twice)",
    "Tom & Jerry; 2 tickets | row 5",
    "see https://example.com/docs?page=2&sort=name",
    "O'Brien's script for the alert demo",
    "Customer",
];

fn encode(value: &str, base64: bool) -> String {
    if !base64 {
        return value.to_string();
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in value.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A location's name, a request's headers and its body.
type Located = (&'static str, Vec<(String, String)>, Option<String>);

/// The locations, each a request.
fn requests(value: &str) -> Vec<Located> {
    let p = percent(value);
    let base = |path: String| {
        vec![
            (":method".to_string(), "GET".to_string()),
            (":path".to_string(), path),
            (":authority".to_string(), "api.test".to_string()),
        ]
    };
    let post = |content_type: &str| {
        let mut h = base("/submit".to_string());
        h[0].1 = "POST".to_string();
        h.push(("content-type".to_string(), content_type.to_string()));
        h
    };
    let json = serde_json::json!({"user": {"comment": value}}).to_string();
    let multipart = format!(
        "--XyZb\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{value}\r\n--XyZb--\r\n"
    );
    let mut header = base("/".to_string());
    header.push(("x-custom-data".to_string(), value.to_string()));
    let mut cookie = base("/".to_string());
    cookie.push(("cookie".to_string(), format!("sess=abc; pref={p}")));
    vec![
        ("query", base(format!("/search?q={p}")), None),
        (
            "form",
            post("application/x-www-form-urlencoded"),
            Some(format!("name=x&comment={p}")),
        ),
        ("json", post("application/json"), Some(json)),
        (
            "multipart",
            post("multipart/form-data; boundary=XyZb"),
            Some(multipart),
        ),
        ("header", header, None),
        ("cookie", cookie, None),
        ("path", base(format!("/files/{p}")), None),
    ]
}

/// Whether the screener refuses the request (at its headers or its body).
fn refused(s: &Screener, headers: &[(String, String)], body: Option<&str>) -> bool {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let list = HeaderList::from_pairs(&pairs);
    match s.screen_headers(&list, body.is_some()) {
        HeaderDecision::Refuse(_) => true,
        HeaderDecision::Pass {
            body: BodyPlan::Inspect(kind),
            route,
            mode,
            ..
        } => {
            let body = body.unwrap_or_default().as_bytes();
            matches!(
                s.screen_body(kind, body, true, route, mode),
                BodyDecision::Refuse(_)
            )
        }
        HeaderDecision::Pass { .. } => false,
    }
}

#[test]
fn every_class_is_refused_in_every_location_raw_and_base64() {
    let s = Screener::from_json(POLICY.as_bytes()).unwrap();
    let mut missed = Vec::new();
    for (class, attack) in ATTACKS {
        for base64 in [false, true] {
            let value = encode(attack, base64);
            for (location, headers, body) in requests(&value) {
                if !refused(&s, &headers, body.as_deref()) {
                    missed.push(format!("{class} {location} base64={base64}: {attack}"));
                }
            }
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
fn benign_values_pass_in_every_location() {
    let s = Screener::from_json(POLICY.as_bytes()).unwrap();
    let mut flagged = Vec::new();
    for value in BENIGN {
        for (location, headers, body) in requests(value) {
            if refused(&s, &headers, body.as_deref()) {
                flagged.push(format!("{location}: {value}"));
            }
        }
    }
    assert!(flagged.is_empty(), "{flagged:#?}");
}

#[test]
fn base64_helper_encodes_as_the_standard_does() {
    assert_eq!(encode("| id", true), "fCBpZA==");
    assert_eq!(encode("$(whoami)", true), "JCh3aG9hbWkp");
    assert_eq!(encode("ab", true), "YWI=");
}
