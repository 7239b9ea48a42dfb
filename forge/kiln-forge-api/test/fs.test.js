// Node's `fs` as the layer gives it (src/node/fs_volume.js), against Node's
// own on a real folder holding the same files: the same answers and the same
// errors (code, errno, syscall, message, with the folder's path taken out)
// for every read, and for writes under `tmp/`, the volume's writable folder.
// What differs by design (the app's files are read-only) is checked apart.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realFs from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { createFs } from '../src/node/fs_volume.js';
import { Buffer } from '../src/node/buffer.js';

const FILES = {
  'manifest.yml': ['utf8', 'app:\n  id: x\n'],
  'static/templates/mail.html': ['utf8', '<p>Hello {{name}} ✅</p>\n'],
  'static/templates/mail.txt': ['utf8', 'Hello {{name}}\n'],
  'static/icon.bin': ['base64', Buffer.from([0, 1, 2, 255, 254]).toString('base64')],
  'src/locales/en.json': ['utf8', '{"hi":"Hello"}'],
  'src/locales/de.json': ['utf8', '{"hi":"Hallo"}'],
};

/** A real folder with FILES and an empty `tmp/`, and the volume with the same. */
function pair() {
  const root = mkdtempSync(join(tmpdir(), 'kiln-fs-'));
  for (const [path, [kind, content]] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), kind === 'base64' ? Buffer.from(content, 'base64') : content);
  }
  mkdirSync(join(root, 'tmp'));
  return { root, ours: createFs(FILES), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** What a call answered or threw, with `root` taken out of paths and messages. */
function outcome(call, root) {
  const strip = (text) => (typeof text === 'string' ? text.split(root).join('') || '/' : text);
  try {
    const value = call();
    if (value instanceof Uint8Array) return { bytes: [...value] };
    if (Array.isArray(value)) {
      return {
        list: value
          .map((entry) =>
            typeof entry === 'object' && entry !== null && 'isFile' in entry
              ? `${strip(entry.parentPath)}|${entry.name}|${entry.isFile()}|${entry.isDirectory()}`
              : entry instanceof Uint8Array
                ? `buffer:${new TextDecoder().decode(entry)}`
                : entry,
          )
          .sort(),
      };
    }
    if (value && typeof value === 'object' && typeof value.isFile === 'function') {
      return { file: value.isFile(), directory: value.isDirectory(), size: value.isFile() ? value.size : 'dir' };
    }
    return { value: strip(value) };
  } catch (error) {
    return {
      error: error.constructor.name,
      code: error.code,
      errno: error.errno,
      syscall: error.syscall,
      path: strip(error.path),
      dest: strip(error.dest),
      message: strip(error.message),
    };
  }
}

/**
 * Runs `calls(fs, at)` on Node's fs and the volume, `at(p)` naming `p`
 * (relative to the root) on each, and compares every outcome.
 */
function compare(calls) {
  const { root, ours, cleanup } = pair();
  try {
    const node = calls(realFs, (p) => join(root, p)).map((call) => outcome(call, root));
    const kiln = calls(ours, (p) => join('/', p)).map((call) => outcome(call, root));
    for (let n = 0; n < node.length; n++) {
      assert.deepEqual(kiln[n], node[n], `call ${n}`);
    }
  } finally {
    cleanup();
  }
}

test('reading files: contents, encodings and Node\'s errors', () => {
  compare((fs, at) => [
    () => fs.readFileSync(at('static/templates/mail.html'), 'utf8'),
    () => fs.readFileSync(at('static/templates/mail.html'), { encoding: 'base64' }),
    () => fs.readFileSync(at('static/icon.bin')),
    () => fs.readFileSync(at('static/icon.bin'), 'hex'),
    () => fs.readFileSync(at('static/../static/templates/./mail.txt'), 'latin1'),
    () => fs.readFileSync(at('missing.txt')),
    () => fs.readFileSync(at('static')),
    () => fs.readFileSync(at('manifest.yml/inside')),
    () => fs.readFileSync(at('static/nope/deeper.txt')),
    () => fs.readFileSync(at('manifest.yml'), 'no-such-encoding'),
    () => fs.readFileSync({}),
    () => fs.readFileSync(at('a\u0000b')),
  ]);
});

test('folders: readdir in every form, stat, exists, access, realpath', () => {
  compare((fs, at) => [
    () => fs.readdirSync(at('')),
    () => fs.readdirSync(at('static')),
    () => fs.readdirSync(at('static'), { withFileTypes: true }),
    () => fs.readdirSync(at('static'), { recursive: true }),
    () => fs.readdirSync(at('src'), { recursive: true, withFileTypes: true }),
    () => fs.readdirSync(at('src/locales'), 'buffer'),
    () => fs.readdirSync(at('nope')),
    () => fs.readdirSync(at('manifest.yml')),
    () => fs.statSync(at('static/templates/mail.html')),
    () => fs.statSync(at('static')),
    () => fs.lstatSync(at('src/locales/en.json')),
    () => fs.statSync(at('nope')),
    () => fs.statSync(at('nope'), { throwIfNoEntry: false }),
    () => fs.statSync(at('manifest.yml/x'), { throwIfNoEntry: false }),
    () => fs.lstatSync(at('nope')),
    () => fs.existsSync(at('static/templates')),
    () => fs.existsSync(at('static/templates/none')),
    () => fs.existsSync(undefined),
    () => fs.accessSync(at('manifest.yml')),
    () => fs.accessSync(at('manifest.yml'), fs.constants.R_OK),
    () => fs.accessSync(at('nope')),
    () => fs.realpathSync(at('static/../src/./locales')),
    () => fs.realpathSync(at('nope')),
    () => fs.realpathSync.native(at('nope')),
  ]);
});

test('relative paths and file: URLs name the same files as from the root', () => {
  const ours = createFs(FILES);
  assert.equal(ours.readFileSync('static/templates/mail.txt', 'utf8'), 'Hello {{name}}\n');
  assert.equal(ours.readFileSync('./src/../static/templates/mail.txt', 'utf8'), 'Hello {{name}}\n');
  assert.equal(ours.readFileSync(new URL('file:///static/templates/mail.txt'), 'utf8'), 'Hello {{name}}\n');
  assert.equal(ours.readFileSync(Buffer.from('/manifest.yml'), 'utf8'), 'app:\n  id: x\n');
  // Above the root is the root, as on any POSIX system.
  assert.equal(ours.readFileSync('/../../static/templates/mail.txt', 'utf8'), 'Hello {{name}}\n');
  // Nothing of the machine running the tests is there.
  assert.equal(ours.existsSync('/etc/passwd'), false);
  assert.equal(ours.existsSync(process.cwd()), false);
});

test('writing under tmp/: files, folders, renames and copies as Node does them', () => {
  compare((fs, at) => [
    () => fs.writeFileSync(at('tmp/a.txt'), 'one'),
    () => fs.appendFileSync(at('tmp/a.txt'), Buffer.from(' two')),
    () => fs.readFileSync(at('tmp/a.txt'), 'utf8'),
    () => fs.writeFileSync(at('tmp/a.txt'), 'x', { flag: 'wx' }),
    () => fs.writeFileSync(at('tmp/b.txt'), new Uint16Array([0x4142])),
    () => fs.readFileSync(at('tmp/b.txt')),
    () => fs.writeFileSync(at('tmp/hex.txt'), '6869', 'hex'),
    () => fs.readFileSync(at('tmp/hex.txt'), 'utf8'),
    () => fs.writeFileSync(at('tmp/missing/a.txt'), 'x'),
    () => fs.writeFileSync(at('tmp/a.txt/b'), 'x'),
    () => fs.writeFileSync(at('tmp'), 'x'),
    () => fs.writeFileSync(at('tmp/c.txt'), { not: 'data' }),
    () => fs.mkdirSync(at('tmp/d')),
    () => fs.mkdirSync(at('tmp/d')),
    () => fs.mkdirSync(at('tmp/e/f/g'), { recursive: true }),
    () => fs.mkdirSync(at('tmp/e/f/g'), { recursive: true }),
    () => fs.mkdirSync(at('tmp/a.txt/x'), { recursive: true }),
    () => fs.mkdirSync(at('tmp/x/y')),
    () => fs.readdirSync(at('tmp'), { recursive: true }),
    () => fs.rmdirSync(at('tmp/e')),
    () => fs.rmdirSync(at('tmp/a.txt')),
    () => fs.unlinkSync(at('tmp/d')),
    () => fs.unlinkSync(at('tmp/nope')),
    () => fs.rmSync(at('tmp/e')),
    () => fs.rmSync(at('tmp/nope')),
    () => fs.rmSync(at('tmp/nope'), { force: true }),
    () => fs.rmSync(at('tmp/e'), { recursive: true }),
    () => fs.existsSync(at('tmp/e/f')),
    () => fs.renameSync(at('tmp/a.txt'), at('tmp/d/moved.txt')),
    () => fs.readFileSync(at('tmp/d/moved.txt'), 'utf8'),
    () => fs.renameSync(at('tmp/nope'), at('tmp/other')),
    () => fs.renameSync(at('tmp/d'), at('tmp/d2')),
    () => fs.readdirSync(at('tmp'), { recursive: true }),
    () => fs.renameSync(at('tmp/b.txt'), at('tmp/d2')),
    () => fs.copyFileSync(at('static/templates/mail.txt'), at('tmp/copy.txt')),
    () => fs.readFileSync(at('tmp/copy.txt'), 'utf8'),
    () => fs.copyFileSync(at('static/templates/mail.txt'), at('tmp/copy.txt'), fs.constants.COPYFILE_EXCL),
    () => fs.copyFileSync(at('nope'), at('tmp/copy2.txt')),
    () => fs.copyFileSync(at('static'), at('tmp/copy3.txt')),
    () => fs.unlinkSync(at('tmp/copy.txt')),
    () => fs.existsSync(at('tmp/copy.txt')),
    () => fs.statSync(at('tmp/d2/moved.txt')),
    () => fs.readdirSync(at('tmp'), { withFileTypes: true }),
  ]);
});

test('the app\'s files are read-only: every write outside /tmp is EROFS', () => {
  const ours = createFs(FILES);
  const erofs = (call, syscall, path) => {
    assert.throws(call, (error) => {
      assert.equal(error.code, 'EROFS');
      assert.equal(error.errno, -30);
      assert.equal(error.syscall, syscall);
      assert.equal(error.message, `EROFS: read-only file system, ${syscall} '${path}'`);
      return true;
    });
  };
  erofs(() => ours.writeFileSync('/static/templates/mail.txt', 'x'), 'open', '/static/templates/mail.txt');
  erofs(() => ours.writeFileSync('new.txt', 'x'), 'open', 'new.txt');
  erofs(() => ours.appendFileSync('/manifest.yml', 'x'), 'open', '/manifest.yml');
  erofs(() => ours.mkdirSync('/static/new'), 'mkdir', '/static/new');
  erofs(() => ours.mkdirSync('/static/new/deeper', { recursive: true }), 'mkdir', '/static/new/deeper');
  erofs(() => ours.unlinkSync('/manifest.yml'), 'unlink', '/manifest.yml');
  erofs(() => ours.rmSync('/static', { recursive: true, force: true }), 'rm', '/static');
  erofs(() => ours.rmSync('/tmp', { recursive: true }), 'rm', '/tmp');
  erofs(() => ours.accessSync('/manifest.yml', ours.constants.W_OK), 'access', '/manifest.yml');
  erofs(() => ours.readFileSync('/static/templates/mail.txt', { flag: 'a+' }), 'open', '/static/templates/mail.txt');
  assert.throws(() => ours.renameSync('/manifest.yml', '/tmp/m.yml'), { code: 'EROFS', syscall: 'rename', dest: '/tmp/m.yml' });
  assert.throws(() => ours.renameSync('/tmp', '/tmp2'), { code: 'EROFS', syscall: 'rename' });
  // Still there, unchanged.
  assert.equal(ours.readFileSync('/manifest.yml', 'utf8'), 'app:\n  id: x\n');
  assert.equal(ours.statSync('/manifest.yml').mode & 0o777, 0o444);
  // Writes under /tmp are the volume's own, and each volume starts empty.
  ours.writeFileSync('/tmp/scratch', 'mine');
  assert.deepEqual(createFs(FILES).readdirSync('/tmp'), []);
  // An app file named under tmp/ does not shadow the writable folder.
  assert.deepEqual(createFs({ 'tmp/x.txt': ['utf8', 'x'] }).readdirSync('/tmp'), []);
});

test('callbacks and promises answer as the calls do, later', async () => {
  const { ours, root, cleanup } = pair();
  try {
    const viaCallback = (fs, ...args) =>
      new Promise((done) => fs.readFile(...args, (error, data) => done(outcome(() => {
        if (error) throw error;
        return data;
      }, root))));
    assert.deepEqual(
      await viaCallback(ours, '/static/templates/mail.txt', 'utf8'),
      await viaCallback(realFs, join(root, 'static/templates/mail.txt'), 'utf8'),
    );
    assert.deepEqual(await viaCallback(ours, '/nope'), await viaCallback(realFs, join(root, 'nope')));
    let called = false;
    ours.readdir('/src', (error, names) => {
      called = true;
      assert.equal(error, null);
      assert.deepEqual(names, ['locales']);
    });
    assert.equal(called, false, 'the callback runs after the call returns');
    await new Promise((done) => setTimeout(done, 0));
    assert.equal(called, true);
    assert.deepEqual(
      await ours.promises.readdir('/src/locales'),
      (await realFs.promises.readdir(join(root, 'src/locales'))).sort(),
    );
    await assert.rejects(ours.promises.readFile('/nope'), { code: 'ENOENT', syscall: 'open', path: '/nope' });
    await ours.promises.writeFile('/tmp/p.json', JSON.stringify({ a: 1 }));
    assert.deepEqual(JSON.parse(await ours.promises.readFile('/tmp/p.json', 'utf8')), { a: 1 });
    assert.equal((await ours.promises.stat('/tmp/p.json')).size, 7);
    const exists = await new Promise((done) => ours.exists('/manifest.yml', done));
    assert.equal(exists, true);
    for (const fs of [ours, realFs]) {
      assert.throws(() => fs.readFile('/x'), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
    }
  } finally {
    cleanup();
  }
});

test('createReadStream reads a file in chunks, and fails as an event', async () => {
  const { ours, root, cleanup } = pair();
  try {
    const read = (fs, path, options) =>
      new Promise((done) => {
        const chunks = [];
        fs.createReadStream(path, options)
          .on('data', (chunk) => chunks.push(typeof chunk === 'string' ? chunk : [...chunk].join(',')))
          .on('error', (error) => done({ error: error.code, syscall: error.syscall }))
          .on('end', () => done(chunks));
      });
    for (const [path, options] of [
      ['static/templates/mail.html', undefined],
      ['static/templates/mail.html', { encoding: 'utf8', highWaterMark: 4 }],
      ['static/icon.bin', { start: 1, end: 3 }],
      ['nope', undefined],
    ]) {
      assert.deepEqual(await read(ours, `/${path}`, options), await read(realFs, join(root, path), options), path);
    }
  } finally {
    cleanup();
  }
});

test('what the volume cannot do says so, naming the call', () => {
  const ours = createFs(FILES);
  for (const name of ['openSync', 'createWriteStream', 'watch', 'symlinkSync', 'chmodSync']) {
    assert.throws(() => ours[name]('/tmp/x'), (error) => {
      assert.equal(error.code, 'ERR_KILN_NODE_MODULE_UNAVAILABLE');
      assert.match(error.message, new RegExp(`^fs\\.${name} is not available in Kiln`));
      return true;
    });
  }
});

test('Stats and Dirent have Node\'s shape', () => {
  const { ours, root, cleanup } = pair();
  try {
    const real = realFs.statSync(join(root, 'manifest.yml'));
    const mine = ours.statSync('/manifest.yml');
    assert.deepEqual(Object.keys(mine).sort(), Object.keys(real).sort());
    assert.ok(mine instanceof ours.Stats);
    assert.ok(mine.mtime instanceof Date);
    const big = ours.statSync('/manifest.yml', { bigint: true });
    assert.equal(typeof big.size, 'bigint');
    assert.equal(big.size, 13n);
    assert.equal(typeof big.mtimeNs, 'bigint');
    const [entry] = ours.readdirSync('/src', { withFileTypes: true });
    assert.ok(entry instanceof ours.Dirent);
    assert.deepEqual(Object.fromEntries(Object.entries(entry)), { name: 'locales', parentPath: '/src', path: '/src' });
  } finally {
    cleanup();
  }
});
