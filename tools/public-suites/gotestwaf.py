#!/usr/bin/env python3
"""Turns a GoTestWAF checkout's test cases into a request corpus for `pavise-eval-screen`.

GoTestWAF (github.com/wallarm/gotestwaf) is a public WAF test suite: each YAML file under
`testcases/` lists payloads, encoders and placeholders, and the tool sends every payload through
every encoder into every placeholder. This script builds the same requests as its Go HTTP client
does (same encoders, same placeholders, same wrappers) as one JSON object per line, in the row
format of ../shared/corpora (id, source, category, method, uri, headers, body, expect), so the
screening engine can be measured on it without Go or a network.

It is a test set, not a development set: run it, report the figure, and never change a rule
for one of its misses. The checkout is not part of this repository; pass its path.

Placeholders GoTestWAF sends over gRPC, GraphQL or as raw request templates are left out and
counted on stderr.
"""

import argparse
import base64
import json
import os
import sys
import urllib.parse

import yaml

CATEGORIES = {
    "sql injection": "sqli",
    "nosql injection": "nosql",
    "xss": "xss",
    "rce": "rce",
    "shell": "rce",
    "path traversal": "traversal",
    "lfi": "traversal",
    "crlf injection": "crlf",
    "ldap injection": "ldap",
    "mail injection": "mail",
    "ss injection": "ssi",
    "sst injection": "ssti",
    "xxe": "xxe",
    "useragent": "useragent",
    "rest": "api",
    "soap": "api",
}

SOAP_WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
\txmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
\t<soapenv:Header>
\t\t<ns1:RequestHeader soapenv:actor="http://schemas.xmlsoap.org/soap/actor/next"
\t\t\tsoapenv:mustUnderstand="0" xmlns:ns1="https://www.google.com/apis/ads/publisher/v202002">
\t\t</ns1:RequestHeader>
\t</soapenv:Header>
\t<soapenv:Body>
\t\t<getAdUnitsByStatement xmlns="https://www.google.com/apis/ads/publisher/v202002">
\t\t\t<filterStatement>
\t\t\t\t<{p}>{v}</{p}>
\t\t\t</filterStatement>
\t\t</getAdUnitsByStatement>
\t</soapenv:Body>
</soapenv:Envelope>"""


def category(kind, path):
    if "false-pos" in path:
        return "benign"
    kind = kind.lower()
    for size in ("8kb ", "16kb ", "32kb ", "64kb ", "128kb "):
        kind = kind.removeprefix(size)
    return CATEGORIES.get(kind, kind.replace(" ", "-"))


def go_xml_escape(text):
    """Go's xml.EscapeText, as `xml.NewEncoder(b).Encode(string)` applies it."""
    out = []
    for ch in text:
        out.append({'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
                    "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}.get(ch, ch))
    return "".join(out)


def encode(name, data):
    if name == "Plain":
        return data
    if name == "URL":  # Go's url.PathEscape
        return urllib.parse.quote(data, safe="$&+,:;=@")
    if name == "Base64":
        return base64.b64encode(data.encode()).decode()
    if name == "Base64Flat":
        return base64.b64encode(data.encode()).decode().replace("=", "")
    if name == "JSUnicode":
        units = data.encode("utf-16-be")
        return "".join("\\u%02x%02x" % (units[i], units[i + 1]) for i in range(0, len(units), 2))
    if name == "XMLEntity":  # Go encodes a string value as <string>…</string>
        return "<string>" + go_xml_escape(data) + "</string>"
    raise ValueError(f"unknown encoder {name}")


def request(placeholder, payload, rand):
    """(method, uri, extra headers, body) as GoTestWAF's Go HTTP client builds them."""
    if placeholder == "URLParam":
        return "GET", f"/?{rand}={payload}", {}, None
    if placeholder == "URLPath":
        return "GET", f"/{payload}", {}, None
    if placeholder == "Header":
        return "GET", "/", {f"X-{rand}": payload}, None
    if placeholder == "UserAgent":
        return "GET", "/", {"User-Agent": payload}, None
    if placeholder == "HTMLForm":
        return "POST", "/", {"Content-Type": "application/x-www-form-urlencoded"}, f"{rand}={payload}"
    if placeholder == "HTMLMultipartForm":
        boundary = (rand * 8)[:60]
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{rand}\"\r\n\r\n"
                f"{payload}\r\n--{boundary}--\r\n")
        return "POST", "/", {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body
    if placeholder == "JSONRequest":
        body = '{"test": true, "%s": "%s"}' % (rand, encode("JSUnicode", payload))
        return "POST", "/", {"Content-Type": "application/json"}, body
    if placeholder == "JSONBody":
        return "POST", "/", {"Content-Type": "application/json"}, payload
    if placeholder == "XMLBody":
        return "POST", "/", {"Content-Type": "application/xml"}, payload
    if placeholder == "SOAPBody":
        body = SOAP_WRAPPER.format(p="ab" + rand, v=encode("XMLEntity", payload))
        return "POST", "/", {"SOAPAction": '"http://schemas.xmlsoap.org/soap/actor/next"',
                             "Content-Type": "text/xml"}, body
    if placeholder == "RequestBody":
        return "POST", "/", {}, payload
    return None


def load_case(path):
    """A test case file. Go's YAML parser (which GoTestWAF uses) reads `\\'` inside a
    double-quoted scalar as `'`; PyYAML refuses it, so such lines are read the Go way."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = [
        line.replace("\\'", "'") if line.lstrip(" -").startswith('"') else line
        for line in text.split("\n")
    ]
    return yaml.safe_load("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", help="a GoTestWAF checkout (its testcases/ directory is read)")
    ap.add_argument("--out", required=True, help="JSON lines file to write")
    args = ap.parse_args()
    root = os.path.join(args.checkout, "testcases")
    rows, skipped, n = [], {}, 0
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(dirpath, name)
            case = load_case(path)
            rel = os.path.relpath(path, args.checkout)
            cat = category(str(case.get("type", "")), rel)
            for payload in case.get("payload") or []:
                for enc in case.get("encoder") or ["Plain"]:
                    encoded = encode(enc, str(payload))
                    for ph in case.get("placeholder") or []:
                        ph_name = ph if isinstance(ph, str) else next(iter(ph))
                        n += 1
                        rand = "%08x" % (n * 2654435761 % (1 << 32))
                        built = request(ph_name, encoded, rand)
                        if built is None:
                            skipped[ph_name] = skipped.get(ph_name, 0) + 1
                            continue
                        method, uri, extra, body = built
                        headers = {"Host": "localhost", "User-Agent": "Go-http-client/1.1",
                                   "Accept-Encoding": "gzip"}
                        headers.update(extra)
                        rows.append({
                            "id": f"gotestwaf-{len(rows):05d}", "source": "gotestwaf",
                            "category": cat, "method": method, "uri": uri, "headers": headers,
                            "body": body, "expect": "benign" if cat == "benign" else "attack",
                            "test_file": rel, "encoder": enc, "placeholder": ph_name,
                        })
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} requests written to {args.out}; left out (not plain HTTP): {skipped}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
