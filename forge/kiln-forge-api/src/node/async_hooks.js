// Node's `async_hooks` for Kiln's JavaScript apps: `AsyncLocalStorage` and
// `AsyncResource`, with the context following the program's asynchronous
// flow as in Node (through `await`, `then`/`catch`/`finally`,
// `queueMicrotask`, the timers and `process.nextTick`; EventEmitter
// listeners run synchronously, in their emitter's context, as in Node). How
// the context travels is async_context.js's; loading this module installs it.
//
// The ids (`executionAsyncId()`, `triggerAsyncId()`, `AsyncResource`'s) are
// Kiln's own count, not Node's: 1 is the program's top level, and each
// callback handed to the engine (a `then`, a timer, a tick) or each
// `AsyncResource` takes the next number when it is made, its trigger being
// the id that ran then. They increase, two live resources never share one,
// and the same callback answers the same id each time it runs (an
// interval's); Node's numbering of its internal resources has no
// counterpart. `createHook` cannot be honoured: the engine has no hooks into
// the life of promises and callbacks, so it throws ERR_KILN_NODE_MODULE_UNAVAILABLE
// rather than return hooks that would never be called.

import { invalidArgType } from './arg_errors.js';
import {
  currentExecution,
  currentFrame,
  enterFrame,
  frameWith,
  frameWithout,
  installAsyncContext,
  newExecution,
  runIn,
} from './async_context.js';

installAsyncContext();

function checkFunction(fn, name) {
  if (typeof fn !== 'function') throw invalidArgType(name, 'of type function', fn);
}

/** What `executionAsyncResource()` answers at the top level and in a callback without a resource of its own. */
function resourceOf(execution) {
  if (execution.resource === null) execution.resource = {};
  return execution.resource;
}

export function executionAsyncId() {
  return currentExecution().asyncId;
}

export function triggerAsyncId() {
  return currentExecution().triggerAsyncId;
}

export function executionAsyncResource() {
  return resourceOf(currentExecution());
}

export class AsyncResource {
  #frame;
  #execution;

  constructor(type, options = {}) {
    if (typeof type !== 'string') throw invalidArgType('type', 'of type string', type);
    let trigger = typeof options === 'number' ? options : options?.triggerAsyncId;
    if (trigger === undefined) trigger = executionAsyncId();
    if (!Number.isSafeInteger(trigger) || trigger < -1) {
      throw Object.assign(new RangeError(`Invalid asyncId value: ${trigger}`), { code: 'ERR_INVALID_ASYNC_ID' });
    }
    this.#frame = currentFrame();
    this.#execution = newExecution(this, trigger);
  }

  /** `fn` called with `thisArg` and `args` in the context the resource was made in. */
  runInAsyncScope(fn, thisArg, ...args) {
    return runIn(this.#frame, this.#execution, fn, thisArg, args);
  }

  /** Nothing to release: the resource is plain memory, freed with its last reference. */
  emitDestroy() {
    return this;
  }

  asyncId() {
    return this.#execution.asyncId;
  }

  triggerAsyncId() {
    return this.#execution.triggerAsyncId;
  }

  /** `fn` as a function that runs in this resource's scope, as Node's `bind`. */
  bind(fn, thisArg) {
    checkFunction(fn, 'fn');
    const resource = this;
    const bound =
      thisArg === undefined
        ? function (...args) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : (...args) => resource.runInAsyncScope(fn, thisArg, ...args);
    let self = this;
    Object.defineProperties(bound, {
      length: { configurable: true, enumerable: false, value: fn.length, writable: false },
      asyncResource: {
        configurable: true,
        enumerable: true,
        get() {
          return self;
        },
        set(value) {
          self = value;
        },
      },
    });
    return bound;
  }

  static bind(fn, type, thisArg) {
    const name = type || fn?.name;
    return new AsyncResource(name || 'bound-anonymous-fn').bind(fn, thisArg);
  }
}

export class AsyncLocalStorage {
  #enabled = false;

  /** `fn` as a function that runs in the context of now, wherever it is called. */
  static bind(fn) {
    return AsyncResource.bind(fn);
  }

  /** A function that runs its argument in the context of now: `snapshot()(fn, ...args)`. */
  static snapshot() {
    const frame = currentFrame();
    return function runInAsyncScope(fn, ...args) {
      return runIn(frame, null, fn, this, args);
    };
  }

  /** Leaves every context of this storage: `getStore()` is undefined until `run` or `enterWith`. */
  disable() {
    if (!this.#enabled) return;
    this.#enabled = false;
    enterFrame(frameWithout(currentFrame(), this));
  }

  getStore() {
    if (!this.#enabled) return undefined;
    return currentFrame().get(this);
  }

  /** `store` for the rest of the current callback and what it schedules. */
  enterWith(store) {
    this.#enabled = true;
    enterFrame(frameWith(currentFrame(), this, store));
  }

  /** `fn(...args)` with `store`; the store before is back when it returns or throws. */
  run(store, fn, ...args) {
    this.#enabled = true;
    return runIn(frameWith(currentFrame(), this, store), null, fn, undefined, args);
  }

  /** `fn(...args)` outside this storage's context. */
  exit(fn, ...args) {
    if (!this.#enabled) return Reflect.apply(fn, undefined, args);
    return runIn(frameWithout(currentFrame(), this), null, fn, undefined, args);
  }
}

const CODE = 'ERR_KILN_NODE_MODULE_UNAVAILABLE';

/**
 * Node's low-level hooks (`init`, `before`, `after`, `destroy`,
 * `promiseResolve`) cannot be called here: the engine tells no JavaScript
 * when a promise or a callback is made, run or freed. Hooks that would
 * silently never fire would leave code built on them (continuation-local
 * storage, tracers) quietly wrong, so the call fails, naming itself.
 */
export function createHook() {
  throw Object.assign(
    new Error(
      "Node.js's `async_hooks.createHook` is not available to a Kiln app: the engine has no hooks into " +
        'the life of promises and callbacks. AsyncLocalStorage and AsyncResource are provided ' +
        '(see docs/porting-forge-apps.md, "Node.js modules")',
    ),
    { code: CODE },
  );
}

/** Node's table of its internal resource types: Kiln's engine has none of them. */
export const asyncWrapProviders = Object.freeze({ __proto__: null });

export default {
  AsyncLocalStorage,
  AsyncResource,
  createHook,
  executionAsyncId,
  executionAsyncResource,
  triggerAsyncId,
  asyncWrapProviders,
};
