//! The HTTP sink's outbox: a bounded buffer of events, sent in batches bounded by size and
//! time, one batch in flight at a time, retried with exponential backoff.
//!
//! Pure state, driven by the filter with the current time: [`Outbox::push`] as events are
//! made, [`Outbox::next_batch`] on each timer tick, [`Outbox::settle`] when the POST's answer
//! (or its failure) arrives, classified by [`classify`] as OTLP/HTTP says: a batch that may
//! succeed later (no answer, 429, 502, 503, 504) goes back to the front of the queue unchanged,
//! waiting the collector's `Retry-After` or the backoff, so after the sink recovers every event
//! is delivered once and in order; a batch the collector refused for good (any other status)
//! is dropped and counted, so it cannot block the events behind it. Past `buffer_max_events`
//! (waiting plus in flight) new events are refused and counted as dropped.

use std::collections::VecDeque;

/// The outbox's limits, from the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub batch_max_events: usize,
    pub flush_interval_ms: u64,
    pub buffer_max_events: usize,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

/// Running totals, for the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub sent: u64,
    pub retried: u64,
    /// Events refused because the buffer was full.
    pub dropped: u64,
    pub failed_batches: u64,
    /// Events in batches the collector refused for good (a non-retryable status).
    pub rejected: u64,
    /// Events still held when the outbox was given up (VM replaced or proxy stopping).
    pub lost: u64,
}

/// What became of a POSTed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// 2xx: the collector took it.
    Delivered,
    /// No answer (connection refused, timeout) or 429/502/503/504: send it again, not before
    /// the collector's `Retry-After` (milliseconds, when it gave one) nor before the backoff.
    Retry { after_ms: Option<u64> },
    /// Any other status: the collector will never take this batch; drop and count it.
    Rejected,
}

/// The statuses OTLP/HTTP lets a client retry; every other non-2xx must not be retried.
pub const RETRYABLE_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// Classifies a POST's answer: `status` is `None` when no answer came (connection refused,
/// reset, timeout); `retry_after` is the answer's `Retry-After` value, `now_unix_secs` the
/// current time to read an HTTP-date against.
pub fn classify(status: Option<u16>, retry_after: Option<&str>, now_unix_secs: i64) -> Delivery {
    match status {
        None => Delivery::Retry { after_ms: None },
        Some(s) if (200..300).contains(&s) => Delivery::Delivered,
        Some(s) if RETRYABLE_STATUSES.contains(&s) => Delivery::Retry {
            after_ms: retry_after.and_then(|v| retry_after_ms(v, now_unix_secs)),
        },
        Some(_) => Delivery::Rejected,
    }
}

/// A `Retry-After` value in milliseconds from now: delay-seconds (`120`) or an HTTP-date in
/// its preferred form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate; 0 when already
/// past). `None` when unreadable.
pub fn retry_after_ms(value: &str, now_unix_secs: i64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .unwrap_or(u64::MAX)
                .saturating_mul(1000),
        );
    }
    let at = imf_fixdate_unix_secs(value)?;
    Some(
        u64::try_from(at.saturating_sub(now_unix_secs))
            .unwrap_or(0)
            .saturating_mul(1000),
    )
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as Unix seconds. Written out rather than pulling a date
/// crate into the filter for one fixed format (the `time` crate's parser added 18 KiB to
/// the module).
fn imf_fixdate_unix_secs(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = text.split(' ');
    let weekday = parts.next()?;
    let (day, month, year, clock, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some() || weekday.len() != 4 || !weekday.ends_with(',') || zone != "GMT" {
        return None;
    }
    let number = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let day = number(day, 2)?;
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let year = number(year, 4)?;
    let mut hms = clock.split(':');
    let (h, m, s) = (
        number(hms.next()?, 2)?,
        number(hms.next()?, 2)?,
        number(hms.next()?, 2)?,
    );
    if hms.next().is_some() || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A batch handed out for sending: the events now in flight, lent by the outbox (which keeps
/// them to retry), so nothing is copied to send them.
#[derive(Debug, PartialEq, Eq)]
pub struct Batch<'a, T> {
    in_flight: &'a [(u64, T)],
}

impl<'a, T> Batch<'a, T> {
    pub fn events(&self) -> impl ExactSizeIterator<Item = &'a T> {
        self.in_flight.iter().map(|(_, e)| e)
    }

    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }
}

#[derive(Debug)]
pub struct Outbox<T> {
    limits: Limits,
    /// Events waiting, with the time each was pushed.
    waiting: VecDeque<(u64, T)>,
    /// The batch being sent, with the push times of its events.
    in_flight: Option<Vec<(u64, T)>>,
    /// No batch is sent before this time (backoff after a failure).
    not_before_ms: u64,
    backoff_ms: u64,
    totals: Totals,
}

