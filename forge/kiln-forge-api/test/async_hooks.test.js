// Node's `async_hooks` as the layer gives it (src/node/async_hooks.js),
// against Node's own: the same scenarios run with each module, and what
// every callback saw of its stores is compared.
//
// On Kiln the build lowers `async` functions into generators driven by
// `then` (build.mjs, "async context"), because the engine's native `await`
// does not go through JavaScript's `then`. Node's native `await` does not
// either, so the scenarios are written as that lowered code: `lowered` is
// esbuild's own `__async` helper, and `function* () { … yield x … }` is what
// esbuild makes of `async function () { … await x … }`. With Node's module
// the same code runs on Node's own tracking.

import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as real from 'node:async_hooks';
import * as realTimers from 'node:timers';
import * as realTimerPromises from 'node:timers/promises';

import * as kiln from '../src/node/async_hooks.js';
import kilnDefault from '../src/node/async_hooks.js';
import * as kilnTimers from '../src/node/timers.js';
import * as kilnTimerPromises from '../src/node/timers_promises.js';

/** The `timers` and `timers/promises` that go with `module`: Node's with Node's, the layer's with the layer's. */
const timersOf = (module) => (module === real ? realTimers : kilnTimers);
const timerPromisesOf = (module) => (module === real ? realTimerPromises : kilnTimerPromises);

/** esbuild's `__async` (what `supported: { 'async-await': false }` emits), as a function of the generator. */
function lowered(generatorFunction) {
  return function (...args) {
    let generator = generatorFunction;
    const self = this;
    return new Promise((resolve, reject) => {
      const fulfilled = (value) => {
        try {
          step(generator.next(value));
        } catch (e) {
          reject(e);
        }
      };
      const rejected = (value) => {
        try {
          step(generator.throw(value));
        } catch (e) {
          reject(e);
        }
      };
      const step = (x) => (x.done ? resolve(x.value) : Promise.resolve(x.value).then(fulfilled, rejected));
      step((generator = generator.apply(self, args)).next());
    });
  };
}

/** A timer's promise, as a host call (a fetch, a requestJira) resolves: later, from the engine's queue. */
const sleep = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));

/**
 * Runs `scenario(module)` with Node's module and the layer's, each from a
 * fresh callback (so that an `enterWith` at a scenario's top ends with it,
 * as it ends with a callback in Node), and answers both results.
 */
async function both(scenario) {
  const fresh = (module) => new Promise((resolve) => setTimeout(resolve, 0)).then(() => scenario(module));
  const node = await fresh(real);
  const ours = await fresh(kiln);
  return { node, ours };
}

test('run: the store through awaits of timers, and the outer store back after it returns', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const seen = [];
    const work = lowered(function* (label) {
      seen.push([label, 'start', als.getStore()]);
      yield sleep(5);
      seen.push([label, 'after timer', als.getStore()]);
      const value = yield Promise.resolve(7);
      seen.push([label, 'after resolved', value, als.getStore()]);
      try {
        yield Promise.reject(new Error('refused'));
      } catch (error) {
        seen.push([label, 'after rejection', error.message, als.getStore()]);
      }
      return als.getStore();
    });
    seen.push(['before', als.getStore()]);
    const outer = als.run({ id: 'outer' }, () => {
      const inner = als.run({ id: 'inner' }, () => work('inner'));
      seen.push(['outer again', als.getStore()]);
      return inner;
    });
    seen.push(['after run', als.getStore()]);
    return outer.then((result) => {
      seen.push(['result', result, als.getStore()]);
      return seen;
    });
  });
  assert.deepEqual(ours, node);
  assert.deepEqual(node.at(-1), ['result', { id: 'inner' }, undefined]);
});

test('then, catch and finally run in the context of their call, not of the resolution', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const seen = [];
    let resolveIt;
    let rejectIt;
    const resolved = new Promise((resolve) => {
      resolveIt = resolve;
    });
    const rejected = new Promise((_, reject) => {
      rejectIt = reject;
    });
    als.run('a', () => resolved.then((v) => seen.push(['then a', v, als.getStore()])));
    als.run('b', () => resolved.then((v) => seen.push(['then b', v, als.getStore()])));
    als.run('c', () => rejected.catch((e) => seen.push(['catch c', e, als.getStore()])));
    als.run('d', () => rejected.finally(() => seen.push(['finally d', als.getStore()])).catch(() => {}));
    resolved.then(() => seen.push(['then outside', als.getStore()]));
    als.run('resolver', () => {
      setTimeout(() => {
        resolveIt(1);
        rejectIt('no');
      }, 2);
    });
    return sleep(10).then(() => seen);
  });
  assert.deepEqual(ours, node);
  assert.equal(node.length, 5);
});

