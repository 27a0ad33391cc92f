//! The shortcut past the detectors: most values (names, descriptions, ids, whole JSON bodies)
//! are plain text on which no detector can fire, and proving that takes one pass over the
//! bytes instead of microseconds of tokenizing per value.
//!
//! Plain means: only letters, digits, blanks and `.,:_@-` (plus the caller's structural bytes,
//! e.g. JSON's `{}[]":,`), no `--`, `..` or `@@`, no hex literal of a dot or separator (`0x2f`,
//! which `path-008` reads as `/`; a pass of its own), none of the trigger words below as a
//! word, and
//! no script scheme or sink even with blanks removed. On such text libinjection needs a quote,
//! an operator or one of the SQL trigger words to fingerprint SQL; a command needs a separator
//! or an interpreter or Windows word; script needs `<`, `=`, `(` or a script word. English SQL
//! words (`or`, `and`, `from`) are not triggers: without operators or quotes nothing flags
//! them. Some words are triggers only in context: `xp_…` and other prefixes, `as` after a number,
//! connectives and command wrappers where a value starts ([`VALUE_START_TRIGGERS`]). The
//! evaluation gives identical results with and without this shortcut.
//!
//! The check is one pass with a byte-class table ([`PlainSet`], built at compile time per
//! format): a word at a time, a table load and a compare per letter; the rarer checks (trigger
//! words, `-.@:`) run out of line, and what they need of the bytes before a separator (a form
//! pair's `=`) is kept as the pass goes, not looked for backwards. The first version cost about
//! 6 ns per byte, more than all the rest of screening a plain 16 KiB body; a byte-at-a-time
//! loop without branches on word ends, about 2.8 ns; this one about half that.

/// Not plain: the value must be inspected.
const NOT_PLAIN: u8 = 0;
/// A letter, digit or `_`: part of a word.
const WORD: u8 = 1;
/// A plain byte that is not part of a word: a blank, `,`, or a format's structure.
const SEPARATOR: u8 = 2;
/// A separator with rules of its own: `-`, `.`, `@`, `:`, and in a path `/`.
const NOTABLE: u8 = 4 | SEPARATOR;
/// A bit of JSON's `"`: it opens or closes a string.
const QUOTE: u8 = 8;
/// A bit of JSON's `{}[]`: plain outside strings only. Inside one, a value holds them, and
/// `top[`, `{whoami` are script and commands.
const OUTSIDE_STRINGS: u8 = 16;
/// A bit of a form's `=`: one per pair; a second is in the value (`q=1+or+1=1`).
const EQUALS: u8 = 32;
/// A bit of a form's `&`: a new pair.
const PAIR_END: u8 = 64;

/// The bytes plain text may hold, by class; every other byte is not plain.
pub struct PlainSet {
    classes: [u8; 256],
}

impl PlainSet {
    /// Plain text on its own (a header, a JSON string, a form value after decoding).
    pub const TEXT: PlainSet = PlainSet::with_structure(b"");
    /// A URL path: its slashes are structure.
    pub const PATH: PlainSet = PlainSet::with_structure(b"/");
    /// A whole JSON document without escapes.
    pub const JSON: PlainSet = PlainSet::with_structure(b"{}[]\":,");
    /// A whole `application/x-www-form-urlencoded` body.
    pub const FORM: PlainSet = PlainSet::with_structure(b"=&+");

    /// The plain set plus `structure` (bytes a format uses between its values).
    pub const fn with_structure(structure: &[u8]) -> PlainSet {
        let mut classes = [NOT_PLAIN; 256];
        let mut byte: u8 = 0;
        let mut rest: &mut [u8] = &mut classes;
        while let [slot, tail @ ..] = rest {
            *slot = if byte.is_ascii_alphanumeric() || byte == b'_' {
                WORD
            } else if contains(b"-.@:", byte) || contains(structure, byte) && byte == b'/' {
                NOTABLE
            } else if contains(structure, byte) && byte == b'=' {
                EQUALS | SEPARATOR
            } else if contains(structure, byte) && byte == b'&' {
                PAIR_END | SEPARATOR
            } else if byte == b'"' && contains(structure, byte) {
                QUOTE | SEPARATOR
            } else if contains(structure, byte) && contains(b"{}[]", byte) {
                OUTSIDE_STRINGS | SEPARATOR
            } else if contains(b" \t,", byte) || contains(structure, byte) {
                SEPARATOR
            } else {
                NOT_PLAIN
            };
            byte = byte.wrapping_add(1);
            rest = tail;
        }
        PlainSet { classes }
    }

