//! Credential redaction of everything Jira sends back.
//!
//! A site, or anything between Kiln and the site, may echo the request's
//! headers: an echo endpoint, a proxy's error page, a debugging filter. That
//! would hand the guest the credential the host attached. The host knows
//! exactly which secrets it holds, so before a response's body, headers or
//! any error text quoting them reaches the guest, every form of those secrets
//! is replaced by [`MARKER`].
//!
//! **What is found.** For each secret (an API token, the `email:token` pair,
//! an access token, a refresh token, a client secret) the pattern set holds:
//!
//! * the secret itself;
//! * its base64, standard and URL-safe, padded, and at each of the three
//!   byte alignments without padding (the characters that depend only on the
//!   secret, so it is found inside a longer base64 text too, e.g. a base64
//!   dump of all the request's headers; `Basic <base64 of email:token>` is
//!   the padded form of the pair);
//!
//! and the text is searched through a *decoding view* rather than only as
//! sent: percent escapes (`%2B`, `%2b`), JSON and JavaScript escapes (`\/`,
//! `\u002B`, `\x2b`) and HTML numeric references (`&#43;`, `&#x2B;`) count
//! as the character they stand for, in any case and any mix, and nested once
//! per layer up to [`MAX_ESCAPE_LAYERS`] (`%252B`, `\\u002b`). So the common
//! re-encodings need no pattern each; a match is mapped back to the bytes
//! that were actually sent, escapes included, and those bytes are replaced.
//!
//! **What is not.** A site that *means* to leak the credential received it
//! and can encode it any way it likes (reversed, encrypted); that site is out
//! of reach of any filter, and Kiln's answer to it is to send credentials to
//! the configured site only. Such a site could also put an escape
//! introducer right before an *encoded* secret (`%` before `AB\u002b…`),
//! so the view reads the first characters as one escape; the secret as sent
//! is still found by the search of the text itself. Secrets shorter than [`MIN_SECRET_BYTES`] are
//! not searched for: they would match ordinary text, and no Atlassian
//! credential is that short. For the same reason, a secret holding escapes
//! of its own (`ab%0e…`, never an Atlassian credential) whose decoded form
//! is shorter than that is found as sent, in base64 and through one layer
//! of escapes around it (`\u0025` for its `%`), but not through two: the
//! nested view decodes those escapes and the secret's own together, and the
//! one-layer view (searched whenever the nested one nested, so that a secret
//! whose last character decodes to an introducer, `%5c` before a `"`, is not
//! read together with the text after it) sees them still escaped once.
//! (Found by the `redaction` fuzz target and its property test.)
//!
//! **The marker.** It is the same whatever it replaces, so it tells nothing
//! of the secret's length or form. It holds no escape introducer (`%`, `\`,
//! `&`), no hex digit at its edges and no quote, so it cannot combine with
//! neighbouring bytes into an escape, and a redacted JSON string stays valid
//! JSON. Redaction runs again on its own output until nothing is found (a
//! site could nest one secret inside another so that removing the inner one
//! joins the outer): each pass shrinks the text, as every pattern is longer
//! than the marker, and after [`MAX_PASSES`] the whole text is replaced.
//!
//! **Cost.** Built when a credential is first seen (once per client for
//! fixed credentials, once per new access token for renewable ones), never
//! per request: a *detector* (leftmost-first automata of at most
//! [`DETECTOR_PATTERNS`] patterns each, which the `aho-corasick` crate
//! searches with a SIMD prefilter at several GB/s) and one overlapping
//! automaton that reports every occurrence. The text is searched as sent
//! and, when it holds an escape introducer, once more through one decoded
//! copy (built in runs between introducers); each search asks the detector
//! first and runs the overlapping search, a few times slower, only when the
//! detector found something. Both automata hold the same patterns, so the
//! detector finds a text iff the overlapping search does: nothing is
//! weakened, answers without a credential (all of them, normally) just cost
//! less.

use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// What replaces every found credential.
pub const MARKER: &str = "[REDACTED]";

/// Shortest secret searched for, in bytes.
pub const MIN_SECRET_BYTES: usize = 12;

