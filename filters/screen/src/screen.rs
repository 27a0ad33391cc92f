//! The screening decision: [`Screener::screen_headers`] applies the limits and inspects the
//! path, query and chosen headers, and says what the body needs; [`Screener::screen_body`]
//! inspects a body (form fields, JSON string values and keys, XML values, multipart parts, or
//! text). Plain types in, a decision out; the filter only moves bytes.

use crate::detect::{inspect_excluding, Category, Enabled, Finding, ValueKind};
use crate::engine::body::Format;
use crate::engine::Plan;
use crate::multipart::Boundary;
use crate::policy::{Exclusion, Mode, MultipartFiles, PastInspection, ScreenPolicy, ScreenRoute};
use pavise_core::denial::Denial;
use pavise_core::headers::{trim_ows, HeaderList};
use pavise_core::path::{path_only, query_of};
use pavise_core::policy::PolicyErrors;
use pavise_core::readings::{ambiguous_path_denial, rules_reached, AmbiguousPaths, PathReadings};
use serde_json::Value;

/// A limit a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Url,
    HeaderCount,
    HeaderSize,
    TotalHeaders,
    Method,
    ContentType,
    Body,
    Inspection,
    JsonDepth,
    JsonKeys,
    /// A path other servers could read as a path under a different route
    /// (`routing.ambiguous_paths: "refuse"`); enforced in `detect` mode too.
    AmbiguousPath,
    /// A `multipart/form-data` body without a usable boundary, or not delimited by it.
    Multipart,
}

impl Limit {
    pub const ALL: [Limit; 12] = [
        Limit::Url,
        Limit::HeaderCount,
        Limit::HeaderSize,
        Limit::TotalHeaders,
        Limit::Method,
        Limit::ContentType,
        Limit::Body,
        Limit::Inspection,
        Limit::JsonDepth,
        Limit::JsonKeys,
        Limit::AmbiguousPath,
        Limit::Multipart,
    ];

    /// The stable id (in counters, logs and the denial).
    pub fn id(self) -> &'static str {
        match self {
            Limit::Url => "limit-url",
            Limit::HeaderCount => "limit-header-count",
            Limit::HeaderSize => "limit-header-size",
            Limit::TotalHeaders => "limit-total-headers",
            Limit::Method => "limit-method",
            Limit::ContentType => "limit-content-type",
            Limit::Body => "limit-body",
            Limit::Inspection => "limit-inspection",
            Limit::JsonDepth => "limit-json-depth",
            Limit::JsonKeys => "limit-json-keys",
            Limit::AmbiguousPath => "limit-ambiguous-path",
            Limit::Multipart => "limit-multipart",
        }
    }

    /// The uniform denial: the status that says which limit, a fixed message.
    pub fn denial(self) -> Denial {
        match self {
            Limit::Url => Denial::new(414, "uri_too_long", "the request URL is too long"),
            Limit::HeaderCount | Limit::HeaderSize | Limit::TotalHeaders => Denial::new(
                431,
                "headers_too_large",
                "the request headers are too large",
            ),
            Limit::Method => Denial::new(405, "method_not_allowed", "this method is not allowed"),
            Limit::ContentType => Denial::new(
                415,
                "unsupported_media_type",
                "this content type is not accepted",
            ),
            Limit::Body | Limit::Inspection => {
                Denial::new(413, "payload_too_large", "the request body is too large")
            }
            Limit::JsonDepth | Limit::JsonKeys => Denial::new(
                400,
                "json_too_complex",
                "the JSON body is nested too deeply or has too many keys",
            ),
            Limit::AmbiguousPath => ambiguous_path_denial(),
            Limit::Multipart => Denial::new(
                400,
                "multipart_malformed",
                "the multipart body has no valid boundary or is not delimited by it",
            ),
        }
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Limit(Limit),
    Finding(Finding),
}

