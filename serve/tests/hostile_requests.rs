//! `runtime serve` under hostile requests, end to end over a real socket: web trigger
//! calls, signed and unsigned webhook deliveries and admin API calls with odd methods,
//! paths, headers and bodies, some not even well-formed HTTP. Every well-formed request gets
//! an answer that is a success, a client error or the documented 503/504 (never a 500 from
//! the host, never a dropped connection), the server keeps serving, and no byte a request
//! carried reaches the log or the server's output unescaped (invariant 5).
//!
//! Requests are written to the socket byte for byte, so nothing (no client library, no URL
//! parser) tidies them first. They are drawn from a seeded generator, so a failure
//! reproduces; set `KILN_SERVE_HOSTILE_ROUNDS` to send more than CI's share.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve hostile_requests::`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

/// Requests of each kind in CI.
const ROUNDS: usize = 60;

/// A seeded generator (SplitMix64): the same requests on every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, from: &[&'a T]) -> &'a T {
        from[self.below(from.len())]
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Text spliced into paths, queries, header values and bodies.
const TEXT: &[&[u8]] = &[
    b"",
    b"a",
    b"%00",
    b"%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"../../etc/passwd",
    b"%ff%fe",
    b"%",
    b"%zz",
    b"\x1b[31mred\x1b[0m",
    b"\x1b]8;;https://evil.example/\x07link",
    b"\xe2\x80\xae",
    b"\xc2\x9b2J",
    b"\x7f",
    b"\xff\xfe\xfd",
    b"\xf0\x9f\x94\xa5",
    b"null",
    b"{}",
    b"[[[[[[[[[[[[[[[[",
    b"'\"<>`",
    b"?a=1&a=2&&=&b",
    b"#fragment",
    b"//double//slash",
    b"\\windows\\path",
    b"*",
];

/// A hostile piece of text, sometimes long.
fn text(draw: &mut Draw) -> Vec<u8> {
    let piece = draw.pick(TEXT).to_vec();
    match draw.below(8) {
        0 => piece.repeat(1 + draw.below(4_000)),
        1 => [piece, draw.pick(TEXT).to_vec()].concat(),
        _ => piece,
    }
}

/// `text` made fit for a request line (`in_path`: every byte a URI cannot hold
/// percent-encoded, so the request is read and what it carries reaches the app decoded) or a
/// header value (CR, LF and NUL dropped; other controls kept, for the server to refuse).
fn in_line(bytes: &[u8], in_path: bool) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|&b| match b {
            b if in_path && (b <= b' ' || b >= 0x7f || b == b'"' || b == b'\\') => {
                format!("%{b:02X}").into_bytes()
            }
            b'\r' | b'\n' | 0 => Vec::new(),
            b => vec![b],
        })
        .collect()
}

/// `text` as it stands, for the one request in eight whose request line carries raw bytes.
fn raw(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\r' | b'\n'))
        .collect()
}

/// A JSON body of some hostile shape.
fn json_body(draw: &mut Draw) -> Vec<u8> {
    let depth = [1usize, 64, 200, 5_000][draw.below(4)];
    let text_value = String::from_utf8_lossy(&text(draw)).into_owned();
    let value = match draw.below(8) {
        0 => json!(null),
        1 => json!(text_value),
        2 => json!([text_value, 1e308, -0.0, i64::MIN, u64::MAX]),
        3 => json!({ "webhookEvent": text_value, "issue": { "key": text_value } }),
        4 => json!({
            "webhookEvent": "jira:issue_created",
            "timestamp": text_value,
            "user": { "accountId": [1, 2] },
            "issue": { "id": {}, "key": 7, "fields": text_value },
        }),
        5 => json!({
            "webhookEvent": "jira:issue_created",
            "issue_event_type_name": "issue_created",
            "timestamp": 1_700_000_000_000_i64,
            "user": { "accountId": text_value },
            "issue": { "id": "1", "key": text_value, "fields": { "summary": text_value } },
        }),
        6 => {
            return format!("{}1{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
        }
        _ => return text(draw),
    };
    serde_json::to_vec(&value).unwrap()
}

/// One request's bytes, and whether it is well-formed HTTP/1.1 (which must be answered).
struct Request {
    bytes: Vec<u8>,
    well_formed: bool,
}

fn request(
    draw: &mut Draw,
    method: &[u8],
    path: &[u8],
    headers: &[(Vec<u8>, Vec<u8>)],
    body: &[u8],
) -> Request {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(method);
    bytes.push(b' ');
    bytes.extend_from_slice(path);
    bytes.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    let mut well_formed = true;
    match draw.below(12) {
        // A lying length: the server waits for bytes that never come, or reads too few.
        0 => {
            bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len() + 7).as_bytes());
            well_formed = false;
        }
        // A header line without a colon, or a bare LF.
        1 => {
            bytes.extend_from_slice(b"no colon here\r\n");
            well_formed = false;
        }
        _ => bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes()),
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    Request { bytes, well_formed }
}

