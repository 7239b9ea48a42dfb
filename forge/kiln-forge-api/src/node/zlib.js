// Node's `zlib`: gzip, zlib and raw DEFLATE, sync, with a callback and as
// streams, over fflate 0.8 (pure JavaScript, maintained, already in Kiln's
// toolchain through weval). Forge apps compress what they keep (storage
// values are capped) and packages unzip what they fetch; Node's answers are
// what code relies on, so the shapes are Node's: Buffers out, any bytes or a
// string in, `level`, `memLevel` and `dictionary` options, errors with
// Node's `code` and `errno` (Z_DATA_ERROR for data that is no stream,
// Z_BUF_ERROR for one cut short), `constants`, `codes`, `crc32`.
//
// What differs: the compressed bytes are fflate's, not zlib's (both are
// valid streams each side reads: test/zlib.test.js round-trips them through
// Node's zlib; a gzip header is Node's, mtime 0 included); `windowBits` and `strategy` are accepted and not applied;
// a stream's `flush()`/`params()` only queue nothing; Brotli is not
// provided (its calls throw, naming it).

import { Buffer } from './buffer.js';
import stream from './stream.cjs';
import {
  gzipSync as fflateGzipSync,
    zlibSync as fflateZlibSync,
  unzlibSync as fflateUnzlibSync,
  deflateSync as fflateDeflateRawSync,
  inflateSync as fflateInflateRawSync,
  Gzip as FflateGzip,
  Gunzip as FflateGunzip,
  Zlib as FflateZlib,
  Unzlib as FflateUnzlib,
  Deflate as FflateDeflateRaw,
  Inflate as FflateInflateRaw,
} from 'fflate';
import { invalidArgType } from './arg_errors.js';

/** A frozen object with no prototype, as Node's tables are. */
function table(entries) {
  return Object.freeze(Object.assign(Object.create(null), entries));
}

export const constants = table({
  Z_NO_FLUSH: 0,
  Z_PARTIAL_FLUSH: 1,
  Z_SYNC_FLUSH: 2,
  Z_FULL_FLUSH: 3,
  Z_FINISH: 4,
  Z_BLOCK: 5,
  Z_OK: 0,
  Z_STREAM_END: 1,
  Z_NEED_DICT: 2,
  Z_ERRNO: -1,
  Z_STREAM_ERROR: -2,
  Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4,
  Z_BUF_ERROR: -5,
  Z_VERSION_ERROR: -6,
  Z_NO_COMPRESSION: 0,
  Z_BEST_SPEED: 1,
  Z_BEST_COMPRESSION: 9,
  Z_DEFAULT_COMPRESSION: -1,
  Z_FILTERED: 1,
  Z_HUFFMAN_ONLY: 2,
  Z_RLE: 3,
  Z_FIXED: 4,
  Z_DEFAULT_STRATEGY: 0,
  ZLIB_VERNUM: 4880,
  DEFLATE: 1,
  INFLATE: 2,
  GZIP: 3,
  GUNZIP: 4,
  DEFLATERAW: 5,
  INFLATERAW: 6,
  UNZIP: 7,
  BROTLI_DECODE: 8,
  BROTLI_ENCODE: 9,
  Z_MIN_WINDOWBITS: 8,
  Z_MAX_WINDOWBITS: 15,
  Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64,
  Z_MAX_CHUNK: Infinity,
  Z_DEFAULT_CHUNK: 16384,
  Z_MIN_MEMLEVEL: 1,
  Z_MAX_MEMLEVEL: 9,
  Z_DEFAULT_MEMLEVEL: 8,
  Z_MIN_LEVEL: -1,
  Z_MAX_LEVEL: 9,
  Z_DEFAULT_LEVEL: -1,
  BROTLI_OPERATION_PROCESS: 0,
  BROTLI_OPERATION_FLUSH: 1,
  BROTLI_OPERATION_FINISH: 2,
  BROTLI_OPERATION_EMIT_METADATA: 3,
  BROTLI_PARAM_MODE: 0,
  BROTLI_MODE_GENERIC: 0,
  BROTLI_MODE_TEXT: 1,
  BROTLI_MODE_FONT: 2,
  BROTLI_DEFAULT_MODE: 0,
  BROTLI_PARAM_QUALITY: 1,
  BROTLI_MIN_QUALITY: 0,
  BROTLI_MAX_QUALITY: 11,
  BROTLI_DEFAULT_QUALITY: 11,
  BROTLI_PARAM_LGWIN: 2,
  BROTLI_MIN_WINDOW_BITS: 10,
  BROTLI_MAX_WINDOW_BITS: 24,
  BROTLI_LARGE_MAX_WINDOW_BITS: 30,
  BROTLI_DEFAULT_WINDOW: 22,
  BROTLI_PARAM_LGBLOCK: 3,
  BROTLI_MIN_INPUT_BLOCK_BITS: 16,
  BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4,
  BROTLI_PARAM_SIZE_HINT: 5,
  BROTLI_PARAM_LARGE_WINDOW: 6,
  BROTLI_PARAM_NPOSTFIX: 7,
  BROTLI_PARAM_NDIRECT: 8,
  BROTLI_DECODER_RESULT_ERROR: 0,
  BROTLI_DECODER_RESULT_SUCCESS: 1,
  BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0,
  BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
  BROTLI_DECODER_NO_ERROR: 0,
  BROTLI_DECODER_SUCCESS: 1,
  BROTLI_DECODER_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1,
  BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2,
  BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5,
  BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6,
  BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7,
  BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8,
  BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9,
  BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10,
  BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11,
  BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12,
  BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13,
  BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14,
  BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15,
  BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16,
  BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19,
  BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21,
  BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25,
  BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26,
  BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27,
  BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30,
  BROTLI_DECODER_ERROR_UNREACHABLE: -31,
});
export const codes = Object.freeze({
  "0": "Z_OK",
  "1": "Z_STREAM_END",
  "2": "Z_NEED_DICT",
  "Z_OK": 0,
  "Z_STREAM_END": 1,
  "Z_NEED_DICT": 2,
  "Z_ERRNO": -1,
  "Z_STREAM_ERROR": -2,
  "Z_DATA_ERROR": -3,
  "Z_MEM_ERROR": -4,
  "Z_BUF_ERROR": -5,
  "Z_VERSION_ERROR": -6,
  "-1": "Z_ERRNO",
  "-2": "Z_STREAM_ERROR",
  "-3": "Z_DATA_ERROR",
  "-4": "Z_MEM_ERROR",
  "-5": "Z_BUF_ERROR",
  "-6": "Z_VERSION_ERROR"
});

