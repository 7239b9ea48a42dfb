// The Node.js modules Kiln gives an app (src/node/), against Node's own:
// every result is compared with what the real `node:crypto`, `node:buffer`,
// `node:events`, `node:path` and `node:util` give for the same call, so the
// layer follows Node's documented behaviour, not only itself.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realCrypto from 'node:crypto';
import { Buffer as RealBuffer } from 'node:buffer';
import { EventEmitter as RealEmitter } from 'node:events';
import realPath from 'node:path';
import * as realUtil from 'node:util';

import * as crypto from '../src/node/crypto.js';
import cryptoDefault from '../src/node/crypto.js';
import { Buffer } from '../src/node/buffer.js';
import EventEmitter, { once } from '../src/node/events.cjs';
import path from '../src/node/path.js';
import * as util from '../src/node/util.js';
import { setImmediate } from '../src/node/globals.js';
import { createRequire } from 'node:module';
import punycode, { toASCII, toUnicode, encode, decode, ucs2 } from '../src/node/punycode.js';
import cluster from '../src/node/cluster.js';

test('the Buffer is not Node\'s own, yet reads and writes as Node\'s does', () => {
  assert.notEqual(Buffer, RealBuffer);
  const text = 'Jira ✓ — KILN-1 🎉';
  for (const encoding of ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le']) {
    const ours = Buffer.from(text, 'utf8').toString(encoding);
    assert.equal(ours, RealBuffer.from(text, 'utf8').toString(encoding), encoding);
    assert.deepEqual([...Buffer.from(ours, encoding)], [...RealBuffer.from(ours, encoding)], encoding);
  }
  const basic = Buffer.from('user@example.com:token').toString('base64');
  assert.equal(basic, RealBuffer.from('user@example.com:token').toString('base64'));
  const joined = Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(2, 7)]);
  assert.deepEqual([...joined], [1, 2, 7, 7]);
  assert.equal(joined.readUInt16BE(1), RealBuffer.from([1, 2, 7, 7]).readUInt16BE(1));
  assert.equal(Buffer.byteLength(text), RealBuffer.byteLength(text));
  assert.ok(Buffer.isBuffer(joined) && joined instanceof Uint8Array);
  assert.ok(Buffer.from('a').equals(Buffer.from('a')));
  assert.equal(Buffer.compare(Buffer.from('a'), Buffer.from('b')), -1);
});

test('hashes and HMACs equal Node\'s for every algorithm, encoding and input type', () => {
  const inputs = ['', 'abc', 'Jira ✓ 🎉', 'x'.repeat(1000)];
  for (const algorithm of ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'SHA256', 'sha-512', 'RSA-SHA256']) {
    for (const input of inputs) {
      for (const encoding of ['hex', 'base64', 'base64url', undefined]) {
        const ours = crypto.createHash(algorithm).update(input).digest(encoding);
        const real = realCrypto.createHash(algorithm).update(input).digest(encoding);
        assert.deepEqual(Buffer.isBuffer(ours) ? [...ours] : ours, RealBuffer.isBuffer(real) ? [...real] : real);
        const key = 'webhook-secret';
        assert.equal(
          crypto.createHmac(algorithm, key).update(input).digest('hex'),
          realCrypto.createHmac(algorithm, key).update(input).digest('hex'),
        );
      }
    }
  }
  // Chained updates, bytes and another input encoding.
  const ours = crypto.createHash('sha256').update('ab').update(Buffer.from('cd')).update('6566', 'hex').digest('hex');
  const real = realCrypto.createHash('sha256').update('ab').update(RealBuffer.from('cd')).update('6566', 'hex').digest('hex');
  assert.equal(ours, real);
  // A key longer than the block, as bytes.
  const longKey = new Uint8Array(200).fill(9);
  assert.equal(
    crypto.createHmac('sha512', longKey).update('m').digest('base64'),
    realCrypto.createHmac('sha512', longKey).update('m').digest('base64'),
  );
  assert.equal(crypto.hash('sha1', 'abc'), realCrypto.createHash('sha1').update('abc').digest('hex'));
  assert.equal(cryptoDefault.createHash, crypto.createHash);
});

