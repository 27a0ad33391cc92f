use super::*;
use crate::decode::decode_fully;

fn id(v: &str) -> Option<&'static str> {
    detect(&decode_fully(v.as_bytes(), true, true)).map(|r| r.id)
}

fn all(expected: Option<&str>, values: &[&str]) {
    for v in values {
        assert_eq!(id(v), expected, "{v}");
    }
}

#[test]
fn casts() {
    all(
        Some("sqli-018"),
        &[
            "password::int",
            "id=unistr(password)::int",
            "1+current_user::int",
            "PASSWORD::INT",
            "version()::text",
            "'1'::integer",
            "x::varchar(10)",
            "usename::bytea",
            "x::int[]",
        ],
    );
    all(
        None,
        &[
            "::1",
            "fe80::1",
            "[::ffff:a9fe:a9fe]",
            "std::string",
            "std::int32_t",
            "ActiveSupport::JSON.encode(x)",
            "Foo::Text::Bar",
            "Foo::Text.new",
            "use serde_json::json!",
            "ratio 3::1",
            "See section :: intro",
        ],
    );
}

#[test]
fn overflow_values() {
    all(
        Some("sqli-019"),
        &[
            "4294967296",
            "2147483648",
            "-2147483649",
            "9223372036854775808",
            "18446744073709551616",
            "2.2250738585072011e-308",
            "2.2250738585072012E-308",
            "1e309",
            "1.5e400",
            "12.5e999",
            "1e9999",
            "1E0309",
            " 4294967296 ",
        ],
    );
    all(
        None,
        &[
            "2147483647",
            "4294967295",
            "-2147483648",
            "42949672960",
            "1e308",
            "0e999",
            "2.5e-308",
            "1.2.3",
            "v4294967296",
            "4294967296 bytes",
            // Hexadecimal ids, hashes and UUID pieces of digits and one `e`.
            "9428e78841",
            "12e4567",
            "3e45678901",
            "1e456789",
            "84e5106734",
            "550e8400",
            "",
        ],
    );
}

#[test]
fn quote_probes() {
    all(
        Some("sqli-020"),
        &[
            "';",
            "';#",
            "\"'",
            "' = # '",
            "' ? # = #",
            "'? # = --",
            "^'",
            "'!`\n",
            "\"!\"",
            "admin@juice-sh.op`;",
            "x';",
            "1\"; --",
        ],
    );
    all(
        None,
        &[
            "\"",
            "'",
            "\"}",
            "\"///",
            "\"*\"",
            "`",
            "'-'",
            "O'Reilly",
            "var x = \"abc\";",
            "\"abc\";",
            "Tom's;",
            "a; b'",
        ],
    );
}

#[test]
fn dangling_connectives() {
    all(
        Some("sqli-021"),
        &[
            "/3 or ",
            "/Cm7 OR ",
            "/Hmong_language AND ",
            "/xxxx_R and",
            "pay=/3 or ",
            "size=10 or",
            "42 or",
            "(1 ||",
            "OR 1# ",
            "x and 2--",
            "Or 1#comment",
        ],
    );
    all(
        None,
        &[
            "salt and ",
            "/Business and",
            "black or",
            "size 10 or",
            "\"foo\" AND \"bar\" AND",
            "''or",
            "pages 1 and 2 -- see",
            "room 3 or 4 #",
            "or",
            "a-b_2 or",
            "$2 or",
            "Rock and Roll",
        ],
    );
}

#[test]
fn quoted_tests() {
    all(
        Some("sqli-022"),
        &[
            "'  or 3,4,2@!",
            "\\`or`1",
            "\" AND 5=5",
            "and '5'orig_var_datavarname",
            "AND '5' ",
            "q='x'!='y",
            "'admin', '1'='1'",
            "'a'<>'b'",
            "' XoR '1",
        ],
    );
    all(
        None,
        &[
            "\"foo\" AND \"bar\" AND",
            "\"1\" sSOUNDS LIKE \"SOUNDS LIKE 1",
            "''or",
            "\\' foo or",
            "the 80's or 90's",
            "necklace length 16\" or 18\"",
            "1950' AND 60'S WOMEN'S COATS",
            "and '5 apples'",
            "and 5 more",
            "'a'='b'",
            "'x'!='x'",
            "name='bob'",
            "'Union Jack' or three",
        ],
    );
}

#[test]
fn like_tautologies() {
    all(
        Some("sqli-023"),
        &[
            "a=42 like 42",
            "42 LIKE 42",
            "'a' rlike 'a'",
            "1 glob 1",
            "'x' regexp 'x'",
            "'a' sounds like 'a'",
            "var='sounds like rowid--",
            "x' SOUNDS/**/LIKE name#",
        ],
    );
    all(
        None,
        &[
            "I like having true friends",
            "1 I like having true friends",
            "people like people",
            "\"1\" sSOUNDS LIKE \"SOUNDS LIKE 1",
            "42 like 43",
            "it sounds like fun -- really",
            "DANCIN' LIKE A ROBOT ON FIRE",
            "5 likes 5",
        ],
    );
}

#[test]
fn bare_calls() {
    all(
        Some("sqli-024"),
        &[
            "default(",
            "ln) (",
            "local(",
            "left')?$(",
            "LOWER (",
            "count(",
        ],
    );
    all(
        None,
        &[
            "default",
            "the default (",
            "see left (",
            "default()",
            "local(x)",
            "mylocal(",
            "Default settings (",
        ],
    );
}

#[test]
fn nosql_operators() {
    all(
        Some("sqli-025"),
        &[
            "{\"$text\": \"foo\"}",
            "{\"$search\": \"x\"}",
            "q[$jsonSchema]=1",
            "{\"$lookup\": {}}",
            "$TEXT",
        ],
    );
    all(
        None,
        &[
            "{\"$existsor\": \"foo\"}",
            "price $text",
            "US$100",
            "cost: $5",
            "$textual",
            "{\"$ne\": 1}",
        ],
    );
}

#[test]
fn ordinary_text_passes() {
    all(
        None,
        &[
            "hello world",
            "john.doe@example.com",
            "Version 1.2.3",
            "$19.99",
            "2024-01-01T00:00:00Z",
            "It's sturdy and doesn't wobble; we've used it daily.",
            "std::vector<int> v;",
            "Tom & Jerry",
            "C:\\Users\\public",
            "https://example.com/a?b=c#frag",
        ],
    );
}

#[test]
fn no_panic_on_odd_input() {
    for v in [
        &b""[..],
        b"\xff\xfe",
        b"::",
        b"'",
        b"(",
        b"$",
        b"e",
        b"-",
        b"1e",
        b"1e-",
        b"--",
        b";",
        b"'';",
        b"like",
        b" like ",
        b"'like'",
        b"sounds like",
        b"\xc3(",
        b"1e99999999999999999999",
    ] {
        let _ = detect(v);
    }
}
