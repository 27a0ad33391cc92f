#!/usr/bin/env python3
"""Writes Pavise's generated benign request set: ordinary requests that input screening must
let through, in the shared corpora's row format (see ../shared/corpora/README.md): one JSON
object a line with id, source, category "benign", method, uri, headers, body, expect "benign".

Sources, one file each in the output directory (`make benign-corpus` writes target/benign/):
  faker-json       JSON API bodies (objects, nested objects, arrays) from Faker in twelve locales
  faker-form       urlencoded form posts with the same kind of data
  faker-multipart  multipart/form-data posts as browsers send them (some with a text file part)
  faker-query      GET requests whose query strings carry that data
  fortune          Debian's fortune data (package `fortunes`), one fortune a request value
  technical        sentences of the installed man pages: prose that quotes commands, options,
                   paths and code; reported apart, since it is what a screening rule is closest to
(chromium-headers, the header sets of a real browser, is recorded by pavise-record-headers.)

Everything is drawn from one seed: the same seed, Faker version and input files give the same
bytes. Faker's own locale data makes its values; the structure of each request (which fields,
which endpoint, which encoding) comes from this script's random.Random(seed).

Usage: gen.py [--seed N] [--out DIR] [--scale F]
"""

import argparse
from datetime import date, datetime
import gzip
import json
import os
import random
import re
import sys
import urllib.parse

# Some of Faker's locale data is drawn from sets, whose order follows Python's string hashing:
# the same bytes need the same hash seed, so the script runs itself again with it fixed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

try:
    from faker import Faker
except ImportError:
    sys.exit("gen.py: the Python package Faker is missing: run `make benign-corpus`, which installs it into .venv")

LOCALES = [
    "en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR",
    "ja_JP", "ru_RU", "zh_CN", "pl_PL", "nl_NL", "tr_TR",
]

# Rows per source at scale 1.
COUNTS = {
    "faker-json": 6000,
    "faker-form": 5000,
    "faker-multipart": 3000,
    "faker-query": 5000,
    "fortune": 5000,
    "technical": 3000,
}

FORTUNE_DIR = "/usr/share/games/fortunes"
# ascii-art is pictures, not prose.
FORTUNE_SKIP = {"ascii-art"}
MAN_DIRS = ["/usr/share/man/man1", "/usr/share/man/man5", "/usr/share/man/man8"]

ACCEPT_LANGUAGE = {
    "en_US": "en-US,en;q=0.9",
    "de_DE": "de-DE,de;q=0.9,en;q=0.8",
    "fr_FR": "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
    "es_ES": "es-ES,es;q=0.9",
    "it_IT": "it-IT,it;q=0.9,en;q=0.8",
    "pt_BR": "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7",
    "ja_JP": "ja,en-US;q=0.9,en;q=0.8",
    "ru_RU": "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7",
    "zh_CN": "zh-CN,zh;q=0.9",
    "pl_PL": "pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7",
    "nl_NL": "nl-NL,nl;q=0.9,en;q=0.8",
    "tr_TR": "tr-TR,tr;q=0.9,en-US;q=0.8,en;q=0.7",
}

JSON_ENDPOINTS = [
    "/api/users", "/api/v1/customers", "/api/v2/orders", "/api/contacts", "/api/profile",
    "/api/v1/tickets", "/api/invoices", "/api/comments", "/api/v1/reviews", "/api/shipments",
]
FORM_ENDPOINTS = [
    "/signup", "/contact", "/checkout", "/account/address", "/support/ticket", "/newsletter",
    "/feedback", "/profile/edit", "/apply", "/booking",
]
QUERY_ENDPOINTS = [
    "/search", "/api/v1/customers", "/products", "/api/places", "/jobs", "/events", "/directory",
    "/api/v2/orders", "/shop/search", "/find",
]


