//! The HTTP sink's request bodies: a batch of events as OTLP/HTTP JSON logs (an
//! `ExportLogsServiceRequest`, what an OpenTelemetry Collector's `otlphttp` receiver takes at
//! `/v1/logs`), or as a plain JSON array for a webhook.
//!
//! In OTLP each event becomes one log record whose body is the event's JSON text (lossless, and
//! what the local sink writes), with the fields a collector routes on as attributes.

use crate::event::{AuditEvent, EventOutcome, SCHEMA_VERSION};
use crate::policy::SinkFormat;
use serde_json::{json, Value};

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedEvent {
    pub event: AuditEvent,
    /// The request's arrival, for the record's `timeUnixNano`.
    pub unix_nanos: u64,
}

/// The `content-type` of every body.
pub const CONTENT_TYPE: &str = "application/json";

/// The POST body for a batch.
pub fn render_batch(format: SinkFormat, batch: &[QueuedEvent], now_unix_nanos: u64) -> String {
    match format {
        SinkFormat::JsonArray => {
            let events: Vec<&AuditEvent> = batch.iter().map(|q| &q.event).collect();
            serde_json::to_string(&events).unwrap_or_else(|_| "[]".to_string())
        }
        SinkFormat::Otlp => otlp(batch, now_unix_nanos).to_string(),
    }
}

fn string_attribute(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn otlp(batch: &[QueuedEvent], now_unix_nanos: u64) -> Value {
    let records: Vec<Value> = batch
        .iter()
        .map(|q| {
            let e = &q.event;
            let denied = e.outcome == EventOutcome::Denied;
            let mut attributes = vec![
                string_attribute("pavise.outcome", if denied { "denied" } else { "allowed" }),
                string_attribute("http.request.method", &e.method),
                json!({"key": "http.response.status_code",
                       "value": {"intValue": e.status.to_string()}}),
            ];
            if let Some(id) = &e.request_id {
                attributes.push(string_attribute("pavise.request_id", id));
            }
            if let Some(d) = &e.decided_by {
                attributes.push(string_attribute("pavise.decided_by", &d.filter));
            }
            let mut record = json!({
                "timeUnixNano": q.unix_nanos.to_string(),
                "observedTimeUnixNano": now_unix_nanos.to_string(),
                // OTLP severity numbers: 9 INFO, 13 WARN.
                "severityNumber": if denied { 13 } else { 9 },
                "severityText": if denied { "WARN" } else { "INFO" },
                "body": {"stringValue": serde_json::to_string(e).unwrap_or_default()},
                "attributes": attributes,
            });
            if let (Some(trace), Some(obj)) = (&e.trace_id, record.as_object_mut()) {
                obj.insert("traceId".into(), Value::from(trace.as_str()));
            }
            record
        })
        .collect();
    json!({"resourceLogs": [{
        "resource": {"attributes": [string_attribute("service.name", "pavise")]},
        "scopeLogs": [{
            "scope": {"name": "pavise.audit", "version": SCHEMA_VERSION},
            "logRecords": records,
        }],
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Decision;

    fn queued(id: &str, denied: bool) -> QueuedEvent {
        QueuedEvent {
            event: AuditEvent {
                schema_version: SCHEMA_VERSION,
                timestamp: "2026-11-23T08:00:00.000Z".into(),
                request_id: Some(id.into()),
                trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
                client_id: None,
                source_address: None,
                method: "GET".into(),
                host: "h".into(),
                path: "/".into(),
                status: if denied { 401 } else { 200 },
                outcome: if denied {
                    EventOutcome::Denied
                } else {
                    EventOutcome::Allowed
                },
                decided_by: denied.then(|| Decision {
                    filter: "auth".into(),
                    reason: Some("missing".into()),
                    rule_id: None,
                }),
                flagged_by: vec![],
                duration_ms: None,
                request_bytes: None,
                response_bytes: None,
                user_agent: None,
            },
            unix_nanos: 1_795_420_800_000_000_000,
        }
    }

    #[test]
    fn otlp_logs_request_shape() {
        let body = render_batch(
            SinkFormat::Otlp,
            &[queued("r1", false), queued("r2", true)],
            1_795_420_801_000_000_000,
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        let scope = &v["resourceLogs"][0]["scopeLogs"][0];
        assert_eq!(scope["scope"]["name"], "pavise.audit");
        let records = scope["logRecords"].as_array().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["timeUnixNano"], "1795420800000000000");
        assert_eq!(records[0]["severityNumber"], 9);
        assert_eq!(records[1]["severityText"], "WARN");
        assert_eq!(records[1]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        let event: Value =
            serde_json::from_str(records[1]["body"]["stringValue"].as_str().unwrap()).unwrap();
        assert_eq!(event["request_id"], "r2");
        assert_eq!(event["decided_by"]["reason"], "missing");
        let attrs = records[1]["attributes"].as_array().unwrap();
        assert!(attrs
            .contains(&json!({"key": "http.response.status_code", "value": {"intValue": "401"}})));
        assert!(
            attrs.contains(&json!({"key": "pavise.decided_by", "value": {"stringValue": "auth"}}))
        );
    }

    /// The body deserializes as the collector's own type, with the values intact.
    #[test]
    fn otlp_body_is_a_real_export_logs_service_request() {
        use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
        use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
        let body = render_batch(
            SinkFormat::Otlp,
            &[queued("r1", true)],
            1_795_420_801_000_000_000,
        );
        let request: ExportLogsServiceRequest = serde_json::from_str(&body).unwrap();
        let record = &request.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!(record.time_unix_nano, 1_795_420_800_000_000_000);
        assert_eq!(record.severity_number, 13);
        assert_eq!(hex_of(&record.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        let Some(Any::StringValue(text)) = record.body.as_ref().and_then(|b| b.value.clone())
        else {
            panic!("body is not a string: {:?}", record.body);
        };
        let event: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(event["request_id"], "r1");
        let status = record
            .attributes
            .iter()
            .find(|a| a.key == "http.response.status_code")
            .and_then(|a| a.value.clone())
            .and_then(|v| v.value);
        assert_eq!(status, Some(Any::IntValue(401)));
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn json_array() {
        let body = render_batch(SinkFormat::JsonArray, &[queued("r1", false)], 0);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["request_id"], "r1");
        assert_eq!(v[0]["outcome"], "allowed");
        assert_eq!(v.as_array().unwrap().len(), 1);
    }
}
