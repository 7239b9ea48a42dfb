//! A stream of text someone else controls (the output of an app's build),
//! passed on line by line with each line escaped.
//!
//! A build prints what the app makes it print: a build script's output, a
//! compiler quoting the app's source, the app's top-level JavaScript calling
//! `console.log` while the engine is snapshot. Passed on raw, that text could
//! drive the terminal of whoever runs the build exactly as a guest's log line
//! could (see the crate's documentation). A stream is not one string, so it
//! is cut at its line breaks: each line is escaped by [`escape_into`] (the one
//! rule) and its line break kept, so the output keeps its lines and holds no
//! other control.

use std::io::{self, Read, Write};

use crate::escape_into;

/// Bytes read at a time.
const CHUNK_BYTES: usize = 8 * 1024;

/// Longest stretch of a line held back waiting for its end: a longer line is
/// passed on in pieces of about this size (each escaped), so one endless line
/// costs no more memory than this.
const MAX_HELD_BYTES: usize = 64 * 1024;

/// Copies `input` to `output` until `input` ends, each line escaped; returns
/// the bytes read. Bytes that are not UTF-8 are shown as U+FFFD. `output` is
/// flushed after each piece, so a line appears when it is complete.
pub fn copy_lines_escaped(mut input: impl Read, mut output: impl Write) -> io::Result<u64> {
    let mut held: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let mut chunk = vec![0u8; CHUNK_BYTES];
    let mut total = 0u64;
    loop {
        let read = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += read as u64;
        let held_before = held.len();
        held.extend_from_slice(&chunk[..read]);
        // Only the new bytes can hold a line break not yet seen.
        let ready = match chunk[..read].iter().rposition(|&b| b == b'\n') {
            Some(newline) => held_before + newline + 1,
            None if held.len() >= MAX_HELD_BYTES => char_boundary_before_end(&held),
            None => 0,
        };
        if ready > 0 {
            write_escaped(&mut output, &held[..ready])?;
            held.drain(..ready);
        }
    }
    write_escaped(&mut output, &held)?;
    Ok(total)
}

/// Writes `bytes` (whole lines, or a piece of a long one) escaped line by line.
fn write_escaped(output: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(bytes);
    let mut escaped = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        // Writing to a String cannot fail.
        let _ = escape_into(&mut escaped, body);
        escaped.push_str(end);
    }
    output.write_all(escaped.as_bytes())?;
    output.flush()
}

/// Where `bytes` may be cut without splitting the UTF-8 sequence it ends
/// in: before that sequence when it is incomplete, else at the end.
fn char_boundary_before_end(bytes: &[u8]) -> usize {
    let len = bytes.len();
    // A sequence is at most 4 bytes: its lead byte is among the last 4.
    for back in 1..=len.min(4) {
        let at = len - back;
        let byte = bytes[at];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte
        }
        let needs = match byte {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1, // not a lead byte: shown as U+FFFD either way
        };
        return if back < needs { at } else { len };
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copied(input: &[u8]) -> String {
        let mut out = Vec::new();
        let read = copy_lines_escaped(input, &mut out).unwrap();
        assert_eq!(read, input.len() as u64);
        String::from_utf8(out).expect("escaped output is UTF-8")
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_their_controls() {
        let hostile =
            "Compiling app\n\u{1b}]0;owned\u{7}\u{1b}[2Jcleared\r\nerror: forged\u{202e}\n\nlast";
        assert_eq!(
            copied(hostile.as_bytes()),
            "Compiling app\n\\u{1b}]0;owned\\u{7}\\u{1b}[2Jcleared\\r\nerror: forged\\u{202e}\n\nlast"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        assert_eq!(copied(b"a\xff\xfeb\n"), "a\u{fffd}\u{fffd}b\n");
    }

    /// A reader that gives one byte per call, so every cut is tried.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            buf[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn a_long_line_is_passed_on_in_pieces_without_splitting_a_character() {
        // Longer than what is held back, made of 3-byte characters and an
        // escape, so pieces end inside characters unless cut with care.
        let line: String = "日本\u{1b}".repeat(MAX_HELD_BYTES / 4);
        let input = format!("{line}\nend\n");
        let mut out = Vec::new();
        copy_lines_escaped(Trickle(input.as_bytes()), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('\u{fffd}'), "a character was split");
        assert!(!out.contains('\u{1b}'));
        assert_eq!(out.replace("\\u{1b}", "\u{1b}"), input);
    }

    #[test]
    fn an_empty_stream_writes_nothing() {
        assert_eq!(copied(b""), "");
    }
}
