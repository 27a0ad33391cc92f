//! Decisions for every kind of request the filter sees, including the bypass attempts that
//! peer implementations fell for.

use super::*;

const SPA: &str = r#"{
  "routes": [
    {"name": "api", "match": {"path_prefix": "/api/"},
     "allow_origins": ["https://app.example.com", "https://*.example.com"],
     "allow_origin_ports": [{"origin": "http://localhost", "ports": [3000, 5173]}],
     "allow_origin_regexes": ["https://pr-[0-9]+\\.preview\\.example\\.net"],
     "allow_methods": ["GET", "POST", "PUT", "PATCH"],
     "allow_headers": ["Content-Type", "x-csrf-token"],
     "expose_headers": ["x-request-id"],
     "allow_credentials": true,
     "max_age": 600},
    {"name": "public", "match": {"path_prefix": "/public/"},
     "allow_origins": ["*"], "allow_headers": ["*"], "allow_methods": ["*"],
     "allow_private_network": true, "mode": "report"},
    {"name": "sandbox", "match": {"path_prefix": "/sandbox/"},
     "allow_null_origin": true}
  ]
}"#;

fn engine() -> CorsEngine {
    CorsEngine::from_json(SPA.as_bytes()).unwrap()
}

fn request(method: &str, path: &str, extra: &[(&str, &str)]) -> HeaderList {
    let mut pairs = vec![
        (":method", method),
        (":path", path),
        (":authority", "api.example.org"),
        (":scheme", "https"),
    ];
    pairs.extend_from_slice(extra);
    HeaderList::from_pairs(&pairs)
}

fn get_from(origin: &str) -> CorsDecision {
    engine().decide(&request("GET", "/api/items", &[("origin", origin)]))
}

fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> CorsDecision {
    let mut extra = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if let Some(h) = headers {
        extra.push(("access-control-request-headers", h));
    }
    engine().decide(&request("OPTIONS", path, &extra))
}

fn allowed_origin(d: &CorsDecision) -> Option<&str> {
    match d {
        CorsDecision::Allowed { plan, .. } => plan.allow_origin.as_deref(),
        _ => None,
    }
}

fn denied_for(d: &CorsDecision) -> Option<DenyReason> {
    match d {
        CorsDecision::Denied { reason, .. } => Some(*reason),
        _ => None,
    }
}

