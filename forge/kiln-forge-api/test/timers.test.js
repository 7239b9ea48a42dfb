// Node's `timers` and `timers/promises` as the layer gives them (src/node/
// timers.js, timers_promises.js), against Node's own: the same calls, the
// same results, the same errors.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realTimers from 'node:timers';
import * as realPromises from 'node:timers/promises';

import * as timers from '../src/node/timers.js';
import timersDefault from '../src/node/timers.js';
import * as promises from '../src/node/timers_promises.js';
import { delayOf } from '../src/node/engine_timers.js';
import * as globals from '../src/node/globals.js';

const sleep = (ms) => new Promise((resolve) => realTimers.setTimeout(resolve, ms));

function errorOf(fn) {
  try {
    fn();
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
  return null;
}

async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message, cause: error.cause };
  }
  return null;
}

test('setTimeout and setInterval answer a Timeout with Node\'s methods, chainable as Node\'s', () => {
  for (const [ours, theirs] of [
    [timers.setTimeout(() => {}, 50), realTimers.setTimeout(() => {}, 50)],
    [timers.setInterval(() => {}, 50), realTimers.setInterval(() => {}, 50)],
  ]) {
    assert.equal(typeof ours, typeof theirs);
    assert.equal(ours.constructor.name, theirs.constructor.name);
    for (const method of ['ref', 'unref', 'hasRef', 'refresh', 'close', Symbol.toPrimitive, Symbol.dispose]) {
      assert.equal(typeof theirs[method], 'function', String(method));
      assert.equal(typeof ours[method], 'function', String(method));
    }
    assert.equal(ours.hasRef(), theirs.hasRef());
    assert.equal(ours.unref(), ours);
    assert.equal(theirs.unref(), theirs);
    assert.equal(ours.hasRef(), theirs.hasRef());
    assert.equal(ours.ref().hasRef(), theirs.ref().hasRef());
    assert.equal(typeof +ours, typeof +theirs);
    assert.equal(ours.close(), ours);
    assert.equal(theirs.close(), theirs);
  }
  const [ours, theirs] = [timers.setImmediate(() => {}), realTimers.setImmediate(() => {})];
  assert.equal(ours.constructor.name, theirs.constructor.name);
  for (const method of ['ref', 'unref', 'hasRef', 'close', 'refresh', Symbol.dispose]) {
    assert.equal(typeof ours[method], typeof theirs[method], String(method));
  }
  assert.equal(ours.unref(), ours);
  assert.equal(theirs.unref(), theirs);
  assert.equal(ours.hasRef(), theirs.hasRef());
  timers.clearImmediate(ours);
  realTimers.clearImmediate(theirs);
});

test('a timer\'s callback gets its arguments, with the Timeout as `this`, as in Node', async () => {
  const seen = {};
  const ours = timers.setTimeout(function (a, b) {
    seen.ours = { a, b, self: this === ours };
  }, 1, 'x', 2);
  const theirs = realTimers.setTimeout(function (a, b) {
    seen.theirs = { a, b, self: this === theirs };
  }, 1, 'x', 2);
  const immediate = timers.setImmediate(function (a) {
    seen.immediate = { a, self: this === immediate };
  }, 'y');
  await sleep(20);
  assert.deepEqual(seen.ours, seen.theirs);
  assert.deepEqual(seen.ours, { a: 'x', b: 2, self: true });
  assert.deepEqual(seen.immediate, { a: 'y', self: true });
});

test('clearTimeout and clearInterval take the Timeout or its id, and each clears either kind', async () => {
  let fired = 0;
  const count = () => {
    fired += 1;
  };
  const cleared = [
    timers.setTimeout(count, 5),
    timers.setTimeout(count, 5),
    timers.setTimeout(count, 5),
    timers.setInterval(count, 5),
    timers.setTimeout(count, 5),
  ];
  timers.clearTimeout(cleared[0]);
  timers.clearTimeout(+cleared[1]);
  timers.clearTimeout(String(+cleared[2]));
  timers.clearTimeout(cleared[3]);
  timers.clearInterval(cleared[4]);
  assert.equal(timers.clearInterval, timers.clearTimeout);
  assert.equal(realTimers.clearTimeout(undefined), timers.clearTimeout(undefined));
  timers.clearTimeout({});
  timers.clearTimeout(null);
  const immediate = timers.setImmediate(count);
  timers.clearImmediate(immediate);
  timers.clearImmediate(undefined);
  await sleep(30);
  assert.equal(fired, 0);
});

test('refresh starts a timer again, also after it fired; a cleared one stays cleared', async () => {
  let fired = 0;
  const timer = timers.setTimeout(() => {
    fired += 1;
  }, 5);
  await sleep(25);
  assert.equal(fired, 1);
  assert.equal(timer.refresh(), timer);
  await sleep(25);
  assert.equal(fired, 2);
  timer.close();
  timer.refresh();
  await sleep(25);
  assert.equal(fired, 2);
});

test('an interval repeats until cleared', async () => {
  let fired = 0;
  const interval = timers.setInterval(() => {
    fired += 1;
    if (fired === 3) timers.clearInterval(interval);
  }, 2);
  await sleep(60);
  assert.equal(fired, 3);
});