    fn class(&self, b: u8) -> u8 {
        // Every u8 indexes the 256 classes; `get` compiles to the plain load.
        self.classes
            .get(usize::from(b))
            .copied()
            .unwrap_or(NOT_PLAIN)
    }

    /// Whether `text` is plain with this set's structure.
    ///
    /// A word is read to its end in a loop of its own (a load, a lookup and a compare per
    /// byte); where it ends its first byte and length are looked up in [`TRIGGER_LENGTHS`], and
    /// only a word with a trigger's first letter and length is compared with the triggers.
    /// Separators take the rest of the rules. One mispredicted branch per word end costs less
    /// than the bookkeeping a byte-at-a-time loop does on every letter to avoid it (half the
    /// time on a 16 KiB form or JSON body).
    pub fn holds(&self, text: &[u8]) -> bool {
        let mut in_string = false;
        // The form pair has had its `=`.
        let mut pair_has_equals = false;
        let mut i = 0;
        while let Some(&b) = text.get(i) {
            let class = self.class(b);
            if class == WORD {
                let start = i;
                i += 1;
                while text.get(i).is_some_and(|&c| self.class(c) == WORD) {
                    i += 1;
                }
                if may_be_trigger(b, i - start) && trigger_at(text, start, i) {
                    return false;
                }
                continue;
            }
            in_string ^= class & QUOTE != 0;
            let equals = class & EQUALS != 0;
            if class == NOT_PLAIN
                || (in_string && class & OUTSIDE_STRINGS != 0)
                || (equals && pair_has_equals)
            {
                return false;
            }
            pair_has_equals = (pair_has_equals || equals) && class & PAIR_END == 0;
            if class & NOTABLE == NOTABLE && breaks_plain_at(text, i, b) {
                return false;
            }
            i += 1;
        }
        !has_hex_separator(text)
    }
}

/// The rules of the separator `b` at `i`: whether the text is not plain because of it.
/// Not inlined: inlined, its scans made the hot loop of [`PlainSet::holds`] keep a dozen
/// counters on the stack, which made it several times slower.
#[inline(never)]
fn breaks_plain_at(text: &[u8], i: usize, b: u8) -> bool {
    let prev = i.checked_sub(1).and_then(|p| text.get(p)).copied();
    let next = text.get(i + 1).copied();
    match b {
        // `--`, `..`, `@@`: a SQL comment, a traversal, a SQL variable.
        b'-' | b'.' | b'@' if prev == Some(b) => true,
        // `set @x` (blanks removed): a SQL variable assigned (`sqli-006`).
        b'@' => squeezed_ends_with(text, i, b"set"),
        // ` -x`: a command-line option; a value starting with a command and an option is one.
        // `moz-binding` (blanks removed): script in CSS.
        // (A form's `+` is a blank.)
        b'-' => {
            (prev.is_some_and(is_blank) && next.is_some_and(|c| c.is_ascii_alphabetic()))
                || (squeezed_ends_with(text, i, b"moz")
                    && squeezed_starts_with(text, i + 1, b"binding"))
        }
        // `script:` (blanks removed): a script URL scheme; `:vmlframe` (blanks between its
        // letters removed): a VML frame tag, `v:vmlframe` with any prefix.
        // `x://` (a URL scheme, in a path where `/` is plain): a wrapper or a remote file
        // (`php://filter`, `phar://`, `http://1.2.3.4/x.php`; `php-002`, `rfi-001`).
        b':' => {
            squeezed_ends_with(text, i, b"script")
                || squeezed_starts_with(text, i + 1, b"vmlframe")
                || text.get(i + 1..i + 3) == Some(b"//")
        }
        // `document.` and `window.` (blanks removed): script sinks.
        b'.' => squeezed_ends_with(text, i, b"document") || squeezed_ends_with(text, i, b"window"),
        // In a path: `/dev/tcp/` (a shell's network device), cmd.exe's `if /i` and `for /f`,
        // a program by its `bin/` path (`/usr/bin/visudo`).
        b'/' => {
            text.get(i + 1..i + 5)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"tcp/"))
                && squeezed_ends_with(text, i, b"dev")
                || squeezed_ends_with(text, i, b"if")
                || squeezed_ends_with(text, i, b"for")
                || squeezed_ends_with(text, i, b"bin")
        }
        _ => false,
    }
}

