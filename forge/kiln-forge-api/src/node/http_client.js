// Node's HTTP client (`http.request`, `https.get`, …) over the layer's
// `fetch`: what `http.js` and `https.js` export. Packages written for Node
// (and apps) send with `http.request`; a Kiln app has no sockets, and its one
// door to other hosts is `fetch`, which checks the manifest's
// `permissions.external.fetch.backend` and goes out through Kiln's egress
// door, where the host checks every request again (allowlist, https unless
// the operator allows http, its own lookup, every address, caps, budget,
// one audit line). This module adds no door and grants nothing: whatever a
// guest does to it, the host's checks are the ones that hold.
//
// The shapes are Node's, because code relies on them: a `ClientRequest`
// that is a writable stream (`write`, `end`, `pipe` into it, `setHeader`…),
// `'socket'`, `'finish'`, `'response'`, `'timeout'`, `'error'` and `'close'`
// in Node's order, an `IncomingMessage` that is a readable stream with
// `statusCode`, `statusMessage`, `headers` (lowercase names, `set-cookie` an
// array), `rawHeaders`; Node's errors and codes for what Node refuses before
// sending (an unescaped path, a method or header that is no HTTP token, a
// header value with a line break, the other protocol's URL).
//
// What differs, because `fetch` is the transport:
// - the request is sent once `end()` is called, its body in one piece (no
//   chunked upload as the body is written); the response's body arrives
//   whole, then is read as a stream;
// - redirects are answered, not followed (as Node's `http`, and as Kiln's
//   host, which never follows one);
// - Kiln's host owns `Host`, `Content-Length`, `Connection`,
//   `Transfer-Encoding` and the other hop-by-hop headers; an app's values for
//   them are not sent. Bodies come as the server sent them (no decoding:
//   Node's `http` does none either);
// - `agent`, `lookup`, `family`, `localAddress`, `socketPath` and the TLS
//   options (`ca`, `cert`, `rejectUnauthorized`, …) are not used: the host
//   resolves, connects and verifies certificates itself, with its own roots;
// - the `socket` a request reports is a stand-in with Node's methods and no
//   connection (`setTimeout`, `setNoDelay`, `setKeepAlive` do nothing; no
//   address);
// - a request that fails at the host (an undeclared host, refused, cut off)
//   emits `'error'` with the layer's `fetch` error: Forge's
//   `ExternalEndpointNotAllowedError` before anything is sent, `FetchError`
//   (its `cause` the engine's) after; the operator's audit log names the
//   host's reason;
// - servers (`createServer`, `Server`) cannot listen: a Kiln app has no
//   sockets, and answers HTTP through a web trigger.

import { Buffer } from './buffer.js';
import EventEmitter from './events.cjs';
import stream from './stream.cjs';
import { invalidArgType } from './arg_errors.js';
import { urlToHttpOptions } from './url_legacy.js';
import { fetch } from '../fetch.js';

const { Readable, Writable } = stream;

export const METHODS = Object.freeze(
  [
    'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK',
    'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS',
    'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT',
    'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
  ],
);

export const STATUS_CODES = Object.freeze({
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information',
  204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status',
  208: 'Already Reported', 226: 'IM Used', 300: 'Multiple Choices', 301: 'Moved Permanently',
  302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy', 307: 'Temporary Redirect',
  308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long',
  415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked',
  424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage',
  508: 'Loop Detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not Extended',
  511: 'Network Authentication Required',
});

/** Node's default cap on a response's header bytes (`--max-http-header-size`). */
export const maxHeaderSize = 16384;

// RFC 9110's token: what a method and a header name may be.
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
// What Node refuses in a header value: a control character other than tab
// (a line break would start another header: request splitting).
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// What Node refuses in a request path: a character that would end the
// request line or the path (space, a control character).
const UNESCAPED_PATH = /[\u0000-\u0020]/;

// Headers Kiln's host sets itself or that only make sense hop by hop: not
// sent (the host would drop them too; `fetch` refuses some).
const HOST_OWNED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'expect',
]);