/// Deepest nesting of escapes decoded (`%25252B` is three layers).
pub const MAX_ESCAPE_LAYERS: usize = 4;

/// Most redaction passes over one text before it is replaced whole.
pub const MAX_PASSES: usize = 4;

/// Most patterns in one automaton of the detector: the `aho-corasick`
/// crate's SIMD prefilter (Teddy) takes at most 64; above it, the search
/// falls back to the automaton alone, ≈ 20 times slower.
pub const DETECTOR_PATTERNS: usize = 64;

/// Finds and replaces a fixed set of secrets in every encoding above.
pub struct Redactor {
    /// `None` when there is no secret: redaction is then free.
    matcher: Option<Matcher>,
    /// The pattern set could not be built (beyond the crate's size limits,
    /// never for a handful of credentials): every text is replaced whole,
    /// the safe side.
    unbuildable: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the patterns: they are the secrets.
        f.debug_struct("Redactor")
            .field(
                "patterns",
                &self.matcher.as_ref().map_or(0, |m| m.all.patterns_len()),
            )
            .finish()
    }
}

impl Redactor {
    /// A redactor with no secret: changes nothing.
    pub fn none() -> Self {
        Self {
            matcher: None,
            unbuildable: false,
        }
    }

    /// A redactor for `secrets`; those shorter than [`MIN_SECRET_BYTES`] are
    /// skipped, duplicates are harmless.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut patterns: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for secret in secrets {
            if secret.len() < MIN_SECRET_BYTES {
                continue;
            }
            for form in forms(secret) {
                // A secret that itself contains an escape introducer is
                // seen decoded through the view: search for that too.
                let decoded = Zeroizing::new(decode(&form).bytes);
                if decoded.len() >= MIN_SECRET_BYTES && *decoded != *form {
                    patterns.push(decoded);
                }
                if form.len() >= MIN_SECRET_BYTES {
                    patterns.push(form);
                }
            }
        }
        patterns.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        patterns.dedup_by(|a, b| a.as_slice() == b.as_slice());
        if patterns.is_empty() {
            return Self::none();
        }
        let matcher = Matcher::new(&patterns);
        Self {
            unbuildable: matcher.is_none(),
            matcher,
        }
    }

    /// Whether this redactor searches for anything.
    pub fn is_active(&self) -> bool {
        self.matcher.is_some() || self.unbuildable
    }

    /// Replaces every credential in `text`; returns how many spans were
    /// replaced (0: `text` is unchanged).
    pub fn redact(&self, text: &mut Vec<u8>) -> u32 {
        let Some(matcher) = &self.matcher else {
            if self.unbuildable && !text.is_empty() {
                *text = MARKER.as_bytes().to_vec();
                return 1;
            }
            return 0;
        };
        let mut total = 0u32;
        for _ in 0..MAX_PASSES {
            let spans = find_spans(matcher, text);
            if spans.is_empty() {
                return total;
            }
            total = total.saturating_add(u32::try_from(spans.len()).unwrap_or(u32::MAX));
            *text = replace_spans(text, &spans);
        }
        if find_spans(matcher, text).is_empty() {
            return total;
        }
        // Still finding after every pass: a text built to defeat the loop.
        // Nothing of it is worth the risk.
        *text = MARKER.as_bytes().to_vec();
        total.saturating_add(1)
    }

    /// [`Redactor::redact`] for text known to be UTF-8 (a header value, an
    /// error message). The marker is ASCII and spans fall on characters'
    /// edges, so the result is UTF-8; should it not be, the lossy form is kept.
    pub fn redact_str(&self, text: &mut String) -> u32 {
        if !self.is_active() {
            return 0;
        }
        let mut bytes = std::mem::take(text).into_bytes();
        let count = self.redact(&mut bytes);
        *text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
        };
        count
    }

    /// Whether `text` holds any credential of this redactor (for tests and
    /// fuzzers).
    pub fn finds_in(&self, text: &[u8]) -> bool {
        match &self.matcher {
            Some(matcher) => !find_spans(matcher, text).is_empty(),
            None => self.unbuildable && !text.is_empty(),
        }
    }
}

