// The engine's own timers, taken when the layer loads (before an app's code
// could replace the globals), and Node's rule for a timer's delay: what
// timers.js and timers_promises.js both start their timers with.

export const engine = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
};

/** Node's largest delay (a signed 32-bit count of milliseconds). */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Node's delay for `after`: a number of milliseconds from 1 to TIMEOUT_MAX;
 * anything else (0, negative, NaN, too large, not a number) runs after 1 ms.
 */
export function delayOf(after) {
  const ms = Number(after);
  return ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
}

// How a timer keeps the async context it was made in. The engine's timers,
// once async_hooks has wrapped them (async_context.js), run a callback in the
// context of the call that started them; a Node `Timeout` is started again by
// `refresh()`, which in Node keeps the context (and async id) of the
// `setTimeout` that made it, not the refresher's. So a Timeout binds its
// callback once, when made, and hands the engine that bound callback every
// time, which the wrapped timers leave as it is. Until async_hooks loads
// there is no context to keep: the binding is the callback itself, and an
// app that never imports async_hooks pays nothing for it. A Timeout made
// then was made in the context every program starts in (no store entered:
// none could be before async_hooks loaded), which is what it keeps once
// async_hooks has loaded (`inStartContext`), not a later refresher's.
let bindToContext = null;
let bindToStart = null;

/** `callback` bound to the async context of now (itself while async_hooks is not loaded). */
export function inCreationContext(callback) {
  return bindToContext === null ? callback : bindToContext(callback);
}

/** Whether the engine's callbacks carry an async context yet (async_hooks has loaded). */
export function carriesContext() {
  return bindToContext !== null;
}

/**
 * `callback`, made before async_hooks loaded, bound to the context the program
 * started in (itself while async_hooks is not loaded).
 */
export function inStartContext(callback) {
  return bindToStart === null ? callback : bindToStart(callback);
}

/**
 * Called once by async_context.js when it starts carrying the context: how to
 * bind a callback to the context of now, and to the one the program started in.
 */
export function setContextBinder(binder, startBinder) {
  bindToContext = binder;
  bindToStart = startBinder;
}