function nodeError(Type, code, message) {
  const error = new Type(message);
  error.code = code;
  return error;
}

/** Node's `http.validateHeaderName`. */
export function validateHeaderName(name, label = 'Header name') {
  if (typeof name !== 'string' || !name || !TOKEN.test(name)) {
    throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `${label} must be a valid HTTP token ["${name}"]`);
  }
}

/** Node's `http.validateHeaderValue`. */
export function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw nodeError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', `Invalid value "${value}" for header "${name}"`);
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => INVALID_VALUE.test(String(v)))) {
    throw nodeError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
  }
}

/**
 * Node's agents pool sockets; Kiln's host owns its connections, so an agent
 * is kept for its options and for code that makes one (`keepAlive`,
 * `maxSockets`, `new https.Agent({ rejectUnauthorized })`) and changes nothing.
 */
export class Agent extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = { path: null, ...options };
    this.defaultPort = this.options.defaultPort ?? 80;
    this.protocol = this.options.protocol ?? 'http:';
    this.keepAlive = Boolean(this.options.keepAlive);
    this.keepAliveMsecs = this.options.keepAliveMsecs ?? 1000;
    this.maxSockets = this.options.maxSockets ?? Infinity;
    this.maxFreeSockets = this.options.maxFreeSockets ?? 256;
    this.maxTotalSockets = this.options.maxTotalSockets ?? Infinity;
    this.totalSocketCount = 0;
    this.sockets = Object.create(null);
    this.freeSockets = Object.create(null);
    this.requests = Object.create(null);
  }

  getName(options = {}) {
    return `${options.host ?? 'localhost'}:${options.port ?? ''}:${options.localAddress ?? ''}`;
  }

  destroy() {}
}

/** A socket with Node's methods and no connection: what `'socket'` gives. */
class StandInSocket extends EventEmitter {
  constructor() {
    super();
    this.connecting = false;
    this.destroyed = false;
    this.readable = true;
    this.writable = true;
    this.remoteAddress = undefined;
    this.remotePort = undefined;
    this.localAddress = undefined;
    this.localPort = undefined;
    this.bytesRead = 0;
    this.bytesWritten = 0;
  }

  setTimeout(_ms, callback) {
    if (typeof callback === 'function') this.once('timeout', callback);
    return this;
  }

  setNoDelay() {
    return this;
  }

  setKeepAlive() {
    return this;
  }

  ref() {
    return this;
  }

  unref() {
    return this;
  }

  address() {
    return {};
  }

  end() {
    return this;
  }

  destroy() {
    this.destroyed = true;
    return this;
  }
}

/** The options of `request(url, options, callback)` in any of Node's three shapes. */
function requestArguments(defaults, input, options, callback) {
  let fromUrl = {};
  if (typeof input === 'string' || input instanceof URL) {
    let url;
    try {
      url = input instanceof URL ? input : new URL(input);
    } catch {
      throw nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
    }
    fromUrl = urlToHttpOptions(url);
  } else if (typeof input === 'function') {
    callback = input;
    options = {};
  } else {
    // As Node: anything else is the options (a number or null reads as none).
    callback = options;
    options = input !== null && typeof input === 'object' ? input : {};
  }
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  return { options: { ...defaults, ...fromUrl, ...(options ?? {}) }, callback };
}

/** The protocol a module's requests take (`http:` for `http`, `https:` for `https`). */
function defaultsFor(protocol) {
  return { protocol, defaultPort: protocol === 'https:' ? 443 : 80 };
}

/**
 * Node's `ClientRequest`: a writable stream of the request's body, sent
 * through `fetch` once ended.
 */
