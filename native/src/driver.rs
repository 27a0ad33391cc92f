//! One stream's way through a chain, as the native module's hooks drive it, written against the
//! host traits only: the hooks ([`crate::exports`]) run it over [`crate::host::DmStreamHost`],
//! and the fuzzer and the unit tests over the fake host.
//!
//! What it adds to the chain runner ([`pavise_core::chain`]):
//! - verdicts kept in memory for a chain that holds the audit stage (the combined filter),
//!   handed over as filter state otherwise;
//! - which body bytes a body hook can see ([`StreamDriver::body_view`]): once the chain asked to
//!   buffer, Envoy holds the earlier chunks apart from the current one;
//! - the flows mapped to the ABI's statuses ([`headers_status`], [`body_status`],
//!   [`trailers_status`]).

use pavise_core::chain::{self as runner, InMemoryVerdicts, Stages};
use pavise_core::host::StreamHost;
use pavise_core::stage::{BodyFlow, Flow};
use pavise_core::verdict::Verdict;
use pavise_envoy_dm as dm;

/// Which request body bytes the current hook can see, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyView {
    /// None (a header or response hook).
    None,
    /// The chunk of this body hook alone: nothing was buffered for this filter before.
    Received,
    /// What this filter buffered so far, then this hook's chunk.
    BufferedThenReceived,
    /// What this filter buffered (the trailers hook: the body is complete).
    Buffered,
}

/// What a stream keeps between its hooks.
pub struct StreamDriver<L: Stages> {
    memo: L::Memo,
    /// This request's verdicts, when they stay in memory.
    verdicts: Option<Vec<Verdict>>,
    /// The chain asked to buffer at the last body hook: Envoy holds those chunks.
    buffering: bool,
}

/// Runs `$body` with `$h` bound to the host, wrapped to keep verdicts in memory when the stream
/// does.
macro_rules! with_verdicts {
    ($verdicts:expr, $host:expr, |$h:ident| $body:expr) => {
        match $verdicts.as_mut() {
            Some(verdicts) => {
                let $h = &mut InMemoryVerdicts {
                    host: $host,
                    verdicts,
                };
                $body
            }
            None => {
                let $h = $host;
                $body
            }
        }
    };
}

impl<L: Stages> StreamDriver<L> {
    /// `in_memory_verdicts`: the chain holds the audit stage, so verdicts stay in memory.
    pub fn new(in_memory_verdicts: bool) -> StreamDriver<L> {
        StreamDriver {
            memo: L::Memo::default(),
            verdicts: in_memory_verdicts.then(Vec::new),
            buffering: false,
        }
    }

    /// The body bytes the next body hook can see: the current chunk, after the chunks Envoy
    /// buffered for this filter if the chain asked it to.
    pub fn body_view(&self) -> BodyView {
        if self.buffering {
            BodyView::BufferedThenReceived
        } else {
            BodyView::Received
        }
    }

    /// The request headers; `chain` is `None` for a filter whose policy never loaded (the
    /// request is refused).
    pub fn request_headers(
        &mut self,
        chain: Option<&L>,
        host: &mut impl StreamHost,
        end_of_stream: bool,
        filter: &str,
    ) -> Flow {
        let memo = &mut self.memo;
        with_verdicts!(self.verdicts, host, |h| runner::on_request_headers(
            chain,
            h,
            end_of_stream,
            memo,
            filter
        ))
    }

    /// A body chunk: `body_size` bytes visible, as [`StreamDriver::body_view`] said.
    pub fn request_body(
        &mut self,
        chain: Option<&L>,
        host: &mut impl StreamHost,
        body_size: usize,
        end_of_stream: bool,
    ) -> BodyFlow {
        let Some(chain) = chain else {
            return BodyFlow::Answered;
        };
        let memo = &mut self.memo;
        let flow = with_verdicts!(self.verdicts, host, |h| chain.request_body(
            h,
            memo,
            body_size,
            end_of_stream,
            false
        ));
        self.buffering = flow == BodyFlow::Buffer;
        flow
    }

    /// The request trailers: the body, if any, is complete (and buffered, if the chain held
    /// it).
    pub fn request_trailers(&mut self, chain: Option<&L>, host: &mut impl StreamHost) -> BodyFlow {
        let Some(chain) = chain else {
            return BodyFlow::Answered;
        };
        let memo = &mut self.memo;
        with_verdicts!(self.verdicts, host, |h| chain
            .request_body(h, memo, 0, true, true))
    }

    pub fn response_headers(&mut self, chain: Option<&L>, host: &mut impl StreamHost) {
        if let Some(chain) = chain {
            let memo = &mut self.memo;
            with_verdicts!(self.verdicts, host, |h| chain.response_headers(h, memo));
        }
    }

    /// The stream is over (Envoy calls this for every stream, answered ones included).
    pub fn log(&mut self, chain: Option<&L>, host: &mut impl StreamHost) {
        if let Some(chain) = chain {
            let memo = &mut self.memo;
            with_verdicts!(self.verdicts, host, |h| chain.log(h, memo));
        }
    }
}

/// The request (or response) headers' status for a flow: the headers go on unless the chain
/// answered (holding the body happens at the body hooks).
pub fn headers_status(flow: Flow) -> dm::HeadersStatus {
    match flow {
        Flow::Continue | Flow::HoldForBody => dm::HEADERS_CONTINUE,
        Flow::Answered => dm::HEADERS_STOP_ITERATION,
    }
}

/// A body hook's status: buffering keeps every chunk in Envoy until the chain lets it go.
pub fn body_status(flow: BodyFlow) -> dm::BodyStatus {
    match flow {
        BodyFlow::Continue => dm::BODY_CONTINUE,
        BodyFlow::Buffer => dm::BODY_STOP_ITERATION_AND_BUFFER,
        BodyFlow::Answered => dm::BODY_STOP_ITERATION_NO_BUFFER,
    }
}

/// The trailers hook's status.
pub fn trailers_status(flow: BodyFlow) -> dm::TrailersStatus {
    match flow {
        BodyFlow::Continue => dm::TRAILERS_CONTINUE,
        BodyFlow::Buffer | BodyFlow::Answered => dm::TRAILERS_STOP_ITERATION,
    }
}

#[cfg(test)]
mod tests;
