//! The per-request decision: is this a cross-origin request, which route covers it, is its
//! origin allowed, and for a preflight, are the method, headers and private-network access it
//! asks for allowed.
//!
//! [`CorsEngine::decide`] takes the request headers and returns a [`CorsDecision`]; what the
//! response then needs is a [`ResponsePlan`], turned into header edits by
//! [`CorsEngine::response_edits`] once the upstream's headers are known. Nothing here touches
//! the proxy.

use crate::engine::{Allowed, CompiledRoute, CorsEngine};
use crate::origin::{Origin, RequestOrigin};
use crate::policy::Mode;
use pavise_core::denial::Denial;
use pavise_core::headers::{trim_ows, HeaderEdit, HeaderList, SingleHeader};
use pavise_core::readings::{ambiguous_path_denial, AmbiguousPaths, PathReadings};
use pavise_core::route::first_match_with;
use std::borrow::Cow;

/// Why a cross-origin request is not allowed. Each has its counters
/// (`pavise_cors_requests_total{decision="denied"|"reported",reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// No route covers the request: nothing is allowed cross-origin there.
    NoRoute,
    /// An origin the route does not list (including `null` unless allowed).
    OriginNotAllowed,
    /// An `Origin` header no browser would send, or more than one.
    OriginMalformed,
    /// A preflight asking for a method the route does not allow.
    MethodNotAllowed,
    /// A preflight asking for a request header the route does not allow.
    HeaderNotAllowed,
    /// A Private Network Access preflight on a route that does not allow it.
    PrivateNetworkNotAllowed,
    /// A path other servers could read as a path under a different route
    /// (`routing.ambiguous_paths: "refuse"`): refused with 400 whatever the mode.
    AmbiguousPath,
}

impl DenyReason {
    pub const ALL: [DenyReason; 7] = [
        DenyReason::NoRoute,
        DenyReason::OriginNotAllowed,
        DenyReason::OriginMalformed,
        DenyReason::MethodNotAllowed,
        DenyReason::HeaderNotAllowed,
        DenyReason::PrivateNetworkNotAllowed,
        DenyReason::AmbiguousPath,
    ];

    /// The name in logs and metric names.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::NoRoute => "no_route",
            DenyReason::OriginNotAllowed => "origin_not_allowed",
            DenyReason::OriginMalformed => "origin_malformed",
            DenyReason::MethodNotAllowed => "method_not_allowed",
            DenyReason::HeaderNotAllowed => "header_not_allowed",
            DenyReason::PrivateNetworkNotAllowed => "private_network_not_allowed",
            DenyReason::AmbiguousPath => "ambiguous_path",
        }
    }

    /// The response that refuses a request for this reason.
    pub fn denial(self) -> Denial {
        match self {
            DenyReason::AmbiguousPath => ambiguous_path_denial(),
            _ => denial(),
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsDecision {
    /// No `Origin`, or the request's own origin: not CORS. Only security headers apply.
    NotCrossOrigin(ResponsePlan),
    /// An allowed cross-origin request: forward it, then add the CORS headers to the response.
    Allowed { route: usize, plan: ResponsePlan },
    /// An allowed preflight: answer it here with 204 and these headers.
    Preflight {
        route: usize,
        headers: Vec<(String, String)>,
    },
    /// A disallowed request in `report` mode: forward it, strip CORS headers from the response.
    Reported {
        route: Option<usize>,
        reason: DenyReason,
        plan: ResponsePlan,
    },
    /// A disallowed request in `enforce` mode: answer 403.
    Denied {
        route: Option<usize>,
        reason: DenyReason,
    },
}

impl CorsDecision {
    /// The route that covered the request, if any.
    pub fn route(&self) -> Option<usize> {
        match self {
            CorsDecision::NotCrossOrigin(plan) => plan.route,
            CorsDecision::Allowed { route, .. } | CorsDecision::Preflight { route, .. } => {
                Some(*route)
            }
            CorsDecision::Reported { route, .. } | CorsDecision::Denied { route, .. } => *route,
        }
    }

    /// How restrictive the decision is: a refusal over a report over letting through.
    fn restriction(&self) -> u8 {
        match self {
            CorsDecision::Denied { .. } => 2,
            CorsDecision::Reported { .. } => 1,
            _ => 0,
        }
    }
}

/// What the response needs, decided with the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponsePlan {
    /// The route that covered the request.
    pub route: Option<usize>,
    /// The `Access-Control-Allow-Origin` value, for an allowed cross-origin request.
    pub allow_origin: Option<String>,
    /// Remove CORS headers the upstream set even though none are added (report mode).
    pub strip_cors: bool,
}

/// The response headers the filter owns on a cross-origin response; an upstream's values are
/// replaced, never duplicated.
pub const CORS_RESPONSE_HEADERS: [&str; 7] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-allow-private-network",
];

