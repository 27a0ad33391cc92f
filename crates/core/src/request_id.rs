//! Request ids: which value a filter may echo back and log.
//!
//! Envoy generates `x-request-id` for every request unless the client sent one (and the
//! connection manager is told to trust it). A client-supplied value is attacker-controlled, so
//! it is echoed only if it is short and made of characters that cannot break a header, a log
//! line or a JSON string.

/// The header Envoy uses, and the one Pavise echoes the id in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest id accepted; Envoy's UUIDs are 36 characters.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// A request id that is safe to echo and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// Accepts 1 to 128 characters of `[A-Za-z0-9._:-]`; anything else is not echoed.
    pub fn parse(raw: &[u8]) -> Option<RequestId> {
        if raw.is_empty() || raw.len() > MAX_REQUEST_ID_LEN {
            return None;
        }
        let safe = raw
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        if !safe {
            return None;
        }
        String::from_utf8(raw.to_vec()).ok().map(RequestId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuid() {
        let id = RequestId::parse(b"0f8fad5b-d9cb-469f-a165-70867728950e");
        assert_eq!(
            id.map(|i| i.as_str().to_string()),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e".to_string())
        );
    }

    #[test]
    fn refuses_empty_long_and_unsafe() {
        assert!(RequestId::parse(b"").is_none());
        assert!(RequestId::parse(&[b'a'; 129]).is_none());
        assert!(RequestId::parse(&[b'a'; 128]).is_some());
        assert!(RequestId::parse(b"a\"b").is_none());
        assert!(RequestId::parse(b"a b").is_none());
        assert!(RequestId::parse(b"a\r\nset-cookie: x").is_none());
        assert!(RequestId::parse(&[0xff, 0xfe]).is_none());
    }
}