test('queueMicrotask, the timers and process.nextTick run in the context they were scheduled in', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const seen = [];
    als.run('micro', () => queueMicrotask(() => seen.push(['microtask', als.getStore()])));
    als.run('tick', () => process.nextTick((x) => seen.push(['tick', x, als.getStore()]), 'arg'));
    als.run('tick 2', () => process.nextTick(() => seen.push(['tick 2', als.getStore()])));
    als.run('timeout', () => setTimeout((x) => seen.push(['timeout', x, als.getStore()]), 1, 'arg'));
    als.run('immediate', () => setImmediate(() => seen.push(['immediate', als.getStore()])));
    let ticks = 0;
    als.run('interval', () => {
      const interval = setInterval(() => {
        ticks += 1;
        seen.push(['interval', ticks, als.getStore()]);
        if (ticks === 2) clearInterval(interval);
      }, 1);
    });
    setTimeout(() => seen.push(['timeout outside', als.getStore()]), 1);
    return sleep(30).then(() => seen.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });
  assert.deepEqual(ours, node);
  assert.equal(node.length, 8);
});

test('a pending Timeout keeps the context it was made in when refreshed; a spent one takes the refresher\'s', async () => {
  const { node, ours } = await both((module) => {
    const { AsyncLocalStorage, executionAsyncId } = module;
    const { setTimeout: timeout } = timersOf(module);
    const als = new AsyncLocalStorage();
    const seen = [];
    let firstId;
    const timer = als.run('made', () =>
      timeout(() => {
        firstId ??= executionAsyncId();
        seen.push(['fired', als.getStore(), executionAsyncId() === firstId]);
      }, 4),
    );
    // Re-armed before it fires, from a context of its own: it fires once,
    // in the context it was made in.
    als.run('refresher', () => timer.refresh());
    return sleep(15)
      .then(() => {
        // Re-armed after it fired: Node made its resource anew, in the
        // refresher's context, with a new id.
        als.run('refreshed after firing', () => timer.refresh());
        return sleep(15);
      })
      .then(() => {
        // A cleared timer stays cleared, whoever refreshes it.
        timer.close();
        als.run('refreshed after close', () => timer.refresh());
        return sleep(15);
      })
      .then(() => seen);
  });
  assert.deepEqual(ours, node);
  assert.deepEqual(node, [
    ['fired', 'made', true],
    ['fired', 'refreshed after firing', false],
  ]);
});

test('a Timeout refreshed from its own callback is not spent: it fires again in its first context', async () => {
  const { node, ours } = await both((module) => {
    const { AsyncLocalStorage, executionAsyncId } = module;
    const { setTimeout: timeout } = timersOf(module);
    const als = new AsyncLocalStorage();
    const seen = [];
    let firstId;
    let fired = 0;
    als.run('made', () =>
      timeout(function () {
        fired += 1;
        firstId ??= executionAsyncId();
        seen.push(['fired', fired, als.getStore(), executionAsyncId() === firstId]);
        if (fired < 3) als.run('inside', () => this.refresh());
      }, 2),
    );
    return sleep(30).then(() => seen);
  });
  assert.deepEqual(ours, node);
  assert.deepEqual(node.map(([, , store, sameId]) => [store, sameId]), [
    ['made', true],
    ['made', true],
    ['made', true],
  ]);
});

test('a setInterval keeps its context and its async id across repeats and a refresh', async () => {
  const { node, ours } = await both((module) => {
    const { AsyncLocalStorage, executionAsyncId } = module;
    const { setInterval: interval, clearInterval } = timersOf(module);
    const als = new AsyncLocalStorage();
    const seen = [];
    let firstId;
    let ticks = 0;
    const timer = als.run('interval', () =>
      interval(() => {
        ticks += 1;
        firstId ??= executionAsyncId();
        seen.push(['tick', ticks, als.getStore(), executionAsyncId() === firstId]);
        if (ticks === 2) als.run('refresher', () => timer.refresh());
        if (ticks === 4) clearInterval(timer);
      }, 2),
    );
    return sleep(40).then(() => seen);
  });
  assert.deepEqual(ours, node);
  assert.equal(node.length, 4);
});

