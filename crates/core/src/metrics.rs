//! Counter names. Every decision a filter makes is counted under a documented name of the form
//! `pavise_<filter>_<what>`, e.g. `pavise_auth_denied_missing`. Envoy files Wasm metrics under
//! the `wasmcustom` namespace and its Prometheus output shows them under this name as is.

/// `pavise_<filter>_<part>_<part>…`, lowercased, anything but `[a-z0-9_]` turned into `_`.
pub fn metric_name(filter: &str, parts: &[&str]) -> String {
    let mut name = format!("pavise_{filter}");
    for part in parts {
        name.push('_');
        name.push_str(part);
    }
    name.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prometheus_safe() {
        assert_eq!(metric_name("auth", &["allowed"]), "pavise_auth_allowed");
        assert_eq!(
            metric_name("cors", &["denied", "route-1.x"]),
            "pavise_cors_denied_route_1_x"
        );
    }
}
