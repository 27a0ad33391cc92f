//! Inputs shared by the microbenchmarks in `benches/`: realistic requests built once, so the
//! benchmarks time only the decision functions. Run with `make bench-micro`.

use pavise_core::headers::HeaderList;

/// A typical API request as Envoy hands it to a filter.
pub fn typical_request(key: &str, path: &str) -> HeaderList {
    HeaderList::from_pairs(&[
        (":authority", "api.example.com"),
        (":path", path),
        (":method", "GET"),
        (":scheme", "https"),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        ),
        ("accept", "application/json"),
        ("origin", "https://app.example.com"),
        ("x-api-key", key),
        ("x-forwarded-proto", "https"),
        ("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ])
}

/// The example auth policy from `policies/`.
pub fn example_policy(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../policies/{name}.example.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_default()
}

/// Request bodies of about a given size, made the same every time, for the screening
/// benchmarks and for profiling them (`examples/screen_profile.rs`).
pub mod bodies {
    /// A JSON document of about `size` bytes of plain records: short strings and numbers, no
    /// byte or word any rule looks for (the whole-body shortcut's case).
    pub fn plain_json(size: usize) -> Vec<u8> {
        let mut out = String::from("{\"items\": [");
        let mut i = 0;
        while out.len() < size - 100 {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                r#"{{"id": {i}, "name": "Item number {i}", "description": "A sturdy, well-made thing for everyday use", "price": 19.99, "tags": ["home", "kitchen"]}}"#
            ));
            i += 1;
        }
        out.push_str("]}");
        out.into_bytes()
    }

    /// A JSON document of about `size` bytes whose strings are not plain: URLs, apostrophes,
    /// parentheses, as product listings and comments have them; nothing in it is an attack.
    pub fn rich_json(size: usize) -> Vec<u8> {
        let mut out = String::from("{\"items\": [");
        let mut i = 0;
        while out.len() < size - 300 {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                r#"{{"id": {i}, "name": "Item {i} (2-pack)", "url": "https://shop.example.com/p/{i}/item-{i}?ref=home", "review": "It's sturdy and doesn't wobble; we've used it daily (and it's still fine).", "price": 19.99, "tags": ["home", "kitchen/dining"]}}"#
            ));
            i += 1;
        }
        out.push_str("]}");
        out.into_bytes()
    }

    /// A form body of about `size` bytes of plain fields.
    pub fn form(size: usize) -> Vec<u8> {
        let mut out = String::new();
        let mut i = 0;
        while out.len() < size - 60 {
            out.push_str(&format!("field{i}=some+ordinary+text+value+{i}&"));
            i += 1;
        }
        out.into_bytes()
    }

    /// A JSON document of about `size` bytes as an API receives them: customers and reviews of
    /// the kind Faker makes (names and streets with accents, companies, e-mail addresses, phone
    /// numbers with `+` and parentheses, URLs, dates, multi-line free text with `\n` escapes),
    /// drawn from small word lists by a fixed pseudo-random sequence. Nothing in it is an
    /// attack; much of it is not plain.
    pub fn faker_json(size: usize) -> Vec<u8> {
        let mut r = Pick(0x9e37_79b9_7f4a_7c15);
        let mut out = String::from("{\"records\": [");
        let mut i = 0;
        while out.len() < size - 1200 {
            if i > 0 {
                out.push_str(", ");
            }
            let (first, last) = (r.of(FIRST), r.of(LAST));
            let user = format!("{}{}", first.to_lowercase(), last.to_lowercase())
                .replace(|c: char| !c.is_ascii_alphanumeric(), "");
            let replies: Vec<String> = (0..1 + r.below(2))
                .map(|_| {
                    format!(
                        r#"{{"author": "{} {}", "text": "{}"}}"#,
                        r.of(FIRST),
                        r.of(LAST),
                        r.text(2, 3)
                    )
                })
                .collect();
            let company = format!("{} {}", r.of(LAST), r.of(COMPANY));
            out.push_str(&format!(
                r#"{{"id": {id}, "customer": {{"name": "{first} {last}", "company": "{company}", "address": {{"street": "{street} {house}", "postcode": "{post:05}", "city": "{city}", "lines": ["{street} {house}", "{post:05} {city}"]}}, "contacts": [{{"type": "email", "value": "{user}@example.{tld}"}}, {{"type": "phone", "value": "{phone}"}}], "website": "https://www.{site}.example.com/{page}"}}, "created": "2024-{month:02}-{day:02}T{hour:02}:{min:02}:00Z", "review": {{"rating": {rating}, "title": "{title}", "body": "{body}", "tags": ["{t1}", "{t2}"], "replies": [{replies}]}}}}"#,
                id = 1000 + i,
                street = r.of(STREETS),
                house = 1 + r.below(300),
                post = r.below(99_999),
                city = r.of(CITIES),
                tld = r.of(&["com", "org", "net", "de"]),
                phone = r.of(PHONES).replace('#', &format!("{}", 1000 + r.below(9000))),
                site = last.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), ""),
                page = r.of(&["about", "contact", "account", "blog/2024/03/hello"]),
                month = 1 + r.below(12),
                day = 1 + r.below(28),
                hour = r.below(24),
                min = r.below(60),
                rating = 1 + r.below(5),
                title = r.sentence(),
                body = r.text(1, 3),
                t1 = r.of(WORDS),
                t2 = r.of(WORDS),
                replies = replies.join(", "),
            ));
            i += 1;
        }
        out.push_str("]}");
        out.into_bytes()
    }

    /// A JSON document of about `size` bytes holding HTML as a CMS posts it: paragraphs with
    /// emphasis, links, images, lists and a table, in the markup editors produce. Nothing in it
    /// runs script.
    pub fn markup_json(size: usize) -> Vec<u8> {
        let mut r = Pick(0x2545_f491_4f6c_dd1d);
        let mut html = String::new();
        while html.len() < size - 400 {
            let block = match r.below(5) {
                0 => format!(r#"<h2 id=\"s{n}\">{}</h2>"#, r.sentence(), n = html.len()),
                1 => format!(
                    r#"<p>{} <a href=\"https://www.example.com/{}\" title=\"{}\">{}</a>. <em>{}</em></p>"#,
                    r.sentence(),
                    r.of(WORDS),
                    r.of(WORDS),
                    r.of(WORDS),
                    r.sentence()
                ),
                2 => format!(
                    r#"<figure><img src=\"/media/{}-{}.jpg\" alt=\"{}\" width=\"640\" height=\"480\"><figcaption>{}</figcaption></figure>"#,
                    r.of(WORDS),
                    r.below(100),
                    r.sentence(),
                    r.sentence()
                ),
                3 => format!(
                    r#"<ul><li>{}</li><li><strong>{}</strong> {}</li></ul>"#,
                    r.sentence(),
                    r.of(WORDS),
                    r.sentence()
                ),
                _ => format!(
                    r#"<table><tr><th>{}</th><th>{}</th></tr><tr><td>{}</td><td>{}</td></tr></table>"#,
                    r.of(WORDS),
                    r.of(WORDS),
                    r.below(1000),
                    r.sentence()
                ),
            };
            html.push_str(&block);
            html.push_str("\\n");
        }
        format!(
            r#"{{"title": "{}", "slug": "{}-{}", "author": "{} {}", "content": "{html}", "published": true}}"#,
            r.sentence(),
            r.of(WORDS),
            r.of(WORDS),
            r.of(FIRST),
            r.of(LAST)
        )
        .into_bytes()
    }

    /// A fixed pseudo-random sequence (xorshift) and what the bodies draw from it.
    struct Pick(u64);

    impl Pick {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }

        fn of<'a>(&mut self, list: &[&'a str]) -> &'a str {
            list.get(self.below(list.len()))
                .copied()
                .unwrap_or_default()
        }

        /// A sentence of 4 to 11 words, capitalised, with a full stop.
        fn sentence(&mut self) -> String {
            let n = 4 + self.below(8);
            let words: Vec<&str> = (0..n).map(|_| self.of(WORDS)).collect();
            let mut s = words.join(" ");
            if let Some(first) = s.get(..1) {
                s = first.to_uppercase() + s.get(1..).unwrap_or_default();
            }
            s + "."
        }

        /// `min` to `min + spread - 1` lines of 1 to 3 sentences, joined by JSON's `\n`.
        fn text(&mut self, min: usize, spread: usize) -> String {
            let lines = min + self.below(spread);
            (0..lines)
                .map(|_| {
                    let n = 1 + self.below(3);
                    (0..n)
                        .map(|_| self.sentence())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("\\n")
        }
    }

    const FIRST: &[&str] = &[
        "Olivia",
        "Daniel",
        "Ruth",
        "Annemie",
        "José",
        "François",
        "Zoë",
        "Jürgen",
        "Łukasz",
        "Mary-Kate",
        "Sean",
        "Aoife",
        "Lars",
        "Chiara",
        "Yusuf",
        "Mei",
    ];
    const LAST: &[&str] = &[
        "Richardson",
        "Griffith",
        "Johnson",
        "Rohleder",
        "García",
        "L'Écuyer",
        "O'Neil",
        "Müller-Lüdenscheid",
        "Wiśniewski",
        "Smith",
        "Rossi",
        "Kowalski",
        "Nakamura",
        "Dubois",
    ];
    const COMPANY: &[&str] = &[
        "GmbH",
        "Ltd",
        "LLC",
        "Inc.",
        "& Sons",
        "KG",
        "S.A.",
        "and Partners",
        "Group",
    ];
    const STREETS: &[&str] = &[
        "Baker Street",
        "Polina-Adolph-Platz",
        "Bärerallee",
        "rue de l'Église",
        "Calle de Alcalá",
        "Via dell'Orso",
        "Main St.",
        "ul. Marszałkowska",
        "Hauptstraße",
    ];
    const CITIES: &[&str] = &[
        "London",
        "Flöha",
        "Ludwigsburg",
        "Paris",
        "Madrid",
        "Roma",
        "Warszawa",
        "Springfield",
        "São Paulo",
        "Kraków",
    ];
    const PHONES: &[&str] = &[
        "+49(0)167894#",
        "(555) 123-#",
        "+1-202-555-#",
        "+44 20 7946 #",
        "06 12 34 #",
        "+48 22 #",
        "555.867.# x12",
    ];
    const WORDS: &[&str] = &[
        "writer",
        "land",
        "five",
        "hair",
        "son",
        "somebody",
        "collection",
        "well",
        "machine",
        "fund",
        "begin",
        "simple",
        "candidate",
        "audience",
        "door",
        "pull",
        "tree",
        "rule",
        "garden",
        "enjoy",
        "employee",
        "later",
        "trouble",
        "professional",
        "shake",
        "safe",
        "book",
        "law",
        "control",
        "right",
        "traditional",
        "usually",
        "key",
        "production",
        "entire",
        "check",
        "herself",
        "detail",
        "shoulder",
        "first",
        "kid",
        "either",
        "investment",
        "style",
        "early",
        "life",
        "operation",
        "across",
        "art",
        "data",
        "open",
        "develop",
        "save",
        "sell",
        "interview",
        "floor",
        "sister",
        "development",
        "lose",
        "director",
        "brother",
        "modern",
        "need",
        "former",
        "grow",
        "ball",
        "purpose",
        "laugh",
        "play",
        "wait",
        "cold",
        "during",
        "city",
        "part",
        "cost",
        "level",
        "likely",
        "provide",
        "beat",
        "focus",
        "drive",
        "above",
        "quality",
        "institution",
        "certainly",
        "computer",
        "community",
        "represent",
        "single",
        "sign",
        "task",
        "maintain",
        "serious",
        "what",
        "form",
        "wife",
        "while",
        "along",
        "subject",
        "popular",
        "research",
        "protect",
        "upon",
        "common",
        "resource",
        "dark",
        "position",
        "fight",
        "enough",
        "table",
        "goal",
        "sea",
        "condition",
        "character",
        "wall",
        "worker",
        "year",
        "father",
        "enter",
        "girl",
        "soldier",
        "section",
        "military",
        "body",
        "high",
        "effort",
        "decide",
        "budget",
        "indicate",
        "find",
        "response",
        "suddenly",
        "billion",
        "live",
        "perform",
        "plant",
        "crime",
        "since",
        "stage",
        "camera",
        "decade",
        "speech",
        "order",
        "select",
        "union",
        "drop",
        "run",
        "cat",
        "find",
        "sleep",
        "update",
        "script",
        "java",
        "python",
        "process",
    ];
}
