//! Names that mark a value as a secret: such values never reach a log line or an event.

/// Name parts (lowercase) that mark a parameter or field as secret when contained.
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

/// Names (lowercase) too short to match as parts, secret when equal.
const SECRET_NAMES: [&str; 4] = ["pwd", "sig", "code", "pin"];

/// Whether a query parameter, form field or header named `name` carries a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
        || SECRET_NAMES.contains(&lower.as_str())
        || lower == "cookie"
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