export class ClientRequest extends Writable {
  constructor(input, options, callback, defaults = defaultsFor('http:')) {
    super({ autoDestroy: false, emitClose: true, decodeStrings: true });
    const args = requestArguments(defaults, input, options, callback);
    options = args.options;
    callback = args.callback;

    const expected = defaults.protocol;
    const protocol = options.protocol ?? expected;
    if (protocol !== expected) {
      throw nodeError(TypeError, 'ERR_INVALID_PROTOCOL', `Protocol "${protocol}" not supported. Expected "${expected}"`);
    }
    const method = String(options.method ?? 'GET').toUpperCase();
    validateHeaderName(method, 'Method');
    const path = options.path ?? '/';
    if (typeof path !== 'string') throw invalidArgType('options.path', 'string', path);
    if (UNESCAPED_PATH.test(path)) {
      throw nodeError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
    }
    // As Node, `host` is a host name, never `name:port` (a port there is no
    // request Node could send either: it fails, here before sending).
    const host = options.hostname ?? (typeof options.host === 'string' ? options.host : 'localhost');
    const port = options.port ?? options.defaultPort ?? defaults.defaultPort;

    this.method = method;
    this.path = path;
    this.host = host;
    this.protocol = protocol;
    this.agent = options.agent === false ? undefined : options.agent;
    this.aborted = false;
    this.reusedSocket = false;
    this.maxHeadersCount = null;
    this.socket = null;
    this.res = null;
    this._kiln = {
      headers: new Map(), // lowercase name -> [name as set, value]
      body: [],
      sent: false,
      controller: typeof AbortController === 'function' ? new AbortController() : null,
      timer: null,
      timeoutMs: 0,
      origin: `${protocol}//${host.includes(':') ? `[${host}]` : host}${
        Number(port) === defaults.defaultPort ? '' : `:${port}`
      }`,
    };

    const headers = options.headers;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(headers[i], headers[i + 1]);
    } else if (headers !== null && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    if (options.auth && !this.hasHeader('authorization')) {
      this.setHeader('Authorization', `Basic ${Buffer.from(String(options.auth)).toString('base64')}`);
    }
    if (typeof callback === 'function') this.once('response', callback);
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    if (options.signal !== undefined && options.signal !== null) {
      const { signal } = options;
      const onAbort = () => this.destroy(abortError(signal.reason));
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    // Node hands the request a socket on a later tick; code that sets
    // timeouts or keep-alive on it listens for this.
    queueMicrotask(() => {
      if (this.destroyed) return;
      this.socket = new StandInSocket();
      this.emit('socket', this.socket);
    });
  }

  get connection() {
    return this.socket;
  }

  get headersSent() {
    return this._kiln.sent;
  }

  get finished() {
    return this.writableEnded;
  }

  setHeader(name, value) {
    if (this._kiln.sent) {
      throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot set headers after they are sent to the client');
    }
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this._kiln.headers.set(name.toLowerCase(), [name, value]);
    return this;
  }

  appendHeader(name, value) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const key = name.toLowerCase();
    const existing = this._kiln.headers.get(key);
    if (existing === undefined) {
      return this.setHeader(name, value);
    }
    const values = [existing[1], value].flat();
    this._kiln.headers.set(key, [existing[0], values]);
    return this;
  }

  getHeader(name) {
    return this._kiln.headers.get(String(name).toLowerCase())?.[1];
  }

  hasHeader(name) {
    return this._kiln.headers.has(String(name).toLowerCase());
  }

  removeHeader(name) {
    if (this._kiln.sent) {
      throw nodeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot remove headers after they are sent to the client');
    }
    this._kiln.headers.delete(String(name).toLowerCase());
  }

  getHeaderNames() {
    return [...this._kiln.headers.keys()];
  }

  getRawHeaderNames() {
    return [...this._kiln.headers.values()].map(([name]) => name);
  }

  getHeaders() {
    const out = Object.create(null);
    for (const [key, [, value]] of this._kiln.headers) out[key] = value;
    return out;
  }

  flushHeaders() {}

  setNoDelay() {}

  setSocketKeepAlive() {}

