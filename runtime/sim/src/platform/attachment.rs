//! Issue attachments: uploading files to an issue
//! (`POST /rest/api/3/issue/{issueIdOrKey}/attachments`), reading an attachment's
//! metadata and content, deleting it, and the site's attachment settings
//! (`/rest/api/3/attachment/...`).
//!
//! Every byte uploaded stays in the simulator's memory until its attachment or
//! issue is deleted, and a client may be hostile: [`LIMITS`] bounds what one file,
//! one request and the whole site may hold, and the body is read part by part,
//! chunk by chunk, so an upload over a limit is refused as soon as it passes it,
//! not after it has been buffered whole.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::IssuePath;
use super::issue::{Change, editable_issue};
use super::issue_history::changelog;
use super::render;
use crate::access::Caller;
use crate::clock::jira_timestamp;
use crate::extract::{JiraMultipart, JiraQuery, XsrfOptOut};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::event::EntityChange;
use crate::world::{AttachmentRecord, World};

/// What a file without a declared type is stored as. Jira keeps the type the
/// upload's part declares; with none, the simulator does not guess one from the
/// file name (no guess would match Jira's own table in every case, and an app
/// that needs a type can declare it), and says only that the content is bytes.
const OCTET_STREAM: &str = "application/octet-stream";

/// The multipart part that carries a file: `addAttachment` takes files only
/// from parts of this name.
const FILE_PART: &str = "file";

/// How much the simulator accepts and keeps. Each limit is there for one threat:
/// a client filling the simulator's memory.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Largest single file, in bytes: what `GET /attachment/meta` reports as
    /// `uploadLimit`. Far below Jira Cloud's (up to 2 GB): every byte accepted is
    /// held in memory, and an app's tests need small files.
    upload: usize,
    /// Files one request may carry: Jira refuses more than 60 (`addAttachment`'s
    /// 413).
    files_per_request: usize,
    /// Largest upload request body, all parts and their headers included. axum
    /// stops reading the body past it (`DefaultBodyLimit` on the route), so a
    /// request cannot stream without end through parts the simulator ignores.
    request: usize,
    /// Bytes the whole site keeps for its attachments (contents, names and
    /// types): one acceptable upload after another must not fill the memory.
    stored_bytes: usize,
    /// Attachments the whole site keeps, whatever their size: each record costs
    /// memory beyond its bytes, so empty files must not pile up without end.
    stored_files: usize,
}

/// The simulator's limits.
const LIMITS: Limits = Limits {
    upload: 10 * 1024 * 1024,
    files_per_request: 60,
    request: 32 * 1024 * 1024,
    stored_bytes: 256 * 1024 * 1024,
    stored_files: 10_000,
};

/// Largest upload request body the route reads ([`Limits::request`]).
pub(crate) const MAX_REQUEST_BYTES: usize = LIMITS.request;

/// Why an upload is too large. Each is the 413 `addAttachment` documents ("the
/// attachments exceed the maximum attachment size", "more than 60 files", "the
/// per-issue limit for attachments has been breached").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TooLarge {
    File,
    TooManyFiles,
    Request,
    /// The site holds as much as [`Limits::stored_bytes`] or
    /// [`Limits::stored_files`] allows.
    Site,
}

impl TooLarge {
    /// The file and request wordings are those of the multipart reader Jira uses
    /// (Apache Commons FileUpload), which apps see in Jira's 413 bodies.
    fn error(self, limits: &Limits) -> JiraError {
        let message = match self {
            TooLarge::File => format!(
                "The field {FILE_PART} exceeds its maximum permitted size of {} bytes.",
                limits.upload
            ),
            TooLarge::TooManyFiles => format!(
                "No more than {} files may be attached in one request.",
                limits.files_per_request
            ),
            TooLarge::Request => format!(
                "The request was rejected because its size exceeds the configured maximum ({}).",
                limits.request
            ),
            TooLarge::Site => format!(
                "The simulator keeps at most {} attachments and {} bytes of them; \
                 delete some (or their issues) first.",
                limits.stored_files, limits.stored_bytes
            ),
        };
        JiraError::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }
}

/// What the site's attachments already hold.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    files: usize,
    bytes: usize,
}

