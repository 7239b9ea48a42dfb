// Node's `timers/promises` (also `require('timers').promises`): timers as
// promises, the way Node code waits between retries
// (`await setTimeout(500)`), with Node's `AbortSignal` option and argument
// checks; an interval is an async iterator. See timers.js for what `ref`
// means in an invocation (nothing beyond the flag).

import { invalidArgType } from './arg_errors.js';
import { engine, delayOf } from './engine_timers.js';

/** Node's `AbortError`: how an aborted timer rejects. */
class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

function abortedBy(signal) {
  return new AbortError(undefined, { cause: signal.reason });
}

/** Node's checks of a timer promise's arguments (each a TypeError as Node's). */
function checkArguments(delay, options) {
  if (delay !== undefined && typeof delay !== 'number') {
    throw invalidArgType('delay', 'of type number', delay);
  }
  if (options === null || typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  const { signal, ref } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  if (ref !== undefined && typeof ref !== 'boolean') {
    throw invalidArgType('options.ref', 'of type boolean', ref);
  }
  return signal;
}

/** A promise of `value` once `start(done)`'s timer calls `done`, unless `signal` aborts first. */
function timerPromise(value, signal, start, stop) {
  if (signal?.aborted) return Promise.reject(abortedBy(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      stop(id);
      reject(abortedBy(signal));
    };
    const id = start(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves to `value` after `delay` ms (Node's rule: below 1 or not finite, 1 ms). */
export function setTimeout(delay, value, options = {}) {
  let signal;
  try {
    signal = checkArguments(delay, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return timerPromise(
    value,
    signal,
    (done) => engine.setTimeout(done, delayOf(delay)),
    (id) => engine.clearTimeout(id),
  );
}

/** Resolves to `value` after the current work and the promise jobs it queued. */
export function setImmediate(value, options = {}) {
  let signal;
  try {
    signal = checkArguments(undefined, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return timerPromise(
    value,
    signal,
    (done) => engine.setTimeout(done, 0),
    (id) => engine.clearTimeout(id),
  );
}

/**
 * Yields `value` every `delay` ms, as Node's: ticks that fire while the
 * consumer is busy are each yielded later, none lost; `break` (or `return`)
 * stops the timer; an abort ends the loop with an AbortError.
 */
export async function* setInterval(delay, value, options = {}) {
  const signal = checkArguments(delay, options);
  if (signal?.aborted) throw abortedBy(signal);
  let pending = 0;
  let wake;
  const id = engine.setInterval(() => {
    pending += 1;
    wake?.();
    wake = undefined;
  }, delayOf(delay));
  const onAbort = () => {
    engine.clearInterval(id);
    wake?.();
    wake = undefined;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      if (pending === 0) {
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      for (; pending > 0; pending -= 1) {
        yield value;
      }
    }
    throw abortedBy(signal);
  } finally {
    engine.clearInterval(id);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Node's `scheduler` (the Scheduling API's): `wait(delay)` and `yield()`. */
export const scheduler = Object.freeze({
  wait(delay, options = {}) {
    return setTimeout(delay, undefined, options);
  },
  yield() {
    return setImmediate();
  },
});

export default { setTimeout, setImmediate, setInterval, scheduler };
