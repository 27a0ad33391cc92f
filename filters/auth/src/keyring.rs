//! The accepted keys as SHA-256 digests, and the constant-time lookup of a presented key.
//!
//! A presented key is hashed once and its digest compared with *every* stored digest using
//! `subtle`'s constant-time equality, folding the results with constant-time selects: no early
//! exit, no branch on secret data. The time taken depends only on the presented key's length
//! (public: it is on the wire) and the number of stored keys (fixed per policy), so timing
//! reveals neither a matching prefix nor which key matched. `make ct-check` measures this.

use crate::policy::{ApiKeyPolicy, MAX_KEY_BYTES, MIN_ENV_KEY_BYTES};
use pavise_core::policy::{JsonPath, PolicyErrors, Problems};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// SHA-256 digests of the accepted keys, in policy order.
#[derive(Clone)]
pub struct Keyring {
    digests: Vec<[u8; 32]>,
}

// Digests are not secrets in the strict sense, but there is no reason to print them.
impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring({} keys)", self.digests.len())
    }
}

/// What the lookup of a presented key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLookup {
    /// Index of the matching entry in the policy's `keys`, if any.
    pub index: Option<usize>,
    /// First 4 bytes of the presented key's digest, for logs: enough to tell keys apart, far
    /// too little to recover or test a key with.
    pub fingerprint: [u8; 4],
}

impl KeyLookup {
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint)
    }
}

