//! The HTTP sink's request bodies: a batch of events as OTLP/HTTP JSON logs (an
//! `ExportLogsServiceRequest`, what an OpenTelemetry Collector's `otlphttp` receiver takes at
//! `/v1/logs`), or as a plain JSON array for a webhook.
//!
//! In OTLP each event becomes one log record whose body is the event's JSON text (lossless, and
//! what the local sink writes), with the fields a collector routes on as attributes.
//!
//! An event is serialized once for the HTTP sink, when it is queued ([`QueuedEvent::new`]), in
//! the form the batch carries it: as it is in a JSON array, already escaped as a string for an
//! OTLP record's body ([`crate::json`] writes either in one pass). A batch is written straight
//! into one buffer from the queued fields, with no intermediate JSON tree. Rendering runs on
//! the proxy's worker thread, once for every event a busy proxy audits.

use crate::event::{AuditEvent, EventOutcome, SCHEMA_VERSION};
use crate::json;
use crate::policy::SinkFormat;

/// An event as the sinks need it: its JSON text, serialized once in the form its sink sends
/// ([`QueuedEvent::new`]), and the fields OTLP lifts into attributes, which a collector filters
/// and routes on without parsing the body.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedEvent {
    /// The event's JSON text: as it is for a JSON array, escaped as the inside of a JSON string
    /// for OTLP (the record's string body).
    body: String,
    denied: bool,
    method: String,
    status: u16,
    /// The path without its query (already redacted): the route the request asked for.
    route: String,
    request_id: Option<String>,
    client_id: Option<String>,
    decided_by: Option<String>,
    reason: Option<String>,
    rule_id: Option<String>,
    trace_id: Option<String>,
    span_id: Option<String>,
    /// The request's arrival, for the record's `timeUnixNano`.
    pub unix_nanos: u64,
}

impl QueuedEvent {
    /// Serializes `event` for a sink sending `format`, and keeps the fields OTLP needs, moved
    /// out of it.
    pub fn new(event: AuditEvent, unix_nanos: u64, format: SinkFormat) -> QueuedEvent {
        let body = match format {
            SinkFormat::JsonArray => event.to_json(),
            SinkFormat::Otlp => event.to_embedded_json(),
        };
        let mut route = event.path;
        route.truncate(pavise_core::path::path_only(&route).len());
        let (decided_by, reason, rule_id) = match event.decided_by {
            Some(d) => (Some(d.filter), d.reason, d.rule_id),
            None => (None, None, None),
        };
        QueuedEvent {
            body,
            denied: event.outcome == EventOutcome::Denied,
            method: event.method,
            status: event.status,
            route,
            request_id: event.request_id,
            client_id: event.client_id,
            decided_by,
            reason,
            rule_id,
            trace_id: event.trace_id,
            span_id: event.span_id,
            unix_nanos,
        }
    }
}

/// The OTLP resource the records come from: `service.name` and `service.instance.id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpResource {
    pub service_name: String,
    pub service_instance_id: Option<String>,
}

impl Default for OtlpResource {
    fn default() -> Self {
        OtlpResource {
            service_name: "pavise".to_string(),
            service_instance_id: None,
        }
    }
}

/// The `content-type` of every body.
pub const CONTENT_TYPE: &str = "application/json";

/// The POST body for a batch.
pub fn render_batch<'a>(
    format: SinkFormat,
    batch: impl ExactSizeIterator<Item = &'a QueuedEvent>,
    now_unix_nanos: u64,
    resource: &'a OtlpResource,
) -> String {
    match format {
        SinkFormat::JsonArray => json_array(batch),
        SinkFormat::Otlp => otlp(batch, now_unix_nanos, resource),
    }
}

/// `[e1,e2,…]` from the events' own JSON texts.
fn json_array<'a>(batch: impl ExactSizeIterator<Item = &'a QueuedEvent>) -> String {
    let mut out = String::from("[");
    for (i, q) in batch.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&q.body);
    }
    out.push(']');
    out
}

