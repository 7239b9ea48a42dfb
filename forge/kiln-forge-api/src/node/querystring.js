// Node's `querystring` (legacy, still what many packages `require` to build
// and read `a=1&b=2`): `parse`/`decode`, `stringify`/`encode`, `escape`,
// `unescape`, `unescapeBuffer`, following Node's lib/querystring.js rule for
// rule (the test runs both over the same inputs, random ones included):
// '+' is a space, only a well-formed `%XX` makes a part decoded, a part that
// does not decode is taken byte by byte, `maxKeys` (1,000 by default, 0 for
// no limit) counts empty pairs too, and the object has no prototype. Node's
// quirks are kept on purpose: code written against Node's answers relies on
// them.

import { Buffer } from './buffer.js';

function uriMalformed() {
  return Object.assign(new URIError('URI malformed'), { code: 'ERR_INVALID_URI' });
}

// The characters written as they are: `encodeURIComponent`'s unreserved set.
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

function percent(byte) {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Percent-encodes the UTF-8 of `str` but its unreserved characters, as
 * Node's does: a surrogate takes the next code unit as its pair whatever it
 * is, and only one left without a next unit is an error (ERR_INVALID_URI).
 */
export function escape(str) {
  let text = str;
  if (typeof text !== 'string') {
    text = typeof text === 'object' ? String(text) : `${text}`;
  }
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out += UNRESERVED.test(text[i]) ? text[i] : percent(c);
    } else if (c < 0x800) {
      out += percent(0xc0 | (c >> 6)) + percent(0x80 | (c & 0x3f));
    } else if (c < 0xd800 || c >= 0xe000) {
      out += percent(0xe0 | (c >> 12)) + percent(0x80 | ((c >> 6) & 0x3f)) + percent(0x80 | (c & 0x3f));
    } else {
      i += 1;
      if (i >= text.length) throw uriMalformed();
      c = 0x10000 + (((c & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
      out +=
        percent(0xf0 | (c >> 18)) +
        percent(0x80 | ((c >> 12) & 0x3f)) +
        percent(0x80 | ((c >> 6) & 0x3f)) +
        percent(0x80 | (c & 0x3f));
    }
  }
  return out;
}

const HEX = /^[0-9A-Fa-f]$/;

/**
 * `s` with every well-formed `%XX` as its byte and, with `decodeSpaces`,
 * '+' as a space; every other character is kept as its low byte, as Node's
 * Buffer keeps it.
 */
export function unescapeBuffer(s, decodeSpaces = false) {
  const text = String(s);
  const out = new Uint8Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x2b && decodeSpaces) {
      out[length++] = 0x20;
    } else if (code === 0x25 && i < text.length - 2 && HEX.test(text[i + 1]) && HEX.test(text[i + 2])) {
      out[length++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[length++] = code;
    }
  }
  return Buffer.from(out.buffer, 0, length);
}

/** `decodeURIComponent(s)`, or `s` decoded byte by byte when that throws. */
export function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    // WHATWG's UTF-8 decoder, as Node's Buffer decodes (one U+FFFD per bad sequence).
    return new TextDecoder().decode(unescapeBuffer(s, decodeSpaces));
  }
}

function stringifyPrimitive(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return `${v}`;
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return '';
}

/** Node's default conversion: a number below 1e21 is written as is (no `+` to escape). */
function encodeStringified(v) {
  if (typeof v === 'string') return v.length > 0 ? escape(v) : '';
  if (typeof v === 'number' && Number.isFinite(v)) return Math.abs(v) < 1e21 ? `${v}` : escape(`${v}`);
  return stringifyPrimitive(v);
}

export function stringify(obj, sep, eq, options) {
  const separator = sep || '&';
  const equals = eq || '=';
  const custom = typeof options?.encodeURIComponent === 'function' ? options.encodeURIComponent : null;
  const convert = custom ? (v) => custom(stringifyPrimitive(v)) : encodeStringified;
  if (obj === null || typeof obj !== 'object') return '';
  let fields = '';
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const prefix = convert(key) + equals;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      if (fields) fields += separator;
      fields += value.map((item) => prefix + convert(item)).join(separator);
    } else {
      if (fields) fields += separator;
      fields += prefix + convert(value);
    }
  }
  return fields;
}

const isHex = (code) => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);

function charCodes(text) {
  return Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
}

function decodeStr(s, decoder) {
  try {
    return decoder(s);
  } catch {
    return unescape(s, true);
  }
}