class Maker:
    """One locale's Faker, seeded, and the field values built from it."""

    def __init__(self, locale, seed):
        self.locale = locale
        self.fake = Faker(locale)
        self.fake.seed_instance(seed)

    def price(self):
        try:
            return self.fake.pricetag()
        except AttributeError:
            return "%.2f" % self.fake.pyfloat(min_value=0, max_value=5000, right_digits=2)

    def field(self, kind):
        f = self.fake
        return {
            "name": f.name,
            "first_name": f.first_name,
            "last_name": f.last_name,
            "email": f.email,
            "phone": f.phone_number,
            "company": f.company,
            "job": f.job,
            "address": f.address,
            "street": f.street_address,
            "city": f.city,
            "postcode": f.postcode,
            "country": f.country,
            "url": f.url,
            "website": f.url,
            "user_agent": f.user_agent,
            # Fixed windows: Faker's defaults end today, which would change the bytes daily.
            "date": lambda: f.date_between(date(2015, 1, 1), date(2026, 1, 1)).isoformat(),
            "birthday": lambda: f.date_between(date(1940, 1, 1), date(2008, 1, 1)).isoformat(),
            "created_at": lambda: f.date_time_between(datetime(2018, 1, 1), datetime(2026, 1, 1)).isoformat(),
            "price": self.price,
            "amount": lambda: "%.2f" % f.pyfloat(min_value=0, max_value=10000, right_digits=2),
            "iban": f.iban,
            "username": f.user_name,
            "title": lambda: f.sentence(nb_words=5),
            "subject": lambda: f.sentence(nb_words=7),
            "message": lambda: f.text(max_nb_chars=f.random_element([80, 200, 400, 800])),
            "comment": lambda: f.paragraph(nb_sentences=f.random_int(1, 6)),
            "notes": lambda: "\n".join(f.paragraphs(nb=f.random_int(2, 4))),
            "description": lambda: f.text(max_nb_chars=300),
            "quantity": lambda: str(f.random_int(1, 20)),
            "id": lambda: str(f.random_int(1, 999999)),
            "uuid": f.uuid4,
            "color": f.color_name,
            "password": lambda: f.password(length=14),
        }[kind]()


# Field sets of the forms and objects an application takes.
SHAPES = [
    ["first_name", "last_name", "email", "phone", "password"],
    ["name", "email", "subject", "message"],
    ["name", "company", "job", "email", "phone", "website"],
    ["street", "postcode", "city", "country", "phone"],
    ["name", "address", "email", "notes"],
    ["username", "email", "birthday", "comment"],
    ["title", "description", "price", "quantity", "color"],
    ["name", "iban", "amount", "date", "subject"],
    ["email", "comment"],
    ["name", "title", "message", "created_at", "url"],
]


def record(rng, maker, shape=None):
    shape = shape or rng.choice(SHAPES)
    return {k: maker.field(k) for k in shape}


def json_body(rng, maker):
    """An object as an API takes it: flat, nested, or with arrays of objects."""
    style = rng.randrange(6)
    if style == 0:
        return record(rng, maker)
    if style == 1:  # a customer with a nested address and contact list
        return {
            "customer": {
                "name": maker.field("name"),
                "company": maker.field("company"),
                "address": {
                    "street": maker.field("street"),
                    "postcode": maker.field("postcode"),
                    "city": maker.field("city"),
                    "country": maker.field("country"),
                    "lines": maker.field("address").split("\n"),
                },
                "contacts": [
                    {"type": "email", "value": maker.field("email")},
                    {"type": "phone", "value": maker.field("phone")},
                ],
            },
            "notes": maker.field("notes"),
            "created_at": maker.field("created_at"),
        }
    if style == 2:  # an order with line items
        return {
            "order_id": maker.field("uuid"),
            "items": [
                {
                    "sku": "%s-%04d" % (maker.fake.lexify("???").upper(), rng.randrange(10000)),
                    "title": maker.field("title"),
                    "quantity": rng.randrange(1, 9),
                    "price": round(rng.uniform(1, 900), 2),
                }
                for _ in range(rng.randrange(1, 6))
            ],
            "shipping": {"name": maker.field("name"), "address": maker.field("address")},
            "payment": {"iban": maker.field("iban"), "amount": maker.field("amount")},
            "gift_message": maker.field("message"),
        }
    if style == 3:  # a review or comment thread
        return {
            "author": {"username": maker.field("username"), "email": maker.field("email")},
            "rating": rng.randrange(1, 6),
            "title": maker.field("title"),
            "body": maker.field("comment"),
            "tags": maker.fake.words(nb=rng.randrange(1, 5)),
            "replies": [
                {"author": maker.field("name"), "text": maker.field("message")}
                for _ in range(rng.randrange(0, 3))
            ],
        }
    if style == 4:  # a bulk import: an array of records
        shape = rng.choice(SHAPES)
        return {"records": [record(rng, maker, shape) for _ in range(rng.randrange(2, 6))]}
    return {  # a support ticket with metadata
        "ticket": {
            "subject": maker.field("subject"),
            "description": maker.field("notes"),
            "priority": rng.choice(["low", "normal", "high"]),
            "requester": {"name": maker.field("name"), "phone": maker.field("phone")},
            "client": {"user_agent": maker.field("user_agent"), "url": maker.field("url")},
            "due": maker.field("date"),
        }
    }