/// Whether `text` holds `0x2e`, `0x2f` or `0x5c` (any case): a dot or separator as a hex
/// literal, which `path-008` reads (`0x2e0x2e0x2f` is `../` to a lenient decoder; with literal
/// dots the `..` alone already makes text not plain). A pass of its own over text otherwise
/// plain, from each `x` (rare in text; `memchr` finds it many bytes at a time): looked for
/// word by word in [`PlainSet::holds`]'s loop, it made a plain 16 KiB JSON body a quarter
/// slower to check.
fn has_hex_separator(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'x', b'X', text).any(|x| {
        x > 0
            && text.get(x - 1) == Some(&b'0')
            && matches!(
                text.get(x + 1..x + 3),
                Some([b'2', b'e' | b'E' | b'f' | b'F'] | [b'5', b'c' | b'C'])
            )
    })
}

/// Whether `text` is plain; `structure` lists extra bytes allowed (outside the plain set).
/// Hot paths use a [`PlainSet`] constant instead, built at compile time.
pub fn is_plain(text: &[u8], structure: &[u8]) -> bool {
    PlainSet::with_structure(structure).holds(text)
}

const fn contains(set: &[u8], byte: u8) -> bool {
    let mut rest = set;
    while let [first, tail @ ..] = rest {
        if *first == byte {
            return true;
        }
        rest = tail;
    }
    false
}

/// Whether the bytes before `end`, blanks skipped, end with `word` (lowercase), ignoring case.
/// With blanks removed, `document.` is in the text exactly where a `.` has `document` before
/// it so: the search starts from the rare byte instead of squeezing a copy of the text.
fn squeezed_ends_with(text: &[u8], end: usize, word: &[u8]) -> bool {
    let mut before = text
        .get(..end)
        .unwrap_or_default()
        .iter()
        .rev()
        .filter(|b| !b.is_ascii_whitespace() && **b != b'+');
    word.iter()
        .rev()
        .all(|w| before.next().is_some_and(|b| b.to_ascii_lowercase() == *w))
}

/// Whether the bytes from `start`, blanks skipped, start with `word` (lowercase), ignoring case.
fn squeezed_starts_with(text: &[u8], start: usize, word: &[u8]) -> bool {
    let mut after = text
        .get(start..)
        .unwrap_or_default()
        .iter()
        .filter(|b| !b.is_ascii_whitespace() && **b != b'+');
    word.iter()
        .all(|w| after.next().is_some_and(|b| b.to_ascii_lowercase() == *w))
}

/// The trigger words, lowercase: [`TRIGGERS`] to build [`TRIGGER_LENGTHS`] from, and
/// [`is_listed`], a `match` the compiler turns into a search by length and bytes.
macro_rules! triggers {
    ($($word:literal)|* $(,)?) => {
        /// Words that make otherwise plain text worth tokenizing (matched whole, ignoring case).
        const TRIGGERS: &[&[u8]] = &[$($word),*];

        /// Whether `lower` (lowercase) is one of [`TRIGGERS`].
        fn is_listed(lower: &[u8]) -> bool {
            matches!(lower, $($word)|*)
        }
    };
}

