// Node's `perf_hooks` as the layer gives it (src/node/perf_hooks.js), against
// Node's own: the same marks, measures, observer deliveries, histogram
// statistics and errors. Times differ between runs; what is compared is
// what they mean (order, names, types, durations computed from given times).

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:perf_hooks';

import * as kiln from '../src/node/perf_hooks.js';
import kilnDefault from '../src/node/perf_hooks.js';

/** Runs `scenario(module)` with Node's and the layer's perf_hooks. */
async function both(scenario) {
  const node = await scenario(real);
  const ours = await scenario(kiln);
  return { node, ours };
}

function failure(call) {
  try {
    call();
    return 'no error';
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
}

test('marks and measures: the timeline in start order, given times kept, Node\'s errors', async () => {
  const { node, ours } = await both(({ performance }) => {
    performance.clearMarks();
    performance.clearMeasures();
    const log = [];
    const a = performance.mark('kiln-a', { startTime: 10, detail: { step: 1 } });
    log.push(a.constructor.name, JSON.stringify(a));
    performance.mark('kiln-b', { startTime: 25 });
    const m = performance.measure('kiln-a-to-b', 'kiln-a', 'kiln-b');
    log.push(m.constructor.name, JSON.stringify(m));
    log.push(JSON.stringify(performance.measure('kiln-span', { start: 3, duration: 4, detail: 'd' })));
    log.push(JSON.stringify(performance.measure('kiln-until', { end: 'kiln-b', duration: 5 })));
    const measuredToNow = performance.measure('kiln-now', 'kiln-a');
    log.push(measuredToNow.startTime, measuredToNow.duration > 0);
    log.push(performance.getEntries().map((e) => `${e.entryType}:${e.name}@${e.startTime}`).filter((t) => !t.includes('kiln-now')));
    log.push(performance.getEntriesByName('kiln-a').length, performance.getEntriesByName('kiln-a', 'measure').length);
    log.push(performance.getEntriesByType('mark').map((e) => e.name));
    log.push(failure(() => performance.measure('x', 'never-set')));
    log.push(failure(() => performance.mark()));
    log.push(failure(() => performance.mark('neg', { startTime: -1 })));
    performance.clearMarks('kiln-a');
    log.push(performance.getEntriesByType('mark').map((e) => e.name));
    performance.clearMeasures();
    log.push(performance.getEntriesByType('measure').length);
    performance.clearMarks();
    log.push(typeof performance.now(), typeof performance.timeOrigin);
    return log;
  });
  assert.deepEqual(ours, node);
});

test('an observer hears of new entries together, on a later tick, until disconnected', async () => {
  const { node, ours } = await both(
    ({ performance, PerformanceObserver }) =>
      new Promise((resolve) => {
        const log = [];
        const observer = new PerformanceObserver((list, self) => {
          log.push(['heard', list.getEntries().map((e) => e.name), list.getEntriesByType('mark').length, self === observer]);
          observer.disconnect();
          performance.mark('after-disconnect');
          setTimeout(() => {
            performance.clearMarks();
            performance.clearMeasures();
            resolve(log);
          }, 20);
        });
        observer.observe({ entryTypes: ['mark', 'measure'] });
        performance.mark('first', { startTime: 1 });
        performance.mark('second', { startTime: 2 });
        performance.measure('both', 'first', 'second');
        log.push(['sync', 'marked']);
        log.push(['supported', PerformanceObserver.supportedEntryTypes.includes('mark')]);
      }),
  );
  assert.deepEqual(ours, node);
});

test('timerify keeps the function\'s answer, name and length', async () => {
  const { node, ours } = await both(({ performance }) => {
    const add = performance.timerify(function add(a, b) {
      return a + b;
    });
    return [add(2, 3), add.name, add.length];
  });
  assert.deepEqual(ours, node);
});

test('histograms: statistics, percentiles, BigInt forms and range errors as Node\'s', async () => {
  const { node, ours } = await both(({ createHistogram, monitorEventLoopDelay }) => {
    const stats = (h) => ({
      count: h.count,
      min: h.min,
      max: h.max,
      mean: h.mean,
      stddev: h.stddev,
      exceeds: h.exceeds,
      p50: h.percentile(50),
      p99: h.percentile(99),
      percentiles: [...h.percentiles],
      big: [h.countBigInt, h.maxBigInt, h.percentileBigInt(50)].map(String),
    });
    const empty = createHistogram();
    const h = createHistogram();
    for (const v of [5, 10, 10, 1000, 7, 3, 2, 1, 1500, 42, 42n]) h.record(v);
    const other = createHistogram();
    other.record(9);
    const sum = createHistogram();
    sum.add(h);
    sum.add(other);
    const loop = monitorEventLoopDelay({ resolution: 20 });
    const toggles = [loop.enable(), loop.enable(), loop.disable(), loop.disable()];
    h.reset();
    return {
      empty: stats(empty),
      sum: stats(sum),
      reset: h.count,
      loop: { count: loop.count, min: loop.min, max: loop.max, toggles },
      errors: [
        failure(() => empty.record(0)),
        failure(() => empty.record('1')),
        failure(() => empty.percentile(0)),
        failure(() => monitorEventLoopDelay({ resolution: 0 })),
      ].map((e) => ({ name: e.name, code: e.code })),
    };
  });
  assert.deepEqual(ours, node);
});

test('the module\'s shape and constants are Node\'s', () => {
  for (const name of Object.keys(real).filter((n) => n !== 'default')) {
    assert.equal(typeof kiln[name], typeof real[name], name);
    assert.equal(kilnDefault[name], kiln[name], name);
  }
  assert.deepEqual({ ...kiln.constants }, { ...real.constants });
  assert.deepEqual(kiln.PerformanceObserver.supportedEntryTypes, real.PerformanceObserver.supportedEntryTypes);
  assert.deepEqual(kiln.performance.eventLoopUtilization(), { idle: 0, active: 0, utilization: 0 });
});
