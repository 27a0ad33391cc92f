//! Instants in policies, written as RFC 3339 (`2026-01-31T00:00:00Z`) and kept as Unix seconds.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

/// An instant, as whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(|t| Timestamp(t.unix_timestamp()))
            .map_err(|_| {
                format!("expected an RFC 3339 timestamp such as 2026-01-31T00:00:00Z, got '{text}'")
            })
    }

    /// RFC 3339 in UTC, e.g. for logs.
    pub fn to_rfc3339(self) -> String {
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.0.to_string())
    }
}

/// RFC 3339 in UTC with milliseconds (`2026-11-23T08:30:33.125Z`), from Unix nanoseconds.
pub fn rfc3339_millis(unix_nanos: u64) -> String {
    let millis = unix_nanos / 1_000_000;
    let seconds = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
    let base = Timestamp(seconds).to_rfc3339();
    match base.strip_suffix('Z') {
        Some(stem) => format!("{stem}.{:03}Z", millis % 1000),
        None => base,
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 instant, e.g. 2026-01-31T00:00:00Z"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millisecond_timestamps() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_795_422_633_125_999_999),
            "2026-11-23T08:30:33.125Z"
        );
    }

    #[test]
    fn parses_rfc3339_with_offsets() {
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z"), Ok(Timestamp(0)));
        assert_eq!(
            Timestamp::parse("1970-01-01T01:00:00+01:00"),
            Ok(Timestamp(0))
        );
        assert_eq!(
            Timestamp::parse("2026-01-31T00:00:00.5Z"),
            Ok(Timestamp(1_769_817_600))
        );
    }

    #[test]
    fn refuses_other_formats() {
        assert!(Timestamp::parse("2026-01-31").is_err());
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("2026-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn formats_back() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    }
}
