//! The native module's per-stream logic ([`pavise_native::driver`], what its Envoy hooks run)
//! on the fake host: the combined example chain takes a hostile request phase by phase
//! (headers, the body in chunks as Envoy delivers them, maybe trailers, the response headers,
//! the end of the stream). Everything but the ABI's pointers is the module's own code.

use crate::hostile_headers;
use pavise_combined::Combined;
use pavise_core::host::MetricKind;
use pavise_core::stage::{BodyFlow, Flow};
use pavise_core::testing::FakeHost;
use pavise_native::driver::{BodyView, StreamDriver};

/// The example auth policy's key for client `ci`, so requests get past auth to screening.
const KEY: &[u8] = b"demo-ci-key-8d1f0c5e7a2b4c69b3e1";

thread_local! {
    /// The combined example chain and the metrics it defined, loaded once per thread.
    static EXAMPLE: Option<(Combined, Vec<(MetricKind, String)>)> = {
        let policy = include_bytes!("../../../policies/combined.example.json");
        let mut host = FakeHost::default();
        pavise_combined::load(policy, &mut host)
            .ok()
            .map(|chain| (chain, host.metrics))
    };
}

/// One hostile stream through the native driver: `data` is the path, a header value and the
/// body.
pub fn stream(data: &[u8]) {
    EXAMPLE.with(|example| {
        let Some((chain, metrics)) = example else {
            return;
        };
        let mut headers = hostile_headers(data);
        headers.apply(&[
            pavise_core::headers::HeaderEdit::Set("x-api-key".into(), String::from_utf8_lossy(KEY)),
            pavise_core::headers::HeaderEdit::Set("content-type".into(), "application/json".into()),
        ]);
        let mut host = FakeHost {
            request_headers: headers,
            metrics: metrics.clone(),
            now_nanos: 1_700_000_000_000_000_000,
            ..FakeHost::default()
        };
        let mut driver = StreamDriver::<Combined>::new(true);
        let name = pavise_combined::FILTER_NAME;
        let flow = driver.request_headers(Some(chain), &mut host, data.is_empty(), name);
        if flow != Flow::Answered && !data.is_empty() {
            let size = data.len() / 3 + 1;
            let chunks: Vec<&[u8]> = data.chunks(size).collect();
            let with_trailers = data.len() % 2 == 1;
            for (i, chunk) in chunks.iter().enumerate() {
                // What Envoy shows the hook: the chunks it buffered for the filter, then this one.
                if driver.body_view() == BodyView::Received {
                    host.request_body.clear();
                }
                host.request_body.extend_from_slice(chunk);
                let last = i + 1 == chunks.len() && !with_trailers;
                let body_size = host.request_body.len();
                if driver.request_body(Some(chain), &mut host, body_size, last)
                    == BodyFlow::Answered
                {
                    break;
                }
            }
            if with_trailers && host.replies.is_empty() {
                let _ = driver.request_trailers(Some(chain), &mut host);
            }
        }
        host.response_headers = hostile_headers(data);
        driver.response_headers(Some(chain), &mut host);
        driver.log(Some(chain), &mut host);
    });
}
