// Node's `fs` over a volume held in the guest's own memory: the app's own
// files, read-only, as the build embedded them (build.mjs, "the app's
// files"), and a writable `/tmp` that lives as long as the invocation.
//
// Why: Forge runs a backend as a Node.js process beside the files the app
// deployed, and apps read them: e-mail templates, JSON tables, locale files
// (`fs.readFileSync(path.resolve(__dirname, '../templates/mail.html'))`),
// and write scratch files to `/tmp`, as a Lambda function may. Kiln's
// sandbox has no file system (no WASI filesystem is linked, and none will
// be: see SECURITY.md), so the volume is a table in the component's memory,
// like the rest of the app's code. Nothing here reaches the host: a path
// outside the table is ENOENT, whatever it names on the machine running
// Kiln, and a write outside `/tmp` is EROFS. The table holds what the build
// read from the app's own folder, never anything of the host's.
//
// Layout, as on Forge's runtime with its working folder at the app's root:
// the app's folder is `/` (`/src/index.js`, `/static/mail.html`), each
// module's `__dirname` is its folder there (`/src/service`), and the
// working folder is `/`, so relative paths (`templates/x.html`) and
// `path.resolve(__dirname, …)` both find the files. `/tmp` starts empty in
// every invocation (a fresh instance); what top-level code wrote there
// while the build took the snapshot is there from the start.
//
// Errors are Node's: an `Error` with `code`, `errno`, `syscall`, `path`
// (`ENOENT: no such file or directory, open '/x'`), so code that tests
// `error.code === 'ENOENT'` takes the same branch. Compared with Node's `fs`
// on a real folder holding the same files in test/fs.test.js.
//
// Not provided (they throw ERR_KILN_NODE_MODULE_UNAVAILABLE when called):
// file descriptors (`open`, `read`, `write`, `close`, `fstat`, …), links,
// permissions and owners, watching, `createWriteStream`. Files are bytes in
// memory: the whole volume is bounded by the instance's memory limit.

import { Buffer } from './buffer.js';
import pathModule from './path.js';
import streamModule from './stream.cjs';
import { invalidArgType } from './arg_errors.js';
import { fileURLToPath } from './url_legacy.js';

const TMP = '/tmp';

// libuv's names and numbers on Linux, and the words Node prints for them.
const UV = {
  EACCES: [-13, 'permission denied'],
  EEXIST: [-17, 'file already exists'],
  EINVAL: [-22, 'invalid argument'],
  EISDIR: [-21, 'illegal operation on a directory'],
  ENOENT: [-2, 'no such file or directory'],
  ENOTDIR: [-20, 'not a directory'],
  ENOTEMPTY: [-39, 'directory not empty'],
  EPERM: [-1, 'operation not permitted'],
  EROFS: [-30, 'read-only file system'],
};