/// The searches for one set of patterns.
struct Matcher {
    /// Whether a text holds any pattern: leftmost-first, so the crate's
    /// prefilter applies; one automaton per [`DETECTOR_PATTERNS`] patterns.
    any: Vec<AhoCorasick>,
    /// Every occurrence: overlapping search reports them all, so one secret
    /// inside another (the token inside `email:token`) is covered whole.
    all: AhoCorasick,
    /// The longest pattern, in bytes.
    longest: usize,
}

impl Matcher {
    /// `None` beyond the crate's size limits (never for a handful of
    /// credentials).
    fn new(patterns: &[Zeroizing<Vec<u8>>]) -> Option<Self> {
        // A contiguous NFA: built in well under a millisecond for a few
        // dozen patterns of a few hundred bytes (the DFA takes ten times
        // longer), and no slower on the overlapping search.
        let builder = |kind: MatchKind| {
            let mut builder = AhoCorasickBuilder::new();
            builder
                .match_kind(kind)
                .kind(Some(AhoCorasickKind::ContiguousNFA));
            builder
        };
        let any = patterns
            .chunks(DETECTOR_PATTERNS)
            .map(|chunk| {
                builder(MatchKind::LeftmostFirst)
                    .build(chunk.iter().map(|p| p.as_slice()))
                    .ok()
            })
            .collect::<Option<Vec<_>>>()?;
        let all = builder(MatchKind::Standard)
            .build(patterns.iter().map(|p| p.as_slice()))
            .ok()?;
        let longest = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        Some(Self { any, all, longest })
    }

    /// Whether `text` holds any pattern (as it is, no decoding view).
    #[cfg(test)]
    fn finds(&self, text: &[u8]) -> bool {
        self.any.iter().any(|detector| detector.is_match(text))
    }

    /// Every occurrence in `text`, as (start, end), added to `spans`; `map`
    /// turns positions in `text` into positions of the original.
    ///
    /// The detector's leftmost-first matches say where to look: an
    /// occurrence it does not report starts inside one it does (the search
    /// resumes at the end of each match, and would otherwise have reported
    /// the occurrence or an earlier one), so every occurrence lies within
    /// `[start, end + longest - 1)` of a reported match. Only those windows,
    /// merged where they touch, get the overlapping search: a text echoing
    /// a credential costs about what one without does.
    fn push_all(
        &self,
        text: &[u8],
        spans: &mut Vec<(usize, usize)>,
        map: impl Fn(usize, usize) -> (usize, usize),
    ) {
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for detector in &self.any {
            for found in detector.find_iter(text) {
                let end = found
                    .end()
                    .saturating_add(self.longest.saturating_sub(1))
                    .min(text.len());
                windows.push((found.start(), end));
            }
        }
        for (start, end) in merge(windows) {
            for found in self.all.find_overlapping_iter(&text[start..end]) {
                spans.push(map(start + found.start(), start + found.end()));
            }
        }
    }
}

/// The encodings of one secret searched for (before the decoding view).
fn forms(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut forms = vec![Zeroizing::new(secret.to_vec())];
    for engine in [&STANDARD, &URL_SAFE] {
        forms.push(Zeroizing::new(engine.encode(secret).into_bytes()));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            forms.push(aligned_base64(engine, secret, offset));
        }
    }
    forms
}

/// The characters of the base64 of `secret` preceded by `offset` unknown
/// bytes that depend on `secret` alone: those found wherever the secret sits
/// inside a longer base64 text.
fn aligned_base64(
    engine: &base64::engine::GeneralPurpose,
    secret: &[u8],
    offset: usize,
) -> Zeroizing<Vec<u8>> {
    let mut padded = Zeroizing::new(vec![0u8; offset]);
    padded.extend_from_slice(secret);
    let encoded = Zeroizing::new(engine.encode(&*padded).into_bytes());
    // Leading characters that mix in the unknown bytes: none, or 2 (one
    // unknown byte), or 3 (two).
    let lead = [0, 2, 3][offset];
    // Trailing characters that mix in the unknown byte after the secret: a
    // last group of 1 byte gives 1 known character of 2, of 2 bytes 2 of 3.
    let len = padded.len();
    let known = len / 3 * 4 + len % 3;
    Zeroizing::new(encoded.get(lead..known).unwrap_or_default().to_vec())
}

