// `@forge/resolver`: `new Resolver()`, `define(key, fn)`, `getDefinitions()`.
// A resolver's definitions are one Kiln handler: the manifest's function
// (`handler: index.handler` with `export const handler =
// resolver.getDefinitions()`) receives `{ call: { functionKey, payload, jobId },
// context }` as Forge's bridge sends it, and runs the function defined for
// `functionKey` with `{ payload, context }`. As @forge/resolver 1.7.0: the
// function is looked up when called (so one defined after `getDefinitions()`
// is found), `payload` defaults to `{}`, an object result is returned as its
// JSON copy, and the errors have Forge's words.

// What the host knows of an invocation and a caller may not say otherwise:
// who runs it and where. Forge sets `accountId`, `installContext`,
// `installation` and `license` from its runtime over the bridge's context; in
// Forge that context comes from Atlassian's own frontend, but here whoever
// invokes the function writes it, so the site, the principal and the
// invocation's own facts are the host's too. A resolver that checks
// `context.accountId` before acting must read the invoking user, never a name
// the request made up.
const HOST_KEYS = [
  'accountId',
  'principal',
  'cloudId',
  'siteUrl',
  'installContext',
  'installation',
  'license',
  'environmentType',
  'environment',
  'invocationId',
  'trigger',
];

export default class Resolver {
  #functions = new Map();

  define(functionKey, fn) {
    if (!fn || typeof fn !== 'function') {
      throw new Error(`Resolver definition '${functionKey}' callback must be a 'function'. Received '${typeof fn}'.`);
    }
    if (this.#functions.has(functionKey)) {
      throw new Error(`Resolver definition '${functionKey}' already exists.`);
    }
    this.#functions.set(functionKey, fn);
    return this;
  }

  #getFunction(functionKey) {
    const fn = this.#functions.get(functionKey);
    if (fn === undefined) {
      throw new Error(`Resolver has no definition for '${functionKey}'.`);
    }
    return fn;
  }

  getDefinitions() {
    return async (event, context) => {
      const call = event?.call ?? {};
      const fn = this.#getFunction(call.functionKey);
      const result = await fn({
        payload: call.payload || {},
        context: resolverContext(event?.context, context ?? {}, call.jobId),
      });
      return typeof result === 'object' && result !== null ? JSON.parse(JSON.stringify(result)) : result;
    };
  }
}

/** The bridge's context (what the caller sent), with the host's facts over it. */
function resolverContext(sent, host, jobId) {
  const context = { ...host, ...(sent !== null && typeof sent === 'object' && !Array.isArray(sent) ? sent : {}) };
  for (const key of HOST_KEYS) {
    if (key in host) {
      context[key] = host[key];
    } else {
      delete context[key];
    }
  }
  // A queue consumer's job (Forge's `call.jobId`; Kiln's @forge/events 1.x
  // unwrapping passes it in the context instead, which then stays).
  if (jobId !== undefined) {
    context.jobId = jobId;
  }
  return context;
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
