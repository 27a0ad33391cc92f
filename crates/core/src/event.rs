//! The structured JSON log line a filter writes for a decision.
//!
//! One object per line, so an operator can grep Envoy's log for `"filter":"pavise.auth"` and
//! parse what follows. The path is logged without its query string (queries carry tokens), and
//! free-text request data is length-capped.

use crate::headers::{loggable, HeaderList};
use crate::path::path_only;
use crate::request_id::RequestId;
use serde::Serialize;
use serde_json::{Map, Value};

/// Longest user agent or path kept in a log line.
pub const MAX_LOGGED_CHARS: usize = 256;

/// What every decision log line says about the request.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestSummary {
    pub request_id: Option<String>,
    pub client_address: Option<String>,
    pub method: String,
    pub path: String,
    pub user_agent: Option<String>,
}

impl RequestSummary {
    pub fn from_headers(headers: &HeaderList, client_address: Option<String>) -> Self {
        let request_id = headers
            .get(crate::request_id::REQUEST_ID_HEADER)
            .and_then(RequestId::parse)
            .map(|r| r.as_str().to_string());
        let raw_path = headers
            .get(":path")
            .map(|p| String::from_utf8_lossy(p).into_owned());
        RequestSummary {
            request_id,
            client_address,
            method: headers
                .get(":method")
                .map(|m| loggable(m, 32))
                .unwrap_or_default(),
            path: raw_path
                .as_deref()
                .map(|p| loggable(path_only(p).as_bytes(), MAX_LOGGED_CHARS))
                .unwrap_or_default(),
            user_agent: headers
                .get("user-agent")
                .map(|ua| loggable(ua, MAX_LOGGED_CHARS)),
        }
    }
}

/// A decision log line: `{"filter":…,"decision":…,"reason":…, <request summary>, <details>}`.
pub fn decision_line(
    filter: &str,
    decision: &str,
    reason: &str,
    request: &RequestSummary,
    details: Map<String, Value>,
) -> String {
    let mut obj = Map::new();
    obj.insert("filter".into(), Value::from(filter));
    obj.insert("decision".into(), Value::from(decision));
    obj.insert("reason".into(), Value::from(reason));
    if let Ok(Value::Object(summary)) = serde_json::to_value(request) {
        obj.extend(summary);
    }
    obj.extend(details);
    Value::Object(obj).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_one_json_object_without_query() {
        let h = HeaderList::from_pairs(&[
            (":method", "GET"),
            (":path", "/a/b?api_key=SECRET"),
            ("user-agent", "curl/8\n{\"x\":1}"),
            ("x-request-id", "r-1"),
        ]);
        let s = RequestSummary::from_headers(&h, Some("127.0.0.1:5000".into()));
        let mut d = Map::new();
        d.insert("key_id".into(), Value::from("k1"));
        let line = decision_line("pavise.auth", "deny", "missing", &s, d);
        assert!(!line.contains('\n'));
        assert!(!line.contains("SECRET"));
        let v: Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(v["path"], "/a/b");
        assert_eq!(v["reason"], "missing");
        assert_eq!(v["request_id"], "r-1");
        assert_eq!(v["key_id"], "k1");
        assert_eq!(v["client_address"], "127.0.0.1:5000");
    }
}
