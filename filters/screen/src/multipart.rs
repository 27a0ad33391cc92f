//! The parts of a `multipart/form-data` body (RFC 7578), so screening inspects each field's name
//! and value on its own rather than the delimiters and part headers around them as one text.
//!
//! Delimiters as RFC 2046 §5.1.1 defines them: `--boundary` at the start of the body or of a
//! line, then optional blanks and a line break (or `--` for the last one). Line breaks are
//! CRLF on the wire; a bare LF is accepted too, as most servers' parsers do. A part's headers end
//! at an empty line; of them only `Content-Disposition` matters here (`name`, `filename`,
//! `filename*`). A part with no empty line before the next delimiter has no headers that can be
//! told from its content: all of it is its value. One pass, each byte looked at a bounded number of times: no backtracking on
//! a crafted body (`make fuzz-growth`).

use memchr::memmem;

/// Longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY: usize = 70;

/// A body's boundary, from its `Content-Type`. Held inline (at most [`MAX_BOUNDARY`] bytes) so
/// that the body plan that carries it stays a plain copyable value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    bytes: [u8; MAX_BOUNDARY],
    len: usize,
}

impl std::fmt::Debug for Boundary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Boundary({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// Why a multipart body or its `Content-Type` cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipartError {
    /// The `Content-Type` has no `boundary` parameter.
    NoBoundary,
    /// The boundary is empty, longer than 70 bytes or has bytes RFC 2046 does not allow.
    BadBoundary,
    /// No delimiter line opens the first part.
    NoOpeningDelimiter,
    /// The body ends without the closing delimiter (`--boundary--`).
    NoClosingDelimiter,
}

impl Boundary {
    /// The `boundary` parameter of a `multipart/…` `Content-Type` value (quoted or not).
    pub fn from_content_type(value: &[u8]) -> Result<Boundary, MultipartError> {
        let mut rest = value;
        // Skip the media type, then read `; name=value` parameters, each looked at up to the
        // next `;` only (a value without `=` read to the end at every `;` would cost the
        // square of its length).
        while let Some(semicolon) = memchr::memchr(b';', rest) {
            rest = rest.get(semicolon + 1..).unwrap_or_default();
            let end = memchr::memchr(b';', rest).unwrap_or(rest.len());
            let Some(eq) = memchr::memchr(b'=', rest.get(..end).unwrap_or_default()) else {
                continue;
            };
            let name = trim(rest.get(..eq).unwrap_or_default());
            if !name.eq_ignore_ascii_case(b"boundary") {
                continue;
            }
            // The value may be quoted around a `;`: read from the whole rest.
            let raw = trim(rest.get(eq + 1..).unwrap_or_default());
            let bytes = match raw.strip_prefix(b"\"") {
                Some(quoted) => {
                    let end = memchr::memchr(b'"', quoted).ok_or(MultipartError::BadBoundary)?;
                    quoted.get(..end).unwrap_or_default()
                }
                None => {
                    let end = memchr::memchr(b';', raw).unwrap_or(raw.len());
                    trim(raw.get(..end).unwrap_or_default())
                }
            };
            return Boundary::new(bytes);
        }
        Err(MultipartError::NoBoundary)
    }

    /// A boundary of 1 to 70 bytes of RFC 2046's `bchars` (visible ASCII but `"`, and blanks
    /// inside, never last).
    pub fn new(bytes: &[u8]) -> Result<Boundary, MultipartError> {
        let valid_byte = |b: &u8| ((0x21..=0x7e).contains(b) && *b != b'"') || *b == b' ';
        if bytes.is_empty()
            || bytes.len() > MAX_BOUNDARY
            || !bytes.iter().all(valid_byte)
            || bytes.last() == Some(&b' ')
        {
            return Err(MultipartError::BadBoundary);
        }
        let mut inline = [0u8; MAX_BOUNDARY];
        if let Some(slot) = inline.get_mut(..bytes.len()) {
            slot.copy_from_slice(bytes);
        }
        Ok(Boundary {
            bytes: inline,
            len: bytes.len(),
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// `name` from `Content-Disposition` (empty if none).
    pub name: Vec<u8>,
    /// `filename` (or `filename*`): a file part.
    pub filename: Option<Vec<u8>>,
    /// The content, without the line break that belongs to the next delimiter.
    pub value: &'a [u8],
}

/// The parts of `body`. With `complete` false (the body was cut at the inspection limit), a body
/// without its closing delimiter is no error: its last part is what was read of it.
pub fn parts<'a>(
    body: &'a [u8],
    boundary: &Boundary,
    complete: bool,
) -> Result<Vec<Part<'a>>, MultipartError> {
    let mut dash = Vec::with_capacity(boundary.len + 3);
    dash.extend_from_slice(b"\n--");
    dash.extend_from_slice(boundary.as_bytes());
    let finder = memmem::Finder::new(&dash);
    let delimiter = dash.get(1..).unwrap_or_default();

    // The first delimiter: at the very start, or at the start of a line after a preamble.
    let mut at = if body.starts_with(delimiter) {
        delimiter.len()
    } else {
        next_delimiter(body, 0, &finder)
            .map(|(_, after)| after)
            .ok_or(MultipartError::NoOpeningDelimiter)?
    };
    let mut out = Vec::new();
    loop {
        let rest = body.get(at..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(out);
        }
        // Transport padding, then the line break that ends the delimiter line.
        let blanks = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let after_blanks = rest.get(blanks..).unwrap_or_default();
        let eol = if after_blanks.starts_with(b"\r\n") {
            2
        } else if after_blanks.starts_with(b"\n") {
            1
        } else if after_blanks.is_empty() && !complete {
            return Ok(out);
        } else {
            // `--boundary` followed by other bytes opens no part; a well-formed body has the
            // closing delimiter, which is missing if we are here at the end.
            return Err(MultipartError::NoClosingDelimiter);
        };
        let start = at + blanks + eol;
        let (end, next) = match next_delimiter(body, start, &finder) {
            Some((end, after)) => (end, Some(after)),
            None if !complete => (body.len(), None),
            None => return Err(MultipartError::NoClosingDelimiter),
        };
        let section = body.get(start..end).unwrap_or_default();
        out.push(match headers_end(section) {
            Some((headers, content)) => {
                let (name, filename) = disposition(section.get(..headers).unwrap_or_default());
                Part {
                    name,
                    filename,
                    value: section.get(content..).unwrap_or_default(),
                }
            }
            // No empty line before the next delimiter: no headers can be told from content,
            // so the whole part is its value, inspected as the text it is.
            None => Part {
                name: Vec::new(),
                filename: None,
                value: section,
            },
        });
        match next {
            Some(after) => at = after,
            None => return Ok(out),
        }
    }
}

/// The next `\n--boundary` from `from`: where the content before it ends (before the `\r\n`
/// or `\n`) and where the bytes after the boundary start.
fn next_delimiter(body: &[u8], from: usize, finder: &memmem::Finder) -> Option<(usize, usize)> {
    let found = from + finder.find(body.get(from..)?)?;
    let end = if found > from && body.get(found - 1) == Some(&b'\r') {
        found - 1
    } else {
        found
    };
    Some((end, found + finder.needle().len()))
}

/// Where the headers of a part (`section`, up to the next delimiter) end at an empty line: the
/// end of the last header line and the start of the content.
fn headers_end(section: &[u8]) -> Option<(usize, usize)> {
    let mut line = 0;
    loop {
        let rest = section.get(line..)?;
        if rest.starts_with(b"\r\n") {
            return Some((line, line + 2));
        }
        if rest.starts_with(b"\n") {
            return Some((line, line + 1));
        }
        line += memchr::memchr(b'\n', rest)? + 1;
    }
}

/// `name` and `filename` from the `Content-Disposition` among a part's header lines.
fn disposition(headers: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut name = Vec::new();
    let mut filename = None;
    for line in headers.split(|b| *b == b'\n') {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let header = trim(line.get(..colon).unwrap_or_default());
        if !header.eq_ignore_ascii_case(b"content-disposition") {
            continue;
        }
        for (key, value) in params(line.get(colon + 1..).unwrap_or_default()) {
            if key.eq_ignore_ascii_case(b"name") {
                name = value;
            } else if key.eq_ignore_ascii_case(b"filename")
                || key.eq_ignore_ascii_case(b"filename*")
            {
                filename = Some(value);
            }
        }
    }
    (name, filename)
}

/// The `key=value` parameters after the disposition type: values quoted (`\"` and `\\`
/// unescaped) or up to the next `;`.
fn params(text: &[u8]) -> Vec<(&[u8], Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = text.get(i..).unwrap_or_default();
        let Some(eq) = memchr::memchr2(b'=', b';', rest) else {
            break;
        };
        if rest.get(eq) == Some(&b';') {
            i += eq + 1;
            continue;
        }
        let key = trim(rest.get(..eq).unwrap_or_default());
        let key = key
            .iter()
            .rposition(|b| *b == b';')
            .map_or(key, |p| trim(key.get(p + 1..).unwrap_or_default()));
        let mut j = eq + 1;
        while matches!(rest.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        let mut value = Vec::new();
        if rest.get(j) == Some(&b'"') {
            j += 1;
            while let Some(&b) = rest.get(j) {
                j += 1;
                match b {
                    b'"' => break,
                    b'\\' if matches!(rest.get(j), Some(b'"' | b'\\')) => {
                        value.extend(rest.get(j).copied());
                        j += 1;
                    }
                    _ => value.push(b),
                }
            }
        } else {
            let end = rest
                .get(j..)
                .and_then(|r| memchr::memchr(b';', r))
                .map_or(rest.len(), |e| j + e);
            value.extend_from_slice(trim(rest.get(j..end).unwrap_or_default()));
            j = end;
        }
        out.push((key, value));
        i += j;
    }
    out
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary(b: &str) -> Boundary {
        Boundary::new(b.as_bytes()).unwrap()
    }

    fn fields(
        body: &str,
        complete: bool,
    ) -> Result<Vec<(String, Option<String>, String)>, MultipartError> {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        parts(body.as_bytes(), &boundary("XyZ"), complete).map(|parts| {
            parts
                .iter()
                .map(|p| (s(&p.name), p.filename.as_deref().map(s), s(p.value)))
                .collect()
        })
    }

    #[test]
    fn boundary_from_content_type() {
        let b = |v: &str| Boundary::from_content_type(v.as_bytes()).map(|b| b.as_bytes().to_vec());
        assert_eq!(
            b("multipart/form-data; boundary=----WebKitFormBoundaryAbC1"),
            Ok(b"----WebKitFormBoundaryAbC1".to_vec())
        );
        assert_eq!(
            b("multipart/form-data;boundary=\"a b;c\""),
            Ok(b"a b;c".to_vec())
        );
        assert_eq!(
            b("multipart/form-data; charset=utf-8; BOUNDARY=x ; y=z"),
            Ok(b"x".to_vec())
        );
        assert_eq!(b("multipart/form-data"), Err(MultipartError::NoBoundary));
        assert_eq!(
            b("multipart/form-data; boundary="),
            Err(MultipartError::BadBoundary)
        );
        assert_eq!(
            b("multipart/form-data; boundary=\"x"),
            Err(MultipartError::BadBoundary)
        );
        let long = format!("multipart/form-data; boundary={}", "a".repeat(71));
        assert_eq!(b(&long), Err(MultipartError::BadBoundary));
        assert!(b(&format!("multipart/form-data; boundary={}", "a".repeat(70))).is_ok());
    }

    #[test]
    fn fields_and_files() {
        let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n\
                    curl up with a good book\r\nsecond line\r\n--XyZ  \r\n\
                    content-disposition: form-data; name=\"up\"; filename=\"a \\\"b\\\".txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile --XyZ text\n\r\n--XyZ--\r\nepilogue";
        assert_eq!(
            fields(body, true),
            Ok(vec![
                (
                    "note".into(),
                    None,
                    "curl up with a good book\r\nsecond line".into()
                ),
                (
                    "up".into(),
                    Some("a \"b\".txt".into()),
                    "file --XyZ text\n".into()
                ),
            ])
        );
    }

    #[test]
    fn bare_line_feeds_and_unquoted_names() {
        let body = "--XyZ\nContent-Disposition: form-data; name=q\n\nvalue\n--XyZ\n\
                    Content-Disposition: form-data; filename*=UTF-8''%E2%82%AC.txt; name=f\n\n\n--XyZ--";
        assert_eq!(
            fields(body, true),
            Ok(vec![
                ("q".into(), None, "value".into()),
                (
                    "f".into(),
                    Some("UTF-8''%E2%82%AC.txt".into()),
                    String::new()
                ),
            ])
        );
    }

    #[test]
    fn malformed_bodies() {
        let open = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
        assert_eq!(fields(open, true), Err(MultipartError::NoClosingDelimiter));
        assert_eq!(
            fields("no delimiter at all", true),
            Err(MultipartError::NoOpeningDelimiter)
        );
        // Headers never ended: the whole part is the value.
        assert_eq!(
            fields(
                "--XyZ\r\ntest\r\n--XyZ\r\nContent-Type: text/plain\r\nx\r\n--XyZ--",
                true
            ),
            Ok(vec![
                (String::new(), None, "test".into()),
                (String::new(), None, "Content-Type: text/plain\r\nx".into())
            ])
        );
        assert_eq!(
            fields("--XyZ\r\nContent-Disposition: form-data; name=\"a\"", true),
            Err(MultipartError::NoClosingDelimiter)
        );
        assert_eq!(
            fields("--XyZ\r\n\r\nv\r\n--XyZjunk", true),
            Err(MultipartError::NoClosingDelimiter)
        );
        // Cut at the inspection limit: what was read is the last part.
        assert_eq!(
            fields(open, false),
            Ok(vec![("a".into(), None, "value".into())])
        );
        assert_eq!(
            fields("--XyZ\r\nContent-Dispo", false),
            Ok(vec![(String::new(), None, "Content-Dispo".into())])
        );
        // A delimiter not at a line start is content.
        assert_eq!(
            fields("--XyZ\r\n\r\na--XyZ--\r\n--XyZ--", true),
            Ok(vec![(String::new(), None, "a--XyZ--".into())])
        );
    }

    #[test]
    fn many_parameters_without_a_boundary() {
        // Each parameter is read to its `;` only (`make fuzz-growth` times it).
        let value = format!(
            "multipart/form-data{}; boundary=\"a;b\"",
            "; #".repeat(22_000)
        );
        assert_eq!(
            Boundary::from_content_type(value.as_bytes()).map(|b| b.as_bytes().to_vec()),
            Ok(b"a;b".to_vec())
        );
        let value = format!("multipart/form-data{}", "; #".repeat(22_000));
        assert_eq!(
            Boundary::from_content_type(value.as_bytes()),
            Err(MultipartError::NoBoundary)
        );
    }

    #[test]
    fn linear_on_repeated_delimiters() {
        let body = "--XyZ\r\n\r\n\r\n".repeat(20_000) + "--XyZ--";
        assert_eq!(fields(&body, true).map(|p| p.len()), Ok(20_000));
    }
}
