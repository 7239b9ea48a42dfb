//! `multipart/form-data` bodies (RFC 7578): how Jira takes files.
//!
//! Jira's "Add attachment" (`POST /rest/api/3/issue/{issueIdOrKey}/attachments`)
//! reads each part named `file` as one attachment. Build the form with
//! [`Form`] and send it with [`RequestBuilder::multipart`](crate::RequestBuilder::multipart)
//! (or `FetchBuilder::multipart` for other hosts):
//!
//! ```no_run
//! use kiln_sdk::prelude::*;
//! use kiln_sdk::multipart::Form;
//!
//! # fn upload(csv: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! let form = Form::new().attachment("report.csv", "text/csv", csv);
//! let created = as_app()
//!     .post(route!("/rest/api/3/issue/{}/attachments", "KILN-1")?)
//!     .multipart(&form)
//!     .send()?;
//! # Ok(()) }
//! ```
//!
//! Jira's XSRF header (`X-Atlassian-Token: no-check`) is the host's: it sets it
//! on every state-changing request, so an app never does.
//!
//! The boundary is chosen so that no part contains it: the first of
//! `kiln-form-boundary-0`, `-1`, … found in none of the parts' bytes. It is a
//! token, so it needs no quotes in the `Content-Type`, and the same form always
//! encodes to the same bytes (no randomness is needed, and tests can compare).
//! A `"`, CR or LF in a field or file name is percent-encoded (`%22`, `%0D`,
//! `%0A`), as browsers' `FormData` encodes them, so a name cannot end its
//! part's headers early.

/// The part Jira reads attachments from.
pub const ATTACHMENT_FIELD: &str = "file";

/// What a file part is sent as when its type is not known.
const OCTET_STREAM: &str = "application/octet-stream";

/// A `multipart/form-data` body being built: fields and files, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a form does nothing until it is sent"]
pub struct Form {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: None,
            bytes: value.into().into_bytes(),
        });
        self
    }

    /// Adds a file in the field `name`. An empty `content_type` sends
    /// `application/octet-stream`.
    pub fn file(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        let content_type = content_type.into();
        self.parts.push(Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: Some(if content_type.trim().is_empty() {
                OCTET_STREAM.to_owned()
            } else {
                content_type
            }),
            bytes: bytes.into(),
        });
        self
    }

    /// Adds a file for Jira to attach: [`file`](Self::file) in the part Jira
    /// reads attachments from ([`ATTACHMENT_FIELD`]).
    pub fn attachment(
        self,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        self.file(ATTACHMENT_FIELD, filename, content_type, bytes)
    }

    /// The `Content-Type` to send and the body's bytes.
    pub fn encode(&self) -> (String, Vec<u8>) {
        let boundary = self.boundary();
        let mut body = Vec::with_capacity(
            self.parts
                .iter()
                .map(|p| p.bytes.len() + 128 + p.name.len())
                .sum::<usize>()
                + boundary.len()
                + 8,
        );
        for part in &self.parts {
            body.extend_from_slice(b"--");
            body.extend_from_slice(boundary.as_bytes());
            body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            body.extend_from_slice(escape(&part.name).as_bytes());
            body.push(b'"');
            if let Some(filename) = &part.filename {
                body.extend_from_slice(b"; filename=\"");
                body.extend_from_slice(escape(filename).as_bytes());
                body.push(b'"');
            }
            body.extend_from_slice(b"\r\n");
            if let Some(content_type) = &part.content_type {
                body.extend_from_slice(b"Content-Type: ");
                body.extend_from_slice(escape(content_type).as_bytes());
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"--\r\n");
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    /// The first `kiln-form-boundary-N` no part contains (names, types and
    /// bytes), so no delimiter line can appear inside a part.
    fn boundary(&self) -> String {
        (0u64..)
            .map(|n| format!("kiln-form-boundary-{n}"))
            .find(|candidate| {
                let needle = candidate.as_bytes();
                self.parts.iter().all(|part| {
                    !contains(&part.bytes, needle)
                        && !contains(part.name.as_bytes(), needle)
                        && !part
                            .filename
                            .as_deref()
                            .is_some_and(|f| contains(f.as_bytes(), needle))
                        && !part
                            .content_type
                            .as_deref()
                            .is_some_and(|t| contains(t.as_bytes(), needle))
                })
            })
            .unwrap_or_default()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A name or type made safe inside a quoted header value.
fn escape(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_encodes_as_rfc_7578_says() {
        let form = Form::new()
            .text("comment", "two words")
            .attachment("notes.txt", "text/plain", b"line one\n".to_vec())
            .file("file", "raw.bin", "", vec![0u8, 255, 13, 10]);
        let (content_type, body) = form.encode();
        assert_eq!(
            content_type,
            "multipart/form-data; boundary=kiln-form-boundary-0"
        );
        let mut expected = Vec::new();
        expected.extend_from_slice(
            b"--kiln-form-boundary-0\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\ntwo words\r\n\
              --kiln-form-boundary-0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\n\r\n\
              --kiln-form-boundary-0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"raw.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        );
        expected.extend_from_slice(&[0, 255, 13, 10]);
        expected.extend_from_slice(b"\r\n--kiln-form-boundary-0--\r\n");
        assert_eq!(body, expected);
        // The same form, the same bytes.
        assert_eq!(form.encode().1, body);
    }

    #[test]
    fn the_boundary_is_in_no_part() {
        let form = Form::new()
            .attachment(
                "a.txt",
                "text/plain",
                b"--kiln-form-boundary-0 and kiln-form-boundary-1".to_vec(),
            )
            .text("kiln-form-boundary-2", "x");
        let (content_type, body) = form.encode();
        assert!(
            content_type.ends_with("boundary=kiln-form-boundary-3"),
            "{content_type}"
        );
        let delimiters = body
            .windows(b"--kiln-form-boundary-3".len())
            .filter(|w| *w == b"--kiln-form-boundary-3")
            .count();
        assert_eq!(delimiters, 3, "two parts and the closing line");
    }

    #[test]
    fn a_name_cannot_add_a_header_to_its_part() {
        let (_, body) = Form::new()
            .file(
                "x\"\r\nContent-Type: evil",
                "f\"\r\n.txt",
                "text/plain\r\nX: y",
                b"v".to_vec(),
            )
            .encode();
        let text = String::from_utf8(body).expect("text");
        assert!(text.contains(
            "Content-Disposition: form-data; name=\"x%22%0D%0AContent-Type: evil\"; filename=\"f%22%0D%0A.txt\"\r\nContent-Type: text/plain%0D%0AX: y\r\n\r\nv\r\n"
        ), "{text}");
    }

    #[test]
    fn an_empty_form_is_its_closing_line() {
        let (_, body) = Form::new().encode();
        assert_eq!(body, b"--kiln-form-boundary-0--\r\n");
    }
}
