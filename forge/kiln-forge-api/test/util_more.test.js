// The rest of `util` the layer gives (src/node/util.js, util_types.js,
// deep_equal.js) against Node's own: `types` over a zoo of values,
// `isDeepStrictEqual` over pairs that differ in each way Node's rule looks
// at, the deprecated checks, `stripVTControlCharacters`, `toUSVString`,
// `_extend`, `formatWithOptions` and `debuglog`.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realUtil from 'node:util';

import * as util from '../src/node/util.js';
import utilDefault from '../src/node/util.js';

function zoo() {
  const args = (function () {
    return arguments;
  })(1, 2);
  const spoofed = Object.create(Date.prototype);
  const fakeTag = { [Symbol.toStringTag]: 'Map' };
  return [
    undefined, null, 0, -0, NaN, 1n, 'text', Symbol('s'), true,
    {}, [], args, () => {}, function () {}, async () => {}, function* () {}, async function* () {},
    (function* () {})(), new Date(0), spoofed, /x/g, RegExp.prototype, new Map(), new Set(), new WeakMap(), new WeakSet(),
    new Map().entries(), new Set().values(), [].values(), Promise.resolve(), new Error('e'), new TypeError('t'),
    Object(1), Object('s'), Object(true), Object(1n), Object(Symbol('b')),
    new ArrayBuffer(2), new DataView(new ArrayBuffer(2)), new Uint8Array(2), new Uint8ClampedArray(1), new Int8Array(1),
    new Int16Array(1), new Uint16Array(1), new Int32Array(1), new Uint32Array(1), new Float32Array(1), new Float64Array(1),
    new BigInt64Array(1), new BigUint64Array(1), Buffer.from('x'), fakeTag, Object.create(null),
    Object.create(Error.prototype), new (class extends Error {})('sub'), new AggregateError([], 'agg'),
    typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(1) : 1,
  ];
}

test('util.types answers as Node\'s for every kind of value', () => {
  const skip = new Set(['isExternal', 'isProxy', 'isModuleNamespaceObject', 'isKeyObject', 'isCryptoKey']);
  for (const name of Object.keys(realUtil.types)) {
    if (skip.has(name)) continue;
    assert.equal(typeof util.types[name], 'function', name);
    zoo().forEach((value, i) => {
      assert.equal(util.types[name](value), realUtil.types[name](value), `${name} of value #${i}`);
    });
  }
});

test('the deprecated checks answer as Node\'s', () => {
  const names = ['isArray', 'isBoolean', 'isNull', 'isNullOrUndefined', 'isNumber', 'isString', 'isSymbol', 'isUndefined', 'isRegExp', 'isObject', 'isDate', 'isError', 'isFunction', 'isPrimitive'];
  for (const name of names) {
    zoo().forEach((value, i) => {
      assert.equal(util[name](value), realUtil[name](value), `${name} of value #${i}`);
    });
    assert.equal(utilDefault[name], util[name], name);
  }
});