/// Hostile header pairs (each a valid header line).
fn hostile_headers(draw: &mut Draw) -> Vec<(Vec<u8>, Vec<u8>)> {
    let names: &[&[u8]] = &[
        b"content-type",
        b"x-atlassian-webhook-identifier",
        b"x-hub-signature",
        b"authorization",
        b"x-forwarded-for",
        b"cookie",
        b"accept",
    ];
    // Rarely, so most requests reach their handler: a name HTTP does not allow, and
    // `Transfer-Encoding` beside a length (a smuggling attempt, which must be refused or
    // ignored, never split the stream).
    let rare: &[&[u8]] = &[b"x-\xff", b"transfer-encoding"];
    (0..draw.below(6))
        .map(|_| {
            let name = if draw.chance(10) {
                draw.pick(rare).to_vec()
            } else {
                draw.pick(names).to_vec()
            };
            let mut value = in_line(&text(draw), false);
            // Most values are ones HTTP allows (obs-text included), so the request reaches
            // the handler; one in eight keeps its control characters, for the parser.
            if !draw.chance(8) {
                value.retain(|&b| b >= b' ' && b != 0x7f || b == b'\t');
            }
            if name == b"transfer-encoding" {
                value = b"chunked, identity".to_vec();
            }
            (name, value)
        })
        .collect()
}

