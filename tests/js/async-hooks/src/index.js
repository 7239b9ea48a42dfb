// AsyncLocalStorage as forge-sql-orm and request-scoped loggers use it: a
// store set around a piece of work, read back deep inside it after awaits of
// the host, timers and other callbacks. Each handler answers what every
// step saw, which tests/tests/forge_async_hooks.rs compares with Node's
// behaviour.

import api, { route } from '@forge/api';
import { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { nextTick } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const als = new AsyncLocalStorage();

/** A host call: the simulator's answer for the current user. */
async function myself() {
  const response = await api.asUser().requestJira(route`/rest/api/3/myself`);
  return response.status;
}

/** An async generator, lowered too: its yields and awaits keep the store. */
async function* pages() {
  for (let page = 1; page <= 2; page += 1) {
    await sleep(1);
    yield [page, als.getStore()?.id];
  }
}

export const acrossHostCalls = async () => {
  const seen = { before: als.getStore() ?? null };
  const result = await als.run({ id: 'request-1' }, async () => {
    const steps = [['start', als.getStore().id]];
    const status = await myself();
    steps.push(['after requestJira', status, als.getStore().id]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    steps.push(['after setTimeout', als.getStore().id]);
    await sleep(2);
    steps.push(['after timers/promises', als.getStore().id]);
    const response = await api.asUser().requestJira(route`/rest/api/3/issue/${'NOPE-404'}`);
    steps.push(['after a 404', response.status, als.getStore().id]);
    for await (const [page, id] of pages()) steps.push(['page', page, id]);
    try {
      await Promise.reject(new Error('refused'));
    } catch (error) {
      steps.push(['after a rejection', error.message, als.getStore().id]);
    }
    return steps;
  });
  seen.steps = result;
  seen.after = als.getStore() ?? null;
  return seen;
};

export const concurrent = async () => {
  const one = async (id, delays) => {
    const seen = [];
    for (const ms of delays) {
      await sleep(ms);
      seen.push(als.getStore().id);
      await myself();
      seen.push(als.getStore().id);
    }
    return seen;
  };
  const runs = await Promise.all([
    als.run({ id: 'a' }, () => one('a', [5, 1, 3])),
    als.run({ id: 'b' }, () => one('b', [1, 4, 1])),
    als.run({ id: 'c' }, () => one('c', [3, 2, 2])),
  ]);
  return { runs, after: als.getStore() ?? null };
};

export const scheduling = async () => {
  const seen = {};
  let resolveLater;
  const later = new Promise((resolve) => {
    resolveLater = resolve;
  });
  const emitter = new EventEmitter();
  als.run('listener', () => emitter.on('event', () => (seen.listener = als.getStore())));
  await new Promise((done) => {
    let pending = 9;
    const note = (name) => (value) => {
      seen[name] = value === undefined ? als.getStore() : [value, als.getStore()];
      pending -= 1;
      if (pending === 0) done();
    };
    als.run('then', () => later.then(note('then')));
    als.run('catch', () => Promise.reject(new Error('x')).catch(() => note('catch')()));
    als.run('finally', () => later.finally(() => note('finally')()));
    als.run('microtask', () => queueMicrotask(() => note('queueMicrotask')()));
    als.run('timeout', () => setTimeout(() => note('setTimeout')(), 1));
    als.run('immediate', () => setImmediate(() => note('setImmediate')()));
    als.run('tick', () => process.nextTick(() => note('process.nextTick')()));
    als.run('imported tick', () => nextTick(() => note('nextTick import')()));
    als.run('interval', () => {
      let ticks = 0;
      const interval = setInterval(() => {
        ticks += 1;
        if (ticks === 2) {
          clearInterval(interval);
          note('setInterval')([ticks]);
        }
      }, 1);
    });
    // Resolved from another context: the callbacks keep their own.
    als.run('resolver', () => setTimeout(() => resolveLater('value'), 2));
    als.run('emitter', () => emitter.emit('event'));
  });
  seen.enterWith = await Promise.resolve().then(async () => {
    als.enterWith('entered');
    await sleep(1);
    return [als.getStore(), als.exit(() => als.getStore() ?? null)];
  });
  seen.afterEnterWith = als.getStore() ?? null;
  return seen;
};

export const resources = async () => {
  const resource = als.run('made', () => new AsyncResource('KILN_TEST'));
  const top = executionAsyncId();
  const inScope = als.run('called', () =>
    resource.runInAsyncScope(() => [als.getStore(), executionAsyncId() === resource.asyncId()]),
  );
  const bound = als.run('bound', () => AsyncLocalStorage.bind(() => als.getStore()));
  const snapshot = als.run('snapshot', () => AsyncLocalStorage.snapshot());
  await sleep(1);
  let hook;
  try {
    createHook({ init() {} });
    hook = 'no error';
  } catch (error) {
    hook = { code: error.code, names: /createHook/.test(error.message) };
  }
  return {
    inScope,
    ids: [typeof top, resource.asyncId() > 1, executionAsyncId() > top],
    bound: als.run('caller', () => bound()),
    snapshot: als.run('caller', () => snapshot(() => als.getStore())),
    destroyed: resource.emitDestroy() === resource,
    hook,
  };
};

/**
 * Node's `Timeout` keeps the context of the `setTimeout` that made it while
 * it is pending or repeating, whoever calls `refresh()`; once it has fired,
 * a `refresh()` starts it again in the refresher's context.
 */
export const timers = async () => {
  const seen = { timeout: [] };
  const timeout = als.run('made', () => setTimeout(() => seen.timeout.push(als.getStore()), 3));
  als.run('refresher', () => timeout.refresh());
  await sleep(10);
  als.run('after firing', () => timeout.refresh());
  await sleep(10);
  await new Promise((done) => {
    const ticks = [];
    const interval = als.run('interval', () =>
      setInterval(() => {
        ticks.push(als.getStore());
        if (ticks.length === 1) als.run('refresher', () => interval.refresh());
        if (ticks.length === 3) {
          clearInterval(interval);
          seen.interval = ticks;
          done();
        }
      }, 1),
    );
  });
  await new Promise((done) => {
    const fired = [];
    als.run('self', () =>
      setTimeout(function () {
        fired.push(als.getStore());
        if (fired.length < 2) als.run('inside', () => this.refresh());
        else {
          seen.refreshedFromItsCallback = fired;
          done();
        }
      }, 1),
    );
  });
  return seen;
};