/// Appends one OTLP attribute with a string value: `{"key":…,"value":{"stringValue":…}}`.
/// `key` is one of this module's constants, which need no escaping.
fn string_attribute(out: &mut String, key: &str, value: &str) {
    out.push_str("{\"key\":\"");
    out.push_str(key);
    out.push_str("\",\"value\":{\"stringValue\":");
    json::string(out, value);
    out.push_str("}}");
}

/// An `ExportLogsServiceRequest` in the protobuf JSON mapping (camelCase field names, 64-bit
/// integers as strings, OTLP's `AnyValue` as `{"stringValue": …}` or `{"intValue": "…"}`),
/// field by field in the order the tests' serde model of it writes them.
fn otlp<'a>(
    batch: impl ExactSizeIterator<Item = &'a QueuedEvent>,
    now_unix_nanos: u64,
    resource: &'a OtlpResource,
) -> String {
    let mut observed = itoa::Buffer::new();
    let observed = observed.format(now_unix_nanos);
    let mut out = String::with_capacity(256 + batch.len() * 1024);
    out.push_str("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":");
    json::string(&mut out, &resource.service_name);
    out.push_str("}}");
    if let Some(id) = &resource.service_instance_id {
        out.push_str(",{\"key\":\"service.instance.id\",\"value\":{\"stringValue\":");
        json::string(&mut out, id);
        out.push_str("}}");
    }
    out.push_str("]},\"scopeLogs\":[{\"scope\":{\"name\":\"pavise.audit\",\"version\":");
    json::string(&mut out, SCHEMA_VERSION);
    out.push_str("},\"logRecords\":[");
    for (i, q) in batch.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"timeUnixNano\":\"");
        json::uint(&mut out, q.unix_nanos);
        out.push_str("\",\"observedTimeUnixNano\":\"");
        out.push_str(observed);
        // OTLP severity numbers: 9 INFO, 13 WARN.
        out.push_str(if q.denied {
            "\",\"severityNumber\":13,\"severityText\":\"WARN\",\"body\":{\"stringValue\":\""
        } else {
            "\",\"severityNumber\":9,\"severityText\":\"INFO\",\"body\":{\"stringValue\":\""
        });
        out.push_str(&q.body);
        out.push_str(if q.denied {
            "\"},\"attributes\":[{\"key\":\"pavise.decision\",\"value\":{\"stringValue\":\"denied\"}},"
        } else {
            "\"},\"attributes\":[{\"key\":\"pavise.decision\",\"value\":{\"stringValue\":\"allowed\"}},"
        });
        string_attribute(&mut out, "http.request.method", &q.method);
        out.push_str(",{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"");
        json::uint(&mut out, u64::from(q.status));
        out.push_str("\"}},");
        string_attribute(&mut out, "url.path", &q.route);
        let optional = [
            ("pavise.request_id", &q.request_id),
            ("pavise.client_id", &q.client_id),
            ("pavise.decided_by", &q.decided_by),
            ("pavise.reason", &q.reason),
            ("pavise.rule_id", &q.rule_id),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                out.push(',');
                string_attribute(&mut out, key, v);
            }
        }
        out.push(']');
        if let Some(trace_id) = &q.trace_id {
            out.push_str(",\"traceId\":");
            json::string(&mut out, trace_id);
            // A span id only means something with its trace id.
            if let Some(span_id) = &q.span_id {
                out.push_str(",\"spanId\":");
                json::string(&mut out, span_id);
            }
        }
        out.push('}');
    }
    out.push_str("]}]}]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Decision;
    use serde_json::{json, Value};

    /// The OTLP body as serde writes it from a model of the protobuf JSON mapping: what the
    /// hand-written [`otlp`] must match byte for byte.
    mod reference {
        use super::super::*;
        use serde::Serialize;

        // The OTLP/HTTP JSON shape, field names as the protobuf JSON mapping spells them.

        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct ExportLogs<'a> {
            resource_logs: [ResourceLogs<'a>; 1],
        }

        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct ResourceLogs<'a> {
            resource: Resource<'a>,
            scope_logs: [ScopeLogs<'a>; 1],
        }

        #[derive(Serialize)]
        struct Resource<'a> {
            attributes: Vec<Attribute<'a>>,
        }

        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct ScopeLogs<'a> {
            scope: Scope,
            log_records: Vec<LogRecord<'a>>,
        }

        #[derive(Serialize)]
        struct Scope {
            name: &'static str,
            version: &'static str,
        }

        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct LogRecord<'a> {
            time_unix_nano: String,
            observed_time_unix_nano: &'a str,
            severity_number: u8,
            severity_text: &'static str,
            body: AnyValue<'a>,
            attributes: Vec<Attribute<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            trace_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            span_id: Option<&'a str>,
        }

        #[derive(Serialize)]
        struct Attribute<'a> {
            key: &'static str,
            value: AnyValue<'a>,
        }

        /// OTLP's `AnyValue`: `{"stringValue": …}` or `{"intValue": "…"}` (64-bit integers are strings
        /// in the protobuf JSON mapping).
        #[derive(Serialize)]
        enum AnyValue<'a> {
            #[serde(rename = "stringValue")]
            String(&'a str),
            #[serde(rename = "intValue")]
            Int(String),
        }

        fn string_attribute<'a>(key: &'static str, value: &'a str) -> Attribute<'a> {
            Attribute {
                key,
                value: AnyValue::String(value),
            }
        }

        pub fn reference_otlp<'a>(
            batch: impl ExactSizeIterator<Item = &'a QueuedEvent>,
            now_unix_nanos: u64,
            resource: &'a OtlpResource,
        ) -> String {
            let observed = now_unix_nanos.to_string();
            let batch: Vec<&QueuedEvent> = batch.collect();
            // The event text as it is: the queued body is already escaped.
            let plains: Vec<String> = batch
                .iter()
                .map(|q| serde_json::from_str(&format!("\"{}\"", q.body)).unwrap())
                .collect();
            let mut records = Vec::with_capacity(batch.len());
            for (q, plain) in batch.into_iter().zip(&plains) {
                let mut attributes = vec![
                    string_attribute(
                        "pavise.decision",
                        if q.denied { "denied" } else { "allowed" },
                    ),
                    string_attribute("http.request.method", &q.method),
                    Attribute {
                        key: "http.response.status_code",
                        value: AnyValue::Int(q.status.to_string()),
                    },
                    string_attribute("url.path", &q.route),
                ];
                let optional = [
                    ("pavise.request_id", &q.request_id),
                    ("pavise.client_id", &q.client_id),
                    ("pavise.decided_by", &q.decided_by),
                    ("pavise.reason", &q.reason),
                    ("pavise.rule_id", &q.rule_id),
                ];
                for (key, value) in optional {
                    if let Some(v) = value {
                        attributes.push(string_attribute(key, v));
                    }
                }
                records.push(LogRecord {
                    time_unix_nano: q.unix_nanos.to_string(),
                    observed_time_unix_nano: &observed,
                    // OTLP severity numbers: 9 INFO, 13 WARN.
                    severity_number: if q.denied { 13 } else { 9 },
                    severity_text: if q.denied { "WARN" } else { "INFO" },
                    body: AnyValue::String(plain),
                    attributes,
                    trace_id: q.trace_id.as_deref(),
                    // A span id only means something with its trace id.
                    span_id: q.trace_id.as_ref().and(q.span_id.as_deref()),
                });
            }
            let mut resource_attributes =
                vec![string_attribute("service.name", &resource.service_name)];
            if let Some(id) = &resource.service_instance_id {
                resource_attributes.push(string_attribute("service.instance.id", id));
            }
            let export = ExportLogs {
                resource_logs: [ResourceLogs {
                    resource: Resource {
                        attributes: resource_attributes,
                    },
                    scope_logs: [ScopeLogs {
                        scope: Scope {
                            name: "pavise.audit",
                            version: SCHEMA_VERSION,
                        },
                        log_records: records,
                    }],
                }],
            };
            serde_json::to_string(&export).unwrap()
        }
    }

    fn queued(id: &str, denied: bool) -> QueuedEvent {
        queued_as(id, denied, SinkFormat::Otlp)
    }

    fn queued_as(id: &str, denied: bool, format: SinkFormat) -> QueuedEvent {
        let event = AuditEvent {
            schema_version: SCHEMA_VERSION,
            timestamp: "2026-11-23T08:00:00.000Z".into(),
            request_id: Some(id.into()),
            trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
            span_id: Some("00f067aa0ba902b7".into()),
            client_id: (!denied).then(|| "ci".into()),
            source_address: None,
            method: "GET".into(),
            host: "h".into(),
            path: "/api/orders?page=2".into(),
            status: if denied { 401 } else { 200 },
            outcome: if denied {
                EventOutcome::Denied
            } else {
                EventOutcome::Allowed
            },
            decided_by: denied.then(|| Decision {
                filter: "auth".into(),
                reason: Some("missing".into()),
                rule_id: Some("auth-r1".into()),
            }),
            flagged_by: vec![],
            duration_ms: None,
            request_bytes: None,
            response_bytes: None,
            user_agent: None,
        };
        QueuedEvent::new(event, 1_795_420_800_000_000_000, format)
    }

    #[test]
    fn otlp_logs_request_shape() {
        let body = render_batch(
            SinkFormat::Otlp,
            [queued("r1", false), queued("r2", true)].iter(),
            1_795_420_801_000_000_000,
            &OtlpResource::default(),
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

    /// The hand-written body is the serde model's, byte for byte: with and without each
    /// optional part, text that needs escaping, an empty batch.
    #[test]
    fn otlp_body_is_the_serde_models_byte_for_byte() {
        let mut awkward = queued("r\"3\\ é\n", true);
        awkward.method = "GE\tT".into();
        awkward.route = "/ünï/\u{1}".into();
        awkward.client_id = Some("c\"i".into());
        let mut bare = queued("r4", false);
        bare.request_id = None;
        bare.client_id = None;
        bare.trace_id = None;
        let mut no_span = queued("r5", false);
        no_span.span_id = None;
        let events = [
            queued("r1", false),
            queued("r2", true),
            awkward,
            bare,
            no_span,
        ];
        let resources = [
            OtlpResource::default(),
            OtlpResource {
                service_name: "edge \"gw\"".into(),
                service_instance_id: Some("pod-7".into()),
            },
        ];
        for resource in &resources {
            for n in 0..=events.len() {
                let batch = || events.iter().take(n);
                assert_eq!(
                    otlp(batch(), 1_795_420_801_000_000_000, resource),
                    reference::reference_otlp(batch(), 1_795_420_801_000_000_000, resource)
                );
            }
        }
    }

    /// The body deserializes as the collector's own type, with the values intact.
    #[test]
    fn otlp_body_is_a_real_export_logs_service_request() {
        use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
        use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
        let body = render_batch(
            SinkFormat::Otlp,
            [queued("r1", true)].iter(),
            1_795_420_801_000_000_000,
            &OtlpResource::default(),
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
        let body = render_batch(
            SinkFormat::JsonArray,
            [queued_as("r1", false, SinkFormat::JsonArray)].iter(),
            0,
            &OtlpResource::default(),
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["request_id"], "r1");
        assert_eq!(v[0]["outcome"], "allowed");
        assert_eq!(v.as_array().unwrap().len(), 1);
        let two = render_batch(
            SinkFormat::JsonArray,
            [
                queued_as("r1", false, SinkFormat::JsonArray),
                queued_as("r2", true, SinkFormat::JsonArray),
            ]
            .iter(),
            0,
            &OtlpResource::default(),
        );
        let v: Value = serde_json::from_str(&two).unwrap();
        assert_eq!(v[1]["request_id"], "r2");
        assert_eq!(
            render_batch(
                SinkFormat::JsonArray,
                [].iter(),
                0,
                &OtlpResource::default()
            ),
            "[]"
        );
    }

    /// An allowed event without a trace or request id: no `traceId`, no id attribute.
    #[test]
    fn otlp_leaves_out_what_the_event_lacks() {
        let mut q = queued("r1", false);
        q.request_id = None;
        q.client_id = None;
        q.trace_id = None;
        let body = render_batch(SinkFormat::Otlp, [q].iter(), 5, &OtlpResource::default());
        let v: Value = serde_json::from_str(&body).unwrap();
        let record = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
        assert!(record.get("traceId").is_none());
        assert!(record.get("spanId").is_none(), "no span without a trace");
        assert_eq!(record["observedTimeUnixNano"], "5");
        let keys: Vec<&str> = record["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "pavise.decision",
                "http.request.method",
                "http.response.status_code",
                "url.path"
            ]
        );
        assert_eq!(
            v["resourceLogs"][0]["resource"]["attributes"][0],
            json!({"key": "service.name", "value": {"stringValue": "pavise"}})
        );
    }

    /// What a collector filters on is an attribute: decision, client, filter, reason, rule,
    /// status, method and route; the span id from `traceparent`; the configured resource.
    #[test]
    fn otlp_attributes_span_and_resource() {
        let resource = OtlpResource {
            service_name: "edge-gateway".into(),
            service_instance_id: Some("pod-7".into()),
        };
        let body = render_batch(
            SinkFormat::Otlp,
            [queued("r1", false), queued("r2", true)].iter(),
            1,
            &resource,
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v["resourceLogs"][0]["resource"]["attributes"],
            json!([
                {"key": "service.name", "value": {"stringValue": "edge-gateway"}},
                {"key": "service.instance.id", "value": {"stringValue": "pod-7"}}
            ])
        );
        let records = v["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
            .as_array()
            .unwrap();
        let attr = |i: usize, key: &str| {
            records[i]["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == key)
                .map(|a| a["value"].clone())
        };
        assert_eq!(records[0]["spanId"], "00f067aa0ba902b7");
        assert_eq!(
            attr(0, "pavise.decision"),
            Some(json!({"stringValue": "allowed"}))
        );
        assert_eq!(
            attr(0, "pavise.client_id"),
            Some(json!({"stringValue": "ci"}))
        );
        assert_eq!(
            attr(0, "url.path"),
            Some(json!({"stringValue": "/api/orders"}))
        );
        assert_eq!(attr(0, "pavise.reason"), None);
        assert_eq!(
            attr(1, "pavise.decision"),
            Some(json!({"stringValue": "denied"}))
        );
        assert_eq!(
            attr(1, "pavise.decided_by"),
            Some(json!({"stringValue": "auth"}))
        );
        assert_eq!(
            attr(1, "pavise.reason"),
            Some(json!({"stringValue": "missing"}))
        );
        assert_eq!(
            attr(1, "pavise.rule_id"),
            Some(json!({"stringValue": "auth-r1"}))
        );
        assert_eq!(
            attr(1, "http.request.method"),
            Some(json!({"stringValue": "GET"}))
        );
        assert_eq!(
            attr(1, "http.response.status_code"),
            Some(json!({"intValue": "401"}))
        );
        // And the collector's own type reads the span id.
        use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
        let request: ExportLogsServiceRequest = serde_json::from_str(&body).unwrap();
        let record = &request.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!(hex_of(&record.span_id), "00f067aa0ba902b7");
    }
}