impl Refusal {
    /// The rule id (`sqli-001`, `limit-body`).
    pub fn rule_id(&self) -> &'static str {
        match self {
            Refusal::Limit(l) => l.id(),
            Refusal::Finding(f) => f.rule.id,
        }
    }

    /// The uniform denial. A finding's message names its rule id, never the payload.
    pub fn denial(&self) -> Denial {
        match self {
            Refusal::Limit(l) => l.denial(),
            Refusal::Finding(_) => Denial::new(
                403,
                "request_blocked",
                "the request was blocked by input screening",
            ),
        }
    }
}

/// How a body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Form,
    Json,
    /// XML: attribute values and text ([`crate::xml`]).
    Xml,
    /// `multipart/form-data`: each part's name, file name and value ([`crate::multipart`]).
    Multipart(Boundary),
    Text,
}

/// What the body needs, decided at the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPlan {
    /// No body expected, or nothing to check in it.
    None,
    /// Count it against `max_body_bytes` as it streams; do not hold it.
    Count,
    /// Hold it (up to the inspection limit) and inspect it before it goes upstream.
    Inspect(BodyKind),
}

/// The decision at the request headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderDecision {
    Refuse(Refusal),
    /// Go on. `findings` are detect-mode findings to count and log.
    Pass {
        findings: Vec<Finding>,
        body: BodyPlan,
        /// The route and mode that apply to the body too.
        route: Option<usize>,
        mode: Mode,
    },
}

/// The decision on a body (or its inspected prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyDecision {
    Refuse(Refusal),
    Pass { findings: Vec<Finding> },
}

/// A policy ready to screen requests.
#[derive(Debug)]
pub struct Screener {
    policy: ScreenPolicy,
    /// The rule rows this policy runs, in order.
    plan: Plan,
    /// The JNDI rows alone, for the headers `detect.headers` leaves out (`None` when the policy
    /// does not look for JNDI lookups).
    header_jndi: Option<Plan>,
    /// Inspected header names, lowercase.
    headers: Vec<String>,
    /// `detect.headers` has `*`.
    all_headers: bool,
    /// Whether rules are skipped where none of their anchors stands in a value, plain bodies
    /// ([`Plan::plain_body`]) are not read value by value, and detectors skip work their
    /// prechecks rule out ([`crate::detect::inspect_with`]); always on except where
    /// [`Screener::without_shortcuts`] turned them off.
    shortcuts: bool,
}

impl Screener {
    pub fn from_json(json: &[u8]) -> Result<Screener, PolicyErrors> {
        Ok(Screener::new(crate::policy::parse(json)?))
    }

    pub fn new(policy: ScreenPolicy) -> Screener {
        Screener {
            plan: Plan::new(policy.detect.enabled()),
            header_jndi: policy
                .detect
                .enabled()
                .has(Category::Jndi)
                .then(|| Plan::new(Enabled::of(&[Category::Jndi], policy.detect.paranoia))),
            headers: policy
                .detect
                .headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            all_headers: policy.detect.headers.iter().any(|h| h == "*"),
            policy,
            shortcuts: true,
        }
    }

    /// The same screener with the shortcuts off: every value goes through every enabled
    /// detector, each in full. The decisions must be the same, only slower; the evaluation tool
    /// compares the two over the corpora (`pavise-eval-screen --check-shortcut`) to check the
    /// shortcuts on real data.
    pub fn without_shortcuts(self) -> Screener {
        Screener {
            shortcuts: false,
            ..self
        }
    }

    /// The engine on one value ([`inspect_excluding`]) with this screener's detectors and
    /// shortcut, and the exclusions of the request's route that apply at `location`: the rules
    /// they cover are not run there. A value that is base64 of text, or a JSON Web Token, is
    /// inspected decoded too ([`crate::base64`]), the finding at `<location> (base64)` or
    /// `(jwt)`, under the exclusions of `location` itself.
    fn inspect(
        &self,
        raw: &[u8],
        kind: ValueKind,
        location: &str,
        route: Option<&ScreenRoute>,
    ) -> Vec<Finding> {
        let here: Vec<&Exclusion> = route
            .map(|r| {
                r.exclusions
                    .iter()
                    .filter(|e| e.applies_at(location))
                    .collect()
            })
            .unwrap_or_default();
        let mut found = inspect_excluding(raw, kind, location, &self.plan, self.shortcuts, &here);
        // A path's base64 is a segment of it.
        if kind == ValueKind::Path {
            for segment in raw.split(|b| *b == b'/') {
                self.inspect_encoded(segment, location, &here, &mut found);
            }
        } else {
            self.inspect_encoded(raw, location, &here, &mut found);
        }
        found
    }

