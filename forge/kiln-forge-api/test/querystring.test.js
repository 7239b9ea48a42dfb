// Node's `querystring` as the layer gives it (src/node/querystring.js),
// against Node's own: fixed cases from Node's documentation and its edge
// rules, then random strings over the characters that matter.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:querystring';

import * as qs from '../src/node/querystring.js';
import qsDefault from '../src/node/querystring.js';

function outcome(fn) {
  try {
    const value = fn();
    return { value: value instanceof Uint8Array ? [...value] : value };
  } catch (error) {
    return { error: { name: error.name, code: error.code, message: error.message } };
  }
}

/** A parse result as a plain array of entries (both have no prototype). */
function entries(object) {
  return Object.entries(object);
}

const PARSE_CASES = [
  'foo=bar&abc=xyz&abc=123',
  'a=1&a=2&a=3&b',
  'a+b=c+d&%20=%2B',
  '=1&a&b=&&c=3&',
  '&&&',
  'a=1=2&=&==',
  'name=%E2%9C%93&bad=%E2%9C&pct=%&half=%4&zz=%zz',
  'mixed=%41%&x=%C3%A9%',
  'k=%F0%9F%8E%89+%F0%9F',
  '__proto__=x&constructor=y&hasOwnProperty=z',
  'a[b]=1&a[c]=2',
  'é=ü&\u2713=\u2713',
];

test('parse answers what Node\'s answers', () => {
  for (const input of PARSE_CASES) {
    assert.deepEqual(entries(qs.parse(input)), entries(real.parse(input)), input);
    assert.equal(Object.getPrototypeOf(qs.parse(input)), null);
  }
  for (const input of [undefined, null, 5, {}, '']) {
    assert.deepEqual(entries(qs.parse(input)), entries(real.parse(input)), String(input));
  }
});

test('parse takes Node\'s separators, maxKeys and decoder', () => {
  const input = 'a:1;b:2;;c:3;d:4;e:%41';
  for (const options of [undefined, { maxKeys: 2 }, { maxKeys: 3 }, { maxKeys: 0 }, { maxKeys: -1 }, { maxKeys: NaN }]) {
    assert.deepEqual(entries(qs.parse(input, ';', ':', options)), entries(real.parse(input, ';', ':', options)));
    const many = Array.from({ length: 1200 }, (_, i) => `k${i}=${i}`).join('&');
    assert.equal(Object.keys(qs.parse(many, null, null, options)).length, Object.keys(real.parse(many, null, null, options)).length);
  }
  for (const [sep, eq] of [['&&', '=='], [', ', ': '], ['&', '='], ['', '']]) {
    const text = 'a==1&&b==2&&c&&==3, x: 4';
    assert.deepEqual(entries(qs.parse(text, sep, eq)), entries(real.parse(text, sep, eq)), `${sep} ${eq}`);
  }
  const seen = [];
  const upper = (s) => {
    seen.push(s);
    return s.toUpperCase();
  };
  const theirsSeen = [];
  const theirsUpper = (s) => {
    theirsSeen.push(s);
    return s.toUpperCase();
  };
  const text = 'a=b&c+d=e%41&f=';
  assert.deepEqual(
    entries(qs.parse(text, null, null, { decodeURIComponent: upper })),
    entries(real.parse(text, null, null, { decodeURIComponent: theirsUpper })),
  );
  assert.deepEqual(seen, theirsSeen);
  const throwing = () => {
    throw new Error('no');
  };
  assert.deepEqual(
    entries(qs.parse('a=%41%', null, null, { decodeURIComponent: throwing })),
    entries(real.parse('a=%41%', null, null, { decodeURIComponent: throwing })),
  );
});

test('stringify answers what Node\'s answers', () => {
  const cases = [
    { foo: 'bar', baz: ['qux', 'quux'], corge: '' },
    { n: 1, f: 1.5, big: 1e21, neg: -2, inf: Infinity, nan: NaN, b: true, f2: false, bi: 10n, nul: null, und: undefined, obj: {}, fn() {} },
    { 'a b': 'c&d=e', '✓': 'é', empty: [], one: ['x'], nested: [['y'], { z: 1 }] },
    { "!'()*-._~": "!'()*-._~", ' +%': ' +%' },
  ];
  for (const object of cases) {
    assert.equal(qs.stringify(object), real.stringify(object));
    assert.equal(qs.stringify(object, ';', ':'), real.stringify(object, ';', ':'));
    const encodeURIComponent = (s) => `<${s}>`;
    assert.equal(qs.stringify(object, null, null, { encodeURIComponent }), real.stringify(object, null, null, { encodeURIComponent }));
  }
  for (const input of ['text', 5, null, undefined, [1, 2]]) {
    assert.equal(qs.stringify(input), real.stringify(input), String(input));
  }
  assert.deepEqual(outcome(() => qs.stringify({ a: '\uD800' })), outcome(() => real.stringify({ a: '\uD800' })));
});

test('escape, unescape and unescapeBuffer answer what Node\'s answer', () => {
  for (const input of ['a b&c=d/é✓🎉', "!'()*", '', 5, null, undefined, { toString: () => 'obj' }, [1, 2], '\uD800', 'x\uDC00']) {
    assert.deepEqual(outcome(() => qs.escape(input)), outcome(() => real.escape(input)), String(input));
  }
  for (const input of ['%41%42', '%E2%9C%93', '%E2%9C', '%', '%4', '%zz', 'a+b', '%C3%A9%', 'é%41', '%F0%9F%8E%89+%F0']) {
    for (const decodeSpaces of [false, true]) {
      assert.deepEqual(outcome(() => qs.unescape(input, decodeSpaces)), outcome(() => real.unescape(input, decodeSpaces)), input);
      assert.deepEqual(
        outcome(() => qs.unescapeBuffer(input, decodeSpaces)),
        outcome(() => real.unescapeBuffer(input, decodeSpaces)),
        input,
      );
    }
  }
});

test('random strings over the characters that matter parse and round-trip as in Node', () => {
  // A fixed seed: the same cases on every run.
  let seed = 0x6b696c6e;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  const alphabet = ['&', '=', '+', '%', '2', '0', 'A', 'f', 'g', 'a', ' ', 'é', '✓', '\uD83C', '\uDF89', ';', ':'];
  for (let round = 0; round < 20000; round += 1) {
    const length = next() % 14;
    let text = '';
    for (let i = 0; i < length; i += 1) text += alphabet[next() % alphabet.length];
    assert.deepEqual(entries(qs.parse(text)), entries(real.parse(text)), JSON.stringify(text));
    assert.deepEqual(entries(qs.parse(text, ';', ':', { maxKeys: 2 })), entries(real.parse(text, ';', ':', { maxKeys: 2 })), JSON.stringify(text));
    assert.deepEqual(entries(qs.parse(text, '&&', '=+')), entries(real.parse(text, '&&', '=+')), JSON.stringify(text));
    const object = { [text]: text, k: [text, text] };
    assert.deepEqual(outcome(() => qs.stringify(object)), outcome(() => real.stringify(object)), JSON.stringify(text));
  }
});

test('the module\'s names are Node\'s', () => {
  for (const name of ['parse', 'decode', 'stringify', 'encode', 'escape', 'unescape', 'unescapeBuffer']) {
    assert.equal(typeof real[name], 'function', name);
    assert.equal(qsDefault[name], qs[name], name);
  }
  assert.equal(qs.decode, qs.parse);
  assert.equal(qs.encode, qs.stringify);
});
