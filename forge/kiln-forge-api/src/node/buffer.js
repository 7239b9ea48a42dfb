// Node's `buffer` module (and the global `Buffer`) for an app and its
// dependencies: the `buffer` npm package (feross/buffer, the one browserify
// and webpack ship), a complete `Buffer` over `Uint8Array`. Imported by file
// so that under Node, where the layer's tests run, this is that package and
// not Node's own module of the same name.
import bufferPackage from 'buffer/index.js';

export const { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength } = bufferPackage;

// The package predates Node's `base64url` encoding (Node 14.18 and later;
// JWTs and webhook signatures use it). Its base64 decoder already reads the
// URL alphabet and missing padding, so reading is base64; writing is base64
// in the URL alphabet without padding, as Node writes it.
const isBase64Url = (encoding) => typeof encoding === 'string' && encoding.toLowerCase() === 'base64url';
const toBase64Url = (base64) => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
{
  const { from, byteLength, isEncoding } = Buffer;
  const { toString, write } = Buffer.prototype;
  Buffer.from = function (value, encodingOrOffset, length) {
    return from.call(this, value, isBase64Url(encodingOrOffset) ? 'base64' : encodingOrOffset, length);
  };
  Buffer.byteLength = (value, encoding) => byteLength(value, isBase64Url(encoding) ? 'base64' : encoding);
  Buffer.isEncoding = (encoding) => isBase64Url(encoding) || isEncoding(encoding);
  Buffer.prototype.toString = function (encoding, start, end) {
    return isBase64Url(encoding)
      ? toBase64Url(toString.call(this, 'base64', start, end))
      : toString.call(this, encoding, start, end);
  };
  Buffer.prototype.write = function (string, offset, length, encoding) {
    if (isBase64Url(encoding)) return write.call(this, string, offset, length, 'base64');
    if (isBase64Url(length)) return write.call(this, string, offset, 'base64');
    if (isBase64Url(offset)) return write.call(this, string, 'base64');
    return write.call(this, string, offset, length, encoding);
  };
}
export const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: (1 << 29) - 24 };
export const atob = (data) => globalThis.atob(data);
export const btoa = (data) => globalThis.btoa(data);

export default { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength, constants, atob, btoa };