def flat_fields(rng, maker):
    """Name/value pairs of a form (the same kinds of values as the JSON bodies)."""
    fields = list(record(rng, maker).items())
    if rng.random() < 0.3:
        fields.append(("csrf_token", maker.fake.sha1()))
    if rng.random() < 0.2:
        fields.append(("terms", "on"))
    return fields


def browser_headers(rng, maker, host="shop.example.com"):
    headers = {
        "Host": host,
        "User-Agent": maker.field("user_agent"),
        "Accept": rng.choice([
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/json, text/plain, */*",
            "*/*",
        ]),
        "Accept-Language": ACCEPT_LANGUAGE[maker.locale],
    }
    if rng.random() < 0.6:
        headers["Referer"] = maker.field("url") + rng.choice(["", "contact", "account", "shop?page=2"])
    if rng.random() < 0.5:
        headers["Cookie"] = "session=%s; lang=%s; consent=%s" % (
            maker.fake.hexify("^" * 32), maker.locale, rng.choice(["all", "necessary", "1"]))
    return headers


def boundary(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "----WebKitFormBoundary" + "".join(rng.choice(alphabet) for _ in range(16))


def multipart(rng, fields, file_part=None):
    b = boundary(rng)
    out = []
    for name, value in fields:
        out.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, name, value))
    if file_part:
        filename, text = file_part
        out.append('--%s\r\nContent-Disposition: form-data; name="attachment"; filename="%s"\r\n'
                   "Content-Type: text/plain\r\n\r\n%s\r\n" % (b, filename, text))
    out.append("--%s--\r\n" % b)
    return "multipart/form-data; boundary=" + b, "".join(out)


def urlencode(rng, fields):
    if rng.random() < 0.5:
        return urllib.parse.urlencode(fields)  # quote_plus: blanks as '+', as browsers do
    return urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)


def row(source, n, method, uri, headers, body):
    return {
        "id": "%s-%05d" % (source, n),
        "source": source,
        "category": "benign",
        "method": method,
        "uri": uri,
        "headers": headers,
        "body": body,
        "expect": "benign",
    }


def dumps_body(rng, value):
    return json.dumps(value, ensure_ascii=rng.random() < 0.3)


def carrier(rng, maker, source, n, name, text, max_query=1500):
    """One request that carries `text` as a value: a JSON field, a form field, a multipart
    field, or (when short) a query parameter."""
    headers = browser_headers(rng, maker)
    kind = rng.randrange(4)
    if kind == 3 and len(text.encode()) * 3 > max_query:
        kind = rng.randrange(3)
    if kind == 0:
        headers["Content-Type"] = "application/json"
        body = dumps_body(rng, {name: text, "author": maker.field("name"), "lang": maker.locale})
        return row(source, n, "POST", rng.choice(JSON_ENDPOINTS), headers, body)
    if kind == 1:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(rng, [("name", maker.field("name")), (name, text)])
        return row(source, n, "POST", rng.choice(FORM_ENDPOINTS), headers, body)
    if kind == 2:
        ctype, body = multipart(rng, [("name", maker.field("name")), (name, text.replace("\n", "\r\n"))])
        headers["Content-Type"] = ctype
        return row(source, n, "POST", rng.choice(FORM_ENDPOINTS), headers, body)
    query = urlencode(rng, [("q", text), ("page", str(rng.randrange(1, 5)))])
    return row(source, n, "GET", rng.choice(QUERY_ENDPOINTS) + "?" + query, headers, None)


