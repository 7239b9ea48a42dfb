//! Issue attachments: uploads (`multipart/form-data`), metadata, content, the
//! issue's `attachment` field, deletion, and each refusal Jira gives.

use crate::common;

use common::{
    ADMIN, FormPart, MULTIPART_CONTENT_TYPE, OUTSIDER, USER, account_id, caller, client, multipart,
    send, start,
};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Bytes no text encoding would carry unchanged: NUL, 0xFF, a lone CR, and a line
/// that looks like a multipart delimiter (but is not this body's).
const BINARY: &[u8] = b"\x00\xff\xfe\x00binary\r--kiln-test-boundary\r\n\x7f\x80";

/// The bytes of an attachment, asked for without a redirect.
async fn content(who: &common::Caller<'_>, api: &str, id: &str) -> (StatusCode, Vec<u8>, String) {
    let response = who
        .request(
            Method::GET,
            &format!("{api}/attachment/content/{id}?redirect=false"),
        )
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, bytes, content_type)
}

/// The ids of the issue's `attachment` field.
fn attachment_ids(issue: &Value) -> Vec<String> {
    issue["fields"]["attachment"]
        .as_array()
        .unwrap_or_else(|| panic!("no attachment field in {issue}"))
        .iter()
        .map(|a| a["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn uploads_are_read_back_listed_and_deleted() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));

    let uploaded = send(bob.upload(
        "/rest/api/3",
        "KILN-1",
        &[
            FormPart::file("notes.txt", Some("text/plain"), b"hello, attachments"),
            FormPart::file("blob.bin", None, BINARY),
        ],
    ))
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let files = uploaded.body.as_array().expect("an array of attachments");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["filename"], "notes.txt");
    assert_eq!(files[0]["mimeType"], "text/plain");
    assert_eq!(files[0]["size"], 18);
    assert_eq!(files[1]["filename"], "blob.bin");
    assert_eq!(files[1]["mimeType"], "application/octet-stream");
    assert_eq!(files[1]["size"], BINARY.len());
    assert_eq!(files[0]["author"]["accountId"], account_id(&sim, USER));
    let (notes, blob) = (uploaded.str_at("/0/id"), uploaded.str_at("/1/id"));
    let base = sim.base_url();
    assert_eq!(
        files[1]["content"],
        format!("{base}/rest/api/3/attachment/content/{blob}")
    );
    assert_eq!(
        files[1]["self"],
        format!("{base}/rest/api/3/attachment/{blob}")
    );

    // Anyone who may browse the issue reads it, even without the right to attach.
    let meta = carol.get(&format!("/rest/api/3/attachment/{blob}")).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    assert_eq!(meta.body["id"], blob.parse::<u64>().expect("numeric id"));
    assert_eq!(meta.body["filename"], "blob.bin");
    assert_eq!(meta.body["size"], BINARY.len());
    assert_eq!(meta.body["author"]["accountId"], account_id(&sim, USER));

    let (status, bytes, content_type) = content(&carol, "/rest/api/3", &blob).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, BINARY);
    assert_eq!(content_type, "application/octet-stream");
    let (_, text, text_type) = content(&carol, "/rest/api/3", &notes).await;
    assert_eq!(text, b"hello, attachments");
    assert_eq!(text_type, "text/plain");

    // Without `redirect=false`, Jira's 303 to where the bytes are; there, they are.
    let redirected = carol
        .get(&format!("/rest/api/3/attachment/content/{blob}"))
        .await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER);
    let location = redirected.headers[LOCATION].to_str().expect("a location");
    assert_eq!(
        location,
        format!("{base}/rest/api/3/attachment/content/{blob}?redirect=false")
    );
    let user = common::user(&sim, OUTSIDER);
    let followed = client()
        .get(location)
        .basic_auth(&user.email, Some(&user.api_token))
        .send()
        .await
        .expect("sent");
    assert_eq!(followed.status(), StatusCode::OK);
    assert_eq!(followed.bytes().await.expect("body").as_ref(), BINARY);

    // The issue's `attachment` field, by default and when named, not otherwise.
    let issue = carol.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(attachment_ids(&issue.body), [notes.clone(), blob.clone()]);
    assert_eq!(issue.body["fields"]["attachment"][0], files[0]);
    let named = carol
        .get("/rest/api/3/issue/KILN-1?fields=summary,attachment")
        .await;
    assert_eq!(attachment_ids(&named.body).len(), 2);
    for fields in ["summary", "*navigable", "*all,-attachment"] {
        let without = carol
            .get_with("/rest/api/3/issue/KILN-1", &[("fields", fields)])
            .await;
        assert!(
            without.body["fields"].get("attachment").is_none(),
            "{fields}: {}",
            without.body
        );
    }
    let searched = carol
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "key = KILN-1", "fields": ["attachment"] }),
        )
        .await;
    assert_eq!(attachment_ids(&searched.body["issues"][0]).len(), 2);

    // Carol neither added it nor may edit KILN: the spec's 403.
    let refused = carol
        .delete(&format!("/rest/api/3/attachment/{blob}"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let deleted = bob.delete(&format!("/rest/api/3/attachment/{blob}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    for path in [
        format!("/rest/api/3/attachment/{blob}"),
        format!("/rest/api/3/attachment/content/{blob}?redirect=false"),
    ] {
        let gone = carol.get(&path).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{path}");
        assert!(gone.body["errorMessages"][0].is_string(), "{}", gone.text);
    }
    assert_eq!(
        bob.delete(&format!("/rest/api/3/attachment/{blob}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let issue = carol.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(attachment_ids(&issue.body), [notes]);

    let settings = carol.get("/rest/api/3/attachment/meta").await;
    assert_eq!(settings.body["enabled"], true);
    assert!(settings.body["uploadLimit"].as_u64().is_some_and(|n| n > 0));
    sim.shutdown().await;
}

#[tokio::test]
async fn uploads_jira_would_refuse_are_refused_and_keep_nothing() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let file = [FormPart::file("a.txt", Some("text/plain"), b"a")];

    // Jira's XSRF filter: 403 and its plain text, before anything else is read.
    let no_token = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header(CONTENT_TYPE, MULTIPART_CONTENT_TYPE)
            .body(multipart(&file)),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(no_token.text, "XSRF check failed");
    let wrong_token = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header("X-Atlassian-Token", "please")
            .header(CONTENT_TYPE, MULTIPART_CONTENT_TYPE)
            .body(multipart(&file)),
    )
    .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);

    // Carol may browse KILN but not attach to it: 403; SEC she may not see: 404,
    // as for an issue that does not exist.
    let cases = [
        (&carol, "KILN-1", StatusCode::FORBIDDEN),
        (&carol, "SEC-1", StatusCode::NOT_FOUND),
        (&bob, "KILN-999", StatusCode::NOT_FOUND),
    ];
    for (who, issue, status) in cases {
        let refused = send(who.upload("/rest/api/3", issue, &file)).await;
        assert_eq!(refused.status, status, "{issue}: {}", refused.text);
        assert!(refused.body["errorMessages"][0].is_string(), "{issue}");
    }

    // Not multipart: 415. Multipart without a file, or broken: 400.
    let json_body = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header("X-Atlassian-Token", "no-check")
            .json(&json!({ "file": "a.txt" })),
    )
    .await;
    assert_eq!(json_body.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_file = send(bob.upload(
        "/rest/api/3",
        "KILN-1",
        &[FormPart {
            name: "attachment",
            filename: Some("a.txt"),
            content_type: None,
            bytes: b"a",
        }],
    ))
    .await;
    assert_eq!(no_file.status, StatusCode::BAD_REQUEST, "{}", no_file.text);
    let mut cut = multipart(&file);
    cut.truncate(cut.len() - 10);
    let malformed = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header("X-Atlassian-Token", "no-check")
            .header(CONTENT_TYPE, MULTIPART_CONTENT_TYPE)
            .body(cut),
    )
    .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.text
    );
    let no_boundary = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header("X-Atlassian-Token", "no-check")
            .header(CONTENT_TYPE, "multipart/form-data")
            .body(multipart(&file)),
    )
    .await;
    assert_eq!(no_boundary.status, StatusCode::BAD_REQUEST);

    // One byte over the upload limit the site reports: 413.
    let limit = bob.get("/rest/api/3/attachment/meta").await.body["uploadLimit"]
        .as_u64()
        .expect("an upload limit");
    let big = vec![b'x'; usize::try_from(limit).expect("fits") + 1];
    let over = send(bob.upload(
        "/rest/api/3",
        "KILN-1",
        &[FormPart::file("big.bin", None, &big)],
    ))
    .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    assert!(over.body["errorMessages"][0].is_string(), "{}", over.text);
    // 61 files in one request: 413, as Jira.
    let many: Vec<FormPart<'_>> = (0..61).map(|_| FormPart::file("f", None, b"")).collect();
    let too_many = send(bob.upload("/rest/api/3", "KILN-1", &many)).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Nothing refused was kept.
    let issue = bob.get("/rest/api/3/issue/KILN-1?fields=attachment").await;
    assert_eq!(issue.body["fields"]["attachment"], json!([]));

    // An attachment on an issue Carol may not browse: the spec's 403 (it names
    // 404 only for an attachment that does not exist).
    let secret = send(alice.upload("/rest/api/3", "SEC-1", &file)).await;
    let secret = secret.str_at("/0/id");
    for path in [
        format!("/rest/api/3/attachment/{secret}"),
        format!("/rest/api/3/attachment/content/{secret}?redirect=false"),
    ] {
        assert_eq!(
            carol.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        carol
            .delete(&format!("/rest/api/3/attachment/{secret}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for id in ["99999", "not-a-number"] {
        let missing = carol.get(&format!("/rest/api/3/attachment/{id}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{id}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_an_issue_deletes_its_attachments() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let uploaded = send(bob.upload(
        "/rest/api/3",
        "KILN-2",
        &[FormPart::file("a.txt", None, b"a")],
    ))
    .await;
    let id = uploaded.str_at("/0/id");
    assert_eq!(
        bob.delete("/rest/api/3/issue/KILN-2").await.status,
        StatusCode::NO_CONTENT
    );
    let gone = bob.get(&format!("/rest/api/3/attachment/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

/// REST API v2 takes the same multipart body, and hands a file back byte for byte
/// even when it is JSON holding what v2 would otherwise rewrite (a document).
#[tokio::test]
async fn rest_api_v2_uploads_and_serves_files_untouched() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let document = br#"{ "description": {"type": "doc", "version": 1, "content": []},
  "self": "http://example.com/rest/api/3/x" }"#;
    let uploaded = send(bob.upload(
        "/rest/api/2",
        "KILN-1",
        &[FormPart::file(
            "data.json",
            Some("application/json"),
            document,
        )],
    ))
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    assert!(
        uploaded
            .str_at("/0/self")
            .contains("/rest/api/2/attachment/"),
        "{}",
        uploaded.text
    );
    let id = uploaded.str_at("/0/id");
    let (status, bytes, content_type) = content(&bob, "/rest/api/2", &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, document);
    assert_eq!(content_type, "application/json");
    sim.shutdown().await;
}

/// A boundary with `/` sent unquoted, as the engine Kiln builds JavaScript apps
/// with writes it: Jira's multipart reader takes it, and so does the simulator.
#[tokio::test]
async fn an_unquoted_boundary_with_a_slash_is_read_as_jira_reads_it() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let boundary = "--StarlingMonkeyFormBoundaryHCXiyX//1ggbPVEE";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nslash\r\n--{boundary}--"
    );
    let uploaded = send(
        bob.request(Method::POST, "/rest/api/3/issue/KILN-1/attachments")
            .header("X-Atlassian-Token", "no-check")
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    assert_eq!(uploaded.str_at("/0/filename"), "a.txt");
    assert_eq!(uploaded.body[0]["size"], 5);
    sim.shutdown().await;
}

/// Behind the gateway an app uploads with its bearer token, as `asApp()` does.
#[tokio::test]
async fn an_app_uploads_through_the_gateway() {
    let sim = start().await;
    let access = common::oauth::app_access_token(&sim).await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let uploaded = send(
        client()
            .post(format!("{gateway}/issue/KILN-1/attachments"))
            .bearer_auth(&access)
            .header("X-Atlassian-Token", "no-check")
            .header(CONTENT_TYPE, MULTIPART_CONTENT_TYPE)
            .body(multipart(&[FormPart::file("a.bin", None, BINARY)])),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let content_url = uploaded.str_at("/0/content");
    assert!(content_url.starts_with(&gateway), "{content_url}");
    let read = client()
        .get(format!("{content_url}?redirect=false"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("sent");
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.bytes().await.expect("body").as_ref(), BINARY);
    sim.shutdown().await;
}
