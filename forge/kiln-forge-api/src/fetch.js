// `fetch` to third-party hosts: Forge's `api.fetch` over Kiln's egress door.
//
// An app whose manifest declares `permissions.external.fetch.backend` is
// built with the engine's `fetch` (componentize-js's `http` feature), which
// sends every request through `wasi:http/outgoing-handler`; Kiln's host
// checks each one (allowlist, https unless the operator allows http, its own
// lookup, every address, body caps, the invocation's budget, one audit
// line) and never follows a redirect itself. An app without a backend is
// built without `http`: its component imports no `wasi:http` at all, and
// `fetch` here throws Forge's `ExternalEndpointNotAllowedError` naming the
// permission to add.
//
// What this module checks is Forge's behaviour, not Kiln's security: the
// scheme and host of the URL against the backends the manifest declared
// when the app was built, so an undeclared URL gets Forge's documented
// error before anything is sent (as Forge, which matches "protocol plus
// hostname"; the port is the host's check). The host checks every request
// again against the manifest it loaded, whatever a guest does to this
// module. The engine's `fetch` reports every refusal of the host as one
// `TypeError` ("NetworkError when attempting to fetch resource"): the
// wasi:http error code does not reach JavaScript, so a request the host
// refused or failed becomes Forge's `FetchError` (the global `fetch`: a
// `TypeError` listing the reasons), and the operator's audit line names the
// check.

import { ExternalEndpointNotAllowedError, FetchError } from './errors.js';
import { Buffer } from './node/buffer.js';
import { encodeBody, isFormDataPackage } from './body.js';
import { byLayer, rejectedByLayer } from './unhandled_rejections.js';

/** Where the permission is declared, for messages. */
const PERMISSION = 'permissions.external.fetch.backend';

let engineFetch = null;
let backends = [];

/**
 * Installs the engine's `fetch` (or `null` when the app was built without
 * `http`) and the declared backends (`scheme://host[:port]` in Kiln's
 * canonical spelling, `*.` for subdomains). Called by the entry Kiln's build
 * generates, before any app module runs; the global `fetch` of an app
 * built without `http` becomes this module's refusing `fetch`.
 */
export function installFetch(nativeFetch, declared) {
  engineFetch = typeof nativeFetch === 'function' ? nativeFetch : null;
  backends = (declared ?? []).map(parseBackend).filter((b) => b !== null);
  if (engineFetch === null) {
    globalThis.fetch = fetch;
  } else {
    const native = engineFetch;
    // The engine's own fetch stays the global one, only started through
    // `send`. It still fails as a standard `fetch` does (a `TypeError`), but
    // says why: an undeclared host is refused here before anything is sent,
    // naming the permission, and the engine's bare "NetworkError" for a
    // request the host refused gets Kiln's reasons, the original as `cause`.
    globalThis.fetch = function fetch(input, init) {
      const undeclared = undeclaredHttp(input);
      if (undeclared !== null) {
        return rejectedByLayer(
          new TypeError(`${NETWORK_ERROR} (Kiln: ${undeclared} is not declared in ${PERMISSION})`),
        );
      }
      return byLayer(
        send(native, input, init).catch((cause) => {
          if (!(cause instanceof TypeError)) {
            throw cause;
          }
          throw new TypeError(`${cause.message} (Kiln: ${EGRESS_REFUSED})`, { cause });
        }),
      );
    };
  }
}

// An invocation answers once the requests it started have settled
// (`settleOpenFetches`, called by the dispatcher), within the invocation's
// time limit: on Forge the answer would go at once and such a request be cut
// off; here every request the app made is sent and finished. (Requests with
// a body were once also started one at a time: StarlingMonkey aborted the
// instance when a failed request's body was cut off under it. The host now
// takes in a refused request's body, so they run together again.)
const open = new Set();

/** Starts `native(input, init)`, kept among the open fetches until it settles. */
function send(native, input, init) {
  const pending = native(input, init);
  open.add(pending);
  const done = () => open.delete(pending);
  pending.then(done, done);
  return pending;
}

/**
 * Resolves once no fetch the invocation started is open (fetches started by
 * what the settled ones ran included); never rejects, whatever they did.
 */
export async function settleOpenFetches() {
  while (open.size > 0) {
    await Promise.allSettled([...open]);
  }
}

/** The engine's message for every failed `fetch`. */
const NETWORK_ERROR = 'NetworkError when attempting to fetch resource.';

