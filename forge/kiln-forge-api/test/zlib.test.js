// Node's `zlib` as the layer gives it (src/node/zlib.js, over fflate),
// against Node's own: what either compresses the other decompresses to the
// same bytes, in every format, sync, with a callback and as streams; bad
// data fails with Node's codes; the tables and crc32 equal Node's.

import test from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import * as real from 'node:zlib';
import realDefault from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import * as zlib from '../src/node/zlib.js';
import zlibDefault from '../src/node/zlib.js';

let seed = 42;
function randomBytes(length) {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[i] = seed >>> 16;
  }
  return out;
}

const INPUTS = [
  Buffer.alloc(0),
  Buffer.from('KILN-1 is Done'),
  Buffer.from('{"issues":[' + '{"key":"KILN-1","summary":"Crash ✓"},'.repeat(2000) + '{}]}'),
  randomBytes(70000),
];
const PAIRS = [
  ['gzipSync', 'gunzipSync'],
  ['deflateSync', 'inflateSync'],
  ['deflateRawSync', 'inflateRawSync'],
  ['gzipSync', 'unzipSync'],
  ['deflateSync', 'unzipSync'],
];

test('each side reads what the other compressed, in every format and level', () => {
  for (const input of INPUTS) {
    for (const [compress, decompress] of PAIRS) {
      for (const options of [undefined, { level: 0 }, { level: 1 }, { level: 9 }, { level: -1, memLevel: 9 }]) {
        const ours = zlib[compress](input, options);
        assert.equal(ours.constructor.name, 'Buffer', compress);
        assert.deepEqual(real[decompress](ours), input, `Node's ${decompress} of our ${compress} ${JSON.stringify(options)}`);
        assert.deepEqual(Buffer.from(zlib[decompress](real[compress](input, options))), input, `our ${decompress} of Node's ${compress}`);
      }
    }
  }
  assert.equal(zlib.gunzipSync(zlib.gzipSync('text in')).toString(), 'text in', 'a string is UTF-8');
  const view = new DataView(new TextEncoder().encode('abc').buffer);
  assert.equal(zlib.inflateSync(zlib.deflateSync(view)).toString(), 'abc');
});

test("a gzip header is Node's", () => {
  for (const level of [undefined, 1, 6, 9]) {
    const options = level === undefined ? undefined : { level };
    assert.deepEqual([...zlib.gzipSync('x', options).subarray(0, 10)], [...real.gzipSync('x', options).subarray(0, 10)], `level ${level}`);
  }
});

test('concatenated gzip members read as one, as Node reads them', () => {
  const two = Buffer.concat([real.gzipSync('one '), real.gzipSync('two')]);
  assert.equal(zlib.gunzipSync(two).toString(), real.gunzipSync(two).toString());
  assert.equal(zlib.unzipSync(two).toString(), 'one two');
});

test('a dictionary is used both ways', () => {
  const dictionary = Buffer.from('summary status assignee reporter');
  const input = Buffer.from('status: Done; assignee: Alice; summary: crash');
  assert.deepEqual(real.inflateSync(zlib.deflateSync(input, { dictionary }), { dictionary }), input);
  assert.deepEqual(Buffer.from(zlib.inflateSync(real.deflateSync(input, { dictionary }), { dictionary })), input);
});

