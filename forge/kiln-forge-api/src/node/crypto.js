// Node's `crypto` module, the part a Forge backend uses without keys of its
// own: random values and UUIDs (from the host's randomness, through the
// engine's `crypto.getRandomValues`), hashes and HMACs (MD5, SHA-1, SHA-2),
// secret keys (`createSecretKey`, a `KeyObject` for an HMAC or a JWT library),
// PBKDF2, and `timingSafeEqual`. Hashing is @noble/hashes (audited, pure
// JavaScript, synchronous like Node's API), never Kiln's own. Each function
// behaves as Node documents it (https://nodejs.org/api/crypto.html), tested
// against Node's own (test/node_builtins.test.js).
//
// Ciphers, signatures, asymmetric keys and key generation are not provided:
// calling one throws an error naming it, rather than `undefined is not a
// function`.

import { md5, sha1 } from '@noble/hashes/legacy';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2';
import { hmac } from '@noble/hashes/hmac';
import { pbkdf2 as noblePbkdf2 } from '@noble/hashes/pbkdf2';

import { Buffer } from './buffer.js';

const webcrypto = globalThis.crypto;

/** Node's names (any case; `SHA-256` as well as `sha256`) -> the hash. */
const HASHES = { md5, sha1, sha224, sha256, sha384, sha512 };

function hashNamed(algorithm) {
  const name = String(algorithm).toLowerCase().replace(/^rsa-/, '').replace(/^sha-/, 'sha');
  const hash = Object.hasOwn(HASHES, name) ? HASHES[name] : undefined;
  if (hash === undefined) {
    throw Object.assign(new Error('Digest method not supported'), { code: 'ERR_CRYPTO_INVALID_DIGEST' });
  }
  return hash;
}

/** Bytes of `data` as Node reads it: a string in `encoding` (UTF-8 by default), a Buffer or a view. */
function bytesOf(data, encoding) {
  if (typeof data === 'string') {
    return Buffer.from(data, encoding ?? 'utf8');
  }
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data);
  }
  throw Object.assign(
    new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.'),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}

function output(bytes, encoding) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === 'buffer' ? buffer : buffer.toString(encoding);
}

/** What createHash and createHmac return: update(...) chains, digest() once. */
class Digest {
  #state;
  #done = false;

  constructor(state) {
    this.#state = state;
  }

  update(data, inputEncoding) {
    if (this.#done) {
      throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    }
    this.#state.update(bytesOf(data, inputEncoding));
    return this;
  }

