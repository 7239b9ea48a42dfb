// Node's `url` module: the WHATWG `URL` and `URLSearchParams` the engine has,
// and the legacy API (`parse`, `format`, `resolve`, `resolveObject`, `Url`)
// with `domainToASCII`/`domainToUnicode` and the `file:` URL helpers
// (url_legacy.js). `urlToHttpOptions` is left out: it serves `http.request`,
// which a Kiln app does not have.
import {
  Url,
  parse,
  format,
  resolve,
  resolveObject,
  domainToASCII,
  domainToUnicode,
  fileURLToPath,
  pathToFileURL,
} from './url_legacy.js';

export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export { Url, parse, format, resolve, resolveObject, domainToASCII, domainToUnicode, fileURLToPath, pathToFileURL };

export default {
  URL,
  URLSearchParams,
  Url,
  parse,
  format,
  resolve,
  resolveObject,
  domainToASCII,
  domainToUnicode,
  fileURLToPath,
  pathToFileURL,
};