/// The 403 for a disallowed cross-origin request.
pub fn denial() -> Denial {
    Denial::new(
        403,
        "cors_forbidden",
        "this origin is not allowed to make this request",
    )
}

impl CorsEngine {
    /// Decides one request from its headers (pseudo-headers included).
    ///
    /// The request is decided on every reading of its path ([`PathReadings`]). When readings
    /// decide differently the path is ambiguous: refused with 400, or (`strictest`) refused or
    /// reported if any reading is.
    pub fn decide(&self, headers: &HeaderList) -> CorsDecision {
        let path = headers.get_str(":path").unwrap_or("/");
        let readings = PathReadings::of(path, self.routing.case_insensitive);
        let canonical = self.decide_on(headers, readings.canonical());
        if readings.is_single() {
            return canonical;
        }
        let others: Vec<CorsDecision> = readings
            .all()
            .skip(1)
            .map(|reading| self.decide_on(headers, reading))
            .filter(|d| *d != canonical)
            .collect();
        if others.is_empty() {
            return canonical;
        }
        match self.routing.ambiguous_paths {
            AmbiguousPaths::Refuse => CorsDecision::Denied {
                route: canonical.route(),
                reason: DenyReason::AmbiguousPath,
            },
            AmbiguousPaths::Strictest => std::iter::once(canonical)
                .chain(others)
                // The first of the most restrictive: the canonical reading's when it is one.
                .min_by_key(|d| std::cmp::Reverse(d.restriction()))
                .unwrap_or(CorsDecision::Denied {
                    route: None,
                    reason: DenyReason::AmbiguousPath,
                }),
        }
    }

    /// The decision for one reading `path` of the request's path.
    fn decide_on(&self, headers: &HeaderList, path: &str) -> CorsDecision {
        let authority = headers.get_str(":authority").unwrap_or_default();
        let route = first_match_with(
            &self.routes,
            |r| &r.route,
            authority,
            path,
            self.routing.case_insensitive,
        );
        let index = route.map(|(i, _)| i);
        let raw_origin = match headers.single("origin") {
            SingleHeader::Absent => return CorsDecision::NotCrossOrigin(plan_for(index)),
            SingleHeader::One(v) => v,
            SingleHeader::Repeated => {
                return self.refuse(route, DenyReason::OriginMalformed);
            }
        };
        let origin = match RequestOrigin::parse(raw_origin) {
            Ok(o) => o,
            Err(_) => return self.refuse(route, DenyReason::OriginMalformed),
        };
        if let RequestOrigin::Tuple(o) = &origin {
            if self.is_same_origin(o, headers, authority) {
                return CorsDecision::NotCrossOrigin(plan_for(index));
            }
        }
        let Some((index, rule)) = route else {
            return self.refuse(None, DenyReason::NoRoute);
        };
        if !rule.allows_origin(&origin) {
            return self.refuse(route, DenyReason::OriginNotAllowed);
        }
        let echoed = if rule.any_origin && !rule.credentials {
            "*".to_string()
        } else {
            // Validated visible ASCII: the browser's own serialisation, echoed as sent.
            String::from_utf8_lossy(trim_ows(raw_origin)).into_owned()
        };
        if is_preflight(headers) {
            return match rule.preflight_headers(headers, &echoed) {
                Ok(answer) => CorsDecision::Preflight {
                    route: index,
                    headers: answer,
                },
                Err(reason) => self.refuse(route, reason),
            };
        }
        CorsDecision::Allowed {
            route: index,
            plan: ResponsePlan {
                route: Some(index),
                allow_origin: Some(echoed),
                strip_cors: false,
            },
        }
    }

