// Node's timers, as Node code uses them: `setTimeout` and `setInterval`
// return a `Timeout` object (`unref()`, `ref()`, `hasRef()`, `refresh()`,
// `close()`, its id as a primitive), `setImmediate` an `Immediate`, and the
// `clear…` functions take either the object or the id. The engine's own
// timers answer a number, so `setTimeout(poll, 1000).unref()`, which many
// Node packages write, threw "unref is not a function". The build gives these
// functions to the code that names them (globals.js) and maps `timers` and
// `node:timers` here; `timers/promises` is timers_promises.js.
//
// What `ref`/`unref` mean in Node, whether a pending timer keeps the process
// alive, has no counterpart here: an invocation ends when its handler's
// promise settles, whatever timers are pending (Forge's runtime, a function
// on Lambda, freezes them likewise), so they only record the flag.

import { invalidArgType } from './arg_errors.js';
import { engine, delayOf, inCreationContext, carriesContext, inStartContext } from './engine_timers.js';
import * as promises from './timers_promises.js';

function checkCallback(callback) {
  if (typeof callback !== 'function') {
    throw invalidArgType('callback', 'of type function', callback);
  }
}

const CANCEL = Symbol('cancel');

/** Node's `Timeout`: what `setTimeout` and `setInterval` return. */
export class Timeout {
  #id;
  #callback;
  #args;
  #fire;
  #delay;
  #repeat;
  #refed = true;
  #cleared = false;
  // A timeout that fired and was not started again (from its callback) is
  // spent: Node ends its async resource then, and a later `refresh()` makes
  // a new one in the refresher's context. Until then, every `refresh()` keeps
  // the context and async id of the call that made the timer.
  #armed = false;
  #spent = false;
  // Made before async_hooks loaded: `#fire` carries no context yet, and is
  // bound to the program's starting context the first time it is armed after
  // (see `#arm`), so a refresh does not hand it the refresher's.
  #unbound = false;

  constructor(callback, after, args, repeat) {
    checkCallback(callback);
    this.#callback = callback;
    this.#args = args;
    this.#delay = delayOf(after);
    this.#repeat = repeat;
    this.#bind();
    this.#arm();
  }

  /**
   * The callback the engine runs, bound to the async context of now (the
   * `setTimeout` or `setInterval` call): the engine is handed this same
   * function on every `refresh()` and runs it on every repeat, so they keep
   * that context, as in Node.
   */
  #bind() {
    this.#unbound = !carriesContext();
    this.#fire = inCreationContext(() => {
      if (!this.#repeat) this.#armed = false;
      try {
        // Called with the Timeout as `this`, as Node calls a timer's callback.
        return Reflect.apply(this.#callback, this, this.#args);
      } finally {
        if (!this.#armed) this.#spent = true;
      }
    });
  }

  #arm() {
    if (this.#unbound && carriesContext()) {
      // Made before async_hooks loaded, when no store could have been
      // entered: the engine's now-wrapped timers would otherwise run it in
      // the context of whoever arms it again.
      this.#unbound = false;
      this.#fire = inStartContext(this.#fire);
    }
    this.#armed = true;
    this.#id = this.#repeat ? engine.setInterval(this.#fire, this.#delay) : engine.setTimeout(this.#fire, this.#delay);
  }

  #disarm() {
    if (this.#repeat) engine.clearInterval(this.#id);
    else engine.clearTimeout(this.#id);
  }

  /** Whether the timer would keep Node's event loop alive. */
  hasRef() {
    return this.#refed;
  }

  ref() {
    this.#refed = true;
    return this;
  }

  unref() {
    this.#refed = false;
    return this;
  }

  /**
   * Starts the timer again from now with its delay and callback, also once
   * it has fired (as Node does); a cleared timer stays cleared. Its id
   * changes (the engine numbers every timer it starts). Its async context
   * is the one it was made in while it is pending (or repeating); once it
   * has fired, the refresher's, as in Node (see `#spent`).
   */
  refresh() {
    if (!this.#cleared) {
      this.#disarm();
      if (this.#spent) {
        this.#spent = false;
        this.#bind();
      }
      this.#arm();
    }
    return this;
  }

  /** Cancels the timer, as `clearTimeout(timer)`. */
  close() {
    if (!this.#cleared) {
      this.#cleared = true;
      this.#disarm();
    }
    return this;
  }

  /** The timer's id: `clearTimeout(+timer)` cancels it. */
  [Symbol.toPrimitive]() {
    // A number from the engine; `Number` for a host whose timers answer
    // objects (Node, where the layer's tests run).
    return Number(this.#id);
  }
}

/** Node's `Immediate`: what `setImmediate` returns. */
export class Immediate {
  #id;
  #refed = true;
  #cleared = false;

  constructor(callback, args) {
    checkCallback(callback);
    this.#id = engine.setTimeout(() => Reflect.apply(callback, this, args), 0);
  }

  hasRef() {
    return this.#refed;
  }

  ref() {
    this.#refed = true;
    return this;
  }

  unref() {
    this.#refed = false;
    return this;
  }

  /** Cancels it: `clearImmediate(immediate)` (Node's Immediate has no `close`). */
  [CANCEL]() {
    if (!this.#cleared) {
      this.#cleared = true;
      engine.clearTimeout(this.#id);
    }
  }
}

// `using timer = setTimeout(…)` cancels it at the end of the block, where
// the engine knows `Symbol.dispose` (explicit resource management).
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(Timeout.prototype, Symbol.dispose, {
    value() {
      this.close();
    },
    writable: true,
    configurable: true,
  });
  Object.defineProperty(Immediate.prototype, Symbol.dispose, {
    value() {
      this[CANCEL]();
    },
    writable: true,
    configurable: true,
  });
}

export function setTimeout(callback, after, ...args) {
  return new Timeout(callback, after, args, false);
}

export function setInterval(callback, repeat, ...args) {
  return new Timeout(callback, repeat, args, true);
}

/**
 * Node's `setImmediate`: `callback` after the current work and the promise
 * jobs it queued (the engine's 0 ms timer stands in for Node's check phase).
 */
export function setImmediate(callback, ...args) {
  return new Immediate(callback, args);
}

/**
 * Cancels a timer: a Timeout, an Immediate, or a timer's id (a number, or a
 * string of one, as Node accepts); anything else is ignored, as in Node.
 * `clearTimeout` and `clearInterval` are the same function, as in Node.
 */
export function clearTimeout(timer) {
  if (timer instanceof Timeout) {
    timer.close();
  } else if (timer instanceof Immediate) {
    timer[CANCEL]();
  } else if (typeof timer === 'number' || typeof timer === 'string') {
    const id = Number(timer);
    // The engine's timers share one space of ids.
    if (Number.isInteger(id)) engine.clearTimeout(id);
  }
}

export { clearTimeout as clearInterval };

export function clearImmediate(immediate) {
  if (immediate instanceof Immediate) immediate[CANCEL]();
}

export { promises };

export default {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval: clearTimeout,
  setImmediate,
  clearImmediate,
  promises,
};
