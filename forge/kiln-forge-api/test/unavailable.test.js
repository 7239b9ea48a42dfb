// The stand-in for a Node module the sandbox lacks (src/node/unavailable.cjs):
// it loads as packages load `fs` and `os` (a require, destructuring, named
// imports through esbuild's interop, `extends`), and every use fails with
// its error naming the module and the member.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { unavailableModule, CODE } = require('../src/node/unavailable.cjs');

function failureOf(use) {
  try {
    use();
  } catch (error) {
    return { code: error.code, message: error.message };
  }
  assert.fail('the use did not fail');
}

test('a call fails naming the module, the member and why', () => {
  const fs = unavailableModule('fs');
  const failure = failureOf(() => fs.readFileSync('/etc/passwd', 'utf8'));
  assert.equal(failure.code, CODE);
  assert.equal(CODE, 'ERR_KILN_NODE_MODULE_UNAVAILABLE');
  assert.match(failure.message, /^Node\.js's `fs` module is not available to a Kiln app \(a package's own files are not in the sandbox\): `fs\.readFileSync` was used/);
  assert.match(failureOf(() => unavailableModule('zlib').gzipSync('x')).message, /`zlib` module .*no files, sockets or processes.*`zlib\.gzipSync`/);
});

test('loading takes what packages take at load time, and fails nothing', () => {
  const fs = unavailableModule('fs');
  // Destructuring and typeof checks, as packages do at the top of a file.
  const { readFileSync, promises, constants } = fs;
  assert.equal(typeof readFileSync, 'function');
  assert.equal(typeof promises.readFile, 'function');
  assert.equal(typeof constants.O_RDONLY, 'function');
  assert.equal(fs.readFileSync, readFileSync, 'the same member every time');
  // A class extending one of the module's classes still loads.
  const http = unavailableModule('http');
  class KeepAlive extends http.Agent {}
  assert.equal(typeof KeepAlive, 'function');
  assert.match(failureOf(() => new KeepAlive()).message, /`http\.Agent` was used/);
  // Nested members fail at their own use, named in full.
  assert.match(failureOf(() => promises.readFile('/x')).message, /`fs\.promises\.readFile` was used/);
  assert.match(failureOf(() => new fs.ReadStream('/x')).message, /`fs\.ReadStream` was used/);
});

test('a member used as a string or a number fails too', () => {
  const os = unavailableModule('os');
  assert.match(failureOf(() => `line${os.EOL}`).message, /`os\.EOL` was used/);
  assert.match(failureOf(() => 'line' + os.EOL).message, /`os\.EOL` was used/);
  const fs = unavailableModule('fs');
  assert.match(failureOf(() => 0o644 | fs.constants.S_IRUSR).message, /`fs\.constants\.S_IRUSR` was used/);
});

test('the module is neither a promise nor compiled ES, and owns no keys', async () => {
  const os = unavailableModule('os');
  assert.equal(os.then, undefined);
  assert.equal(os.__esModule, undefined);
  assert.equal(await os, os, 'awaiting it gives the module itself');
  assert.deepEqual(Object.keys(os), []);
  assert.equal(JSON.stringify({ os }), '{"os":{}}');
  assert.equal(Object.prototype.toString.call(os), "[object Kiln stand-in for Node.js's os]");
  assert.equal(os[Symbol.iterator], undefined);
});

test("esbuild's CommonJS interop finds every named import", () => {
  // What `import { homedir } from 'os'` compiles to when `os` is CommonJS:
  // a new object with the module's prototype, its own keys copied, and
  // `default` the module itself.
  const os = unavailableModule('os');
  const target = Object.create(Object.getPrototypeOf(os));
  for (const key of Object.getOwnPropertyNames(os)) target[key] = os[key];
  Object.defineProperty(target, 'default', { value: os, enumerable: true });
  assert.equal(target.default, os);
  assert.match(failureOf(() => target.homedir()).message, /`os\.homedir` was used/);
});

test('each module has its own members', () => {
  const fs = unavailableModule('fs');
  const other = unavailableModule('fs/promises');
  assert.notEqual(fs.readFile, other.readFile);
  assert.match(failureOf(() => other.readFile('/x')).message, /`fs\/promises\.readFile`/);
});