function addKeyVal(obj, key, value, keyEncoded, valEncoded, decode) {
  const k = key.length > 0 && keyEncoded ? decodeStr(key, decode) : key;
  const v = value.length > 0 && valEncoded ? decodeStr(value, decode) : value;
  const current = obj[k];
  if (current === undefined) obj[k] = v;
  else if (Array.isArray(current)) current.push(v);
  else obj[k] = [current, v];
}

/**
 * Node's parser, step for step (lib/querystring.js, MIT): one pass that
 * matches the separators code unit by code unit (a partial match of a
 * longer separator is text), turns '+' into a space, and marks a part to be
 * decoded only once it has seen a well-formed `%XX` (or always, with a
 * custom decoder, which is then given '+' as `%20`).
 */
export function parse(qs, sep, eq, options) {
  const obj = Object.create(null);
  if (typeof qs !== 'string' || qs.length === 0) return obj;
  const sepCodes = sep ? charCodes(String(sep)) : [0x26];
  const eqCodes = eq ? charCodes(String(eq)) : [0x3d];
  const sepLen = sepCodes.length;
  const eqLen = eqCodes.length;
  // -1: no limit (`pairs` is only ever compared with 0).
  let pairs = 1000;
  if (typeof options?.maxKeys === 'number') pairs = options.maxKeys > 0 ? options.maxKeys : -1;
  const custom = typeof options?.decodeURIComponent === 'function' ? options.decodeURIComponent : null;
  const decode = custom ?? unescape;
  const plusChar = custom ? '%20' : ' ';

  let lastPos = 0;
  let sepIdx = 0;
  let eqIdx = 0;
  let key = '';
  let value = '';
  let keyEncoded = custom !== null;
  let valEncoded = custom !== null;
  let encodeCheck = 0;
  for (let i = 0; i < qs.length; i += 1) {
    const code = qs.charCodeAt(i);
    if (code === sepCodes[sepIdx]) {
      sepIdx += 1;
      if (sepIdx === sepLen) {
        const end = i - sepIdx + 1;
        if (eqIdx < eqLen) {
          if (lastPos < end) {
            key += qs.slice(lastPos, end);
          } else if (key.length === 0) {
            // An empty pair between separators: nothing added, yet it counts.
            pairs -= 1;
            if (pairs === 0) return obj;
            lastPos = i + 1;
            sepIdx = 0;
            eqIdx = 0;
            continue;
          }
        } else if (lastPos < end) {
          value += qs.slice(lastPos, end);
        }
        addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
        pairs -= 1;
        if (pairs === 0) return obj;
        keyEncoded = custom !== null;
        valEncoded = custom !== null;
        key = '';
        value = '';
        encodeCheck = 0;
        lastPos = i + 1;
        sepIdx = 0;
        eqIdx = 0;
      }
      continue;
    }
    sepIdx = 0;
    if (eqIdx < eqLen) {
      if (code === eqCodes[eqIdx]) {
        eqIdx += 1;
        if (eqIdx === eqLen) {
          const end = i - eqIdx + 1;
          if (lastPos < end) key += qs.slice(lastPos, end);
          encodeCheck = 0;
          lastPos = i + 1;
        }
        continue;
      }
      eqIdx = 0;
      if (!keyEncoded) {
        if (code === 0x25) {
          encodeCheck = 1;
          continue;
        }
        if (encodeCheck > 0) {
          if (isHex(code)) {
            encodeCheck += 1;
            if (encodeCheck === 3) keyEncoded = true;
            continue;
          }
          encodeCheck = 0;
        }
      }
      if (code === 0x2b) {
        if (lastPos < i) key += qs.slice(lastPos, i);
        key += plusChar;
        lastPos = i + 1;
        continue;
      }
    }
    if (code === 0x2b) {
      if (lastPos < i) value += qs.slice(lastPos, i);
      value += plusChar;
      lastPos = i + 1;
    } else if (!valEncoded) {
      if (code === 0x25) {
        encodeCheck = 1;
      } else if (encodeCheck > 0) {
        if (isHex(code)) {
          encodeCheck += 1;
          if (encodeCheck === 3) valEncoded = true;
        } else {
          encodeCheck = 0;
        }
      }
    }
  }
  if (lastPos < qs.length) {
    if (eqIdx < eqLen) key += qs.slice(lastPos);
    else if (sepIdx < sepLen) value += qs.slice(lastPos);
  } else if (eqIdx === 0 && key.length === 0) {
    // The string ended on an empty pair.
    return obj;
  }
  addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
  return obj;
}

export { parse as decode, stringify as encode };

export default { parse, decode: parse, stringify, encode: stringify, escape, unescape, unescapeBuffer };
