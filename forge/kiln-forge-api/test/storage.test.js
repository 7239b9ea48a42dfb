import test from 'node:test';
import assert from 'node:assert/strict';

import { storage, startsWith, StorageError } from '../src/index.js';
import { kvs, WhereConditions } from '../src/kvs.js';
import { installHost } from '../src/host.js';
import { fakeHost, WitError } from './fake-host.js';

test('values round-trip as JSON; absent keys are undefined', async () => {
  const host = fakeHost();
  installHost(host);
  await storage.set('counter', { n: 1, tags: ['a'] });
  assert.deepEqual(await storage.get('counter'), { n: 1, tags: ['a'] });
  assert.equal(host.data.get('counter').value, '{"n":1,"tags":["a"]}');
  assert.equal(await storage.get('missing'), undefined);
  await storage.delete('counter');
  assert.equal(await kvs.get('counter'), undefined);
  await assert.rejects(storage.set('x', undefined), TypeError);
});

test('secrets live apart from values', async () => {
  installHost(fakeHost());
  await storage.setSecret('token', 's3cret');
  assert.equal(await storage.get('token'), undefined);
  assert.equal(await kvs.getSecret('token'), 's3cret');
  await kvs.deleteSecret('token');
  assert.equal(await storage.getSecret('token'), undefined);
});

test('queries page by prefix with cursors, in both APIs', async () => {
  installHost(fakeHost());
  for (const key of ['issue-1', 'issue-2', 'issue-3', 'other']) {
    await storage.set(key, key.length);
  }
  const first = await storage.query().where('key', startsWith('issue-')).limit(2).getMany();
  assert.deepEqual(first.results, [
    { key: 'issue-1', value: 7 },
    { key: 'issue-2', value: 7 },
  ]);
  const rest = await kvs.query().where('key', WhereConditions.beginsWith('issue-')).limit(2).cursor(first.nextCursor).getMany();
  assert.deepEqual(rest, { results: [{ key: 'issue-3', value: 7 }] });
  assert.deepEqual(await storage.query().where('key', startsWith('oth')).getOne(), { key: 'other', value: 5 });
  assert.throws(() => storage.query().where('value', startsWith('x')), /startsWith/);
});

test("the host's refusals surface as StorageError with Kiln's case", async () => {
  const host = fakeHost();
  host.storage.set = () => {
    throw new WitError({ tag: 'scope-denied' });
  };
  installHost(host);
  const error = await storage.set('k', 1).catch((e) => e);
  assert.ok(error instanceof StorageError);
  assert.equal(error.code, 'SCOPE_DENIED');
  assert.deepEqual(error.kilnError, { tag: 'scope-denied' });
  await assert.rejects(storage.query().limit(500).getMany(), { code: 'INVALID_LIMIT' });
});

test("the legacy @forge/api storage has no transactions, as on Forge: refused, pointing to kvs.transact()", async () => {
  const host = fakeHost();
  installHost(host);
  assert.throws(() => storage.transact(), /use kvs\.transact\(\) from @forge\/kvs; nothing was written/);
  assert.equal(typeof kvs.transact().set, 'function');
  assert.equal(host.data.size, 0);
  assert.equal(host.transactions.length, 0);
});