fn answer(d: &CorsDecision) -> Vec<(String, String)> {
    match d {
        CorsDecision::Preflight { headers, .. } => headers.clone(),
        other => panic!("not a preflight answer: {other:?}"),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn exact_origin_is_echoed() {
    let d = get_from("https://app.example.com");
    assert_eq!(allowed_origin(&d), Some("https://app.example.com"));
}

#[test]
fn origin_compared_case_insensitively_with_default_port() {
    assert_eq!(
        allowed_origin(&get_from("HTTPS://App.Example.COM")),
        Some("HTTPS://App.Example.COM")
    );
    assert!(allowed_origin(&get_from("https://app.example.com:443")).is_some());
    assert_eq!(
        denied_for(&get_from("https://app.example.com:8443")),
        Some(DenyReason::OriginNotAllowed)
    );
    assert_eq!(
        denied_for(&get_from("http://app.example.com")),
        Some(DenyReason::OriginNotAllowed),
        "the scheme is part of the origin"
    );
}

#[test]
fn wildcard_subdomains_only() {
    assert!(allowed_origin(&get_from("https://eu.example.com")).is_some());
    assert!(allowed_origin(&get_from("https://a.b.example.com")).is_some());
    for bypass in [
        "https://evil-example.com",
        "https://example.com.evil.net",
        "https://evilexample.com",
        "https://example.com",
        "https://eu.example.com.",
    ] {
        assert_eq!(
            denied_for(&get_from(bypass)),
            Some(DenyReason::OriginNotAllowed),
            "{bypass}"
        );
    }
}

#[test]
fn trailing_dot_is_another_origin() {
    assert_eq!(
        denied_for(&get_from("https://app.example.com.")),
        Some(DenyReason::OriginNotAllowed)
    );
}

#[test]
fn port_lists() {
    assert!(allowed_origin(&get_from("http://localhost:3000")).is_some());
    assert!(allowed_origin(&get_from("http://localhost:5173")).is_some());
    assert!(denied_for(&get_from("http://localhost:8080")).is_some());
    assert!(denied_for(&get_from("http://localhost")).is_some());
    assert!(denied_for(&get_from("https://localhost:3000")).is_some());
}

#[test]
fn regexes_are_anchored() {
    assert!(allowed_origin(&get_from("https://pr-42.preview.example.net")).is_some());
    assert!(allowed_origin(&get_from("https://PR-42.preview.example.net")).is_some());
    assert!(denied_for(&get_from("https://pr-42.preview.example.net.evil.com")).is_some());
    assert!(denied_for(&get_from("https://xpr-42.preview.example.net")).is_some());
    assert!(denied_for(&get_from("https://pr-x.preview.example.net")).is_some());
}

#[test]
fn malformed_origins_are_refused() {
    for bad in [
        "https://user@app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "app.example.com",
        "https://app.example.com, https://evil.net",
        "https://app.example.com:0",
        "https://.example.com",
        "https://app.exa mple.com",
        "",
    ] {
        assert_eq!(
            denied_for(&get_from(bad)),
            Some(DenyReason::OriginMalformed),
            "{bad:?}"
        );
    }
    let raw = HeaderList::new(vec![
        (":method".into(), b"GET".to_vec()),
        (":path".into(), b"/api/x".to_vec()),
        ("origin".into(), b"https://app.example.com\xff".to_vec()),
    ]);
    assert_eq!(
        denied_for(&engine().decide(&raw)),
        Some(DenyReason::OriginMalformed)
    );
}

#[test]
fn repeated_origin_is_ambiguous() {
    let d = engine().decide(&request(
        "GET",
        "/api/items",
        &[
            ("origin", "https://app.example.com"),
            ("Origin", "https://evil.net"),
        ],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::OriginMalformed));
}

#[test]
fn null_origin_needs_explicit_permission() {
    assert_eq!(
        denied_for(&get_from("null")),
        Some(DenyReason::OriginNotAllowed)
    );
    let d = engine().decide(&request("GET", "/sandbox/x", &[("origin", "null")]));
    assert_eq!(allowed_origin(&d), Some("null"));
    let d = engine().decide(&request(
        "GET",
        "/sandbox/x",
        &[("origin", "https://a.test")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::OriginNotAllowed));
}

#[test]
fn no_origin_and_same_origin_are_untouched() {
    let d = engine().decide(&request("GET", "/api/items", &[]));
    assert!(matches!(
        d,
        CorsDecision::NotCrossOrigin(ResponsePlan {
            route: Some(0),
            allow_origin: None,
            strip_cors: false
        })
    ));
    let d = engine().decide(&request(
        "POST",
        "/api/items",
        &[("origin", "https://API.example.org:443")],
    ));
    assert!(matches!(d, CorsDecision::NotCrossOrigin(_)), "{d:?}");
    let d = engine().decide(&request(
        "POST",
        "/api/items",
        &[("origin", "http://api.example.org")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::OriginNotAllowed));
}

#[test]
fn forwarded_proto_only_when_trusted() {
    let behind_lb = |trust: bool| {
        let policy = format!(
            r#"{{"trust_forwarded_proto": {trust}, "routes": [{{"allow_origins": ["https://a.test"]}}]}}"#
        );
        CorsEngine::from_json(policy.as_bytes())
            .unwrap()
            .decide(&HeaderList::from_pairs(&[
                (":method", "POST"),
                (":path", "/"),
                (":authority", "api.example.org"),
                (":scheme", "http"),
                ("x-forwarded-proto", "https"),
                ("origin", "https://api.example.org"),
            ]))
    };
    assert!(matches!(behind_lb(true), CorsDecision::NotCrossOrigin(_)));
    assert_eq!(
        denied_for(&behind_lb(false)),
        Some(DenyReason::OriginNotAllowed)
    );
}

#[test]
fn no_route_denies_cross_origin_requests() {
    let d = engine().decide(&request(
        "GET",
        "/other",
        &[("origin", "https://app.example.com")],
    ));
    assert_eq!(
        d,
        CorsDecision::Denied {
            route: None,
            reason: DenyReason::NoRoute
        }
    );
}

#[test]
fn preflight_is_answered_with_everything_a_browser_checks() {
    let h = answer(&preflight(
        "/api/items",
        "https://app.example.com",
        "PUT",
        Some("Content-Type, X-CSRF-Token"),
    ));
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        header(&h, "access-control-allow-methods"),
        Some("GET, POST, PUT, PATCH")
    );
    assert_eq!(
        header(&h, "access-control-allow-headers"),
        Some("content-type, x-csrf-token")
    );
    assert_eq!(header(&h, "access-control-max-age"), Some("600"));
    assert_eq!(header(&h, "access-control-allow-credentials"), Some("true"));
    assert!(header(&h, "vary")
        .unwrap()
        .starts_with("Origin, Access-Control-Request-Method"));
    assert_eq!(header(&h, "access-control-allow-private-network"), None);
}

#[test]
fn preflight_method_is_case_sensitive_and_checked() {
    assert_eq!(
        denied_for(&preflight(
            "/api/items",
            "https://app.example.com",
            "DELETE",
            None
        )),
        Some(DenyReason::MethodNotAllowed)
    );
    assert_eq!(
        denied_for(&preflight(
            "/api/items",
            "https://app.example.com",
            "patch",
            None
        )),
        Some(DenyReason::MethodNotAllowed),
        "browsers send PATCH as written; 'patch' is another method"
    );
    assert_eq!(
        denied_for(&preflight(
            "/api/items",
            "https://app.example.com",
            "",
            None
        )),
        Some(DenyReason::MethodNotAllowed)
    );
}

#[test]
fn preflight_headers_are_checked_case_insensitively() {
    assert_eq!(
        denied_for(&preflight(
            "/api/items",
            "https://app.example.com",
            "POST",
            Some("content-type,x-admin")
        )),
        Some(DenyReason::HeaderNotAllowed)
    );
    assert_eq!(
        denied_for(&preflight(
            "/api/items",
            "https://app.example.com",
            "POST",
            Some("content-type, bad header")
        )),
        Some(DenyReason::HeaderNotAllowed)
    );
    let h = answer(&preflight(
        "/api/items",
        "https://app.example.com",
        "POST",
        Some(" ,CONTENT-TYPE ,"),
    ));
    assert_eq!(
        header(&h, "access-control-allow-headers"),
        Some("content-type")
    );
    let h = answer(&preflight(
        "/api/items",
        "https://app.example.com",
        "POST",
        None,
    ));
    assert_eq!(header(&h, "access-control-allow-headers"), None);
}

#[test]
fn preflight_from_disallowed_origin_is_denied_before_anything_else() {
    assert_eq!(
        denied_for(&preflight("/api/items", "https://evil.net", "GET", None)),
        Some(DenyReason::OriginNotAllowed)
    );
}

#[test]
fn plain_options_goes_to_upstream() {
    let d = engine().decide(&request("OPTIONS", "/api/items", &[]));
    assert!(matches!(d, CorsDecision::NotCrossOrigin(_)));
    // Origin without Access-Control-Request-Method: an actual cross-origin OPTIONS request.
    let d = engine().decide(&request(
        "OPTIONS",
        "/api/items",
        &[("origin", "https://app.example.com")],
    ));
    assert!(matches!(d, CorsDecision::Allowed { .. }), "{d:?}");
    // Higress took any OPTIONS for a preflight; a POST carrying the header is not one either.
    let d = engine().decide(&request(
        "POST",
        "/api/items",
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "PUT"),
        ],
    ));
    assert!(matches!(d, CorsDecision::Allowed { .. }), "{d:?}");
}

#[test]
fn wildcard_route_answers_star_and_echoes_requests() {
    let h = answer(&preflight(
        "/public/x",
        "https://anyone.test",
        "DELETE",
        Some("X-Anything"),
    ));
    assert_eq!(header(&h, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&h, "access-control-allow-methods"), Some("DELETE"));
    assert_eq!(
        header(&h, "access-control-allow-headers"),
        Some("x-anything")
    );
    assert_eq!(header(&h, "access-control-allow-credentials"), None);
    let d = engine().decide(&request(
        "GET",
        "/public/x",
        &[("origin", "https://anyone.test")],
    ));
    assert_eq!(allowed_origin(&d), Some("*"));
}

#[test]
fn private_network_access() {
    let pna = |path: &str| {
        engine().decide(&request(
            "OPTIONS",
            path,
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "GET"),
                ("access-control-request-private-network", "true"),
            ],
        ))
    };
    assert_eq!(
        denied_for(&pna("/api/x")),
        Some(DenyReason::PrivateNetworkNotAllowed)
    );
    let h = answer(&pna("/public/x"));
    assert_eq!(
        header(&h, "access-control-allow-private-network"),
        Some("true")
    );
    assert!(header(&h, "vary")
        .unwrap()
        .ends_with("Access-Control-Request-Private-Network"));
}

