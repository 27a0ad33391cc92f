//! `pavise keygen`: a new API key for the auth filter.
//!
//! The key is 32 bytes from the operating system's random number generator, written as 64 hex
//! characters (printable, and long enough for an `env` reference too). It is printed once and
//! never stored; the policy gets only its SHA-256. The entry is checked with the auth filter's
//! own parser before it is printed, so a bad client name is caught here, not at deploy time.

use crate::sign::{random_bytes, SignError};
use pavise_core::policy::PolicyErrors;
use serde_json::{json, Value};

/// A freshly minted key and the policy entry for it.
pub struct Minted {
    /// The key itself: give it to the client, once.
    pub key: String,
    /// The `keys[]` entry for the auth policy.
    pub entry: Value,
}

/// Why no key was minted.
#[derive(Debug)]
pub enum KeygenError {
    Random(SignError),
    /// The client name or id would make an invalid entry.
    Policy(PolicyErrors),
}

/// Mints a key for `client`; `id` defaults to `<client>-<first 8 hex digits of the digest>`.
pub fn mint(client: &str, id: Option<&str>) -> Result<Minted, KeygenError> {
    let bytes: [u8; 32] = random_bytes().map_err(KeygenError::Random)?;
    let key = hex::encode(bytes);
    let digest = crate::bundle::sha256_hex(key.as_bytes());
    let id = match id {
        Some(i) => i.to_string(),
        None => format!("{client}-{}", digest.get(..8).unwrap_or_default()),
    };
    let entry = json!({"id": id, "client": client, "sha256": digest});
    let policy = json!({"keys": [entry]}).to_string();
    pavise_auth::policy::parse(policy.as_bytes()).map_err(KeygenError::Policy)?;
    Ok(Minted { key, entry })
}

impl Minted {
    /// The entry as one JSON line with its fields in reading order (id, client, sha256).
    pub fn entry_line(&self) -> String {
        let field = |k: &str| self.entry.get(k).cloned().unwrap_or(Value::Null);
        format!(
            "{{\"id\": {}, \"client\": {}, \"sha256\": {}}}",
            field("id"),
            field("client"),
            field("sha256")
        )
    }

    /// Commented text for a person.
    pub fn to_text(&self) -> String {
        format!(
            "# API key for client {client}: give it to the client once, over a secure channel.\n\
             # It is not stored anywhere; only its SHA-256 goes into the policy.\n\
             {key}\n\
             # Entry for \"keys\" in the auth policy:\n\
             {entry}\n",
            client = self.entry.get("client").unwrap_or(&Value::Null),
            key = self.key,
            entry = self.entry_line(),
        )
    }

    /// One JSON object for scripts.
    pub fn to_json(&self) -> String {
        format!("{}\n", json!({"key": self.key, "entry": self.entry}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn entry_holds_the_digest_of_the_key_and_no_key() {
        let m = mint("billing", None).unwrap();
        assert_eq!(m.key.len(), 64);
        let digest = hex::encode(Sha256::digest(m.key.as_bytes()));
        assert_eq!(m.entry["sha256"], digest);
        assert_eq!(m.entry["id"], format!("billing-{}", &digest[..8]));
        assert!(!m.entry.to_string().contains(&m.key));
        let line: Value = serde_json::from_str(&m.entry_line()).unwrap();
        assert_eq!(line, m.entry);
        assert!(m.entry_line().starts_with("{\"id\": "));
    }

    #[test]
    fn minted_key_is_accepted_by_the_filter() {
        use pavise_core::headers::HeaderList;
        let m = mint("ci", Some("ci-1")).unwrap();
        let policy = json!({"keys": [m.entry]}).to_string();
        let auth =
            pavise_auth::decision::Authenticator::from_json(policy.as_bytes(), |_| None).unwrap();
        let headers = HeaderList::from_pairs(&[
            (":method", "GET"),
            (":path", "/"),
            (":authority", "x"),
            ("x-api-key", m.key.as_str()),
        ]);
        assert!(matches!(
            auth.decide(&headers, 0),
            pavise_auth::decision::AuthDecision::Allow(_)
        ));
    }

    #[test]
    fn bad_client_name_is_refused_by_the_filters_parser() {
        let Err(KeygenError::Policy(e)) = mint("bad name", None) else {
            panic!("expected a policy error");
        };
        assert!(e.to_string().contains("$.keys[0].client"), "{e}");
    }

    #[test]
    fn keys_differ() {
        assert_ne!(mint("a", None).unwrap().key, mint("a", None).unwrap().key);
    }
}
