//! A fake host for native tests: implements every host trait in memory, records what a stage
//! did (edits, replies, metric updates, log lines, filter state, verdicts, callouts), and can be
//! told to fail any call, so a test drives a stage phase by phase and checks that it fails
//! closed. Built for this crate's tests and, with the `testing` feature, for other crates'
//! dev-dependencies; never part of a filter.

use crate::headers::{HeaderEdit, HeaderList};
use crate::host::{
    Callout, ConfigHost, Host, HostError, LogLevel, MetricId, MetricKind, RootHost, StreamHost,
};
use crate::verdict::Verdict;
use std::collections::BTreeMap;
use std::time::Duration;

/// A local reply the stage sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Reply {
    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(self.body.as_deref().unwrap_or_default()).into_owned()
    }
}

/// A callout the stage sent, with its own copy of every part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCallout {
    pub token: u32,
    pub cluster: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The in-memory proxy.
#[derive(Debug, Default)]
pub struct FakeHost {
    /// The request as the client sent it; edits apply here.
    pub request_headers: HeaderList,
    /// The request body received so far.
    pub request_body: Vec<u8>,
    /// The upstream's response headers; edits apply here.
    pub response_headers: HeaderList,
    /// Wall-clock time in Unix nanoseconds.
    pub now_nanos: u64,
    /// Properties by path joined with `.` (`source.address`), filter state included.
    pub properties: BTreeMap<String, Vec<u8>>,
    /// Defined metrics: (kind, stat name), the id is the index.
    pub metrics: Vec<(MetricKind, String)>,
    /// The current value of each metric (counters and gauges: the sum; histograms: the
    /// number of values recorded).
    pub values: BTreeMap<u32, i64>,
    /// Log lines written.
    pub logs: Vec<(LogLevel, String)>,
    /// Local replies sent (a stage must send at most one).
    pub replies: Vec<Reply>,
    /// Verdicts handed over.
    pub verdicts: Vec<Verdict>,
    /// The tick period asked for.
    pub tick_period: Option<Duration>,
    /// Callouts sent.
    pub callouts: Vec<SentCallout>,
    /// How often `done` was called.
    pub done_calls: u32,
    /// Names of host calls that fail (e.g. `"send_response"`, `"now"`).
    pub failing: Vec<&'static str>,
}

impl FakeHost {
    /// A host with these request headers, at a fixed time.
    pub fn with_request(headers: &[(&str, &str)]) -> FakeHost {
        FakeHost {
            request_headers: HeaderList::from_pairs(headers),
            now_nanos: 1_700_000_000_000_000_000,
            ..FakeHost::default()
        }
    }

    /// Makes host call `call` fail from now on.
    pub fn fail(&mut self, call: &'static str) {
        self.failing.push(call);
    }

    fn check(&self, call: &'static str) -> Result<(), HostError> {
        if self.failing.contains(&call) {
            Err(HostError::call(call, "failure injected by the test"))
        } else {
            Ok(())
        }
    }

    /// The value of the metric with stat name `name` (0 if never updated, `None` if never
    /// defined).
    pub fn metric(&self, name: &str) -> Option<i64> {
        let index = self.metrics.iter().position(|(_, n)| n == name)?;
        let id = u32::try_from(index).ok()?;
        Some(self.values.get(&id).copied().unwrap_or(0))
    }

    /// The sum of the metrics whose stat name `matches` (e.g. every rule of a category).
    pub fn metric_sum(&self, matches: impl Fn(&str) -> bool) -> i64 {
        self.metrics
            .iter()
            .enumerate()
            .filter(|(_, (_, name))| matches(name))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .map(|id| self.values.get(&id).copied().unwrap_or(0))
            .sum()
    }

    /// The stat names with a non-zero value, sorted.
    pub fn nonzero_metrics(&self) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = self
            .values
            .iter()
            .filter(|(_, v)| **v != 0)
            .filter_map(|(id, v)| {
                let (_, name) = self.metrics.get(usize::try_from(*id).ok()?)?;
                Some((name.clone(), *v))
            })
            .collect();
        out.sort();
        out
    }

    /// The one local reply, if exactly one was sent.
    pub fn reply(&self) -> Option<&Reply> {
        match self.replies.as_slice() {
            [reply] => Some(reply),
            _ => None,
        }
    }
}

