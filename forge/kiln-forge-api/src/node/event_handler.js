// The DOM's `on<type>` attributes (`port.onmessage = …`) for the layer's
// event targets (message_port.js, broadcast_channel.js), as Node defines
// them: a getter and setter on the prototype; setting a function adds one
// listener through the target's own `addEventListener` (so a port starts, as
// adding a 'message' listener starts it), setting another function replaces
// what that listener calls, keeping its place, and anything else removes it.

const attributes = new WeakMap(); // target → Map(type → { handler, listener })

export function defineEventHandlers(prototype, types) {
  for (const type of types) {
    Object.defineProperty(prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get() {
        return attributes.get(this)?.get(type)?.handler ?? null;
      },
      set(value) {
        let own = attributes.get(this);
        if (own === undefined) attributes.set(this, (own = new Map()));
        const current = own.get(type);
        if (typeof value !== 'function') {
          if (current !== undefined) this.removeEventListener(type, current.listener);
          own.delete(type);
        } else if (current !== undefined) {
          current.handler = value;
        } else {
          const attribute = { handler: value, listener: (event) => attribute.handler.call(this, event) };
          own.set(type, attribute);
          this.addEventListener(type, attribute.listener);
        }
      },
    });
  }
}
