//! Ordinary values an API receives (names, addresses, product text, chat messages in several
//! languages, code quoted in documentation fields) screened at both paranoia levels, as JSON
//! strings, form fields and query parameters: none may be flagged. Each value is written for a
//! class of look-alike a rule once misread (see docs/screen.md's rule table), not copied from
//! a corpus.

use pavise_screen::detect::{inspect, Enabled, ValueKind};

/// Names of people, companies and places, with the punctuation they carry.
const NAMES: &[&str] = &[
    "O'Brien",
    "Mary-Kate O'Neil",
    "D'Angelo & Sons",
    "Smith, John (Jr.)",
    "Yash Patel",
    "Chef Ramsay",
    "Lynx Software",
    "José María Núñez-Peña",
    "François L'Écuyer",
    "Jürgen Müller-Lüdenscheid",
    "Zoë d'Arcy",
    "Łukasz Wiśniewski",
    "Αλέξανδρος Παπαδόπουλος",
    "Владимир Сергеевич",
    "山田 太郎",
    "محمد عبد الله",
    "AT&T",
    "Procter & Gamble",
    "Barnes & Noble, Inc.",
    "Ben & Jerry's",
    "Toys \"R\" Us",
    "3M",
    "Select Comfort Corp.",
    "Union Pacific",
    "Order of the Phoenix",
    "Drop Table Games LLC",
    "Dr. Sleep",
    "Cat Stevens",
    "Tail Inc.",
    "Café 'Le Select'",
    "Rock'n'roll Diner",
    "Dungeons & Dragons 5e",
    "Terms & Conditions | Privacy",
];

/// Postal addresses, one line or several.
const ADDRESSES: &[&str] = &[
    "221B Baker Street, London NW1 6XE",
    "Flat 3/12, 45 Main St.\nSpringfield, IL 62704\nUSA",
    "1600 Amphitheatre Pkwy; Mountain View, CA",
    "Calle de Alcalá, 48 - 3º izq.\n28014 Madrid",
    "12 rue de l'Église, 75004 Paris",
    "Hauptstraße 5 | 10115 Berlin",
    "Av. Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-200",
    "Via dell'Orso 7, 00186 Roma RM",
    "ul. Marszałkowska 10/12 m. 5, 00-590 Warszawa",
    "P.O. Box 1234 #5, Anchorage AK 99501",
    "Apt. #4 -- rear entrance\nuse the side gate",
    "c/o Acme, Unit 7 & 8, Ind. Estate",
    "Building 1/2, Floor -1 (basement)",
    "東京都千代田区千代田1-1",
];

/// Product names and descriptions.
const PRODUCTS: &[&str] = &[
    "T-shirt, 100% cotton (size M/L)",
    "USB-C to USB-A cable - 1m / 3ft",
    "2-pack: AA batteries; 1.5V",
    "Kids' scooter | ages 5-12 | max. 50kg",
    "Echo Dot (5th Gen) | Smart speaker",
    "Sort & Store bin set, 3 pcs",
    "Head & Shoulders shampoo 400ml",
    "Less is more: a minimalist guide",
    "Find My Tag (4-pack)",
    "Touch-screen gloves, size S/M",
    "Cat tree with scratching post & hammock",
    "Sleep mask - 100% silk; adjustable strap",
    "Kill A Watt electricity monitor",
    "Date night gift box — chocolates & wine",
    "Dig & Discover dinosaur kit",
    "Ping pong paddle set (2 paddles, 3 balls)",
    "Tar-free roofing adhesive, 10 oz",
    "Zip-lock bags, 50 ct.",
    "Curl cream for wavy hair 8 fl oz",
    "More than 1,000 5-star reviews!",
    "Price: $19.99 (was $29.99) — save 33%",
    "Size: 10\" x 12\"; weight ≈ 2 lb",
    "Screen 6.1\"; 128 GB; 5G",
    "Sed ut perspiciatis unde omnis iste natus error sit voluptatem.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
    "Order by 5 pm for next-day delivery",
    "Select size, then add to cart",
    "Delete old files? Use our cleaner app",
    "Insert coin & press start",
    "Union-made in the USA",
    "Having trouble? Call 1-800-555-0199",
    "Update: now with 2x battery life",
    "Benchmark-winning SSD (read 7,000 MB/s)",
    "Version 2.2.1 -- release notes inside",
    "Item #4711; color: red/blue",
    "Gift card: 1e309 no, 100 yes",
    "Serial 9428e78841, batch 550e8400",
    "Vintage oak drop table, seats 6",
    "Top 10 gifts | under $50",
    "1/2 cup sugar; 3/4 cup flour",
    "Learn C# & .NET in 30 days",
    "Union, NJ 07083",
];

