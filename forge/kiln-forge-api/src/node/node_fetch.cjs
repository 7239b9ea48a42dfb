// `node-fetch` (v2 and v3), for apps that import it: Forge's own `fetch` is
// node-fetch, and older Forge apps and their libraries call it directly.
// Bundled in its place, it is the layer's `api.fetch` (../fetch.js): the
// manifest's `fetch.backend` checked first, then Kiln's egress door, which
// checks again. CommonJS so that both `require('node-fetch')` and
// `import fetch from 'node-fetch'` get the function itself.

const { fetch } = require('../fetch.js');
const { FetchError } = require('../errors.js');

function nodeFetch(url, init) {
  return fetch(url, init);
}

class AbortError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AbortError';
    this.type = 'aborted';
  }
}

nodeFetch.default = nodeFetch;
nodeFetch.Headers = globalThis.Headers;
nodeFetch.Request = globalThis.Request;
nodeFetch.Response = globalThis.Response;
nodeFetch.FetchError = FetchError;
nodeFetch.AbortError = AbortError;
nodeFetch.isRedirect = (code) => [301, 302, 303, 307, 308].includes(code);

module.exports = nodeFetch;
