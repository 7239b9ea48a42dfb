// Node's `assert` as the layer gives it (src/node/assert.js, assert.cjs),
// against Node's own: which calls pass, and for those that fail the
// error's name, code, operator, actual, expected, generatedMessage and, for
// the shapes Node prints whole, its message.

import test from 'node:test';
import nodeAssert from 'node:assert';
import { createRequire } from 'node:module';

import assert, { AssertionError } from '../src/node/assert.js';

const require = createRequire(import.meta.url);
const check = nodeAssert.strict;

function outcome(fn, withMessage) {
  try {
    fn();
    return 'passed';
  } catch (error) {
    const seen = {
      name: error.name,
      code: error.code,
      operator: error.operator,
      generatedMessage: error.generatedMessage,
      isAssertionError: error instanceof Error && error.name === 'AssertionError',
    };
    if (withMessage) seen.message = error.message;
    return seen;
  }
}

async function outcomeAsync(fn, withMessage) {
  try {
    await fn();
    return 'passed';
  } catch (error) {
    return { name: error.name, code: error.code, operator: error.operator, ...(withMessage ? { message: error.message } : {}) };
  }
}

// [call, whether the message is Node's word for word: not for a falsy
// `assert(value)`, where Node quotes the call's source, which a bundle has not]
const CASES = [
  [(a) => a(true), true], [(a) => a(false), false], [(a) => a(0, 'custom'), false], [(a) => a.ok(undefined), false],
  [(a) => a.ok(), true], [(a) => a.equal(1, '1'), true], [(a) => a.equal(1, 2), true], [(a) => a.equal(NaN, NaN), true],
  [(a) => a.notEqual(1, 1), true], [(a) => a.notEqual(1, 2), true],
  [(a) => a.strictEqual(1, 1), true], [(a) => a.strictEqual(1, 2), true], [(a) => a.strictEqual('a', 'b'), true],
  [(a) => a.strictEqual(NaN, NaN), true], [(a) => a.strictEqual({ a: 1 }, { a: 1 }), true], [(a) => a.strictEqual({ a: 1 }, { a: 2 }), false],
  [(a) => a.notStrictEqual(1, 1), true], [(a) => a.notStrictEqual(1, '1'), true],
  [(a) => a.deepStrictEqual({ a: [1] }, { a: [1] }), true], [(a) => a.deepStrictEqual(1, 2), true], [(a) => a.deepStrictEqual({ a: 1 }, { a: 2 }), false],
  [(a) => a.deepStrictEqual({ a: 1 }, { a: '1' }), false], [(a) => a.notDeepStrictEqual({ a: 1 }, { a: 1 }), true],
  [(a) => a.deepEqual({ a: 1 }, { a: '1' }), true], [(a) => a.deepEqual({ a: 1 }, { a: 2 }), true], [(a) => a.deepEqual(1, 2), true],
  [(a) => a.deepEqual(new Set([1]), new Set(['1'])), true], [(a) => a.notDeepEqual({ a: 1 }, { a: 1 }), true],
  [(a) => a.throws(() => {}), true], [(a) => a.throws(() => {}, TypeError), true], [(a) => a.throws(() => {}, 'why'), true],
  [(a) => a.throws(() => {}, TypeError, 'why'), true], [(a) => a.throws(() => { throw new TypeError('x'); }, TypeError), true],
  [(a) => a.throws(() => { throw new Error('x'); }, TypeError), true], [(a) => a.throws(() => { throw new Error('x'); }, /x/), true],
  [(a) => a.throws(() => { throw new Error('x'); }, /y/), true], [(a) => a.throws(() => { throw new Error('x'); }, { message: 'x' }), true],
  [(a) => a.throws(() => { throw new Error('x'); }, { message: 'y' }), true], [(a) => a.throws(() => { throw new Error('x'); }, { message: /x/ }), true],
  [(a) => a.throws(() => { throw new Error('x'); }, (e) => e.message === 'x'), true],
  [(a) => a.doesNotThrow(() => {}), true], [(a) => a.doesNotThrow(() => { throw new Error('x'); }), true],
  [(a) => a.doesNotThrow(() => { throw new Error('x'); }, 'why'), true],
  [(a) => a.match('abc', /b/), true], [(a) => a.match('abc', /x/), true], [(a) => a.doesNotMatch('abc', /b/), true],
  [(a) => a.fail(), true], [(a) => a.fail('boom'), true], [(a) => a.ifError(null), true], [(a) => a.ifError(new Error('x')), true],
  [(a) => a.ifError('str'), true],
  [(a) => a.strict.equal(1, '1'), true], [(a) => a.strict.deepEqual({ a: 1 }, { a: '1' }), false], [(a) => a.strict(false), false],
];

test('each assertion passes or fails as Node\'s, with Node\'s error', () => {
  CASES.forEach(([call, sameMessage], i) => {
    check.deepEqual(outcome(() => call(assert), sameMessage), outcome(() => call(nodeAssert), sameMessage), `case #${i}: ${call}`);
  });
});

test('a message given as an Error is thrown as it is', () => {
  const mine = new RangeError('mine');
  for (const a of [assert, nodeAssert]) {
    check.throws(() => a.strictEqual(1, 2, mine), (e) => e === mine);
    check.throws(() => a.ok(false, mine), (e) => e === mine);
  }
});

test('the error carries actual and expected, and is an AssertionError', () => {
  try {
    assert.strictEqual(1, 2);
  } catch (error) {
    check.equal(error instanceof AssertionError, true);
    check.equal(error.actual, 1);
    check.equal(error.expected, 2);
  }
  const made = new AssertionError({ actual: 1, expected: 2, operator: 'strictEqual', message: 'made' });
  const theirs = new nodeAssert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual', message: 'made' });
  // (Node 20.20 appends the values to a given message; the message given comes first.)
  check.ok(theirs.message.startsWith(made.message));
  check.deepEqual(
    { name: made.name, code: made.code, generatedMessage: made.generatedMessage },
    { name: theirs.name, code: theirs.code, generatedMessage: theirs.generatedMessage },
  );
});

test('rejects and doesNotReject answer as Node\'s', async () => {
  const cases = [
    (a) => a.rejects(Promise.reject(new Error('x'))),
    (a) => a.rejects(Promise.resolve(1)),
    (a) => a.rejects(async () => { throw new TypeError('t'); }, TypeError),
    (a) => a.rejects(async () => { throw new Error('t'); }, { message: 'u' }),
    (a) => a.doesNotReject(Promise.resolve(1)),
    (a) => a.doesNotReject(Promise.reject(new Error('x'))),
  ];
  for (const [i, call] of cases.entries()) {
    check.deepEqual(await outcomeAsync(() => call(assert), true), await outcomeAsync(() => call(nodeAssert), true), `case #${i}`);
  }
});

test('require() gives the assert function itself, and assert/strict the strict one', () => {
  const required = require('../src/node/assert.cjs');
  check.equal(typeof required, 'function');
  check.equal(required.strictEqual, assert.strictEqual);
  check.throws(() => required(false), { code: 'ERR_ASSERTION' });
  const strict = require('../src/node/assert_strict.cjs');
  check.equal(strict, assert.strict);
  check.equal(strict.equal, assert.strictEqual);
  check.equal(strict.strict, strict);
  for (const name of Object.keys(nodeAssert)) {
    if (name === 'CallTracker') continue;
    check.equal(typeof assert[name], typeof nodeAssert[name], name);
  }
});