test('isDeepStrictEqual answers as Node\'s', () => {
  const cyclic = () => {
    const a = { name: 'a' };
    a.self = a;
    return a;
  };
  const sym = Symbol('k');
  const pairs = [
    [1, 1], [1, '1'], [NaN, NaN], [0, -0], [{ a: 1 }, { a: 1 }], [{ a: 1 }, { a: 1, b: undefined }],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }], [{ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }],
    [[1, , 3], [1, undefined, 3]], [[1, 2], { 0: 1, 1: 2, length: 2 }], [Object.create(null), {}],
    [new Date(0), new Date(0)], [new Date(0), new Date(1)], [/a/g, /a/g], [/a/g, /a/i],
    [new Map([[1, { a: 1 }], ['k', 2]]), new Map([['k', 2], [1, { a: 1 }]])], [new Map([[1, 2]]), new Map([[1, 3]])],
    [new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']])], [new Set([1, { a: 1 }]), new Set([{ a: 1 }, 1])],
    [new Set([{ a: 1 }]), new Set([{ a: 2 }])], [new Set([0]), new Set([-0])], [new Set([NaN]), new Set([NaN])],
    [new Uint8Array([1, 2]), new Uint8Array([1, 2])], [new Uint8Array([1, 2]), new Int8Array([1, 2])],
    [new Float64Array([0]), new Float64Array([-0])], [new Float64Array([NaN]), new Float64Array([NaN])],
    [new ArrayBuffer(2), new ArrayBuffer(2)], [new ArrayBuffer(2), new ArrayBuffer(3)],
    [Object(1), Object(1)], [Object(1), Object(2)], [Object('a'), Object('a')], [Object(1), 1],
    [new Error('x'), new Error('x')], [new Error('x'), new Error('y')], [new Error('x'), new TypeError('x')],
    [{ [sym]: 1 }, { [sym]: 1 }], [{ [sym]: 1 }, { [sym]: 2 }], [{ [sym]: 1 }, {}],
    [cyclic(), cyclic()], [[cyclic()], [cyclic()]], [new WeakMap(), new WeakMap()],
    [class A {}, class A {}], [() => 1, () => 1], [{ a: undefined }, { b: undefined }],
    [Buffer.from('ab'), Buffer.from('ab')], [Buffer.from('ab'), new Uint8Array([97, 98])],
  ];
  pairs.forEach(([a, b], i) => {
    assert.equal(util.isDeepStrictEqual(a, b), realUtil.isDeepStrictEqual(a, b), `pair #${i}`);
    assert.equal(util.isDeepStrictEqual(b, a), realUtil.isDeepStrictEqual(b, a), `pair #${i}, reversed`);
  });
});

test('stripVTControlCharacters, toUSVString, _extend and formatWithOptions answer as Node\'s', () => {
  for (const text of ['\u001B[31mred\u001B[39m', '\u001B]8;;https://example.com\u0007link\u001B]8;;\u0007', 'plain', '\u009B1mbold']) {
    assert.equal(util.stripVTControlCharacters(text), realUtil.stripVTControlCharacters(text));
  }
  for (const text of ['a\uD800b', '\uDC00', 'ok 🎉', '\uD83C\uDF89\uD83C']) {
    assert.equal(util.toUSVString(text), realUtil.toUSVString(text));
  }
  assert.deepEqual(util._extend({ a: 1 }, { b: 2 }), realUtil._extend({ a: 1 }, { b: 2 }));
  assert.deepEqual(util._extend({ a: 1 }, null), realUtil._extend({ a: 1 }, null));
  assert.equal(util.formatWithOptions({ colors: false }, '%s=%d', 'a', 1), realUtil.formatWithOptions({ colors: false }, '%s=%d', 'a', 1));
  assert.throws(() => util.formatWithOptions('x', 'a'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => realUtil.formatWithOptions('x', 'a'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => util.stripVTControlCharacters(5), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('debuglog writes only for the sections NODE_DEBUG names', () => {
  const previous = process.env.NODE_DEBUG;
  const written = [];
  const error = console.error;
  console.error = (line) => written.push(line);
  try {
    process.env.NODE_DEBUG = 'jira,kiln*';
    const jira = util.debuglog('jira');
    const kiln = util.debuglog('kiln-sync');
    const quiet = util.debuglog('other');
    let called = null;
    const withCallback = util.debuglog('JIRA', (fn) => {
      called = fn;
    });
    jira('issue %s', 'KILN-1');
    kiln('%d items', 3);
    quiet('never');
    assert.equal(jira.enabled, true);
    assert.equal(quiet.enabled, false);
    assert.equal(withCallback.enabled, true);
    assert.equal(typeof called, 'function');
    assert.equal(util.debug, util.debuglog);
    assert.deepEqual(written, ['JIRA 1: issue KILN-1', 'KILN-SYNC 1: 3 items']);
  } finally {
    console.error = error;
    if (previous === undefined) delete process.env.NODE_DEBUG;
    else process.env.NODE_DEBUG = previous;
  }
});
