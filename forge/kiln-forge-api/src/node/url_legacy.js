// Node's legacy URL API (`url.parse`, `url.format`, `url.resolve`,
// `url.resolveObject`, `Url`), deprecated in Node's docs but still what many
// packages call to split a URL or join a base and a path. It follows Node's
// lib/url.js (MIT, Joyent, Inc. and other Node contributors) rule for rule,
// quirks included, because code written against Node's answers relies on
// them: backslashes before the query become slashes, `user@host` without a
// scheme is a host only with `slashesDenoteHost`, a host stops at the first
// character a host cannot hold and the rest becomes the path, the characters
// RFC 2396 calls unwise are percent-encoded, `javascript:` keeps them, and
// `resolve` walks `..` past the root only where Node does. The test runs
// Node's module and this one over the same inputs, random ones included
// (test/url_legacy.test.js).
//
// A non-ASCII host is mapped and punycoded with UTS #46 by the engine's URL
// (Node uses ICU's, in a lenient mode that accepts a few hosts the URL
// standard refuses: those are refused here as Invalid URL).

import punycode from './punycode.js';
import * as querystring from './querystring.js';
import { invalidArgType } from './arg_errors.js';
import path from './path.js';

const protocolPattern = /^[a-z0-9.+-]+:/i;
const portPattern = /:[0-9]*$/;
const hostPattern = /^\/\/[^@/]+@[^@/]+/;
// A path alone (`/a/b?c`): no scheme, host or fragment.
const simplePathPattern = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
const hostnameMaxLen = 255;
const unsafeProtocol = new Set(['javascript', 'javascript:']);
const hostlessProtocol = new Set(['javascript', 'javascript:']);
const slashedProtocol = new Set([
  'http', 'http:', 'https', 'https:', 'ftp', 'ftp:', 'gopher', 'gopher:',
  'file', 'file:', 'ws', 'ws:', 'wss', 'wss:',
]);
// A host holding one of these after IDNA was spoofed: Node throws.
const forbiddenHostChars = /[\0\t\n\r #%/:<>?@[\\\]^|]/;
const forbiddenHostCharsIpv6 = /[\0\t\n\r #%/<>?@\\^|]/;

// What the path keeps of RFC 2396's delimiters and unwise characters, and
// the quote (an XSS vector): always escaped, encodeURIComponent or not.
const AUTO_ESCAPE = {
  '\t': '%09', '\n': '%0A', '\r': '%0D', ' ': '%20', '"': '%22', "'": '%27',
  '<': '%3C', '>': '%3E', '\\': '%5C', '^': '%5E', '`': '%60', '{': '%7B',
  '|': '%7C', '}': '%7D',
};
const AUTO_ESCAPED = /[\t\n\r "'<>\\^`{|}]/g;

// Whitespace trimmed off a URL's ends (Node's list, not String#trim's).
const WHITESPACE = new Set([0x20, 0x09, 0x0d, 0x0a, 0x0c, 0xa0, 0xfeff]);
// Characters that end a host: RFC 2396 never allows them in one.
const NON_HOST = new Set([
  0x20, 0x22, 0x25, 0x27, 0x3b, 0x3c, 0x3e, 0x5c, 0x5e, 0x60, 0x7b, 0x7c, 0x7d,
]);

function invalidUrl(input) {
  return Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input });
}

let warnedInvalidPort = false;

export function Url() {
  this.protocol = null;
  this.slashes = null;
  this.auth = null;
  this.host = null;
  this.port = null;
  this.hostname = null;
  this.hash = null;
  this.search = null;
  this.query = null;
  this.pathname = null;
  this.path = null;
  this.href = null;
}

export function parse(url, parseQueryString, slashesDenoteHost) {
  if (url instanceof Url) return url;
  const parsed = new Url();
  parsed.parse(url, parseQueryString, slashesDenoteHost);
  return parsed;
}

/** `url` trimmed, with backslashes before any `?` or `#` as slashes; what it holds. */
function prepared(url) {
  let hasHash = false;
  let hasAt = false;
  let start = -1;
  let end = -1;
  let rest = '';
  let lastPos = 0;
  for (let i = 0, inWs = false, split = false; i < url.length; ++i) {
    const code = url.charCodeAt(i);
    const isWs = WHITESPACE.has(code);
    if (start === -1) {
      if (isWs) continue;
      lastPos = start = i;
    } else if (inWs) {
      if (!isWs) {
        end = -1;
        inWs = false;
      }
    } else if (isWs) {
      end = i;
      inWs = true;
    }
    if (!split) {
      if (code === 0x40) {
        hasAt = true;
      } else if (code === 0x23 || code === 0x3f) {
        hasHash = hasHash || code === 0x23;
        split = true;
      } else if (code === 0x5c) {
        if (i - lastPos > 0) rest += url.slice(lastPos, i);
        rest += '/';
        lastPos = i + 1;
      }
    } else if (!hasHash && code === 0x23) {
      hasHash = true;
    }
  }
  if (start !== -1) {
    if (lastPos === start) {
      rest = end === -1 ? url.slice(start) : url.slice(start, end);
    } else if (end === -1 && lastPos < url.length) {
      rest += url.slice(lastPos);
    } else if (end !== -1 && lastPos < end) {
      rest += url.slice(lastPos, end);
    }
  }
  return { rest, hasHash, hasAt };
}

Url.prototype.parse = function parseInto(url, parseQueryString, slashesDenoteHost) {
  if (typeof url !== 'string') throw invalidArgType('url', 'of type string', url);
  let { rest, hasHash, hasAt } = prepared(url);

  if (!slashesDenoteHost && !hasHash && !hasAt) {
    const simplePath = simplePathPattern.exec(rest);
    if (simplePath) {
      this.path = rest;
      this.href = rest;
      this.pathname = simplePath[1];
      if (simplePath[2]) {
        this.search = simplePath[2];
        this.query = parseQueryString ? querystring.parse(this.search.slice(1)) : this.search.slice(1);
      } else if (parseQueryString) {
        this.search = null;
        this.query = Object.create(null);
      }
      return this;
    }
  }

  let proto = protocolPattern.exec(rest);
  let lowerProto;
  if (proto) {
    proto = proto[0];
    lowerProto = proto.toLowerCase();
    this.protocol = lowerProto;
    rest = rest.slice(proto.length);
  }

  // `user@server` is a host even without a scheme, and `//foo/bar` one when
  // the caller says slashes denote a host (as a browser resolves them).
  let slashes;
  if (slashesDenoteHost || proto || hostPattern.test(rest)) {
    slashes = rest.charCodeAt(0) === 0x2f && rest.charCodeAt(1) === 0x2f;
    if (slashes && !(proto && hostlessProtocol.has(lowerProto))) {
      rest = rest.slice(2);
      this.slashes = true;
    }
  }

  if (!hostlessProtocol.has(lowerProto) && (slashes || (proto && !slashedProtocol.has(proto)))) {
    // The host ends at the first `/`, `?` or `#`; before it, the last `@`
    // ends the auth, and a character no host holds ends the host early.
    let hostEnd = -1;
    let atSign = -1;
    let nonHost = -1;
    for (let i = 0; i < rest.length; ++i) {
      const code = rest.charCodeAt(i);
      if (code === 0x09 || code === 0x0a || code === 0x0d) {
        // Removed, as the URL standard removes them.
        rest = rest.slice(0, i) + rest.slice(i + 1);
        i -= 1;
      } else if (NON_HOST.has(code)) {
        if (nonHost === -1) nonHost = i;
      } else if (code === 0x23 || code === 0x2f || code === 0x3f) {
        if (nonHost === -1) nonHost = i;
        hostEnd = i;
      } else if (code === 0x40) {
        atSign = i;
        nonHost = -1;
      }
      if (hostEnd !== -1) break;
    }
    let start = 0;
    if (atSign !== -1) {
      this.auth = decodeURIComponent(rest.slice(0, atSign));
      start = atSign + 1;
    }
    if (nonHost === -1) {
      this.host = rest.slice(start);
      rest = '';
    } else {
      this.host = rest.slice(start, nonHost);
      rest = rest.slice(nonHost);
    }

    this.parseHost();
    if (typeof this.hostname !== 'string') this.hostname = '';
    const hostname = this.hostname;
    const ipv6Hostname = isIpv6Hostname(hostname);
    if (!ipv6Hostname) rest = validHostname(this, rest, hostname, url);

    this.hostname = this.hostname.length > hostnameMaxLen ? '' : this.hostname.toLowerCase();

    if (this.hostname !== '') {
      if (ipv6Hostname) {
        if (forbiddenHostCharsIpv6.test(this.hostname)) throw invalidUrl(url);
      } else {
        this.hostname = hostToAscii(this.hostname);
        // Empty or holding a forbidden character only through IDNA: a
        // spoofing attempt, refused rather than repaired (as Node does).
        if (this.hostname === '' || forbiddenHostChars.test(this.hostname)) throw invalidUrl(url);
      }
    }

    const port = this.port ? `:${this.port}` : '';
    this.host = (this.hostname || '') + port;
    // `host` keeps an IPv6 address's brackets; `hostname` does not.
    if (ipv6Hostname) {
      this.hostname = this.hostname.slice(1, -1);
      if (rest[0] !== '/') rest = `/${rest}`;
    }
  }

  if (!unsafeProtocol.has(lowerProto)) {
    rest = rest.replace(AUTO_ESCAPED, (c) => AUTO_ESCAPE[c]);
  }

  let questionIdx = -1;
  let hashIdx = -1;
  for (let i = 0; i < rest.length; ++i) {
    const code = rest.charCodeAt(i);
    if (code === 0x23) {
      this.hash = rest.slice(i);
      hashIdx = i;
      break;
    } else if (code === 0x3f && questionIdx === -1) {
      questionIdx = i;
    }
  }

  if (questionIdx !== -1) {
    if (hashIdx === -1) {
      this.search = rest.slice(questionIdx);
      this.query = rest.slice(questionIdx + 1);
    } else {
      this.search = rest.slice(questionIdx, hashIdx);
      this.query = rest.slice(questionIdx + 1, hashIdx);
    }
    if (parseQueryString) this.query = querystring.parse(this.query);
  } else if (parseQueryString) {
    this.search = null;
    this.query = Object.create(null);
  }

  const useQuestionIdx = questionIdx !== -1 && (hashIdx === -1 || questionIdx < hashIdx);
  const firstIdx = useQuestionIdx ? questionIdx : hashIdx;
  if (firstIdx === -1) {
    if (rest.length > 0) this.pathname = rest;
  } else if (firstIdx > 0) {
    this.pathname = rest.slice(0, firstIdx);
  }
  if (slashedProtocol.has(lowerProto) && this.hostname && !this.pathname) {
    this.pathname = '/';
  }

  // `path` is what http.request takes.
  if (this.pathname || this.search) {
    this.path = (this.pathname || '') + (this.search || '');
  }

  this.href = this.format();
  return this;
};

function isIpv6Hostname(hostname) {
  return hostname.charCodeAt(0) === 0x5b && hostname.charCodeAt(hostname.length - 1) === 0x5d;
}

/**
 * Cuts the hostname at the first character a host cannot hold (`/`, `\`,
 * `#`, `?`, `:`), moving the remainder into the path; the new rest.
 */
function validHostname(self, rest, hostname, url) {
  for (let i = 0; i < hostname.length; ++i) {
    const code = hostname.charCodeAt(i);
    if (code === 0x2f || code === 0x5c || code === 0x23 || code === 0x3f || code === 0x3a) {
      // A colon left here is a port that is not one: Node warns, once.
      if (code === 0x3a && !warnedInvalidPort) {
        warnedInvalidPort = true;
        globalThis.process?.emitWarning?.(
          `The URL ${url} is invalid. Future versions of Node.js will throw an error.`,
          'DeprecationWarning',
          'DEP0170',
        );
      }
      self.hostname = hostname.slice(0, i);
      return `/${hostname.slice(i)}${rest}`;
    }
  }
  return rest;
}

/**
 * `host` (lower case) as ASCII: an ASCII host as it is when its `xn--`
 * labels decode; another through the engine's URL, which maps and punycodes
 * it with UTS #46 as Node's ICU does. '' when it cannot be. Cut at a NUL,
 * as Node's is.
 */
function hostToAscii(host) {
  // Node hands the host to C++ as a C string: it ends at a NUL.
  const nul = host.indexOf('\0');
  if (nul !== -1) host = host.slice(0, nul);
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(host)) return asciiLabelsValid(host) ? host : '';
  try {
    const ascii = new globalThis.URL(`ws://${host}`).hostname;
    return asciiLabelsValid(ascii) ? ascii : '';
  } catch {
    return '';
  }
}

