//! Envoy's `stats_config` for Pavise's metrics: one tag extraction rule per label, so the
//! `.label.value` pairs in the filters' stat names become Prometheus labels
//! (`pavise_core::metrics`), and microsecond buckets for the decision-time histogram. Rendered
//! into every Envoy bootstrap the CLI writes ([`envoy_yaml`]), and for Istio as a ConfigMap its
//! sidecars merge into their bootstrap ([`istio_configmap`]). The rules and buckets cover the
//! stat names of both runtimes (the Wasm filters' `wasmcustom.` and the native module's
//! `dynamicmodulescustom.` namespace, [`NAMESPACES`]).

use pavise_core::metrics::{
    tag_specifiers, DECISION_DURATION, DECISION_DURATION_BUCKETS, NAMESPACES, WASM_NAMESPACE,
};
use serde_json::{json, Value};

/// The stat name prefix every Pavise metric of the Wasm filters has in Envoy (before tag
/// extraction).
pub fn stat_prefix() -> String {
    format!("{WASM_NAMESPACE}.pavise_")
}

/// The decision-time histogram's stat name under each runtime's namespace.
fn histogram_prefixes() -> Vec<String> {
    NAMESPACES
        .iter()
        .map(|ns| format!("{ns}.{DECISION_DURATION}"))
        .collect()
}

/// `stats_config` as a top-level bootstrap block (YAML).
pub fn envoy_yaml() -> String {
    let yaml_string = super::envoy::yaml_string;
    let tags: String = tag_specifiers()
        .into_iter()
        .map(|(tag, regex)| {
            format!(
                "  - tag_name: {}\n    regex: {}\n",
                yaml_string(tag),
                yaml_string(&regex)
            )
        })
        .collect();
    let buckets: Vec<String> = DECISION_DURATION_BUCKETS
        .iter()
        .map(u32::to_string)
        .collect();
    let buckets = buckets.join(", ");
    let settings: String = histogram_prefixes()
        .iter()
        .map(|prefix| {
            format!(
                "  - match: {{ prefix: {} }}\n    buckets: [{buckets}]\n",
                yaml_string(prefix)
            )
        })
        .collect();
    format!(
        "# Pavise metrics: labels from the stat names, microsecond buckets for decision times.\n\
         stats_config:\n  stats_tags:\n{tags}  histogram_bucket_settings:\n{settings}",
    )
}

/// The same `stats_config` as JSON, for a bootstrap override.
pub fn json() -> Value {
    let tags: Vec<Value> = tag_specifiers()
        .into_iter()
        .map(|(tag, regex)| json!({"tag_name": tag, "regex": regex}))
        .collect();
    json!({
        "stats_tags": tags,
        "histogram_bucket_settings": histogram_prefixes()
            .into_iter()
            .map(|prefix| json!({"match": {"prefix": prefix}, "buckets": DECISION_DURATION_BUCKETS}))
            .collect::<Vec<Value>>(),
    })
}

/// A ConfigMap holding `custom_bootstrap.json` with the `stats_config`: a pod annotated
/// `sidecar.istio.io/bootstrapOverride: <name>` has its sidecar merge it into the bootstrap
/// Istio generates (repeated fields such as `stats_tags` are appended to Istio's own).
pub fn istio_configmap(name: &str, namespace: &str) -> String {
    let bootstrap = json!({ "stats_config": json() });
    let text = serde_json::to_string_pretty(&bootstrap).unwrap_or_default();
    let yaml_string = super::envoy::yaml_string;
    format!(
        "# Envoy stats tags for Pavise's metric labels (docs/metrics.md), rendered by `pavise render istio-stats`.\n\
         # Annotate the workload's pods with sidecar.istio.io/bootstrapOverride: {name}\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: {}\ndata:\n  custom_bootstrap.json: |\n{}\n",
        yaml_string(name),
        yaml_string(namespace),
        super::envoy::block_scalar(&text, "    "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_a_tag_rule_in_both_forms() {
        let yaml = envoy_yaml();
        let value = json();
        for label in pavise_core::metrics::LABELS {
            assert!(yaml.contains(&format!("tag_name: \"{label}\"")), "{yaml}");
            assert!(
                value["stats_tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["tag_name"] == *label),
                "{value}"
            );
        }
        assert!(yaml.contains("prefix: \"wasmcustom.pavise_decision_duration_microseconds\""));
        assert!(
            yaml.contains("prefix: \"dynamicmodulescustom.pavise_decision_duration_microseconds\"")
        );
        assert_eq!(
            value["histogram_bucket_settings"].as_array().map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn the_istio_configmap_carries_the_same_json() {
        let cm = istio_configmap("pavise-stats", "payments");
        assert!(cm.contains("kind: ConfigMap\n"), "{cm}");
        assert!(
            cm.contains("  name: \"pavise-stats\"\n  namespace: \"payments\"\n"),
            "{cm}"
        );
        let body = cm.split_once("custom_bootstrap.json: |\n").unwrap().1;
        let text: String = body
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["stats_config"], json());
    }
}
