//! The uniform denial response every Pavise filter sends.
//!
//! A client that is refused gets the same shape from every filter:
//!
//! ```json
//! {"error": {"code": "unauthenticated", "message": "a valid API key is required", "request_id": "…"}}
//! ```
//!
//! with `content-type: application/json` and the request id echoed in `x-request-id`. The code
//! and message are fixed strings chosen by the filter, never request data, so nothing internal or
//! secret can leak through a denial.

use crate::request_id::{RequestId, REQUEST_ID_HEADER};
use serde::Serialize;

/// A refusal decided by a filter, before it is rendered for a particular request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// HTTP status, e.g. 401.
    pub status: u16,
    /// Stable machine-readable code, e.g. `unauthenticated`.
    pub code: &'static str,
    /// Human-readable explanation; a fixed string, never request data.
    pub message: &'static str,
    /// Extra response headers (e.g. `www-authenticate`).
    pub headers: Vec<(String, String)>,
}

/// A denial rendered for one request: what goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
}

impl Denial {
    pub fn new(status: u16, code: &'static str, message: &'static str) -> Self {
        Denial {
            status,
            code,
            message,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    /// The response for a request whose id is `request_id` (if it had a usable one).
    pub fn render(&self, request_id: Option<&RequestId>) -> DenialResponse {
        let id = request_id.map(RequestId::as_str);
        let body = serde_json::to_string(&Body {
            error: ErrorBody {
                code: self.code,
                message: self.message,
                request_id: id,
            },
        })
        // Serialising two &str and an Option<&str> cannot fail; keep a valid body regardless.
        .unwrap_or_else(|_| String::from(r#"{"error":{"code":"internal","message":"denied"}}"#));
        let mut headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("cache-control".to_string(), "no-store".to_string()),
        ];
        if let Some(id) = id {
            headers.push((REQUEST_ID_HEADER.to_string(), id.to_string()));
        }
        headers.extend(self.headers.iter().cloned());
        DenialResponse {
            status: self.status,
            headers,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_uniform_body_and_headers() {
        let id = RequestId::parse(b"abc-123");
        let r = Denial::new(401, "unauthenticated", "a valid API key is required")
            .with_header("www-authenticate", "ApiKey realm=\"x\"".into())
            .render(id.as_ref());
        assert_eq!(r.status, 401);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        assert_eq!(v["error"]["code"], "unauthenticated");
        assert_eq!(v["error"]["message"], "a valid API key is required");
        assert_eq!(v["error"]["request_id"], "abc-123");
        assert!(r
            .headers
            .contains(&("content-type".into(), "application/json".into())));
        assert!(r
            .headers
            .contains(&("x-request-id".into(), "abc-123".into())));
        assert!(r
            .headers
            .contains(&("www-authenticate".into(), "ApiKey realm=\"x\"".into())));
    }

    #[test]
    fn without_request_id_body_has_null_and_no_header() {
        let r = Denial::new(403, "forbidden", "no").render(None);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        assert!(v["error"]["request_id"].is_null());
        assert!(!r.headers.iter().any(|(n, _)| n == "x-request-id"));
    }
}
