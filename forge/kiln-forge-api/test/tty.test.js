// Node's `tty` as the layer gives it (src/node/tty.js): what Node answers
// when its output is no terminal, which the sandbox never has.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:tty';

import * as tty from '../src/node/tty.js';
import ttyDefault from '../src/node/tty.js';

test('no descriptor is a terminal, as for Node with its output piped', () => {
  for (const fd of [0, 1, 2, 3, -1, 1.5, '1', undefined]) {
    assert.equal(tty.isatty(fd), false, String(fd));
  }
  // Node under the test runner has no terminal either: the same answers.
  for (const fd of [3, -1, 1.5, '1', undefined]) assert.equal(tty.isatty(fd), real.isatty(fd), String(fd));
});

test("Node's names; a terminal stream cannot be opened", () => {
  assert.deepEqual(Object.keys(ttyDefault).sort(), Object.keys(real).filter((k) => k !== 'default').sort());
  assert.throws(() => new tty.WriteStream(1), { code: 'ERR_TTY_INIT_FAILED', message: /the sandbox has no terminal/ });
  assert.throws(() => new tty.ReadStream(0), { code: 'ERR_TTY_INIT_FAILED' });
});