/// Sends `request` on a fresh connection: the status, or `None` if the connection closed
/// without one.
fn exchange(address: &str, request: &Request) -> Option<u16> {
    let mut stream = TcpStream::connect(address).expect("the server accepts a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer (413, 400) and close before reading a long body: a failed
    // write is not a failure, the answer is.
    let _ = stream.write_all(&request.bytes);
    // A request that promises more than it sends is ended here, so the server sees the end
    // rather than waiting out its read timeout. A well-formed one is not half-closed: a
    // server may take a client's end of input for the client leaving, and clients do not.
    if !request.well_formed {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let line = answer.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    line.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn address(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

fn rounds() -> usize {
    std::env::var("KILN_SERVE_HOSTILE_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(ROUNDS)
}

/// A character a terminal or a log reader must not be handed raw.
fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn hostile_requests_get_answers_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let serve = Serve::start_with(dir.path(), "", Some(&log), &[]);
    let public = address(&serve.url());
    let admin = address(&serve.admin_url());
    let echo = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let echo_path = echo
        .trim_start_matches("http://")
        .trim_start_matches(&public)
        .to_owned();
    let mut draw = Draw(0x6b69_6c6e);
    let methods: &[&[u8]] = &[
        b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"HEAD", b"TRACE", b"FOO",
        b"CONNECT",
    ];
    let mut answered = std::collections::BTreeMap::<(&str, u16), usize>::new();
    for round in 0..rounds() {
        // A web trigger: the echo app answers 200 to anything it is handed, so a 500 here is
        // the host's.
        let method = draw.pick(methods);
        let mut path = echo_path.clone().into_bytes();
        let encoded = |draw: &mut Draw| {
            let text = text(draw);
            if draw.chance(8) {
                raw(&text)
            } else {
                in_line(&text, true)
            }
        };
        if draw.chance(2) {
            path.push(b'/');
            path.extend(encoded(&mut draw));
        }
        if draw.chance(2) {
            path.push(b'?');
            path.extend(encoded(&mut draw));
        }
        if draw.chance(6) {
            // Another web trigger id, of any shape.
            path = [b"/x1/".to_vec(), in_line(&text(&mut draw), true)].concat();
        }
        let body = if draw.chance(3) {
            json_body(&mut draw)
        } else {
            text(&mut draw)
        };
        let headers = hostile_headers(&mut draw);
        let sent = request(&mut draw, method, &path, &headers, &body);
        check(
            &mut answered,
            "web trigger",
            &public,
            &sent,
            round,
            method == b"CONNECT",
        );

        // A webhook delivery, signed as the site signs (so its body is read) or not.
        let body = json_body(&mut draw);
        let mut headers = hostile_headers(&mut draw);
        headers.retain(|(name, _)| name != b"x-hub-signature");
        if !draw.chance(4) {
            headers.push((b"x-hub-signature".to_vec(), sign(&body).into_bytes()));
        }
        headers.push((
            b"x-atlassian-webhook-identifier".to_vec(),
            in_line(&text(&mut draw), false),
        ));
        let site: &[u8] = if draw.chance(4) {
            b"simul%00ator"
        } else {
            b"simulator"
        };
        let path = [b"/webhooks/jira/".to_vec(), site.to_vec()].concat();
        let sent = request(&mut draw, b"POST", &path, &headers, &body);
        check(&mut answered, "webhook", &public, &sent, round, false);

        // The admin API, with its token or without.
        let routes: &[&[u8]] = &[
            b"/v1/installations",
            b"/v1/installations/uninstall",
            b"/v1/installations/pause",
            b"/v1/installations/resume",
            b"/v1/webtriggers",
            b"/v1/dead-letters",
            b"/v1/webhooks",
            b"/v1/clock",
        ];
        let route = draw.pick(routes);
        let mut headers = hostile_headers(&mut draw);
        headers.retain(|(name, _)| name != b"authorization");
        if !draw.chance(4) {
            headers.push((
                b"authorization".to_vec(),
                format!("Bearer {ADMIN_TOKEN}").into_bytes(),
            ));
        }
        headers.push((b"content-type".to_vec(), b"application/json".to_vec()));
        let body = match draw.below(3) {
            // Pausing or uninstalling the app would change what the rounds after see; the
            // body names another app, or a hostile one.
            0 => serde_json::to_vec(&json!({
                "app": String::from_utf8_lossy(&text(&mut draw)),
                "key": "echo-in",
                "site": String::from_utf8_lossy(&text(&mut draw)),
                "path": String::from_utf8_lossy(&text(&mut draw)),
                "advanceSeconds": -1e308,
            }))
            .unwrap(),
            _ => json_body(&mut draw),
        };
        let method: &[u8] = if draw.chance(3) { b"GET" } else { b"POST" };
        let sent = request(&mut draw, method, route, &headers, &body);
        check(&mut answered, "admin", &admin, &sent, round, false);
    }
    eprintln!("answers: {answered:?}");

    // Still serving: health, a plain web trigger call, the admin API.
    let client = client();
    assert_eq!(
        client
            .get(format!("{}/healthz", serve.url()))
            .send()
            .unwrap()
            .status(),
        200
    );
    let plain = client.post(&echo).body("{\"after\": true}").send().unwrap();
    assert_eq!(plain.status(), 200);
    let seen: Value = plain.json().unwrap();
    assert_eq!(seen["body"], "{\"after\": true}", "{seen}");
    assert_eq!(installations(&serve).len(), 1);
    // A body that is not the JSON an admin route takes: answered in the admin API's shape,
    // which its clients read.
    for (body, content_type, status) in [
        ("not json", "application/json", 400),
        ("{\"app\": [1]}", "application/json", 422),
        ("{}", "text/plain", 415),
    ] {
        let answer = client
            .post(format!("{}/v1/webtriggers", serve.admin_url()))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(answer.status(), status, "{body}");
        let answer: Value = answer.json().unwrap();
        assert!(answer["error"].is_string(), "{body}: {answer}");
    }
    // A path that is not UTF-8 once decoded: answered in the server's JSON, an id as any
    // malformed id, a user path as a bad request.
    for (path, status) in [
        (format!("{echo_path}/%FF%FE"), 400),
        ("/x1/%FF%FE/a".to_owned(), 404),
        ("/x1/%FF%FE".to_owned(), 404),
    ] {
        let answer = client.get(format!("{}{path}", serve.url())).send().unwrap();
        assert_eq!(answer.status(), status, "{path}");
        let body: Value = answer.json().unwrap();
        assert!(body["error"].is_string(), "{path}: {body}");
    }

    // Nothing a request carried reached the log or the server's output raw.
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.lines().count() > 10,
        "the server logged what it refused: {logged}"
    );
    for line in logged.lines() {
        assert!(
            !line.chars().any(unprintable),
            "a log line holds a control character: {line:?}"
        );
    }
    for line in &serve.lines {
        let line = line.to_string();
        assert!(!line.chars().any(unprintable), "{line:?}");
    }
    // The admin token and the webhook secret every request carried or was signed with
    // appear in neither.
    let printed = serve
        .lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    for secret in [ADMIN_TOKEN, WEBHOOK_SECRET] {
        assert!(!logged.contains(secret), "the log holds a secret");
        assert!(
            !printed.contains(secret),
            "the server's output holds a secret"
        );
    }
}

/// Sends one request and checks its answer; `tunnel` marks a `CONNECT`, which HTTP/1.1
/// servers may answer by closing.
fn check(
    answered: &mut std::collections::BTreeMap<(&'static str, u16), usize>,
    door: &'static str,
    address: &str,
    sent: &Request,
    round: usize,
    tunnel: bool,
) {
    let status = exchange(address, sent);
    let shown = || String::from_utf8_lossy(&sent.bytes[..sent.bytes.len().min(600)]).into_owned();
    match status {
        Some(status) => {
            *answered.entry((door, status)).or_default() += 1;
            assert!(
                status < 500 || status == 503 || (status == 504 && door == "web trigger"),
                "round {round}: {door} answered {status} to {:?}",
                shown()
            );
        }
        None => assert!(
            !sent.well_formed || tunnel,
            "round {round}: {door} closed the connection without an answer to {:?}",
            shown()
        ),
    }
}