    /// `value` decoded, if it is base64 of text or a JSON Web Token.
    fn inspect_encoded(
        &self,
        value: &[u8],
        location: &str,
        here: &[&Exclusion],
        found: &mut Vec<Finding>,
    ) {
        if let Some(text) = crate::base64::decoded_text(value) {
            found.extend(self.inspect_decoded(&text, &format!("{location} (base64)"), here));
        } else if let Some(parts) = crate::base64::jwt_parts(value) {
            let location = format!("{location} (jwt)");
            for text in parts {
                found.extend(self.inspect_decoded(&text, &location, here));
            }
        }
    }

    /// Decoded text: a JSON document's string values and keys one by one (as in a JSON body:
    /// its quotes and braces are syntax), anything else whole.
    fn inspect_decoded(&self, text: &str, location: &str, here: &[&Exclusion]) -> Vec<Finding> {
        let inspect = |t: &str| {
            inspect_excluding(
                t.as_bytes(),
                ValueKind::Text,
                location,
                &self.plan,
                self.shortcuts,
                here,
            )
        };
        match serde_json::from_str::<Value>(text) {
            Ok(value @ (Value::Object(_) | Value::Array(_))) => {
                let mut walk = JsonWalk::default();
                walk.visit(&value, "", 1);
                walk.strings.iter().flat_map(|(_, s)| inspect(s)).collect()
            }
            _ => inspect(text),
        }
    }

    pub fn policy(&self) -> &ScreenPolicy {
        &self.policy
    }

    /// The route (by index) that applies to a request for `path`: the one every reading of the
    /// path reaches, or for an ambiguous path a refusal or (`strictest`) the most restrictive
    /// route a reading reaches ([`restriction`]).
    fn route_for(&self, headers: &HeaderList, path: &str) -> Result<Option<usize>, Limit> {
        let authority = headers.get_str(":authority").unwrap_or_default();
        let routing = self.policy.routing;
        let readings = PathReadings::of(path, routing.case_insensitive);
        let reached = rules_reached(
            &self.policy.routes,
            |r| &r.route,
            authority,
            &readings,
            routing.case_insensitive,
        );
        match (reached.as_slice(), routing.ambiguous_paths) {
            ([one], _) => Ok(*one),
            (_, AmbiguousPaths::Refuse) => Err(Limit::AmbiguousPath),
            (_, AmbiguousPaths::Strictest) => Ok(reached
                .iter()
                .copied()
                // The first of the most restrictive: the canonical reading's when it is one.
                .min_by_key(|i| {
                    std::cmp::Reverse(restriction(
                        &self.policy,
                        i.and_then(|i| self.policy.routes.get(i)),
                    ))
                })
                .flatten()),
        }
    }

