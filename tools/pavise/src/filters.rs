//! The one table of Pavise filters the CLI knows: for each, its place in the chain, its `.wasm`
//! file, its own policy parser, and what it does when its VM fails. Adding a filter to the CLI
//! is adding one [`FilterKind`] entry to [`FILTERS`] (and the crate to Cargo.toml).
//!
//! The parsers are the filter crates' own (`pavise_auth::policy::parse`, …), linked as rlibs:
//! the same code that runs at `on_configure` in Envoy, so the CLI and the filter cannot disagree
//! about what a valid policy is.

use pavise_core::filter::Filter;
use pavise_core::policy::{PolicyErrors, Problems};

/// What Envoy does with requests when a filter's VM has failed (`fail_open`, Istio's
/// `failStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Refuse requests: a security filter that is down must not wave traffic through.
    Closed,
    /// Let requests through: for filters whose absence loses information, not protection.
    Open,
}

impl FailurePolicy {
    /// Envoy's `fail_open` value.
    pub fn fail_open(self) -> bool {
        self == FailurePolicy::Open
    }

    /// Istio's `failStrategy` value.
    pub fn istio(self) -> &'static str {
        match self {
            FailurePolicy::Closed => "FAIL_CLOSE",
            FailurePolicy::Open => "FAIL_OPEN",
        }
    }
}

/// Istio's `WasmPlugin.spec.phase`: where in Istio's own filter chain a plugin goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IstioPhase {
    /// Before Istio's authentication filters.
    Authn,
    /// Before Istio's authorization filters (after authentication).
    Authz,
}

impl IstioPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            IstioPhase::Authn => "AUTHN",
            IstioPhase::Authz => "AUTHZ",
        }
    }
}

/// A policy that parsed and validated, reduced to what rendering needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedPolicy {
    /// Environment variables the policy reads through the VM (secret references such as an
    /// auth key's `env`); Envoy must pass them in with `host_env_keys`.
    pub env_keys: Vec<String>,
}

/// One filter the CLI knows.
#[derive(Debug, Clone, Copy)]
pub struct FilterKind {
    /// Which filter; its place in the chain is [`Filter::ALL`]'s (audit, cors, auth, screen),
    /// which Envoy configs, Istio phases and priorities all follow.
    pub filter: Filter,
    /// Short name ([`Filter::member`]): `auth`. The crate is `pavise-<name>`, the Envoy filter
    /// `pavise.<name>`.
    pub name: &'static str,
    /// The filter's own parser and validator.
    pub check: fn(&[u8]) -> Result<CheckedPolicy, PolicyErrors>,
    /// What happens to requests if the VM fails.
    pub failure: FailurePolicy,
    /// Where Istio inserts it; within a phase, the chain order decides through priorities.
    pub istio_phase: IstioPhase,
}

impl FilterKind {
    /// The built module's file name, as `make build` leaves it.
    pub fn wasm_file(&self) -> String {
        format!("pavise_{}.wasm", self.name)
    }

    /// Root id and VM id in Envoy; `pluginName` in Istio.
    pub fn root_id(&self) -> String {
        format!("pavise_{}", self.name)
    }

    /// Position in the chain (0 runs first).
    pub fn position(&self) -> usize {
        self.filter.position()
    }

    /// Istio priority: within a phase a higher priority runs first, so earlier in the chain
    /// means higher.
    pub fn istio_priority(&self) -> i64 {
        let rank = Filter::ALL.len().saturating_sub(self.position());
        i64::try_from(rank).unwrap_or(0) * 100
    }
}

fn check_auth(json: &[u8]) -> Result<CheckedPolicy, PolicyErrors> {
    let policy = pavise_auth::policy::parse(json)?;
    Ok(CheckedPolicy {
        env_keys: policy.keys.iter().filter_map(|k| k.env.clone()).collect(),
    })
}

fn check_cors(json: &[u8]) -> Result<CheckedPolicy, PolicyErrors> {
    pavise_cors::policy::parse(json).map(|_| CheckedPolicy::default())
}

