// The response `requestJira` resolves with: the fetch `Response` surface
// Forge apps use (`ok`, `status`, `statusText`, `headers`, `json()`,
// `text()`, `arrayBuffer()`, `bodyUsed`), over Kiln's `response` record.
// Kiln's record has no reason phrase, so `statusText` is the standard one
// for the status.

import { Buffer } from './node/buffer.js';

const REASONS = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content',
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 412: 'Precondition Failed',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** Case-insensitive headers with the read side of fetch's `Headers`. */
export class ResponseHeaders {
  #map = new Map();
  constructor(pairs = []) {
    for (const [name, value] of pairs) {
      const key = String(name).toLowerCase();
      const prior = this.#map.get(key);
      this.#map.set(key, prior === undefined ? String(value) : `${prior}, ${value}`);
    }
  }
  get(name) {
    return this.#map.get(String(name).toLowerCase()) ?? null;
  }
  has(name) {
    return this.#map.has(String(name).toLowerCase());
  }
  forEach(callback, thisArg) {
    for (const [name, value] of this.entries()) {
      callback.call(thisArg, value, name, this);
    }
  }
  *entries() {
    yield* [...this.#map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  *keys() {
    for (const [name] of this.entries()) yield name;
  }
  *values() {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  /** node-fetch's extension, used by some Forge apps. */
  raw() {
    const raw = {};
    for (const [name, value] of this.entries()) raw[name] = [value];
    return raw;
  }
}

const decoder = new TextDecoder();

/** A promise of what `read` returns, or rejected with what it throws. */
function settled(read) {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error);
  }
}

export class Response {
  #body;
  #used = false;
  constructor({ status, headers, body }) {
    this.status = status;
    this.statusText = REASONS[status] ?? '';
    this.ok = status >= 200 && status <= 299;
    this.headers = new ResponseHeaders(headers);
    this.#body = body instanceof Uint8Array ? body : new Uint8Array(body ?? []);
  }
  get bodyUsed() {
    return this.#used;
  }
  #consume() {
    if (this.#used) {
      throw new TypeError('Body is unusable: Body has already been read');
    }
    this.#used = true;
    return this.#body;
  }
  // The readers return promises, as fetch's do, but are not `async`
  // functions: the body is already in memory, and each `async` call costs
  // the engine a promise, a recorded stack and a job (request.js says more).
  arrayBuffer() {
    return settled(() => this.#bytes());
  }
  text() {
    return settled(() => decoder.decode(this.#consume()));
  }
  json() {
    return settled(() => JSON.parse(decoder.decode(this.#consume())));
  }
  /** node-fetch's `buffer()`, which Forge's responses have (Forge's fetch is node-fetch). */
  buffer() {
    return settled(() => Buffer.from(this.#bytes()));
  }
  #bytes() {
    const bytes = this.#consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
}
