// The layer's `navigator` (src/node/navigator.js) against Node 22's, which
// the machine's Node (20) may not have: the shape of lib/internal/navigator.js
// (getters on the prototype, the tag, the constructor refused), and the
// answers derived from the `process` the app sees.

import test from 'node:test';
import assert from 'node:assert/strict';

import { navigator, Navigator, navigatorPlatform } from '../src/node/navigator.js';

test('navigator has the shape of Node 22s', () => {
  assert.equal(Object.prototype.toString.call(navigator), '[object Navigator]');
  assert.equal(Object.getPrototypeOf(navigator), Navigator.prototype);
  assert.deepEqual(Reflect.ownKeys(navigator), []);
  for (const name of ['hardwareConcurrency', 'language', 'languages', 'userAgent', 'platform']) {
    const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, name);
    assert.equal(typeof descriptor.get, 'function', name);
    assert.equal(descriptor.set, undefined, name);
    assert.equal(descriptor.enumerable, true, name);
  }
  assert.deepEqual(Object.keys(Navigator.prototype), [
    'hardwareConcurrency',
    'language',
    'languages',
    'userAgent',
    'platform',
  ]);
  assert.throws(() => new Navigator(), { name: 'TypeError', code: 'ERR_ILLEGAL_CONSTRUCTOR', message: 'Illegal constructor' });
  // Node's getters check their object through private fields.
  assert.throws(() => Navigator.prototype.hardwareConcurrency, TypeError);
  // Read only, as Node's: assigning in a module (strict) throws.
  assert.throws(() => {
    navigator.userAgent = 'x';
  }, TypeError);
});

test('navigator answers as Node 22 on the process the app sees', () => {
  const major = process.version.slice(1, process.version.indexOf('.'));
  assert.equal(navigator.userAgent, `Node.js/${major}`);
  assert.equal(navigator.language, 'en-US');
  assert.deepEqual(navigator.languages, ['en-US']);
  assert.ok(Object.isFrozen(navigator.languages));
  assert.equal(navigator.languages, navigator.languages);
  // One thread of the engine per invocation, as the layer's os.availableParallelism().
  assert.equal(navigator.hardwareConcurrency, 1);
  assert.equal(navigator.platform, navigatorPlatform(process));
});

test('navigator.platform is what Node 22 derives from process.platform and process.arch', () => {
  // Node 22's lib/internal/navigator.js, getNavigatorPlatform.
  const cases = [
    [{ platform: 'linux', arch: 'x64' }, 'Linux x86_64'],
    [{ platform: 'linux', arch: 'arm64' }, 'Linux arm64'],
    [{ platform: 'linux', arch: 'ia32' }, 'Linux i686'],
    [{ platform: 'darwin', arch: 'arm64' }, 'MacIntel'],
    [{ platform: 'win32', arch: 'x64' }, 'Win32'],
    [{ platform: 'freebsd', arch: 'x64' }, 'FreeBSD amd64'],
    [{ platform: 'openbsd', arch: 'ia32' }, 'OpenBSD i386'],
    [{ platform: 'sunos', arch: 'ia32' }, 'SunOS i86pc'],
    [{ platform: 'aix', arch: 'ppc64' }, 'AIX'],
    [{ platform: 'android', arch: 'arm' }, 'Android arm'],
  ];
  for (const [process, expected] of cases) assert.equal(navigatorPlatform(process), expected);
});
