// Entity queries with metadata, against @forge/kvs 1.6's documented shapes:
// `kvs.entity(name).query({ metadataFields })` (entity.d.ts: `query(options?:
// Pick<EntityQueryOptions<T>, 'metadataFields'>)`; the builder has no
// metadata method), each result `{ key, value }` plus only the fields asked
// for, `createdAt`/`updatedAt` as numbers (ms) and `expireTime` as an ISO
// string, as `get` with options answers (Forge REST API, entity/get). The
// fields change what each result carries, never which results or cursors.

import test from 'node:test';
import assert from 'node:assert/strict';

import { kvs, MetadataField, ForgeKvsError, Sort, WhereConditions, Filter, FilterConditions } from '../src/kvs.js';
import { installEntities } from '../src/entity.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const T0 = 1_700_000_000_000;
const ALL = [MetadataField.CREATED_AT, MetadataField.UPDATED_AT, MetadataField.EXPIRE_TIME];

let clock = T0;

function fresh() {
  clock = T0;
  const host = fakeHost({ now: () => clock });
  installHost(host);
  installEntities([
    {
      name: 'employees',
      attributes: { name: { type: 'string' }, employmentyear: { type: 'integer' }, age: { type: 'integer' } },
      indexes: [
        { name: 'by-employmentyear', partition: ['employmentyear'], range: ['name'] },
        { name: 'by-age', range: ['age'] },
      ],
    },
  ]);
  return host;
}

const employees = kvs.entity('employees');

test("Forge's own example: query({ metadataFields: [EXPIRE_TIME] }).index(name, { partition }) gives key, value, expireTime", async () => {
  fresh();
  await employees.set('foo', { name: 'Jane Doe', employmentyear: 2000 }, { ttl: { value: 1, unit: 'DAYS' } });
  const page = await employees.query({ metadataFields: [MetadataField.EXPIRE_TIME] }).index('by-employmentyear', { partition: [2000] }).getMany();
  // As @forge/kvs's test of this call expects: no nextCursor on the last page.
  assert.deepEqual(page, {
    results: [{ key: 'foo', value: { name: 'Jane Doe', employmentyear: 2000 }, expireTime: new Date(T0 + 86_400_000).toISOString() }],
  });
  assert.equal(typeof page.results[0].expireTime, 'string');
});

test('each result carries exactly the fields asked for: createdAt/updatedAt in ms, expireTime ISO', async () => {
  fresh();
  await employees.set('a', { name: 'Ada', age: 36 });
  clock = T0 + 5_000;
  await employees.set('a', { name: 'Ada', age: 37 }, { ttl: { value: 30, unit: 'MINUTES' } });
  await employees.set('b', { name: 'Bob', age: 40 });
  const q = (fields) => employees.query({ metadataFields: fields }).index('by-age').getMany();

  assert.deepEqual((await q(ALL)).results, [
    { key: 'a', value: { name: 'Ada', age: 37 }, createdAt: T0, updatedAt: T0 + 5_000, expireTime: new Date(T0 + 5_000 + 1_800_000).toISOString() },
    // A value that never expires has no expire time (undefined, as `get` answers).
    { key: 'b', value: { name: 'Bob', age: 40 }, createdAt: T0 + 5_000, updatedAt: T0 + 5_000, expireTime: undefined },
  ]);
  assert.deepEqual((await q([MetadataField.CREATED_AT])).results, [
    { key: 'a', value: { name: 'Ada', age: 37 }, createdAt: T0 },
    { key: 'b', value: { name: 'Bob', age: 40 }, createdAt: T0 + 5_000 },
  ]);
  assert.deepEqual((await q(['UPDATED_AT'])).results.map(Object.keys), [
    ['key', 'value', 'updatedAt'],
    ['key', 'value', 'updatedAt'],
  ]);
  // The same item through get: the query's metadata is the item's.
  const [first] = (await q(ALL)).results;
  assert.deepEqual(await employees.get('a', { metadataFields: ALL }), first);
});