triggers! {
    // SQL that fingerprints without quotes or operators.
    b"union" | b"select" | b"limit" | b"insert" | b"update" | b"delete" | b"drop" | b"exec"
        | b"execute" | b"sleep" | b"benchmark" | b"waitfor" | b"having" | b"declare"
        | b"procedure" | b"shutdown" | b"truncate" | b"alter" | b"create"
        | b"information_schema" | b"xp_cmdshell" | b"sysobjects" | b"dbms_pipe"
        | b"extractvalue" | b"updatexml" | b"load_file" | b"outfile" | b"dumpfile"
        | b"pg_sleep" | b"order" | b"group" | b"case" | b"between" | b"sounds" | b"like"
        | b"json" | b"jsonb" | b"infile"
        // Catalog objects and server procedures (`sqli-002`).
        | b"schema_name" | b"tempdb" | b"northwind" | b"mysql" | b"pg_catalog" | b"pg_shadow"
        | b"sysdatabases" | b"msysobjects" | b"openrowset" | b"opendatasource" | b"msdasql"
        | b"sqloledb" | b"sp_executesql" | b"sp_password" | b"sp_oacreate" | b"sp_makewebtask"
        // Interpreters invoked with a flag (`sh -c`), Windows tools and `if` forms.
        | b"sh" | b"bash" | b"ksh" | b"zsh" | b"dash" | b"nc" | b"ncat" | b"python" | b"perl"
        | b"php" | b"ruby" | b"cmd" | b"powershell" | b"pwsh" | b"invoke" | b"certutil"
        | b"bitsadmin" | b"wmic" | b"rundll32" | b"exist" | b"defined" | b"errorlevel" | b"iex"
        | b"iwr" | b"iwmi" | b"gwmi" | b"regedit"
        // `net localgroup`, a command at the start of a value (`rce-001`).
        | b"localgroup"
        // cmd.exe `if` comparisons (`if 2 equ 2 echo x`, `if cmdextversion 1 goto x`).
        | b"cmdextversion" | b"equ" | b"neq" | b"lss" | b"leq" | b"gtr" | b"geq"
        // Script sinks.
        | b"innerhtml" | b"import"
        // Java classes and APIs by name (`java-001`, `java-003`: `java.lang.Runtime`,
        // `com.opensymphony.xwork2`, `org.apache.commons`), OGNL's objects (`java-002`).
        | b"java" | b"javax" | b"jdk" | b"sun" | b"omg" | b"apache" | b"opensymphony"
        | b"springframework" | b"codehaus" | b"mchange" | b"bea" | b"hibernate" | b"mozilla"
        | b"ognl" | b"bsh" | b"weblogic" | b"processbuilder" | b"runtime" | b"classloader"
        | b"scriptenginemanager" | b"ognlcontext" | b"methodaccessor"
        // Java gadget-chain classes (`deser-002`).
        | b"invokertransformer" | b"instantiatetransformer" | b"instantiatefactory"
        | b"clonetransformer" | b"forclosure" | b"whileclosure" | b"prototypeclonefactory"
        | b"prototypeserializationfactory" | b"chainedtransformer" | b"constanttransformer"
        | b"templatesimpl" | b"jdbcrowsetimpl" | b"annotationinvocationhandler"
        | b"badattributevalueexpexception" | b"wrapperconnectionpooldatasource"
        // Node.js (`node-001`, `node-002`) and Python's object graph (`ssti-002`).
        | b"child_process" | b"mainmodule" | b"constructor" | b"__js_function" | b"__proto__" | b"prototype"
        | b"__class__" | b"__mro__" | b"__subclasses__" | b"__globals__" | b"__builtins__"
        | b"__bases__" | b"__base__" | b"__getattribute__"
}

/// Longest trigger word.
const MAX_TRIGGER_LEN: usize = 31;

