// @forge/kvs 1.6's `ttl` set option and `metadataFields` read option over
// kiln:app@0.4.0: `set-expiring` (seconds, u64) and the transaction action
// `set-expiring`; an entry's `created-at`/`updated-at`/`expires-at` (ms)
// become `createdAt`/`updatedAt` (ms numbers) and `expireTime` (ISO string),
// only the fields asked for, as @forge/kvs's processGetResponse picks them.

import test from 'node:test';
import assert from 'node:assert/strict';

import { kvs, MetadataField, ForgeKvsError, ForgeKvsAPIError } from '../src/kvs.js';
import { storage } from '../src/index.js';
import { installEntities } from '../src/entity.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const T0 = 1_700_000_000_000;

function fresh(now = () => T0) {
  const host = fakeHost({ now });
  installHost(host);
  installEntities([{ name: 'session', attributes: { user: { type: 'string' } }, indexes: ['user'] }]);
  return host;
}

test('set with ttl stores through set-expiring, converting each unit to seconds', async () => {
  const host = fresh();
  const units = [
    ['SECONDS', 1n],
    ['MINUTES', 60n],
    ['HOURS', 3600n],
    ['DAYS', 86400n],
  ];
  for (const [unit, seconds] of units) {
    await kvs.set(`k-${unit}`, { unit }, { ttl: { value: 3, unit } });
    assert.deepEqual(host.expiring.at(-1), [`k-${unit}`, 3n * seconds]);
    assert.equal(host.data.get(`k-${unit}`).value, JSON.stringify({ unit }));
  }
  // Without ttl, a plain set (which clears an earlier expiry).
  await kvs.set('k-SECONDS', 1, {});
  await kvs.set('k-SECONDS', 2);
  assert.equal(host.expiring.length, 4);
  assert.equal(host.data.get('k-SECONDS').expiresAt, undefined);
});

test('a ttl that is not a positive whole number of a known unit is refused before the host', async () => {
  const host = fresh();
  const bad = [
    { value: 0, unit: 'SECONDS' },
    { value: -1, unit: 'MINUTES' },
    { value: 1.5, unit: 'HOURS' },
    { value: '5', unit: 'DAYS' },
    { value: 5, unit: 'WEEKS' },
    { value: 5, unit: 'seconds' },
    { value: 5 },
    5,
    'PT5M',
  ];
  for (const ttl of bad) {
    await assert.rejects(kvs.set('k', 1, { ttl }), (error) => {
      assert.ok(error instanceof ForgeKvsError, String(error));
      assert.equal(error.code, 'INVALID_TTL');
      assert.match(error.message, /^set\(\) takes ttl as \{ value, unit \} with value a positive whole number and unit SECONDS, MINUTES, HOURS or DAYS, not .*; nothing was written$/);
      return true;
    }, JSON.stringify(ttl));
  }
  await assert.rejects(kvs.transact().set('k', 1, undefined, { ttl: { value: 0, unit: 'DAYS' } }).execute(), { code: 'INVALID_TTL', message: /^transact\(\)\.set\(\) takes ttl/ });
  await assert.rejects(kvs.entity('session').set('s', { user: 'u' }, { ttl: { value: 1, unit: 'YEARS' } }), { code: 'INVALID_TTL', message: /^entity\(\)\.set\(\) takes ttl/ });
  assert.deepEqual(host.expiring, []);
  assert.equal(host.data.size, 0);
  assert.equal(host.transactions.length, 0);
});

test("the host's refusal of a ttl (over its limit) is Forge's API error", async () => {
  const host = fresh();
  host.storage.setExpiring = () => {
    const error = new Error('host');
    error.payload = { tag: 'invalid-value', val: 'a time to live of at most 31536000 seconds' };
    throw error;
  };
  await assert.rejects(kvs.set('k', 1, { ttl: { value: 400, unit: 'DAYS' } }), (error) => {
    assert.ok(error instanceof ForgeKvsAPIError, String(error));
    assert.equal(error.code, 'INVALID_VALUE');
    assert.match(error.message, /31536000/);
    return true;
  });
});

test('get with metadataFields answers only the fields asked for: ms numbers and an ISO expireTime', async () => {
  let now = T0;
  fresh(() => now);
  await kvs.set('lock', { owner: 'a' }, { ttl: { value: 5, unit: 'MINUTES' } });
  now = T0 + 1000;
  await kvs.set('lock', { owner: 'b' }, { ttl: { value: 5, unit: 'MINUTES' } });
  const all = [MetadataField.CREATED_AT, MetadataField.UPDATED_AT, MetadataField.EXPIRE_TIME];
  assert.deepEqual(await kvs.get('lock', { metadataFields: all }), {
    key: 'lock',
    value: { owner: 'b' },
    createdAt: T0,
    updatedAt: T0 + 1000,
    expireTime: new Date(T0 + 1000 + 300_000).toISOString(),
  });
  assert.deepEqual(await kvs.get('lock', { metadataFields: ['EXPIRE_TIME'] }), {
    key: 'lock',
    value: { owner: 'b' },
    expireTime: '2023-11-14T22:18:21.000Z',
  });
  assert.deepEqual(await kvs.get('lock', { metadataFields: [] }), { key: 'lock', value: { owner: 'b' } });
  assert.deepEqual(await kvs.get('lock'), { owner: 'b' });
  // A value that never expires has no expireTime (as Forge: the field is asked, the server sends none).
  await kvs.set('plain', 1);
  const plain = await kvs.get('plain', { metadataFields: all });
  assert.equal(plain.expireTime, undefined);
  assert.equal(plain.createdAt, T0 + 1000);
  assert.equal(await kvs.get('absent', { metadataFields: all }), undefined);
  await assert.rejects(kvs.get('lock', { metadataFields: ['INVALID_METADATA_FIELD'] }), { code: 'BAD_REQUEST', message: /INVALID_METADATA_FIELD.*is not a metadata field/ });
  // The legacy storage of @forge/api keeps its answer: no metadata.
  assert.deepEqual(await storage.get('lock', { metadataFields: all }), { key: 'lock', value: { owner: 'b' } });
});

