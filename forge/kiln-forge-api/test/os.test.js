// Node's `os` as the layer gives it (src/node/os.js): the Linux constants
// and the platform's answers equal Node's own on Linux, every function
// answers the type Node's does, and nothing of the machine running the
// tests leaks into the answers that describe a machine.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:os';

import * as os from '../src/node/os.js';
import osDefault from '../src/node/os.js';

test("Linux's constants, and the platform, as Node answers them", () => {
  assert.deepEqual(os.constants, real.constants);
  assert.ok(Object.isFrozen(os.constants) && Object.isFrozen(os.constants.signals), 'not writable by one app part for another');
  assert.equal(os.EOL, real.EOL);
  assert.equal(os.devNull, real.devNull);
  for (const name of ['platform', 'type', 'endianness', 'arch', 'machine']) {
    assert.equal(os[name](), real[name](), name);
  }
});

test("every one of Node's names, each answering Node's type", () => {
  assert.deepEqual(Object.keys(osDefault).sort(), Object.keys(real.default).sort());
  for (const name of Object.keys(real.default)) {
    assert.equal(osDefault[name], os[name], name);
    if (typeof real[name] !== 'function' || name === 'setPriority') continue;
    const mine = os[name]();
    const node = real[name]();
    assert.equal(typeof mine, typeof node, name);
    assert.equal(Array.isArray(mine), Array.isArray(node), name);
  }
  assert.deepEqual(Object.keys(os.userInfo()).sort(), Object.keys(real.userInfo()).sort());
});

test('the answers that would describe the host describe no machine', () => {
  assert.deepEqual(os.cpus(), []);
  assert.equal(os.availableParallelism(), 1);
  assert.deepEqual(os.networkInterfaces(), {});
  assert.deepEqual(os.loadavg(), [0, 0, 0]);
  assert.equal(os.totalmem(), 0);
  assert.equal(os.freemem(), 0);
  assert.equal(os.hostname(), 'localhost');
  assert.equal(os.homedir(), '/');
  assert.equal(os.tmpdir(), '/tmp');
  assert.equal(os.release(), '0.0.0');
  assert.deepEqual(os.userInfo(), { uid: -1, gid: -1, username: 'app', homedir: '/', shell: null });
  assert.equal(os.getPriority(), 0);
});

test('setPriority throws, and arguments are checked as Node checks them', () => {
  assert.throws(() => os.setPriority(10), /os\.setPriority\(\) is not available to a Kiln app: the sandbox has no processes/);
  assert.throws(() => os.getPriority('1'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => real.getPriority('1'), { code: 'ERR_INVALID_ARG_TYPE' });
});