def faker_rows(rng, makers, source, count):
    for n in range(count):
        maker = makers[n % len(makers)]
        headers = browser_headers(rng, maker)
        if source == "faker-json":
            headers["Content-Type"] = rng.choice(["application/json", "application/json; charset=utf-8"])
            method = rng.choice(["POST", "POST", "PUT", "PATCH"])
            body = dumps_body(rng, json_body(rng, maker))
            yield row(source, n, method, rng.choice(JSON_ENDPOINTS), headers, body)
        elif source == "faker-form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(rng, flat_fields(rng, maker))
            yield row(source, n, "POST", rng.choice(FORM_ENDPOINTS), headers, body)
        elif source == "faker-multipart":
            fields = [(k, v.replace("\n", "\r\n")) for k, v in flat_fields(rng, maker)]
            file_part = None
            if rng.random() < 0.25:
                file_part = (maker.fake.file_name(extension="txt"), maker.field("notes"))
            ctype, body = multipart(rng, fields, file_part)
            headers["Content-Type"] = ctype
            yield row(source, n, "POST", rng.choice(FORM_ENDPOINTS), headers, body)
        else:
            fields = [(k, v) for k, v in flat_fields(rng, maker)
                      if k not in ("password", "csrf_token", "notes")]
            fields.append(("sort", rng.choice(["name", "-created", "price", "relevance"])))
            query = urlencode(rng, fields)
            while len(query) > 3000 and len(fields) > 1:
                fields.pop(0)
                query = urlencode(rng, fields)
            yield row(source, n, "GET", rng.choice(QUERY_ENDPOINTS) + "?" + query, headers, None)


def clean_fortune(text):
    text = re.sub(r".\x08", "", text)  # overstriking: "_\bx" shows as an underlined x
    return text.strip("\n")


def fortunes():
    if not os.path.isdir(FORTUNE_DIR):
        sys.exit("gen.py: %s missing: Debian's `fortunes` package (make benign-corpus installs it)" % FORTUNE_DIR)
    out = []
    for name in sorted(os.listdir(FORTUNE_DIR)):
        path = os.path.join(FORTUNE_DIR, name)
        if "." in name or name in FORTUNE_SKIP or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for entry in f.read().split("\n%\n"):
                entry = clean_fortune(entry)
                if entry.strip() and entry.strip() != "%":
                    out.append(entry)
    if len(out) < 1000:
        sys.exit("gen.py: only %d fortunes in %s: install Debian's `fortunes`" % (len(out), FORTUNE_DIR))
    return out


# roff escapes with a printable meaning; every other escape is dropped.
ROFF_ESCAPES = [
    (r"\(em", "—"), (r"\(en", "–"), (r"\(aq", "'"), (r"\(dq", '"'), (r"\(lq", "“"),
    (r"\(rq", "”"), (r"\(oq", "‘"), (r"\(cq", "’"), (r"\(bu", "•"), (r"\(co", "©"),
    (r"\*(lq", "“"), (r"\*(rq", "”"), (r"\[aq]", "'"), (r"\[em]", "—"), (r"\[dq]", '"'),
    (r"\-", "-"), (r"\e", "\\"), (r"\ ", " "), (r"\~", " "), (r"\&", ""), (r"\|", ""),
    (r"\^", ""), (r"\:", ""), (r"\c", ""),
]
TEXT_MACROS = {"B", "I", "BR", "RB", "BI", "IB", "IR", "RI", "SM", "SB", "Nm", "Ar", "Pa",
               "Cm", "Dv", "Ev", "Va", "Ic", "Li", "Sy", "Em", "Ql", "Dq", "Sq", "Xr", "Op"}
PARAGRAPH_MACROS = {"PP", "P", "LP", "TP", "IP", "SH", "SS", "HP", "Pp", "Sh", "Ss", "It", "Bl",
                    "El", "Bd", "Ed", "sp", "br", "nf", "fi", "EX", "EE"}