fn check_audit(json: &[u8]) -> Result<CheckedPolicy, PolicyErrors> {
    let policy = pavise_audit::policy::parse(json)?;
    Ok(CheckedPolicy {
        env_keys: policy.env_keys(),
    })
}

/// Checks the policies of one chain together (each has passed its own filter's check): the
/// audit filter runs first and sees a key where auth will strip it, so its redaction must
/// cover every place the auth policy reads keys from. `policy_of` gives a filter's policy
/// text; the error is the audit policy's, with the `redact` field to fix.
pub fn check_chain<'a>(policy_of: impl Fn(&str) -> Option<&'a [u8]>) -> Result<(), PolicyErrors> {
    let (Some(audit), Some(auth)) = (policy_of("audit"), policy_of("auth")) else {
        return Ok(());
    };
    let (Ok(audit), Ok(auth)) = (
        pavise_audit::policy::parse(audit),
        pavise_auth::policy::parse(auth),
    ) else {
        return Ok(());
    };
    let mut problems = pavise_core::policy::Problems::new();
    let redact = pavise_core::policy::JsonPath::root().field("redact");
    for (field, reason) in audit.redact.unredacted_credentials(
        &auth.credentials.header,
        auth.credentials.query_param.as_deref(),
    ) {
        problems.push(&redact.field(field), reason);
    }
    problems.into_result()
}

fn check_screen(json: &[u8]) -> Result<CheckedPolicy, PolicyErrors> {
    pavise_screen::policy::parse(json).map(|_| CheckedPolicy::default())
}

/// Every filter the CLI knows, in chain order. All fail closed: a security filter that is
/// down must not wave traffic through, and an audit filter that is down must not let traffic
/// go unaudited (an operator who prefers availability edits `fail_open` / `failStrategy`).
pub const FILTERS: &[FilterKind] = &[
    FilterKind {
        filter: Filter::Audit,
        name: Filter::Audit.member(),
        check: check_audit,
        failure: FailurePolicy::Closed,
        istio_phase: IstioPhase::Authn,
    },
    FilterKind {
        filter: Filter::Cors,
        name: Filter::Cors.member(),
        check: check_cors,
        failure: FailurePolicy::Closed,
        istio_phase: IstioPhase::Authn,
    },
    FilterKind {
        filter: Filter::Auth,
        name: Filter::Auth.member(),
        check: check_auth,
        failure: FailurePolicy::Closed,
        istio_phase: IstioPhase::Authn,
    },
    FilterKind {
        filter: Filter::Screen,
        name: Filter::Screen.member(),
        check: check_screen,
        failure: FailurePolicy::Closed,
        istio_phase: IstioPhase::Authz,
    },
];

/// The filter called `name`.
pub fn find(name: &str) -> Option<&'static FilterKind> {
    FILTERS.iter().find(|f| f.name == name)
}

/// Names of the known filters, for error messages.
pub fn known_names() -> String {
    FILTERS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The filter a policy file is for, from its name: `<filter>.json` or `<filter>.<anything>.json`
/// (`auth.json`, `auth.example.json`, `auth.prod.json`).
pub fn from_file_name(path: &std::path::Path) -> Option<&'static FilterKind> {
    find(policy_name_of_file(path)?)
}

/// The `<name>` of a `<name>.json` or `<name>.<anything>.json` file.
fn policy_name_of_file(path: &std::path::Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json")?;
    stem.split('.').next()
}

/// The name of the combined policy (the combined filter's configuration): the filters'
/// policies as members of one object. Not a link of the chain itself: its members are.
pub const COMBINED: &str = "combined";

/// What a policy file holds: one filter's policy, or the combined policy.
#[derive(Debug, Clone, Copy)]
pub enum PolicyKind {
    Filter(&'static FilterKind),
    Combined,
}

impl PolicyKind {
    /// The kind called `name` (a filter's name or [`COMBINED`]).
    pub fn named(name: &str) -> Option<PolicyKind> {
        if name == COMBINED {
            return Some(PolicyKind::Combined);
        }
        find(name).map(PolicyKind::Filter)
    }

    /// The kind a file holds, from its name as for [`from_file_name`] (`combined.json` too).
    pub fn of_file(path: &std::path::Path) -> Option<PolicyKind> {
        PolicyKind::named(policy_name_of_file(path)?)
    }