    /// Limits, then detection in the path, query and headers; what the body needs.
    /// `body_follows`: whether the request has a body (the proxy knows; [`has_body`] reads it
    /// from the headers where they still tell).
    pub fn screen_headers(&self, headers: &HeaderList, body_follows: bool) -> HeaderDecision {
        if let Some(limit) = self.header_limits(headers, body_follows) {
            return HeaderDecision::Refuse(Refusal::Limit(limit));
        }
        let path = headers.get_str(":path").unwrap_or("/");
        let route = match self.route_for(headers, path) {
            Ok(index) => index.and_then(|i| self.policy.routes.get(i).map(|r| (i, r))),
            Err(limit) => return HeaderDecision::Refuse(Refusal::Limit(limit)),
        };
        let mode = route.and_then(|(_, r)| r.mode).unwrap_or(self.policy.mode);
        let rules = route.map(|(_, r)| r);
        let mut findings = Vec::new();
        findings.extend(self.inspect(path_only(path).as_bytes(), ValueKind::Path, "path", rules));
        if let Some(query) = query_of(path) {
            findings.extend(self.inspect_pairs(query, "query", rules));
        }
        // `header:<name>`, written afresh for each header into one buffer.
        let mut location = String::with_capacity(64);
        for (name, value) in headers.iter() {
            if !self.inspects_header(name) {
                // Log4j logs any header an application chooses (`X-Api-Version`,
                // `Authorization`): JNDI lookups are looked for in every one.
                if let Some(jndi_only) =
                    self.header_jndi.as_ref().filter(|_| !name.starts_with(':'))
                {
                    header_location(&mut location, name);
                    let location = location.as_str();
                    let here: Vec<&Exclusion> = rules
                        .map(|r| {
                            r.exclusions
                                .iter()
                                .filter(|e| e.applies_at(location))
                                .collect()
                        })
                        .unwrap_or_default();
                    findings.extend(inspect_excluding(
                        value,
                        ValueKind::Text,
                        location,
                        jndi_only,
                        self.shortcuts,
                        &here,
                    ));
                }
                continue;
            }
            if name.eq_ignore_ascii_case("cookie") {
                for part in value.split(|b| *b == b';') {
                    let part = trim_ows(part);
                    let mut name_value = part.splitn(2, |b| *b == b'=');
                    let name = name_value.next().unwrap_or_default();
                    let v = name_value.next().unwrap_or(part);
                    // Cookie names carry payloads too (`<script>=1`).
                    let name = if v.len() < part.len() { name } else { &[] };
                    for (text, kind) in [(v, ValueKind::FormValue), (name, ValueKind::FormName)] {
                        findings.extend(self.inspect(text, kind, "header:cookie", rules));
                    }
                }
            } else {
                header_location(&mut location, name);
                let location = location.as_str();
                let name = location.strip_prefix("header:").unwrap_or_default();
                let kind = if UPLOAD_NAME_HEADERS.contains(&name) {
                    ValueKind::FileName
                } else {
                    ValueKind::Text
                };
                match crate::header_grammar::pieces(name, value) {
                    Some(pieces) => {
                        for piece in pieces {
                            findings.extend(self.inspect(&piece, kind, location, rules));
                        }
                    }
                    None => findings.extend(self.inspect(value, kind, location, rules)),
                }
            }
        }
        if let (Mode::Block, Some(f)) = (mode, findings.first()) {
            return HeaderDecision::Refuse(Refusal::Finding(f.clone()));
        }
        HeaderDecision::Pass {
            findings,
            body: self.body_plan(headers, body_follows),
            route: route.map(|(i, _)| i),
            mode,
        }
    }

