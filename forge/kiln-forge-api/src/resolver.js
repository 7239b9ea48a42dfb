// `@forge/resolver`: `new Resolver()`, `define(key, fn)`, `getDefinitions()`.
// A resolver's definitions are one Kiln handler: the manifest's function
// (`handler: index.handler` with `export const handler =
// resolver.getDefinitions()`) receives `{ call: { functionKey, payload },
// context }` as Forge's bridge sends it, and runs the function defined for
// `functionKey` with `{ payload, context }`.

export default class Resolver {
  #functions = new Map();

  define(functionKey, fn) {
    if (typeof fn !== 'function') {
      throw new TypeError(`resolver function ${functionKey} must be a function`);
    }
    if (this.#functions.has(functionKey)) {
      throw new Error(`resolver function ${functionKey} is defined twice`);
    }
    this.#functions.set(functionKey, fn);
    return this;
  }

  getDefinitions() {
    const functions = new Map(this.#functions);
    return async (event, context) => {
      const key = event?.call?.functionKey;
      const fn = functions.get(key);
      if (fn === undefined) {
        throw new Error(`no resolver function named ${key}`);
      }
      return fn({ payload: event.call.payload, context: { ...context, ...(event.context ?? {}) } });
    };
  }
}

/**
 * `makeResolver(handlers)` (@forge/resolver 2): a resolver defining each
 * `key: fn` of `handlers`, returned as its definitions.
 */
export function makeResolver(handlers) {
  const resolver = new Resolver();
  for (const key of Object.keys(handlers)) {
    resolver.define(key, handlers[key]);
  }
  return resolver.getDefinitions();
}
