// Node's `diagnostics_channel` as the layer gives it
// (src/node/diagnostics_channel.js), against Node's own: the same calls
// through both modules give the same messages in the same order, the same
// answers and the same argument errors.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:diagnostics_channel';

import * as kiln from '../src/node/diagnostics_channel.js';
import kilnDefault from '../src/node/diagnostics_channel.js';

let unique = 0;
/** A channel name no other test uses (Node's channels are process-wide). */
const fresh = (label) => `kiln-test:${label}:${(unique += 1)}`;

/** Runs `scenario(module, name)` with both modules; returns both logs. */
async function both(label, scenario) {
  const node = await scenario(real, fresh(label));
  const ours = await scenario(kiln, fresh(label));
  return { node: strip(node), ours: strip(ours) };
}

/** Channel names differ per run; the log keeps what they say, not which. */
function strip(log) {
  return JSON.parse(JSON.stringify(log, (key, value) => (typeof value === 'string' ? value.replace(/kiln-test:[^:]+:\d+/g, 'NAME') : value)));
}

test('publish calls subscribers in order with the message and the name; unsubscribe and hasSubscribers as Node', async () => {
  const { node, ours } = await both('publish', (dc, name) => {
    const log = [];
    const ch = dc.channel(name);
    log.push(['same object', dc.channel(name) === ch, ch.name === name]);
    log.push(['before', ch.hasSubscribers, dc.hasSubscribers(name)]);
    const a = (message, from) => log.push(['a', message, from]);
    const b = (message) => log.push(['b', message]);
    dc.subscribe(name, a);
    ch.subscribe(b);
    log.push(['after', ch.hasSubscribers, dc.hasSubscribers(name)]);
    ch.publish({ n: 1 });
    log.push(['unsubscribe a', dc.unsubscribe(name, a), dc.unsubscribe(name, a), ch.unsubscribe(() => {})]);
    ch.publish({ n: 2 });
    log.push(['unsubscribe b', ch.unsubscribe(b), ch.hasSubscribers]);
    ch.publish({ n: 3 });
    log.push(['unknown name', dc.hasSubscribers(`${name}-never`), dc.unsubscribe(`${name}-never`, a)]);
    return log;
  });
  assert.deepEqual(ours, node);
});

test('a subscriber added while publishing is called from the next publish on', async () => {
  const { node, ours } = await both('during', (dc, name) => {
    const log = [];
    const ch = dc.channel(name);
    const late = (m) => log.push(['late', m]);
    ch.subscribe((m) => {
      log.push(['first', m]);
      ch.subscribe(late);
    });
    ch.publish(1);
    ch.publish(2);
    return log;
  });
  assert.deepEqual(ours, node);
});

test('traceSync, tracePromise and traceCallback publish start, end, asyncStart, asyncEnd and error as Node', async () => {
  const { node, ours } = await both('trace', async (dc, name) => {
    const log = [];
    const tc = dc.tracingChannel(name);
    log.push(['no subscribers', tc.hasSubscribers, tc.traceSync((x) => x * 2, {}, null, 21)]);
    const handlers = Object.fromEntries(
      ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => [
        event,
        (context, from) => log.push([event, from, { ...context, error: context.error?.message }]),
      ]),
    );
    tc.subscribe(handlers);
    log.push(['subscribed', tc.hasSubscribers, tc.start.name]);
    log.push(['sync', tc.traceSync((a, b) => a + b, { op: 'add' }, null, 1, 2)]);
    try {
      tc.traceSync(() => {
        throw new Error('sync failure');
      }, { op: 'throw' });
    } catch (error) {
      log.push(['caught', error.message]);
    }
    log.push(['promise', await tc.tracePromise(async (x) => x + 1, { op: 'async' }, null, 41)]);
    await tc.tracePromise(async () => {
      throw new Error('async failure');
    }, { op: 'reject' }).catch((error) => log.push(['rejected', error.message]));
    log.push(['not a promise', await tc.tracePromise(() => 'plain', { op: 'plain' })]);
    await new Promise((resolve) => {
      tc.traceCallback(
        (x, done) => setTimeout(() => done(null, x * 3), 1),
        -1,
        { op: 'callback' },
        null,
        5,
        (err, value) => {
          log.push(['callback', err, value]);
          resolve();
        },
      );
    });
    await new Promise((resolve) => {
      tc.traceCallback((done) => done(new Error('callback failure')), 0, { op: 'cb-error' }, null, (err) => {
        log.push(['callback error', err.message]);
        resolve();
      });
    });
    log.push(['unsubscribed', tc.unsubscribe(handlers), tc.hasSubscribers, tc.unsubscribe(handlers)]);
    return log;
  });
  assert.deepEqual(ours, node);
});

test('stores bound to a channel run around the traced call, outermost first', async () => {
  const { node, ours } = await both('stores', (dc, name) => {
    const log = [];
    const store = (label) => ({
      run(value, fn) {
        log.push(['enter', label, value]);
        try {
          return fn();
        } finally {
          log.push(['leave', label]);
        }
      },
    });
    const ch = dc.channel(name);
    const one = store('one');
    ch.bindStore(one, (data) => ({ from: 'one', data }));
    ch.bindStore(store('two'));
    log.push(['active', ch.hasSubscribers]);
    ch.subscribe((m) => log.push(['message', m]));
    log.push(['result', ch.runStores({ id: 7 }, (a) => a + 1, null, 1)]);
    log.push(['unbind', ch.unbindStore(one), ch.unbindStore(one)]);
    return log;
  });
  assert.deepEqual(ours, node);
});

test('argument errors are Node\'s', () => {
  const calls = [
    (dc) => dc.channel(42),
    (dc) => dc.subscribe('x', 'not a function'),
    (dc) => dc.channel('x').subscribe(null),
    (dc) => dc.tracingChannel(42),
    (dc) => dc.tracingChannel({ start: {} }),
  ];
  for (const call of calls) {
    const failure = (dc) => {
      try {
        call(dc);
        return 'no error';
      } catch (error) {
        return { name: error.name, code: error.code };
      }
    };
    assert.deepEqual(failure(kiln), failure(real), String(call));
  }
  for (const name of ['channel', 'hasSubscribers', 'subscribe', 'unsubscribe', 'tracingChannel', 'Channel']) {
    assert.equal(typeof kiln[name], typeof real[name], name);
    assert.equal(kilnDefault[name], kiln[name], name);
  }
  assert.ok(kiln.channel('x') instanceof kiln.Channel);
});
