// What an app's top-level code read of `process.env`, and whether that is
// still true when a function runs.
//
// Kiln runs an app's top-level code once, when it builds the app (the
// engine's state is then snapshotted, and every invocation starts from it),
// before any config variable exists. Forge's Node.js runtime runs it at a
// cold start, with the variables set. So `const KEY = process.env.KEY` at the
// top of a module keeps `undefined` on Kiln, silently, while the function
// that uses it runs with `KEY` set.
//
// Silently wrong is the worst way to differ, so the names read while the
// snapshot is taken are recorded here (`process.env` is a proxy over a plain
// object: node/process.js), until the build's entry module stops the
// recording, once every module is evaluated and before the layer's own
// warm-ups run (build.mjs). When a function runs, the dispatcher asks which
// of those names now have a value (`staleTopLevelReads`): the value the app
// kept is not the one it would have on Forge, and the invocation fails
// saying so, rather than running on it. A name read at build that is still
// unset (`NODE_ENV` in a library, an optional variable) read `undefined`
// then and would now too: nothing is stale. Listing the variables
// (`Object.keys(process.env)`, as the `debug` package does for its `DEBUG_*`
// options) names none, and is not counted: an app would fail whenever any
// variable is set, for code that looks for a prefix.

const readAtBuild = new Set();
let recording = true;

function record(key) {
  if (recording && typeof key === 'string') readAtBuild.add(key);
}

/** `process.env` as the layer's `process` has it: a plain object that notes what top-level code reads. */
export function recordingEnv() {
  return new Proxy(
    {},
    {
      get(target, key, receiver) {
        record(key);
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        record(key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        record(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      // A write is not a read: set on the object itself, so that assigning
      // (`process.env.TZ = 'UTC'`, `Object.assign`) does not consult the
      // proxy's own descriptor, which would count as one.
      set(target, key, value) {
        return Reflect.set(target, key, value);
      },
    },
  );
}

/**
 * The build's entry calls it once the app's modules are evaluated, and the
 * dispatcher when a function runs: what is read from then on is read at run
 * time.
 */
export function stopRecordingTopLevelEnv() {
  recording = false;
}

/**
 * The names top-level code read at build that `variables` (the invocation's
 * config variables) now sets, sorted; empty when what the app kept is still
 * what it would read.
 */
export function staleTopLevelReads(variables) {
  return Object.keys(variables)
    .filter((name) => readAtBuild.has(name))
    .sort();
}

/** The invocation's failure message for `names` (staleTopLevelReads). */
export function staleTopLevelMessage(names) {
  const listed = names.map((name) => `process.env.${name}`).join(', ');
  return (
    `the app read ${listed} in its top-level code, which Kiln runs once, when it builds the app, ` +
    `before any config variable exists: it kept undefined, and ${names.length === 1 ? 'that variable is' : 'those variables are'} ` +
    `set now. Read process.env inside the function (Forge runs top-level code with the variables set; ` +
    `docs/porting-forge-apps.md, "Config variables")`
  );
}
