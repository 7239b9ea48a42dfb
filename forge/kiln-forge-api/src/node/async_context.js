// The async context behind the layer's `async_hooks` (async_hooks.js): which
// AsyncLocalStorage holds which store right now, and how that follows the
// program's asynchronous flow as Node's does.
//
// Node tracks every promise and callback in its engine (V8's promise hooks);
// the engine here, SpiderMonkey, has no such hooks. So the context travels
// the way zone.js carries it: every callback handed to something that runs it
// later (a promise's `then`, which `catch`, `finally` and `Promise.all` call
// too; `queueMicrotask`; the engine's timers, which the layer's setTimeout,
// setInterval and setImmediate start; `process.nextTick`) is wrapped, when it
// is handed over, into one that runs it in the context of that moment.
//
// A native `await` does not call `then` through JavaScript, so it would lose
// the context: the build (build.mjs, "async context") lowers async functions
// and async generators into generators driven by `then` for a bundle that
// bundles this file, and only for such a bundle, so that every `await` goes
// through the wrapped `then`.
//
// A context ("frame") is an immutable Map from storage to store, made anew by
// each `run`/`enterWith` and kept only by the callbacks that captured it: it
// is freed with them, and nothing here keeps a list of frames, callbacks or
// ids (no bookkeeping grows with the work the app does).

import { engine, setContextBinder } from './engine_timers.js';

/** The frame no storage has entered: what the program starts in. */
const EMPTY = new Map();

/**
 * What `executionAsyncId()` and friends answer: the callback now running.
 * Ids count up from 1 (the program's own top level, as in Node); each
 * callback handed to the engine gets the next one when it is handed over,
 * its trigger being the id that was running then. `resource` is made on
 * first use (executionAsyncResource).
 */
const TOP = { asyncId: 1, triggerAsyncId: 0, resource: null };

let frame = EMPTY;
let execution = TOP;
let lastAsyncId = 1;

/** The frame now in effect. */
export function currentFrame() {
  return frame;
}

/** Makes `next` the frame in effect for the rest of the current callback (`enterWith`). */
export function enterFrame(next) {
  frame = next;
}

/** `from` with `storage` holding `store` (a new frame; `from` is left as it is). */
export function frameWith(from, storage, store) {
  const next = new Map(from);
  next.set(storage, store);
  return next;
}

/** `from` without `storage` (a new frame, or `from` itself when it has none). */
export function frameWithout(from, storage) {
  if (!from.has(storage)) return from;
  const next = new Map(from);
  next.delete(storage);
  return next;
}

/** A new async id, larger than every one given before. */
export function newAsyncId() {
  lastAsyncId += 1;
  return lastAsyncId;
}

/** What runs now: `{ asyncId, triggerAsyncId, resource }`. */
export function currentExecution() {
  return execution;
}

/** An execution record for a new resource (`AsyncResource`, a wrapped callback). */
export function newExecution(resource = null, triggerAsyncId = execution.asyncId) {
  return { asyncId: newAsyncId(), triggerAsyncId, resource };
}

/**
 * `fn` called with `thisArg` and `args` in `inFrame` (and as `inExecution`,
 * when given); the frame and execution before are back when it returns or
 * throws, so no `run` and no callback leaks its context to what follows.
 */
export function runIn(inFrame, inExecution, fn, thisArg, args) {
  const outerFrame = frame;
  const outerExecution = execution;
  frame = inFrame;
  if (inExecution !== null) execution = inExecution;
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    frame = outerFrame;
    execution = outerExecution;
  }
}

const WRAPPED = Symbol('kiln.async-context.wrapped');

/**
 * `callback` as one that runs in the context of now (the frame, and a new
 * execution triggered by the current one); anything not a function is
 * returned as it is, for the engine's own error or default.
 */
export function inCurrentContext(callback) {
  if (typeof callback !== 'function' || callback[WRAPPED]) return callback;
  const captured = frame;
  const asExecution = newExecution();
  const wrapped = function (...args) {
    return runIn(captured, asExecution, callback, this, args);
  };
  wrapped[WRAPPED] = true;
  return wrapped;
}

/**
 * `callback` as one that runs in the context the program started in (no store
 * entered, a new execution triggered by the top level): for a timer made
 * before this module was installed, when nothing could have entered a store.
 */
function inStartContext(callback) {
  if (typeof callback !== 'function' || callback[WRAPPED]) return callback;
  const asExecution = newExecution(null, TOP.asyncId);
  const wrapped = function (...args) {
    return runIn(EMPTY, asExecution, callback, this, args);
  };
  wrapped[WRAPPED] = true;
  return wrapped;
}

/** `original` with its first argument (the callback) made to run in the context of the call. */
function schedulingInContext(original, name) {
  if (typeof original !== 'function' || original[WRAPPED]) return original;
  const scheduling = {
    [name](callback, ...rest) {
      return Reflect.apply(original, this, [inCurrentContext(callback), ...rest]);
    },
  }[name];
  scheduling[WRAPPED] = true;
  return scheduling;
}

/** `target[name]`, a function, replaced by `schedulingInContext` of it, keeping how it was defined. */
function wrapScheduler(target, name) {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor === undefined || typeof descriptor.value !== 'function' || descriptor.value[WRAPPED]) return;
  Object.defineProperty(target, name, { ...descriptor, value: schedulingInContext(descriptor.value, name) });
}

let installed = false;

/**
 * Makes every way the engine runs a callback later carry the context: once,
 * when a bundle first loads `async_hooks` (async_hooks.js calls it).
 */
export function installAsyncContext() {
  if (installed) return;
  installed = true;

  const nativeThen = Promise.prototype.then;
  const then = {
    then(onFulfilled, onRejected) {
      return Reflect.apply(nativeThen, this, [inCurrentContext(onFulfilled), inCurrentContext(onRejected)]);
    },
  }.then;
  then[WRAPPED] = true;
  Object.defineProperty(Promise.prototype, 'then', {
    ...Object.getOwnPropertyDescriptor(Promise.prototype, 'then'),
    value: then,
  });

  // The globals, for code that names them itself (`globalThis.setTimeout`),
  // and the engine's timers as the layer took them (engine_timers.js), which
  // the layer's setTimeout, setInterval and setImmediate (timers.js) and
  // `timers/promises` start every timer with.
  for (const name of ['queueMicrotask', 'setTimeout', 'setInterval']) {
    wrapScheduler(globalThis, name);
  }
  for (const name of ['setTimeout', 'setInterval']) {
    wrapScheduler(engine, name);
  }
  // A Node `Timeout` binds its callback when it is made, so that `refresh()`
  // keeps that context rather than the refresher's (engine_timers.js).
  setContextBinder(inCurrentContext, inStartContext);
  // `setImmediate` where the engine or Node has one of its own.
  wrapScheduler(globalThis, 'setImmediate');
  // Node's ticks are queued by the process's own `nextTick` (process.js),
  // run in one microtask: each tick is wrapped as it is queued.
  if (globalThis.process !== null && typeof globalThis.process === 'object') {
    wrapScheduler(globalThis.process, 'nextTick');
  }
}