    pub fn name(&self) -> &'static str {
        match self {
            PolicyKind::Filter(kind) => kind.name,
            PolicyKind::Combined => COMBINED,
        }
    }

    /// Checks a policy of this kind with the filters' own parsers.
    pub fn check(&self, json: &[u8]) -> Result<(), PolicyErrors> {
        match self {
            PolicyKind::Filter(kind) => (kind.check)(json).map(|_| ()),
            PolicyKind::Combined => combined_members(json).map(|_| ()),
        }
    }
}

/// Names of every kind of policy file, for error messages.
pub fn known_policy_names() -> String {
    format!("{}, {COMBINED}", known_names())
}

/// The members of a combined policy, in chain order, each checked by its filter's own parser;
/// errors carry the member's name (`$.auth.keys[0].sha256`).
pub fn combined_members(json: &[u8]) -> Result<Vec<(&'static FilterKind, Vec<u8>)>, PolicyErrors> {
    let members = pavise_combined::policy::split(json)?;
    let mut problems = Problems::new();
    let mut out = Vec::new();
    for (filter, text) in members.0 {
        let Some(kind) = find(filter.member()) else {
            continue;
        };
        match (kind.check)(&text) {
            Ok(_) => out.push((kind, text)),
            Err(errors) => {
                for e in errors.nested(filter.member()).errors() {
                    problems.push(&e.path, e.reason.clone());
                }
            }
        }
    }
    problems.into_result().map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn table_is_every_filter_in_chain_order() {
        let filters: Vec<Filter> = FILTERS.iter().map(|f| f.filter).collect();
        assert_eq!(filters, Filter::ALL);
        for f in FILTERS {
            assert_eq!(f.name, f.filter.member());
        }
    }

    #[test]
    fn priorities_and_phases_keep_chain_order_in_istio() {
        // Istio runs AUTHN before AUTHZ, and within a phase the higher priority first.
        let mut istio: Vec<&FilterKind> = FILTERS.iter().collect();
        istio.sort_by_key(|f| (f.istio_phase, -f.istio_priority()));
        let names: Vec<&str> = istio.iter().map(|f| f.name).collect();
        let chain: Vec<&str> = FILTERS.iter().map(|f| f.name).collect();
        assert_eq!(names, chain);
    }

    #[test]
    fn every_filter_crate_has_an_entry() {
        // A filter merged without its entry here would silently vanish from bundles, rendered
        // configs and the demo.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../filters");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            // The combined filter: the same four stages as one module, not a link of the chain
            // of its own.
            if name == "combined" {
                continue;
            }
            assert!(
                find(&name).is_some(),
                "filters/{name} has no entry in FILTERS (tools/pavise/src/filters.rs)"
            );
        }
    }

    #[test]
    fn auth_fails_closed() {
        assert_eq!(find("auth").unwrap().failure, FailurePolicy::Closed);
    }

    #[test]
    fn filter_from_file_name() {
        let name = |p: &str| from_file_name(Path::new(p)).map(|f| f.name);
        assert_eq!(name("policies/auth.json"), Some("auth"));
        assert_eq!(name("auth.example.json"), Some("auth"));
        assert_eq!(name("/x/auth.prod.eu.json"), Some("auth"));
        assert_eq!(name("authx.json"), None);
        assert_eq!(name("auth.yaml"), None);
        assert_eq!(name("bundle.json"), None);
    }

    #[test]
    fn auth_check_is_the_filters_own_parser() {
        let text = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/auth.example.json"),
        )
        .unwrap();
        assert!((find("auth").unwrap().check)(&text).is_ok());
        let bad = br#"{"keys":[{"id":"a","client":"c","sha256":"12"}]}"#;
        let e = (find("auth").unwrap().check)(bad).unwrap_err().to_string();
        assert_eq!(e, "$.keys[0].sha256: expected 64 hex characters");
    }

    #[test]
    fn every_example_policy_passes_its_filters_own_check() {
        for f in FILTERS {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../policies/{}.example.json", f.name));
            let text = std::fs::read(&path).unwrap();
            assert!((f.check)(&text).is_ok(), "{}", path.display());
        }
        let e = (find("cors").unwrap().check)(br#"{"routes":[{"max_age":-1}]}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "$.routes[0].max_age: must not be negative");
    }

    #[test]
    fn the_combined_example_is_its_members() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let text = std::fs::read(root.join("combined.example.json")).unwrap();
        let members = combined_members(&text).unwrap();
        let names: Vec<&str> = members.iter().map(|(k, _)| k.name).collect();
        assert_eq!(names, Filter::ALL.map(Filter::member));
        let kind = PolicyKind::of_file(&root.join("combined.example.json")).unwrap();
        assert_eq!(kind.name(), "combined");
        assert!(kind.check(&text).is_ok());
        let e = PolicyKind::Combined
            .check(br#"{"auth": {"keys": [{"id": "a", "client": "c", "sha256": "12"}]}, "x": 1}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "$.x: unknown filter; expected one of audit, cors, auth, screen"
        );
        let e = PolicyKind::Combined
            .check(
                br#"{"auth": {"keys": [{"id": "a", "client": "c", "sha256": "12"}]}, "cors": {}}"#,
            )
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "$.cors: missing field `routes`; $.auth.keys[0].sha256: expected 64 hex characters"
        );
    }

    /// Editors find a policy's schema through `"$schema"`, and some save a byte order mark:
    /// every filter's own parser (the one the filter runs) accepts both.
    #[test]
    fn every_filter_accepts_a_schema_member_and_a_byte_order_mark() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        for f in FILTERS {
            let text =
                std::fs::read_to_string(root.join(format!("{}.example.json", f.name))).unwrap();
            let with_schema = text.replacen(
                '{',
                &format!("{{\"$schema\": \"./schemas/{}.schema.json\",", f.name),
                1,
            );
            let with_bom = format!("\u{feff}{with_schema}");
            assert!((f.check)(with_bom.as_bytes()).is_ok(), "{}", f.name);
            let bad = text.replacen('{', "{\"$schema\": 2,", 1);
            assert!((f.check)(bad.as_bytes()).is_err(), "{}", f.name);
        }
    }

    #[test]
    fn auth_env_references_are_reported() {
        let p = br#"{"keys":[{"id":"a","client":"c","env":"PAVISE_KEY_A"}]}"#;
        let checked = (find("auth").unwrap().check)(p).unwrap();
        assert_eq!(checked.env_keys, vec!["PAVISE_KEY_A".to_string()]);
    }

    /// A chain whose audit would log a key auth reads is refused, naming the field to fix.
    #[test]
    fn audit_must_redact_where_auth_reads_keys() {
        let auth = format!(
            r#"{{"credentials": {{"query_param": "access"}}, "keys": [{{"id": "a", "client": "c", "sha256": "{}"}}]}}"#,
            "0".repeat(64)
        );
        let audit_blind = br#"{"redact": {"query_params": ["account"]}}"#.to_vec();
        let audit_ok = br#"{"redact": {"query_params": ["access"]}}"#.to_vec();
        let chain = |audit: &[u8]| {
            let policies = [
                ("audit", audit.to_vec()),
                ("auth", auth.clone().into_bytes()),
            ];
            let got = check_chain(|name| {
                policies
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, p)| p.as_slice())
            });
            got.map_err(|e| e.to_string())
        };
        let e = chain(&audit_blind).unwrap_err();
        assert!(
            e.starts_with(
                "$.redact.query_params: the auth policy reads keys from query parameter 'access'"
            ),
            "{e}"
        );
        assert_eq!(chain(&audit_ok), Ok(()));
        assert_eq!(chain(br#"{"redact": {"all_query_values": true}}"#), Ok(()));
        assert_eq!(check_chain(|_| None), Ok(()));
    }

    #[test]
    fn audit_sink_env_references_are_passed_in() {
        let checked = check_audit(
            br#"{"http": {"cluster": "c", "headers": [{"name": "authorization", "env": "OTLP_TOKEN", "prefix": "Bearer "}]}}"#,
        )
        .unwrap();
        assert_eq!(checked.env_keys, ["OTLP_TOKEN"]);
    }
}