/** What a refused or failed request may have met at the host. */
const EGRESS_REFUSED =
  "Kiln's egress refused or could not complete it (an undeclared port or host, http where the operator requires https, a private address, a body over the cap, the invocation's request budget, a timeout or a connection failure; the operator's audit log names which)";

/**
 * `scheme://host` of an http(s) URL no declared backend covers, else `null`
 * (covered, or not an http(s) URL: `data:` and the like, and text that is
 * no URL at all, are the engine's to answer).
 */
function undeclaredHttp(input) {
  let url;
  try {
    url = new URL(urlText(input));
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return null;
  }
  return covered(url) ? null : `${url.protocol}//${url.hostname}`;
}

/** `https://*.example.com:8443` -> `{ scheme, host, subdomains }`. */
function parseBackend(entry) {
  const match = /^(https?):\/\/(\*\.)?([a-z0-9.-]+)(?::\d+)?$/.exec(String(entry));
  if (match === null) {
    return null;
  }
  return { scheme: match[1], subdomains: match[2] !== undefined, host: match[3] };
}

/**
 * Whether `text` is a URL one of the declared backends covers (Forge's
 * matching: scheme and host). Also `permissions.canFetchFrom('backend', …)`.
 */
export function declaresBackend(text) {
  let url;
  try {
    url = new URL(String(text));
  } catch {
    return false;
  }
  return covered(url);
}

function covered(url) {
  const scheme = url.protocol.replace(/:$/, '');
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return backends.some((b) => {
    if (b.scheme !== scheme) {
      return false;
    }
    if (!b.subdomains) {
      return host === b.host;
    }
    return host.length > b.host.length + 1 && host.endsWith(`.${b.host}`);
  });
}

/** The URL as text, whatever the app passed (a string, a URL, a Request). */
function urlText(input) {
  if (input !== null && typeof input === 'object' && typeof input.url === 'string') {
    return input.url;
  }
  return String(input);
}

function notDeclared(text, why) {
  const error = new ExternalEndpointNotAllowedError(text);
  error.message = `${error.message} (Kiln: ${why})`;
  return error;
}

/**
 * `init` with a form body made into bytes and its multipart `Content-Type`:
 * the `form-data` package's (node-fetch's special case, which the engine's
 * fetch does not know), and the standard `FormData`, whose boundary the
 * engine would send unquoted though it may hold `/` (see `body.js`).
 */
async function withFormBody(init) {
  const body = init?.body;
  const isForm = isFormDataPackage(body) || (typeof FormData === 'function' && body instanceof FormData);
  if (!isForm) {
    return init;
  }
  const { bytes, contentType } = await encodeBody(init.body);
  const headers = new Headers(init.headers ?? undefined);
  if (!headers.has('content-type')) {
    headers.set('content-type', contentType);
  }
  return { ...init, headers, body: bytes };
}

/**
 * Forge's `api.fetch(url, init)`: resolves with the engine's `Response`
 * (`ok`, `status`, `statusText`, `headers`, `json()`, `text()`,
 * `arrayBuffer()`) for any HTTP status, a redirect included when `init`
 * says `redirect: 'manual'`; rejects with Forge's errors when the URL is not
 * declared or the host refused or failed the request.
 */
export function fetch(input, init) {
  return byLayer(forgeFetch(input, init));
}

// `fetch`'s work; the exported `fetch` hands its promise out as the layer's,
// so a failure nobody handles is reported (unhandled_rejections.js).
async function forgeFetch(input, init) {
  const text = urlText(input);
  if (engineFetch === null) {
    throw notDeclared(
      text,
      `the manifest declares no ${PERMISSION}, so the app was built without fetch; declare the host there and build again`,
    );
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`fetch: not an absolute URL: ${text}`);
  }
  if (!covered(url)) {
    throw notDeclared(text, `${url.protocol}//${url.hostname} is not declared in ${PERMISSION}`);
  }
  let response;
  try {
    response = await send(engineFetch, input, await withFormBody(init));
  } catch (cause) {
    const error = new FetchError(`request to ${text} failed: ${EGRESS_REFUSED}`);
    error.cause = cause;
    throw error;
  }
  // Forge's fetch is node-fetch, whose responses also have `buffer()`.
  if (typeof response.buffer !== 'function') {
    response.buffer = async () => Buffer.from(await response.arrayBuffer());
  }
  return response;
}