/// Chat messages and notes in several languages, one line or several.
const CHAT: &[&str] = &[
    // English
    "Hi! Can we move the call to 3pm? Thanks :)",
    "ok -- see you then; bring the docs & the laptop",
    "Customer\nid 4711",
    "Thanks!\nps I will call you tomorrow",
    "Weekend plans:\ncurl up with a good book\nsleep in\ncat naps all day",
    "Shopping list:\n- milk\n- eggs & bread\n- 2 x cheese (cheddar)",
    "Where's my order?! It's been 2 weeks...",
    "Meeting notes\n1) budget: +5%\n2) hiring: 3 roles\n3) next steps -> Q3",
    "Can you run the numbers again? or should I?",
    "It's either yes or no -- nothing in between",
    "I'd rate it 4/5 <3",
    "Don't forget: tickets @ 7:30, seats 12 & 13",
    "Sounds good; I'd love to come",
    "I'd love to!",
    "Yes & I'd say so",
    "Mind your p's and q's",
    "Please update your address & phone",
    "Delete from my list please",
    "select all that apply; then submit",
    "3 or 4 people, maybe 5",
    "Print; then sign",
    "She said \"hi\" -- and left",
    "Tom & Jerry; Rick & Morty",
    "who am i? a riddle",
    "Wait for it... 5, 4, 3, 2, 1!",
    "a -> b -> c",
    "Order #5 & #6 -- shipped",
    "How do I create user accounts for my team?",
    "Click Create Table, then add columns",
    "We had to drop table tennis this year",
    "Hi <name>, welcome!",
    // Spanish
    "Hola\nsed de aventura",
    "¿Nos vemos mañana a las 10? ¡Genial!",
    "Hola, el pedido #123 llegó roto; ¿me envían otro?",
    "Tengo sed, ¿vamos por algo?",
    // French
    "Salut ! Tu viens ce soir ? On sera 5 ou 6.",
    "Bonjour,\nle colis n'est pas arrivé ; pouvez-vous vérifier ?\nMerci",
    "C'est l'heure du café :)",
    "Chef de partie recherché (H/F) – CDI",
    // German
    "Hallo zusammen,\nwann ist das Meeting? 14:00 oder 15:00?\nGrüße",
    "Das Paket kam beschädigt an – bitte um Ersatz!",
    "Ich bin in 5 min da; Tür ist offen",
    // Portuguese
    "Oi, tudo bem? Chego às 18h.\nlua cheia hoje, que lindo",
    "Olá! O pedido nº 4711 ainda não chegou :(",
    // Italian
    "Ciao! Ci vediamo alle 20? Porto il vino & il dolce",
    "Buongiorno,\nnode di sopra, per favore\ngrazie",
    // Dutch
    "Hoi! Zullen we om 8 uur afspreken? Tot dan :)",
    // Polish
    "Cześć! Czy możesz przesłać fakturę? Dzięki!",
    // Turkish
    "Merhaba, siparişim ne zaman gelir? Teşekkürler.",
    // Russian
    "Привет! Во сколько встречаемся? Никто не знает.",
    // Japanese
    "こんにちは！明日の会議は10時からです。よろしくお願いします。",
    // Chinese
    "你好，我的订单什么时候发货？谢谢！",
    // Arabic
    "مرحبا، متى يصل طلبي؟ شكرا",
    // Markdown
    "## Release notes\n\n- Fixed login bug\n- **New**: dark mode\n- Updated docs (see [wiki](https://example.com/wiki))",
    "> quoted reply\n\nSure, sounds good!",
    "Tools we use:\ncurl for HTTP\ndocker for builds\npython for glue\nssh for the rest",
];

