// Node's global `MessageChannel` and its two entangled `MessagePort`s, in the
// app's own memory: both ends are in the one instance of the app (the engine
// has no workers to send a port to), so a message goes from one port's
// `postMessage` to the other's queue. As in Node, the message is a clone
// (message_clone.js), taken at the post; it is delivered as a task of its
// own, after the microtasks and `process.nextTick`s of the code that posted,
// one message per task; a port delivers once started (`start()`, setting
// `onmessage`, or adding a 'message' listener), holding what came before;
// `close()` closes both ends: the other still gets what was posted before,
// later posts are dropped, and each end gets a 'close' event. Schedulers
// (React's, setImmediate shims) post to a channel for exactly that task.
// `ref()`/`unref()` only record the flag, as the layer's timers do: an
// invocation ends when its handler settles, whatever is pending.

import { engine } from './engine_timers.js';
import { defineEventHandlers } from './event_handler.js';
import { cloneMessage } from './message_clone.js';
import { MessageEvent, messagePorts } from './message_event.js';

const kCreate = Symbol('kiln.message-port');

/** Makes two ports each other's peer (set by the class, which alone reaches its fields). */
let entangle;

export class MessagePort extends globalThis.EventTarget {
  #peer = null;
  #queue = [];
  #started = false;
  #closed = false;
  #closeEventPending = false;
  #scheduled = false;
  #referenced = false;

  constructor(key) {
    if (key !== kCreate) {
      throw Object.assign(new TypeError('Constructor cannot be called'), { code: 'ERR_CONSTRUCT_CALL_INVALID' });
    }
    super();
    messagePorts.add(this);
  }

  static {
    entangle = (one, other) => {
      one.#peer = other;
      other.#peer = one;
    };
  }

  postMessage(message, transfer) {
    if (arguments.length === 0) {
      throw Object.assign(new TypeError('Not enough arguments to MessagePort.postMessage'), {
        code: 'ERR_MISSING_ARGS',
      });
    }
    const data = cloneMessage(message, transfer, this);
    if (this.#closed) return;
    this.#peer.#queue.push(data);
    this.#peer.#schedule();
  }

  start() {
    this.#started = true;
    this.#schedule();
  }

  close() {
    if (this.#closed) return;
    // What this end had not yet delivered is dropped; the peer keeps its own.
    this.#queue = [];
    for (const port of [this, this.#peer]) {
      port.#closed = true;
      port.#closeEventPending = true;
      port.#schedule();
    }
  }

  ref() {
    this.#referenced = true;
  }

  unref() {
    this.#referenced = false;
  }

  hasRef() {
    return this.#referenced;
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    // Node starts (and refs) a port when a 'message' listener is added.
    if (`${type}` === 'message' && listener != null) {
      this.ref();
      this.start();
    }
  }

  /** One task for the next thing to deliver, if there is one and none is queued. */
  #schedule() {
    if (this.#scheduled) return;
    const message = this.#started && this.#queue.length > 0;
    if (!message && !this.#closeEventPending) return;
    this.#scheduled = true;
    engine.setTimeout(() => this.#deliver(), 0);
  }

  #deliver() {
    this.#scheduled = false;
    if (this.#started && this.#queue.length > 0) {
      const data = this.#queue.shift();
      // The next message's task is queued first: a listener that throws
      // must not leave the rest undelivered.
      this.#schedule();
      this.dispatchEvent(new MessageEvent('message', { data }));
    } else if (this.#closeEventPending) {
      this.#closeEventPending = false;
      this.#queue = [];
      this.dispatchEvent(new globalThis.Event('close'));
    }
  }
}

defineEventHandlers(MessagePort.prototype, ['message', 'messageerror']);

export class MessageChannel {
  constructor() {
    const port1 = new MessagePort(kCreate);
    const port2 = new MessagePort(kCreate);
    entangle(port1, port2);
    this.port1 = port1;
    this.port2 = port2;
  }
}
