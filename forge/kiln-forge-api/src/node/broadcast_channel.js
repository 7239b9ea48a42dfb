// Node's global `BroadcastChannel`: a message posted on a channel reaches
// every other open channel of the same name in this instance of the app (the
// engine has no workers or other processes to reach), never the one that
// posted. As in Node, the message is cloned at the post (message_clone.js),
// each receiver gets its own copy as a task of its own, after the microtasks
// of the code that posted; a channel closed before that task gets nothing,
// and posting on a closed channel throws `InvalidStateError`.

import { engine } from './engine_timers.js';
import { defineEventHandlers } from './event_handler.js';
import { cloneMessage } from './message_clone.js';
import { MessageEvent } from './message_event.js';

/** The open channels, by name. */
const open = new Map();

function missingArgument(name) {
  return Object.assign(new TypeError(`The "${name}" argument must be specified`), { code: 'ERR_MISSING_ARGS' });
}

export class BroadcastChannel extends globalThis.EventTarget {
  #name;
  #closed = false;

  constructor(name) {
    if (arguments.length === 0) throw missingArgument('name');
    super();
    this.#name = `${name}`;
    if (!open.has(this.#name)) open.set(this.#name, new Set());
    open.get(this.#name).add(this);
  }

  get name() {
    return this.#name;
  }

  postMessage(message) {
    if (arguments.length === 0) throw missingArgument('message');
    if (this.#closed) throw new DOMException('BroadcastChannel is closed.', 'InvalidStateError');
    const data = cloneMessage(message);
    for (const channel of open.get(this.#name)) {
      if (channel === this) continue;
      // Each receiver its own copy, as if each had read the message anew.
      const copy = structuredClone(data);
      engine.setTimeout(() => {
        if (!channel.#closed) channel.dispatchEvent(new MessageEvent('message', { data: copy }));
      }, 0);
    }
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    const channels = open.get(this.#name);
    channels.delete(this);
    if (channels.size === 0) open.delete(this.#name);
  }

  // Nothing holds an invocation open (it ends when its handler settles), so
  // there is nothing for these to change; they answer the channel, as Node's.
  ref() {
    return this;
  }

  unref() {
    return this;
  }
}

defineEventHandlers(BroadcastChannel.prototype, ['message', 'messageerror']);

const enumerable = { enumerable: true };
Object.defineProperties(BroadcastChannel.prototype, {
  name: enumerable,
  close: enumerable,
  postMessage: enumerable,
  ref: enumerable,
  unref: enumerable,
});
