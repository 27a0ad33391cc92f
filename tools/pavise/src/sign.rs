//! Ed25519 signatures over bundles, so a team can check that a bundle is the one another team
//! built (Istio's own `verification_key` for Wasm modules is still unimplemented).
//!
//! Files are one line of text each: a secret key is `ed25519-secret:<64 hex>` (the 32-byte
//! seed), a public key `ed25519:<64 hex>`, a signature `ed25519-sig:<128 hex>`. The signature
//! covers the bundle's exact `.tar.gz` bytes and is kept next to it as `<bundle>.sig`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt;

const SECRET_PREFIX: &str = "ed25519-secret:";
const PUBLIC_PREFIX: &str = "ed25519:";
const SIG_PREFIX: &str = "ed25519-sig:";

/// Why a key or signature could not be used, or a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// The text is not a key or signature of the expected kind.
    Malformed(&'static str),
    /// The OS random number generator failed.
    Random(String),
    /// The signature does not match the bytes and key.
    BadSignature,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Malformed(what) => write!(f, "not {what}"),
            SignError::Random(e) => write!(f, "the OS random number generator failed: {e}"),
            SignError::BadSignature => f.write_str(
                "signature does not verify: the bundle was changed, or signed with another key",
            ),
        }
    }
}

impl std::error::Error for SignError {}

/// `n` bytes from the operating system's random number generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], SignError> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|e| SignError::Random(e.to_string()))?;
    Ok(out)
}

/// A fresh key pair: (secret key file text, public key file text).
pub fn generate() -> Result<(String, String), SignError> {
    let seed: [u8; 32] = random_bytes()?;
    let key = SigningKey::from_bytes(&seed);
    Ok((
        format!("{SECRET_PREFIX}{}\n", hex::encode(seed)),
        public_text(&key.verifying_key()),
    ))
}

fn public_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}\n", hex::encode(key.as_bytes()))
}

fn decode<const N: usize>(
    text: &str,
    prefix: &str,
    what: &'static str,
) -> Result<[u8; N], SignError> {
    let body = text
        .trim()
        .strip_prefix(prefix)
        .ok_or(SignError::Malformed(what))?;
    let bytes = hex::decode(body).map_err(|_| SignError::Malformed(what))?;
    bytes.try_into().map_err(|_| SignError::Malformed(what))
}

/// Parses a secret key file.
pub fn secret_key(text: &str) -> Result<SigningKey, SignError> {
    let seed = decode::<32>(
        text,
        SECRET_PREFIX,
        "an Ed25519 secret key (ed25519-secret:<64 hex>)",
    )?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Parses a public key file.
pub fn public_key(text: &str) -> Result<VerifyingKey, SignError> {
    let bytes = decode::<32>(
        text,
        PUBLIC_PREFIX,
        "an Ed25519 public key (ed25519:<64 hex>)",
    )?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SignError::Malformed("a valid Ed25519 public key"))
}

/// The public key file text for a secret key.
pub fn public_of(secret: &SigningKey) -> String {
    public_text(&secret.verifying_key())
}

/// The signature file text for `bytes`.
pub fn sign(bytes: &[u8], key: &SigningKey) -> String {
    format!("{SIG_PREFIX}{}\n", hex::encode(key.sign(bytes).to_bytes()))
}

/// Checks a signature file's text against `bytes` and a public key.
pub fn verify(bytes: &[u8], signature: &str, key: &VerifyingKey) -> Result<(), SignError> {
    let sig = decode::<64>(
        signature,
        SIG_PREFIX,
        "an Ed25519 signature (ed25519-sig:<128 hex>)",
    )?;
    key.verify_strict(bytes, &Signature::from_bytes(&sig))
        .map_err(|_| SignError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip() {
        let (secret, public) = generate().unwrap();
        let sk = secret_key(&secret).unwrap();
        assert_eq!(public_of(&sk), public);
        let pk = public_key(&public).unwrap();
        let sig = sign(b"bundle bytes", &sk);
        assert_eq!(verify(b"bundle bytes", &sig, &pk), Ok(()));
        assert_eq!(
            verify(b"bundle bytez", &sig, &pk),
            Err(SignError::BadSignature)
        );
    }

    #[test]
    fn another_key_does_not_verify() {
        let (s1, _) = generate().unwrap();
        let (_, p2) = generate().unwrap();
        let sig = sign(b"x", &secret_key(&s1).unwrap());
        assert_eq!(
            verify(b"x", &sig, &public_key(&p2).unwrap()),
            Err(SignError::BadSignature)
        );
    }

    #[test]
    fn keys_are_not_interchangeable() {
        let (secret, public) = generate().unwrap();
        assert!(public_key(&secret).is_err());
        assert!(secret_key(&public).is_err());
        assert!(verify(b"x", &public, &public_key(&public).unwrap()).is_err());
    }

    #[test]
    fn fresh_keys_differ() {
        assert_ne!(generate().unwrap().0, generate().unwrap().0);
    }
}
