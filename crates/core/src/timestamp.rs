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
///
/// Written by hand rather than through `time`'s formatter: the audit stage stamps every event
/// with it. Every `u64` of nanoseconds is before the year 2555, so the year has four digits.
pub fn rfc3339_millis(unix_nanos: u64) -> String {
    let millis = unix_nanos / 1_000_000;
    let seconds = millis / 1000;
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let in_day = seconds % 86_400;
    let mut out = String::with_capacity(24);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, month, 2);
    out.push('-');
    push_digits(&mut out, day, 2);
    out.push('T');
    push_digits(&mut out, in_day / 3600, 2);
    out.push(':');
    push_digits(&mut out, in_day / 60 % 60, 2);
    out.push(':');
    push_digits(&mut out, in_day % 60, 2);
    out.push('.');
    push_digits(&mut out, millis % 1000, 3);
    out.push('Z');
    out
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Counted from 0000-03-01, so that a leap day ends its year; eras of 400 years.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u64, width: u32) {
    for place in (0..width).rev() {
        let digit = n / 10u64.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
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
        assert_eq!(rfc3339_millis(u64::MAX), "2554-07-21T23:34:33.709Z");
    }

    /// What `time`'s RFC 3339 formatter writes, with the milliseconds added.
    fn reference(unix_nanos: u64) -> String {
        let millis = unix_nanos / 1_000_000;
        let base = Timestamp(i64::try_from(millis / 1000).unwrap()).to_rfc3339();
        format!("{}.{:03}Z", base.strip_suffix('Z').unwrap(), millis % 1000)
    }

    #[test]
    fn millisecond_timestamps_match_the_time_crate() {
        const DAY: u64 = 86_400 * 1_000_000_000;
        // Around every year's end and leap day from 1970 to 2554 (2000 a leap year, 2100 and
        // 2200 not), and a spread of instants in between.
        let mut instants = vec![0, u64::MAX, u64::MAX - 1];
        for year in 1970..2554 {
            let jan1 = Timestamp::parse(&format!("{year}-01-01T00:00:00Z"))
                .unwrap()
                .0;
            let jan1 = u64::try_from(jan1).unwrap() * 1_000_000_000;
            for offset in [0, DAY * 59, DAY * 60, DAY * 365, DAY * 366] {
                for delta in [0, 1, 999_999, 1_000_000, 59_999_999_999] {
                    instants.push((jan1 + offset).saturating_sub(delta));
                    instants.push((jan1 + offset).saturating_add(delta));
                }
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            instants.push(x);
        }
        for nanos in instants {
            assert_eq!(rfc3339_millis(nanos), reference(nanos), "{nanos}");
        }
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
