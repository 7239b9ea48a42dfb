// Node's `diagnostics_channel`: named channels a library publishes on and
// tools subscribe to (undici, fastify, mysql2, pino's and OpenTelemetry's
// instrumentations import it, and most publish only when someone listens).
// Node's module is plain JavaScript over its own objects; this is the same
// rules written for the layer: one channel per name for as long as it is
// used, subscribers called in order with `(message, name)`, `tracingChannel`
// with its five channels and Node's `traceSync`, `tracePromise` and
// `traceCallback`, Node's argument errors.
//
// What differs: a subscriber's exception is reported as Node reports it (an
// uncaught exception, on a later tick) but the publish goes on to the other
// subscribers either way, as Node's. Stores (`bindStore`, `runStores`) take
// any object with Node's `run(value, fn)`; Kiln provides no
// `AsyncLocalStorage` (the engine has no hook to carry a context across
// `await`), so a library binding one of its own gets exactly what it wrote.

import { invalidArgType } from './arg_errors.js';

const channels = new Map();

function checkName(name) {
  if (typeof name !== 'string' && typeof name !== 'symbol') {
    throw invalidArgType('channel', ['string', 'symbol'], name);
  }
}

function checkFunction(value, label) {
  if (typeof value !== 'function') {
    throw invalidArgType(label, 'function', value);
  }
}

/** A subscriber's exception, thrown where Node throws it: outside the publish, on a later tick. */
function reportLater(error) {
  setTimeout(() => {
    throw error;
  }, 0);
}

export class Channel {
  constructor(name) {
    this._subscribers = [];
    this._stores = new Map();
    this.name = name;
  }

  get hasSubscribers() {
    return this._subscribers.length > 0 || this._stores.size > 0;
  }

  subscribe(subscription) {
    checkFunction(subscription, 'subscription');
    this._subscribers = [...this._subscribers, subscription];
  }

  unsubscribe(subscription) {
    const index = this._subscribers.indexOf(subscription);
    if (index === -1) return false;
    this._subscribers = [...this._subscribers.slice(0, index), ...this._subscribers.slice(index + 1)];
    return true;
  }

  bindStore(store, transform) {
    this._stores.set(store, transform);
  }

  unbindStore(store) {
    return this._stores.delete(store);
  }

  publish(data) {
    // A subscriber added or removed by another while publishing takes effect
    // at the next publish: the list is replaced, never changed in place.
    for (const onMessage of this._subscribers) {
      try {
        onMessage(data, this.name);
      } catch (error) {
        reportLater(error);
      }
    }
  }

  runStores(data, fn, thisArg, ...args) {
    let run = () => {
      this.publish(data);
      return Reflect.apply(fn, thisArg, args);
    };
    for (const [store, transform] of this._stores) {
      const next = run;
      run = () => {
        let value = data;
        if (typeof transform === 'function') {
          try {
            value = transform(data);
          } catch (error) {
            reportLater(error);
            return next();
          }
        }
        return store.run(value, next);
      };
    }
    return run();
  }
}

/** The channel named `name`, the same object each time. */
export function channel(name) {
  checkName(name);
  let found = channels.get(name);
  if (found === undefined) {
    found = new Channel(name);
    channels.set(name, found);
  }
  return found;
}

export function hasSubscribers(name) {
  checkName(name);
  return channels.get(name)?.hasSubscribers ?? false;
}

export function subscribe(name, subscription) {
  checkFunction(subscription, 'subscription');
  channel(name).subscribe(subscription);
}

export function unsubscribe(name, subscription) {
  checkName(name);
  return channels.get(name)?.unsubscribe(subscription) ?? false;
}

const TRACE_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];

export class TracingChannel {
  constructor(nameOrChannels) {
    if (typeof nameOrChannels === 'string') {
      for (const event of TRACE_EVENTS) {
        this[event] = channel(`tracing:${nameOrChannels}:${event}`);
      }
    } else if (nameOrChannels !== null && typeof nameOrChannels === 'object') {
      for (const event of TRACE_EVENTS) {
        const given = nameOrChannels[event];
        if (!(given instanceof Channel)) {
          throw invalidArgType(`nameOrChannels.${event}`, 'Channel', given);
        }
        this[event] = given;
      }
    } else {
      throw invalidArgType('nameOrChannels', ['string', 'object', 'TracingChannel'], nameOrChannels);
    }
  }

  get hasSubscribers() {
    return TRACE_EVENTS.some((event) => this[event].hasSubscribers);
  }

  subscribe(handlers) {
    for (const event of TRACE_EVENTS) {
      if (handlers[event]) this[event].subscribe(handlers[event]);
    }
  }

  unsubscribe(handlers) {
    let done = true;
    for (const event of TRACE_EVENTS) {
      if (handlers[event] && !this[event].unsubscribe(handlers[event])) done = false;
    }
    return done;
  }

  /**
   * `run()` inside the start channel's stores, with Node's messages around
   * it: `start` first, `error` if it throws, `end` whatever happens.
   */
  #traced(context, run) {
    const { start, end, error } = this;
    return start.runStores(context, () => {
      try {
        return run();
      } catch (err) {
        context.error = err;
        error.publish(context);
        throw err;
      } finally {
        end.publish(context);
      }
    });
  }

  traceSync(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    return this.#traced(context, () => {
      const result = Reflect.apply(fn, thisArg, args);
      context.result = result;
      return result;
    });
  }

  tracePromise(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    const { asyncStart, asyncEnd, error } = this;
    const reject = (err) => {
      context.error = err;
      error.publish(context);
      asyncStart.publish(context);
      asyncEnd.publish(context);
      return Promise.reject(err);
    };
    const resolve = (result) => {
      context.result = result;
      asyncStart.publish(context);
      asyncEnd.publish(context);
      return result;
    };
    return this.#traced(context, () => {
      let promise = Reflect.apply(fn, thisArg, args);
      if (!(promise instanceof Promise)) promise = Promise.resolve(promise);
      return promise.then(resolve, reject);
    });
  }

  traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    const { asyncStart, asyncEnd, error } = this;
    const callback = args.at(position);
    checkFunction(callback, 'callback');
    function wrappedCallback(err, res) {
      if (err) {
        context.error = err;
        error.publish(context);
      } else {
        context.result = res;
      }
      // `arguments`, not a rest parameter: the callback gets exactly what it was called with.
      const callArgs = arguments;
      return asyncStart.runStores(context, () => {
        try {
          return Reflect.apply(callback, this, callArgs);
        } finally {
          asyncEnd.publish(context);
        }
      });
    }
    args.splice(position, 1, wrappedCallback);
    return this.#traced(context, () => Reflect.apply(fn, thisArg, args));
  }
}

export function tracingChannel(nameOrChannels) {
  return new TracingChannel(nameOrChannels);
}

export default { channel, hasSubscribers, subscribe, unsubscribe, tracingChannel, Channel };