#[test]
fn report_mode_passes_and_strips() {
    let policy = r#"{"mode": "report", "routes": [{"allow_origins": ["https://a.test"]}]}"#;
    let e = CorsEngine::from_json(policy.as_bytes()).unwrap();
    let d = e.decide(&request("GET", "/x", &[("origin", "https://evil.net")]));
    let CorsDecision::Reported {
        route: Some(0),
        reason: DenyReason::OriginNotAllowed,
        plan,
    } = &d
    else {
        panic!("{d:?}");
    };
    let upstream = HeaderList::from_pairs(&[
        ("access-control-allow-origin", "*"),
        ("access-control-allow-credentials", "true"),
    ]);
    let edits = e.response_edits(plan, &upstream);
    assert!(edits.contains(&HeaderEdit::Remove("access-control-allow-origin".into())));
    assert!(edits.contains(&HeaderEdit::Remove(
        "access-control-allow-credentials".into()
    )));
    assert!(!edits
        .iter()
        .any(|e| matches!(e, HeaderEdit::Set(n, _) if n.starts_with("access-control"))));
}

#[test]
fn per_route_mode_overrides_policy_mode() {
    let d = engine().decide(&request("GET", "/public/x", &[("origin", "null")]));
    assert!(
        matches!(
            d,
            CorsDecision::Reported {
                reason: DenyReason::OriginNotAllowed,
                ..
            }
        ),
        "{d:?}"
    );
}