  /** Node's: `'timeout'` once the request has waited `ms` for an answer; nothing is cut off. */
  setTimeout(ms, callback) {
    if (typeof callback === 'function') this.once('timeout', callback);
    this._kiln.timeoutMs = Number(ms) || 0;
    this.armTimer();
    return this;
  }

  armTimer() {
    const state = this._kiln;
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    if (state.timeoutMs > 0 && !this.destroyed) {
      state.timer = setTimeout(() => {
        state.timer = null;
        this.emit('timeout');
        this.socket?.emit('timeout');
      }, state.timeoutMs);
    }
  }

  clearTimer() {
    if (this._kiln.timer !== null) clearTimeout(this._kiln.timer);
    this._kiln.timer = null;
  }

  /** Deprecated in Node: `'abort'`, then as `destroy()`. */
  abort() {
    if (this.aborted) return;
    this.aborted = true;
    queueMicrotask(() => this.emit('abort'));
    this.destroy();
  }

  _write(chunk, _encoding, callback) {
    this._kiln.body.push(chunk);
    callback();
  }

  _final(callback) {
    callback();
    this.send();
  }

  _destroy(error, callback) {
    const state = this._kiln;
    state.controller?.abort();
    this.clearTimer();
    if (this.res !== null && !this.res.complete) {
      this.res.aborted = true;
      this.res.destroy(error ?? undefined);
    }
    // Node: a request destroyed before its response ends says so.
    const answered = this.res !== null && this.res.complete;
    // The stream emits 'error' (if any), then 'close'.
    callback(error ?? (answered ? null : hangUp()));
  }

  async send() {
    const state = this._kiln;
    state.sent = true;
    const headers = new Headers();
    for (const [key, [, value]] of state.headers) {
      if (HOST_OWNED.has(key)) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(key, String(v));
    }
    const body = state.body.length === 0 ? undefined : Buffer.concat(state.body);
    state.body = [];
    const url = requestUrl(state.origin, this.path);
    if (url === null) {
      const why = isUrl(state.origin)
        ? `the request path ${JSON.stringify(this.path)} does not stay on ${state.origin}`
        : `no URL has the host ${JSON.stringify(this.host)}`;
      this.destroy(nodeError(TypeError, 'ERR_INVALID_URL', `Invalid URL: ${why}`));
      return;
    }
    let response;
    try {
      response = await fetch(url, {
        method: this.method,
        headers,
        body: this.method === 'GET' || this.method === 'HEAD' ? (body?.length ? body : undefined) : body,
        redirect: 'manual',
        signal: state.controller?.signal,
      });
    } catch (error) {
      if (!this.destroyed) this.destroy(error);
      return;
    }
    if (this.destroyed) return;
    const res = new IncomingMessage(this.socket, response);
    this.res = res;
    res.req = this;
    if (this.listenerCount('response') === 0) {
      res.resume(); // Node reads and drops a response nobody listens for
    }
    this.emit('response', res);
    let bytes;
    try {
      bytes = this.method === 'HEAD' ? new ArrayBuffer(0) : await response.arrayBuffer();
    } catch (error) {
      if (!this.destroyed) this.destroy(error);
      return;
    }
    if (this.destroyed) return;
    if (bytes.byteLength > 0) res.push(Buffer.from(bytes));
    res.complete = true;
    res.push(null);
    res.once('end', () => {
      // Node closes the response, then the request (whose destroy clears the timer).
      queueMicrotask(() => {
        res.destroy();
        this.destroy();
      });
    });
  }
}

/**
 * The URL of a request: the origin the options name, then the path, or
 * `null` when the two do not make a URL of that origin. Node writes the path
 * into the request line as it is, to the host it connected to; joined into
 * a URL, a path such as `@other.example/x` or `.evil.example/` would change
 * the host instead, so such a request is not sent (the layer's `fetch` and
 * Kiln's host would check the other host, but the app asked for this one).
 */