/** Whether every `xn--` label of `host` decodes, as IDNA requires. */
function asciiLabelsValid(host) {
  for (const label of host.split('.')) {
    if (label.startsWith('xn--')) {
      try {
        const decoded = punycode.decode(label.slice(4));
        // eslint-disable-next-line no-control-regex
        if (decoded === '' || /^[\x00-\x7f]*$/.test(decoded)) return false;
      } catch {
        return false;
      }
    }
  }
  return true;
}

Url.prototype.parseHost = function parseHost() {
  let host = this.host;
  let port = portPattern.exec(host);
  if (port) {
    port = port[0];
    if (port !== ':') this.port = port.slice(1);
    host = host.slice(0, host.length - port.length);
  }
  if (host) this.hostname = host;
};

/** `auth` percent-encoded but for `encodeURIComponent`'s unreserved set and `:`. */
function encodeAuth(auth) {
  return encodeURIComponent(auth).replace(/%3A/g, ':');
}

Url.prototype.format = function format() {
  let auth = this.auth || '';
  if (auth) auth = `${encodeAuth(auth)}@`;

  let protocol = this.protocol || '';
  let pathname = this.pathname || '';
  let hash = this.hash || '';
  let host = '';
  let query = '';

  if (this.host) {
    host = auth + this.host;
  } else if (this.hostname) {
    host =
      auth +
      (this.hostname.includes(':') && !isIpv6Hostname(this.hostname) ? `[${this.hostname}]` : this.hostname);
    if (this.port) host += `:${this.port}`;
  }

  if (this.query !== null && typeof this.query === 'object') {
    query = querystring.stringify(this.query);
  }

  let search = this.search || (query && `?${query}`) || '';

  if (protocol && protocol.charCodeAt(protocol.length - 1) !== 0x3a) protocol += ':';

  pathname = pathname.replace(/[#?]/g, (c) => (c === '#' ? '%23' : '%3F'));

  // Only the schemes that always have one get `//` (not `mailto:`), unless
  // the URL had it.
  if (this.slashes || slashedProtocol.has(protocol)) {
    if (this.slashes || host) {
      if (pathname && pathname.charCodeAt(0) !== 0x2f) pathname = `/${pathname}`;
      host = `//${host}`;
    } else if (protocol.startsWith('file')) {
      host = '//';
    }
  }

  search = search.replace(/#/g, '%23');

  if (hash && hash.charCodeAt(0) !== 0x23) hash = `#${hash}`;
  if (search && search.charCodeAt(0) !== 0x3f) search = `?${search}`;

  return protocol + host + pathname + search + hash;
};

export function format(urlObject, options) {
  if (typeof urlObject === 'string') {
    urlObject = parse(urlObject);
  } else if (typeof urlObject !== 'object' || urlObject === null) {
    throw invalidArgType('urlObject', 'one of type object or string', urlObject);
  } else if (urlObject instanceof globalThis.URL) {
    return formatWhatwg(urlObject, options);
  }
  return Url.prototype.format.call(urlObject);
}

/** `url.format(URL, options)`: the URL's href without the parts `options` leave out. */
function formatWhatwg(url, options) {
  let fragment = true;
  let unicode = false;
  let search = true;
  let auth = true;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    if (options.fragment != null) fragment = Boolean(options.fragment);
    if (options.unicode != null) unicode = Boolean(options.unicode);
    if (options.search != null) search = Boolean(options.search);
    if (options.auth != null) auth = Boolean(options.auth);
  }
  const copy = new globalThis.URL(url.href);
  if (!fragment) copy.hash = '';
  if (!search) copy.search = '';
  if (!auth) {
    copy.username = '';
    copy.password = '';
  }
  let href = copy.href;
  if (unicode && copy.hostname.includes('xn--')) {
    const shown = domainToUnicode(copy.hostname);
    const at = href.indexOf(copy.hostname, copy.protocol.length);
    if (at !== -1) href = href.slice(0, at) + shown + href.slice(at + copy.hostname.length);
  }
  return href;
}

export function resolve(source, relative) {
  return parse(source, false, true).resolve(relative);
}

Url.prototype.resolve = function resolveHref(relative) {
  return this.resolveObject(parse(relative, false, true)).format();
};

export function resolveObject(source, relative) {
  if (!source) return relative;
  return parse(source, false, true).resolveObject(relative);
}

Url.prototype.resolveObject = function resolveObjectOf(relative) {
  if (typeof relative === 'string') {
    const rel = new Url();
    rel.parse(relative, false, true);
    relative = rel;
  }

  const result = new Url();
  for (const key of Object.keys(this)) result[key] = this[key];

  // The fragment is always the relative one's, even when that is none.
  result.hash = relative.hash;

  if (relative.href === '') {
    result.href = result.format();
    return result;
  }

  // `//host/path` keeps only the scheme.
  if (relative.slashes && !relative.protocol) {
    for (const key of Object.keys(relative)) {
      if (key !== 'protocol') result[key] = relative[key];
    }
    if (slashedProtocol.has(result.protocol) && result.hostname && !result.pathname) {
      result.path = result.pathname = '/';
    }
    result.href = result.format();
    return result;
  }

  if (relative.protocol && relative.protocol !== result.protocol) {
    // Another scheme: a scheme with no `//` is absolute as it is; one with
    // `//` takes its host from the path when it has none (but file:).
    if (!slashedProtocol.has(relative.protocol)) {
      for (const key of Object.keys(relative)) result[key] = relative[key];
      result.href = result.format();
      return result;
    }

    result.protocol = relative.protocol;
    if (!relative.host && !/^file:?$/.test(relative.protocol) && !hostlessProtocol.has(relative.protocol)) {
      const relPath = (relative.pathname || '').split('/');
      while (relPath.length && !(relative.host = relPath.shift()));
      if (!relative.host) relative.host = '';
      if (!relative.hostname) relative.hostname = '';
      if (relPath[0] !== '') relPath.unshift('');
      if (relPath.length < 2) relPath.unshift('');
      result.pathname = relPath.join('/');
    } else {
      result.pathname = relative.pathname;
    }
    result.search = relative.search;
    result.query = relative.query;
    result.host = relative.host || '';
    result.auth = relative.auth;
    result.hostname = relative.hostname || relative.host;
    result.port = relative.port;
    if (result.pathname || result.search) {
      result.path = (result.pathname || '') + (result.search || '');
    }
    result.slashes = result.slashes || relative.slashes;
    result.href = result.format();
    return result;
  }

  const isSourceAbs = result.pathname && result.pathname.charAt(0) === '/';
  const isRelAbs = relative.host || (relative.pathname && relative.pathname.charAt(0) === '/');
  let mustEndAbs = isRelAbs || isSourceAbs || (result.host && relative.pathname);
  const removeAllDots = mustEndAbs;
  let srcPath = (result.pathname && result.pathname.split('/')) || [];
  const relPath = (relative.pathname && relative.pathname.split('/')) || [];
  const noLeadingSlashes = result.protocol && !slashedProtocol.has(result.protocol);

  // A scheme without `//` (mailto:): `..` may climb into the host, so the
  // host joins the path while dots are resolved, and comes back after.
  if (noLeadingSlashes) {
    result.hostname = '';
    result.port = null;
    if (result.host) {
      if (srcPath[0] === '') srcPath[0] = result.host;
      else srcPath.unshift(result.host);
    }
    result.host = '';
    if (relative.protocol) {
      relative.hostname = null;
      relative.port = null;
      if (relative.host) {
        if (relPath[0] === '') relPath[0] = relative.host;
        else relPath.unshift(relative.host);
      }
      relative.host = null;
    }
    mustEndAbs = mustEndAbs && (relPath[0] === '' || srcPath[0] === '');
  }

  if (isRelAbs) {
    if (relative.host || relative.host === '') {
      if (result.host !== relative.host) result.auth = null;
      result.host = relative.host;
      result.port = relative.port;
    }
    if (relative.hostname || relative.hostname === '') {
      if (result.hostname !== relative.hostname) result.auth = null;
      result.hostname = relative.hostname;
    }
    result.search = relative.search;
    result.query = relative.query;
    srcPath = relPath;
  } else if (relPath.length) {
    // Relative: the last segment of the base gives way to the path.
    srcPath.pop();
    srcPath = srcPath.concat(relPath);
    result.search = relative.search;
    result.query = relative.query;
  } else if (relative.search !== null && relative.search !== undefined) {
    // Only a query (`?x`).
    if (noLeadingSlashes) {
      result.hostname = result.host = srcPath.shift();
      // `mailto:local1@domain1` resolving `?x`: the auth went into the host.
      const authInHost = result.host && result.host.indexOf('@') > 0 && result.host.split('@');
      if (authInHost) {
        result.auth = authInHost.shift();
        result.host = result.hostname = authInHost.shift();
      }
    }
    result.search = relative.search;
    result.query = relative.query;
    if (result.pathname !== null || result.search !== null) {
      result.path = (result.pathname ? result.pathname : '') + (result.search ? result.search : '');
    }
    result.href = result.format();
    return result;
  }

  if (!srcPath.length) {
    result.pathname = null;
    result.path = result.search ? `/${result.search}` : null;
    result.href = result.format();
    return result;
  }

  // A path ending in `.` or `..` keeps a trailing slash; other ends do not.
  let last = srcPath.slice(-1)[0];
  const hasTrailingSlash =
    ((result.host || relative.host || srcPath.length > 1) && (last === '.' || last === '..')) || last === '';

  // Drop `.`, and each `..` with the segment before it; `up` counts the
  // `..` that would climb above the root.
  let up = 0;
  for (let i = srcPath.length - 1; i >= 0; i--) {
    last = srcPath[i];
    if (last === '.') {
      srcPath.splice(i, 1);
    } else if (last === '..') {
      srcPath.splice(i, 1);
      up++;
    } else if (up) {
      srcPath.splice(i, 1);
      up--;
    }
  }

  if (!mustEndAbs && !removeAllDots) {
    while (up--) srcPath.unshift('..');
  }

  if (mustEndAbs && srcPath[0] !== '' && (!srcPath[0] || srcPath[0].charAt(0) !== '/')) {
    srcPath.unshift('');
  }

  if (hasTrailingSlash && srcPath.join('/').slice(-1) !== '/') {
    srcPath.push('');
  }

  const isAbsolute = srcPath[0] === '' || (srcPath[0] && srcPath[0].charAt(0) === '/');

  if (noLeadingSlashes) {
    result.hostname = result.host = isAbsolute ? '' : srcPath.length ? srcPath.shift() : '';
    const authInHost = result.host && result.host.indexOf('@') > 0 ? result.host.split('@') : false;
    if (authInHost) {
      result.auth = authInHost.shift();
      result.host = result.hostname = authInHost.shift();
    }
  }

  mustEndAbs = mustEndAbs || (result.host && srcPath.length);

  if (mustEndAbs && !isAbsolute) srcPath.unshift('');

  if (srcPath.length > 0) {
    result.pathname = srcPath.join('/');
  } else {
    result.pathname = null;
    result.path = null;
  }

  if (result.pathname !== null || result.search !== null) {
    result.path = (result.pathname ? result.pathname : '') + (result.search ? result.search : '');
  }
  result.auth = relative.auth || result.auth;
  result.slashes = result.slashes || relative.slashes;
  result.href = result.format();
  return result;
};

/** The WHATWG ASCII form of `domain`, or '' when it is no valid domain. */
export function domainToASCII(domain) {
  if (arguments.length < 1) throw invalidArgType('domain', 'of type string', undefined);
  try {
    return new globalThis.URL(`ws://${String(domain)}`).hostname;
  } catch {
    return '';
  }
}

/** The Unicode form of `domain` (its `xn--` labels decoded), or '' when it is no valid domain. */
export function domainToUnicode(domain) {
  if (arguments.length < 1) throw invalidArgType('domain', 'of type string', undefined);
  const ascii = domainToASCII(domain);
  if (ascii === '') return '';
  try {
    return punycode.toUnicode(ascii);
  } catch {
    return '';
  }
}

function fileUrlError(code, message) {
  return Object.assign(new TypeError(message), { code });
}

/** The POSIX path of a `file:` URL (a string or a URL), as Node's `fileURLToPath`. */
export function fileURLToPath(path) {
  let url = path;
  if (typeof path === 'string') {
    url = new globalThis.URL(path);
  } else if (!(path instanceof globalThis.URL)) {
    throw invalidArgType('path', 'of type string or an instance of URL', path);
  }
  if (url.protocol !== 'file:') throw fileUrlError('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  if (url.hostname !== '') {
    throw fileUrlError('ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
  }
  const pathname = url.pathname;
  for (let n = 0; n < pathname.length; n++) {
    if (pathname[n] === '%') {
      const third = pathname.codePointAt(n + 2) | 0x20;
      if (pathname[n + 1] === '2' && third === 102) {
        throw fileUrlError('ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
      }
    }
  }
  return decodeURIComponent(pathname);
}

/**
 * The `file:` URL of `filepath`, resolved against the working folder (`/`
 * in the sandbox), as Node's `pathToFileURL` on POSIX: a trailing slash
 * kept, `%`, `\\`, and line breaks and tabs percent-encoded.
 */
export function pathToFileURL(filepath) {
  if (typeof filepath !== 'string') throw invalidArgType('path', 'of type string', filepath);
  let resolved = path.resolve(filepath);
  if (filepath.charCodeAt(filepath.length - 1) === 0x2f && resolved[resolved.length - 1] !== '/') {
    resolved += '/';
  }
  const encoded = resolved.replace(/[%\\\n\r\t]/g, (c) => ({ '%': '%25', '\\': '%5C', '\n': '%0A', '\r': '%0D', '\t': '%09' })[c]);
  const url = new globalThis.URL('file://');
  url.pathname = encoded;
  return url;
}

/**
 * Node's `urlToHttpOptions`: a WHATWG URL as `http.request`'s options (the
 * URL's own enumerable properties first, as Node spreads them; IPv6 brackets
 * off the hostname; credentials decoded into `auth`).
 */
export function urlToHttpOptions(url) {
  const { hostname, pathname, port, username, password, search } = url;
  const options = {
    __proto__: null,
    ...url,
    protocol: url.protocol,
    hostname: hostname && hostname[0] === '[' ? hostname.slice(1, -1) : hostname,
    hash: url.hash,
    search,
    pathname,
    path: `${pathname || ''}${search || ''}`,
    href: url.href,
  };
  if (port !== '') options.port = Number(port);
  if (username || password) {
    options.auth = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
  }
  return options;
}
