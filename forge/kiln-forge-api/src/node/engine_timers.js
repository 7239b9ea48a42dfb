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
