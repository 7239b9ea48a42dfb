import test from 'node:test';
import assert from 'node:assert/strict';

import {
  byLayer,
  rejectedByLayer,
  reportUnhandledRejections,
  MAX_REPORTED_REJECTIONS,
  MAX_REJECTION_TEXT,
} from '../src/unhandled_rejections.js';

// Node's own tracker would see these promises too (this file is run by Node): a
// handler attached after the test's checks keeps its output clean.
const quiet = (promise) => Promise.prototype.then.call(promise, undefined, () => {});

async function report() {
  const lines = [];
  await reportUnhandledRejections((line) => lines.push(line));
  return lines;
}

test('a rejection of the layer nobody handled is reported once, as Node words it', async () => {
  const dangling = rejectedByLayer(new Error('dropped request'));
  const lines = await report();
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /^Unhandled promise rejection: Error: dropped request\n {4}at /);
  assert.deepEqual(await report(), [], 'once only');
  quiet(dangling);
});

test('awaited, caught, combined and returned rejections are silent', async () => {
  await assert.rejects(async () => await rejectedByLayer(new Error('awaited')));
  rejectedByLayer(new Error('caught')).catch(() => {});
  rejectedByLayer(new Error('then')).then(undefined, () => {});
  await Promise.allSettled([rejectedByLayer(new Error('settled'))]);
  await assert.rejects((async () => rejectedByLayer(new Error('returned')))());
  // `finally` hands the rejection on to a promise of the app's: handled here.
  await assert.rejects(rejectedByLayer(new Error('finally')).finally(() => {}));
  assert.deepEqual(await report(), []);
});

test('a wrapped promise is reported when it rejects later, and kept silent when it resolves', async () => {
  let fail;
  const later = byLayer(new Promise((_, reject) => (fail = reject)));
  const fine = byLayer(Promise.resolve(42));
  fail('refused by the host');
  assert.equal(await fine, 42);
  assert.deepEqual(await report(), ["Unhandled promise rejection: refused by the host"]);
  quiet(later);
});

test('the report is bounded in count and in length', async () => {
  const many = [];
  for (let i = 0; i < MAX_REPORTED_REJECTIONS + 3; i += 1) {
    many.push(rejectedByLayer(i === 0 ? 'x'.repeat(MAX_REJECTION_TEXT * 2) : new Error(`n${i}`)));
  }
  const lines = await report();
  assert.equal(lines.length, MAX_REPORTED_REJECTIONS + 1);
  assert.ok(lines[0].length < MAX_REJECTION_TEXT + 100, String(lines[0].length));
  assert.match(lines[0], /cut at 2000 characters/);
  assert.match(lines.at(-1), /^3 more unhandled promise rejections were not reported/);
  many.forEach(quiet);
});

test('a reason that cannot be printed, or a log that throws, does not fail the report', async () => {
  const hostile = new Proxy({}, { get: () => { throw new Error('no'); }, getPrototypeOf: () => { throw new Error('no'); } });
  const p = rejectedByLayer(hostile);
  const lines = await report();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^Unhandled promise rejection: /);
  const q = rejectedByLayer(new Error('unlogged'));
  await reportUnhandledRejections(() => {
    throw new Error('log refused');
  });
  quiet(p);
  quiet(q);
});
