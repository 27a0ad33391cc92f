//! Metric names and labels. Every Pavise metric is a Prometheus family (`pavise_auth_requests_total`)
//! whose dimensions are labels (`decision`, `reason`, …), not parts of its name.
//!
//! proxy-wasm has no labels: a filter defines one Envoy stat per combination, and Envoy files it
//! under its `wasmcustom` namespace. So the labels travel in the stat name, as `.label.value`
//! pairs after the family (`wasmcustom.pavise_auth_requests_total.decision.denied.reason.missing`),
//! and Envoy's tag extraction ([`tag_specifiers`], rendered into `stats_config.stats_tags` of
//! every config the CLI writes) turns each pair back into a label. Envoy's Prometheus output
//! then strips the namespace: `pavise_auth_requests_total{decision="denied",reason="missing"}`.
//! Without the tag extraction the pairs stay in the name (still one series per combination).

/// Every label a Pavise metric may carry. [`stat_name`] only accepts these, and
/// [`tag_specifiers`] gives Envoy one extraction rule for each.
pub const LABELS: &[&str] = &[
    "filter", "phase", "decision", "reason", "category", "rule", "mode", "limit", "route",
];

/// The stat namespace Envoy files proxy-wasm metrics under (and strips in its Prometheus
/// output).
pub const WASM_NAMESPACE: &str = "wasmcustom";

/// The stat namespace Envoy files a dynamic module's metrics under (the default
/// `metrics_namespace` of its `dynamic_module_config`): the native module's stat names are the
/// Wasm filters' under this prefix, and the rendered configs have Envoy strip it from the
/// Prometheus output as it strips [`WASM_NAMESPACE`], so both give the same series.
pub const NATIVE_NAMESPACE: &str = "dynamicmodulescustom";

/// Every namespace a Pavise stat name may start with, one per runtime.
pub const NAMESPACES: [&str; 2] = [WASM_NAMESPACE, NATIVE_NAMESPACE];

/// The histogram of each stage's decision time, in microseconds, labelled `filter` and `phase`.
pub const DECISION_DURATION: &str = "pavise_decision_duration_microseconds";

/// Bucket bounds of [`DECISION_DURATION`] (microseconds), rendered into
/// `stats_config.histogram_bucket_settings`: Envoy's default buckets start at 0.5 and are
/// meant for milliseconds.
pub const DECISION_DURATION_BUCKETS: &[u32] = &[
    5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
];

/// The counter of requests a filter refused because a host call failed, labelled `filter`.
pub const INTERNAL_ERRORS: &str = "pavise_internal_errors_total";

/// A family name: `[a-z0-9_]` only (what Prometheus allows), anything else becomes `_`, letters
/// are lowercased.
pub fn sanitize(text: &str) -> String {
    sanitize_keeping(text, "_")
}

/// A label value: `[a-z0-9_-]` only, so rule ids (`sqli-001`) read as in the docs; never a `.`,
/// which separates the label pairs.
pub fn sanitize_value(text: &str) -> String {
    sanitize_keeping(text, "_-")
}

