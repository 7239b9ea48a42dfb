// The `form-data` npm package (v2 to v4), for apps that import it: Atlassian's
// own Node.js example for uploading an attachment builds its body with it,
// and node-fetch (Forge's fetch) sends it. The package itself streams through
// Node's `fs`, `http` and `stream`, which a Kiln app does not have, so the
// build maps it here: the same API over values held in memory (strings,
// numbers, Buffers and other bytes), encoded as the package encodes them.
// Streams (`fs.createReadStream`) cannot exist in the sandbox; a value that
// is neither text nor bytes is refused when appended, naming what is taken.
//
// Differs from the package in one way, on purpose: a `"`, CR or LF in a
// field name or file name is percent-encoded (`%22`, `%0D`, `%0A`), as the
// WHATWG `FormData` encodes them, where the package writes them raw and lets
// a name break the part's headers.

// `Buffer` and `crypto` are globals here: the build gives a bundle Kiln's
// `Buffer` where it is used, and the engine has `crypto.getRandomValues`
// (as Node does, where the layer's tests load this file as it is).

const CRLF = '\r\n';

/** The types the package's `mime-types` lookup gives the extensions apps upload most. */
const TYPES_BY_EXTENSION = {
  csv: 'text/csv',
  gif: 'image/gif',
  htm: 'text/html',
  html: 'text/html',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  js: 'application/javascript',
  json: 'application/json',
  log: 'text/plain',
  md: 'text/markdown',
  pdf: 'application/pdf',
  png: 'image/png',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  webp: 'image/webp',
  xml: 'application/xml',
  yaml: 'text/yaml',
  yml: 'text/yaml',
  zip: 'application/zip',
};

function escapeName(name) {
  return String(name).replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The last segment of a POSIX path (the package's `path.basename`: a `\\` is no separator). */
function basename(path) {
  const parts = String(path).split('/');
  return parts[parts.length - 1];
}

/**
 * The file name a part is sent with: `filepath` whole (the package's
 * `path.normalize` is not repeated; its `\\` become `/`), else the base name
 * of `filename`.
 */
function partFilename(opts) {
  if (typeof opts.filepath === 'string') {
    return opts.filepath.replace(/\\/g, '/');
  }
  return opts.filename === undefined || opts.filename === null ? undefined : basename(opts.filename);
}

function typeFor(filename) {
  const dot = filename.lastIndexOf('.');
  return dot === -1 ? undefined : TYPES_BY_EXTENSION[filename.slice(dot + 1).toLowerCase()];
}

function isBytes(value) {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function toBuffer(value) {
  if (typeof value === 'string') {
    return Buffer.from(value, 'utf8');
  }
  if (value instanceof ArrayBuffer) {
    return Buffer.from(value);
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

class FormData {
  constructor(options) {
    this._parts = [];
    this._boundary = undefined;
    // The package is a stream; apps only read these to pass them on.
    this.readable = true;
    this.writable = false;
    if (options !== null && typeof options === 'object') {
      Object.assign(this, options);
    }
  }

  /** `append(field, value, options)`: `options` a file name, or `{ filename, filepath, contentType, header, knownLength }`. */
  append(field, value, options) {
    const opts = typeof options === 'string' ? { filename: options } : (options ?? {});
    let data = value;
    if (typeof data === 'number' || typeof data === 'boolean') {
      data = String(data);
    }
    if (Array.isArray(data)) {
      throw new Error('Arrays are not supported.');
    }
    if (typeof data !== 'string' && !isBytes(data)) {
      throw new TypeError(
        `form-data on Kiln takes strings, numbers and bytes (a Buffer, an ArrayBuffer or a typed array) as values; field ${String(field)} got ${data === null ? 'null' : typeof data} (a Kiln app has no files or streams: read the data into a Buffer first)`,
      );
    }
    this._parts.push({ head: this._partHead(field, data, opts), body: toBuffer(data) });
  }

  _partHead(field, value, opts) {
    if (typeof opts.header === 'string') {
      return opts.header;
    }
    const filename = partFilename(opts);
    let disposition = `form-data; name="${escapeName(field)}"`;
    if (filename !== undefined && filename !== '') {
      disposition += `; filename="${escapeName(filename)}"`;
    }
    let type = opts.contentType;
    if (type === undefined && filename !== undefined) {
      type = typeFor(filename);
    }
    if (type === undefined && typeof value === 'object') {
      type = 'application/octet-stream';
    }
    const lines = [`Content-Disposition: ${disposition}`];
    if (type !== undefined) {
      lines.push(`Content-Type: ${type}`);
    }
    const extra = opts.header !== null && typeof opts.header === 'object' ? opts.header : {};
    for (const [name, headerValue] of Object.entries(extra)) {
      const values = Array.isArray(headerValue) ? headerValue : [headerValue];
      if (values.length > 0) {
        lines.push(`${name}: ${values.join('; ')}`);
      }
    }
    return `--${this.getBoundary()}${CRLF}${lines.join(CRLF)}${CRLF}${CRLF}`;
  }

  getBoundary() {
    if (this._boundary === undefined) {
      // The package's shape: 26 dashes and 24 hex digits.
      const random = new Uint8Array(12);
      globalThis.crypto.getRandomValues(random);
      this._boundary = `--------------------------${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    }
    return this._boundary;
  }

  setBoundary(boundary) {
    if (typeof boundary !== 'string') {
      throw new TypeError('FormData boundary must be a string');
    }
    this._boundary = boundary;
  }

  getHeaders(userHeaders) {
    const headers = { 'content-type': `multipart/form-data; boundary=${this.getBoundary()}` };
    for (const [name, value] of Object.entries(userHeaders ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    return headers;
  }

  /** The whole body, as the package's `getBuffer()`. */
  getBuffer() {
    const chunks = [];
    for (const part of this._parts) {
      chunks.push(Buffer.from(part.head, 'utf8'), part.body, Buffer.from(CRLF, 'utf8'));
    }
    chunks.push(Buffer.from(`--${this.getBoundary()}--${CRLF}`, 'utf8'));
    return Buffer.concat(chunks);
  }

  getLengthSync() {
    return this.getBuffer().length;
  }

  hasKnownLength() {
    return true;
  }

  getLength(callback) {
    const length = this.getLengthSync();
    queueMicrotask(() => callback(null, length));
  }

  submit() {
    throw new Error(
      'form-data submit() opens a socket, which a Kiln app cannot: send the form with requestJira or fetch as the body',
    );
  }

  pipe() {
    throw new Error('form-data pipe() needs Node.js streams, which a Kiln app does not have: pass the form as the body');
  }

  toString() {
    return '[object FormData]';
  }
}

module.exports = FormData;
module.exports.default = FormData;
module.exports.FormData = FormData;