/** `data` as bytes: a string is UTF-8, as in Node. */
function bytesOf(data, name = 'buffer') {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer', data);
}

function asBuffer(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** fflate's options from Node's: `level` (-1 is zlib's default, 6), `memLevel`, `dictionary`. */
function fflateOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const out = {};
  if (options.level !== undefined) {
    const level = Number(options.level);
    if (!Number.isInteger(level) || level < -1 || level > 9) {
      throw Object.assign(new RangeError(`The value of "options.level" is out of range. It must be >= -1 and <= 9. Received ${options.level}`), {
        code: 'ERR_OUT_OF_RANGE',
      });
    }
    out.level = level === -1 ? 6 : level;
  }
  if (options.memLevel !== undefined) out.mem = Math.max(0, Math.min(12, Number(options.memLevel) + 3));
  if (options.dictionary !== undefined) out.dictionary = bytesOf(options.dictionary, 'options.dictionary');
  return out;
}

/** Node's error for fflate's `error` (its numeric `code`) in a `format` stream. */
function zlibError(error) {
  const [message, code] =
    error?.code === 0
      ? ['unexpected end of file', 'Z_BUF_ERROR']
      : error?.code === 6 && /dictionary/.test(String(error.message))
        ? ['Missing dictionary', 'Z_NEED_DICT']
        : error?.code === 6
          ? ['incorrect header check', 'Z_DATA_ERROR']
          : error?.code === 1
            ? ['invalid block type', 'Z_DATA_ERROR']
            : error?.code === 2
              ? ['invalid literal/length code', 'Z_DATA_ERROR']
              : error?.code === 3
                ? ['invalid distance code', 'Z_DATA_ERROR']
                : [String(error?.message ?? error), 'Z_DATA_ERROR'];
  return Object.assign(new Error(message), { errno: codes[code], code });
}

function decoding(decode) {
  return (bytes, options) => {
    try {
      return decode(bytes, options);
    } catch (error) {
      throw zlibError(error);
    }
  };
}

const inflateBytes = decoding((bytes, options) => fflateUnzlibSync(bytes, options.dictionary ? { dictionary: options.dictionary } : undefined));
const inflateRawBytes = decoding((bytes, options) => fflateInflateRawSync(bytes, options.dictionary ? { dictionary: options.dictionary } : undefined));

/** Whether `bytes` start as a gzip member does (1f 8b): how Node's unzip tells gzip from zlib. */
function isGzip(bytes) {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Every member of a gzip stream, as Node reads them (fflate's one-shot call
 * stops after the first). Its streaming decoder takes a stream cut short
 * without complaint, so the last member's trailer (CRC-32 and length of
 * what it decoded to) is checked, as zlib checks it: a cut stream, or one
 * whose bytes changed, fails as Node's does.
 */
function gunzipAll(bytes) {
  const member = new FflateGunzip();
  const out = [];
  let produced = 0;
  let lastStart = 0;
  let producedBeforeLast = 0;
  member.ondata = (chunk) => {
    out.push(chunk);
    produced += chunk.length;
  };
  member.onmember = (offset) => {
    lastStart = offset;
    producedBeforeLast = produced;
  };
  try {
    member.push(bytes, true);
  } catch (error) {
    throw zlibError(error);
  }
  const all = concat(out);
  checkTrailer(bytes, lastStart, all.subarray(producedBeforeLast));
  return all;
}

/**
 * Throws unless the gzip member at `start` (the last) ends with the length
 * and CRC-32 of `output`: a length that differs is a stream cut short
 * (Node's "unexpected end of file"), a CRC that differs changed bytes.
 */
function checkTrailer(bytes, start, output) {
  // A member is at least a 10-byte header and an 8-byte trailer.
  if (bytes.length - start < 18) throw zlibError({ code: 0 });
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  if (trailer.getUint32(4, true) !== output.length >>> 0) throw zlibError({ code: 0 });
  if (trailer.getUint32(0, true) !== crc32(output)) {
    throw Object.assign(new Error('incorrect data check'), { errno: codes.Z_DATA_ERROR, code: 'Z_DATA_ERROR' });
  }
}

function concat(chunks) {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const SYNC = {
  // mtime 0, as Node writes it: the same header, and the same bytes each time.
  gzip: (bytes, options) => fflateGzipSync(bytes, { ...options, mtime: 0 }),
  gunzip: (bytes) => gunzipAll(bytes),
  deflate: (bytes, options) => fflateZlibSync(bytes, options),
  inflate: inflateBytes,
  deflateRaw: (bytes, options) => fflateDeflateRawSync(bytes, options),
  inflateRaw: inflateRawBytes,
  unzip: (bytes, options) => (isGzip(bytes) ? gunzipAll(bytes, options) : inflateBytes(bytes, options)),
};

function syncOf(kind) {
  return (buffer, options) => asBuffer(SYNC[kind](bytesOf(buffer), fflateOptions(options)));
}

function asyncOf(kind) {
  return (buffer, options, callback) => {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
    let result;
    let failure = null;
    try {
      result = syncOf(kind)(buffer, options);
    } catch (error) {
      if (error?.code === 'ERR_INVALID_ARG_TYPE' || error?.code === 'ERR_OUT_OF_RANGE') throw error;
      failure = error;
    }
    // Called back later, never in the caller's turn, as Node does.
    Promise.resolve().then(() => (failure ? callback(failure) : callback(null, result)));
  };
}

export const gzipSync = syncOf('gzip');
export const gunzipSync = syncOf('gunzip');
export const deflateSync = syncOf('deflate');
export const inflateSync = syncOf('inflate');
export const deflateRawSync = syncOf('deflateRaw');
export const inflateRawSync = syncOf('inflateRaw');
export const unzipSync = syncOf('unzip');
export const gzip = asyncOf('gzip');
export const gunzip = asyncOf('gunzip');
export const deflate = asyncOf('deflate');
export const inflate = asyncOf('inflate');
export const deflateRaw = asyncOf('deflateRaw');
export const inflateRaw = asyncOf('inflateRaw');
export const unzip = asyncOf('unzip');

// Streams: a Transform feeding fflate's streaming classes.
const STREAMS = {
  Gzip: (options, ondata) => new FflateGzip({ ...options, mtime: 0 }, ondata),
  Gunzip: (options, ondata) => new FflateGunzip(ondata),
  Deflate: (options, ondata) => new FflateZlib(options, ondata),
  Inflate: (options, ondata) => new FflateUnzlib(options.dictionary ? { dictionary: options.dictionary } : {}, ondata),
  DeflateRaw: (options, ondata) => new FflateDeflateRaw(options, ondata),
  InflateRaw: (options, ondata) => new FflateInflateRaw(options.dictionary ? { dictionary: options.dictionary } : {}, ondata),
};

function streamClass(kind) {
  class ZlibStream extends stream.Transform {
    constructor(options) {
      super(options);
      const settings = fflateOptions(options);
      this.bytesWritten = 0;
      this._kind = kind;
      this._settings = settings;
      this._engine = null;
    }

    _start(first) {
      let kindNow = kind;
      // Unzip: gzip or zlib, told by the first bytes.
      if (kind === 'Unzip') kindNow = isGzip(first) ? 'Gunzip' : 'Inflate';
      this._engine = STREAMS[kindNow](this._settings, (chunk) => {
        if (chunk.length > 0) this.push(asBuffer(chunk));
      });
    }

    _transform(chunk, encoding, callback) {
      const bytes = bytesOf(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk, 'chunk');
      try {
        if (this._engine === null) this._start(bytes);
        this._engine.push(bytes, false);
        this.bytesWritten += bytes.length;
        callback();
      } catch (error) {
        callback(zlibError(error));
      }
    }

    _flush(callback) {
      try {
        if (this._engine === null) this._start(new Uint8Array(0));
        this._engine.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(zlibError(error));
      }
    }

    /** Node flushes the compressor here; fflate emits at the end, so this only calls back. */
    flush(kindOrCallback, callback) {
      const done = typeof kindOrCallback === 'function' ? kindOrCallback : callback;
      if (typeof done === 'function') Promise.resolve().then(done);
    }

    params(level, strategy, callback) {
      if (typeof callback === 'function') Promise.resolve().then(callback);
    }

    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      this.destroy();
    }
  }
  Object.defineProperty(ZlibStream, 'name', { value: kind });
  return ZlibStream;
}

export const Gzip = streamClass('Gzip');
export const Gunzip = streamClass('Gunzip');
export const Deflate = streamClass('Deflate');
export const Inflate = streamClass('Inflate');
export const DeflateRaw = streamClass('DeflateRaw');
export const InflateRaw = streamClass('InflateRaw');
export const Unzip = streamClass('Unzip');
export const createGzip = (options) => new Gzip(options);
export const createGunzip = (options) => new Gunzip(options);
export const createDeflate = (options) => new Deflate(options);
export const createInflate = (options) => new Inflate(options);
export const createDeflateRaw = (options) => new DeflateRaw(options);
export const createInflateRaw = (options) => new InflateRaw(options);
export const createUnzip = (options) => new Unzip(options);

function brotli(name) {
  return () => {
    throw new Error(`zlib.${name}() is not available to a Kiln app: Kiln's zlib has no Brotli (gzip and DEFLATE are provided)`);
  };
}
export const brotliCompress = brotli('brotliCompress');
export const brotliCompressSync = brotli('brotliCompressSync');
export const brotliDecompress = brotli('brotliDecompress');
export const brotliDecompressSync = brotli('brotliDecompressSync');
export const createBrotliCompress = brotli('createBrotliCompress');
export const createBrotliDecompress = brotli('createBrotliDecompress');
export const BrotliCompress = brotli('BrotliCompress');
export const BrotliDecompress = brotli('BrotliDecompress');

let crcTable = null;
/** CRC-32 (zlib's, IEEE) of `data`, continuing from `value`. */
export function crc32(data, value = 0) {
  const bytes = bytesOf(data, 'data');
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw invalidArgType('value', 'of type number', value);
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const zlib = {
  constants,
  codes,
  crc32,
  gzipSync,
  gunzipSync,
  deflateSync,
  inflateSync,
  deflateRawSync,
  inflateRawSync,
  unzipSync,
  gzip,
  gunzip,
  deflate,
  inflate,
  deflateRaw,
  inflateRaw,
  unzip,
  Gzip,
  Gunzip,
  Deflate,
  Inflate,
  DeflateRaw,
  InflateRaw,
  Unzip,
  createGzip,
  createGunzip,
  createDeflate,
  createInflate,
  createDeflateRaw,
  createInflateRaw,
  createUnzip,
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  brotliDecompressSync,
  createBrotliCompress,
  createBrotliDecompress,
  BrotliCompress,
  BrotliDecompress,
};
// Node's legacy names on the module (`zlib.Z_NO_FLUSH`): zlib's constants,
// read-only and not enumerated, as Node defines them.
for (const name of Object.keys(constants)) {
  if (name.startsWith('Z_')) Object.defineProperty(zlib, name, { value: constants[name], enumerable: false });
}
export default zlib;
