//! How a filter hands its decision to the audit filter.
//!
//! Each Pavise filter that decides a request publishes a [`Verdict`] as Envoy filter state
//! (a Wasm property named `pavise.verdict.<filter>`). Filter state lives inside Envoy: a client
//! can neither forge it (it is not a header) nor see it (it is never serialised onto the wire).
//! The audit filter, first in the chain, reads every verdict when the request ends.

use serde::{Deserialize, Serialize};

/// Property name prefix; the filter's short name (`auth`, `cors`, `screen`: the
/// [`Filter::DECIDING`](crate::filter::Filter::DECIDING) ones) follows.
pub const VERDICT_PROPERTY_PREFIX: &str = "pavise.verdict.";

/// The property a filter publishes its verdict under.
pub fn verdict_property(filter: &str) -> String {
    format!("{VERDICT_PROPERTY_PREFIX}{filter}")
}

/// What a filter did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Let through.
    Allowed,
    /// Refused (the filter answered the request itself).
    Denied,
    /// Let through, but something was found (detect/report modes).
    Flagged,
}

/// One filter's decision on one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Short filter name: `auth`, `cors`, `screen`.
    pub filter: String,
    pub outcome: Outcome,
    /// Stable reason code (`missing`, `origin_not_allowed`, …) when denied or flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Rule id for rule-based filters (screening).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The authenticated client, from the auth filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Status of the local reply when denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl Verdict {
    pub fn new(filter: &str, outcome: Outcome) -> Verdict {
        Verdict {
            filter: filter.to_string(),
            outcome,
            reason: None,
            rule_id: None,
            client_id: None,
            status: None,
        }
    }

    /// Whether the audit event can depend on this verdict: a refusal, a finding, or the client
    /// the auth filter authenticated. A bare "allowed" changes nothing in the event (nor
    /// whether one is written), so filters do not publish it and save a host call on every
    /// allowed request. `pavise_audit::event` has the test that holds this to the event's
    /// logic.
    pub fn informs_audit(&self) -> bool {
        self.outcome != Outcome::Allowed || self.client_id.is_some()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Option<Verdict> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_omits_empty_fields() {
        let mut v = Verdict::new("auth", Outcome::Denied);
        v.reason = Some("missing".into());
        v.status = Some(401);
        let json = v.to_json();
        assert_eq!(
            json,
            r#"{"filter":"auth","outcome":"denied","reason":"missing","status":401}"#
        );
        assert_eq!(Verdict::from_json(json.as_bytes()), Some(v));
        assert_eq!(Verdict::from_json(b"garbage"), None);
    }

    #[test]
    fn only_refusals_findings_and_clients_inform_the_audit() {
        assert!(!Verdict::new("cors", Outcome::Allowed).informs_audit());
        assert!(Verdict::new("cors", Outcome::Denied).informs_audit());
        assert!(Verdict::new("screen", Outcome::Flagged).informs_audit());
        let mut v = Verdict::new("auth", Outcome::Allowed);
        v.client_id = Some("billing".into());
        assert!(v.informs_audit());
    }

    #[test]
    fn property_names() {
        assert_eq!(verdict_property("screen"), "pavise.verdict.screen");
    }
}