test('query({ metadataFields }) gives each result the fields asked for', async () => {
  fresh();
  await kvs.set('job-1', 1, { ttl: { value: 1, unit: 'HOURS' } });
  await kvs.set('job-2', 2);
  const { results } = await kvs.query({ metadataFields: ['CREATED_AT', 'EXPIRE_TIME'] }).where('key', { condition: 'STARTS_WITH', value: 'job-' }).getMany();
  assert.deepEqual(results, [
    { key: 'job-1', value: 1, createdAt: T0, expireTime: new Date(T0 + 3_600_000).toISOString() },
    { key: 'job-2', value: 2, createdAt: T0, expireTime: undefined },
  ]);
  assert.deepEqual((await kvs.query().getMany()).results, [
    { key: 'job-1', value: 1 },
    { key: 'job-2', value: 2 },
  ]);
});

test('transact().set with ttl sends the action set-expiring; without, set', async () => {
  const host = fresh();
  await kvs
    .transact()
    .set('a', { n: 1 }, undefined, { ttl: { value: 2, unit: 'HOURS' } })
    .set('b', 2)
    .set('c', 3, undefined, {})
    .execute();
  assert.deepEqual(
    host.transactions[0].map(({ key, action }) => [key, action]),
    [
      ['a', { tag: 'set-expiring', val: { value: '{"n":1}', ttlSeconds: 7200n } }],
      ['b', { tag: 'set', val: '2' }],
      ['c', { tag: 'set', val: '3' }],
    ],
  );
  assert.equal(host.data.get('a').expiresAt, BigInt(T0) + 7_200_000n);
  assert.equal(host.data.get('b').expiresAt, undefined);
});

test('custom entities: set with ttl expires the item (pinned to the version read); get with metadataFields', async () => {
  const host = fresh();
  const sessions = kvs.entity('session');
  await sessions.set('s1', { user: 'alice' }, { ttl: { value: 30, unit: 'MINUTES' } });
  const sent = host.transactions.at(-1);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].action, { tag: 'set-expiring', val: { value: '{"user":"alice"}', ttlSeconds: 1800n } });
  assert.deepEqual(sent[0].expected, { tag: 'absent' });
  assert.deepEqual(await sessions.get('s1'), { user: 'alice' });
  assert.deepEqual(await sessions.get('s1', { metadataFields: ['UPDATED_AT', 'EXPIRE_TIME'] }), {
    key: 's1',
    value: { user: 'alice' },
    updatedAt: T0,
    expireTime: new Date(T0 + 1_800_000).toISOString(),
  });
  // Still found by its index.
  const found = await sessions.query().index('user').where({ condition: 'EQUAL_TO', values: ['alice'] }).getMany();
  assert.deepEqual(found.results.map((r) => r.key), ['s1']);
  // A set without ttl goes the usual way.
  await sessions.set('s2', { user: 'bob' });
  assert.equal(host.transactions.length, 1);
  await assert.rejects(sessions.set('s3', { user: 'c' }, { keyPolicy: 'FAIL_IF_EXISTS' }), { code: 'UNSUPPORTED_OPTION' });
});

test('batchSet and batchGet take the same options per item', async () => {
  const host = fresh();
  const set = await kvs.batchSet([
    { key: 'a', value: 1, options: { ttl: { value: 10, unit: 'SECONDS' } } },
    { key: 'b', value: 2, options: { ttl: { value: 0, unit: 'SECONDS' } } },
  ]);
  assert.deepEqual(set.successfulKeys, [{ key: 'a' }]);
  assert.deepEqual(set.failedKeys.map((f) => [f.key, f.error.code]), [['b', 'INVALID_TTL']]);
  assert.deepEqual(host.expiring, [['a', 10n]]);
  const got = await kvs.batchGet([{ key: 'a', options: { metadataFields: ['EXPIRE_TIME'] } }, { key: 'a' }]);
  assert.deepEqual(got.successfulKeys, [
    { key: 'a', value: 1, expireTime: new Date(T0 + 10_000).toISOString() },
    { key: 'a', value: 1 },
  ]);
});
