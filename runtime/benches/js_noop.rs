//! A JavaScript no-op invocation (`bench/js-noop`: `export const noop = async
//! () => null`): Kiln, the raw-wasmtime floor and a fresh Node.js `vm`
//! context, side by side in the same rounds (see `js_support` for how each
//! side is measured).
//!
//! `KILN_JS_COMPONENT=<component.wasm> cargo bench -p kiln-runtime --bench js_noop`
//! (`bench/js-vs-node` builds the component and runs this). Prints
//! `JS_NOOP kiln median <µs> µs …`, `JS_NOOP_FLOOR … median <µs> µs …`,
//! `JS_NOOP_NODE median <µs> µs …`, `JS_NOOP_USAGE …` (page faults and CPU
//! time per call) and `JS_NOOP_RATIO …`. The floor links the `kiln:*`
//! imports as traps: a no-op calls none.

mod js_support;
mod support;

fn main() {
    js_support::run(js_support::JsBench {
        label: "JS_NOOP",
        default_handler: "index.noop",
        client: support::in_process_client(),
        stub: None,
        requests_per_call: 0,
        answered: None,
    });
}
