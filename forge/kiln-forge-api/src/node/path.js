// Node's `path` module: the `path-browserify` npm package, Node's POSIX
// `path` (Kiln apps run on no particular file system; paths in Forge apps are
// URL paths and keys).
import path from 'path-browserify';

export const {
  basename,
  delimiter,
  dirname,
  extname,
  format,
  isAbsolute,
  join,
  normalize,
  parse,
  relative,
  resolve,
  sep,
  toNamespacedPath,
} = path;
export const posix = path;
export default path;