test('timers/promises: a timer and an interval resume their awaiter in its context', async () => {
  const { node, ours } = await both((module) => {
    const { AsyncLocalStorage } = module;
    const { setTimeout: wait, setImmediate: immediate, setInterval: every } = timerPromisesOf(module);
    const als = new AsyncLocalStorage();
    const seen = [];
    const waiter = lowered(function* (label) {
      const value = yield wait(3, 'waited');
      seen.push([label, value, als.getStore()]);
      const next = yield immediate('immediate');
      seen.push([label, next, als.getStore()]);
    });
    // `for await (const value of every(2, label))`, lowered as esbuild lowers it.
    const consumer = lowered(function* (label) {
      const iterator = every(2, label);
      for (let i = 0; i < 3; i += 1) {
        const { value } = yield iterator.next();
        seen.push([label, i, value, als.getStore()]);
      }
      yield iterator.return();
    });
    // An interval made in one context and consumed from another: each
    // `next()` resumes its caller in the caller's context.
    const made = als.run('iterator made', () => every(2, 'handed over'));
    const elsewhere = lowered(function* () {
      const { value } = yield made.next();
      seen.push(['handed over', value, als.getStore()]);
      yield made.return();
    });
    return Promise.all([
      als.run('first waiter', () => waiter('first waiter')),
      als.run('second waiter', () => waiter('second waiter')),
      als.run('consumer', () => consumer('consumer')),
      als.run('consumed elsewhere', () => elsewhere()),
    ]).then(() => seen.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]))));
  });
  assert.deepEqual(ours, node);
  assert.equal(node.length, 8);
});

test('concurrent runs under Promise.all each see their own store, never another\'s', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const seen = [];
    const request = lowered(function* (id, delays) {
      for (const [i, ms] of delays.entries()) {
        yield sleep(ms);
        seen.push([id, i, als.getStore().id]);
        // A store another run could have overwritten, were they shared.
        als.getStore().steps.push(i);
      }
      return als.getStore();
    });
    const runs = [
      ['first', [6, 1, 4]],
      ['second', [1, 5, 2]],
      ['third', [3, 3, 3]],
    ].map(([id, delays]) => als.run({ id, steps: [] }, () => request(id, delays)));
    return Promise.all(runs).then((stores) => ({
      stores,
      mixedUp: seen.filter(([id, , store]) => id !== store),
      after: als.getStore() ?? null,
    }));
  });
  assert.deepEqual(ours, node);
  assert.deepEqual(node.mixedUp, []);
  assert.deepEqual(
    node.stores.map(({ id, steps }) => [id, steps]),
    [
      ['first', [0, 1, 2]],
      ['second', [0, 1, 2]],
      ['third', [0, 1, 2]],
    ],
  );
});

test('EventEmitter listeners run synchronously in the emitter\'s context', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const emitter = new EventEmitter();
    const seen = [];
    als.run('registered', () => emitter.on('event', (x) => seen.push([x, als.getStore()])));
    als.run('emitted', () => emitter.emit('event', 1));
    emitter.emit('event', 2);
    return seen;
  });
  assert.deepEqual(ours, node);
});

test('enterWith holds for the rest of the callback and what it schedules; exit and disable leave it', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const other = new AsyncLocalStorage();
    const seen = [];
    return Promise.resolve()
      .then(() => {
        als.enterWith('entered');
        other.enterWith('other');
        seen.push(['entered', als.getStore(), other.getStore()]);
        setTimeout(() => seen.push(['scheduled after', als.getStore(), other.getStore()]), 1);
        seen.push(['exit', als.exit((x) => [x, als.getStore(), other.getStore()], 'arg')]);
        seen.push(['after exit', als.getStore()]);
        als.run('nested', () => seen.push(['nested run', als.getStore(), other.getStore()]));
        seen.push(['after nested', als.getStore()]);
      })
      .then(() => seen.push(['next callback', als.getStore() ?? null, other.getStore() ?? null]))
      .then(() => sleep(5))
      .then(() =>
        als.run('before disable', () => {
          als.disable();
          seen.push(['disabled', als.getStore() ?? null, other.getStore() ?? null]);
          seen.push(['exit while disabled', als.exit(() => als.getStore() ?? null)]);
          als.run('again', () => seen.push(['run after disable', als.getStore()]));
          return seen;
        }),
      );
  });
  assert.deepEqual(ours, node);
});

test('bind and snapshot run a function in the context they were made in', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    const bound = als.run('at bind', () => AsyncLocalStorage.bind((x) => [x, als.getStore()]));
    const snapshot = als.run('at snapshot', () => AsyncLocalStorage.snapshot());
    return als.run('at call', () => [
      bound('arg'),
      snapshot((x, y) => [x, y, als.getStore()], 1, 2),
      als.getStore(),
      typeof bound.asyncResource,
    ]);
  });
  assert.deepEqual(ours, node);
});