/** Node's error for a failed system call: `CODE: words, syscall 'path'`. */
function uvError(code, syscall, path, dest) {
  const [errno, words] = UV[code];
  let message = `${code}: ${words}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message);
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}

/** The class of Node's errors that carry a system call's failure in their own words. */
class SystemError extends Error {
  get name() {
    return 'SystemError';
  }
}

const constants = Object.freeze({
  UV_FS_SYMLINK_DIR: 1,
  UV_FS_SYMLINK_JUNCTION: 2,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  UV_DIRENT_UNKNOWN: 0,
  UV_DIRENT_FILE: 1,
  UV_DIRENT_DIR: 2,
  UV_DIRENT_LINK: 3,
  UV_DIRENT_FIFO: 4,
  UV_DIRENT_SOCKET: 5,
  UV_DIRENT_CHAR: 6,
  UV_DIRENT_BLOCK: 7,
  S_IFMT: 0o170000,
  S_IFREG: 0o100000,
  S_IFDIR: 0o40000,
  S_IFCHR: 0o20000,
  S_IFBLK: 0o60000,
  S_IFIFO: 0o10000,
  S_IFLNK: 0o120000,
  S_IFSOCK: 0o140000,
  O_CREAT: 64,
  O_EXCL: 128,
  UV_FS_O_FILEMAP: 0,
  O_NOCTTY: 256,
  O_TRUNC: 512,
  O_APPEND: 1024,
  O_DIRECTORY: 65536,
  O_NOATIME: 262144,
  O_NOFOLLOW: 131072,
  O_SYNC: 1052672,
  O_DSYNC: 4096,
  O_DIRECT: 16384,
  O_NONBLOCK: 2048,
  S_IRWXU: 448,
  S_IRUSR: 256,
  S_IWUSR: 128,
  S_IXUSR: 64,
  S_IRWXG: 56,
  S_IRGRP: 32,
  S_IWGRP: 16,
  S_IXGRP: 8,
  S_IRWXO: 7,
  S_IROTH: 4,
  S_IWOTH: 2,
  S_IXOTH: 1,
  F_OK: 0,
  R_OK: 4,
  W_OK: 2,
  X_OK: 1,
  UV_FS_COPYFILE_EXCL: 1,
  COPYFILE_EXCL: 1,
  UV_FS_COPYFILE_FICLONE: 2,
  COPYFILE_FICLONE: 2,
  UV_FS_COPYFILE_FICLONE_FORCE: 4,
  COPYFILE_FICLONE_FORCE: 4,
});

const kType = Symbol('kiln.fs.type');

/** `fs.Stats`: what `stat` answers, with Node's fields and tests. */
export class Stats {
  constructor(node, bigint) {
    const wrap = bigint ? (n) => BigInt(Math.floor(n)) : (n) => n;
    this.dev = wrap(1);
    this.mode = wrap(node.mode);
    this.nlink = wrap(node.type === 'dir' ? 2 : 1);
    this.uid = wrap(0);
    this.gid = wrap(0);
    this.rdev = wrap(0);
    this.blksize = wrap(4096);
    this.ino = wrap(node.ino);
    this.size = wrap(node.type === 'dir' ? 4096 : node.data.length);
    this.blocks = wrap(node.type === 'dir' ? 8 : Math.ceil(node.data.length / 4096) * 8);
    for (const [field, ms] of [
      ['atime', node.mtimeMs],
      ['mtime', node.mtimeMs],
      ['ctime', node.mtimeMs],
      ['birthtime', node.birthtimeMs],
    ]) {
      this[`${field}Ms`] = wrap(ms);
      if (bigint) this[`${field}Ns`] = BigInt(Math.floor(ms)) * 1000000n;
      this[field] = new Date(ms);
    }
  }
  isFile() {
    return (Number(this.mode) & constants.S_IFMT) === constants.S_IFREG;
  }
  isDirectory() {
    return (Number(this.mode) & constants.S_IFMT) === constants.S_IFDIR;
  }
}

/** `fs.Dirent`: an entry of `readdir(…, { withFileTypes: true })`. */
export class Dirent {
  constructor(name, type, parentPath) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this[kType] = type;
  }
  isFile() {
    return this[kType] === 'file';
  }
  isDirectory() {
    return this[kType] === 'dir';
  }
}

// The kinds of entry the volume never holds (it has files and folders only),
// answered false on both classes, as Node's methods are on their prototypes.
for (const Class of [Stats, Dirent]) {
  for (const name of ['isSymbolicLink', 'isBlockDevice', 'isCharacterDevice', 'isFIFO', 'isSocket']) {
    Object.defineProperty(Class.prototype, name, {
      value: { [name]: () => false }[name],
      writable: true,
      configurable: true,
    });
  }
}

/** `text` as Node's errors quote a string (util.inspect's form: `'a\\x00b'`). */
function quoted(text) {
  const escaped = text.replace(/[\\\x00-\x1f\x7f]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`,
  );
  return escaped.includes("'") && !escaped.includes('"') ? `"${escaped}"` : `'${escaped.replace(/'/g, "\\'")}'`;
}

