//! Names that mark a value as a secret: such values never reach a log line or an event.

/// Names (lowercase) too short to match as parts, secret when equal.
const SECRET_NAMES: [&str; 4] = ["pwd", "sig", "code", "pin"];

/// Whether a query parameter, form field or header named `name` carries a secret (ASCII case
/// ignored).
///
/// Screening asks this of every request header, so it neither copies the name nor builds a
/// substring searcher per part: one pass over the name, trying a part only where its first
/// letter stands.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.as_bytes();
    if SECRET_NAMES
        .iter()
        .chain(&["cookie"])
        .any(|secret| name.eq_ignore_ascii_case(secret.as_bytes()))
    {
        return true;
    }
    (0..name.len()).any(|start| {
        let rest = name.get(start..).unwrap_or_default();
        let parts = rest.first().map_or(&[][..], |b| parts_starting_with(*b));
        parts.iter().any(|part| {
            rest.get(..part.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(part.as_bytes()))
        })
    })
}

/// The name parts (lowercase) that mark a parameter or field as secret when contained, those
/// that start with `first` (ASCII case ignored).
fn parts_starting_with(first: u8) -> &'static [&'static str] {
    match first.to_ascii_lowercase() {
        b'p' => &["password", "passwd"],
        b's' => &["secret", "session", "signature"],
        b't' => &["token"],
        b'k' => &["key"],
        b'a' => &["auth"],
        b'c' => &["credential"],
        b'j' => &["jwt"],
        b'o' => &["otp"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name part, as [`parts_starting_with`] lists them by first letter.
    const SECRET_NAME_PARTS: [&str; 11] = [
        "password",
        "passwd",
        "secret",
        "token",
        "key",
        "auth",
        "session",
        "signature",
        "credential",
        "jwt",
        "otp",
    ];

    #[test]
    fn every_part_is_listed_under_its_first_letter() {
        let mut listed: Vec<&str> = (0..=255u8)
            .filter(|b| !b.is_ascii_uppercase())
            .flat_map(|b| parts_starting_with(b).iter().copied())
            .collect();
        listed.sort_unstable();
        let mut parts = SECRET_NAME_PARTS.to_vec();
        parts.sort_unstable();
        assert_eq!(listed, parts);
        for part in SECRET_NAME_PARTS {
            let first = part.as_bytes()[0];
            assert!(parts_starting_with(first).contains(&part));
            assert!(parts_starting_with(first.to_ascii_uppercase()).contains(&part));
        }
    }

    #[test]
    fn names() {
        for n in [
            "access_token",
            "API_KEY",
            "password",
            "sig",
            "Cookie",
            "x-session-id",
            "authorization",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["page", "design", "q", "user-agent", "codec"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    /// The scan answers as a lowercase copy searched with `str::contains` does, on names
    /// around every part and name (prefixes, suffixes, case, non-ASCII neighbours).
    #[test]
    fn the_scan_agrees_with_a_lowercased_search() {
        let reference = |name: &str| {
            let lower = name.to_ascii_lowercase();
            SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
                || SECRET_NAMES.contains(&lower.as_str())
                || lower == "cookie"
        };
        let mut names = vec![String::new(), "é".into(), "x".into()];
        for word in SECRET_NAME_PARTS
            .iter()
            .chain(&SECRET_NAMES)
            .chain(&["cookie"])
        {
            let upper = word.to_ascii_uppercase();
            let (head, tail) = word.split_at(word.len() - 1);
            for w in [word.to_string(), upper, head.to_string(), tail.to_string()] {
                for (before, after) in [("", ""), ("x-", ""), ("", "_id"), ("é", "ß"), ("A", "Z")]
                {
                    names.push(format!("{before}{w}{after}"));
                }
            }
        }
        for name in names {
            assert_eq!(is_secret_name(&name), reference(&name), "{name:?}");
        }
    }
}
