//! The values of an XML body: attribute values and text (CDATA included), each with the name
//! of its element (and attribute), so screening inspects what the application reads rather than
//! the markup around it. A lenient one-pass scan, not a parser: malformed XML still yields its
//! values, and nothing is resolved (entities are left to the decoder, which undoes `&lt;` and
//! `&#60;` like every other value).

/// One value found in an XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlValue<'a> {
    /// `element` for text, `element@attribute` for an attribute value.
    pub name: String,
    pub value: &'a [u8],
}

/// The attribute values and non-blank text of `body`, in document order.
pub fn values(body: &[u8]) -> Vec<XmlValue<'_>> {
    let mut out = Vec::new();
    let mut element = String::new();
    let mut i = 0;
    while i < body.len() {
        let Some(open) = find(body, i, b"<") else {
            push_text(&mut out, &element, body.get(i..).unwrap_or_default());
            break;
        };
        push_text(&mut out, &element, body.get(i..open).unwrap_or_default());
        let rest = body.get(open..).unwrap_or_default();
        if rest.starts_with(b"<![CDATA[") {
            let start = open + 9;
            let end = find(body, start, b"]]>").unwrap_or(body.len());
            push_text(&mut out, &element, body.get(start..end).unwrap_or_default());
            i = end + 3;
        } else if rest.starts_with(b"<!--") {
            i = find(body, open + 4, b"-->").map_or(body.len(), |e| e + 3);
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            // Declarations and processing instructions: their quoted parts are values too
            // (a DOCTYPE's system id, a stylesheet's href).
            let end = find(body, open, b">").unwrap_or(body.len());
            let tag = body.get(open..end).unwrap_or_default();
            for value in quoted(tag) {
                out.push(XmlValue {
                    name: "!".to_string(),
                    value,
                });
            }
            i = end + 1;
        } else {
            let end = tag_end(body, open);
            let tag = body.get(open + 1..end).unwrap_or_default();
            if !tag.starts_with(b"/") {
                element = name_of(tag);
                for (attribute, value) in attributes(tag) {
                    out.push(XmlValue {
                        name: format!("{element}@{attribute}"),
                        value,
                    });
                }
            }
            i = end + 1;
        }
    }
    out
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The `>` that closes the tag opened at `open`, skipping quoted attribute values.
fn tag_end(body: &[u8], open: usize) -> usize {
    let mut quote = None;
    let mut i = open + 1;
    while let Some(&b) = body.get(i) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return i,
            _ => {}
        }
        i += 1;
    }
    body.len()
}

fn name_of(tag: &[u8]) -> String {
    let name: Vec<u8> = tag
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && **b != b'/' && **b != b'>')
        .take(64)
        .copied()
        .collect();
    String::from_utf8_lossy(&name).into_owned()
}

/// `name="value"` pairs of a start tag (without its `<`).
fn attributes(tag: &[u8]) -> Vec<(String, &[u8])> {
    let mut out = Vec::new();
    let mut i = tag
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(tag.len());
    while i < tag.len() {
        let Some(eq) = tag.get(i..).and_then(|r| r.iter().position(|b| *b == b'=')) else {
            break;
        };
        let name = name_of(trim(tag.get(i..i + eq).unwrap_or_default()));
        let mut at = i + eq + 1;
        while tag.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        match tag.get(at) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = tag
                    .get(at + 1..)
                    .and_then(|r| r.iter().position(|b| *b == q))
                    .map_or(tag.len(), |p| at + 1 + p);
                out.push((name, tag.get(at + 1..end).unwrap_or_default()));
                i = end + 1;
            }
            _ => {
                let end = tag
                    .get(at..)
                    .and_then(|r| r.iter().position(u8::is_ascii_whitespace))
                    .map_or(tag.len(), |p| at + p);
                out.push((name, tag.get(at..end).unwrap_or_default()));
                i = end;
            }
        }
    }
    out
}

/// The quoted strings of a declaration.
fn quoted(tag: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = tag.get(i) {
        if b == b'"' || b == b'\'' {
            let end = tag
                .get(i + 1..)
                .and_then(|r| r.iter().position(|c| *c == b))
                .map_or(tag.len(), |p| i + 1 + p);
            out.push(tag.get(i + 1..end).unwrap_or_default());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn trim(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    text.get(start..end).unwrap_or_default()
}

fn push_text<'a>(out: &mut Vec<XmlValue<'a>>, element: &str, text: &'a [u8]) {
    let text = trim(text);
    if !text.is_empty() {
        out.push(XmlValue {
            name: element.to_string(),
            value: text,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(body: &str) -> Vec<(String, String)> {
        values(body.as_bytes())
            .into_iter()
            .map(|v| (v.name, String::from_utf8_lossy(v.value).into_owned()))
            .collect()
    }

    #[test]
    fn attributes_text_and_cdata() {
        assert_eq!(
            pairs(
                r#"<?xml version="1.0"?><root><a probe="x' or 1=1--">t&lt;b</a><b><![CDATA[<script>]]></b></root>"#
            ),
            [
                ("!".into(), "1.0".into()),
                ("a@probe".into(), "x' or 1=1--".into()),
                ("a".into(), "t&lt;b".into()),
                ("b".into(), "<script>".into()),
            ]
        );
        assert_eq!(
            pairs("<a x='1' y=2 z=\"a>b\">v</a><!-- c -->"),
            [
                ("a@x".into(), "1".into()),
                ("a@y".into(), "2".into()),
                ("a@z".into(), "a>b".into()),
                ("a".into(), "v".into()),
            ]
        );
    }

    #[test]
    fn malformed_input_ends() {
        for body in [
            "<",
            "<a",
            "<a x=\"",
            "<![CDATA[",
            "<!--",
            "<?x",
            "a<b>c",
            "<a =>",
        ] {
            let _ = values(body.as_bytes());
        }
        assert_eq!(pairs("plain"), [("".into(), "plain".into())]);
    }
}
