//! `Intl` and `toLocaleString` in a Forge app (`tests/js/intl`): the engine
//! has no ICU, so the build gives an app that uses them FormatJS's polyfills
//! with the locale data its code names (runtime/guest-build/js-toolchain/intl.mjs).
//! Each answer is Node's for the same call (Node 20 and 22, full ICU, TZ=UTC,
//! as Forge's Lambda runs): dates in named time zones, Node's plain space
//! before AM/PM, numbers, currencies, relative times, lists, plural rules.

use serde_json::json;

use crate::support::{forge_example, ok_json};

#[tokio::test]
async fn intl_formats_as_node_does() {
    let Some((h, app)) = forge_example::load_test_app("intl").await else {
        return;
    };
    let invoked = h.invoke(&app, "main", json!({})).await;
    let out = ok_json(&invoked);
    let node = json!({
        "dateGB": "29/11/2026, 23:07:51",
        "dateUS": "11/29/2026, 11:07:51 PM",
        "dateDefault": "11/29/2026, 11:07:51 PM",
        "longDate": "November 29, 2026",
        "newYork": "6:07:51 PM",
        "tokyo": "Nov 30, 2026, 8:07 AM",
        "german": "30.11.2026, 00:07:51",
        "parts": "11|/|29|/|2026",
        "zone": "UTC",
        "number": "1,234,567.891",
        "euro": "€1,234.50",
        "percent": "12.3%",
        "compact": "12M",
        "germanNumber": "1.234.567,891",
        "yesterday": "yesterday",
        "inThreeDays": "in 3 days",
        "list": "Ann, Bo, and Cy",
        "plural": "one,other",
    });
    for (name, expected) in node.as_object().unwrap() {
        assert_eq!(&out[name], expected, "{name}: {out}");
    }
}