impl Usage {
    fn of(world: &World) -> Self {
        world
            .all_attachments()
            .fold(Self::default(), |usage, a| Self {
                files: usage.files + 1,
                bytes: usage.bytes.saturating_add(a.kept_bytes()),
            })
    }

    /// Whether `files` more attachments of `bytes` in all still fit.
    fn admits(self, files: usize, bytes: usize, limits: &Limits) -> Result<(), TooLarge> {
        let fits = self.files.saturating_add(files) <= limits.stored_files
            && self.bytes.saturating_add(bytes) <= limits.stored_bytes;
        if fits { Ok(()) } else { Err(TooLarge::Site) }
    }
}

/// A file read from an upload, not yet stored.
#[derive(Debug)]
struct Upload {
    filename: String,
    mime_type: String,
    content: Bytes,
}

impl Upload {
    /// As [`AttachmentRecord::kept_bytes`] will count it.
    fn kept_bytes(&self) -> usize {
        self.content.len() + self.filename.len() + self.mime_type.len()
    }
}

/// Why an upload's body could not be used.
#[derive(Debug, PartialEq, Eq)]
enum UploadError {
    TooLarge(TooLarge),
    /// Not well-formed multipart, or cut off.
    Malformed,
    /// No part named `file` that carries a file.
    NoFile,
}

impl UploadError {
    fn from_multipart(error: &MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge(TooLarge::Request)
        } else {
            UploadError::Malformed
        }
    }

    /// `addAttachment` documents no 400; a body Jira cannot take a file from is
    /// still a bad request (a malformed body is a 400 on every Jira operation),
    /// and 400 tells the author what to fix where a 413 or 404 would mislead.
    fn into_jira(self, limits: &Limits) -> JiraError {
        match self {
            UploadError::TooLarge(too_large) => too_large.error(limits),
            UploadError::Malformed => {
                JiraError::bad_request("The multipart/form-data body could not be read.")
            }
            UploadError::NoFile => JiraError::bad_request(format!(
                "No file was attached: send each file as a multipart/form-data part named \
                 '{FILE_PART}', with a filename."
            )),
        }
    }
}

/// The MIME type stored for a part that declared `declared`.
fn mime_type(declared: Option<&str>) -> String {
    declared
        .map(str::trim)
        .filter(|declared| !declared.is_empty())
        .unwrap_or(OCTET_STREAM)
        .to_owned()
}

/// Reads every file of an upload: each part named `file` that has a filename (a
/// part without one is a form value, not a file, to Jira's multipart reader too)
/// becomes one, in order; other parts are skipped. `usage` is what the site held
/// when the upload began, so a request that cannot fit stops early.
async fn read_files(
    multipart: &mut Multipart,
    usage: Usage,
    limits: &Limits,
) -> Result<Vec<Upload>, UploadError> {
    let mut uploads: Vec<Upload> = Vec::new();
    let mut kept = 0usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| UploadError::from_multipart(&e))?
    {
        if field.name() != Some(FILE_PART) {
            continue;
        }
        let Some(filename) = field.file_name().map(str::to_owned) else {
            continue;
        };
        if uploads.len() == limits.files_per_request {
            return Err(UploadError::TooLarge(TooLarge::TooManyFiles));
        }
        let mime_type = mime_type(field.content_type());
        let mut content: Vec<u8> = Vec::new();
        let head = filename.len() + mime_type.len();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| UploadError::from_multipart(&e))?
        {
            if content.len().saturating_add(chunk.len()) > limits.upload {
                return Err(UploadError::TooLarge(TooLarge::File));
            }
            content.extend_from_slice(&chunk);
            usage
                .admits(uploads.len() + 1, kept + head + content.len(), limits)
                .map_err(UploadError::TooLarge)?;
        }
        let upload = Upload {
            filename,
            mime_type,
            // A boxed slice: no spare capacity held beyond what is counted.
            content: Bytes::from(content.into_boxed_slice()),
        };
        kept += upload.kept_bytes();
        usage
            .admits(uploads.len() + 1, kept, limits)
            .map_err(UploadError::TooLarge)?;
        uploads.push(upload);
    }
    if uploads.is_empty() {
        return Err(UploadError::NoFile);
    }
    Ok(uploads)
}