/// Prefixes that make any word starting with them a trigger, lowercase: `xp_dirtree`,
/// `master.dbo.xp_anything` (SQL Server's extended procedures: `sqli-002` matches a list of
/// their names, and any `xp_` word after `.dbo.`, which plain text can hold; one prefix covers
/// both, and a plain `xp_points` costs only a look by the detectors).
/// `sqlite_master`, `jsonb_agg`: SQLite's catalog, PostgreSQL's JSON functions.
/// `rO0AB…` (also `KztAAU…`, `Cs7QAF…`), `aced0005…`: a Java serialisation stream in base64 or
/// hex (`deser-001`).
const TRIGGER_PREFIXES: &[&[u8]] = &[
    b"xp_",
    b"sqlite_",
    b"jsonb_",
    b"ro0ab",
    b"kztaau",
    b"cs7qaf",
    b"aced0005",
];

/// Words that are triggers only where a value starts (after blanks) and something follows
/// them: a boolean clause opened by a connective (`or name is x`, `sqli-007`) and a command run
/// through a wrapper (`nohup ifconfig`, `rce-001`). Where a value starts is the start of the
/// text or, in a whole body, after `"`, `=` or `&` (blanks there include `+`, a form's space).
const VALUE_START_TRIGGERS: &[&[u8]] = &[
    b"or", b"and", b"xor", b"time", b"nohup", b"sudo", b"strace", b"ltrace", b"nice", b"timeout",
    b"env", b"xargs", b"watch",
];

/// A column alias after a number (`1 as x from`, `sqli-008`): `as` is a trigger after a digit.
const ALIAS: &[u8] = b"as";

/// For each byte, the lengths of the triggers starting with it (either case), one bit per
/// length (all triggers are shorter than 32 bytes; a unit test checks it): a word whose first
/// byte and length have no bit is no trigger, which rules out most words without comparing a
/// byte of them. A prefix sets every length from its own up, bit 31 included, which stands
/// for all longer words too.
const TRIGGER_LENGTHS: [u32; 256] = trigger_lengths();

const fn trigger_lengths() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut byte: u8 = 0;
    let mut rest: &mut [u32] = &mut table;
    while let [slot, tail @ ..] = rest {
        let mut triggers = TRIGGERS;
        while let [trigger, more @ ..] = triggers {
            if let [first, ..] = trigger {
                if *first == byte.to_ascii_lowercase() && trigger.len() < 32 {
                    *slot |= 1 << trigger.len();
                }
            }
            triggers = more;
        }
        let mut contextual = VALUE_START_TRIGGERS;
        while let [trigger, more @ ..] = contextual {
            if let [first, ..] = trigger {
                if *first == byte.to_ascii_lowercase() && trigger.len() < 32 {
                    *slot |= 1 << trigger.len();
                }
            }
            contextual = more;
        }
        if let [first, ..] = ALIAS {
            if *first == byte.to_ascii_lowercase() {
                *slot |= 1 << ALIAS.len();
            }
        }
        let mut prefixes = TRIGGER_PREFIXES;
        while let [prefix, more @ ..] = prefixes {
            if let [first, ..] = prefix {
                if *first == byte.to_ascii_lowercase() && prefix.len() < 32 {
                    // Bits `prefix.len()` to 31.
                    *slot |= u32::MAX << prefix.len();
                }
            }
            prefixes = more;
        }
        byte = byte.wrapping_add(1);
        rest = tail;
    }
    table
}

/// Whether a trigger starts with `first` and is `len` bytes long (never for `len` 0).
fn may_be_trigger(first: u8, len: usize) -> bool {
    let lengths = TRIGGER_LENGTHS
        .get(usize::from(first))
        .copied()
        .unwrap_or(0);
    // Lengths of 32 and more fold onto bit 31, which only prefixes set; no bit 0 is set.
    (lengths >> len.min(31)) & 1 == 1
}

