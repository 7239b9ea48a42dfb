// Node's `url` module: the WHATWG `URL` and `URLSearchParams` the engine has,
// and the legacy API (`parse`, `format`, `resolve`, `resolveObject`, `Url`)
// with `domainToASCII`/`domainToUnicode` and the `file:` URL helpers
// (url_legacy.js), and `urlToHttpOptions`, which the layer's `http` client
// uses too.
import * as legacy from './url_legacy.js';

export * from './url_legacy.js';
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;

export default { URL, URLSearchParams, ...legacy };