/// `addAttachment`: 200 with the new attachments. The XSRF header and the body's
/// media type are checked first (their extractors), as Jira's filters refuse such
/// requests before the operation runs.
pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    _opted_out: XsrfOptOut,
    JiraMultipart(mut multipart): JiraMultipart,
) -> Result<Json<Value>, JiraError> {
    // Before the body is read: a caller who may not attach here cannot make the
    // simulator read (or hold) a byte of it.
    let usage = {
        let world = shared.world();
        editable_issue(&world, &caller, &path.issue_id_or_key, Change::Attachment)?;
        Usage::of(&world)
    };
    let uploads = read_files(&mut multipart, usage, &LIMITS)
        .await
        .map_err(|e| e.into_jira(&LIMITS))?;
    let mut world = shared.world();
    // Again: while the body streamed, the issue or the caller's right to it may
    // have gone, and other uploads may have filled the site.
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Attachment)?;
    let bytes = uploads.iter().map(Upload::kept_bytes).sum();
    Usage::of(&world)
        .admits(uploads.len(), bytes, &LIMITS)
        .map_err(|e| e.error(&LIMITS))?;
    let now = world.now();
    let mut added = Vec::with_capacity(uploads.len());
    let mut raised = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let record = AttachmentRecord {
            id: world.take_attachment_id(),
            filename: upload.filename,
            author: caller.account_id.clone(),
            created: now,
            mime_type: upload.mime_type,
            content: upload.content,
        };
        added.push(render::attachment(&caller.links, &world, &record));
        // One `attachment_created` per file, as Jira sends one per attachment,
        // and one history entry per file likewise (no `jira:issue_updated`:
        // `changelog::record_unannounced` says why).
        raised.extend(shared.event_context(&world, &caller).attachment(
            EntityChange::Created,
            &world.issues[index],
            &record,
        ));
        let item = changelog::attachment_item(EntityChange::Created, &record);
        world.issues[index].attachments.push(record);
        changelog::record_unannounced(&mut world, index, &caller.account_id, vec![item]);
    }
    world.issues[index].updated = now;
    shared.emit(&world, raised);
    Ok(Json(Value::Array(added)))
}

/// Path of an attachment route; named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct AttachmentPath {
    id: String,
}

/// The attachment's issue index and position, if the caller may see it. The spec
/// answers 404 for an attachment that does not exist and 403 for one on an issue
/// the caller may not browse (unlike an issue route, which hides such an issue
/// behind a 404).
fn find(world: &World, caller: &Caller, id: &str) -> Result<(usize, usize), JiraError> {
    let (index, position) = world.attachment(id).ok_or_else(|| {
        JiraError::not_found(format!("The attachment with id '{id}' does not exist."))
    })?;
    if !world.may(
        &caller.account_id,
        &world.issues[index].project_key,
        SeedPermission::Browse,
    ) {
        return Err(JiraError::forbidden(format!(
            "You do not have permission to view attachment with id: {id}."
        )));
    }
    Ok((index, position))
}

/// `getAttachment`: an `AttachmentMetadata`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AttachmentPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let (index, position) = find(&world, &caller, &path.id)?;
    let attachment = &world.issues[index].attachments[position];
    Ok(Json(metadata(&caller.links, &world, attachment)))
}

/// `removeAttachment`: 204. Jira's *Delete own attachments* lets the author
/// delete theirs; *Delete all attachments*, which the simulator folds into Edit
/// as it does the other per-action permissions, lets anyone delete any. The
/// spec's refusal is a 403.
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AttachmentPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let (index, position) = find(&world, &caller, &path.id)?;
    let issue = &world.issues[index];
    let own = issue.attachments[position].author == caller.account_id;
    if !own && !world.may(&caller.account_id, &issue.project_key, SeedPermission::Edit) {
        return Err(JiraError::forbidden(format!(
            "You do not have permission to delete attachment with id: {}.",
            path.id
        )));
    }
    let now = world.now();
    let issue = &mut world.issues[index];
    let removed = issue.attachments.remove(position);
    issue.updated = now;
    let raised = shared.event_context(&world, &caller).attachment(
        EntityChange::Deleted,
        &world.issues[index],
        &removed,
    );
    // Logged in the issue's history, without `jira:issue_updated`
    // (`changelog::record_unannounced` says why).
    let item = changelog::attachment_item(EntityChange::Deleted, &removed);
    changelog::record_unannounced(&mut world, index, &caller.account_id, vec![item]);
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct ContentQuery {
    /// `false` answers with the bytes; otherwise (Jira's default) a redirect.
    redirect: Option<bool>,
}