test("bad data fails with Node's code and errno", () => {
  const outcome = (fn) => {
    try {
      fn();
      return 'no error';
    } catch (error) {
      return { code: error.code, errno: error.errno, message: error.message };
    }
  };
  const garbage = Buffer.from('this is not compressed');
  for (const name of ['gunzipSync', 'inflateSync', 'unzipSync']) {
    assert.deepEqual(outcome(() => zlib[name](garbage)), outcome(() => real[name](garbage)), name);
  }
  const whole = real.gzipSync(INPUTS[2]);
  for (const cut of [whole.subarray(0, 100), whole.subarray(0, whole.length - 1), Buffer.alloc(0)]) {
    assert.deepEqual(outcome(() => zlib.gunzipSync(cut)), outcome(() => real.gunzipSync(cut)), `cut at ${cut.length}`);
  }
  const changed = Buffer.from(whole);
  changed[changed.length - 6] ^= 1;
  assert.deepEqual(outcome(() => zlib.gunzipSync(changed)), outcome(() => real.gunzipSync(changed)), 'a changed CRC');
  const needsDictionary = real.deflateSync('x', { dictionary: Buffer.from('x') });
  assert.equal(outcome(() => zlib.inflateSync(needsDictionary)).code, outcome(() => real.inflateSync(needsDictionary)).code);
  for (const name of ['gzipSync', 'gunzipSync']) {
    assert.equal(outcome(() => zlib[name](42)).code, outcome(() => real[name](42)).code, name);
  }
  assert.equal(outcome(() => zlib.gzipSync('x', { level: 10 })).code, outcome(() => real.gzipSync('x', { level: 10 })).code);
});

test('callbacks and promisify, called back later', async () => {
  let sync = true;
  const done = new Promise((resolve) => {
    zlib.gzip('later', (error, result) => resolve({ error, result, sync }));
  });
  sync = false;
  const { error, result, sync: wasSync } = await done;
  assert.equal(error, null);
  assert.equal(wasSync, false);
  assert.equal(real.gunzipSync(result).toString(), 'later');
  const gunzip = promisify(zlib.gunzip);
  assert.equal((await gunzip(real.gzipSync('promised'))).toString(), 'promised');
  await assert.rejects(promisify(zlib.inflate)(Buffer.from('nope')), { code: 'Z_DATA_ERROR' });
});

async function collect(source, transform) {
  const chunks = [];
  await pipeline(
    Readable.from(source),
    transform,
    new Writable({
      write(chunk, encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    }),
  );
  return Buffer.concat(chunks);
}

test('streams: ours into Node and Node into ours', async () => {
  const input = INPUTS[2];
  const pieces = [input.subarray(0, 1000), input.subarray(1000, 50000), input.subarray(50000)];
  for (const [ours, theirs] of [
    ['createGzip', 'createGunzip'],
    ['createDeflate', 'createInflate'],
    ['createDeflateRaw', 'createInflateRaw'],
    ['createGzip', 'createUnzip'],
  ]) {
    const compressed = await collect(pieces, zlib[ours]());
    assert.deepEqual(await collect([compressed], real[theirs]()), input, `${ours} into Node's ${theirs}`);
    const nodeCompressed = await collect(pieces, real[ours]());
    const back = nodeCompressed.length > 10 ? [nodeCompressed.subarray(0, 10), nodeCompressed.subarray(10)] : [nodeCompressed];
    assert.deepEqual(await collect(back, zlib[theirs]()), input, `Node's ${ours} into our ${theirs}`);
  }
  await assert.rejects(collect([Buffer.from('not gzip at all')], zlib.createGunzip()), { code: 'Z_DATA_ERROR' });
  assert.ok(new zlib.Gzip() instanceof zlib.Gzip);
});

test("Node's tables, names and crc32", () => {
  assert.deepEqual(zlib.constants, real.constants);
  assert.deepEqual(zlib.codes, real.codes);
  assert.equal(zlibDefault.Z_BEST_COMPRESSION, realDefault.Z_BEST_COMPRESSION);
  assert.equal(Object.keys(zlibDefault).includes('Z_NO_FLUSH'), false, 'not enumerated, as in Node');
  for (const name of Object.keys(realDefault)) assert.equal(typeof zlibDefault[name], typeof realDefault[name], name);
  for (const input of INPUTS) assert.equal(zlib.crc32(input), real.crc32(input));
  assert.equal(zlib.crc32('hello', 12345), real.crc32('hello', 12345));
  assert.throws(() => zlib.brotliCompressSync('x'), /zlib\.brotliCompressSync\(\) is not available to a Kiln app/);
});
