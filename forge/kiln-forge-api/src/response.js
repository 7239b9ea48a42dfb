// The response `requestJira` resolves with: fetch's `Response` (what
// @forge/api 5 types it as) over Kiln's `response` record: `ok`, `status`,
// `statusText`, `headers`, `url`, `redirected`, `type`, `body` (a stream),
// `bodyUsed`, `json()`, `text()`, `arrayBuffer()`, `bytes()`, `blob()`,
// `formData()`, `clone()`, and node-fetch's `buffer()`. Kiln's record has no
// reason phrase, so `statusText` is the standard one for the status; it has
// no URL either (Forge's is its proxy's), so `url` is empty, as a
// constructed Response's is; Kiln follows no redirect, so `redirected` is
// false.

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

/** Statuses whose response has no body: fetch's `body` is null for them. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export class Response {
  #body;
  #pairs;
  #used = false;
  #stream;
  constructor({ status, headers, body }) {
    this.status = status;
    this.statusText = REASONS[status] ?? '';
    this.ok = status >= 200 && status <= 299;
    this.#pairs = headers ?? [];
    this.headers = new ResponseHeaders(this.#pairs);
    this.url = '';
    this.redirected = false;
    this.type = 'basic';
    this.#body = body instanceof Uint8Array ? body : new Uint8Array(body ?? []);
  }
  get bodyUsed() {
    return this.#used;
  }
  /**
   * The body as a stream of its bytes (null for a status that has none),
   * the same stream at every read; reading it uses the body up.
   */
  get body() {
    if (NULL_BODY.has(this.status)) return null;
    if (this.#stream === undefined) {
      this.#stream = new ReadableStream({
        pull: (controller) => {
          const bytes = this.#consume();
          if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
          controller.close();
        },
      });
    }
    return this.#stream;
  }
  /** A second Response with the same status, headers and body, each readable once. */
  clone() {
    if (this.#used) {
      throw new TypeError('Response.clone: Body has already been consumed.');
    }
    return new Response({ status: this.status, headers: this.#pairs, body: this.#body.slice() });
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
  bytes() {
    return settled(() => new Uint8Array(this.#bytes()));
  }
  blob() {
    return settled(() => new Blob([this.#bytes()], { type: this.headers.get('content-type') ?? '' }));
  }
  /** The body read as a form by its `Content-Type` (multipart or URL-encoded), as the engine's fetch reads one. */
  formData() {
    return settled(() => {
      const type = this.headers.get('content-type');
      return new globalThis.Response(this.#bytes(), { headers: type === null ? {} : { 'content-type': type } }).formData();
    });
  }
  #bytes() {
    const bytes = this.#consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
}