/// `getAttachmentContent`. With `redirect=false`, 200 and the bytes with the type
/// they were uploaded with. Otherwise, as Jira Cloud, 303 to where the bytes are:
/// Jira's media service there, here this same operation with `redirect=false`
/// (Kiln's host never follows redirects, so apps should ask for
/// `redirect=false`). No `Range` support (the spec's 206 and 416).
pub(crate) async fn content(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AttachmentPath>,
    JiraQuery(query): JiraQuery<ContentQuery>,
) -> Result<Response, JiraError> {
    let world = shared.world();
    let (index, position) = find(&world, &caller, &path.id)?;
    let attachment = &world.issues[index].attachments[position];
    if query.redirect.unwrap_or(true) {
        let location = format!(
            "{}/rest/api/3/attachment/content/{}?redirect=false",
            caller.links, attachment.id
        );
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
    }
    // Stored types came from a parsed multipart header, so they are valid header
    // values; the fallback is for safety, not an expected path.
    let content_type = HeaderValue::from_str(&attachment.mime_type)
        .unwrap_or_else(|_| HeaderValue::from_static(OCTET_STREAM));
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        attachment.content.clone(),
    )
        .into_response())
}

/// `getAttachmentMeta`: an `AttachmentSettings`.
pub(crate) async fn settings(_caller: Caller) -> Json<Value> {
    Json(json!({ "enabled": true, "uploadLimit": LIMITS.upload }))
}