test('copy() forks a hash, and a finished one refuses more, as in Node', () => {
  const first = crypto.createHash('sha256').update('a');
  const fork = first.copy();
  assert.equal(first.digest('hex'), realCrypto.createHash('sha256').update('a').digest('hex'));
  assert.equal(fork.update('b').digest('hex'), realCrypto.createHash('sha256').update('ab').digest('hex'));
  assert.throws(() => first.update('c'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
  assert.throws(() => first.digest(), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
  assert.throws(() => crypto.createHash('whirlpool-9000'), { code: 'ERR_CRYPTO_INVALID_DIGEST' });
  assert.throws(() => crypto.createHash('sha256').update(42), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('PBKDF2 equals Node\'s', async () => {
  const ours = crypto.pbkdf2Sync('password', 'salt', 1000, 32, 'sha256');
  assert.equal(ours.toString('hex'), realCrypto.pbkdf2Sync('password', 'salt', 1000, 32, 'sha256').toString('hex'));
  const viaCallback = await new Promise((resolve, reject) =>
    crypto.pbkdf2('p', 's', 10, 20, 'sha1', (error, key) => (error ? reject(error) : resolve(key))),
  );
  assert.equal(viaCallback.toString('hex'), realCrypto.pbkdf2Sync('p', 's', 10, 20, 'sha1').toString('hex'));
});

test('timingSafeEqual answers as Node\'s, and refuses unequal lengths with Node\'s error', () => {
  for (const [a, b] of [['abc', 'abc'], ['abc', 'abd'], ['', '']]) {
    assert.equal(
      crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b)),
      realCrypto.timingSafeEqual(RealBuffer.from(a), RealBuffer.from(b)),
    );
  }
  assert.throws(() => crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')), {
    code: 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
  });
});

test('random values: UUIDs of version 4, bytes of the size asked, integers in range', async () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(crypto.randomUUID(), uuid);
  assert.notEqual(crypto.randomUUID(), crypto.randomUUID());
  const bytes = crypto.randomBytes(70000);
  assert.ok(Buffer.isBuffer(bytes) && bytes.length === 70000);
  assert.ok(bytes.subarray(65536).some((b) => b !== 0), 'filled past the first 64 KiB');
  const viaCallback = await new Promise((resolve) => crypto.randomBytes(8, (_, b) => resolve(b)));
  assert.equal(viaCallback.length, 8);
  for (let i = 0; i < 200; i++) {
    const n = crypto.randomInt(3, 9);
    assert.ok(Number.isInteger(n) && n >= 3 && n < 9);
    assert.ok(crypto.randomInt(5) < 5);
  }
  assert.throws(() => crypto.randomInt(5, 5), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => crypto.randomBytes(-1), { code: 'ERR_OUT_OF_RANGE' });
  const filled = crypto.randomFillSync(new Uint8Array(16), 8);
  assert.deepEqual([...filled.subarray(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test("createSecretKey makes the secret KeyObject Node's does, from every kind of key", () => {
  const bytes = [0, 1, 2, 250, 255, 128];
  const keys = [
    ['a utf-8 string', 'shared-secret ✓', undefined],
    ["a utf-8 string, 'utf-8' named", 'shared-secret', 'utf-8'],
    ['a base64 string', 'c2VjcmV0LWtleS0xMjM=', 'base64'],
    ['a hex string', '00ff10', 'hex'],
    ['an empty string', '', undefined],
    ['a Buffer', (B) => B.from(bytes), undefined],
    ['a Buffer, with an encoding Node ignores', (B) => B.from(bytes), 'base64'],
    ['a Uint8Array', () => new Uint8Array(bytes), undefined],
    ['a view into a larger buffer', () => new Uint8Array([9, ...bytes, 9]).subarray(1, 7), undefined],
    ['a DataView', () => new DataView(new Uint8Array(bytes).buffer), undefined],
    ['an ArrayBuffer', () => new Uint8Array(bytes).buffer, undefined],
  ];
  for (const [what, key, encoding] of keys) {
    const ours = crypto.createSecretKey(typeof key === 'function' ? key(Buffer) : key, encoding);
    const real = realCrypto.createSecretKey(typeof key === 'function' ? key(RealBuffer) : key, encoding);
    assert.equal(ours.type, real.type, what);
    assert.equal(ours.type, 'secret', what);
    assert.equal(ours.symmetricKeySize, real.symmetricKeySize, what);
    assert.equal(ours.asymmetricKeyType, real.asymmetricKeyType, what);
    assert.equal(Object.prototype.toString.call(ours), Object.prototype.toString.call(real), what);
    assert.equal(Object.prototype.toString.call(ours), '[object KeyObject]', what);
    assert.equal(ours.constructor.name, real.constructor.name, what);
    assert.ok(ours instanceof crypto.KeyObject && real instanceof realCrypto.KeyObject, what);
    assert.ok(Buffer.isBuffer(ours.export()), what);
    assert.deepEqual([...ours.export()], [...real.export()], what);
    assert.deepEqual([...ours.export({ format: 'buffer' })], [...real.export({ format: 'buffer' })], what);
    assert.deepEqual(ours.export({ format: 'jwk' }), real.export({ format: 'jwk' }), what);
    assert.equal(JSON.stringify(ours), JSON.stringify(real), what);
    for (const algorithm of ['sha256', 'sha384', 'sha512', 'sha1']) {
      assert.equal(
        crypto.createHmac(algorithm, ours).update('header.payload').digest('base64url'),
        realCrypto.createHmac(algorithm, real).update('header.payload').digest('base64url'),
        `${what} ${algorithm}`,
      );
    }
    assert.ok(ours.equals(crypto.createSecretKey(ours.export())), what);
  }
});

test('a secret KeyObject holds a copy, compares by its bytes, and is made only by createSecretKey', () => {
  const source = Buffer.from('abc');
  const key = crypto.createSecretKey(source);
  source[0] = 0;
  const exported = key.export();
  exported[1] = 0;
  assert.equal(key.export().toString(), 'abc');

  assert.equal(key.equals(crypto.createSecretKey('abc')), true);
  assert.equal(key.equals(crypto.createSecretKey('abd')), false);
  assert.equal(key.equals(crypto.createSecretKey('abcd')), false);
  const real = realCrypto.createSecretKey('abc');
  for (const [ours, theirs] of [
    [() => key.equals({ type: 'secret', export: () => Buffer.from('abc') }), () => real.equals({})],
    [() => key.equals('abc'), () => real.equals('abc')],
    [() => key.export({ format: 'pem' }), () => real.export({ format: 'pem' })],
    [() => key.export('jwk'), () => real.export('jwk')],
    [() => key.export(null), () => real.export(null)],
    [() => crypto.createSecretKey(42), () => realCrypto.createSecretKey(42)],
    [() => crypto.createSecretKey(key), () => realCrypto.createSecretKey(real)],
    [() => new crypto.KeyObject('secret', {}), () => new realCrypto.KeyObject('secret', {})],
  ]) {
    let expected;
    assert.throws(theirs, (error) => {
      expected = error;
      return true;
    });
    assert.throws(ours, (error) => error.name === expected.name && error.code === expected.code, String(ours));
  }
  assert.throws(() => crypto.KeyObject.from({}), /KeyObject\.from\(\) is not available to a Kiln app/);
  assert.equal(cryptoDefault.createSecretKey, crypto.createSecretKey);
  assert.equal(cryptoDefault.KeyObject, crypto.KeyObject);
});

test("a secret KeyObject verifies an HS256 JWT as jose does with it", async () => {
  // jose 6 (`prepareKey`): a KeyObject is what `Object.prototype.toString`
  // names so; a secret one is used as `export()`'s bytes, imported into
  // WebCrypto for HMAC. ibuchanan/explore-forge-jira-custom-api's web
  // trigger: jwtVerify(token, createSecretKey(secret, 'utf-8')).
  const secret = 'a-shared-web-trigger-secret';
  const b64 = (value) => RealBuffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'caller', iat: 1700000000 })}`;
  const signature = realCrypto.createHmac('sha256', secret).update(signingInput).digest();
  const verifies = async (key) => {
    assert.equal(Object.prototype.toString.call(key), '[object KeyObject]');
    assert.equal(key.type, 'secret');
    const bytes = key.export();
    assert.ok(bytes instanceof Uint8Array);
    const cryptoKey = await globalThis.crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    return globalThis.crypto.subtle.verify('HMAC', cryptoKey, signature, new TextEncoder().encode(signingInput));
  };
  assert.equal(await verifies(crypto.createSecretKey(secret, 'utf-8')), true);
  assert.equal(await verifies(crypto.createSecretKey('another-secret', 'utf-8')), false);
  assert.equal(await verifies(realCrypto.createSecretKey(secret, 'utf-8')), true);
});

test('what Kiln does not provide says so by name', () => {
  assert.throws(() => crypto.createCipheriv('aes-256-gcm', 'k', 'iv'), /crypto\.createCipheriv\(\) is not available to a Kiln app/);
  assert.throws(() => crypto.generateKeyPairSync('ed25519'), /generateKeyPairSync/);
});

test('events: the EventEmitter behaves as Node\'s', async () => {
  const trace = (Emitter) => {
    const seen = [];
    const emitter = new Emitter();
    emitter.on('x', (v) => seen.push(`on ${v}`));
    emitter.once('x', (v) => seen.push(`once ${v}`));
    emitter.prependListener('x', (v) => seen.push(`first ${v}`));
    emitter.emit('x', 1);
    emitter.emit('x', 2);
    seen.push(emitter.listenerCount('x'));
    emitter.removeAllListeners('x');
    seen.push(emitter.emit('x', 3));
    return seen;
  };
  assert.deepEqual(trace(EventEmitter), trace(RealEmitter));
  const emitter = new EventEmitter();
  queueMicrotask(() => emitter.emit('ready', 'a', 'b'));
  assert.deepEqual(await once(emitter, 'ready'), ['a', 'b']);
  assert.throws(() => new EventEmitter().emit('error', new Error('boom')), /boom/);
});

test('path is Node\'s POSIX path', () => {
  for (const args of [['a', 'b', '../c'], ['/x/', './y'], ['', 'z.txt']]) {
    assert.equal(path.join(...args), realPath.posix.join(...args));
  }
  for (const p of ['/a/b/c.json', 'rel/x', '/', 'file.tar.gz']) {
    assert.equal(path.basename(p), realPath.posix.basename(p));
    assert.equal(path.dirname(p), realPath.posix.dirname(p));
    assert.equal(path.extname(p), realPath.posix.extname(p));
    assert.deepEqual(path.parse(p), realPath.posix.parse(p));
  }
  assert.equal(path.relative('/a/b', '/a/c/d'), realPath.posix.relative('/a/b', '/a/c/d'));
  assert.equal(path.sep, '/');
});

test('util: promisify, callbackify, inherits and format as Node\'s', async () => {
  const callbackStyle = (a, b, done) => setTimeout(() => (a < 0 ? done(new Error('negative')) : done(null, a + b)), 0);
  assert.equal(await util.promisify(callbackStyle)(1, 2), await realUtil.promisify(callbackStyle)(1, 2));
  await assert.rejects(util.promisify(callbackStyle)(-1, 2), /negative/);
  const custom = () => {};
  custom[util.promisify.custom] = async () => 'custom';
  assert.equal(util.promisify.custom, realUtil.promisify.custom);
  assert.equal(await util.promisify(custom)(), 'custom');
  const value = await new Promise((resolve, reject) =>
    util.callbackify(async (x) => x * 2)(21, (error, v) => (error ? reject(error) : resolve(v))),
  );
  assert.equal(value, 42);
  function Base() {}
  Base.prototype.hello = () => 'hi';
  function Child() {}
  util.inherits(Child, Base);
  assert.equal(new Child().hello(), 'hi');
  assert.equal(Child.super_, Base);
  for (const args of [
    ['%s has %d issues (%i%%)', 'KILN', 42, 99.5],
    ['%s', 'plain', 'extra', 7],
    ['no placeholders', 'a', 1],
    ['%f and %j', '1.5', { a: [1, 'b'] }],
    ['missing %s %s', 'one'],
    [42, 'text'],
  ]) {
    assert.equal(util.format(...args), realUtil.format(...args), JSON.stringify(args));
  }
});

test('util.format prints an Error with its name and message, whatever the engine\'s stack', () => {
  // V8's stack already starts with `Name: message`: printed as Node prints it.
  const v8 = new Error('boom');
  assert.equal(util.format('caught:', v8), realUtil.format('caught:', v8));
  // SpiderMonkey's (the engine apps run on) has only the frames.
  const engine = new TypeError('bad input');
  engine.stack = 'run@app/src/index.js:3:9\ndispatch@kiln-forge-api/src/handler.js:120:5\n';
  assert.equal(
    util.format('caught:', engine),
    'caught: TypeError: bad input\n    at run@app/src/index.js:3:9\n    at dispatch@kiln-forge-api/src/handler.js:120:5',
  );
  // No stack (so, as Node, in brackets), no message; own properties and a
  // cause as Node lists them.
  const bare = new Error();
  bare.stack = undefined;
  assert.equal(util.format(bare), '[Error]');
  assert.equal(util.format(bare), realUtil.format(bare));
  const coded = Object.assign(new Error('denied'), { code: 'E_DENIED', status: 403 });
  coded.stack = '';
  assert.equal(util.format(coded), "[Error: denied] { code: 'E_DENIED', status: 403 }");
  assert.equal(util.format(coded), realUtil.format(coded));
  const outer = new Error('outer', { cause: new RangeError('inner') });
  outer.stack = '';
  outer.cause.stack = '';
  assert.equal(util.format(outer), '[Error: outer] { [cause]: [RangeError: inner] }');
  assert.equal(util.format(outer), realUtil.format(outer));
  // A cause cycle ends.
  const loop = new Error('loop');
  loop.stack = '';
  loop.cause = loop;
  assert.equal(util.format(loop), '<ref *1> [Error: loop] { cause: [Circular *1] }');
  assert.equal(util.format(loop), realUtil.format(loop));
});

test('setImmediate runs its callback later, with its arguments', async () => {
  const got = await new Promise((resolve) => setImmediate((a, b) => resolve([a, b]), 1, 2));
  assert.deepEqual(got, [1, 2]);
});

test("punycode is Node's: the same answers for domains, labels and code points", () => {
  // Node's own, deprecated but still there (the warning goes to stderr).
  const real = createRequire(import.meta.url)('punycode');
  for (const domain of ['mañana.com', 'bücher.example', '☃-⌘.com', 'xn--maana-pta.com', 'example.com', 'ex@mple.中国']) {
    assert.equal(toASCII(domain), real.toASCII(domain), domain);
    assert.equal(toUnicode(toASCII(domain)), real.toUnicode(real.toASCII(domain)), domain);
  }
  for (const label of ['mañana', 'ü', 'Здравствуйте', '']) {
    assert.equal(encode(label), real.encode(label), label);
    assert.equal(decode(encode(label)), label);
  }
  assert.deepEqual(ucs2.decode('𝌆a'), real.ucs2.decode('𝌆a'));
  assert.equal(ucs2.encode([0x1d306, 97]), real.ucs2.encode([0x1d306, 97]));
  assert.throws(() => decode('\x81-'), RangeError);
  assert.equal(punycode.toASCII, toASCII);
});

test('cluster: the one process is the primary, with no workers; forking is refused', () => {
  assert.equal(cluster.isPrimary, true);
  assert.equal(cluster.isMaster, true);
  assert.equal(cluster.isWorker, false);
  assert.equal(cluster.worker, undefined);
  assert.deepEqual(cluster.workers, {});
  assert.throws(() => cluster.fork(), /cluster\.fork\(\) is not available to a Kiln app: the sandbox has no processes/);
});