fn sanitize_keeping(text: &str, keep: &str) -> String {
    text.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || keep.contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The Envoy stat name of family `family` with `labels` (name, value) pairs: the family, then
/// `.name.value` for each label. Values are [`sanitize_value`]d; a label not in [`LABELS`] is
/// skipped, as Envoy would not extract it (a unit test checks every filter's names).
pub fn stat_name(family: &str, labels: &[(&str, &str)]) -> String {
    let mut name = sanitize(family);
    for (label, value) in labels {
        if !LABELS.contains(label) {
            continue;
        }
        name.push('.');
        name.push_str(label);
        name.push('.');
        let value = sanitize_value(value);
        name.push_str(if value.is_empty() { "_" } else { &value });
    }
    name
}

/// Envoy tag extraction rules, `(tag_name, regex)`, one per label in [`LABELS`]. Envoy removes
/// a regex's first capture group from the name and takes its second as the label's value.
///
/// Each rule walks the `.name.value` pairs from the family on, two segments at a time, so a
/// label is found only in a name position: a CORS route named `reason` is a value and never
/// taken for the `reason` label. (Envoy's regexes are ECMAScript: lazy `*?` and `(?:…)`.)
/// A rule matches under either of [`NAMESPACES`], so one `stats_config` serves both runtimes.
pub fn tag_specifiers() -> Vec<(&'static str, String)> {
    LABELS
        .iter()
        .map(|label| {
            (
                *label,
                format!(
                    r"^(?:{WASM_NAMESPACE}|{NATIVE_NAMESPACE})\.pavise_[a-z0-9_]+(?:\.[a-z0-9_]+\.[a-z0-9_-]+)*?(\.{label}\.([a-z0-9_-]+))(?:\.|$)"
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Envoy's tag extraction makes of `name`: the Prometheus family and its labels.
    pub(crate) fn extract(name: &str) -> (String, Vec<(String, String)>) {
        extract_in(WASM_NAMESPACE, name)
    }

    /// [`extract`] for a stat filed under `namespace`.
    fn extract_in(namespace: &str, name: &str) -> (String, Vec<(String, String)>) {
        let full = format!("{namespace}.{name}");
        let mut removed = vec![false; full.len()];
        let mut labels = Vec::new();
        for (tag, re) in tag_specifiers() {
            let re = regex::Regex::new(&re).unwrap();
            if let Some(c) = re.captures(&full) {
                let whole = c.get(1).unwrap();
                for r in &mut removed[whole.range()] {
                    *r = true;
                }
                labels.push((tag.to_string(), c.get(2).unwrap().as_str().to_string()));
            }
        }
        let family: String = full
            .chars()
            .zip(&removed)
            .filter(|(_, r)| !**r)
            .map(|(c, _)| c)
            .collect();
        let family = family
            .strip_prefix(&format!("{namespace}."))
            .unwrap()
            .to_string();
        labels.sort();
        (family, labels)
    }

    #[test]
    fn labels_come_back_from_the_stat_name() {
        let name = stat_name(
            "pavise_auth_requests_total",
            &[("decision", "denied"), ("reason", "out-of-scope")],
        );
        assert_eq!(
            name,
            "pavise_auth_requests_total.decision.denied.reason.out-of-scope"
        );
        let (family, labels) = extract(&name);
        assert_eq!(family, "pavise_auth_requests_total");
        assert_eq!(
            labels,
            [
                ("decision".to_string(), "denied".to_string()),
                ("reason".to_string(), "out-of-scope".to_string())
            ]
        );
    }

    /// The native module's stats carry the same names under Envoy's dynamic-module namespace:
    /// the same rules give the same family and labels.
    #[test]
    fn native_stat_names_give_the_same_labels() {
        let name = stat_name(
            "pavise_screen_findings_total",
            &[
                ("category", "sqli"),
                ("rule", "sqli-001"),
                ("mode", "block"),
            ],
        );
        assert_eq!(extract_in(NATIVE_NAMESPACE, &name), extract(&name));
        assert_eq!(
            extract_in(NATIVE_NAMESPACE, &name).0,
            "pavise_screen_findings_total"
        );
        assert_eq!(extract_in(NATIVE_NAMESPACE, &name).1.len(), 3);
        // Nothing else is taken for a Pavise stat.
        let other = tag_specifiers()
            .into_iter()
            .map(|(_, re)| regex::Regex::new(&re).unwrap())
            .any(|re| re.is_match("dynamicmodulescustom.other_requests_total.decision.denied"));
        assert!(!other);
    }

    #[test]
    fn a_value_that_spells_a_label_name_stays_a_value() {
        let name = stat_name(
            "pavise_cors_route_requests_total",
            &[("route", "reason"), ("decision", "denied")],
        );
        let (family, labels) = extract(&name);
        assert_eq!(family, "pavise_cors_route_requests_total");
        assert_eq!(
            labels,
            [
                ("decision".to_string(), "denied".to_string()),
                ("route".to_string(), "reason".to_string())
            ]
        );
    }

    #[test]
    fn unknown_labels_and_odd_values_are_kept_out() {
        assert_eq!(
            stat_name("pavise_x_total", &[("colour", "red"), ("route", "a.b/C")]),
            "pavise_x_total.route.a_b_c"
        );
        assert_eq!(
            stat_name("pavise_x_total", &[("route", "")]),
            "pavise_x_total.route._"
        );
        assert_eq!(extract("pavise_audit_events_total").1, []);
    }
}