    /// Whether the policy's `detect.headers` covers the request header `name`: listed, or
    /// covered by `*` (not a pseudo-header, not a credential header other than `cookie`).
    fn inspects_header(&self, name: &str) -> bool {
        if self.headers.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return true;
        }
        self.all_headers
            && !name.starts_with(':')
            && (name.eq_ignore_ascii_case("cookie") || !pavise_core::secrets::is_secret_name(name))
    }

    /// The first limit the headers break.
    fn header_limits(&self, headers: &HeaderList, body_follows: bool) -> Option<Limit> {
        let l = &self.policy.limits;
        if headers.get(":path").map_or(0, <[u8]>::len) > l.max_url_bytes {
            return Some(Limit::Url);
        }
        if headers.len() > l.max_headers {
            return Some(Limit::HeaderCount);
        }
        let mut total = 0usize;
        for (name, value) in headers.iter() {
            let size = name.len() + value.len();
            if size > l.max_header_bytes {
                return Some(Limit::HeaderSize);
            }
            total = total.saturating_add(size);
        }
        if total > l.max_total_header_bytes {
            return Some(Limit::TotalHeaders);
        }
        let method = headers.get_str(":method").unwrap_or_default();
        if !l.methods.is_empty() && !l.methods.iter().any(|m| m == method) {
            return Some(Limit::Method);
        }
        let length = content_length(headers);
        if length.is_some_and(|n| n > l.max_body_bytes) {
            return Some(Limit::Body);
        }
        if body_follows && !l.content_types.is_empty() {
            let allowed = media_type(headers).is_some_and(|t| l.content_types.contains(&t));
            if !allowed {
                return Some(Limit::ContentType);
            }
        }
        // A multipart body to inspect needs its boundary: without one it cannot be read as
        // parts, and the application cannot read it either.
        if body_follows
            && self.policy.detect.body
            && media_type(headers).as_deref() == Some("multipart/form-data")
            && multipart_boundary(headers).is_err()
        {
            return Some(Limit::Multipart);
        }
        None
    }

    fn body_plan(&self, headers: &HeaderList, body_follows: bool) -> BodyPlan {
        if !body_follows {
            return BodyPlan::None;
        }
        if !self.policy.detect.body {
            return BodyPlan::Count;
        }
        let kind = match media_type(headers).as_deref() {
            Some("application/x-www-form-urlencoded") => BodyKind::Form,
            Some(t) if t == "application/json" || t.ends_with("+json") => BodyKind::Json,
            Some(t) if t == "application/xml" || t == "text/xml" || t.ends_with("+xml") => {
                BodyKind::Xml
            }
            Some("multipart/form-data") => match multipart_boundary(headers) {
                Ok(boundary) => BodyKind::Multipart(boundary),
                // Refused at the limits already.
                Err(_) => BodyKind::Text,
            },
            _ => BodyKind::Text,
        };
        BodyPlan::Inspect(kind)
    }

    /// Inspects a body held in full (`complete`) or up to the inspection limit.
    pub fn screen_body(
        &self,
        kind: BodyKind,
        body: &[u8],
        complete: bool,
        route: Option<usize>,
        mode: Mode,
    ) -> BodyDecision {
        let l = &self.policy.limits;
        if !complete && l.past_inspection == PastInspection::Reject {
            return BodyDecision::Refuse(Refusal::Limit(Limit::Inspection));
        }
        let body = body.get(..l.inspect_body_bytes).unwrap_or(body);
        // The whole body plain (the usual case): no value in it can be flagged, so nothing is
        // parsed or inspected value by value; only JSON's shape limits are checked.
        if let Some(decision) = self.plain_body(kind, body, complete) {
            return decision;
        }
        let rules = route.and_then(|i| self.policy.routes.get(i));
        let mut findings = Vec::new();
        match kind {
            BodyKind::Form => {
                let text = String::from_utf8_lossy(body);
                findings.extend(self.inspect_pairs(&text, "body", rules));
            }
            BodyKind::Json => match serde_json::from_slice::<Value>(body) {
                Ok(value) if complete => {
                    let mut walk = JsonWalk::default();
                    walk.visit(&value, "", 1);
                    if l.json_max_depth.is_some_and(|d| walk.depth > d) {
                        return BodyDecision::Refuse(Refusal::Limit(Limit::JsonDepth));
                    }
                    if l.json_max_keys.is_some_and(|k| walk.keys > k) {
                        return BodyDecision::Refuse(Refusal::Limit(Limit::JsonKeys));
                    }
                    for (location, text) in walk.strings {
                        findings.extend(self.inspect(
                            text.as_bytes(),
                            ValueKind::Text,
                            &location,
                            rules,
                        ));
                    }
                }
                // Not JSON after all (or cut at the limit): inspect it as text.
                _ => findings.extend(self.inspect(body, ValueKind::Text, "body", rules)),
            },
            BodyKind::Xml => {
                for v in crate::xml::values(body) {
                    let location = format!("body:{}", v.name);
                    findings.extend(self.inspect(v.value, ValueKind::Text, &location, rules));
                }
            }
            BodyKind::Multipart(boundary) => {
                match crate::multipart::parts(body, &boundary, complete) {
                    Ok(parts) => findings.extend(self.inspect_parts(&parts, rules)),
                    Err(_) => return BodyDecision::Refuse(Refusal::Limit(Limit::Multipart)),
                }
            }
            BodyKind::Text => findings.extend(self.inspect(body, ValueKind::Text, "body", rules)),
        }
        match (mode, findings.first()) {
            (Mode::Block, Some(f)) => BodyDecision::Refuse(Refusal::Finding(f.clone())),
            _ => BodyDecision::Pass { findings },
        }
    }

    /// The decision for a body that is plain to the policy as a whole ([`Plan::plain_body`]:
    /// none of its values holds an anchor of a rule the policy runs), or `None` if it must be
    /// inspected value by value.
    fn plain_body(&self, kind: BodyKind, body: &[u8], complete: bool) -> Option<BodyDecision> {
        if !self.shortcuts {
            return None;
        }
        let format = match kind {
            BodyKind::Json if complete => Format::Json,
            // Cut at the limit, JSON is inspected as one text.
            BodyKind::Json | BodyKind::Text => Format::Text,
            BodyKind::Form => Format::Form,
            // Every document has `/` (closing tags) and `=` (attributes), bytes a value such as
            // `/etc/passwd` or `x onload=y` needs to be flagged, and the reader decodes
            // entities (`&lt;`): no shortcut.
            BodyKind::Xml => return None,
            // Part headers have `"` and `;`: never plain.
            BodyKind::Multipart(_) => return None,
        };
        let shape = self.plan.plain_body(body, format)?;
        // A run of base64 characters may be a value that decodes to text, which is inspected
        // decoded: such a body is read value by value.
        if crate::base64::has_candidate(body) {
            return None;
        }
        if format == Format::Json {
            let l = &self.policy.limits;
            if l.json_max_depth.is_some_and(|d| shape.depth > d) {
                return Some(BodyDecision::Refuse(Refusal::Limit(Limit::JsonDepth)));
            }
            if l.json_max_keys.is_some_and(|k| shape.keys > k) {
                return Some(BodyDecision::Refuse(Refusal::Limit(Limit::JsonKeys)));
            }
        }
        Some(BodyDecision::Pass {
            findings: Vec::new(),
        })
    }

    /// Inspects each part of a multipart body at `body:<name>`: its name, its file name, and
    /// its value (of a file part, as `detect.multipart_files` says).
    fn inspect_parts(
        &self,
        parts: &[crate::multipart::Part],
        route: Option<&ScreenRoute>,
    ) -> Vec<Finding> {
        let detect = &self.policy.detect;
        let mut out = Vec::new();
        for part in parts {
            let location = if part.name.is_empty() {
                "body".to_string()
            } else {
                body_location(&pavise_core::headers::loggable(&part.name, 64))
            };
            let value = match (&part.filename, detect.multipart_files) {
                (None, _) => part.value,
                (Some(_), MultipartFiles::Skip) => &[],
                (Some(_), MultipartFiles::Inspect) => part
                    .value
                    .get(..detect.multipart_file_bytes)
                    .unwrap_or(part.value),
            };
            let filename = part.filename.as_deref().unwrap_or_default();
            for (text, kind) in [
                (value, ValueKind::Text),
                (&part.name, ValueKind::Text),
                (filename, ValueKind::FileName),
            ] {
                out.extend(self.inspect(text, kind, &location, route));
            }
        }
        out
    }

    /// Inspects `name=value&…` pairs; each value at `<prefix>:<decoded name>`.
    fn inspect_pairs(&self, text: &str, prefix: &str, route: Option<&ScreenRoute>) -> Vec<Finding> {
        let mut out = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            // A pair without `=` is read as a value: content a client encoded whole
            // (`curl --data-urlencode @file`), as much as a name without one.
            let (name, value) = pair.split_once('=').unwrap_or(("", pair));
            let decoded_name =
                String::from_utf8_lossy(&pavise_core::path::form_decode(name)).into_owned();
            let location = format!(
                "{prefix}:{}",
                pavise_core::headers::loggable(decoded_name.as_bytes(), 64)
            );
            out.extend(self.inspect(value.as_bytes(), ValueKind::FormValue, &location, route));
            // Parameter names carry payloads too.
            if !name.is_empty() {
                out.extend(self.inspect(name.as_bytes(), ValueKind::FormName, &location, route));
            }
        }
        out
    }
}

