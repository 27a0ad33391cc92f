//! Finding the one API key a request presents.
//!
//! A key may come from the configured header, from `Authorization: Bearer` (if enabled) and
//! from a query parameter (if enabled). Exactly one distinct key may be presented: a repeated
//! header or parameter, or two sources carrying different keys, is ambiguous and refused rather
//! than guessed at, because proxies and upstreams may pick a different copy than we did.

use crate::policy::CredentialSources;
use pavise_core::headers::{trim_ows, HeaderList, SingleHeader};
use pavise_core::path::{query_of, query_params};

/// What the request presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// No non-empty key in any enabled source.
    Nothing,
    /// Exactly one distinct key.
    Key(Vec<u8>),
    /// Repeated, or different keys in different sources.
    Ambiguous,
}

/// The bearer token of an `Authorization` value, if its scheme is `Bearer` (any case).
pub fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let value = trim_ows(value);
    let scheme = value.get(..6)?;
    let rest = value.get(6..)?;
    if !scheme.eq_ignore_ascii_case(b"bearer")
        || !rest.first().is_some_and(|b| *b == b' ' || *b == b'\t')
    {
        return None;
    }
    Some(trim_ows(rest))
}

/// Finds the key the request presents through the sources the policy enables.
pub fn presented_key(sources: &CredentialSources, headers: &HeaderList) -> Presented {
    let mut found: Vec<Vec<u8>> = Vec::new();

    match headers.single(&sources.header) {
        SingleHeader::Repeated => return Presented::Ambiguous,
        SingleHeader::One(v) => found.push(trim_ows(v).to_vec()),
        SingleHeader::Absent => {}
    }

    if sources.bearer {
        match headers.single("authorization") {
            SingleHeader::Repeated => return Presented::Ambiguous,
            SingleHeader::One(v) => {
                if let Some(token) = bearer_token(v) {
                    found.push(token.to_vec());
                }
            }
            SingleHeader::Absent => {}
        }
    }

    if let Some(param) = &sources.query_param {
        let path = headers
            .get(":path")
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        if let Some(query) = query_of(&path) {
            let mut values = query_params(query)
                .into_iter()
                .filter(|(n, _)| n.as_slice() == param.as_bytes())
                .map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(_), Some(_)) => return Presented::Ambiguous,
                (Some(v), None) => found.push(v),
                _ => {}
            }
        }
    }

    found.retain(|v| !v.is_empty());
    let mut keys = found.into_iter();
    match keys.next() {
        None => Presented::Nothing,
        Some(first) => {
            if keys.all(|k| k == first) {
                Presented::Key(first)
            } else {
                Presented::Ambiguous
            }
        }
    }
}

/// Whether the request's `Authorization` header is a bearer credential that this policy reads
/// (and so must be stripped before upstream).
pub fn carries_bearer(sources: &CredentialSources, headers: &HeaderList) -> bool {
    sources.bearer
        && headers
            .get_all("authorization")
            .any(|v| bearer_token(v).is_some())
}

/// Whether the request's query has the policy's key parameter (to be removed before upstream).
pub fn carries_query_key(sources: &CredentialSources, headers: &HeaderList) -> bool {
    let Some(param) = &sources.query_param else {
        return false;
    };
    let path = headers
        .get(":path")
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    query_of(&path).is_some_and(|q| {
        query_params(q)
            .iter()
            .any(|(n, _)| n.as_slice() == param.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(bearer: bool, query: Option<&str>) -> CredentialSources {
        CredentialSources {
            header: "x-api-key".into(),
            bearer,
            query_param: query.map(str::to_string),
        }
    }

    fn h(pairs: &[(&str, &str)]) -> HeaderList {
        HeaderList::from_pairs(pairs)
    }

    #[test]
    fn header_key_is_found_case_insensitively_and_trimmed() {
        let got = presented_key(&sources(false, None), &h(&[("X-API-KEY", "  k1 \t")]));
        assert_eq!(got, Presented::Key(b"k1".to_vec()));
    }

    #[test]
    fn nothing_when_absent_or_empty() {
        assert_eq!(
            presented_key(&sources(true, Some("k")), &h(&[(":path", "/")])),
            Presented::Nothing
        );
        assert_eq!(
            presented_key(&sources(false, None), &h(&[("x-api-key", "  ")])),
            Presented::Nothing
        );
    }

    #[test]
    fn repeated_header_is_ambiguous_even_if_equal() {
        let got = presented_key(
            &sources(false, None),
            &h(&[("x-api-key", "a"), ("x-api-key", "a")]),
        );
        assert_eq!(got, Presented::Ambiguous);
    }

    #[test]
    fn bearer_only_when_enabled_and_scheme_matches() {
        let hs = h(&[("authorization", "bEaReR   tok ")]);
        assert_eq!(
            presented_key(&sources(true, None), &hs),
            Presented::Key(b"tok".to_vec())
        );
        assert_eq!(
            presented_key(&sources(false, None), &hs),
            Presented::Nothing
        );
        let basic = h(&[("authorization", "Basic dXNlcjpwYXNz")]);
        assert_eq!(
            presented_key(&sources(true, None), &basic),
            Presented::Nothing
        );
        assert_eq!(bearer_token(b"Bearertok"), None);
        assert_eq!(bearer_token(b"Bearer"), None);
    }

    #[test]
    fn different_keys_in_two_sources_are_ambiguous_same_key_is_not() {
        let s = sources(true, None);
        let diff = h(&[("x-api-key", "a"), ("authorization", "Bearer b")]);
        assert_eq!(presented_key(&s, &diff), Presented::Ambiguous);
        let same = h(&[("x-api-key", "a"), ("authorization", "Bearer a")]);
        assert_eq!(presented_key(&s, &same), Presented::Key(b"a".to_vec()));
    }

    #[test]
    fn query_key_only_when_opted_in() {
        let hs = h(&[(":path", "/x?a=1&api_key=k%2B1")]);
        assert_eq!(
            presented_key(&sources(false, Some("api_key")), &hs),
            Presented::Key(b"k+1".to_vec())
        );
        assert_eq!(
            presented_key(&sources(false, None), &hs),
            Presented::Nothing
        );
        let twice = h(&[(":path", "/x?api_key=a&api_key=a")]);
        assert_eq!(
            presented_key(&sources(false, Some("api_key")), &twice),
            Presented::Ambiguous
        );
        assert!(carries_query_key(&sources(false, Some("api_key")), &hs));
        assert!(!carries_query_key(&sources(false, None), &hs));
    }

    #[test]
    fn non_utf8_key_bytes_are_kept() {
        let hs = HeaderList::from_pairs(&[("x-api-key", &[0xffu8, 0x00, 0x41][..])]);
        assert_eq!(
            presented_key(&sources(false, None), &hs),
            Presented::Key(vec![0xff, 0x00, 0x41])
        );
    }

    #[test]
    fn repeated_authorization_is_ambiguous_when_bearer_enabled() {
        let hs = h(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
        assert_eq!(
            presented_key(&sources(true, None), &hs),
            Presented::Ambiguous
        );
        assert!(carries_bearer(&sources(true, None), &hs));
    }
}
