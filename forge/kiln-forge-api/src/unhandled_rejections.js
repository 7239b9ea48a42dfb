// Rejections of the layer's promises that nobody handled, reported in the
// app's log as Node reports an unhandled rejection.
//
// On Forge (Node.js) a promise that rejects with no handler is printed to
// the function's log: an app that starts `requestJira` or `fetch` without
// `await` sees its failure there. Kiln's engine (StarlingMonkey in
// componentize-js 0.23.0) does keep such promises, in a C++ set filled by
// SpiderMonkey's `JS::SetPromiseRejectionTrackerCallback`, but reports them
// only on its wasi:http path (to stderr) and gives JavaScript no
// `unhandledrejection` event, so nothing the layer can reach sees the app's
// own promises. What the layer sees is the promises it hands out
// (`requestJira`, `fetch`, storage and kvs calls): one that rejects is a
// `LayerPromise`, whose `then` notes that someone handled it. A plain
// promise's `await` does not call a user-visible `then`; an instance of a
// subclass it does (through a thenable job, two microtask ticks more), as do
// `.catch`, `.finally`, `Promise.all` and returning it from an async
// function. So a rejected `LayerPromise` whose `then` was never called by
// the time the invocation's handler has settled is one Node would report.
//
// Cost: a request that succeeds returns the engine's own promise as before;
// only a rejection known when the call returns (the host calls are
// synchronous: a refused `requestJira`, a failed storage call) is made a
// `LayerPromise`, and `fetch`, whose outcome comes later, returns one
// always (a network round trip dwarfs the two ticks).

import { format } from './node/util.js';

/** How many unhandled rejections one invocation reports; the rest are counted. */
export const MAX_REPORTED_REJECTIONS = 10;

/** The longest report of one rejection, in UTF-16 units (a stack can be long). */
export const MAX_REJECTION_TEXT = 2000;

/**
 * How many rejected promises one invocation keeps to check; further ones are
 * only counted (an app failing a request in a loop must not grow the list).
 */
export const MAX_TRACKED_REJECTIONS = 1000;

// Node's lead-in for an unhandled rejection it prints (`--unhandled-rejections=warn`
// prints `UnhandledPromiseRejectionWarning: <reason>`); the host adds the level.
const LEAD = 'Unhandled promise rejection: ';

// The rejected `LayerPromise`s of this invocation (Kiln gives every
// invocation a fresh instance, so module state is the invocation's).
const tracked = [];
let untracked = 0;
// `byLayer` promises not settled yet: their rejection may still be recorded.
let unsettled = 0;

/**
 * How many microtask ticks the report waits for unsettled `byLayer`
 * promises: what it wraps has settled by then (the dispatcher settles open
 * fetches first), and passing the outcome on takes one tick; one still
 * pending after these is a request the app left open, not reported.
 */
const MAX_SETTLE_TICKS = 8;

/**
 * A promise of the layer's: `then` (which `await`, `catch`, `finally` and
 * the combinators call) records that the rejection has a handler.
 */
class LayerPromise extends Promise {
  // Derived promises (`then`'s) are the engine's own: only the layer's
  // promise itself is checked, and chains cost what they did.
  static get [Symbol.species]() {
    return Promise;
  }

  then(onFulfilled, onRejected) {
    this.kilnHandled = true;
    return super.then(onFulfilled, onRejected);
  }
}

function track(promise, reason) {
  if (tracked.length < MAX_TRACKED_REJECTIONS) {
    tracked.push({ promise, reason });
  } else {
    untracked += 1;
  }
}

/** A promise of the layer's rejected with `reason`, reported if nobody handles it. */
export function rejectedByLayer(reason) {
  const promise = new LayerPromise((_, reject) => reject(reason));
  track(promise, reason);
  return promise;
}

/**
 * `work()`, run now (a synchronous host call), as a promise: its value, or the
 * layer's rejection with what it threw. A success stays the engine's plain promise.
 */
export function settledByLayer(work) {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return rejectedByLayer(error);
  }
}

/** `promise` as one of the layer's: settles as it does, reported if it rejects unhandled. */
export function byLayer(promise) {
  unsettled += 1;
  const self = new LayerPromise((resolve, reject) => {
    Promise.prototype.then.call(
      promise,
      (value) => {
        unsettled -= 1;
        resolve(value);
      },
      (reason) => {
        unsettled -= 1;
        track(self, reason);
        reject(reason);
      },
    );
  });
  return self;
}

/** One rejection as Node prints it (an Error's stack, else `util.inspect`), bounded. */
function describe(reason) {
  let text;
  try {
    text = format(reason);
  } catch {
    text = '[a reason that cannot be printed]';
  }
  return text.length > MAX_REJECTION_TEXT ? `${text.slice(0, MAX_REJECTION_TEXT)}… (cut at ${MAX_REJECTION_TEXT} characters)` : text;
}

/**
 * The lines to log for the layer's rejections nobody handled (at most
 * MAX_REPORTED_REJECTIONS and one counting the rest), each reported once.
 */
export async function takeUnhandledRejections() {
  for (let tick = 0; unsettled > 0 && tick < MAX_SETTLE_TICKS; tick += 1) {
    await undefined;
  }
  const lines = [];
  const unchecked = untracked;
  let unreported = 0;
  untracked = 0;
  for (const { promise, reason } of tracked.splice(0)) {
    if (promise.kilnHandled === true) continue;
    if (lines.length < MAX_REPORTED_REJECTIONS) {
      lines.push(LEAD + describe(reason));
    } else {
      unreported += 1;
    }
  }
  if (unreported > 0) {
    lines.push(`${unreported} more unhandled promise rejections were not reported (Kiln reports ${MAX_REPORTED_REJECTIONS} per invocation)`);
  }
  if (unchecked > 0) {
    lines.push(`${unchecked} more promise rejections were not checked for a handler (Kiln checks ${MAX_TRACKED_REJECTIONS} per invocation)`);
  }
  return lines;
}

/**
 * Logs each unhandled rejection through `log(line)` (the app's log at error
 * level); never throws, so a report cannot fail the invocation. Returns at
 * once when the layer has nothing to check (the common case costs no tick).
 */
export async function reportUnhandledRejections(log) {
  if (tracked.length === 0 && untracked === 0 && unsettled === 0) {
    return;
  }
  try {
    for (const line of await takeUnhandledRejections()) {
      log(line);
    }
  } catch {
    // A log the host refused (its own bound reached) leaves the answer as it is.
  }
}