#[test]
fn actual_response_replaces_upstream_cors_headers() {
    let e = engine();
    let d = e.decide(&request(
        "GET",
        "/api/items",
        &[("origin", "https://app.example.com")],
    ));
    let CorsDecision::Allowed { plan, .. } = d else {
        panic!()
    };
    let upstream = HeaderList::from_pairs(&[
        ("access-control-allow-origin", "*"),
        ("vary", "Accept-Encoding"),
        ("content-type", "application/json"),
    ]);
    let edits = e.response_edits(&plan, &upstream);
    assert_eq!(
        edits,
        vec![
            HeaderEdit::Remove("access-control-allow-origin".into()),
            HeaderEdit::Set(
                "access-control-allow-origin".into(),
                "https://app.example.com".into()
            ),
            HeaderEdit::Set("access-control-allow-credentials".into(), "true".into()),
            HeaderEdit::Set(
                "access-control-expose-headers".into(),
                "x-request-id".into()
            ),
            HeaderEdit::Set("vary".into(), "Accept-Encoding, Origin".into()),
        ]
    );
}

#[test]
fn vary_origin_even_without_origin_but_not_twice() {
    let e = engine();
    let plan = ResponsePlan {
        route: Some(0),
        ..ResponsePlan::default()
    };
    assert_eq!(
        e.response_edits(&plan, &HeaderList::default()),
        vec![HeaderEdit::Set("vary".into(), "Origin".into())]
    );
    let upstream = HeaderList::from_pairs(&[("vary", "accept, origin")]);
    assert!(e.response_edits(&plan, &upstream).is_empty());
    let upstream = HeaderList::from_pairs(&[("vary", "*")]);
    assert!(e.response_edits(&plan, &upstream).is_empty());
    // A route that answers `*` to everyone does not vary.
    let public = ResponsePlan {
        route: Some(1),
        ..ResponsePlan::default()
    };
    assert!(e.response_edits(&public, &HeaderList::default()).is_empty());
}

#[test]
fn security_headers_keep_upstream_values_unless_told() {
    let policy = r#"{
      "security_headers": {"content_type_options": true, "frame_options": "DENY",
                           "strict_transport_security": "max-age=63072000",
                           "referrer_policy": "no-referrer"},
      "routes": [{"match": {"path_prefix": "/embed/"}, "allow_origins": ["*"],
                  "security_headers": {"frame_options": "SAMEORIGIN", "override_upstream": true}}]
    }"#;
    let e = CorsEngine::from_json(policy.as_bytes()).unwrap();
    let upstream = HeaderList::from_pairs(&[("x-frame-options", "SAMEORIGIN")]);
    let d = e.decide(&request("GET", "/page", &[]));
    let CorsDecision::NotCrossOrigin(plan) = d else {
        panic!()
    };
    assert_eq!(
        e.response_edits(&plan, &upstream),
        vec![
            HeaderEdit::Set(
                "strict-transport-security".into(),
                "max-age=63072000".into()
            ),
            HeaderEdit::Set("x-content-type-options".into(), "nosniff".into()),
            HeaderEdit::Set("referrer-policy".into(), "no-referrer".into()),
        ]
    );
    let d = e.decide(&request("GET", "/embed/x", &[]));
    let CorsDecision::NotCrossOrigin(plan) = d else {
        panic!()
    };
    assert_eq!(
        e.response_edits(
            &plan,
            &HeaderList::from_pairs(&[("x-frame-options", "DENY")])
        ),
        vec![HeaderEdit::Set(
            "x-frame-options".into(),
            "SAMEORIGIN".into()
        )]
    );
}

