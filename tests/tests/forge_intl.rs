//! `Intl` and `toLocaleString` in a Forge app (`tests/js/intl`): the engine
//! has no ICU, so the build gives an app that uses them FormatJS's polyfills
//! with the locale data its code names (runtime/guest-build/js-toolchain/intl.mjs).
//! Each answer is Node's for the same call (Node 20 and 22, full ICU, TZ=UTC,
//! as Forge's Lambda runs): dates in named time zones, Node's plain space
//! before AM/PM, numbers, currencies, relative times, lists, plural rules.
//!
//! `Intl.Segmenter`, `Intl.DisplayNames`, `Intl.DurationFormat` and
//! `Intl.supportedValuesOf`, which the build gives only an app that names
//! them, are a second app's (`tests/js/intl-extra`): its answers are compared
//! with what the Node on `PATH` answers, at test time, running the same file.

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
        "dateString": "Sun Nov 29 2026 23:07:51 GMT+0000 (Coordinated Universal Time)",
        "timeString": "23:07:51 GMT+0000 (Coordinated Universal Time)",
        "template": "Sun Nov 29 2026 23:07:51 GMT+0000 (Coordinated Universal Time)",
        "invalid": "Invalid Date",
    });
    for (name, expected) in node.as_object().unwrap() {
        assert_eq!(&out[name], expected, "{name}: {out}");
    }
}

/// Runs the app module `index` (its `run` export) under Node, TZ=UTC, and
/// prints its answer as JSON. Node 20 and 22 have no `Intl.DurationFormat`
/// (V8 has it from Node 23): there, it is the specification's
/// PartitionDurationFormatPattern for the options the app uses, each unit
/// formatted by Node's `NumberFormat` and the units joined by its
/// `ListFormat` (`type: 'unit'`), as V8's own does with ICU; the clock of
/// the digital style takes English's `:` (the app formats it in English).
const NODE_RUN: &str = r#"
import { pathToFileURL } from 'node:url';
if (typeof Intl.DurationFormat !== 'function') {
  const UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds',
    'milliseconds', 'microseconds', 'nanoseconds'];
  const CLOCK = ['hours', 'minutes', 'seconds'];
  Intl.DurationFormat = class DurationFormat {
    #locale;
    #options;
    constructor(locale, options = {}) {
      this.#locale = locale;
      this.#options = options;
    }
    format(duration) {
      const style = this.#options.style ?? 'short';
      const digital = style === 'digital';
      const parts = [];
      let clock = null;
      for (const unit of UNITS) {
        const value = duration[unit] ?? 0;
        const own = this.#options[unit];
        if (digital && CLOCK.includes(unit) && own === undefined) {
          const digits = new Intl.NumberFormat(this.#locale, {
            minimumIntegerDigits: unit === 'hours' ? 1 : 2,
            useGrouping: false,
          }).format(value);
          if (clock === null) {
            clock = [digits];
            parts.push(clock);
          } else {
            clock.push(digits);
          }
          continue;
        }
        // `display: 'auto'` leaves a zero out, but for the digital clock's units.
        if (value === 0 && !(digital && CLOCK.includes(unit))) continue;
        const unitDisplay = own ?? (digital ? 'short' : style);
        parts.push(new Intl.NumberFormat(this.#locale, { style: 'unit', unit: unit.slice(0, -1), unitDisplay }).format(value));
      }
      const texts = parts.map((part) => (Array.isArray(part) ? part.join(':') : part));
      return new Intl.ListFormat(this.#locale, { type: 'unit', style: digital ? 'short' : style }).format(texts);
    }
  };
}
const { run } = await import(pathToFileURL(process.argv[1]).href);
console.log(JSON.stringify(await run()));
"#;

#[tokio::test]
async fn segmenter_display_names_and_duration_format_answer_as_node_does() {
    let Some((h, app)) = forge_example::load_test_app("intl-extra").await else {
        return;
    };
    let invoked = h.invoke(&app, "main", json!({})).await;
    let out = ok_json(&invoked);
    let index = forge_example::test_app_dir("intl-extra").join("src/index.js");
    let node = tokio::task::spawn_blocking(move || forge_example::node_answers(NODE_RUN, &index))
        .await
        .expect("the node thread");
    let node = node.as_object().expect("an object of answers");
    // Every call answers on Node: a call Node fails would compare nothing.
    for (name, expected) in node {
        assert!(
            !expected.as_str().is_some_and(|s| s.starts_with("error: ")),
            "{name} fails on Node: {expected}"
        );
    }
    let differ: Vec<String> = node
        .iter()
        .filter(|(name, expected)| &out[name.as_str()] != *expected)
        .map(|(name, expected)| format!("{name}: Kiln {}, Node {expected}", out[name.as_str()]))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert_eq!(
        out.as_object().map(|o| o.len()),
        Some(node.len()),
        "the same calls: {out}"
    );
}