impl Keyring {
    /// Builds the keyring from a validated policy. `env` resolves the `env` references (in the
    /// filter: the VM's environment); a missing, empty, too short or duplicate key is an error
    /// named by its JSON path. Values are trimmed of surrounding whitespace, then hashed; the
    /// plaintext is dropped here.
    pub fn from_policy(
        policy: &ApiKeyPolicy,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Keyring, PolicyErrors> {
        let mut problems = Problems::new();
        let mut digests = Vec::with_capacity(policy.keys.len());
        for (i, entry) in policy.keys.iter().enumerate() {
            let at = JsonPath::root().field("keys").index(i);
            let digest = if let Some(hexed) = &entry.sha256 {
                let mut d = [0u8; 32];
                if hex::decode_to_slice(hexed, &mut d).is_err() {
                    problems.push(&at.field("sha256"), "expected 64 hex characters");
                }
                d
            } else if let Some(name) = &entry.env {
                let at = at.field("env");
                match env(name) {
                    None => {
                        problems.push(
                            &at,
                            format!(
                                "environment variable {name} is not set in the VM \
                                 (list it in vm_config.environment_variables)"
                            ),
                        );
                        [0u8; 32]
                    }
                    Some(value) => {
                        let key = value.trim();
                        if key.len() < MIN_ENV_KEY_BYTES || key.len() > MAX_KEY_BYTES {
                            problems.push(
                                &at,
                                format!(
                                    "the key in {name} must be {MIN_ENV_KEY_BYTES} to \
                                     {MAX_KEY_BYTES} bytes long"
                                ),
                            );
                        }
                        Sha256::digest(key.as_bytes()).into()
                    }
                }
            } else {
                problems.push(
                    &at,
                    "give the key's \"sha256\" digest or an \"env\" variable name",
                );
                [0u8; 32]
            };
            if let Some(first) = digests.iter().position(|d| *d == digest) {
                if problems.is_empty() {
                    problems.push(
                        &at,
                        format!("the same key as $.keys[{first}]; a key must belong to one entry"),
                    );
                }
            }
            digests.push(digest);
        }
        problems.into_result().map(|()| Keyring { digests })
    }

    /// Builds a keyring straight from digests (tests and tools).
    pub fn from_digests(digests: Vec<[u8; 32]>) -> Keyring {
        Keyring { digests }
    }

    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Finds the entry whose digest equals SHA-256(`presented`), in constant time with respect
    /// to the stored digests. Keys longer than [`MAX_KEY_BYTES`] match nothing (the length is
    /// public).
    pub fn lookup(&self, presented: &[u8]) -> KeyLookup {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut fingerprint = [0u8; 4];
        fingerprint.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
        let mut found = Choice::from(0);
        let mut index = 0u32;
        for (i, stored) in self.digests.iter().enumerate() {
            let equal = stored.ct_eq(&digest);
            index.conditional_assign(&u32::try_from(i).unwrap_or(u32::MAX), equal);
            found |= equal;
        }
        let within_limit = presented.len() <= MAX_KEY_BYTES;
        // The outcome itself is public: branching on it reveals nothing more.
        let index = (bool::from(found) && within_limit).then_some(index as usize);
        KeyLookup { index, fingerprint }
    }
}

/// SHA-256 of a key as lowercase hex: what goes in a policy's `sha256`.
pub fn digest_hex(key: &[u8]) -> String {
    hex::encode(Sha256::digest(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> ApiKeyPolicy {
        crate::policy::parse(json.as_bytes()).unwrap()
    }

    fn ring(keys: &[&str]) -> Keyring {
        Keyring::from_digests(
            keys.iter()
                .map(|k| Sha256::digest(k.as_bytes()).into())
                .collect(),
        )
    }

    #[test]
    fn digest_hex_matches_sha256sum() {
        // printf %s abc | sha256sum
        assert_eq!(
            digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn finds_each_key_and_only_exact_keys() {
        let r = ring(&["alpha-key", "beta-key", "gamma-key"]);
        assert_eq!(r.lookup(b"alpha-key").index, Some(0));
        assert_eq!(r.lookup(b"gamma-key").index, Some(2));
        assert_eq!(r.lookup(b"beta-key").index, Some(1));
        assert_eq!(r.lookup(b"beta-ke").index, None);
        assert_eq!(r.lookup(b"beta-key ").index, None);
        assert_eq!(r.lookup(b"BETA-KEY").index, None);
        assert_eq!(r.lookup(b"").index, None);
        assert_eq!(r.lookup(&[0xff, 0xfe, 0x00]).index, None);
    }

    #[test]
    fn very_long_keys_match_nothing() {
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        let r = ring(&[&long]);
        assert_eq!(r.lookup(long.as_bytes()).index, None);
        let max = "k".repeat(MAX_KEY_BYTES);
        let r = ring(&[&max]);
        assert_eq!(r.lookup(max.as_bytes()).index, Some(0));
    }

    #[test]
    fn empty_keyring_matches_nothing() {
        assert_eq!(Keyring::from_digests(vec![]).lookup(b"x").index, None);
    }

    #[test]
    fn fingerprint_is_digest_prefix() {
        let l = ring(&[]).lookup(b"abc");
        assert_eq!(l.fingerprint_hex(), "ba7816bf");
    }

    #[test]
    fn env_keys_are_resolved_trimmed_and_hashed() {
        let p = policy(r#"{"keys":[{"id":"a","client":"c","env":"K_A"}]}"#);
        let key = "0123456789abcdef0123456789abcdef";
        let r = Keyring::from_policy(&p, |n| (n == "K_A").then(|| format!(" {key}\n"))).unwrap();
        assert_eq!(r.lookup(key.as_bytes()).index, Some(0));
    }

    #[test]
    fn env_problems_name_the_path_and_never_the_value() {
        let p = policy(
            r#"{"keys":[{"id":"a","client":"c","env":"K_A"},{"id":"b","client":"c","env":"K_B"}]}"#,
        );
        let e = Keyring::from_policy(&p, |n| (n == "K_B").then(|| "short-secret".to_string()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("$.keys[0].env: environment variable K_A is not set"),
            "{e}"
        );
        assert!(
            e.contains("$.keys[1].env: the key in K_B must be 32 to 4096 bytes long"),
            "{e}"
        );
        assert!(!e.contains("short-secret"));
    }

    #[test]
    fn env_key_equal_to_a_digest_entry_is_refused() {
        let key = "0123456789abcdef0123456789abcdef";
        let p = policy(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{}"}},{{"id":"b","client":"d","env":"K"}}]}}"#,
            digest_hex(key.as_bytes())
        ));
        let e = Keyring::from_policy(&p, |_| Some(key.to_string()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "$.keys[1]: the same key as $.keys[0]; a key must belong to one entry"
        );
    }
}
