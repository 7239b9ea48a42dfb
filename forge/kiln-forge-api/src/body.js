// A request body as Forge's fetch takes it, made into the bytes Kiln's host
// sends and the `Content-Type` those bytes need.
//
// Forge's `requestJira` is node-fetch underneath, so apps pass it what
// node-fetch takes: a string, a `Buffer` or other bytes, `URLSearchParams`,
// a `Blob`/`File`, a `FormData` (the standard one, or the `form-data` npm
// package's, which node-fetch special-cases), a `ReadableStream`. Kiln's
// request record carries bytes, so every one of these becomes bytes here;
// the standard kinds are encoded by the engine's own `Response`, so the
// multipart framing is the platform's, not the layer's.
//
// A multipart body is unreadable without its boundary, which lives only in
// the `Content-Type`, so that header is filled in when the app gave none,
// as node-fetch does: the multipart boundary, the Blob's type,
// `application/x-www-form-urlencoded;charset=UTF-8`, and for a string
// `text/plain;charset=UTF-8` (so Jira answers a JSON route sent a string
// with no type 415, as it does under Forge; apps name theirs). Anything else
// (an object, a number) is sent as `String(body)` with the string's type, as
// node-fetch sends it: `[object Object]`, which Jira refuses with 400 where
// the app's own check of `res.ok` sees it. An app's own `Content-Type`
// always wins.

const encoder = new TextEncoder();

/** The `Content-Type` node-fetch gives `URLSearchParams`. */
const FORM_URLENCODED = 'application/x-www-form-urlencoded;charset=UTF-8';
/** The `Content-Type` node-fetch gives a string, and anything it sends as one. */
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

/**
 * Whether `body` is the `form-data` npm package's `FormData` (Kiln's
 * version of it, `node/form_data.cjs`, or anything shaped like it):
 * node-fetch reads it through `getBoundary()` and its bytes.
 */
export function isFormDataPackage(body) {
  return (
    body !== null &&
    typeof body === 'object' &&
    typeof body.getBoundary === 'function' &&
    typeof body.getBuffer === 'function'
  );
}

/** An RFC 7230 token: what a parameter value may be without quotes. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `contentType` with its multipart `boundary` quoted when the boundary is
 * not a token. The engine's FormData picks boundaries of base64 characters,
 * `/` among them, and writes them unquoted: a strict parser (the `mime`
 * grammar Kiln's simulator reads with, many servers' too) refuses that
 * header, where RFC 2046 says a boundary with such characters is quoted.
 * Quoted, every parser reads the same boundary.
 */
export function withQuotedBoundary(contentType) {
  const match = /^(multipart\/[^;]+;\s*boundary=)([^";\s]+)$/i.exec(contentType);
  if (match === null || TOKEN.test(match[2])) {
    return contentType;
  }
  return `${match[1]}"${match[2]}"`;
}

/** Whether `Response` (the engine's) encodes `body`: a Blob, a FormData or a stream. */
function isStandardBody(body) {
  return [globalThis.Blob, globalThis.FormData, globalThis.ReadableStream].some(
    (kind) => typeof kind === 'function' && body instanceof kind,
  );
}

/**
 * `body` as `{ bytes, contentType }`: `bytes` a `Uint8Array` (or
 * `undefined` for no body), `contentType` the type the bytes need when the
 * app names none (or `undefined`). Anything node-fetch would send as its
 * string (a plain object, a number) is that string; `String(body)` may throw
 * (a Symbol, an object whose `toString` throws), as it does in node-fetch.
 *
 * Synchronous for every body that is already bytes or text; only a Blob, a
 * FormData or a stream, which the engine reads asynchronously, gives a
 * promise of the same (`await` takes either). Not an `async` function: in
 * the engine every `async` call makes a promise and records the stack it was
 * made from, which a request with a string body would pay for nothing.
 */
export function encodeBody(body) {
  if (body === undefined || body === null) {
    return { bytes: undefined, contentType: undefined };
  }
  if (typeof body === 'string') {
    return { bytes: encoder.encode(body), contentType: TEXT_PLAIN };
  }
  if (body instanceof Uint8Array) {
    return { bytes: body, contentType: undefined };
  }
  if (body instanceof ArrayBuffer) {
    return { bytes: new Uint8Array(body), contentType: undefined };
  }
  if (ArrayBuffer.isView(body)) {
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType: undefined };
  }
  if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
    return { bytes: encoder.encode(body.toString()), contentType: FORM_URLENCODED };
  }
  if (isFormDataPackage(body)) {
    const bytes = body.getBuffer();
    return {
      bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      contentType: `multipart/form-data; boundary=${body.getBoundary()}`,
    };
  }
  if (isStandardBody(body)) {
    return encodeStandardBody(body);
  }
  // node-fetch's last case: whatever else, as its string.
  return { bytes: encoder.encode(String(body)), contentType: TEXT_PLAIN };
}

/** A Blob, FormData or stream body, encoded by the engine's `Response`. */
async function encodeStandardBody(body) {
  const encoded = new Response(body);
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const type = encoded.headers.get('content-type');
  return { bytes, contentType: type === null || type === '' ? undefined : withQuotedBoundary(type) };
}

/** Whether `pairs` (`[name, value]`) names `name`, in any case. */
export function hasHeader(pairs, name) {
  const lower = name.toLowerCase();
  return pairs.some(([key]) => key.toLowerCase() === lower);
}