function isUrl(text) {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function requestUrl(origin, path) {
  try {
    const url = new URL(`${origin}${path}`);
    const expected = new URL(origin);
    return url.origin === expected.origin && url.username === '' && url.password === '' ? url.href : null;
  } catch {
    return null;
  }
}

function hangUp() {
  return nodeError(Error, 'ECONNRESET', 'socket hang up');
}

function abortError(reason) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (reason !== undefined) error.cause = reason;
  return error;
}

/** Node's `IncomingMessage`, as a client receives it: a readable stream of the body. */
export class IncomingMessage extends Readable {
  constructor(socket, response) {
    super({ autoDestroy: true, emitClose: true });
    this.socket = socket;
    this.httpVersion = '1.1';
    this.httpVersionMajor = 1;
    this.httpVersionMinor = 1;
    this.complete = false;
    this.aborted = false;
    this.upgrade = false;
    this.url = '';
    this.method = null;
    this.trailers = {};
    this.rawTrailers = [];
    this.statusCode = response?.status;
    this.statusMessage = response?.statusText || STATUS_CODES[response?.status] || '';
    const { headers, rawHeaders, headersDistinct } = responseHeaders(response?.headers);
    this.headers = headers;
    this.headersDistinct = headersDistinct;
    this.rawHeaders = rawHeaders;
  }

  get connection() {
    return this.socket;
  }

  setTimeout(ms, callback) {
    this.req?.setTimeout(ms, callback);
    return this;
  }

  _read() {}
}

/** A `fetch` response's headers as Node gives them: lowercase, `set-cookie` an array. */
function responseHeaders(fetched) {
  const headers = Object.create(null);
  const headersDistinct = Object.create(null);
  const rawHeaders = [];
  if (fetched === undefined || fetched === null) {
    return { headers, headersDistinct, rawHeaders };
  }
  // `set-cookie` is always an array in Node. An engine whose `Headers` has
  // no `getSetCookie` gives each cookie as its own entry (the standard's
  // iteration), collected here.
  let cookies = typeof fetched.getSetCookie === 'function' ? fetched.getSetCookie() : null;
  const iterated = [];
  for (const [name, value] of fetched) {
    if (name === 'set-cookie') {
      iterated.push(value);
      continue;
    }
    headers[name] = value;
    headersDistinct[name] = [value];
    rawHeaders.push(name, value);
  }
  cookies ??= iterated;
  if (cookies.length > 0) {
    headers['set-cookie'] = cookies;
    headersDistinct['set-cookie'] = cookies;
    for (const cookie of cookies) rawHeaders.push('set-cookie', cookie);
  }
  return { headers: { ...headers }, headersDistinct: { ...headersDistinct }, rawHeaders };
}

/** Node's `OutgoingMessage`, for code that checks `instanceof`; a server's side, never made here. */
export class OutgoingMessage extends Writable {}

/** What a server would answer with; a Kiln app runs no server. */
export class ServerResponse extends OutgoingMessage {}

function noServer(name) {
  return nodeError(
    Error,
    'ERR_KILN_NODE_MODULE_UNAVAILABLE',
    `${name}: a Kiln app cannot listen for connections (the sandbox has no sockets); answer HTTP with a web trigger (see docs/porting-forge-apps.md, "Node.js modules")`,
  );
}

/** Node's `Server`: cannot listen in the sandbox. */
export class Server extends EventEmitter {
  constructor() {
    super();
    throw noServer('http.Server');
  }
}

/** The functions and classes one protocol's module exports. */
export function clientModule(protocol) {
  const defaults = defaultsFor(protocol);
  const globalAgent = new Agent({ defaultPort: defaults.defaultPort, protocol, keepAlive: true });
  const request = (input, options, callback) => new ClientRequest(input, options, callback, defaults);
  const get = (input, options, callback) => {
    const req = request(input, options, callback);
    req.end();
    return req;
  };
  const createServer = () => {
    throw noServer(`${protocol.slice(0, -1)}.createServer`);
  };
  return { request, get, globalAgent, createServer };
}
