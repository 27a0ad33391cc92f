//! Word lists kept as data files (`filters/screen/words/*.txt`), built into the module at
//! compile time: [`count`] and [`parse`] are `const fn`s, so a list is a plain static array,
//! with no parsing at start-up.
//!
//! Format: one entry per line, taken as written (inner blanks kept); empty lines and lines
//! starting with `#` are skipped. An entry cannot start with `#` or end with a blank, which a
//! file would not show; the lists needing that stay in code.

/// Declares `pub(crate) const NAME: [&str; N]` from the file `words/FILE.txt`.
macro_rules! word_list {
    ($(#[$doc:meta])* $name:ident = $file:literal) => {
        $(#[$doc])*
        pub(crate) const $name: [&str; $crate::detect::words::count(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/words/",
            $file,
            ".txt"
        )))] = $crate::detect::words::parse(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/words/",
            $file,
            ".txt"
        )));
    };
}
pub(crate) use word_list;

// The functions below index and panic: they run only in constants (the lists above), where
// an index out of range or a panic is a build error, never one on a request path.

/// The next line of `text` from `at`: its start, its end (without the line break), and where
/// the line after it starts.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn line(text: &[u8], at: usize) -> (usize, usize, usize) {
    let mut end = at;
    while end < text.len() && text[end] != b'\n' {
        end += 1;
    }
    let next = if end < text.len() { end + 1 } else { end };
    // A `\r\n` file reads the same.
    let end = if end > at && text[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    (at, end, next)
}

/// Whether the line `start..end` holds an entry.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn is_entry(text: &[u8], start: usize, end: usize) -> bool {
    end > start && text[start] != b'#'
}

/// How many entries `text` holds.
#[allow(clippy::indexing_slicing, clippy::panic)]
pub const fn count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut at, mut n) = (0, 0);
    while at < bytes.len() {
        let (start, end, next) = line(bytes, at);
        if is_entry(bytes, start, end) {
            n += 1;
        }
        at = next;
    }
    n
}

/// The entries of `text`, in order. `N` must be [`count`]`(text)`: a mismatch fails the
/// build (a panic in a constant is a compile error).
#[allow(clippy::indexing_slicing, clippy::panic)]
pub const fn parse<const N: usize>(text: &'static str) -> [&'static str; N] {
    let bytes = text.as_bytes();
    let mut out = [""; N];
    let (mut at, mut n) = (0, 0);
    while at < bytes.len() {
        let (start, end, next) = line(bytes, at);
        if is_entry(bytes, start, end) {
            let (_, tail) = bytes.split_at(start);
            let (entry, _) = tail.split_at(end - start);
            match core::str::from_utf8(entry) {
                Ok(word) => out[n] = word,
                Err(_) => panic!("a word list is not UTF-8"),
            }
            if word_ends_with_blank(entry) {
                panic!("a word list entry ends with a blank");
            }
            n += 1;
        }
        at = next;
    }
    if n != N {
        panic!("word list length mismatch");
    }
    out
}

#[allow(clippy::indexing_slicing, clippy::panic)]
const fn word_ends_with_blank(entry: &[u8]) -> bool {
    !entry.is_empty() && matches!(entry[entry.len() - 1], b' ' | b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_comments_and_blanks() {
        const TEXT: &str = "# a list\nunion select\n\nxp_\r\n#not this\nlast";
        const WORDS: [&str; count(TEXT)] = parse(TEXT);
        assert_eq!(WORDS, ["union select", "xp_", "last"]);
    }
}
