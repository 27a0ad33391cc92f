//! Fuzzing without a nightly toolchain: a seeded generator of hostile inputs (random bytes,
//! and mutations of known attack payloads: repeated escapes, truncated UTF-8, deep nesting)
//! fed to every function that parses request data. A run passes if nothing panics: a panic in
//! a filter wedges its VM.
//!
//! [`fuzz_one`] is the target; `make fuzz` runs it for a time budget from fresh seeds, and a
//! unit test runs a fixed budget on every `make test`. A failure prints its seed, and
//! `pavise-fuzz --seed N` replays it.

pub mod growth;
pub mod native;

use pavise_core::headers::HeaderList;
use pavise_screen::detect::{inspect, Enabled, ValueKind};
use pavise_screen::multipart::Boundary;
use pavise_screen::policy::Mode;
use pavise_screen::screen::{BodyKind, Screener};

/// A small, fast, seedable generator (xorshift64*): reproducible from the seed alone.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Fragments attackers and broken clients send.
const PIECES: [&[u8]; 29] = [
    b"%",
    b"%2",
    b"%25",
    b"%c0%ae",
    b"%u002e",
    b"&#x3c;",
    b"&#60",
    b"&lt;",
    b"\xc0",
    b"\xe0\x80",
    b"\xff",
    b"\x00",
    b"../",
    b"..\\",
    b"'",
    b"\"",
    b"/*",
    b"*/",
    b"<script>",
    b"${IFS}",
    b"$(",
    b"`",
    b"{\"a\":",
    b"[[[[",
    b"\r\n--x",
    b"--x--",
    b"\r\n\r\n",
    b"Content-Disposition: form-data; name=\"",
    b"PHNjcmlwdD4=",
];

/// One hostile input from the generator.
pub fn input(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(24) {
        match rng.below(3) {
            0 => out.extend_from_slice(
                PIECES
                    .get(rng.below(PIECES.len()))
                    .copied()
                    .unwrap_or_default(),
            ),
            1 => out.push(rng.next_u64() as u8),
            _ => out.extend(std::iter::repeat_n(b'%', rng.below(4))),
        }
    }
    if rng.below(20) == 0 {
        // Deep nesting for the JSON walker.
        let depth = rng.below(5000);
        out.extend(std::iter::repeat_n(b'[', depth));
    }
    out
}

/// Runs every parser of request data on `data` ([`PARSERS`]), with each screener. Returns
/// normally unless a parser panics.
pub fn fuzz_one(data: &[u8], screeners: &[Screener]) {
    for (_, parser) in PARSERS {
        parser(data, screeners);
    }
}

/// A parser of request data, run with the fuzzer's screeners ([`screeners`]).
pub type Parser = fn(&[u8], &[Screener]);

/// Every function that parses request data, by name: what [`fuzz_one`] runs, and what the
/// cost-growth sweep ([`growth`]) times one by one.
pub const PARSERS: [(&str, Parser); 20] = [
    ("inspect, level 1", |d, _| inspect_all(d, Enabled::ALL)),
    ("inspect, level 2", |d, _| inspect_all(d, Enabled::STRICT)),
    ("JSON body", |d, s| body(d, s, BodyKind::Json)),
    ("form body", |d, s| body(d, s, BodyKind::Form)),
    ("XML body", |d, s| body(d, s, BodyKind::Xml)),
    ("text body", |d, s| body(d, s, BodyKind::Text)),
    ("multipart body", |d, s| {
        if let Ok(boundary) = Boundary::new(b"x") {
            body(d, s, BodyKind::Multipart(boundary));
        }
    }),
    ("multipart boundary", |d, _| {
        let _ = Boundary::from_content_type(d);
    }),
    ("header grammar", |d, _| {
        let _ = pavise_screen::header_grammar::pieces("sec-ch-ua", d);
        let _ = pavise_screen::header_grammar::pieces("accept", d);
    }),
    ("base64 text", |d, _| {
        let _ = pavise_screen::base64::decoded_text(d);
        let _ = pavise_screen::base64::jwt_parts(d);
    }),
    ("request headers", |d, s| {
        for screener in s {
            let _ = screener.screen_headers(&hostile_headers(d), true);
        }
    }),
    ("decode", |d, _| {
        let _ = pavise_screen::decode::decode_fully(d, true, true);
    }),
    ("CORS origin", |d, _| {
        let _ = pavise_cors::origin::RequestOrigin::parse(d);
    }),
    ("path normalisation", |d, _| {
        let _ = pavise_core::path::normalize_path(&String::from_utf8_lossy(d));
    }),
    ("path readings", |d, _| {
        let path = String::from_utf8_lossy(d);
        let _ = pavise_core::readings::PathReadings::of(&path, false);
        let _ = pavise_core::readings::PathReadings::of(&path, true);
    }),
    ("query parameters", |d, _| {
        let _ = pavise_core::path::query_params(&String::from_utf8_lossy(d));
    }),
    ("audit path redaction", |d, _| {
        let _ = pavise_audit::redact::redact_path(
            &String::from_utf8_lossy(d),
            &pavise_audit::policy::Redaction::default(),
        );
    }),
    ("audit trace id", |d, _| {
        let _ = pavise_audit::event::trace_id(d);
    }),
    ("screen policy", |d, _| {
        let _ = pavise_screen::policy::parse(d);
    }),
    ("native module stream", |d, _| native::stream(d)),
];

fn inspect_all(data: &[u8], enabled: Enabled) {
    for kind in [ValueKind::Path, ValueKind::FormValue, ValueKind::Text] {
        let _ = inspect(data, kind, "fuzz", enabled);
    }
}

fn body(data: &[u8], screeners: &[Screener], kind: BodyKind) {
    for screener in screeners {
        let _ = screener.screen_body(kind, data, true, None, Mode::Block);
    }
}

/// A request whose path and headers are all `data`.
pub(crate) fn hostile_headers(data: &[u8]) -> HeaderList {
    HeaderList::new(vec![
        (":method".into(), b"POST".to_vec()),
        (":path".into(), data.to_vec()),
        ("origin".into(), data.to_vec()),
        ("cookie".into(), data.to_vec()),
        ("content-type".into(), data.to_vec()),
        ("x-filename".into(), data.to_vec()),
    ])
}

/// The screeners the fuzzer uses, every category: paranoia level 1 with chosen headers (its
/// plain-body shortcut and JSON shape count), and level 2 with every header (bodies read value
/// by value, the level-2 rules).
pub fn screeners() -> Option<[Screener; 2]> {
    let level_one = Screener::from_json(br#"{"detect": {"headers": ["cookie", "origin", "content-type"]}, "limits": {"json_max_depth": 64}}"#).ok()?;
    let level_two = Screener::from_json(
        br#"{"detect": {"headers": ["*"], "paranoia": 2}, "limits": {"json_max_depth": 64}}"#,
    )
    .ok()?;
    Some([level_one, level_two])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed budget on every `make test`; `make fuzz` runs longer from fresh seeds.
    #[test]
    fn two_thousand_inputs_do_not_panic() {
        let s = screeners().unwrap_or_else(|| unreachable!());
        let mut rng = Rng::new(0x5eed);
        for _ in 0..2_000 {
            fuzz_one(&input(&mut rng), &s);
        }
    }
}