test('a delay follows Node\'s rule: 1 to 2^31-1 ms, anything else 1 ms', () => {
  for (const after of [0, -1, 1, 1.5, 7, '5', 'abc', NaN, Infinity, 2 ** 31 - 1, 2 ** 31, undefined, null, {}, [], [3], true]) {
    const theirs = realTimers.setTimeout(() => {}, after);
    const delay = theirs._idleTimeout;
    realTimers.clearTimeout(theirs);
    assert.equal(delayOf(after), delay, String(after));
  }
});

test('a callback that is not a function is refused with Node\'s error', () => {
  for (const callback of [undefined, null, 'code()', 5, {}]) {
    for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
      const ours = errorOf(() => timers[name](callback, 1));
      const theirs = errorOf(() => realTimers[name](callback, 1));
      assert.deepEqual(ours, theirs, `${name}(${String(callback)})`);
    }
  }
});

test('the module, its default export, `promises` and the injected globals are the same functions', () => {
  for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate']) {
    assert.equal(timersDefault[name], timers[name], name);
    assert.equal(globals[name], timers[name], name);
    assert.equal(typeof realTimers[name], 'function', name);
  }
  assert.equal(timers.promises.setTimeout, promises.setTimeout);
  assert.equal(timersDefault.promises.setInterval, promises.setInterval);
  assert.equal(typeof realTimers.promises.setTimeout, 'function');
});

test('timers/promises: setTimeout and setImmediate resolve to the value, as Node\'s', async () => {
  assert.equal(await promises.setTimeout(5, 'done'), await realPromises.setTimeout(5, 'done'));
  assert.equal(await promises.setTimeout(), await realPromises.setTimeout());
  assert.equal(await promises.setImmediate('now'), await realPromises.setImmediate('now'));
  assert.equal(await promises.scheduler.wait(2), await realPromises.scheduler.wait(2));
  assert.equal(await promises.scheduler.yield(), await realPromises.scheduler.yield());
  const order = [];
  const immediate = promises.setImmediate().then(() => order.push('immediate'));
  Promise.resolve().then(() => order.push('job'));
  await immediate;
  assert.deepEqual(order, ['job', 'immediate']);
});

test('timers/promises: an abort rejects with Node\'s AbortError and the signal\'s reason as cause', async () => {
  const reason = new Error('stop');
  for (const [name, call] of [
    ['setTimeout', (api, signal) => api.setTimeout(1000, 'v', { signal })],
    ['setImmediate', (api, signal) => api.setImmediate('v', { signal })],
    ['scheduler.wait', (api, signal) => api.scheduler.wait(1000, { signal })],
  ]) {
    const before = AbortSignal.abort(reason);
    assert.deepEqual(await rejectionOf(call(promises, before)), await rejectionOf(call(realPromises, before)), name);
    const [ours, theirs] = [new AbortController(), new AbortController()];
    const pending = [rejectionOf(call(promises, ours.signal)), rejectionOf(call(realPromises, theirs.signal))];
    ours.abort(reason);
    theirs.abort(reason);
    const [mine, node] = await Promise.all(pending);
    assert.deepEqual(mine, node, name);
    assert.equal(mine.cause, reason);
    assert.equal(mine.code, 'ABORT_ERR');
  }
});

test('timers/promises: arguments Node refuses are refused alike, as rejections', async () => {
  for (const args of [['5'], [5, 'v', null], [5, 'v', 'options'], [5, 'v', { signal: {} }], [5, 'v', { ref: 1 }]]) {
    const oursPromise = promises.setTimeout(...args);
    const theirsPromise = realPromises.setTimeout(...args);
    assert.ok(oursPromise instanceof Promise);
    assert.deepEqual(await rejectionOf(oursPromise), await rejectionOf(theirsPromise), JSON.stringify(args));
  }
  assert.deepEqual(
    await rejectionOf(promises.setImmediate('v', { signal: 'x' })),
    await rejectionOf(realPromises.setImmediate('v', { signal: 'x' })),
  );
});

test('timers/promises: setInterval yields the value each tick until the loop stops', async () => {
  async function take(api, n) {
    const seen = [];
    for await (const value of api.setInterval(2, 'tick')) {
      seen.push(value);
      if (seen.length === n) break;
    }
    return seen;
  }
  assert.deepEqual(await take(promises, 3), await take(realPromises, 3));
  const run = async (api) => {
    const controller = new AbortController();
    const seen = [];
    const error = await rejectionOf(
      (async () => {
        for await (const value of api.setInterval(2, 'v', { signal: controller.signal })) {
          seen.push(value);
          if (seen.length === 2) controller.abort('enough');
        }
      })(),
    );
    return { seen, error };
  };
  assert.deepEqual(await run(promises), await run(realPromises));
  const slow = [];
  const iterator = promises.setInterval(2, 'x');
  await sleep(20);
  // Ticks that fired while nobody waited are each yielded, none lost.
  for (let i = 0; i < 3; i += 1) slow.push((await iterator.next()).value);
  await iterator.return();
  assert.deepEqual(slow, ['x', 'x', 'x']);
});
