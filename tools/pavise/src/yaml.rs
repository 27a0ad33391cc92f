//! A small YAML writer for JSON values, for Kubernetes manifests people read and review.
//!
//! Block style throughout; every string is written as a JSON string, which is a valid YAML
//! double-quoted scalar, so no value can be misread as a number, boolean or null. Keys are
//! written plain when they are simple names, quoted otherwise.

use serde_json::Value;

/// `v` (an object or array) as a block-style YAML document body.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(_) | Value::Array(_) if !is_empty(v) => block(v, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_)) && !is_empty(v)
}

/// Scalars and empty collections, on one line.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    let plain = k
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        k.to_string()
    } else {
        Value::from(k).to_string()
    }
}

fn block(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                out.push_str(&format!("{pad}{}:", key(k)));
                if is_block(val) {
                    out.push('\n');
                    block(val, indent + 2, out);
                } else {
                    out.push_str(&format!(" {}\n", inline(val)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) if is_block(item) => {
                        // Render the object one level deeper, then put the dash in place of
                        // its first line's indentation.
                        let mut sub = String::new();
                        block(item, indent + 2, &mut sub);
                        let inner = " ".repeat(indent + 2);
                        out.push_str(&pad);
                        out.push_str("- ");
                        out.push_str(sub.strip_prefix(inner.as_str()).unwrap_or(&sub));
                    }
                    Value::Array(_) if is_block(item) => {
                        out.push_str(&format!("{pad}-\n"));
                        block(item, indent + 2, out);
                    }
                    other => out.push_str(&format!("{pad}- {}\n", inline(other))),
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_values_round_trip_through_a_yaml_parser() {
        let v = json!({
            "apiVersion": "v1",
            "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "p"}},
            "spec": {
                "list": [{"a": 1, "b": [true, null]}, "s", [], {}],
                "yes": "no",
                "num": "123",
                "empty": {},
                "weird key": "line\nbreak: \"q\"",
                "n": -1.5
            }
        });
        let text = to_yaml(&v);
        let back: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, v, "{text}");
    }

    #[test]
    fn strings_stay_strings() {
        let text = to_yaml(&json!({"a": "true", "b": "1.0", "c": "null"}));
        assert_eq!(text, "a: \"true\"\nb: \"1.0\"\nc: \"null\"\n");
    }
}
