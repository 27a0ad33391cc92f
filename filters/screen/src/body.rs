//! The body as it arrives: what to do with each chunk, given the plan made at the headers and
//! the limits. Counted bodies stream through and are cut off with 413 past `max_body_bytes`;
//! inspected bodies are held until complete or `inspect_body_bytes` are buffered, then
//! inspected once. The stage only reads the bytes this says to read.

use crate::policy::Limits;
use crate::screen::{BodyKind, BodyPlan, Limit, Refusal};

/// What to do with the body seen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyAction {
    /// Let it go on; `finished`: the body is complete and nothing more will be decided.
    Continue { finished: bool },
    /// Keep buffering: nothing goes upstream yet.
    Buffer,
    /// Refuse the request.
    Refuse(Refusal),
    /// Inspect the first `len` buffered bytes as `kind`; `complete`: they are the whole body
    /// (otherwise the rest streams through, counted).
    Inspect {
        kind: BodyKind,
        len: usize,
        complete: bool,
    },
}

/// One request body's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyMeter {
    plan: BodyPlan,
    /// Bytes that went through while counting (not held).
    streamed: u64,
    /// Bytes held so far while inspecting.
    buffered: usize,
}

impl BodyMeter {
    pub fn new(plan: BodyPlan) -> BodyMeter {
        BodyMeter {
            plan,
            streamed: 0,
            buffered: 0,
        }
    }

    /// A body chunk arrived: `body_size` is the chunk while the body streams, and everything
    /// held so far while it is held (what Envoy reports in each case).
    pub fn on_body(
        &mut self,
        limits: &Limits,
        body_size: usize,
        end_of_stream: bool,
    ) -> BodyAction {
        let size = u64::try_from(body_size).unwrap_or(u64::MAX);
        let BodyPlan::Inspect(kind) = self.plan else {
            self.streamed = self.streamed.saturating_add(size);
            if self.streamed > limits.max_body_bytes {
                return BodyAction::Refuse(Refusal::Limit(Limit::Body));
            }
            return BodyAction::Continue {
                finished: end_of_stream,
            };
        };
        if size > limits.max_body_bytes {
            return BodyAction::Refuse(Refusal::Limit(Limit::Body));
        }
        let past_limit = body_size > limits.inspect_body_bytes;
        if !end_of_stream && !past_limit {
            self.buffered = body_size;
            return BodyAction::Buffer;
        }
        // Inspected once; past the inspection limit (with `pass`), the rest streams counted.
        self.plan = BodyPlan::Count;
        self.streamed = size;
        BodyAction::Inspect {
            kind,
            len: body_size.min(limits.inspect_body_bytes),
            complete: !past_limit,
        }
    }

    /// The trailers arrived (HTTP/2, or HTTP/1 with trailers): the body is complete. A held
    /// body is inspected now; a streamed one brings no new bytes.
    pub fn on_trailers(&mut self, limits: &Limits) -> BodyAction {
        let held = match self.plan {
            BodyPlan::Inspect(_) => self.buffered,
            BodyPlan::None | BodyPlan::Count => 0,
        };
        self.on_body(limits, held, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: u64, inspect: usize) -> Limits {
        let mut l: Limits = serde_json::from_str("{}").unwrap();
        l.max_body_bytes = max;
        l.inspect_body_bytes = inspect;
        l
    }

    #[test]
    fn a_counted_body_is_cut_off_when_it_crosses_the_limit() {
        let l = limits(100, 10);
        let mut m = BodyMeter::new(BodyPlan::Count);
        assert_eq!(
            m.on_body(&l, 60, false),
            BodyAction::Continue { finished: false }
        );
        assert_eq!(
            m.on_body(&l, 40, false),
            BodyAction::Continue { finished: false }
        );
        assert_eq!(
            m.on_body(&l, 1, true),
            BodyAction::Refuse(Refusal::Limit(Limit::Body))
        );
        let mut m = BodyMeter::new(BodyPlan::Count);
        assert_eq!(
            m.on_body(&l, 100, true),
            BodyAction::Continue { finished: true }
        );
    }

    #[test]
    fn an_inspected_body_is_held_until_complete_or_the_inspection_limit() {
        let l = limits(100, 10);
        let mut m = BodyMeter::new(BodyPlan::Inspect(BodyKind::Json));
        assert_eq!(m.on_body(&l, 4, false), BodyAction::Buffer);
        assert_eq!(
            m.on_body(&l, 8, true),
            BodyAction::Inspect {
                kind: BodyKind::Json,
                len: 8,
                complete: true
            }
        );
        let mut m = BodyMeter::new(BodyPlan::Inspect(BodyKind::Form));
        assert_eq!(
            m.on_body(&l, 12, false),
            BodyAction::Inspect {
                kind: BodyKind::Form,
                len: 10,
                complete: false
            }
        );
        // The rest streams, counted from what was held.
        assert_eq!(
            m.on_body(&l, 80, false),
            BodyAction::Continue { finished: false }
        );
        assert_eq!(
            m.on_body(&l, 10, true),
            BodyAction::Refuse(Refusal::Limit(Limit::Body))
        );
        let mut m = BodyMeter::new(BodyPlan::Inspect(BodyKind::Text));
        assert_eq!(
            m.on_body(&l, 101, false),
            BodyAction::Refuse(Refusal::Limit(Limit::Body))
        );
    }

    #[test]
    fn trailers_complete_a_held_body_and_add_nothing_to_a_streamed_one() {
        let l = limits(100, 10);
        let mut m = BodyMeter::new(BodyPlan::Inspect(BodyKind::Json));
        assert_eq!(m.on_body(&l, 6, false), BodyAction::Buffer);
        assert_eq!(
            m.on_trailers(&l),
            BodyAction::Inspect {
                kind: BodyKind::Json,
                len: 6,
                complete: true
            }
        );
        // A body at the limit, inspected past its first 10 bytes and streamed: the trailers
        // do not count the held bytes twice.
        let mut m = BodyMeter::new(BodyPlan::Inspect(BodyKind::Json));
        assert_eq!(m.on_body(&l, 9, false), BodyAction::Buffer);
        assert!(matches!(
            m.on_body(&l, 60, false),
            BodyAction::Inspect {
                complete: false,
                ..
            }
        ));
        assert_eq!(
            m.on_body(&l, 40, false),
            BodyAction::Continue { finished: false }
        );
        assert_eq!(m.on_trailers(&l), BodyAction::Continue { finished: true });
    }
}