#[test]
fn route_labels_name_counters() {
    let e = engine();
    let labels: Vec<&str> = e.route_labels().collect();
    assert_eq!(labels, ["api", "public", "sandbox"]);
    let e = CorsEngine::from_json(br#"{"routes":[{},{"name":"x"}]}"#).unwrap();
    assert_eq!(e.route_labels().collect::<Vec<_>>(), ["route0", "x"]);
}

#[test]
fn host_match_selects_routes() {
    let policy = r#"{"routes": [
      {"match": {"host": "api.example.org"}, "allow_origins": ["https://a.test"]},
      {"allow_origins": ["https://b.test"]}
    ]}"#;
    let e = CorsEngine::from_json(policy.as_bytes()).unwrap();
    let on = |host: &str, origin: &str| {
        e.decide(&HeaderList::from_pairs(&[
            (":method", "GET"),
            (":path", "/"),
            (":authority", host),
            ("origin", origin),
        ]))
    };
    assert!(matches!(
        on("API.example.org:8080", "https://a.test"),
        CorsDecision::Allowed { route: 0, .. }
    ));
    assert!(matches!(
        on("other.org", "https://b.test"),
        CorsDecision::Allowed { route: 1, .. }
    ));
    assert!(denied_for(&on("other.org", "https://a.test")).is_some());
}

#[test]
fn path_normalisation_cannot_dodge_a_route() {
    let d = engine().decide(&request(
        "GET",
        "/public/../api/items",
        &[("origin", "https://evil.net")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::OriginNotAllowed));
}

#[test]
fn denial_is_uniform_and_says_nothing_of_the_origin() {
    let r = denial().render(None);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("cors_forbidden"));
    assert!(!r.body.contains("http"));
}

fn engine_with_routing(routing: &str) -> CorsEngine {
    let json = SPA.replacen('{', &format!("{{\"routing\": {routing},"), 1);
    CorsEngine::from_json(json.as_bytes()).unwrap()
}

/// `/sandbox/` admits the `null` origin and `/api/` does not: a path that reads as `/api/…` to
/// the upstream must not get the sandbox's answer.
#[test]
fn ambiguous_paths_are_refused_by_default() {
    let e = engine();
    for path in [
        "/sandbox/..%2fapi/items",
        "/sandbox/..%5Capi/items",
        "/sandbox/..\\api/items",
        "/sandbox/..;/api/items",
    ] {
        let d = e.decide(&request("GET", path, &[("origin", "null")]));
        assert_eq!(denied_for(&d), Some(DenyReason::AmbiguousPath), "{path}");
        assert_eq!(DenyReason::AmbiguousPath.denial().status, 400);
    }
    // Case variant: no route covers `/API/`, the upstream may read it as `/api/`.
    let d = e.decide(&request(
        "GET",
        "/API/items",
        &[("origin", "https://app.example.com")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::AmbiguousPath));
    // The plain path, and readings that all decide alike, are untouched.
    let d = e.decide(&request("GET", "/sandbox/x", &[("origin", "null")]));
    assert_eq!(d.route(), Some(2));
    assert!(matches!(d, CorsDecision::Allowed { .. }), "{d:?}");
    let d = e.decide(&request(
        "GET",
        "/api/Items;v=2",
        &[("origin", "https://app.example.com")],
    ));
    assert_eq!(allowed_origin(&d), Some("https://app.example.com"));
}

#[test]
fn strictest_applies_the_most_restrictive_reading() {
    let e = engine_with_routing(r#"{"ambiguous_paths": "strictest"}"#);
    let d = e.decide(&request(
        "GET",
        "/sandbox/..%2fapi/items",
        &[("origin", "null")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::OriginNotAllowed));
    let d = e.decide(&request(
        "GET",
        "/API/items",
        &[("origin", "https://app.example.com")],
    ));
    assert_eq!(denied_for(&d), Some(DenyReason::NoRoute));
}

#[test]
fn case_insensitive_routes_match_case_variants() {
    let e = engine_with_routing(r#"{"case_insensitive": true}"#);
    let d = e.decide(&request(
        "GET",
        "/API/items",
        &[("origin", "https://app.example.com")],
    ));
    assert_eq!(allowed_origin(&d), Some("https://app.example.com"));
    assert_eq!(
        denied_for(&e.decide(&request(
            "GET",
            "/Sandbox/..%2fapi/x",
            &[("origin", "null")]
        ))),
        Some(DenyReason::AmbiguousPath)
    );
}