test("key-value queries never list custom entities' keys, and still fill their pages", async () => {
  const { installEntities } = await import('../src/entity.js');
  installHost(fakeHost());
  installEntities([{ name: 'note', attributes: { n: { type: 'integer' } }, indexes: ['n'] }]);
  for (let i = 0; i < 6; i += 1) {
    await kvs.entity('note').set(`n${i}`, { n: i });
    await kvs.set(`k${i}`, i);
  }
  const seen = [];
  let cursor;
  do {
    const page = await kvs.query().limit(4).cursor(cursor).getMany();
    assert.ok(page.results.length <= 4);
    seen.push(...page.results.map((r) => r.key));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  assert.deepEqual(seen, ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  assert.equal((await kvs.query().limit(4).getMany()).results.length, 4);
});

test("@forge/kvs 1.6: get with options answers { key, value } and the metadata asked for; set options Kiln cannot honour are refused, nothing written", async () => {
  const host = fakeHost();
  installHost(host);
  await kvs.set('k', { a: 1 });
  assert.deepEqual(await kvs.get('k', { metadataFields: ['CREATED_AT'] }), { key: 'k', value: { a: 1 }, createdAt: 1_700_000_000_000 });
  assert.deepEqual(await kvs.get('k', {}), { key: 'k', value: { a: 1 } });
  assert.deepEqual(await kvs.get('k'), { a: 1 });
  assert.equal(await kvs.get('absent', {}), undefined);
  await kvs.setSecret('s', 'v');
  assert.deepEqual(await kvs.getSecret('s', {}), { key: 's', value: 'v' });
  // Secrets and the legacy storage of @forge/api keep values until deleted.
  for (const refused of [kvs.setSecret('lock', 1, { ttl: { value: 5, unit: 'MINUTES' } }), storage.set('lock', 1, { ttl: { value: 5, unit: 'MINUTES' } })]) {
    await assert.rejects(refused, (error) => {
      assert.equal(error.name, 'ForgeKvsError');
      assert.equal(error.code, 'UNSUPPORTED_OPTION');
      assert.match(error.message, /with ttl is not supported by Kiln: only values of @forge\/kvs expire.*nothing was written/);
      return true;
    });
  }
  await assert.rejects(kvs.set('lock', 1, { keyPolicy: 'FAIL_IF_EXISTS' }), /keyPolicy is not supported/);
  await assert.rejects(kvs.setSecret('lock', 1, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' }), /keyPolicy, returnValue/);
  assert.equal(host.data.has('lock'), false);
  await kvs.set('plain', 2, {});
  assert.equal(await kvs.get('plain'), 2);
});

test('@forge/kvs 1.6 batches: each item succeeds or fails on its own, in Forge\'s result shape', async () => {
  const { installEntities } = await import('../src/entity.js');
  installHost(fakeHost());
  installEntities([{ name: 'employee', attributes: { age: { type: 'integer' } }, indexes: ['age'] }]);
  const set = await kvs.batchSet([
    { key: 'a', value: 1 },
    { key: 'e1', value: { age: 30 }, entityName: 'employee' },
    { key: 'e2', value: { age: 'old' }, entityName: 'employee' },
    { key: 'b', value: 2, options: { keyPolicy: 'FAIL_IF_EXISTS' } },
    { key: 'c', value: 3, options: { ttl: { value: 1, unit: 'DAYS' } } },
  ]);
  assert.deepEqual(set.successfulKeys, [{ key: 'a' }, { key: 'e1', entityName: 'employee' }, { key: 'c' }]);
  assert.deepEqual(
    set.failedKeys.map((f) => [f.key, f.entityName, f.error.code]),
    [
      ['e2', 'employee', 'INVALID_ATTRIBUTE_VALUE'],
      ['b', undefined, 'UNSUPPORTED_OPTION'],
    ],
  );
  const got = await kvs.batchGet([{ key: 'a' }, { key: 'e1', entityName: 'employee' }, { key: 'missing' }]);
  assert.deepEqual(got, {
    successfulKeys: [
      { key: 'a', value: 1 },
      { key: 'e1', value: { age: 30 }, entityName: 'employee' },
    ],
    failedKeys: [{ key: 'missing', error: { code: 'KEY_NOT_FOUND', message: 'Key does not exist' } }],
  });
  const deleted = await kvs.batchDelete([{ key: 'a' }, { key: 'e1', entityName: 'employee' }]);
  assert.deepEqual(deleted, { successfulKeys: [{ key: 'a' }, { key: 'e1', entityName: 'employee' }], failedKeys: [] });
  assert.equal(await kvs.get('a'), undefined);
  assert.equal(await kvs.entity('employee').get('e1'), undefined);
});
