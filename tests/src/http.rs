//! A minimal HTTP/1.1 codec: enough for the echo upstream, the audit sink and a client that
//! sends exactly the bytes a test wants (repeated headers, odd casing, non-UTF-8 values).

use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Largest head or body this codec reads; more is an error, not an allocation.
const MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn read_line(r: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_BYTES as u64)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn read_headers(r: &mut impl BufRead) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?.ok_or_else(|| invalid("eof in headers"))?;
        if line.is_empty() {
            return Ok(headers);
        }
        let colon = line
            .iter()
            .position(|b| *b == b':')
            .ok_or_else(|| invalid("bad header"))?;
        let name = String::from_utf8_lossy(&line[..colon]).to_string();
        let value = line[colon + 1..]
            .iter()
            .skip_while(|b| **b == b' ' || **b == b'\t')
            .copied()
            .collect();
        headers.push((name, value));
    }
}

fn header<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}

fn read_body(r: &mut impl BufRead, headers: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let chunked = header(headers, "transfer-encoding").is_some_and(|v| {
        String::from_utf8_lossy(v)
            .to_ascii_lowercase()
            .contains("chunked")
    });
    if chunked {
        let mut body = Vec::new();
        loop {
            let line = read_line(r)?.ok_or_else(|| invalid("eof in chunk size"))?;
            let size_text = String::from_utf8_lossy(&line);
            let size_text = size_text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("chunk size"))?;
            if size == 0 {
                // Trailers, then the blank line.
                while read_line(r)?.is_some_and(|l| !l.is_empty()) {}
                return Ok(body);
            }
            if body.len() + size > MAX_BYTES {
                return Err(invalid("body too large"));
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            read_line(r)?;
        }
    }
    let len = match header(headers, "content-length") {
        Some(v) => String::from_utf8_lossy(v)
            .trim()
            .parse::<usize>()
            .map_err(|_| invalid("content-length"))?,
        None => 0,
    };
    if len > MAX_BYTES {
        return Err(invalid("body too large"));
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(body)
}

/// Reads one request; `None` at a clean end of the connection.
pub fn read_request(r: &mut impl BufRead) -> io::Result<Option<Request>> {
    let Some(line) = read_line(r)? else {
        return Ok(None);
    };
    let line = String::from_utf8_lossy(&line).to_string();
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let headers = read_headers(r)?;
    let body = read_body(r, &headers)?;
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

pub fn write_response(
    w: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len()).into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

/// Reads one response from `r` (to a request that was not HEAD).
pub fn read_response(r: &mut impl BufRead) -> io::Result<Response> {
    let line = read_line(r)?.ok_or_else(|| invalid("eof before status line"))?;
    let line = String::from_utf8_lossy(&line).to_string();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let raw_headers = read_headers(r)?;
    let body = if status == 204 || status == 304 {
        Vec::new()
    } else {
        read_body(r, &raw_headers)?
    };
    let headers = raw_headers
        .into_iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect();
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Sends a request built from parts over a fresh connection (closed afterwards).
/// `headers` are sent exactly as given, in order; `host` and `content-length` are added.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: Option<&[u8]>,
) -> Response {
    let mut raw =
        format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n").into_bytes();
    for (n, v) in headers {
        raw.extend_from_slice(n.as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(v);
        raw.extend_from_slice(b"\r\n");
    }
    if let Some(b) = body {
        raw.extend_from_slice(format!("content-length: {}\r\n", b.len()).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    if let Some(b) = body {
        raw.extend_from_slice(b);
    }
    send_raw(addr, &raw)
}

/// Sends raw bytes over a fresh connection and reads one response (10 s bound).
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> Response {
    try_send_raw(addr, raw).unwrap_or_else(|e| panic!("{e}"))
}

/// [`send_raw`], with a failure returned rather than a panic: for polling a server that may
/// not answer yet. (A caught panic is no substitute: the tools built with the release profile
/// abort on a panic.)
pub fn try_send_raw(addr: SocketAddr, raw: &[u8]) -> io::Result<Response> {
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| io::Error::new(e.kind(), format!("connect {addr}: {e}")))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    conn.set_write_timeout(Some(Duration::from_secs(10)))?;
    conn.write_all(raw)?;
    let mut reader = io::BufReader::new(conn);
    read_response(&mut reader).map_err(|e| io::Error::other(format!("response from {addr}: {e}")))
}

/// `GET path` without headers, a failure returned rather than a panic ([`try_send_raw`]).
pub fn try_get(addr: SocketAddr, path: &str) -> io::Result<Response> {
    try_send_raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n").as_bytes(),
    )
}

/// Sends raw bytes in pieces with a pause between them (a streamed body), then reads one
/// response. Writes after the server answered early may fail; that is not an error here.
pub fn send_in_pieces(addr: SocketAddr, pieces: &[&[u8]], pause: Duration) -> Response {
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.set_nodelay(true).unwrap();
    for piece in pieces {
        if conn.write_all(piece).is_err() {
            break;
        }
        std::thread::sleep(pause);
    }
    let mut reader = io::BufReader::new(conn);
    read_response(&mut reader).unwrap_or_else(|e| panic!("response from {addr}: {e}"))
}

/// `GET path` with the given headers.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let h: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    send(addr, "GET", path, &h, None)
}

/// What a test server answers: status, headers, body.
pub type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// Runs a small HTTP/1.1 server on `addr` (e.g. `127.0.0.1:0`) for the project's test programs:
/// prints `listening on ADDR` once bound, then serves as [`serve_on`]. Returns only if binding
/// fails.
pub fn serve<H>(program: &str, addr: &str, handler: H) -> io::Error
where
    H: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let listener = match std::net::TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => return e,
    };
    match listener.local_addr() {
        Ok(a) => println!("listening on {a}"),
        Err(e) => return e,
    }
    let _ = io::stdout().flush();
    serve_on(listener, program, handler)
}

/// Serves each connection of a bound listener on its own thread with keep-alive, answering
/// every request with `handler`. Tests run it on a thread of their own.
pub fn serve_on<H>(listener: std::net::TcpListener, program: &str, handler: H) -> io::Error
where
    H: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let handler = std::sync::Arc::new(handler);
    for conn in listener.incoming().flatten() {
        let _ = conn.set_nodelay(true);
        let handler = handler.clone();
        let program = program.to_string();
        std::thread::spawn(move || {
            let Ok(mut writer) = conn.try_clone() else {
                return;
            };
            let mut reader = io::BufReader::new(conn);
            loop {
                match read_request(&mut reader) {
                    Ok(Some(req)) => {
                        let (status, headers, body) = handler(&req);
                        let h: Vec<(&str, &str)> = headers
                            .iter()
                            .map(|(n, v)| (n.as_str(), v.as_str()))
                            .collect();
                        if write_response(&mut writer, status, &h, &body).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    // A client dropping a keep-alive connection (wrk at the end of a run,
                    // Envoy closing idle upstream connections) is not worth a line.
                    Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return,
                    Err(e) => {
                        eprintln!("{program}: {e}");
                        return;
                    }
                }
            }
        });
    }
    io::Error::other("listener closed")
}