/// Whether the word `text[start..end]` is a trigger there: a trigger anywhere, `as` after a
/// number, or a [`VALUE_START_TRIGGERS`] word where a value starts. Not inlined, for the reason
/// [`breaks_plain_at`] is not.
#[inline(never)]
fn trigger_at(text: &[u8], start: usize, end: usize) -> bool {
    let word = text.get(start..end).unwrap_or_default();
    if is_trigger(word) {
        return true;
    }
    let before = trim_blanks_end(text.get(..start).unwrap_or_default());
    if word.eq_ignore_ascii_case(ALIAS) {
        return before.last().is_some_and(u8::is_ascii_digit);
    }
    let after = text.get(end..).unwrap_or_default();
    let rest = trim_blanks_start(after);
    VALUE_START_TRIGGERS
        .iter()
        .any(|t| t.eq_ignore_ascii_case(word))
        && before
            .last()
            .is_none_or(|b| matches!(b, b'"' | b'=' | b'&'))
        && rest.len() < after.len()
        && rest
            .first()
            .is_some_and(|b| !matches!(b, b'"' | b'=' | b'&'))
}

/// A blank where words are concerned: a space, a tab, a form's `+`.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'+')
}

fn trim_blanks_end(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|b| !is_blank(*b))
        .map_or(0, |p| p + 1);
    text.get(..end).unwrap_or_default()
}

fn trim_blanks_start(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|b| !is_blank(*b))
        .unwrap_or(text.len());
    text.get(start..).unwrap_or_default()
}