test('without metadataFields (or with none) a result is { key, value } only', async () => {
  fresh();
  await employees.set('a', { name: 'Ada', age: 36 }, { ttl: { value: 1, unit: 'HOURS' } });
  for (const query of [employees.query(), employees.query({}), employees.query({ metadataFields: [] }), employees.query({ metadataFields: undefined })]) {
    assert.deepEqual((await query.index('by-age').getMany()).results, [{ key: 'a', value: { name: 'Ada', age: 36 } }]);
    assert.deepEqual(Object.keys(await query.index('by-age').getOne()), ['key', 'value']);
  }
});

test('getOne and every builder step keep the fields (the query is immutable)', async () => {
  fresh();
  await employees.set('a', { name: 'Ada', age: 36 });
  await employees.set('b', { name: 'Bob', age: 40 });
  const base = employees.query({ metadataFields: ['CREATED_AT'] }).index('by-age');
  assert.deepEqual(await base.sort(Sort.DESC).getOne(), { key: 'b', value: { name: 'Bob', age: 40 }, createdAt: T0 });
  const filtered = await base
    .where(WhereConditions.greaterThan(30))
    .filters(new Filter().and('name', FilterConditions.beginsWith('A')))
    .limit(5)
    .getMany();
  assert.deepEqual(filtered.results, [{ key: 'a', value: { name: 'Ada', age: 36 }, createdAt: T0 }]);
});

test('ordering and cursors are the same with and without metadata, in both orders', async () => {
  fresh();
  for (let i = 0; i < 23; i += 1) {
    clock = T0 + i;
    await employees.set(`e${String(i).padStart(2, '0')}`, { name: `n${i}`, age: (i * 7) % 11 });
  }
  const walk = async (options, sort) => {
    const pages = [];
    let cursor;
    do {
      const page = await employees.query(options).index('by-age').sort(sort).limit(5).cursor(cursor).getMany();
      pages.push({ keys: page.results.map((r) => r.key), nextCursor: page.nextCursor, results: page.results });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return pages;
  };
  for (const sort of [Sort.ASC, Sort.DESC]) {
    const plain = await walk(undefined, sort);
    const withMeta = await walk({ metadataFields: ALL }, sort);
    assert.deepEqual(withMeta.map((p) => [p.keys, p.nextCursor]), plain.map((p) => [p.keys, p.nextCursor]));
    assert.equal(plain.flatMap((p) => p.keys).length, 23);
    // Each result is the plain one plus its own item's times.
    for (const [i, page] of withMeta.entries()) {
      page.results.forEach((result, j) => {
        const n = Number(result.key.slice(1));
        assert.deepEqual(result, { ...plain[i].results[j], createdAt: T0 + n, updatedAt: T0 + n, expireTime: undefined });
      });
    }
  }
  // A cursor from a query with metadata continues one without, and back.
  const first = await employees.query({ metadataFields: ['CREATED_AT'] }).index('by-age').limit(5).getMany();
  const next = await employees.query().index('by-age').limit(5).cursor(first.nextCursor).getMany();
  const plainPages = await walk(undefined, Sort.ASC);
  assert.deepEqual(next.results.map((r) => r.key), plainPages[1].keys);
});

test('unknown fields are refused when the query runs, with Forge error class and BAD_REQUEST', async () => {
  const host = fresh();
  await employees.set('a', { name: 'Ada', age: 36 });
  let asked = 0;
  const query = host.storage.query;
  host.storage.query = (...args) => {
    asked += 1;
    return query(...args);
  };
  // @forge/kvs's own test value, a lower-case name, a Forge-looking one it lacks, and a non-array.
  for (const metadataFields of [['INVALID_METADATA_FIELD'], ['created_at'], ['CREATED_AT', 'VERSION'], 'CREATED_AT', { 0: 'CREATED_AT' }]) {
    // Building the query does not throw (as on Forge, the request is what fails).
    const built = employees.query({ metadataFields }).index('by-age');
    for (const run of [() => built.getMany(), () => built.getOne()]) {
      await assert.rejects(run(), (error) => {
        assert.ok(error instanceof ForgeKvsError, String(error));
        assert.equal(error.code, 'BAD_REQUEST');
        assert.match(error.message, /entity\(\)\.query\(\)/);
        return true;
      });
    }
  }
  assert.equal(asked, 0, 'refused before any storage read');
});
