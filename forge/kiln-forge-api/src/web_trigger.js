// Forge's `webTrigger.getUrl(moduleKey)`: the URL of one of the app's
// `webtrigger` modules for this installation.
//
// Under `runtime serve` the host hands the installation's URLs to the guest
// as the environment entry `KILN_WEBTRIGGER_URLS` (a JSON object
// `{moduleKey: url}`), because the frozen `kiln:app` world (0.3.0, as 0.2.0) has no call for
// it. `runtime run` serves no URL, so there is nothing to return: getUrl
// throws rather than inventing one.

import { hostEntry } from './variables.js';

// Taken when the layer loads, before the app's code runs: an app that
// replaces them later changes nothing here.
const { apply, get, has, getOwnPropertyDescriptor } = Reflect;
const { hasOwn } = Object;
const { toLowerCase } = String.prototype;
const ProxyConstructor = Proxy;

/**
 * A web trigger request's `headers` (Forge's `{ name: [values] }`) that
 * finds a header by any spelling of its name. Forge hands the names over as
 * the caller wrote them (its reference shows `"Content-Type"` beside
 * `"accept-encoding"`); Kiln's HTTP server reads them as HTTP/2 and hyper
 * give them, lower-case. So `headers['Content-Type']` and
 * `headers['content-type']` both find the header, whichever the app was
 * written against; the keys it lists are the lower-case ones.
 */
export function headersByAnyCase(headers) {
  const lower = (name) => (typeof name === 'string' ? apply(toLowerCase, name, []) : name);
  const spelled = (target, name) => (typeof name === 'string' && !hasOwn(target, name) ? lower(name) : name);
  return new ProxyConstructor(headers, {
    get: (target, name, receiver) => get(target, spelled(target, name), receiver),
    has: (target, name) => has(target, spelled(target, name)),
    getOwnPropertyDescriptor: (target, name) => getOwnPropertyDescriptor(target, spelled(target, name)),
  });
}

export const WEB_TRIGGER_URLS = 'KILN_WEBTRIGGER_URLS';

function urls() {
  const text = hostEntry(WEB_TRIGGER_URLS);
  if (text === undefined) {
    return undefined;
  }
  const parsed = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' ? parsed : {};
}

export const webTrigger = Object.freeze({
  /**
   * Resolves to the URL of the web trigger module `moduleKey` (Forge's
   * second argument, `forceCreate`, is accepted and ignored: Kiln issues
   * every web trigger's URL when the app is installed).
   */
  async getUrl(moduleKey) {
    const known = urls();
    if (known === undefined) {
      throw new Error(
        'webTrigger.getUrl: this invocation has no web trigger URLs: Kiln serves web triggers under `runtime serve`, not `runtime run`',
      );
    }
    if (typeof moduleKey !== 'string' || !Object.hasOwn(known, moduleKey) || typeof known[moduleKey] !== 'string') {
      throw new Error(
        `webTrigger.getUrl: \`${String(moduleKey)}\` is not a webtrigger module of this app (modules: ${Object.keys(known).join(', ') || 'none'})`,
      );
    }
    return known[moduleKey];
  },
});
