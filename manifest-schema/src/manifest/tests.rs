//! The Rust rules and the published schema must agree; the schema must describe
//! the same defaults, bounds and scopes as the code.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::catalogue::Scope;

fn schema() -> Value {
    serde_json::from_str(MANIFEST_SCHEMA).expect("schema is JSON")
}

fn golden(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(folder);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("golden folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn schema_accepts_every_valid_golden_manifest() {
    for case in golden("valid") {
        let source = std::fs::read_to_string(&case).expect("readable");
        let (mut value, _) = source::parse(&source).expect("valid YAML");
        // The schema describes a manifest once its variables are replaced
        // (with their defaults here), as Kiln checks it.
        super::variables::substitute(&mut value, &|_| None).expect("variables");
        if let Err(violation) = schema::validate(&value) {
            panic!(
                "{}: schema rejects {}: {}",
                case.display(),
                violation.path,
                violation.message
            );
        }
    }
}

/// Every manifest Kiln rejects after parsing, the schema rejects too, except the
/// rules JSON Schema cannot state: unique keys, references between modules, and
/// the scopes each subscribed event needs.
#[test]
fn schema_rejects_every_invalid_golden_manifest_it_can_express() {
    let mut checked = 0;
    for case in golden("invalid") {
        let source = std::fs::read_to_string(&case).expect("readable");
        let Ok((value, _)) = source::parse(&source) else {
            continue;
        };
        let rejected_by_rust = Manifest::from_yaml(&source).expect_err("invalid case");
        let beyond_the_schema = [
            "duplicate function key",
            // Manifest variables: a reference needs a declaration and a value.
            "names a manifest variable",
            "has no value",
            "duplicate module key",
            "duplicate output key",
            "is not declared in modules.function",
            "carries data the declared scopes cannot read",
            // One consumer per queue.
            "has another consumer already",
            // Entity property indexes: aliases unique in the app, a path
            // indexed once.
            "duplicate search alias",
            "is already indexed by",
            // Custom entities: unique names, and index attributes that refer
            // to declared, orderable attributes.
            "duplicate entity name",
            "duplicate index name",
            "which entity",
            "can be indexed",
            "uses attribute",
            // A filter's Jira expression: its grammar is the parser's (the
            // schema only bounds its length, which it does check).
            "is not supported by Kiln's Jira expression subset",
            "unknown identifier",
            "the string is not closed",
            "nests deeper than",
        ];
        if beyond_the_schema
            .iter()
            .any(|rule| rejected_by_rust.message.contains(rule))
        {
            continue;
        }
        assert!(
            schema::validate(&value).is_err(),
            "{}: Kiln rejects it ({rejected_by_rust}) but the schema accepts it",
            case.display()
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases compared");
}

#[test]
fn schema_scope_enum_is_the_catalogue() {
    let schema = schema();
    let listed: Vec<&str> = schema["$defs"]["scope"]["enum"]
        .as_array()
        .expect("scope enum")
        .iter()
        .map(|scope| scope.as_str().expect("string"))
        .collect();
    let known: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    assert_eq!(
        listed, known,
        "regenerate with `cargo run -p kiln-manifest --bin generate-catalogue`"
    );
}

#[test]
fn schema_event_enum_is_the_event_table() {
    let schema = schema();
    let listed: Vec<&str> = schema["$defs"]["event"]["anyOf"][0]["enum"]
        .as_array()
        .expect("event enum")
        .iter()
        .map(|event| event.as_str().expect("string"))
        .collect();
    let known: Vec<&str> = ProductEvent::all().map(ProductEvent::as_str).collect();
    assert_eq!(
        listed, known,
        "manifest.schema.json's $defs.event lists src/manifest/events.rs"
    );
}

#[test]
fn schema_intervals_and_trigger_bounds_match_the_code() {
    let schema = schema();
    let intervals: Vec<&str> = Interval::ALL.iter().map(|i| i.as_str()).collect();
    assert_eq!(
        schema["$defs"]["scheduledTrigger"]["properties"]["interval"]["enum"],
        serde_json::json!(intervals)
    );
    for list in ["trigger", "webtrigger", "scheduledTrigger"] {
        assert_eq!(
            schema["properties"]["modules"]["properties"][list]["maxItems"],
            rules::MAX_TRIGGERS,
            "{list}"
        );
    }
    assert_eq!(
        schema["$defs"]["webtrigger"]["properties"]["response"]["properties"]["outputs"]["maxItems"],
        rules::MAX_STATIC_OUTPUTS
    );
    assert_eq!(
        schema["$defs"]["trigger"]["properties"]["events"]["maxItems"],
        rules::MAX_EVENTS_PER_TRIGGER
    );
    assert_eq!(
        schema["$defs"]["event"]["anyOf"][1]["maxLength"],
        rules::MAX_EVENT_NAME_CHARS
    );
}

#[test]
fn trigger_accessors_serve_what_the_host_needs() {
    let source = "app:\n  id: bot\nmodules:\n  function:\n    - key: main\n      handler: main\n  trigger:\n    - key: t1\n      function: main\n      events: [avi:jira:created:issue, avi:jira:commented:issue]\n      filter: {ignoreSelf: true}\n    - key: t2\n      function: main\n      events: [avi:jira:created:issue]\n  webtrigger:\n    - key: w1\n      function: main\n    - key: w2\n      function: main\n      response: {type: static, outputs: [{key: ok, statusCode: 204}]}\n  scheduledTrigger:\n    - key: s1\n      function: main\n      interval: hour\npermissions:\n  scopes: [read:jira-work]\n";
    let manifest = Manifest::from_yaml(source).expect("valid");
    let created: ProductEvent = "avi:jira:created:issue".parse().expect("known");
    let commented: ProductEvent = "avi:jira:commented:issue".parse().expect("known");
    let keys = |event| {
        manifest
            .triggers_for(event)
            .map(|t| t.key.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(created), ["t1", "t2"]);
    assert_eq!(keys(commented), ["t1"]);
    assert!(manifest.triggers()[0].ignores_self(created));
    assert!(!manifest.triggers()[1].ignores_self(created));
    let web = manifest.web_triggers();
    assert_eq!(web[0].response_type(), WebTriggerResponseType::Dynamic);
    assert!(web[0].static_outputs().is_empty());
    assert_eq!(web[1].response_type(), WebTriggerResponseType::Static);
    assert_eq!(web[1].static_outputs()[0].status_code, 204);
    let scheduled = &manifest.scheduled_triggers()[0];
    assert_eq!(
        scheduled.interval.as_duration(),
        std::time::Duration::from_secs(3600)
    );
    for function in manifest
        .triggers()
        .iter()
        .map(|t| &t.function)
        .chain(web.iter().map(|w| &w.function))
    {
        assert!(manifest.function(function).is_some(), "{function}");
    }
    // Without triggers, the lists are absent from the serialized manifest.
    let plain = Manifest::from_yaml(MINIMAL).expect("valid");
    let json = serde_json::to_value(&plain).expect("serializes");
    assert!(json["modules"].get("trigger").is_none(), "{json}");
}

#[test]
fn schema_limits_match_the_code() {
    let schema = schema();
    let runtime = &schema["$defs"]["runtime"]["properties"];
    let defaults = RuntimeLimits::default();
    for (field, default, min, max) in [
        ("memoryMiB", defaults.memory_mib, 1, MAX_MEMORY_MIB),
        ("memoryMB", defaults.memory_mib, 1, MAX_MEMORY_MIB),
        (
            "timeoutSeconds",
            defaults.timeout_seconds,
            1,
            MAX_TIMEOUT_SECONDS,
        ),
        ("maxRequests", defaults.max_requests, 0, MAX_MAX_REQUESTS),
        ("maxLogLines", defaults.max_log_lines, 0, MAX_MAX_LOG_LINES),
        ("maxLogBytes", defaults.max_log_bytes, 0, MAX_MAX_LOG_BYTES),
    ] {
        assert_eq!(runtime[field]["default"], default, "{field} default");
        assert_eq!(runtime[field]["minimum"], min, "{field} minimum");
        assert_eq!(runtime[field]["maximum"], max, "{field} maximum");
    }
    assert_eq!(runtime["fuel"]["minimum"], 1);
    assert_eq!(
        schema["properties"]["modules"]["properties"]["function"]["maxItems"],
        rules::MAX_FUNCTIONS
    );
}

#[test]
fn documented_defaults() {
    let limits = RuntimeLimits::default();
    assert_eq!(
        (
            limits.memory_mib,
            limits.timeout_seconds,
            limits.fuel,
            limits.max_requests
        ),
        (128, 25, None, 1000)
    );
    assert!(!limits.timeout_written);
    assert_eq!(FORGE_LONG_TIMEOUT_SECONDS, 55);
    assert_eq!(
        (limits.max_log_lines, limits.max_log_bytes),
        (100, 200 * 1024)
    );
}

const MINIMAL: &str = "app:\n  id: hello\nmodules:\n  function:\n    - key: main\n      handler: summary\n    - key: other\n      handler: other\npermissions:\n  scopes: [read:jira-work, read:jira-user]\n";

#[test]
fn function_lookup_and_declared_scopes() {
    let manifest = Manifest::from_yaml(MINIMAL).expect("valid");
    assert_eq!(
        manifest.function("other").map(|f| f.handler.as_str()),
        Some("other")
    );
    assert!(manifest.function("missing").is_none());
    let declared = manifest.declared_scopes();
    assert_eq!(
        declared.iter().map(Scope::as_str).collect::<Vec<_>>(),
        ["read:jira-user", "read:jira-work"]
    );
}

#[test]
fn in_memory_errors_name_line_and_column_without_a_path() {
    let error =
        Manifest::from_yaml("app:\n  id: Bad\nmodules:\n  function: []\n").expect_err("invalid");
    assert_eq!(error.kind, ManifestErrorKind::Invalid);
    assert_eq!(
        (error.path.as_deref(), error.line, error.column),
        (None, Some(2), Some(7))
    );
    assert_eq!(error.field, "app.id");
    assert!(
        error
            .to_string()
            .starts_with("line 2, column 7: app.id: invalid app id \"Bad\""),
        "{error}"
    );
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let padding = format!("# {}\n", "x".repeat(MAX_MANIFEST_BYTES));
    let error = Manifest::from_yaml(&(MINIMAL.to_owned() + &padding)).expect_err("too large");
    assert_eq!(error.kind, ManifestErrorKind::TooLarge);

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("manifest.yml");
    std::fs::write(&path, MINIMAL.to_owned() + &padding).expect("write");
    let error = Manifest::load(&path).expect_err("too large");
    assert_eq!(
        (error.kind, error.path.as_deref()),
        (ManifestErrorKind::TooLarge, Some(path.as_path()))
    );
}

#[test]
fn unreadable_and_non_utf8_files_are_typed_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("absent.yml");
    let error = Manifest::load(&missing).expect_err("missing file");
    assert_eq!(error.kind, ManifestErrorKind::Io);
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read", missing.display())),
        "{error}"
    );

    let binary = dir.path().join("binary.yml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).expect("write");
    assert_eq!(
        Manifest::load(&binary).expect_err("not UTF-8").kind,
        ManifestErrorKind::Syntax
    );
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let billion_laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n";
    for source in [
        billion_laughs,
        "\0",
        "{",
        "app: [",
        "- - - - -",
        ":",
        "app: {id: x, id: y}",
        "\u{feff}app: 1",
    ] {
        let error = Manifest::from_yaml(source).expect_err(source);
        assert!(!error.message.is_empty(), "{source:?}");
    }
}

#[test]
fn manifest_round_trips_through_serde() {
    let manifest = Manifest::from_yaml(MINIMAL).expect("valid");
    let json = serde_json::to_string(&manifest).expect("serialize");
    let back: Manifest = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, manifest);
}

fn with_runtime(runtime: &str) -> String {
    format!(
        "app:\n  id: memory\n  runtime:\n{runtime}modules:\n  function:\n    - key: main\n      handler: index.run\n"
    )
}

#[test]
fn forges_memory_mb_is_the_same_limit_as_memory_mib() {
    let forge = Manifest::from_yaml(&with_runtime("    memoryMB: 256\n")).expect("Forge's key");
    let kiln = Manifest::from_yaml(&with_runtime("    memoryMiB: 256\n")).expect("Kiln's key");
    assert_eq!(forge.app.runtime.memory_mib, 256);
    assert_eq!(forge.app.runtime.memory_key, MemoryKey::MemoryMB);
    assert_eq!(kiln.app.runtime.memory_mib, 256);
    assert_eq!(kiln.app.runtime.memory_key, MemoryKey::MemoryMiB);
    // Apart from the key's name, the two limits are one.
    let as_kiln = RuntimeLimits {
        memory_key: MemoryKey::MemoryMiB,
        ..forge.app.runtime
    };
    assert_eq!(as_kiln, kiln.app.runtime);
    // Neither written: the default, under Kiln's key.
    let neither = Manifest::from_yaml(&with_runtime("    timeoutSeconds: 5\n")).expect("default");
    assert_eq!(neither.app.runtime.memory_mib, DEFAULT_MEMORY_MIB);
    assert_eq!(neither.app.runtime.memory_key, MemoryKey::MemoryMiB);
}

#[test]
fn the_memory_limit_round_trips_under_the_key_it_was_written_with() {
    for key in ["memoryMB", "memoryMiB"] {
        let manifest = Manifest::from_yaml(&with_runtime(&format!("    {key}: 300\n"))).expect(key);
        let json = serde_json::to_value(&manifest).expect("serializes");
        assert_eq!(json["app"]["runtime"][key], 300, "{json}");
        let back: Manifest = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, manifest);
    }
}

#[test]
fn both_memory_spellings_are_refused_with_a_typed_error() {
    let error = Manifest::from_yaml(&with_runtime("    memoryMiB: 256\n    memoryMB: 512\n"))
        .expect_err("both spellings");
    assert_eq!(error.kind, ManifestErrorKind::Invalid);
    assert_eq!(error.field, "app.runtime");
    assert_eq!((error.line, error.column), (Some(4), Some(5)));
    assert!(
        error.message.contains("memoryMiB: 256") && error.message.contains("memoryMB: 512"),
        "{error}"
    );
    // The same refusal for a direct serde load, as the type itself.
    let direct = serde_json::from_value::<RuntimeLimitsAsWritten>(
        serde_json::json!({"memoryMiB": 1, "memoryMB": 2}),
    )
    .expect("well-typed");
    assert_eq!(
        RuntimeLimits::try_from(direct),
        Err(MemoryGivenTwice {
            memory_mib: 1,
            memory_mb: 2
        })
    );
}

#[test]
fn forges_memory_key_is_bounded_and_named_as_written() {
    let error = Manifest::from_yaml(&with_runtime("    memoryMB: 4096\n")).expect_err("too large");
    assert_eq!(error.field, "app.runtime.memoryMB");
    assert_eq!((error.line, error.column), (Some(4), Some(15)));
}

#[test]
fn trigger_filter_expressions_decide_delivery() {
    let source = "app:\n  id: bot\nmodules:\n  function:\n    - key: main\n      handler: main\n  trigger:\n    - key: bugs\n      function: main\n      events: [avi:jira:updated:issue]\n      filter:\n        expression: event.issue.fields.issuetype.name == 'Bug' && event.issue.fields.labels.includes('ops')\n    - key: lenient\n      function: main\n      events: [avi:jira:updated:issue]\n      filter:\n        ignoreSelf: true\n        expression: event.issue.fields.parent.key == 'P-1'\n        onError: RECEIVE_AND_LOG\n    - key: plain\n      function: main\n      events: [avi:jira:updated:issue]\npermissions:\n  scopes: [read:jira-work]\n";
    let manifest = Manifest::from_yaml(source).expect("valid");
    let updated: ProductEvent = "avi:jira:updated:issue".parse().expect("known");
    let [bugs, lenient, plain] = manifest.triggers() else {
        panic!("three triggers");
    };
    let issue = |kind: &str, labels: Value| {
        serde_json::json!({
            "eventType": "avi:jira:updated:issue",
            "issue": { "key": "OPS-1", "fields": { "issuetype": { "name": kind }, "labels": labels, "parent": null } },
        })
    };
    assert_eq!(
        bugs.accepts(updated, &issue("Bug", serde_json::json!(["ops"]))),
        Ok(true)
    );
    assert_eq!(
        bugs.accepts(updated, &issue("Task", serde_json::json!(["ops"]))),
        Ok(false)
    );
    assert_eq!(
        bugs.accepts(updated, &issue("Bug", serde_json::json!([]))),
        Ok(false)
    );
    assert!(
        bugs.accepts(updated, &issue("Bug", serde_json::json!(null)))
            .is_err()
    );
    assert_eq!(
        bugs.on_error(updated),
        OnError::IgnoreAndLog,
        "Forge's default"
    );
    assert!(!bugs.ignores_self(updated));

    assert!(lenient.ignores_self(updated));
    assert_eq!(lenient.on_error(updated), OnError::ReceiveAndLog);
    assert_eq!(
        lenient.accepts(updated, &issue("Bug", serde_json::json!([]))),
        Err(jira_expression::EvalError::NoProperties("null"))
    );
    assert!(lenient.on_error(updated).delivers() && lenient.on_error(updated).logs());
    assert!(!OnError::Ignore.delivers() && !OnError::Ignore.logs());

    assert_eq!(plain.accepts(updated, &serde_json::json!(null)), Ok(true));
    assert_eq!(plain.on_error(updated), OnError::IgnoreAndLog);

    // A loaded manifest prints back to a manifest that loads the same.
    let json = serde_json::to_value(&manifest).expect("serializes");
    assert_eq!(
        json["modules"]["trigger"][0]["filter"],
        serde_json::json!({
            "expression": "event.issue.fields.issuetype.name == 'Bug' && event.issue.fields.labels.includes('ops')",
            "onError": "IGNORE_AND_LOG",
        })
    );
    let yaml = serde_json::to_string(&json).expect("JSON is YAML");
    assert_eq!(Manifest::from_yaml(&yaml).expect("reloads"), manifest);
}

#[test]
fn schema_bounds_the_filter_expression_as_the_parser_does() {
    let schema = schema();
    let expression = &schema["$defs"]["triggerFilter"]["properties"]["expression"];
    assert_eq!(
        expression["maxLength"],
        jira_expression::MAX_EXPRESSION_CHARS,
        "{expression}"
    );
    let on_error = &schema["$defs"]["triggerFilter"]["properties"]["onError"];
    let names: Vec<&str> = [
        OnError::IgnoreAndLog,
        OnError::Ignore,
        OnError::ReceiveAndLog,
        OnError::Receive,
    ]
    .iter()
    .map(|value| value.as_str())
    .collect();
    assert_eq!(on_error["enum"], serde_json::json!(names));
}

#[test]
fn an_event_with_its_own_filter_is_filtered_by_it_the_others_by_the_modules() {
    let source = "app:\n  id: bot\nmodules:\n  function:\n    - key: main\n      handler: main\n  trigger:\n    - key: t\n      function: main\n      events:\n        - avi:jira:created:issue\n        - eventType: avi:jira:updated:issue\n          filter:\n            expression: event.issue.key == 'OPS-1'\n            onError: RECEIVE\n      filter:\n        ignoreSelf: true\npermissions:\n  scopes: [read:jira-work]\n";
    let manifest = Manifest::from_yaml(source).expect("valid");
    let created: ProductEvent = "avi:jira:created:issue".parse().expect("known");
    let updated: ProductEvent = "avi:jira:updated:issue".parse().expect("known");
    let trigger = &manifest.triggers()[0];
    assert_eq!(trigger.events, [created, updated]);
    assert_eq!(manifest.triggers_for(updated).count(), 1);

    let ops_1 = serde_json::json!({ "issue": { "key": "OPS-1" } });
    let ops_2 = serde_json::json!({ "issue": { "key": "OPS-2" } });
    // The module's filter: the app's own writes dropped, no expression.
    assert!(trigger.ignores_self(created));
    assert_eq!(trigger.accepts(created, &ops_2), Ok(true));
    // The event's own filter replaces it: an expression, own writes kept.
    assert!(!trigger.ignores_self(updated));
    assert_eq!(trigger.accepts(updated, &ops_1), Ok(true));
    assert_eq!(trigger.accepts(updated, &ops_2), Ok(false));
    assert_eq!(trigger.on_error(updated), OnError::Receive);
    assert_eq!(trigger.on_error(created), OnError::IgnoreAndLog);

    // It prints back in Forge's form, and loads the same.
    let json = serde_json::to_value(&manifest).expect("serializes");
    assert_eq!(
        json["modules"]["trigger"][0]["events"][0],
        "avi:jira:created:issue"
    );
    assert_eq!(
        json["modules"]["trigger"][0]["events"][1]["eventType"],
        "avi:jira:updated:issue"
    );
    let yaml = serde_json::to_string(&json).expect("JSON is YAML");
    assert_eq!(Manifest::from_yaml(&yaml).expect("reloads"), manifest);
}

#[test]
fn a_functions_timeout_applies_where_forge_applies_it() {
    let source = "app:\n  id: bot\n  runtime:\n    timeoutSeconds: 20\nmodules:\n  function:\n    - key: main\n      handler: main\n      timeoutSeconds: 300\npermissions:\n  scopes: []\n";
    let manifest = Manifest::from_yaml(source).expect("valid");
    assert_eq!(manifest.modules.function[0].timeout_seconds, Some(300));
    assert_eq!(manifest.app.runtime.timeout_seconds, 20);
}

/// A timeout the manifest wrote is kept as written (it holds for every invocation); an
/// unwritten one stays unwritten through a round trip, so Forge's longer defaults for web
/// triggers and scheduled and queued runs are not lost by printing the manifest.
#[test]
fn the_timeout_is_written_back_only_if_the_manifest_wrote_it() {
    let forge = Manifest::from_yaml(&MINIMAL.replacen(
        "  id: hello\n",
        "  id: hello\n  runtime:\n    name: nodejs22.x\n",
        1,
    ))
    .expect("loads");
    assert!(!forge.app.runtime.timeout_written);
    let json = serde_json::to_value(&forge).expect("serializes");
    assert!(
        json["app"]["runtime"].get("timeoutSeconds").is_none(),
        "{json}"
    );
    let again: Manifest = serde_json::from_value(json).expect("reads back");
    assert!(!again.app.runtime.timeout_written);

    let kiln = Manifest::from_yaml(&MINIMAL.replacen(
        "  id: hello\n",
        "  id: hello\n  runtime:\n    timeoutSeconds: 25\n",
        1,
    ))
    .expect("loads");
    assert!(kiln.app.runtime.timeout_written);
    let json = serde_json::to_value(&kiln).expect("serializes");
    assert_eq!(json["app"]["runtime"]["timeoutSeconds"], 25);
}