/// The event was not buffered: the outbox is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl<T> Outbox<T> {
    pub fn new(limits: Limits) -> Outbox<T> {
        Outbox {
            limits,
            waiting: VecDeque::new(),
            in_flight: None,
            not_before_ms: 0,
            backoff_ms: limits.initial_backoff_ms,
            totals: Totals::default(),
        }
    }

    /// Events held: waiting and in flight.
    pub fn held(&self) -> usize {
        self.waiting.len() + self.in_flight.as_ref().map_or(0, Vec::len)
    }

    /// Whether a new event would be refused.
    pub fn is_full(&self) -> bool {
        self.held() >= self.limits.buffer_max_events
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Events in the batch in flight.
    pub fn in_flight_len(&self) -> usize {
        self.in_flight.as_ref().map_or(0, Vec::len)
    }

    /// Events waiting and in flight: the buffer's depth, for a gauge.
    pub fn depth(&self) -> usize {
        self.held()
    }

    /// Events lost so far for any reason: refused by a full buffer, rejected by the collector,
    /// or given up at shutdown, for a gauge or counter.
    pub fn lost_total(&self) -> u64 {
        self.totals.dropped + self.totals.rejected + self.totals.lost
    }

    /// The batch due now even if it is not full nor old: used when the outbox must be emptied
    /// (the VM is being replaced or the proxy is stopping). Honours nothing but "one in
    /// flight at a time".
    pub fn next_batch_now(&mut self) -> Option<Batch<'_, T>> {
        if self.in_flight.is_some() || self.waiting.is_empty() {
            return None;
        }
        let n = self.waiting.len().min(self.limits.batch_max_events);
        let in_flight = self.in_flight.insert(self.waiting.drain(..n).collect());
        Some(Batch { in_flight })
    }

    /// Gives up every event still held (waiting and in flight), counting them as lost, and
    /// returns how many there were.
    pub fn abandon(&mut self) -> u64 {
        let n = self.held() as u64;
        self.waiting.clear();
        self.in_flight = None;
        self.totals.lost += n;
        n
    }

    /// Takes every event still held out (the batch in flight first, then those waiting: oldest
    /// first), with the time each was pushed, for another outbox to send ([`Outbox::take_over`]):
    /// neither sent nor lost here.
    pub fn hand_over(&mut self) -> Vec<(u64, T)> {
        let mut held = self.in_flight.take().unwrap_or_default();
        held.extend(self.waiting.drain(..));
        held
    }

    /// Takes over events another outbox handed over, ahead of its own (they are older); those
    /// that do not fit are dropped and counted. Returns how many it kept.
    pub fn take_over(&mut self, held: Vec<(u64, T)>) -> usize {
        let room = self.limits.buffer_max_events.saturating_sub(self.held());
        let kept = held.len().min(room);
        self.totals.dropped += (held.len() - kept) as u64;
        for event in held.into_iter().take(kept).rev() {
            self.waiting.push_front(event);
        }
        kept
    }

    /// Buffers an event, or refuses it (counted as dropped) when full.
    pub fn push(&mut self, now_ms: u64, event: T) -> Result<(), Full> {
        if self.is_full() {
            self.totals.dropped += 1;
            return Err(Full);
        }
        self.waiting.push_back((now_ms, event));
        Ok(())
    }

    /// The next batch to send, if one is due: nothing in flight, not backing off, and either a
    /// full batch waiting or the oldest event waiting for `flush_interval_ms`.
    pub fn next_batch(&mut self, now_ms: u64) -> Option<Batch<'_, T>> {
        if self.in_flight.is_some() || now_ms < self.not_before_ms {
            return None;
        }
        let oldest = self.waiting.front().map(|(t, _)| *t)?;
        let due = self.waiting.len() >= self.limits.batch_max_events
            || now_ms.saturating_sub(oldest) >= self.limits.flush_interval_ms;
        if !due {
            return None;
        }
        let n = self.waiting.len().min(self.limits.batch_max_events);
        let in_flight = self.in_flight.insert(self.waiting.drain(..n).collect());
        Some(Batch { in_flight })
    }

    /// Records the fate of the batch in flight: delivered; back to the front of the queue,
    /// not sent again before the collector's `Retry-After` (capped at `max_backoff_ms`) nor
    /// before the backoff, which doubles; or rejected for good and dropped.
    pub fn settle(&mut self, now_ms: u64, delivery: Delivery) {
        let Some(batch) = self.in_flight.take() else {
            return;
        };
        let n = batch.len() as u64;
        match delivery {
            Delivery::Delivered => {
                self.totals.sent += n;
                self.backoff_ms = self.limits.initial_backoff_ms;
                self.not_before_ms = 0;
            }
            Delivery::Rejected => {
                // The next batch may well be fine: no backoff, no block.
                self.totals.rejected += n;
                self.totals.failed_batches += 1;
            }
            Delivery::Retry { after_ms } => {
                self.totals.retried += n;
                self.totals.failed_batches += 1;
                for event in batch.into_iter().rev() {
                    self.waiting.push_front(event);
                }
                let wait = after_ms
                    .map_or(self.backoff_ms, |a| a.min(self.limits.max_backoff_ms))
                    .max(self.backoff_ms);
                self.not_before_ms = now_ms.saturating_add(wait);
                self.backoff_ms = self
                    .backoff_ms
                    .saturating_mul(2)
                    .min(self.limits.max_backoff_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            batch_max_events: 3,
            flush_interval_ms: 100,
            buffer_max_events: 5,
            initial_backoff_ms: 10,
            max_backoff_ms: 40,
        }
    }

    const RETRY: Delivery = Delivery::Retry { after_ms: None };

    fn outbox() -> Outbox<String> {
        Outbox::new(limits())
    }

    fn events<'a>(batch: &Batch<'a, String>) -> Vec<&'a str> {
        batch.events().map(String::as_str).collect()
    }

    #[test]
    fn held_events_move_to_another_outbox_in_order_and_only_as_many_as_fit() {
        let mut old = outbox();
        for (i, e) in ["a", "b", "c", "d"].into_iter().enumerate() {
            old.push(i as u64, e.into()).unwrap();
        }
        let batch = old.next_batch_now().map(|b| events(&b)).unwrap();
        assert_eq!(batch, ["a", "b", "c"]);
        let held = old.hand_over();
        assert_eq!(old.held(), 0);
        assert_eq!(old.totals(), Totals::default(), "neither sent nor lost");
        let mut new = outbox();
        new.push(10, "e".into()).unwrap();
        new.push(11, "f".into()).unwrap();
        assert_eq!(new.take_over(held), 3);
        assert_eq!(new.totals().dropped, 1);
        let first = new.next_batch_now().map(|b| events(&b)).unwrap();
        assert_eq!(first, ["a", "b", "c"]);
    }

    #[test]
    fn full_batch_goes_at_once_partial_batch_waits_for_the_interval() {
        let mut o = outbox();
        o.push(0, "a".into()).unwrap();
        o.push(1, "b".into()).unwrap();
        assert_eq!(o.next_batch(50), None);
        o.push(2, "c".into()).unwrap();
        o.push(3, "d".into()).unwrap();
        assert_eq!(events(&o.next_batch(50).unwrap()), ["a", "b", "c"]);
        assert_eq!(o.next_batch(51), None, "one batch in flight at a time");
        o.settle(52, Delivery::Delivered);
        assert_eq!(o.next_batch(60), None, "d waits for its interval");
        assert_eq!(events(&o.next_batch(103).unwrap()), ["d"]);
        o.settle(104, Delivery::Delivered);
        assert_eq!(o.totals().sent, 4);
        assert_eq!(o.held(), 0);
    }

    #[test]
    fn failed_batch_is_retried_first_with_backoff() {
        let mut o = outbox();
        for (t, e) in ["a", "b", "c", "d"].iter().enumerate() {
            o.push(t as u64, (*e).into()).unwrap();
        }
        assert_eq!(events(&o.next_batch(5).unwrap()), ["a", "b", "c"]);
        o.settle(10, RETRY);
        assert_eq!(o.next_batch(19), None, "backing off 10 ms");
        assert_eq!(events(&o.next_batch(20).unwrap()), ["a", "b", "c"]);
        o.settle(20, RETRY);
        assert_eq!(o.next_batch(39), None, "backing off 20 ms");
        assert_eq!(events(&o.next_batch(40).unwrap()), ["a", "b", "c"]);
        o.settle(40, RETRY);
        o.settle(40, RETRY);
        assert_eq!(o.next_batch(79), None, "backing off 40 ms");
        assert_eq!(events(&o.next_batch(80).unwrap()), ["a", "b", "c"]);
        o.settle(80, RETRY);
        assert_eq!(o.next_batch(119), None, "backoff capped at 40 ms");
        assert_eq!(events(&o.next_batch(120).unwrap()), ["a", "b", "c"]);
        o.settle(121, Delivery::Delivered);
        // After recovery the rest goes without waiting for the interval again.
        assert_eq!(events(&o.next_batch(121).unwrap()), ["d"]);
        o.settle(122, Delivery::Delivered);
        let t = o.totals();
        assert_eq!(
            (t.sent, t.retried, t.failed_batches, t.dropped),
            (4, 12, 4, 0)
        );
    }

    #[test]
    fn full_outbox_drops_and_counts() {
        let mut o = outbox();
        for i in 0..5 {
            o.push(i, i.to_string()).unwrap();
        }
        assert!(o.is_full());
        assert_eq!(o.push(6, "x".into()), Err(Full));
        let batch = o.next_batch(6).unwrap();
        assert_eq!(batch.len(), 3);
        assert!(o.is_full(), "in-flight events still count");
        o.settle(7, Delivery::Delivered);
        assert!(!o.is_full());
        assert_eq!(o.totals().dropped, 1);
    }

    #[test]
    fn settle_without_a_batch_is_harmless() {
        let mut o = outbox();
        o.settle(0, RETRY);
        assert_eq!(o.totals(), Totals::default());
        assert_eq!(o.next_batch(1000), None);
    }

    /// One batch the collector refuses for good (a 400) is dropped and counted; the batches
    /// behind it go out at once. Before this, it was retried forever at the head of the queue.
    #[test]
    fn rejected_batch_is_dropped_and_does_not_block_the_queue() {
        let mut o = outbox();
        for (t, e) in ["a", "b", "c", "d"].iter().enumerate() {
            o.push(t as u64, (*e).into()).unwrap();
        }
        assert_eq!(events(&o.next_batch(5).unwrap()), ["a", "b", "c"]);
        o.settle(6, classify(Some(400), None, 0));
        assert_eq!(o.held(), 1);
        assert_eq!(
            events(&o.next_batch(103).unwrap()),
            ["d"],
            "no backoff after a rejection"
        );
        o.settle(104, Delivery::Delivered);
        let t = o.totals();
        assert_eq!(
            (t.sent, t.rejected, t.retried, t.failed_batches),
            (1, 3, 0, 1)
        );
        assert_eq!(o.lost_total(), 3);
    }

    #[test]
    fn statuses_are_classified_as_otlp_http_says() {
        assert_eq!(classify(Some(200), None, 0), Delivery::Delivered);
        assert_eq!(classify(Some(204), None, 0), Delivery::Delivered);
        assert_eq!(classify(None, None, 0), RETRY);
        for s in RETRYABLE_STATUSES {
            assert_eq!(classify(Some(s), None, 0), RETRY, "{s}");
        }
        for s in [301, 400, 401, 403, 404, 408, 413, 415, 500, 501, 505] {
            assert_eq!(classify(Some(s), Some("1"), 0), Delivery::Rejected, "{s}");
        }
        assert_eq!(
            classify(Some(503), Some("7"), 0),
            Delivery::Retry {
                after_ms: Some(7000)
            }
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        assert_eq!(retry_after_ms("0", 0), Some(0));
        assert_eq!(retry_after_ms(" 120 ", 0), Some(120_000));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_770),
            Some(7000)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(0),
            "a date in the past"
        );
        assert_eq!(retry_after_ms("soon", 0), None);
        assert_eq!(
            imf_fixdate_unix_secs("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(0)
        );
        assert_eq!(
            imf_fixdate_unix_secs("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599)
        );
        for bad in [
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nvm 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
        ] {
            assert_eq!(imf_fixdate_unix_secs(bad), None, "{bad}");
        }
        assert_eq!(retry_after_ms("-1", 0), None);
        assert_eq!(retry_after_ms("", 0), None);
        assert_eq!(retry_after_ms("99999999999999999999999", 0), Some(u64::MAX));
    }

    /// `Retry-After` is honoured, but bounded by `max_backoff_ms` and never shorter than the
    /// backoff.
    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let mut o = outbox();
        for t in 0..3 {
            o.push(t, t.to_string()).unwrap();
        }
        o.next_batch(3).unwrap();
        o.settle(10, Delivery::Retry { after_ms: Some(25) });
        assert_eq!(o.next_batch(34), None);
        assert!(o.next_batch(35).is_some());
        o.settle(
            40,
            Delivery::Retry {
                after_ms: Some(3_600_000),
            },
        );
        assert_eq!(o.next_batch(79), None, "capped at max_backoff_ms (40)");
        assert!(o.next_batch(80).is_some());
        o.settle(80, Delivery::Retry { after_ms: Some(0) });
        assert_eq!(o.next_batch(119), None, "not shorter than the backoff (40)");
        assert!(o.next_batch(120).is_some());
    }

    #[test]
    fn draining_sends_at_once_and_abandon_counts_what_is_left() {
        let mut o = outbox();
        o.push(0, "a".into()).unwrap();
        o.push(0, "b".into()).unwrap();
        assert_eq!(o.next_batch(1), None, "not due yet");
        assert_eq!(events(&o.next_batch_now().unwrap()), ["a", "b"]);
        assert_eq!(o.next_batch_now(), None, "one in flight");
        o.push(2, "c".into()).unwrap();
        assert_eq!(o.depth(), 3);
        assert_eq!(o.abandon(), 3);
        assert_eq!(o.depth(), 0);
        assert_eq!(o.totals().lost, 3);
        assert_eq!(o.lost_total(), 3);
    }
}