def roff_text(line):
    for esc, rep in ROFF_ESCAPES:
        line = line.replace(esc, rep)
    line = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", line)  # font changes
    line = re.sub(r"\\s[-+]?\d", "", line)  # size changes
    line = re.sub(r"\\\*?\[[^]]*\]", "", line)
    line = re.sub(r"\\\*?\(..", "", line)
    line = re.sub(r"\\.", "", line)
    return line


def man_paragraphs(path):
    """The prose paragraphs of a roff or mdoc man page, roughly as `man` renders them."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except (OSError, EOFError):
        return []
    paragraphs, current, section = [], [], ""
    for line in lines:
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            macro = parts[0] if parts else ""
            args = parts[1] if len(parts) > 1 else ""
            if macro in ("SH", "Sh"):
                section = args.strip('"').upper()
            if macro in PARAGRAPH_MACROS:
                if current:
                    paragraphs.append((section, " ".join(current)))
                current = []
            elif macro in TEXT_MACROS and args:
                if macro == "Op":
                    args = "[" + args.replace("Fl ", "-") + "]"
                current.append(roff_text(args.replace('"', "")))
            elif macro == "Fl":
                current.append("-" + roff_text(args))
            continue
        if not line.strip():
            if current:
                paragraphs.append((section, " ".join(current)))
            current = []
            continue
        current.append(roff_text(line))
    if current:
        paragraphs.append((section, " ".join(current)))
    out = []
    for section, text in paragraphs:
        text = re.sub(r"\s+", " ", text).strip()
        if section in ("NAME", "SYNOPSIS", "AUTHOR", "AUTHORS", "COPYRIGHT", "SEE ALSO"):
            continue
        if 60 <= len(text) <= 1200 and " " in text:
            out.append(text)
    return out


def technical_texts(rng, count):
    pages = []
    for d in MAN_DIRS:
        if os.path.isdir(d):
            pages += [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".gz")]
    if not pages:
        sys.exit("gen.py: no man pages under /usr/share/man: the technical set needs them")
    rng.shuffle(pages)
    texts, families = [], {}
    for page in pages:
        # A few pages per command family, so that one large suite (gcloud_*: thousands of
        # pages) does not make up the set.
        family = re.split(r"[-_.]", os.path.basename(page))[0]
        families[family] = families.get(family, 0) + 1
        if families[family] > 3:
            continue
        paragraphs = man_paragraphs(page)
        texts += rng.sample(paragraphs, min(len(paragraphs), 4))
        if len(texts) >= count:
            break
    return texts[:count]


def generate(seed, scale):
    """Every source's rows, as (source, [row]) in a fixed order."""
    counts = {k: max(1, int(v * scale)) for k, v in COUNTS.items()}
    out = []
    for i, source in enumerate(["faker-json", "faker-form", "faker-multipart", "faker-query"]):
        rng = random.Random("%d/%s" % (seed, source))
        makers = [Maker(loc, seed * 100 + i * 20 + j) for j, loc in enumerate(LOCALES)]
        out.append((source, list(faker_rows(rng, makers, source, counts[source]))))

    rng = random.Random("%d/fortune" % seed)
    makers = [Maker(loc, seed * 100 + 80 + j) for j, loc in enumerate(LOCALES)]
    texts = fortunes()
    rng.shuffle(texts)
    rows = [carrier(rng, makers[n % len(makers)], "fortune", n,
                    rng.choice(["message", "comment", "quote", "text", "bio"]), t)
            for n, t in enumerate(texts[:counts["fortune"]])]
    out.append(("fortune", rows))

    rng = random.Random("%d/technical" % seed)
    texts = technical_texts(rng, counts["technical"])
    rows = [carrier(rng, makers[0], "technical", n,
                    rng.choice(["description", "body", "answer", "note", "q"]), t)
            for n, t in enumerate(texts)]
    out.append(("technical", rows))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--out", default="target/benign")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every source's row count")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for source, rows in generate(a.seed, a.scale):
        path = os.path.join(a.out, source + ".jsonl")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n")
        os.replace(tmp, path)
        print("%s: %d rows" % (path, len(rows)), file=sys.stderr)


if __name__ == "__main__":
    main()
