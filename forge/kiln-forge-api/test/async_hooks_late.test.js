// A Timeout made before an app first loads `async_hooks`, against Node's.
//
// The layer carries the async context only once a bundle loads `async_hooks`
// (src/node/async_context.js), so a timer made earlier was bound to nothing;
// when it is refreshed later, inside `AsyncLocalStorage.run`, Node keeps the
// context it was made in (no store), not the refresher's. This file runs in
// a process of its own (`node --test` runs each file so), so that the layer's
// `async_hooks` is loaded here for the first time after the timers are made.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realTimers from 'node:timers';

import * as kilnTimers from '../src/node/timers.js';

/** What each callback saw of `als`, for a scenario run with `timers` and then `hooks`. */
async function scenario(timers, loadHooks) {
  const seen = [];
  let als = null;
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  let fired = 0;
  // Made before async_hooks is loaded.
  const pending = timers.setTimeout(() => {
    seen.push(['pending, refreshed', als.getStore()]);
    fired += 1;
    if (fired === 2) done();
  }, 30);
  const repeating = timers.setInterval(() => {
    seen.push(['interval', als.getStore()]);
    timers.clearInterval(repeating);
    fired += 1;
    if (fired === 2) done();
  }, 40);
  const hooks = await loadHooks();
  als = new hooks.AsyncLocalStorage();
  als.run('refresher', () => {
    pending.refresh();
    repeating.refresh();
  });
  // One made after, in a store, keeps it.
  const after = await new Promise((resolve) => {
    als.run('maker', () => timers.setTimeout(() => resolve(als.getStore()), 1));
  });
  seen.push(['made after', after]);
  await finished;
  return seen.sort((a, b) => a[0].localeCompare(b[0]));
}

test('a Timeout made before async_hooks loads keeps the starting context when refreshed', async () => {
  const kiln = await scenario(kilnTimers, () => import('../src/node/async_hooks.js'));
  const node = await scenario(realTimers, () => import('node:async_hooks'));
  assert.deepEqual(kiln, node);
  assert.deepEqual(node, [
    ['interval', undefined],
    ['made after', 'maker'],
    ['pending, refreshed', undefined],
  ]);
});