/// Every occurrence of a pattern in `text` through the decoding view, as
/// sorted, merged byte ranges of `text`.
fn find_spans(matcher: &Matcher, text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    // The text as sent: always, since an escape introducer just before a
    // secret would swallow its first characters in the view (`%2` followed
    // by a token starting with `A` reads as `%2A`).
    matcher.push_all(text, &mut spans, |start, end| (start, end));
    if memchr::memchr3(b'%', b'\\', b'&', text).is_some() {
        let view = decode(text);
        matcher.push_all(&view.bytes, &mut spans, |start, end| {
            (view.raw_start(start), view.raw_end(end))
        });
        // A nested escape is one reading of its bytes: a secret whose own
        // last character decodes to an introducer (`%5c` for `\`) would be
        // read together with the literal text after it (`%5c"` as `"`), so
        // the secret would lose that character in the view. One layer of
        // decoding reads every escape alone; searched only when the view
        // nested (rare: answers without a credential hold no `%25`, `%5c`).
        if view.nested {
            let single = decode_layers(text, 1);
            matcher.push_all(&single.bytes, &mut spans, |start, end| {
                (single.raw_start(start), single.raw_end(end))
            });
        }
    }
    if spans.is_empty() {
        return spans;
    }
    merge(spans)
}

fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            // Touching spans merge too: two adjacent secrets become one marker.
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn replace_spans(text: &[u8], spans: &[(usize, usize)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in spans {
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(MARKER.as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// The decoding view of a text: its bytes with every escape replaced by the
/// character it stands for, and where each escape was.
struct View {
    bytes: Vec<u8>,
    /// One per decoded escape, in order: its position in `bytes`, and its
    /// start and length in the original text.
    escapes: Vec<Escape>,
    /// Whether an escape was read through more than one layer.
    nested: bool,
}

#[derive(Clone, Copy)]
struct Escape {
    at: usize,
    raw_start: usize,
    raw_len: usize,
}

impl View {
    /// Where the view's byte `at` starts in the original text.
    fn raw_start(&self, at: usize) -> usize {
        match self.last_escape_at_or_before(at) {
            None => at,
            Some(e) if e.at == at => e.raw_start,
            Some(e) => e.raw_start + e.raw_len + (at - e.at - 1),
        }
    }

    /// Where the view's bytes up to (not including) `end` end in the
    /// original text.
    fn raw_end(&self, end: usize) -> usize {
        let last = end - 1;
        match self.last_escape_at_or_before(last) {
            None => end,
            Some(e) if e.at == last => e.raw_start + e.raw_len,
            Some(e) => e.raw_start + e.raw_len + (last - e.at),
        }
    }

    fn last_escape_at_or_before(&self, at: usize) -> Option<Escape> {
        let after = self.escapes.partition_point(|e| e.at <= at);
        after.checked_sub(1).map(|i| self.escapes[i])
    }
}

fn decode(text: &[u8]) -> View {
    decode_layers(text, MAX_ESCAPE_LAYERS)
}

/// The view of `text` with escapes nested up to `layers` deep.
fn decode_layers(text: &[u8], layers: usize) -> View {
    let mut bytes = Vec::with_capacity(text.len());
    let mut escapes = Vec::new();
    let mut nested = false;
    let mut at = 0;
    while at < text.len() {
        let Some(next) = memchr::memchr3(b'%', b'\\', b'&', &text[at..]) else {
            bytes.extend_from_slice(&text[at..]);
            break;
        };
        let intro = at + next;
        bytes.extend_from_slice(&text[at..intro]);
        match escape_at(text, intro, layers) {
            Some((byte, raw_len, depth)) => {
                nested |= depth > 1;
                escapes.push(Escape {
                    at: bytes.len(),
                    raw_start: intro,
                    raw_len,
                });
                bytes.push(byte);
                at = intro + raw_len;
            }
            None => {
                bytes.push(text[intro]);
                at = intro + 1;
            }
        }
    }
    View {
        bytes,
        escapes,
        nested,
    }
}

/// The escape starting at `text[at]` (an introducer), nested up to `layers`
/// deep: the character it stands for, its length and how many layers it
/// took.
fn escape_at(text: &[u8], at: usize, layers: usize) -> Option<(u8, usize, usize)> {
    let (mut byte, body) = escape_body(text[at], &text[at + 1..], false)?;
    let mut end = at + 1 + body;
    let mut depth = 1;
    while depth < layers {
        match escape_body(byte, &text[end..], true) {
            Some((inner, body)) => {
                byte = inner;
                end += body;
                depth += 1;
            }
            None => break,
        }
    }
    Some((byte, end - at, depth))
}

/// Decodes what follows introducer `intro`: the character and how many
/// bytes after the introducer the escape takes. Only ASCII results: every
/// credential form searched for is ASCII, or is searched for as sent.
/// `nested`: `intro` was itself decoded (`%25`, `\\`); a decoded `\` never
/// pairs with a literal one (`\u005C\u0000` is two escapes, not `\\` and
/// text), while `\\/` and `\\u002B` (escapes escaped again) decode.
fn escape_body(intro: u8, rest: &[u8], nested: bool) -> Option<(u8, usize)> {
    match intro {
        b'%' => Some((hex_byte(rest.get(..2)?)?, 2)),
        b'\\' => match *rest.first()? {
            b'u' => {
                let digits = rest.get(1..5)?;
                (hex_byte(&digits[..2])? == 0)
                    .then(|| hex_byte(&digits[2..]))
                    .flatten()
                    .filter(u8::is_ascii)
                    .map(|b| (b, 5))
            }
            b'x' => hex_byte(rest.get(1..3)?)
                .filter(u8::is_ascii)
                .map(|b| (b, 3)),
            b'/' | b'"' | b'\'' => Some((rest[0], 1)),
            b'\\' if !nested => Some((b'\\', 1)),
            _ => None,
        },
        b'&' => {
            if rest.first() != Some(&b'#') {
                return None;
            }
            let (radix, digits_at) = match rest.get(1) {
                Some(b'x' | b'X') => (16, 2),
                _ => (10, 1),
            };
            // At most 7 digits (leading zeros included) before the `;`.
            let window = rest.get(digits_at..)?;
            let digits = window
                .iter()
                .take(8)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if digits == 0 || digits > 7 || window.get(digits) != Some(&b';') {
                return None;
            }
            let text = std::str::from_utf8(&window[..digits]).ok()?;
            let value = u32::from_str_radix(text, radix).ok()?;
            let byte = u8::try_from(value).ok().filter(u8::is_ascii)?;
            Some((byte, digits_at + digits + 1))
        }
        _ => None,
    }
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(two[0])? * 16 + digit(two[1])?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ATATT3xFfGF0+canary/token=0123456789";
    const EMAIL: &str = "admin@example.com";

    fn redactor() -> Redactor {
        let pair = format!("{EMAIL}:{TOKEN}");
        Redactor::new([TOKEN.as_bytes(), pair.as_bytes()])
    }

    fn redacted(text: &str) -> (String, u32) {
        let mut bytes = text.as_bytes().to_vec();
        let count = redactor().redact(&mut bytes);
        (String::from_utf8(bytes).unwrap(), count)
    }

    fn percent(text: &str, upper: bool) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    }

    fn json_unicode(text: &str, upper: bool) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else if upper {
                    format!("\\u{b:04X}")
                } else {
                    format!("\\u{b:04x}")
                }
            })
            .collect()
    }

    /// Every encoding a site or proxy might apply to the attached
    /// credential, each embedded in ordinary text: all are replaced by the
    /// marker and nothing of the secret's form is left.
    #[test]
    fn every_common_encoding_is_replaced() {
        let pair = format!("{EMAIL}:{TOKEN}");
        let basic = STANDARD.encode(&pair);
        let cases: Vec<(&str, String)> = vec![
            ("raw token", TOKEN.to_owned()),
            ("basic header", format!("Basic {basic}")),
            ("basic base64 alone", basic.clone()),
            ("basic, url-safe", URL_SAFE.encode(&pair)),
            ("basic, no padding", STANDARD_NO_PAD.encode(&pair)),
            ("token base64", STANDARD.encode(TOKEN)),
            ("token base64 url-safe", URL_SAFE_NO_PAD.encode(TOKEN)),
            ("bearer header", format!("Bearer {TOKEN}")),
            ("percent, upper", percent(TOKEN, true)),
            ("percent, lower", percent(TOKEN, false)),
            ("percent basic", percent(&basic, false)),
            (
                "percent every byte",
                TOKEN.bytes().map(|b| format!("%{b:02x}")).collect(),
            ),
            ("double percent", percent(TOKEN, true).replace('%', "%25")),
            ("json \\u", json_unicode(TOKEN, false)),
            ("json \\u upper", json_unicode(TOKEN, true)),
            ("json \\/", TOKEN.replace('/', "\\/")),
            (
                "json in json",
                json_unicode(TOKEN, false).replace('\\', "\\\\"),
            ),
            ("js \\x", TOKEN.replace('+', "\\x2b")),
            (
                "html decimal",
                TOKEN.replace('+', "&#43;").replace('/', "&#47;"),
            ),
            ("html hex", TOKEN.replace('=', "&#x3D;")),
            (
                "mixed escapes",
                TOKEN
                    .replace('+', "%2b")
                    .replace('/', "\\u002F")
                    .replace('=', "&#61;"),
            ),
            (
                "escaped plain letters",
                TOKEN.replace('A', "%41").replace('T', "\\u0054"),
            ),
        ];
        for (name, form) in cases {
            let text = format!(r#"{{"headers":{{"Authorization":"{form}"}},"n":1}}"#);
            let (out, count) = redacted(&text);
            assert!(count >= 1, "{name}: nothing found in {text}");
            assert!(out.contains(MARKER), "{name}: {out}");
            assert!(
                !out.contains(TOKEN) && !out.contains(&basic),
                "{name}: {out}"
            );
            assert!(!redactor().finds_in(out.as_bytes()), "{name}: {out}");
            assert!(
                out.starts_with(r#"{"headers":{"Authorization":""#),
                "{name}: {out}"
            );
            assert!(out.ends_with(r#""},"n":1}"#), "{name}: {out}");
            let _: serde_json::Value = serde_json::from_str(&out)
                .unwrap_or_else(|e| panic!("{name}: no longer JSON ({e}): {out}"));
        }
    }

    /// The secret inside a longer base64 text, at each of the three byte
    /// alignments: a base64 dump of all the request's headers.
    #[test]
    fn base64_of_a_larger_text_holding_the_secret_at_any_alignment() {
        for prefix in ["", "x", "xy", "xyz", "Authorization: Basic "] {
            for engine in [&STANDARD, &URL_SAFE] {
                let dump = engine.encode(format!("{prefix}{TOKEN}\r\nAccept: */*\r\n"));
                let (out, count) = redacted(&dump);
                assert_eq!(count, 1, "{prefix:?}: {dump}");
                // At most 3 characters either side depend partly on the
                // secret: a few bits, never the secret.
                let kept = out.len() - MARKER.len();
                assert!(
                    kept <= dump.len() - STANDARD.encode(TOKEN).len() + 6,
                    "{out}"
                );
            }
        }
    }

    #[test]
    fn ordinary_text_is_untouched_and_costs_no_copy() {
        let text = r#"{"self":"https://kiln.atlassian.net/rest/api/3/user?accountId=5b10a2844c20165700ede21g","name":"A \"quoted\" name & co 100%"}"#;
        assert_eq!(redacted(text), (text.to_owned(), 0));
        let mut bytes = b"nothing to see".to_vec();
        assert_eq!(Redactor::none().redact(&mut bytes), 0);
        assert_eq!(bytes, b"nothing to see");
    }

    #[test]
    fn short_secrets_are_not_searched() {
        let redactor = Redactor::new([&b"short"[..]]);
        assert!(!redactor.is_active());
        let mut text = b"a short text".to_vec();
        assert_eq!(redactor.redact(&mut text), 0);
    }

    /// A secret nested in itself: redacting the inner occurrence joins the
    /// outer halves into a new one, which the next pass finds.
    #[test]
    fn redaction_reaches_a_fixed_point() {
        let (head, tail) = TOKEN.split_at(10);
        let nested = format!("{head}{TOKEN}{tail}");
        let mut bytes = nested.clone().into_bytes();
        // One pass leaves `head + MARKER + tail`: no secret, so one span.
        assert_eq!(redactor().redact(&mut bytes), 1);
        assert_eq!(bytes, format!("{head}{MARKER}{tail}").as_bytes());
        // Percent-escaped halves around a raw secret.
        let text = format!("{}{TOKEN}{}", percent(head, true), percent(tail, false));
        let (out, _) = redacted(&text);
        assert!(!redactor().finds_in(out.as_bytes()), "{out}");
    }

    #[test]
    fn overlapping_and_adjacent_secrets_become_one_marker() {
        let text = format!("{EMAIL}:{TOKEN}{TOKEN}");
        let (out, count) = redacted(&text);
        assert_eq!((out.as_str(), count), (MARKER, 1));
    }

    #[test]
    fn the_marker_cannot_form_an_escape_with_its_neighbours() {
        for b in MARKER.bytes() {
            assert!(!matches!(b, b'%' | b'\\' | b'&' | b'"' | b'\''), "{MARKER}");
        }
        let edges = [MARKER.as_bytes()[0], MARKER.as_bytes()[MARKER.len() - 1]];
        assert!(edges.iter().all(|b| !b.is_ascii_hexdigit()));
        assert!(
            MARKER.len() < MIN_SECRET_BYTES,
            "each pass must shrink the text"
        );
        // A truncated escape before the secret stays as it was.
        let (out, _) = redacted(&format!("%2{TOKEN}"));
        assert_eq!(out, format!("%2{MARKER}"));
    }

    #[test]
    fn a_secret_holding_escape_introducers_is_found_as_sent_and_encoded() {
        let odd = "tok%41en\\u0042-0123456789";
        let redactor = Redactor::new([odd.as_bytes()]);
        for form in [odd.to_owned(), percent(odd, true), STANDARD.encode(odd)] {
            let mut text = format!("<{form}>").into_bytes();
            assert_eq!(redactor.redact(&mut text), 1, "{form}");
            assert_eq!(text, format!("<{MARKER}>").as_bytes());
        }
    }

    #[test]
    fn a_secret_decoding_shorter_than_the_minimum_is_found_through_one_layer_of_escapes() {
        // The fuzz target's finding: the view reads `\u0025` + `0e` as `%0e`,
        // so the JSON-escaped secret looks like the secret decoded, which is
        // searched for only from MIN_SECRET_BYTES on. The one-layer view,
        // searched whenever the view nested, reads `\u0025` alone: the
        // secret as sent.
        let json_escaped = |s: &str| s.replace('%', "\\u0025");
        let short = "Fcn%%0ekkkkk"; // decodes to 10 bytes
        let redactor = Redactor::new([short.as_bytes()]);
        assert!(redactor.finds_in(short.as_bytes()));
        let mut text = format!("<{}>", json_escaped(short)).into_bytes();
        assert_eq!(redactor.redact(&mut text), 1);
        assert_eq!(text, format!("<{MARKER}>").as_bytes());
        let long = "Fcn%%0ekkkkkkk"; // decodes to 12 bytes
        let redactor = Redactor::new([long.as_bytes()]);
        let mut text = format!("<{}>", json_escaped(long)).into_bytes();
        assert_eq!(redactor.redact(&mut text), 1);
        assert_eq!(text, format!("<{MARKER}>").as_bytes());
    }

    #[test]
    fn utf8_text_stays_utf8() {
        let mut text = format!("été {TOKEN} ünïcode");
        assert_eq!(redactor().redact_str(&mut text), 1);
        assert_eq!(text, format!("été {MARKER} ünïcode"));
    }

    #[test]
    fn debug_shows_no_pattern() {
        let shown = format!("{:?}", redactor());
        assert!(
            !shown.contains("ATATT") && shown.contains("patterns"),
            "{shown}"
        );
    }

    #[test]
    fn view_positions_map_back_to_the_escapes() {
        let view = decode(b"a%41b\\u0043d");
        assert_eq!(view.bytes, b"aAbCd");
        assert_eq!((view.raw_start(1), view.raw_end(2)), (1, 4));
        assert_eq!((view.raw_start(2), view.raw_end(3)), (4, 5));
        assert_eq!((view.raw_start(3), view.raw_end(4)), (5, 11));
        assert_eq!((view.raw_start(4), view.raw_end(5)), (11, 12));
        assert_eq!((view.raw_start(0), view.raw_end(5)), (0, 12));
    }

    proptest::proptest! {
        /// The fuzz target's invariants (fuzz/fuzz_targets/redaction.rs)
        /// with a fixed generator: a secret woven into arbitrary text in an
        /// encoding, after a space, is found; nothing is found afterwards;
        /// the text never grows; a text with nothing found is unchanged.
        #[test]
        fn woven_secrets_are_always_found(
            secret in proptest::collection::vec(proptest::prelude::any::<u8>(), 12..40),
            before in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            after in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            encoding in 0u8..5,
        ) {
            let redactor = Redactor::new([secret.as_slice()]);
            let form: Vec<u8> = match encoding {
                0 => secret.clone(),
                1 => STANDARD.encode(&secret).into_bytes(),
                2 => URL_SAFE_NO_PAD.encode([&before[..], &secret[..]].concat()).into_bytes(),
                3 => secret.iter().flat_map(|b| format!("%{b:02x}").into_bytes()).collect(),
                _ => secret
                    .iter()
                    .flat_map(|&b| if b.is_ascii() { format!("\\u{b:04X}").into_bytes() } else { vec![b] })
                    .collect(),
            };
            let mut text = [&before[..], b" ", &form[..], &after[..]].concat();
            let original = text.clone();
            let count = redactor.redact(&mut text);
            proptest::prop_assert!(count >= 1);
            proptest::prop_assert!(!redactor.finds_in(&text));
            proptest::prop_assert!(text.len() <= original.len());
            let mut plain = before.clone();
            if !redactor.finds_in(&plain) {
                redactor.redact(&mut plain);
                proptest::prop_assert_eq!(&plain, &before);
            }
        }
    }

    proptest::proptest! {
        /// More credentials than one detector automaton holds (a client
        /// that renewed its access token several times): every one is found
        /// in every form, wherever it sits, and the detector agrees with the
        /// overlapping search on every text.
        #[test]
        fn secrets_beyond_one_detector_are_all_found(
            count in 16usize..24,
            pick in proptest::prelude::any::<proptest::sample::Index>(),
            form in 0usize..9,
            before in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            after in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let secrets: Vec<String> = (0..count)
                .map(|i| format!("ya29.renewed-{i:02}-{}", "Zx9Qw7Er5Ty3".repeat(4)))
                .collect();
            let redactor = Redactor::new(secrets.iter().map(|s| s.as_bytes()));
            let matcher = redactor.matcher.as_ref().expect("built");
            proptest::prop_assert!(matcher.any.len() > 1, "{} patterns", matcher.all.patterns_len());
            let secret = secrets[pick.index(count)].as_bytes();
            let forms = forms(secret);
            let mut text = [&before[..], b" ", &forms[form][..], b" ", &after[..]].concat();
            proptest::prop_assert!(matcher.finds(&text));
            proptest::prop_assert!(redactor.redact(&mut text) >= 1);
            proptest::prop_assert!(!redactor.finds_in(&text));
            for probe in [&before[..], &after[..], &text[..]] {
                proptest::prop_assert_eq!(
                    matcher.finds(probe),
                    matcher.all.find_overlapping_iter(probe).next().is_some()
                );
            }
        }
    }

    #[test]
    fn malformed_escapes_are_text() {
        for text in [
            "%",
            "%4",
            "%zz",
            "\\",
            "\\u00",
            "\\u12345",
            "&#",
            "&#;",
            "&#99999999;",
            "&#x110000;",
            "\\x8f",
        ] {
            let view = decode(text.as_bytes());
            assert_eq!(view.bytes, text.as_bytes(), "{text}");
        }
    }
}