    fn refuse(&self, route: Option<(usize, &CompiledRoute)>, reason: DenyReason) -> CorsDecision {
        let index = route.map(|(i, _)| i);
        let mode = route.map_or(self.mode, |(_, r)| r.mode);
        match mode {
            Mode::Enforce => CorsDecision::Denied {
                route: index,
                reason,
            },
            Mode::Report => CorsDecision::Reported {
                route: index,
                reason,
                plan: ResponsePlan {
                    route: index,
                    allow_origin: None,
                    strip_cors: true,
                },
            },
        }
    }

    /// Whether the origin is the request's own: the browser sends `Origin` on same-origin
    /// `POST`s too, and those are not CORS.
    fn is_same_origin(&self, origin: &Origin, headers: &HeaderList, authority: &str) -> bool {
        // The request's own host is where its authority starts (lowercase, an IPv6 literal in
        // brackets): an origin whose host is not there is another origin, known without
        // building and parsing the request's own, as most cross-origin requests are.
        let own_host_may_match = authority
            .as_bytes()
            .get(..origin.host.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(origin.host.as_bytes()));
        if !own_host_may_match {
            return false;
        }
        let forwarded = self
            .trust_forwarded_proto
            .then(|| headers.get_str("x-forwarded-proto"))
            .flatten();
        let scheme = forwarded
            .or_else(|| headers.get_str(":scheme"))
            .unwrap_or("http");
        Origin::parse(&format!("{}://{authority}", scheme.trim())).is_ok_and(|own| own == *origin)
    }

    /// The response header edits for `plan`, given the headers the upstream sent.
    pub fn response_edits<'a>(
        &'a self,
        plan: &'a ResponsePlan,
        upstream: &HeaderList,
    ) -> Vec<HeaderEdit<'a>> {
        let mut edits = Vec::with_capacity(8);
        let route = plan.route.and_then(|i| self.routes.get(i));
        if plan.strip_cors || plan.allow_origin.is_some() {
            for name in CORS_RESPONSE_HEADERS {
                if upstream.contains(name) {
                    edits.push(HeaderEdit::Remove(name.into()));
                }
            }
        }
        if let (Some(origin), Some(rule)) = (&plan.allow_origin, route) {
            edits.push(set("access-control-allow-origin", origin));
            if rule.credentials {
                edits.push(set("access-control-allow-credentials", "true"));
            }
            if let Some(expose) = &rule.expose {
                edits.push(set("access-control-expose-headers", expose));
            }
        }
        // A response on a route that answers per origin varies by origin even when this
        // request had none: a shared cache must not hand it to another origin.
        if route.is_some_and(|r| !r.any_origin || r.credentials) {
            if let Some(vary) = merged_vary(upstream, "Origin") {
                edits.push(set("vary", vary));
            }
        }
        let security = match route {
            Some(r) => r.security.as_ref(),
            None => self.security.as_ref(),
        };
        if let Some(security) = security {
            for (name, value) in security.headers() {
                if security.override_upstream || !upstream.contains(name) {
                    edits.push(set(name, value));
                }
            }
        }
        edits
    }
}

fn set<'a>(name: &'a str, value: impl Into<Cow<'a, str>>) -> HeaderEdit<'a> {
    HeaderEdit::Set(name.into(), value.into())
}

fn plan_for(route: Option<usize>) -> ResponsePlan {
    ResponsePlan {
        route,
        allow_origin: None,
        strip_cors: false,
    }
}

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. A plain
/// `OPTIONS` is an ordinary request for the upstream.
fn is_preflight(headers: &HeaderList) -> bool {
    headers.get(":method") == Some(b"OPTIONS") && headers.contains("access-control-request-method")
}