  digest(encoding) {
    if (this.#done) {
      throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    }
    this.#done = true;
    return output(this.#state.digest(), encoding);
  }

  copy() {
    if (this.#done) {
      throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    }
    return new Digest(this.#state.clone());
  }
}

export function createHash(algorithm) {
  return new Digest(hashNamed(algorithm).create());
}

export function createHmac(algorithm, key) {
  // A secret KeyObject (createSecretKey, below) is its bytes.
  const keyBytes = key && typeof key === 'object' && key.type === 'secret' && key.export ? key.export() : key;
  const hmacState = hmac.create(hashNamed(algorithm), bytesOf(keyBytes));
  const digest = new Digest(hmacState);
  // An HMAC has no copy() in Node.
  digest.copy = undefined;
  return digest;
}

/** Node 21's one-shot `crypto.hash(algorithm, data, outputEncoding = 'hex')`. */
export function hash(algorithm, data, outputEncoding = 'hex') {
  return createHash(algorithm).update(data).digest(outputEncoding);
}

export function getHashes() {
  return Object.keys(HASHES);
}

export function timingSafeEqual(a, b) {
  const left = bytesOf(a);
  const right = bytesOf(b);
  if (left.byteLength !== right.byteLength) {
    throw Object.assign(new RangeError('Input buffers must have the same byte length'), {
      code: 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
    });
  }
  let difference = 0;
  for (let i = 0; i < left.byteLength; i++) {
    difference |= left[i] ^ right[i];
  }
  return difference === 0;
}

export function getRandomValues(view) {
  return webcrypto.getRandomValues(view);
}

export function randomUUID() {
  if (typeof webcrypto.randomUUID === 'function') {
    return webcrypto.randomUUID();
  }
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function randomBuffer(size) {
  if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 31 - 1) {
    throw Object.assign(new RangeError(`The value of "size" is out of range. Received ${size}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  const bytes = Buffer.alloc(size);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let at = 0; at < size; at += 65536) {
    webcrypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

export function randomBytes(size, callback) {
  const bytes = randomBuffer(size);
  if (typeof callback === 'function') {
    queueMicrotask(() => callback(null, bytes));
    return undefined;
  }
  return bytes;
}

export function randomFillSync(view, offset = 0, size) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const end = size === undefined ? bytes.byteLength : offset + size;
  bytes.set(randomBuffer(end - offset), offset);
  return view;
}

/** A uniform integer in [min, max) (Node: `randomInt([min, ]max[, callback])`). */
export function randomInt(min, max, callback) {
  if (max === undefined || typeof max === 'function') {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48) {
    throw Object.assign(new RangeError('The "max" argument must be greater than "min" and the range at most 2**48'), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  const range = max - min;
  // Rejection sampling over 48 random bits: no modulo bias.
  const limit = 2 ** 48 - (2 ** 48 % range);
  let value;
  do {
    value = randomBuffer(6).readUIntBE(0, 6);
  } while (value >= limit);
  const result = min + (value % range);
  if (typeof callback === 'function') {
    queueMicrotask(() => callback(null, result));
    return undefined;
  }
  return result;
}

export function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return output(
    noblePbkdf2(hashNamed(digest), bytesOf(password), bytesOf(salt), { c: iterations, dkLen: keylen }),
  );
}

export function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  let key;
  try {
    key = pbkdf2Sync(password, salt, iterations, keylen, digest);
  } catch (error) {
    queueMicrotask(() => callback(error));
    return;
  }
  queueMicrotask(() => callback(null, key));
}

function notProvided(name) {
  return () => {
    throw new Error(
      `crypto.${name}() is not available to a Kiln app: Kiln provides random values, hashes, HMACs, secret keys and PBKDF2 (see docs/porting-forge-apps.md)`,
    );
  };
}

function invalidArgType(message) {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** Only this module makes KeyObjects, as only Node's internals make Node's. */
const MAKING = Symbol('KeyObject');

/**
 * Node's `crypto.KeyObject`: what `createSecretKey` returns an instance of
 * (`key instanceof crypto.KeyObject`), named `KeyObject` by
 * `Object.prototype.toString`, which is how JOSE libraries (jose) recognise
 * one. Only secret keys exist here.
 */
export class KeyObject {
  #type;

  constructor(type, handle) {
    if (handle !== MAKING) {
      throw invalidArgType('The "handle" argument must be of type object.');
    }
    this.#type = type;
  }

  /** Node's `KeyObject.from(cryptoKey)`: a CryptoKey's bytes are the engine's, read only asynchronously. */
  static from() {
    throw new Error(
      'crypto.KeyObject.from() is not available to a Kiln app: make a secret key with crypto.createSecretKey(bytes) (see docs/porting-forge-apps.md)',
    );
  }

  get type() {
    return this.#type;
  }

  /** Whether `otherKeyObject` is a key of the same type and bytes (compared in constant time). */
  equals(otherKeyObject) {
    if (!(otherKeyObject instanceof KeyObject)) {
      throw invalidArgType('The "otherKeyObject" argument must be an instance of KeyObject.');
    }
    if (otherKeyObject.type !== this.type) {
      return false;
    }
    const mine = this.export();
    const theirs = otherKeyObject.export();
    return mine.byteLength === theirs.byteLength && timingSafeEqual(mine, theirs);
  }
}

Object.defineProperty(KeyObject.prototype, Symbol.toStringTag, { value: 'KeyObject', configurable: true });

/** Node's class of a secret key (`key.constructor.name`). */
class SecretKeyObject extends KeyObject {
  #bytes;

  constructor(bytes) {
    super('secret', MAKING);
    this.#bytes = bytes;
  }

  /** The key's length in bytes. */
  get symmetricKeySize() {
    return this.#bytes.byteLength;
  }

  /** A copy of the key: its bytes (`format` `'buffer'`, the default) or a JWK (`'jwk'`). */
  export(options) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidArgType('The "options" argument must be of type object.');
    }
    const format = options?.format;
    if (format === 'jwk') {
      return { kty: 'oct', k: Buffer.from(this.#bytes).toString('base64url') };
    }
    if (format !== undefined && format !== 'buffer') {
      throw Object.assign(
        new TypeError(`The property 'options.format' must be one of: undefined, 'buffer', 'jwk'. Received ${format}`),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    return Buffer.from(this.#bytes);
  }
}

/**
 * Node's `createSecretKey(key[, encoding])`: a secret KeyObject holding a
 * copy of `key`, a string (in `encoding`, UTF-8 by default), a Buffer, a
 * TypedArray, a DataView or an ArrayBuffer. What jose's `jwtVerify` takes for
 * HS256, and `createHmac` (above) takes as its key.
 */
export function createSecretKey(key, encoding) {
  if (typeof key !== 'string' && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer)) {
    throw invalidArgType(
      'The "key" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView.',
    );
  }
  return new SecretKeyObject(Buffer.from(bytesOf(key, typeof key === 'string' ? encoding : undefined)));
}

export const createCipheriv = notProvided('createCipheriv');
export const createDecipheriv = notProvided('createDecipheriv');
export const createSign = notProvided('createSign');
export const createVerify = notProvided('createVerify');
export const sign = notProvided('sign');
export const verify = notProvided('verify');
export const generateKeyPair = notProvided('generateKeyPair');
export const generateKeyPairSync = notProvided('generateKeyPairSync');
export const createPrivateKey = notProvided('createPrivateKey');
export const createPublicKey = notProvided('createPublicKey');
export const publicEncrypt = notProvided('publicEncrypt');
export const privateDecrypt = notProvided('privateDecrypt');
export const scrypt = notProvided('scrypt');
export const scryptSync = notProvided('scryptSync');

export { webcrypto };
export const subtle = webcrypto?.subtle;

export default {
  createHash,
  createHmac,
  hash,
  getHashes,
  timingSafeEqual,
  getRandomValues,
  randomUUID,
  randomBytes,
  randomFillSync,
  randomInt,
  pbkdf2,
  pbkdf2Sync,
  createCipheriv,
  createDecipheriv,
  createSign,
  createVerify,
  sign,
  verify,
  generateKeyPair,
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  publicEncrypt,
  privateDecrypt,
  scrypt,
  scryptSync,
  webcrypto,
  subtle,
};