/// An `AttachmentMetadata`: unlike `Attachment`, its `id` is a number and its
/// `author` a full `User`.
pub(crate) fn metadata(links: &str, world: &World, attachment: &AttachmentRecord) -> Value {
    let mut value = Map::new();
    value.insert(
        String::from("self"),
        json!(format!("{links}/rest/api/3/attachment/{}", attachment.id)),
    );
    value.insert(String::from("id"), json!(attachment.id));
    value.insert(String::from("filename"), json!(attachment.filename));
    if let Some(author) = world.user(&attachment.author) {
        value.insert(String::from("author"), render::user(links, author));
    }
    value.insert(
        String::from("created"),
        json!(jira_timestamp(attachment.created)),
    );
    value.insert(String::from("size"), json!(attachment.content.len()));
    value.insert(String::from("mimeType"), json!(attachment.mime_type));
    value.insert(
        String::from("content"),
        json!(format!(
            "{links}/rest/api/3/attachment/content/{}",
            attachment.id
        )),
    );
    Value::Object(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::body::Body;
    use axum::extract::{FromRequest, Request};

    /// Small limits, so the tests can pass them with a few bytes.
    const SMALL: Limits = Limits {
        upload: 8,
        files_per_request: 2,
        request: 4096,
        stored_bytes: 64,
        stored_files: 3,
    };

    const BOUNDARY: &str = "kiln-boundary";

    /// A part: `(name, filename, content type, bytes)`.
    type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

    /// A multipart body of `parts`.
    fn body(parts: &[Part<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, content_type, bytes) in parts {
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
            if let Some(filename) = filename {
                disposition.push_str(&format!("; filename=\"{filename}\""));
            }
            out.extend_from_slice(disposition.as_bytes());
            out.extend_from_slice(b"\r\n");
            if let Some(content_type) = content_type {
                out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }

    async fn read(raw: Vec<u8>, usage: Usage) -> Result<Vec<Upload>, UploadError> {
        let request = Request::builder()
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(raw))
            .expect("request builds");
        let mut multipart = Multipart::from_request(request, &())
            .await
            .expect("a multipart request");
        read_files(&mut multipart, usage, &SMALL).await
    }

    #[tokio::test]
    async fn every_file_part_is_one_upload_and_other_parts_are_skipped() {
        let raw = body(&[
            ("comment", None, None, b"not a file"),
            ("file", Some("a.bin"), Some("image/png"), b"\x00\xff\x00"),
            ("file", None, None, b"a form value named file"),
            ("file", Some("b.txt"), None, b""),
        ]);
        let uploads = read(raw, Usage::default()).await.expect("read");
        assert_eq!(uploads.len(), 2);
        assert_eq!(uploads[0].filename, "a.bin");
        assert_eq!(uploads[0].mime_type, "image/png");
        assert_eq!(uploads[0].content.as_ref(), b"\x00\xff\x00");
        assert_eq!(uploads[1].filename, "b.txt");
        assert_eq!(uploads[1].mime_type, OCTET_STREAM);
        assert!(uploads[1].content.is_empty());
    }

    #[tokio::test]
    async fn uploads_over_a_limit_are_refused() {
        let big = body(&[("file", Some("a"), None, b"123456789")]);
        assert_eq!(
            read(big, Usage::default()).await.err(),
            Some(UploadError::TooLarge(TooLarge::File))
        );
        let three = body(&[
            ("file", Some("a"), None, b"1"),
            ("file", Some("b"), None, b"2"),
            ("file", Some("c"), None, b"3"),
        ]);
        assert_eq!(
            read(three, Usage::default()).await.err(),
            Some(UploadError::TooLarge(TooLarge::TooManyFiles))
        );
        let nearly_full = Usage {
            files: 0,
            bytes: 60,
        };
        let one = body(&[("file", Some("a"), None, b"12345")]);
        assert_eq!(
            read(one, nearly_full).await.err(),
            Some(UploadError::TooLarge(TooLarge::Site))
        );
        let full = Usage { files: 3, bytes: 0 };
        let empty = body(&[("file", Some("a"), None, b"")]);
        assert_eq!(
            read(empty, full).await.err(),
            Some(UploadError::TooLarge(TooLarge::Site))
        );
    }

    #[tokio::test]
    async fn a_body_without_a_file_or_cut_off_is_refused() {
        let none = body(&[("comment", None, None, b"text")]);
        assert_eq!(
            read(none, Usage::default()).await.err(),
            Some(UploadError::NoFile)
        );
        let mut cut = body(&[("file", Some("a"), None, b"1234")]);
        cut.truncate(cut.len() - 12);
        assert_eq!(
            read(cut, Usage::default()).await.err(),
            Some(UploadError::Malformed)
        );
        assert_eq!(
            read(b"garbage".to_vec(), Usage::default()).await.err(),
            Some(UploadError::Malformed)
        );
    }

    #[test]
    fn usage_admits_what_fits_in_both_limits() {
        let usage = Usage {
            files: 2,
            bytes: 60,
        };
        assert_eq!(usage.admits(1, 4, &SMALL), Ok(()));
        assert_eq!(usage.admits(2, 0, &SMALL), Err(TooLarge::Site));
        assert_eq!(usage.admits(1, 5, &SMALL), Err(TooLarge::Site));
        assert_eq!(usage.admits(1, usize::MAX, &SMALL), Err(TooLarge::Site));
    }

    #[test]
    fn attachments_weigh_on_the_site_until_their_issue_goes() {
        let mut world = World::from_seed(&crate::seed::Seed::default()).expect("seed loads");
        let created = world.now();
        world.issues[0].attachments.push(AttachmentRecord {
            id: 10_000,
            filename: String::from("a.txt"),
            author: String::from("someone"),
            created,
            mime_type: String::from(OCTET_STREAM),
            content: Bytes::from_static(b"abc"),
        });
        let usage = Usage::of(&world);
        assert_eq!((usage.files, usage.bytes), (1, 3 + 5 + OCTET_STREAM.len()));
        world.issues.remove(0);
        let usage = Usage::of(&world);
        assert_eq!((usage.files, usage.bytes), (0, 0));
    }

    #[test]
    fn undeclared_types_are_bytes() {
        assert_eq!(mime_type(None), OCTET_STREAM);
        assert_eq!(mime_type(Some(" ")), OCTET_STREAM);
        assert_eq!(mime_type(Some("text/plain")), "text/plain");
    }
}
