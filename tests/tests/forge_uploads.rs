//! Attachments uploaded by a Forge app (`tests/js/uploads`): the `form-data`
//! package with Jira's XSRF header, as Atlassian's Node.js example for "Add
//! attachment" writes it, and the standard `FormData` with a `Blob`. Both
//! reach the simulator as multipart bodies, and reading them back through
//! Jira's API gives the bytes sent, binary ones included.

use serde_json::{Value, json};

use crate::support::{forge_example, ok_json};

fn bytes(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .expect("an array of bytes")
        .iter()
        .map(|b| b.as_u64().expect("a byte"))
        .collect()
}

#[tokio::test]
async fn a_forge_app_uploads_attachments_and_reads_them_back() {
    // `asApp()` acts as the simulator's service account, `asUser()` as the admin.
    let Some((h, app)) = forge_example::load_test_app_with_app_client("uploads").await else {
        return;
    };
    let invoked = h
        .invoke(&app, "upload", json!({ "issueKey": "KILN-1" }))
        .await;
    h.assert_no_canary(&invoked);
    let report = ok_json(&invoked);

    // The form-data package: two files in one request, as the app's app user.
    assert_eq!(report["packaged"]["status"], 200, "{report:#}");
    let packaged = report["packaged"]["body"].as_array().expect("Jira's list");
    let names: Vec<&str> = packaged
        .iter()
        .map(|a| a["filename"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["bytes.bin", "notes.txt"]);
    assert_eq!(packaged[0]["size"], 5);
    assert_eq!(packaged[1]["size"], 18);
    // The standard FormData, as the user.
    assert_eq!(report["web"]["status"], 200, "{report:#}");
    assert_eq!(report["web"]["body"][0]["filename"], "report.json");
    assert_eq!(
        report["web"]["body"][0]["author"]["emailAddress"],
        "admin@example.com"
    );

    // Read back through the issue and each attachment's content.
    let contents = &report["contents"];
    assert_eq!(contents["bytes.bin"]["status"], 200);
    assert_eq!(bytes(&contents["bytes.bin"]["bytes"]), [0, 255, 75, 13, 10]);
    assert_eq!(
        contents["bytes.bin"]["mimeType"],
        "application/octet-stream"
    );
    assert_eq!(
        bytes(&contents["notes.txt"]["bytes"]),
        b"line one\nline two\n".map(u64::from)
    );
    assert_eq!(contents["notes.txt"]["mimeType"], "text/plain");
    assert_eq!(
        bytes(&contents["report.json"]["bytes"]),
        b"{\"ok\":true}".map(u64::from)
    );
    assert_eq!(contents["report.json"]["mimeType"], "application/json");
    // Each content read again from clones, as a Blob and as the body's stream.
    for name in ["bytes.bin", "notes.txt", "report.json"] {
        let content = &contents[name];
        assert_eq!(content["blob"]["size"], content["size"], "{name}");
        assert_eq!(content["streamed"], content["bytes"], "{name}");
        assert_eq!(content["usedUp"], true, "{name}");
    }
    assert_eq!(
        contents["report.json"]["blob"]["type"],
        contents["report.json"]["mimeType"]
    );
}