/// A trigger word anywhere, case-insensitively.
fn is_trigger(word: &[u8]) -> bool {
    if TRIGGER_PREFIXES.iter().any(|p| {
        word.get(..p.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(p))
    }) {
        return true;
    }
    let mut buf = [0u8; MAX_TRIGGER_LEN];
    match buf.get_mut(..word.len()) {
        Some(lower) => {
            for (d, s) in lower.iter_mut().zip(word) {
                *d = s.to_ascii_lowercase();
            }
            is_listed(lower)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_what_is_not() {
        assert!(is_plain(b"Item number 42, a sturdy well-made thing", b""));
        assert!(is_plain(b"2024-01-01T10:30:00Z", b""));
        assert!(is_plain(
            b"A sturdy, well-made thing for everyday use, or not",
            b""
        ));
        assert!(is_plain(
            br#"{"a": [1, "b c"], "d": {"e": "f"}}"#,
            b"{}[]\":,"
        ));
        for attackish in [
            &b"1 union select password from users"[..],
            b"bash -c id",
            b"x limit 1",
            b"if not exist c:",
            b"@@version",
            b"1 order by 1",
            b"1 and 1 sounds like 1",
            b"x -- comment",
            b"a..b",
            b"javascript:alert",
            b"java script:alert",
            b"DOCU MENT.cookie",
            b"gdb -nx",
            b"<b>",
            b"a'b",
            br#"{"a": "b"}"#,
            b"-moz - binding",
            b"Window . location",
            b"INFORMATION_SCHEMA",
            b"select",
            // main's SQL, command and script detectors (sqli-006/007/008, rce-001/005, xss-002).
            b"load data infile x",
            b"x SET @v 1",
            b"born 1990 as X from here",
            b"or name is admin",
            b" AND x like y",
            b"nohup ifconfig",
            b"time whoami",
            b"IF 2 EQU 2 echo x",
            b"if cmdextversion 1 goto x",
            b"x:vmlframe",
            b"v: vml frame",
        ] {
            assert!(
                !is_plain(attackish, b""),
                "{}",
                String::from_utf8_lossy(attackish)
            );
        }
        for plain in [
            &b"A nice product, and cheap"[..],
            b"time",
            b"they said or not",
            b"as seen in 1990",
            b"alias of set x",
        ] {
            assert!(is_plain(plain, b""), "{}", String::from_utf8_lossy(plain));
        }
        assert!(
            !is_plain(br#"{"q": "1\" or 1"}"#, b"{}[]\":,"),
            "a backslash is never plain"
        );
    }

    /// Values main's detectors flag although they hold only plain bytes: each must be not plain.
    #[test]
    fn plain_bytes_the_detectors_flag_are_not_plain() {
        use crate::detect::{inspect, Enabled, ValueKind};
        for v in [
            "load data infile x",
            "x SET @v 1",
            "born 1990 as X from here",
            "or name is null",
            "nohup ifconfig",
            "IF 2 EQU 2 echo x",
            "if cmdextversion 1 goto x",
            "x:vmlframe",
            "exec xp_dirtree",
            "master.dbo.xp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "xp_ntsec_enumdomains",
            "0x2e0x2e0x2fetc",
            "x 0X2F.0x2E",
        ] {
            let found = inspect(v.as_bytes(), ValueKind::Text, "q", Enabled::ALL);
            assert!(!found.is_empty(), "{v}: a detector fires");
            assert!(!is_plain(v.as_bytes(), b""), "{v}");
        }
    }

    #[test]
    fn every_trigger_has_its_length_bit() {
        for t in TRIGGERS {
            assert!(t.len() >= 2 && t.len() <= MAX_TRIGGER_LEN);
            assert!(t.iter().all(|b| !b.is_ascii_uppercase()), "lowercase");
            assert!(may_be_trigger(t[0], t.len()));
            assert!(may_be_trigger(t[0].to_ascii_uppercase(), t.len()));
            assert!(is_trigger(t) && is_trigger(&t.to_ascii_uppercase()));
        }
        assert!(!may_be_trigger(b'u', 0) && !may_be_trigger(b'u', 1000));
        assert!(!is_trigger(b"unions") && !is_trigger(b"s") && !is_trigger(b""));
        for p in TRIGGER_PREFIXES {
            for len in p.len()..100 {
                assert!(
                    may_be_trigger(p[0], len) && may_be_trigger(p[0].to_ascii_uppercase(), len)
                );
            }
            assert!(!may_be_trigger(p[0], 0));
        }
        let long = format!("XP_{}", "a".repeat(40));
        assert!(is_trigger(b"xp_dirtree") && is_trigger(b"Xp_") && is_trigger(long.as_bytes()));
        assert!(!is_trigger(b"xp") && !is_trigger(b"exp_date"));
        assert!(!is_plain(b"exec xp_dirtree", b"") && !is_plain(long.as_bytes(), b""));
        assert!(is_plain(b"exp_date xpath x_p", b""));
    }

    /// The one-pass check says what the straightforward reading of the rules says: the
    /// definition before it was made fast, kept here as the reference.
    fn reference(text: &[u8], structure: &[u8]) -> bool {
        let plain = |b: u8| {
            b.is_ascii_alphanumeric() || b" \t.,:_@-".contains(&b) || structure.contains(&b)
        };
        let mut prev = 0u8;
        let mut in_string = false;
        for &b in text {
            if !plain(b) || (b == prev && matches!(b, b'-' | b'.' | b'@')) {
                return false;
            }
            if structure.contains(&b'"') && b == b'"' {
                in_string = !in_string;
            }
            if in_string && b"{}[]".contains(&b) {
                return false;
            }
            prev = b;
        }
        if text
            .windows(3)
            .any(|w| matches!(w, [b' ' | b'\t' | b'+', b'-', c] if c.is_ascii_alphabetic()))
        {
            return false;
        }
        if structure.contains(&b'=')
            && text
                .split(|b| *b == b'&')
                .any(|pair| pair.iter().filter(|b| **b == b'=').count() > 1)
        {
            return false;
        }
        if structure.contains(&b'/') {
            let squeezed: Vec<u8> = text
                .iter()
                .filter(|b| !b" \t+".contains(b))
                .map(u8::to_ascii_lowercase)
                .collect();
            if squeezed.windows(3).any(|w| w == b"if/")
                || squeezed.windows(4).any(|w| w == b"for/")
                || squeezed.windows(8).any(|w| w == b"dev/tcp/")
            {
                return false;
            }
        }
        let is_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'+');
        let mut words = Vec::new();
        let mut start = None;
        for (i, b) in text.iter().chain([&b' ']).enumerate() {
            match (is_word(b), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        let in_context = words.iter().any(|&(s, e)| {
            let w = &text[s..e];
            let before: Vec<u8> = text[..s].iter().copied().filter(|b| !blank(b)).collect();
            let after = &text[e..];
            let next = after.iter().find(|b| !blank(b));
            let alias =
                w.eq_ignore_ascii_case(b"as") && before.last().is_some_and(u8::is_ascii_digit);
            let starts = VALUE_START_TRIGGERS
                .iter()
                .any(|t| t.eq_ignore_ascii_case(w))
                && before.last().is_none_or(|b| b"\"=&".contains(b))
                && after.first().is_some_and(blank)
                && next.is_some_and(|b| !b"\"=&".contains(b));
            alias || starts
        });
        let trigger = in_context
            || text
                .split(|b| !b.is_ascii_alphanumeric() && *b != b'_')
                .any(|w| {
                    TRIGGERS.iter().any(|t| t.eq_ignore_ascii_case(w))
                        || TRIGGER_PREFIXES
                            .iter()
                            .any(|p| w.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)))
                });
        let squeezed: Vec<u8> = text
            .iter()
            .filter(|b| !b.is_ascii_whitespace() && **b != b'+')
            .map(u8::to_ascii_lowercase)
            .collect();
        let script = [
            &b"script:"[..],
            b"document.",
            b"window.",
            b"moz-binding",
            b"set@",
            b":vmlframe",
        ]
        .iter()
        .any(|w| squeezed.windows(w.len()).any(|s| s == *w));
        let hex_separator = text.windows(4).any(|w| {
            let w = w.to_ascii_lowercase();
            w == b"0x2e" || w == b"0x2f" || w == b"0x5c"
        });
        !trigger && !script && !hex_separator
    }

    #[test]
    fn one_pass_agrees_with_the_reference() {
        const PIECES: [&str; 55] = [
            "a", "Z", "9", "_", " ", "\t", ".", ",", ":", "@", "-", "{", "\"", "=", "+", "/", "'",
            "<", "(", "\\", "union", "SeLeCt", "sh", "json", "script", "docu", "ment", "window",
            "moz", "binding", "x", "é", "xp_", "XP", "or", "AnD", "as", "1", "set", "nohup",
            "vmlframe", "equ", "=", "&", "[", "]", "+", "if", "dev", "tcp/", "0x2", "0X5", "e",
            "C", "f",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let len = next() % 12;
            let mut text = Vec::new();
            for _ in 0..len {
                text.extend_from_slice(PIECES[(next() % 55) as usize].as_bytes());
            }
            for structure in [&b""[..], b"/", b"{}[]\":,", b"=&+"] {
                assert_eq!(
                    is_plain(&text, structure),
                    reference(&text, structure),
                    "{:?} with {:?}",
                    String::from_utf8_lossy(&text),
                    String::from_utf8_lossy(structure)
                );
            }
        }
    }

    #[test]
    fn constants_match_their_structure() {
        let text = br#"{"a": "b=c&d+e/f"}"#;
        assert!(!PlainSet::TEXT.holds(text) && !PlainSet::JSON.holds(text));
        assert!(PlainSet::JSON.holds(br#"{"a": ["b", 1]}"#));
        assert!(PlainSet::FORM.holds(b"a=b+c&d=e"));
        assert!(PlainSet::PATH.holds(b"/api/orders/42"));
        assert!(!PlainSet::PATH.holds(b"/api/../etc"));
        // Structure bytes inside a value: a value sees them, so the whole body is not plain.
        for (set, body) in [
            (&PlainSet::FORM, &b"q=1+or+1=1"[..]),
            (&PlainSet::FORM, b"q=docu+ment.cookie"),
            (&PlainSet::FORM, b"q=gdb+-nx"),
            (&PlainSet::JSON, br#"{"a": "top[x"}"#),
            (&PlainSet::JSON, br#"{"a": "x {whoami}"}"#),
            (&PlainSet::PATH, b"/dev/tcp/10.0.0.1/80"),
            (&PlainSet::TEXT, b"sqlite_master"),
            (&PlainSet::TEXT, b"jsonb_agg"),
        ] {
            assert!(!set.holds(body), "{}", String::from_utf8_lossy(body));
        }
        assert!(PlainSet::JSON.holds(br#"{"a": [{"b": "c d"}], "e": []}"#));
    }
}