/// How restrictive a route is (`None`: no route, the policy's own settings): `block` over
/// `detect`, then fewer exclusions.
fn restriction(
    policy: &ScreenPolicy,
    route: Option<&ScreenRoute>,
) -> (bool, std::cmp::Reverse<usize>) {
    let mode = route.and_then(|r| r.mode).unwrap_or(policy.mode);
    let exclusions = route.map_or(0, |r| r.exclusions.len());
    (mode == Mode::Block, std::cmp::Reverse(exclusions))
}

/// The request headers AJAX uploaders send a file's name in, as the server will store it.
const UPLOAD_NAME_HEADERS: [&str; 4] = ["x-filename", "x_filename", "x.filename", "x-file-name"];

/// The request's `Content-Length`, if valid.
pub fn content_length(headers: &HeaderList) -> Option<u64> {
    headers
        .get_str("content-length")
        .and_then(|v| v.trim().parse().ok())
}

/// Whether the request has a body: a non-zero `Content-Length` or a transfer encoding.
pub fn has_body(headers: &HeaderList) -> bool {
    content_length(headers).is_some_and(|n| n > 0) || headers.contains("transfer-encoding")
}

/// The boundary of a multipart `Content-Type`.
fn multipart_boundary(headers: &HeaderList) -> Result<Boundary, crate::multipart::MultipartError> {
    Boundary::from_content_type(headers.get("content-type").unwrap_or_default())
}