/// The `Vary` value with `token` (as it is to be written, e.g. `Origin`) added, or `None` when
/// it is already there (any case) or the value is `*`.
fn merged_vary(upstream: &HeaderList, token: &'static str) -> Option<Cow<'static, str>> {
    let mut values = upstream.get_all("vary").peekable();
    if values.peek().is_none() {
        // Most upstreams send no `Vary`.
        return Some(token.into());
    }
    let existing: Vec<String> = values
        .flat_map(|v| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|t| t.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    if existing
        .iter()
        .any(|t| t == "*" || t.eq_ignore_ascii_case(token))
    {
        return None;
    }
    let mut all = existing;
    all.push(token.to_string());
    Some(all.join(", ").into())
}

impl CompiledRoute {
    fn allows_origin(&self, origin: &RequestOrigin) -> bool {
        match origin {
            RequestOrigin::Null => self.allow_null,
            RequestOrigin::Tuple(o) => {
                self.any_origin || self.patterns.iter().any(|p| p.matches(o))
            }
        }
    }

    /// The headers of the 204 answer to an allowed origin's preflight, or why it is refused.
    fn preflight_headers(
        &self,
        headers: &HeaderList,
        allow_origin: &str,
    ) -> Result<Vec<(String, String)>, DenyReason> {
        let method = match headers.single("access-control-request-method") {
            SingleHeader::One(m) => std::str::from_utf8(trim_ows(m)).unwrap_or_default(),
            _ => "",
        };
        let method_ok = pavise_core::headers::is_token(method)
            && match &self.methods {
                Allowed::Any => true,
                Allowed::Listed(list) => list.iter().any(|m| m == method),
            };
        if !method_ok {
            return Err(DenyReason::MethodNotAllowed);
        }
        let requested = requested_headers(headers).ok_or(DenyReason::HeaderNotAllowed)?;
        let headers_ok = match &self.headers {
            Allowed::Any => true,
            Allowed::Listed(list) => requested.iter().all(|h| list.contains(h)),
        };
        if !headers_ok {
            return Err(DenyReason::HeaderNotAllowed);
        }
        let private_network = headers
            .get("access-control-request-private-network")
            .is_some_and(|v| trim_ows(v).eq_ignore_ascii_case(b"true"));
        if private_network && !self.private_network {
            return Err(DenyReason::PrivateNetworkNotAllowed);
        }

        let mut out = vec![(
            "access-control-allow-origin".to_string(),
            allow_origin.to_string(),
        )];
        let methods = match self.methods {
            // `*` is a wildcard to browsers only without credentials: echo the method instead.
            Allowed::Any => method.to_string(),
            Allowed::Listed(_) => self.methods_header.clone(),
        };
        out.push(("access-control-allow-methods".to_string(), methods));
        if !requested.is_empty() {
            // The validated list, echoed: correct with and without credentials.
            out.push((
                "access-control-allow-headers".to_string(),
                requested.join(", "),
            ));
        }
        if let Some(age) = &self.max_age {
            out.push(("access-control-max-age".to_string(), age.clone()));
        }
        if self.credentials {
            out.push((
                "access-control-allow-credentials".to_string(),
                "true".to_string(),
            ));
        }
        if private_network {
            out.push((
                "access-control-allow-private-network".to_string(),
                "true".to_string(),
            ));
        }
        let mut vary =
            String::from("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        if self.private_network {
            vary.push_str(", Access-Control-Request-Private-Network");
        }
        out.push(("vary".to_string(), vary));
        Ok(out)
    }
}

/// The lowercase names in `Access-Control-Request-Headers` (repeats joined, as HTTP allows
/// for a list header), or `None` if one is not a header name.
fn requested_headers(headers: &HeaderList) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for value in headers.get_all("access-control-request-headers") {
        let text = std::str::from_utf8(value).ok()?;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !pavise_core::headers::is_token(name) {
                return None;
            }
            let lower = name.to_ascii_lowercase();
            if !names.contains(&lower) {
                names.push(lower);
            }
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests;