/// Technical prose and code as documentation or support fields hold it, without an attack's
/// shape.
const CODE_IN_DOCS: &[&str] = &[
    "Use the --verbose flag for more output.",
    "The function returns null if the key is missing.",
    "Set max_connections = 100 in the config file.",
    "Call getUser(id) to fetch the profile.",
    "The regex [a-z]{2,5} matches 2 to 5 letters.",
    "Press Ctrl+C to stop, then Ctrl+Z.",
    "See RFC 7231, section 6.5.1.",
    "Version 1.2.3-beta+build.45",
    "Python 3.12 and Node 20 are supported.",
    "Our stack: Docker, Kubernetes, MySQL and Redis.",
    "Error 404: page not found",
    "Sleep (8 hours a night) matters more than diet",
    "Char (the fish) with lemon butter",
    "Database (MySQL 8) migration notes",
    "Windows Update failed with error 0x80070005 (access denied)",
    "The app crashed at 0xC0000005; memory at 0x7ffee4b8a000",
    "Refund to wallet 0x742d35Cc6634C0532925a3b844Bc454e4438f44e please",
    "if (a > b) { return a; } else { return b; }",
    "const total = items.reduce((sum, x) => sum + x.price, 0);",
    "SELECT is a SQL keyword; we never build queries from input.",
    "The endpoint accepts JSON: {\"name\": \"x\", \"count\": 3}",
    "Path: C:\\Program Files\\App\\config.ini",
    "Home directory: /home/alice/projects",
    "email me at first.last+tag@example.co.uk",
    "https://example.com/search?q=shoes&size=10#results",
    "x = a * b / c - d % e",
    "List items with ls, then cd into the folder.",
    "Use <b>bold</b> for emphasis",
    "Windows path: %APPDATA%\\App",
    "user@example.com; admin@example.com",
    "To create a table, use the Tables menu.",
];

/// Every value as a JSON string, a form field and a query parameter (form-encoded).
fn kinds(v: &str) -> [(ValueKind, Vec<u8>); 2] {
    [
        (ValueKind::Text, v.as_bytes().to_vec()),
        (ValueKind::FormValue, form_encoded(v)),
    ]
}

/// `v` as a browser form-encodes it (`application/x-www-form-urlencoded`).
fn form_encoded(v: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in v.as_bytes() {
        match b {
            b' ' => out.push(b'+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b),
            _ => out.extend(format!("%{b:02X}").bytes()),
        }
    }
    out
}

fn flagged(values: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        for level in [1, 2] {
            let enabled = Enabled::all_at(level);
            for (kind, raw) in kinds(v) {
                for f in inspect(&raw, kind, "body:note", enabled) {
                    out.push(format!("level {level} {kind:?}: {} on {v:?}", f.rule.id));
                }
            }
        }
    }
    out
}

#[test]
fn names_pass() {
    let found = flagged(NAMES);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn addresses_pass() {
    let found = flagged(ADDRESSES);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn product_text_passes() {
    let found = flagged(PRODUCTS);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn chat_in_several_languages_passes() {
    let found = flagged(CHAT);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn code_in_documentation_fields_passes() {
    let found = flagged(CODE_IN_DOCS);
    assert!(found.is_empty(), "{found:#?}");
}