/// The lowercase media type of `Content-Type`, without parameters.
fn media_type(headers: &HeaderList) -> Option<String> {
    let value = headers.get_str("content-type")?;
    let media = value.split(';').next().unwrap_or(value).trim();
    (!media.is_empty()).then(|| media.to_ascii_lowercase())
}

/// A walk over a JSON body: its string values and keys (borrowed from the parsed document)
/// with their locations, its depth and key count.
#[derive(Default)]
struct JsonWalk<'v> {
    strings: Vec<(String, &'v str)>,
    depth: usize,
    keys: usize,
}

impl<'v> JsonWalk<'v> {
    // Locations are built by appending, not `format!`: one per string and key of the body,
    // where the formatting machinery was a noticeable share of screening a document.
    fn visit(&mut self, value: &'v Value, path: &str, depth: usize) {
        match value {
            Value::String(s) => {
                let location = if path.is_empty() {
                    "body".to_string()
                } else {
                    body_location(path)
                };
                self.strings.push((location, s.as_str()));
            }
            Value::Array(items) => {
                self.depth = self.depth.max(depth);
                for (i, item) in items.iter().enumerate() {
                    let mut child = String::with_capacity(path.len() + 8);
                    child.push_str(path);
                    child.push('[');
                    child.push_str(&i.to_string());
                    child.push(']');
                    self.visit(item, &child, depth + 1);
                }
            }
            Value::Object(map) => {
                self.depth = self.depth.max(depth);
                self.keys += map.len();
                for (key, item) in map {
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        let mut child = String::with_capacity(path.len() + 1 + key.len());
                        child.push_str(path);
                        child.push('.');
                        child.push_str(key);
                        child
                    };
                    self.strings.push((body_location(&child), key.as_str()));
                    self.visit(item, &child, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// `body:<path>`.
fn body_location(path: &str) -> String {
    let mut location = String::with_capacity(5 + path.len());
    location.push_str("body:");
    location.push_str(path);
    location
}

#[cfg(test)]
mod parsing_tests;

/// Writes `header:<name>` (the name lowercase) into `into`, the location of a header's
/// findings and exclusions.
fn header_location(into: &mut String, name: &str) {
    into.clear();
    into.push_str("header:");
    into.push_str(name);
    into.make_ascii_lowercase();
}
#[cfg(test)]
mod tests;