test('AsyncResource: its scope, ids, bind, emitDestroy and Node\'s errors', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage, AsyncResource, executionAsyncId, triggerAsyncId, executionAsyncResource }) => {
    const als = new AsyncLocalStorage();
    const seen = [];
    const resource = als.run('made', () => new AsyncResource('KILN_TEST'));
    const outerId = executionAsyncId();
    seen.push(['ids are numbers', typeof outerId, typeof triggerAsyncId(), typeof resource.asyncId()]);
    seen.push(['new id', resource.asyncId() > outerId, resource.triggerAsyncId() === outerId]);
    als.run('called', () => {
      const inScope = resource.runInAsyncScope(
        function (x) {
          return [
            x,
            this.tag,
            als.getStore(),
            executionAsyncId() === resource.asyncId(),
            triggerAsyncId() === resource.triggerAsyncId(),
            executionAsyncResource() === resource,
          ];
        },
        { tag: 'this' },
        'arg',
      );
      seen.push(['runInAsyncScope', inScope]);
      seen.push(['back', als.getStore(), executionAsyncId() === outerId]);
      const bound = resource.bind(function (a, b) {
        return [a, b, als.getStore(), this?.tag ?? null];
      });
      seen.push(['bind', bound.length, bound.asyncResource === resource, bound.call({ tag: 'caller' }, 1, 2)]);
      const withThis = resource.bind(function () {
        return this.tag;
      }, { tag: 'given' });
      seen.push(['bind thisArg', withThis.call({ tag: 'caller' })]);
      const staticBound = AsyncResource.bind(function named() {
        return als.getStore();
      });
      seen.push(['static bind', staticBound(), staticBound.asyncResource instanceof AsyncResource]);
    });
    seen.push(['emitDestroy', resource.emitDestroy() === resource]);
    const explicit = new AsyncResource('KILN_TEST', { triggerAsyncId: 42 });
    seen.push(['given trigger', explicit.triggerAsyncId()]);
    const error = (make) => {
      try {
        make();
        return 'no error';
      } catch (e) {
        return [e.name, e.code];
      }
    };
    seen.push(['bad type', error(() => new AsyncResource(1))]);
    seen.push(['bad trigger', error(() => new AsyncResource('T', { triggerAsyncId: -2 }))]);
    seen.push(['bind not a function', error(() => resource.bind(1))]);
    // In a callback: a new execution id, larger than the top level's.
    return sleep(1).then(() => {
      seen.push(['callback id', executionAsyncId() > outerId, typeof executionAsyncResource()]);
      const resourceHere = executionAsyncResource();
      seen.push(['same resource within a callback', executionAsyncResource() === resourceHere]);
      return seen;
    });
  });
  assert.deepEqual(ours, node);
});

test('a run whose function throws leaves the outer store in place', async () => {
  const { node, ours } = await both(({ AsyncLocalStorage }) => {
    const als = new AsyncLocalStorage();
    return als.run('outer', () => {
      let message;
      try {
        als.run('inner', () => {
          throw new Error('boom');
        });
      } catch (error) {
        message = error.message;
      }
      return [message, als.getStore()];
    });
  });
  assert.deepEqual(ours, node);
});

test('createHook is refused with a code, naming itself; the module has Node\'s names', () => {
  assert.throws(() => kiln.createHook({ init() {} }), (error) => {
    assert.equal(error.code, 'ERR_KILN_NODE_MODULE_UNAVAILABLE');
    assert.match(error.message, /createHook/);
    return true;
  });
  for (const name of ['AsyncLocalStorage', 'AsyncResource', 'createHook', 'executionAsyncId', 'triggerAsyncId', 'executionAsyncResource']) {
    assert.equal(typeof kiln[name], typeof real[name], name);
    assert.equal(typeof kilnDefault[name], typeof real.default[name], name);
  }
});

test('callbacks keep no context alive once they have run (frames are held only by them)', async () => {
  // A run's store is reachable from the callbacks it scheduled and from
  // nothing else: once they ran and were dropped, the store is collectable.
  if (typeof globalThis.gc !== 'function') {
    // Without --expose-gc, the check is that the layer keeps no registry:
    // thousands of runs leave the module's state as it was.
    const als = new kiln.AsyncLocalStorage();
    const done = [];
    for (let i = 0; i < 2000; i += 1) done.push(als.run({ i }, () => Promise.resolve(i).then(() => als.getStore().i)));
    const results = await Promise.all(done);
    assert.equal(results[1999], 1999);
    assert.equal(als.getStore(), undefined);
    return;
  }
  const als = new kiln.AsyncLocalStorage();
  let collected = false;
  const registry = new FinalizationRegistry(() => {
    collected = true;
  });
  await new Promise((resolve) => {
    als.run({}, () => {
      registry.register(als.getStore(), 'store');
      setTimeout(resolve, 1);
    });
  });
  for (let i = 0; i < 10 && !collected; i += 1) {
    globalThis.gc();
    await sleep(5);
  }
  assert.equal(collected, true);
});
