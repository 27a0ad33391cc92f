//! The HTTP sink's outbox: a bounded buffer of events, sent in batches bounded by size and
//! time, one batch in flight at a time, retried with exponential backoff.
//!
//! Pure state, driven by the filter with the current time: [`Outbox::push`] as events are
//! made, [`Outbox::next_batch`] on each timer tick, [`Outbox::settle`] when the POST's answer
//! (or its failure) arrives. A failed batch goes back to the front of the queue unchanged, so
//! after the sink recovers every event is delivered once and in order. Past
//! `buffer_max_events` (waiting plus in flight) new events are refused and counted as dropped.

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
    pub dropped: u64,
    pub failed_batches: u64,
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

    /// Records the fate of the batch in flight: delivered, or back to the front of the queue
    /// with the backoff doubled.
    pub fn settle(&mut self, now_ms: u64, delivered: bool) {
        let Some(batch) = self.in_flight.take() else {
            return;
        };
        let n = batch.len() as u64;
        if delivered {
            self.totals.sent += n;
            self.backoff_ms = self.limits.initial_backoff_ms;
            self.not_before_ms = 0;
            return;
        }
        self.totals.retried += n;
        self.totals.failed_batches += 1;
        for event in batch.into_iter().rev() {
            self.waiting.push_front(event);
        }
        self.not_before_ms = now_ms.saturating_add(self.backoff_ms);
        self.backoff_ms = self
            .backoff_ms
            .saturating_mul(2)
            .min(self.limits.max_backoff_ms);
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

    fn outbox() -> Outbox<String> {
        Outbox::new(limits())
    }

    fn events<'a>(batch: &Batch<'a, String>) -> Vec<&'a str> {
        batch.events().map(String::as_str).collect()
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
        o.settle(52, true);
        assert_eq!(o.next_batch(60), None, "d waits for its interval");
        assert_eq!(events(&o.next_batch(103).unwrap()), ["d"]);
        o.settle(104, true);
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
        o.settle(10, false);
        assert_eq!(o.next_batch(19), None, "backing off 10 ms");
        assert_eq!(events(&o.next_batch(20).unwrap()), ["a", "b", "c"]);
        o.settle(20, false);
        assert_eq!(o.next_batch(39), None, "backing off 20 ms");
        assert_eq!(events(&o.next_batch(40).unwrap()), ["a", "b", "c"]);
        o.settle(40, false);
        o.settle(40, false);
        assert_eq!(o.next_batch(79), None, "backing off 40 ms");
        assert_eq!(events(&o.next_batch(80).unwrap()), ["a", "b", "c"]);
        o.settle(80, false);
        assert_eq!(o.next_batch(119), None, "backoff capped at 40 ms");
        assert_eq!(events(&o.next_batch(120).unwrap()), ["a", "b", "c"]);
        o.settle(121, true);
        // After recovery the rest goes without waiting for the interval again.
        assert_eq!(events(&o.next_batch(121).unwrap()), ["d"]);
        o.settle(122, true);
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
        o.settle(7, true);
        assert!(!o.is_full());
        assert_eq!(o.totals().dropped, 1);
    }

    #[test]
    fn settle_without_a_batch_is_harmless() {
        let mut o = outbox();
        o.settle(0, false);
        assert_eq!(o.totals(), Totals::default());
        assert_eq!(o.next_batch(1000), None);
    }
}