impl Host for FakeHost {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        self.check("log")?;
        self.logs.push((level, message.to_string()));
        Ok(())
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        self.check("now")?;
        Ok(self.now_nanos)
    }

    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        self.check("metric")?;
        let kind = self
            .metrics
            .get(usize::try_from(metric.0).unwrap_or(usize::MAX))
            .map(|(k, _)| *k)
            .ok_or(HostError::Malformed { call: "metric" })?;
        if kind == MetricKind::Histogram || (kind == MetricKind::Counter && delta < 0) {
            return Err(HostError::call("metric", "wrong update for the kind"));
        }
        *self.values.entry(metric.0).or_default() += delta;
        Ok(())
    }

    fn record_metric(&mut self, metric: MetricId, _value: u64) -> Result<(), HostError> {
        self.check("metric")?;
        match self
            .metrics
            .get(usize::try_from(metric.0).unwrap_or(usize::MAX))
        {
            Some((MetricKind::Histogram, _)) => {
                *self.values.entry(metric.0).or_default() += 1;
                Ok(())
            }
            _ => Err(HostError::call("metric", "not a histogram")),
        }
    }

    fn property(&mut self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        self.check("property")?;
        Ok(self.properties.get(&path.join(".")).cloned())
    }
}

impl ConfigHost for FakeHost {
    fn define_metric(&mut self, kind: MetricKind, name: &str) -> Result<MetricId, HostError> {
        self.check("define_metric")?;
        if let Some(i) = self.metrics.iter().position(|(_, n)| n == name) {
            return u32::try_from(i)
                .map(MetricId)
                .map_err(|_| HostError::Malformed { call: "metric" });
        }
        self.metrics.push((kind, name.to_string()));
        u32::try_from(self.metrics.len() - 1)
            .map(MetricId)
            .map_err(|_| HostError::Malformed { call: "metric" })
    }
}

impl StreamHost for FakeHost {
    fn request_headers(&mut self) -> Result<HeaderList, HostError> {
        self.check("request_headers")?;
        Ok(self.request_headers.clone())
    }

    fn edit_request_headers(&mut self, edits: &[HeaderEdit]) -> Result<(), HostError> {
        self.check("edit_request_headers")?;
        self.request_headers.apply(edits);
        Ok(())
    }

    fn response_headers(&mut self) -> Result<HeaderList, HostError> {
        self.check("response_headers")?;
        Ok(self.response_headers.clone())
    }

    fn edit_response_headers(
        &mut self,
        mut current: HeaderList,
        edits: &[HeaderEdit],
    ) -> Result<(), HostError> {
        self.check("edit_response_headers")?;
        current.apply(edits);
        self.response_headers = current;
        Ok(())
    }

    fn send_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<(), HostError> {
        self.check("send_response")?;
        self.replies.push(Reply {
            status,
            headers: headers.to_vec(),
            body: body.map(<[u8]>::to_vec),
        });
        Ok(())
    }

    fn request_body(&mut self, start: usize, len: usize) -> Result<Vec<u8>, HostError> {
        self.check("request_body")?;
        let end = start.saturating_add(len).min(self.request_body.len());
        Ok(self
            .request_body
            .get(start.min(end)..end)
            .unwrap_or_default()
            .to_vec())
    }

    fn set_property(&mut self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        self.check("set_property")?;
        self.properties.insert(path.join("."), value.to_vec());
        Ok(())
    }

    fn publish_verdict(&mut self, verdict: &Verdict) -> Result<(), HostError> {
        self.check("publish_verdict")?;
        self.verdicts.push(verdict.clone());
        Ok(())
    }

    fn verdicts(&mut self) -> Result<Vec<Verdict>, HostError> {
        self.check("verdicts")?;
        Ok(self.verdicts.clone())
    }
}

impl RootHost for FakeHost {
    fn set_tick_period(&mut self, period: Duration) -> Result<(), HostError> {
        self.check("set_tick_period")?;
        self.tick_period = Some(period);
        Ok(())
    }

    fn post(&mut self, callout: &Callout<'_>) -> Result<u32, HostError> {
        self.check("post")?;
        let token = u32::try_from(self.callouts.len()).unwrap_or(u32::MAX);
        self.callouts.push(SentCallout {
            token,
            cluster: callout.cluster.to_string(),
            path: callout.path.to_string(),
            headers: callout.headers.to_vec(),
            body: callout.body.to_vec(),
        });
        Ok(token)
    }

    fn done(&mut self) -> Result<(), HostError> {
        self.check("done")?;
        self.done_calls += 1;
        Ok(())
    }
}
