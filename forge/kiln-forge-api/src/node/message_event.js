// Node's global `MessageEvent` (the engine has `Event` and `EventTarget`, not
// it): what a `MessagePort` or `BroadcastChannel` dispatches for each message
// (message_port.js, broadcast_channel.js), and what code may make itself.
// Its fields as the HTML standard's, given through `init` and read through
// getters on the prototype, as Node's.

import { invalidArgType } from './arg_errors.js';

/**
 * The `MessagePort`s there are (message_port.js adds each), so that `ports`
 * takes only them, as Node's `MessageEvent` does, without this file
 * importing the port's.
 */
export const messagePorts = new WeakSet();

export class MessageEvent extends globalThis.Event {
  #data;
  #origin;
  #lastEventId;
  #source;
  #ports;

  constructor(type, init = {}) {
    super(type, init);
    const { data = null, origin = '', lastEventId = '', source = null, ports = [] } = init ?? {};
    const list = [...ports];
    list.forEach((port, index) => {
      if (!messagePorts.has(port)) throw invalidArgType(`init.ports[${index}]`, 'an instance of MessagePort', port);
    });
    this.#data = data;
    this.#origin = `${origin}`;
    this.#lastEventId = `${lastEventId}`;
    this.#source = source;
    this.#ports = list;
  }

  get data() {
    return this.#data;
  }

  get origin() {
    return this.#origin;
  }

  get lastEventId() {
    return this.#lastEventId;
  }

  get source() {
    return this.#source;
  }

  get ports() {
    return this.#ports;
  }
}

const getter = { enumerable: true };
Object.defineProperties(MessageEvent.prototype, {
  data: getter,
  origin: getter,
  lastEventId: getter,
  source: getter,
  ports: getter,
});