/** A path argument (string, Buffer, `file:` URL) as Node takes it, unresolved. */
function pathArgument(path, name = 'path') {
  let text;
  if (typeof path === 'string') text = path;
  else if (path instanceof Uint8Array) text = Buffer.from(path).toString('utf8');
  else if (path instanceof globalThis.URL) text = fileURLToPath(path);
  else throw invalidArgType(name, 'of type string or an instance of Buffer or URL', path);
  if (text.includes('\u0000')) {
    throw Object.assign(
      new TypeError(
        `The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${quoted(text)}`,
      ),
      { code: 'ERR_INVALID_ARG_VALUE' },
    );
  }
  return text;
}

/** `options` as an encoding string or an object of options, as Node reads both. */
function optionsOf(options, defaults = {}) {
  if (options === undefined || options === null) return { ...defaults };
  if (typeof options === 'string') return { ...defaults, encoding: options };
  if (typeof options === 'object') return { ...defaults, ...options };
  throw invalidArgType('options', 'one of type string or an instance of Object', options);
}

function encoded(bytes, encoding) {
  if (encoding === undefined || encoding === null || encoding === 'buffer') return Buffer.from(bytes);
  if (!Buffer.isEncoding(encoding)) {
    throw Object.assign(new TypeError(`The argument 'encoding' is invalid encoding. Received '${encoding}'`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString(encoding);
}

function bytesOf(data, encoding) {
  if (typeof data === 'string') return new Uint8Array(Buffer.from(data, encoding ?? 'utf8'));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  throw invalidArgType(
    'data',
    'of type string or an instance of Buffer, TypedArray, or DataView',
    data,
  );
}

function decodeBase64(text) {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function encodeUtf8(text) {
  return new TextEncoder().encode(text);
}

/**
 * Node's `fs` over a fresh volume holding `files`, a table from a path under
 * the app's root (`static/mail.html`) to `[kind, content]`: `['utf8', text]`
 * or `['base64', bytes]` (what build.mjs embeds).
 */
export function createFs(files = {}, { mtimeMs = 0 } = {}) {
  let nextIno = 2;
  const nodes = new Map();
  const dir = (mode, writable) => ({ type: 'dir', mode, ino: nextIno++, mtimeMs, birthtimeMs: mtimeMs, writable });
  nodes.set('/', dir(0o40555, false));
  nodes.set(TMP, dir(0o41777, true));

  for (const [relative, [kind, content]] of Object.entries(files)) {
    const path = pathModule.posix.resolve('/', relative);
    if (path === TMP || path.startsWith(`${TMP}/`)) continue; // `/tmp` is the invocation's
    let parent = pathModule.posix.dirname(path);
    const parents = [];
    while (!nodes.has(parent)) {
      parents.push(parent);
      parent = pathModule.posix.dirname(parent);
    }
    if (nodes.get(parent).type !== 'dir') continue;
    for (const folder of parents.reverse()) nodes.set(folder, dir(0o40555, false));
    const data = kind === 'base64' ? decodeBase64(content) : encodeUtf8(content);
    nodes.set(path, { type: 'file', mode: 0o100444, ino: nextIno++, mtimeMs, birthtimeMs: mtimeMs, data, writable: false });
  }

  /** The volume's path for a path argument already read (`shown`): relative ones from the root. */
  const rooted = (shown) => pathModule.posix.resolve('/', shown);

  /** The node at `path` (absolute), or ENOENT/ENOTDIR as the kernel answers a lookup. */
  function lookup(path, syscall, shown) {
    const node = nodes.get(path);
    if (node !== undefined) return node;
    // A path through a file is ENOTDIR, not ENOENT.
    let parent = pathModule.posix.dirname(path);
    while (parent !== '/' && !nodes.has(parent)) parent = pathModule.posix.dirname(parent);
    if (nodes.get(parent).type === 'file') throw uvError('ENOTDIR', syscall, shown);
    throw uvError('ENOENT', syscall, shown);
  }

  /** The children's names of the folder `path`, sorted as bytes. */
  function childrenOf(path) {
    const prefix = path === '/' ? '/' : `${path}/`;
    const names = [];
    for (const key of nodes.keys()) {
      if (key !== path && key.startsWith(prefix) && !key.slice(prefix.length).includes('/')) {
        names.push(key.slice(prefix.length));
      }
    }
    return names.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  }

  /** The folder a new entry at `path` goes in, when it may be written there. */
  function writableParent(path, syscall, shown) {
    const parentPath = pathModule.posix.dirname(path);
    const parent = lookup(parentPath, syscall, shown);
    if (parent.type !== 'dir') throw uvError('ENOTDIR', syscall, shown);
    if (!parent.writable) throw uvError('EROFS', syscall, shown);
    return parent;
  }

  function touch(node) {
    node.mtimeMs = Date.now();
  }

  // The sync calls: the volume's operations, each as Node's.

  function existsSync(path) {
    try {
      return nodes.has(rooted(pathArgument(path)));
    } catch {
      return false;
    }
  }

  function readFileSync(path, options) {
    const { encoding, flag = 'r' } = optionsOf(options, { encoding: null });
    const shown = pathArgument(path);
    const target = rooted(shown);
    if (!/^r\+?$|^rs\+$/.test(flag)) {
      // A flag that writes ('a+', 'w+'): the file as written, then read.
      store(target, shown, new Uint8Array(0), flag);
    }
    const node = lookup(target, 'open', shown);
    if (node.type === 'dir') throw uvError('EISDIR', 'read');
    return encoded(node.data, encoding);
  }

  /** `stat` or `lstat` (the same here: the volume has no links). */
  function statWith(syscall) {
    return function (path, options) {
      const { bigint = false, throwIfNoEntry = true } = optionsOf(options);
      const shown = pathArgument(path);
      const target = rooted(shown);
      const node = nodes.get(target);
      if (node === undefined) {
        try {
          lookup(target, syscall, shown);
        } catch (error) {
          if (!throwIfNoEntry && error.code === 'ENOENT') return undefined;
          throw error;
        }
      }
      return new Stats(node, bigint);
    };
  }
  const statSync = statWith('stat');
  const lstatSync = statWith('lstat');

  function readdirSync(path, options) {
    const { encoding = 'utf8', withFileTypes = false, recursive = false } = optionsOf(options);
    const shown = pathArgument(path);
    const target = rooted(shown);
    const node = lookup(target, 'scandir', shown);
    if (node.type !== 'dir') throw uvError('ENOTDIR', 'scandir', shown);
    const entries = [];
    const walk = (folder, prefix) => {
      for (const name of childrenOf(folder)) {
        const full = folder === '/' ? `/${name}` : `${folder}/${name}`;
        const child = nodes.get(full);
        const relativeName = prefix === '' ? name : `${prefix}/${name}`;
        if (withFileTypes) {
          const parentPath = prefix === '' ? shown : pathModule.posix.join(shown, prefix);
          entries.push(new Dirent(encoding === 'buffer' ? Buffer.from(name) : name, child.type, parentPath));
        } else {
          entries.push(encoding === 'buffer' ? Buffer.from(relativeName) : relativeName);
        }
        if (recursive && child.type === 'dir') walk(full, relativeName);
      }
    };
    walk(target, '');
    return entries;
  }

  function accessSync(path, mode = constants.F_OK) {
    const shown = pathArgument(path);
    const node = lookup(rooted(shown), 'access', shown);
    if ((mode & constants.W_OK) !== 0 && !node.writable) throw uvError('EROFS', 'access', shown);
    if ((mode & constants.X_OK) !== 0 && node.type === 'file') throw uvError('EACCES', 'access', shown);
  }

  function realpathSync(path, options) {
    const { encoding = 'utf8' } = optionsOf(options);
    const shown = pathArgument(path);
    const target = rooted(shown);
    lookup(target, 'lstat', shown);
    return encoding === 'buffer' ? Buffer.from(target) : target;
  }
  realpathSync.native = function native(path, options) {
    try {
      return realpathSync(path, options);
    } catch (error) {
      if (error.syscall === 'lstat') {
        throw uvError(error.code, 'realpath', error.path);
      }
      throw error;
    }
  };

  /** Writes `bytes` to the file `target` with Node's flag (`w`, `a`, `wx`, `ax`, …). */
  function store(target, shown, bytes, flag) {
    const existing = nodes.get(target);
    if (existing !== undefined) {
      if (flag.includes('x')) throw uvError('EEXIST', 'open', shown);
      if (existing.type === 'dir') throw uvError('EISDIR', 'open', shown);
      if (!existing.writable) throw uvError('EROFS', 'open', shown);
      const appending = flag.startsWith('a');
      existing.data = appending ? concat(existing.data, bytes) : bytes;
      touch(existing);
      return;
    }
    if (flag.startsWith('r')) throw uvError('ENOENT', 'open', shown);
    const parent = writableParent(target, 'open', shown);
    touch(parent);
    const now = Date.now();
    nodes.set(target, { type: 'file', mode: 0o100644, ino: nextIno++, mtimeMs: now, birthtimeMs: now, data: bytes, writable: true });
  }

  function concat(a, b) {
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a, 0);
    joined.set(b, a.length);
    return joined;
  }

  function writeFileSync(path, data, options) {
    const { encoding = 'utf8', flag = 'w' } = optionsOf(options);
    const shown = pathArgument(path, 'file');
    store(rooted(shown), shown, bytesOf(data, encoding), flag);
  }

  function appendFileSync(path, data, options) {
    const { encoding = 'utf8', flag = 'a' } = optionsOf(options);
    const shown = pathArgument(path);
    store(rooted(shown), shown, bytesOf(data, encoding), flag);
  }

  function mkdirSync(path, options) {
    const { recursive = false } = typeof options === 'number' ? {} : optionsOf(options);
    const shown = pathArgument(path);
    const target = rooted(shown);
    if (!recursive) {
      if (nodes.has(target)) throw uvError('EEXIST', 'mkdir', shown);
      writableParent(target, 'mkdir', shown);
      nodes.set(target, dir(0o40755, true));
      return undefined;
    }
    const missing = [];
    let folder = target;
    while (!nodes.has(folder)) {
      missing.push(folder);
      folder = pathModule.posix.dirname(folder);
    }
    const found = nodes.get(folder);
    if (found.type !== 'dir') throw uvError(missing.length === 0 ? 'EEXIST' : 'ENOTDIR', 'mkdir', shown);
    if (missing.length === 0) return undefined;
    if (!found.writable) throw uvError('EROFS', 'mkdir', shown);
    for (const created of missing.reverse()) nodes.set(created, dir(0o40755, true));
    return missing[0];
  }

  function mkdtempSync(prefix, options) {
    const { encoding = 'utf8' } = optionsOf(options);
    const shown = pathArgument(prefix, 'prefix');
    const base = rooted(shown);
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (;;) {
      const random = globalThis.crypto.getRandomValues(new Uint8Array(6));
      const suffix = [...random].map((n) => letters[n % letters.length]).join('');
      const target = `${base}${suffix}`;
      if (nodes.has(target)) continue;
      writableParent(target, 'mkdtemp', `${shown}XXXXXX`);
      nodes.set(target, dir(0o40700, true));
      const answer = `${shown}${suffix}`;
      return encoding === 'buffer' ? Buffer.from(answer) : answer;
    }
  }

  function unlinkSync(path) {
    const shown = pathArgument(path);
    const target = rooted(shown);
    const node = lookup(target, 'unlink', shown);
    if (!node.writable || !nodes.get(pathModule.posix.dirname(target)).writable) {
      throw uvError('EROFS', 'unlink', shown);
    }
    if (node.type === 'dir') throw uvError('EISDIR', 'unlink', shown);
    nodes.delete(target);
  }

  function rmdirSync(path, options) {
    const { recursive = false } = optionsOf(options);
    if (recursive) return rmSync(path, { recursive: true });
    const shown = pathArgument(path);
    const target = rooted(shown);
    const node = lookup(target, 'rmdir', shown);
    if (node.type !== 'dir') throw uvError('ENOTDIR', 'rmdir', shown);
    if (target === '/' || target === TMP || !node.writable) throw uvError(target === '/' ? 'EPERM' : 'EROFS', 'rmdir', shown);
    if (childrenOf(target).length > 0) throw uvError('ENOTEMPTY', 'rmdir', shown);
    nodes.delete(target);
    return undefined;
  }

  function rmSync(path, options) {
    const { recursive = false, force = false } = optionsOf(options);
    const shown = pathArgument(path);
    const target = rooted(shown);
    const node = nodes.get(target);
    if (node === undefined) {
      if (force) return;
      lookup(target, 'lstat', shown);
    }
    if (node.type === 'dir') {
      if (!recursive) {
        throw Object.assign(new SystemError(`Path is a directory: rm returned EISDIR (is a directory) ${shown}`), {
          code: 'ERR_FS_EISDIR',
          errno: 21,
          syscall: 'rm',
          path: shown,
        });
      }
      if (target === '/' || target === TMP || !node.writable) throw uvError('EROFS', 'rm', shown);
      const prefix = `${target}/`;
      for (const key of [...nodes.keys()]) if (key.startsWith(prefix)) nodes.delete(key);
      nodes.delete(target);
      return;
    }
    if (!node.writable) throw uvError('EROFS', 'rm', shown);
    nodes.delete(target);
  }

  function renameSync(from, to) {
    const shownFrom = pathArgument(from, 'oldPath');
    const shownTo = pathArgument(to, 'newPath');
    const source = rooted(shownFrom);
    const target = rooted(shownTo);
    let node;
    try {
      node = lookup(source, 'rename', shownFrom);
      writableParent(target, 'rename', shownFrom);
    } catch (error) {
      throw uvError(error.code, 'rename', shownFrom, shownTo);
    }
    if (!node.writable) throw uvError('EROFS', 'rename', shownFrom, shownTo);
    if (source === target) return;
    if (target.startsWith(`${source}/`)) throw uvError('EINVAL', 'rename', shownFrom, shownTo);
    const existing = nodes.get(target);
    if (existing !== undefined) {
      if (existing.type === 'dir' && node.type !== 'dir') throw uvError('EISDIR', 'rename', shownFrom, shownTo);
      if (existing.type !== 'dir' && node.type === 'dir') throw uvError('ENOTDIR', 'rename', shownFrom, shownTo);
      if (existing.type === 'dir' && childrenOf(target).length > 0) {
        throw uvError('ENOTEMPTY', 'rename', shownFrom, shownTo);
      }
    }
    const moved = [...nodes.entries()].filter(([key]) => key === source || key.startsWith(`${source}/`));
    for (const [key] of moved) nodes.delete(key);
    for (const [key, value] of moved) nodes.set(target + key.slice(source.length), value);
  }

  function copyFileSync(from, to, mode = 0) {
    const shownFrom = pathArgument(from, 'src');
    const shownTo = pathArgument(to, 'dest');
    const source = rooted(shownFrom);
    const target = rooted(shownTo);
    let node;
    try {
      node = lookup(source, 'copyfile', shownFrom);
    } catch (error) {
      throw uvError(error.code, 'copyfile', shownFrom, shownTo);
    }
    if (node.type === 'dir') throw uvError('EISDIR', 'copyfile', shownFrom, shownTo);
    const existing = nodes.get(target);
    if (existing !== undefined && (mode & constants.COPYFILE_EXCL) !== 0) {
      throw uvError('EEXIST', 'copyfile', shownFrom, shownTo);
    }
    try {
      store(target, shownTo, node.data.slice(), 'w');
    } catch (error) {
      throw uvError(error.code, 'copyfile', shownFrom, shownTo);
    }
  }

  function createReadStream(path, options) {
    const { encoding = null, start = 0, end = Infinity, highWaterMark = 64 * 1024 } = optionsOf(options);
    let offset = start;
    let data = null;
    const stream = new streamModule.Readable({
      highWaterMark,
      read() {
        try {
          if (data === null) {
            data = readFileSync(path);
            this.emit('open', 3);
            this.emit('ready');
          }
        } catch (error) {
          this.destroy(error);
          return;
        }
        const last = Math.min(end + 1, data.length);
        if (offset >= last) {
          this.push(null);
          return;
        }
        const chunk = data.subarray(offset, Math.min(last, offset + highWaterMark));
        offset += chunk.length;
        this.push(Buffer.from(chunk));
      },
    });
    // Decoded by the stream, so a character split between chunks is whole, as Node's.
    if (encoding) stream.setEncoding(encoding);
    stream.path = typeof path === 'string' ? path : pathArgument(path);
    stream.bytesRead = 0;
    stream.on('data', (chunk) => {
      stream.bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
    });
    return stream;
  }

  const sync = {
    accessSync,
    appendFileSync,
    copyFileSync,
    existsSync,
    lstatSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    readdirSync,
    realpathSync,
    renameSync,
    rmSync,
    rmdirSync,
    statSync,
    unlinkSync,
    writeFileSync,
  };

  // The callback and promise forms: the same call, answered later, as Node
  // answers after the work is done. `exists` has its one-argument callback.
  const callbacks = {};
  const promises = {};
  for (const [name, call] of Object.entries(sync)) {
    if (name === 'existsSync') continue;
    const base = name.slice(0, -'Sync'.length);
    callbacks[base] = function (...args) {
      const callback = args.pop();
      if (typeof callback !== 'function') throw invalidArgType('cb', 'of type function', callback);
      let result;
      let failure = null;
      try {
        result = call(...args);
      } catch (error) {
        failure = error;
      }
      queueMicrotask(() => (failure ? callback(failure) : callback(null, result)));
    };
    promises[base] = async (...args) => call(...args);
  }
  callbacks.realpath.native = callbacks.realpath; // the same lookup either way
  callbacks.exists = function exists(path, callback) {
    if (typeof callback !== 'function') throw invalidArgType('cb', 'of type function', callback);
    const answer = existsSync(path);
    queueMicrotask(() => callback(answer));
  };
  promises.constants = constants;

  const unavailable = (name) =>
    function () {
      throw Object.assign(
        new Error(`fs.${name} is not available in Kiln: files are an in-memory volume read whole (readFile, writeFile, stat, readdir, …), with no file descriptors, links, owners or watching`),
        { code: 'ERR_KILN_NODE_MODULE_UNAVAILABLE' },
      );
    };
  const missing = {};
  for (const name of [
    'open', 'openSync', 'close', 'closeSync', 'read', 'readSync', 'write', 'writeSync', 'fstat', 'fstatSync',
    'fsync', 'fsyncSync', 'ftruncate', 'ftruncateSync', 'truncate', 'truncateSync', 'createWriteStream',
    'watch', 'watchFile', 'unwatchFile', 'symlink', 'symlinkSync', 'link', 'linkSync', 'readlink', 'readlinkSync',
    'chmod', 'chmodSync', 'chown', 'chownSync', 'utimes', 'utimesSync', 'opendir', 'opendirSync', 'cp', 'cpSync',
  ]) {
    missing[name] = unavailable(name);
  }
  for (const name of ['open', 'opendir', 'readlink', 'symlink', 'link', 'chmod', 'chown', 'utimes', 'truncate', 'cp', 'watch']) {
    promises[name] = async () => missing[name]();
  }

  const { F_OK, R_OK, W_OK, X_OK } = constants;
  return { ...missing, ...sync, ...callbacks, createReadStream, promises, constants, Stats, Dirent, F_OK, R_OK, W_OK, X_OK };
}
