//! The compiled policy: what [`crate::policy::CorsPolicy`] becomes once, at configure time, so
//! that each request only compares bytes (origin patterns parsed, regexes compiled, header
//! names lowercased, answer headers pre-joined).

use crate::origin::OriginPattern;
use crate::policy::{self, CorsPolicy, CorsRoute, Mode, SecurityHeaders};
use pavise_core::policy::PolicyErrors;
use pavise_core::readings::RoutingOptions;
use pavise_core::route::RouteMatch;

/// A policy ready to decide requests.
#[derive(Debug)]
pub struct CorsEngine {
    pub(crate) routes: Vec<CompiledRoute>,
    /// Security headers for responses no route matched.
    pub(crate) security: Option<SecurityHeaders>,
    pub(crate) trust_forwarded_proto: bool,
    /// The mode for requests no route covers.
    pub(crate) mode: Mode,
    pub(crate) routing: RoutingOptions,
}

/// Which methods or request headers a route allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Allowed {
    Any,
    /// Methods as written (case-sensitive); header names lowercased.
    Listed(Vec<String>),
}

/// One route, compiled.
#[derive(Debug)]
pub(crate) struct CompiledRoute {
    /// The route's name in counters: its `name`, or `route<index>`.
    pub(crate) label: String,
    pub(crate) route: RouteMatch,
    pub(crate) mode: Mode,
    pub(crate) any_origin: bool,
    pub(crate) patterns: Vec<OriginPattern>,
    pub(crate) allow_null: bool,
    pub(crate) methods: Allowed,
    /// `Access-Control-Allow-Methods` for a preflight when methods are listed.
    pub(crate) methods_header: String,
    pub(crate) headers: Allowed,
    /// `Access-Control-Expose-Headers`, joined; `None` when empty.
    pub(crate) expose: Option<String>,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<String>,
    pub(crate) private_network: bool,
    pub(crate) security: Option<SecurityHeaders>,
}

impl CorsEngine {
    /// Parses, validates and compiles a policy.
    pub fn from_json(json: &[u8]) -> Result<CorsEngine, PolicyErrors> {
        let policy = policy::parse(json)?;
        Ok(CorsEngine::compile(&policy))
    }

    /// Compiles a validated policy. Patterns that fail to compile were already refused by
    /// validation; they are skipped here rather than trusted.
    pub fn compile(policy: &CorsPolicy) -> CorsEngine {
        CorsEngine {
            routes: policy
                .routes
                .iter()
                .enumerate()
                .map(|(i, r)| CompiledRoute::compile(i, r, policy))
                .collect(),
            security: policy.security_headers.clone(),
            trust_forwarded_proto: policy.trust_forwarded_proto,
            mode: policy.mode,
            routing: policy.routing,
        }
    }

    /// The counter labels of the routes, in order.
    pub fn route_labels(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|r| r.label.as_str())
    }
}

impl CompiledRoute {
    fn compile(index: usize, r: &CorsRoute, policy: &CorsPolicy) -> CompiledRoute {
        let mut patterns: Vec<OriginPattern> = r
            .allow_origins
            .iter()
            .filter(|o| *o != "*")
            .filter_map(|o| OriginPattern::parse(o).ok())
            .collect();
        patterns.extend(r.allow_origin_ports.iter().filter_map(|p| {
            let ports: Vec<u16> = p
                .ports
                .iter()
                .filter_map(|n| u16::try_from(*n).ok())
                .collect();
            OriginPattern::with_ports(&p.origin, &ports).ok()
        }));
        patterns.extend(
            r.allow_origin_regexes
                .iter()
                .filter_map(|re| OriginPattern::regex(re).ok()),
        );
        let methods = if r.allow_methods.iter().any(|m| m == "*") {
            Allowed::Any
        } else {
            Allowed::Listed(r.allow_methods.clone())
        };
        let headers = if r.allow_headers.iter().any(|h| h == "*") {
            Allowed::Any
        } else {
            Allowed::Listed(
                r.allow_headers
                    .iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
            )
        };
        CompiledRoute {
            label: r.name.clone().unwrap_or_else(|| format!("route{index}")),
            route: r.route.clone(),
            mode: r.mode.unwrap_or(policy.mode),
            any_origin: r.allows_any_origin(),
            patterns,
            allow_null: r.allow_null_origin,
            methods_header: r.allow_methods.join(", "),
            methods,
            headers,
            expose: (!r.expose_headers.is_empty()).then(|| r.expose_headers.join(", ")),
            credentials: r.allow_credentials,
            max_age: r.max_age.map(|a| a.to_string()),
            private_network: r.allow_private_network,
            security: r
                .security_headers
                .clone()
                .or_else(|| policy.security_headers.clone()),
        }
    }
}
