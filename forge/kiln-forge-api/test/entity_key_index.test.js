// Forge's key index, `by-key`: every custom entity has it without declaring
// it (Forge's entities manifest: "Forge automatically creates an index based
// on each entity's key… The key index's name is `by-key`"), ordered by the
// key, without a partition, with the where conditions of a string range,
// both sort orders, cursors and filters. Kiln's guarantees on top: it
// writes nothing per `set` (so items stored before it existed are in it),
// and no entity's query reaches another's keys, whatever the names or keys
// hold.

import test from 'node:test';
import assert from 'node:assert/strict';

import { kvs, WhereConditions, FilterConditions, SortOrder, Filter, StorageError, MetadataField } from '../src/kvs.js';
import { storage, WhereConditions as ApiWhere } from '../src/index.js';
import { installEntities } from '../src/entity.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const ENTITIES = [
  // No declared index: `by-key` is its only one.
  { name: 'job', attributes: { owner: { type: 'string' }, size: { type: 'integer' } } },
  // Names that are prefixes of each other ("job" of "jobs" and "jobs.old").
  { name: 'jobs', attributes: { owner: { type: 'string' } } },
  { name: 'jobs.old', attributes: { owner: { type: 'string' } } },
  {
    name: 'employee',
    attributes: { surname: { type: 'string' }, age: { type: 'integer' }, team: { type: 'string' } },
    indexes: ['surname', { name: 'by-team-age', partition: ['team'], range: ['age'] }],
  },
];

function fresh(options) {
  const host = fakeHost(options);
  installHost(host);
  installEntities(ENTITIES);
  return host;
}

const jobs = kvs.entity('job');
const keys = (page) => page.results.map((r) => r.key);
const byKey = (entity = jobs) => entity.query().index('by-key');
const all = (query) => query.limit(100).getMany().then(keys);

/** Keys in an order other than theirs, with the layer's separators and look-alikes. */
const KEYS = ['b', 'a', 'ab', 'abc', 'abd', 'a.b', 'a!~', 'a~', 'A', 'Z9', 'é', '😀', 'x!i!y', '!ce!job!i!a', 'b c', '1', '10', '9'];
/** Storage order: UTF-8 bytes. */
const SORTED = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

async function seed(entity, list) {
  for (const [i, key] of list.entries()) {
    await entity.set(key, { owner: `o${i % 3}`, size: i });
  }
}

test('by-key lists every key in UTF-8 byte order, ascending and descending', async () => {
  fresh();
  await seed(jobs, KEYS);
  assert.deepEqual(await all(byKey()), SORTED);
  assert.deepEqual(await all(byKey().sort(SortOrder.ASC)), SORTED);
  assert.deepEqual(await all(byKey().sort(SortOrder.DESC)), [...SORTED].reverse());
  // Values are the items', as get reads them.
  const page = await byKey().where(WhereConditions.equalTo('a')).getMany();
  assert.deepEqual(page, { results: [{ key: 'a', value: { owner: 'o1', size: 1 } }] });
});

test('every where condition on the key, in both orders', async () => {
  fresh();
  await seed(jobs, KEYS);
  const range = (low, high, lowIn = true, highIn = true) =>
    SORTED.filter((k) => {
      const b = Buffer.from(k);
      const lo = low === undefined ? 1 : Buffer.compare(b, Buffer.from(low));
      const hi = high === undefined ? -1 : Buffer.compare(b, Buffer.from(high));
      return (lowIn ? lo >= 0 : lo > 0) && (highIn ? hi <= 0 : hi < 0);
    });
  const cases = [
    [WhereConditions.equalTo('ab'), ['ab']],
    [WhereConditions.equalTo('zz'), []],
    [WhereConditions.beginsWith('ab'), ['ab', 'abc', 'abd']],
    [WhereConditions.beginsWith('a'), SORTED.filter((k) => k.startsWith('a'))],
    [WhereConditions.beginsWith('a!'), ['a!~']],
    [WhereConditions.beginsWith(''), SORTED],
    [WhereConditions.between('ab', 'b'), range('ab', 'b')],
    [WhereConditions.between('abc', 'abd'), ['abc', 'abd']],
    [WhereConditions.between('b', 'a'), []],
    [WhereConditions.greaterThan('b'), range('b', undefined, false)],
    [WhereConditions.greaterThanEqualTo('b'), range('b', undefined)],
    [WhereConditions.lessThan('a'), range(undefined, 'a', true, false)],
    [WhereConditions.lessThanEqualTo('a'), range(undefined, 'a')],
  ];
  for (const [where, expected] of cases) {
    assert.deepEqual(await all(byKey().where(where)), expected, `${where.condition} ${where.values} ASC`);
    assert.deepEqual(await all(byKey().where(where).sort(SortOrder.DESC)), [...expected].reverse(), `${where.condition} ${where.values} DESC`);
  }
  assert.deepEqual(range('b', undefined, false), ['b c', 'x!i!y', 'é', '😀']);
  // @forge/api's names (@forge/storage's) are the same conditions.
  const legacy = storage.entity('job').query().index('by-key');
  assert.deepEqual(await all(legacy.where(ApiWhere.isGreaterThan('b'))), range('b', undefined, false));
  assert.deepEqual(await all(legacy.where(ApiWhere.between(['abc', 'abd']))), ['abc', 'abd']);
  assert.deepEqual(await all(legacy.where(ApiWhere.equalsTo('a~'))), ['a~']);
});

test('limit and cursor page through by-key without repeats or gaps, in both orders', async () => {
  const host = fresh();
  const many = Array.from({ length: 250 }, (_, i) => `k${String((i * 37) % 250).padStart(3, '0')}`);
  await seed(jobs, many);
  const sorted = [...many].sort();
  for (const [sort, expected] of [
    [SortOrder.ASC, sorted],
    [SortOrder.DESC, [...sorted].reverse()],
  ]) {
    for (const limit of [1, 7, 30, 100]) {
      const seen = [];
      let cursor;
      let pages = 0;
      do {
        const page = await byKey().sort(sort).limit(limit).cursor(cursor).getMany();
        assert.ok(page.results.length <= limit);
        assert.ok(page.results.length > 0, 'no empty page before the end');
        seen.push(...keys(page));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined && pages < 300);
      assert.deepEqual(seen, expected, `${sort} limit ${limit}`);
      assert.equal(pages, Math.ceil(250 / limit), `${sort} limit ${limit}`);
    }
  }
  // With a where range and a filter: pages of the range's matches only.
  for (const sort of [SortOrder.ASC, SortOrder.DESC]) {
    const seen = [];
    let cursor;
    do {
      const page = await byKey()
        .where(WhereConditions.between('k050', 'k149'))
        .andFilter('size', FilterConditions.greaterThanEqualTo(100))
        .sort(sort)
        .limit(9)
        .cursor(cursor)
        .getMany();
      assert.ok(page.results.length <= 9);
      seen.push(...keys(page));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const sizeOf = (key) => many.indexOf(key);
    const expected = sorted.filter((k) => k >= 'k050' && k <= 'k149' && sizeOf(k) >= 100);
    assert.ok(expected.length > 20 && expected.length < 100);
    assert.deepEqual(seen, sort === SortOrder.ASC ? expected : [...expected].reverse(), sort);
  }
  // An ascending page reads items through the scan alone: no item re-read.
  const get = host.storage.get;
  let gets = 0;
  host.storage.get = (key) => {
    gets += 1;
    return get(key);
  };
  await byKey().limit(50).getMany();
  await byKey().sort(SortOrder.DESC).limit(50).getMany();
  assert.equal(gets, 0);
});

test('getOne answers the first key of the range in the order asked', async () => {
  fresh();
  await seed(jobs, KEYS);
  // '!' (0x21) sorts below every other character the keys hold.
  assert.deepEqual(await byKey().getOne(), { key: '!ce!job!i!a', value: { owner: 'o1', size: 13 } });
  assert.equal((await byKey().sort(SortOrder.DESC).getOne()).key, '😀');
  assert.equal((await byKey().where(WhereConditions.beginsWith('b')).getOne()).key, 'b');
  assert.equal((await byKey().where(WhereConditions.beginsWith('ab')).sort(SortOrder.DESC).getOne()).key, 'abd');
  assert.equal(await byKey().where(WhereConditions.beginsWith('q')).getOne(), undefined);
  assert.equal(await byKey().where(WhereConditions.beginsWith('q')).sort(SortOrder.DESC).getOne(), undefined);
});

test('filters apply to by-key as to any index, and a filtered page is full', async () => {
  fresh();
  await seed(jobs, KEYS);
  const owned = (owner) => SORTED.filter((k) => KEYS.indexOf(k) % 3 === Number(owner.slice(1)));
  assert.deepEqual(await all(byKey().andFilter('owner', FilterConditions.equalTo('o0'))), owned('o0'));
  assert.deepEqual(
    await all(byKey().orFilter('owner', FilterConditions.equalTo('o0')).orFilter('owner', FilterConditions.equalTo('o2'))),
    SORTED.filter((k) => KEYS.indexOf(k) % 3 !== 1),
  );
  const small = new Filter().and('size', FilterConditions.lessThan(5)).and('owner', FilterConditions.notEqualTo('o1'));
  assert.deepEqual(
    await all(byKey().filters(small)),
    SORTED.filter((k) => KEYS.indexOf(k) < 5 && KEYS.indexOf(k) % 3 !== 1),
  );
  for (const sort of [SortOrder.ASC, SortOrder.DESC]) {
    const expected = sort === SortOrder.ASC ? owned('o2') : [...owned('o2')].reverse();
    const first = await byKey().andFilter('owner', FilterConditions.equalTo('o2')).sort(sort).limit(2).getMany();
    assert.deepEqual(keys(first), expected.slice(0, 2), sort);
    const second = await byKey().andFilter('owner', FilterConditions.equalTo('o2')).sort(sort).limit(100).cursor(first.nextCursor).getMany();
    assert.deepEqual(keys(second), expected.slice(2), sort);
  }
  await assert.rejects(
    byKey().andFilter('size', FilterConditions.exists()).orFilter('size', FilterConditions.exists()).getMany(),
    /not both/,
  );
});

test('an entity with declared indexes has by-key too, beside them', async () => {
  const host = fresh();
  const employees = kvs.entity('employee');
  await employees.set('e2', { surname: 'Hopper', age: 85, team: 'navy' });
  await employees.set('e10', { surname: 'Lovelace', age: 36, team: 'eng' });
  await employees.set('e1', { surname: 'Turing', age: 41, team: 'eng' });
  assert.deepEqual(await all(byKey(employees)), ['e1', 'e10', 'e2']);
  assert.deepEqual(await all(byKey(employees).sort(SortOrder.DESC)), ['e2', 'e10', 'e1']);
  assert.deepEqual(await all(byKey(employees).where(WhereConditions.beginsWith('e1'))), ['e1', 'e10']);
  assert.deepEqual(await all(byKey(employees).andFilter('team', FilterConditions.equalTo('eng'))), ['e1', 'e10']);
  // The declared ones answer as before.
  assert.deepEqual(await all(employees.query().index('surname')), ['e2', 'e10', 'e1']);
  assert.deepEqual(await all(employees.query().index('by-team-age', { partition: ['eng'] })), ['e10', 'e1']);
  // And by-key has no entries of its own.
  assert.ok(![...host.data.keys()].some((k) => k.includes('by-key')));
  // A delete leaves it at once.
  await employees.delete('e10');
  assert.deepEqual(await all(byKey(employees)), ['e1', 'e2']);
});

test('by-key costs a set nothing and lists items stored before it existed', async () => {
  const host = fresh();
  await jobs.set('j1', { owner: 'ada' });
  // The item is the only key an entity without declared indexes stores.
  assert.deepEqual([...host.data.keys()], ['!ce!job!i!j1']);
  // An item an earlier Kiln stored is the same key: by-key reads it as is.
  host.storage.set('!ce!job!i!j0', JSON.stringify({ owner: 'earlier' }));
  assert.deepEqual((await byKey().getMany()).results, [
    { key: 'j0', value: { owner: 'earlier' } },
    { key: 'j1', value: { owner: 'ada' } },
  ]);
  // What get cannot read is no result: a key it refuses, which only a raw
  // write into the layer's keys can store.
  host.storage.set('!ce!job!i! ', JSON.stringify({ owner: 'raw' }));
  assert.deepEqual(await all(byKey()), ['j0', 'j1']);
  assert.deepEqual(await all(byKey().sort(SortOrder.DESC)), ['j1', 'j0']);
  // Metadata, when asked for, is the item's.
  const [first] = (await jobs.query({ metadataFields: [MetadataField.CREATED_AT] }).index('by-key').getMany()).results;
  assert.equal(typeof first.createdAt, 'number');
  assert.deepEqual(Object.keys(first), ['key', 'value', 'createdAt']);
});

test("entities whose names are prefixes of each other never see each other's keys", async () => {
  fresh();
  const entities = [kvs.entity('job'), kvs.entity('jobs'), kvs.entity('jobs.old')];
  // Keys that spell another entity's item prefix, and the same keys in each.
  const shared = ['a', 's!i!a', '!i!a', 'i!a', 's.old!i!a'];
  for (const [n, entity] of entities.entries()) {
    for (const key of [...shared, `only${n}`]) {
      await entity.set(key, { owner: `entity${n}` });
    }
  }
  for (const [n, entity] of entities.entries()) {
    const expected = [...shared, `only${n}`].sort();
    for (const sort of [SortOrder.ASC, SortOrder.DESC]) {
      const page = await byKey(entity).sort(sort).limit(100).getMany();
      assert.deepEqual(keys(page), sort === SortOrder.ASC ? expected : [...expected].reverse(), `entity ${n} ${sort}`);
      assert.ok(page.results.every((r) => r.value.owner === `entity${n}`), `entity ${n} ${sort}`);
    }
    for (const prefix of ['s', '!', 's!i', 's.old']) {
      const page = await byKey(entity).where(WhereConditions.beginsWith(prefix)).limit(100).getMany();
      assert.deepEqual(keys(page), expected.filter((k) => k.startsWith(prefix)), `entity ${n} beginsWith ${prefix}`);
      assert.ok(page.results.every((r) => r.value.owner === `entity${n}`));
    }
    assert.deepEqual(await all(byKey(entity).where(WhereConditions.equalTo(`only${(n + 1) % 3}`))), []);
  }
  // Nor does the key-value store list them.
  assert.deepEqual((await kvs.query().getMany()).results, []);
});

test('by-key query mistakes reject with the reason', async () => {
  fresh();
  await seed(jobs, ['a', 'b']);
  // The unknown-index message lists by-key, declared indexes or not.
  await assert.rejects(jobs.query().index('nope').getMany(), /custom entity job has no index "nope" \(indexes: by-key\)/);
  await assert.rejects(
    kvs.entity('employee').query().index('by_key').getMany(),
    /has no index "by_key" \(indexes: by-key, surname, by-team-age\)/,
  );
  await assert.rejects(jobs.query().index('by-key', { partition: ['a'] }).getMany(), /index by-key has no partition/);
  await assert.rejects(byKey().where(WhereConditions.equalTo(1)).getMany(), /where EQUAL_TO compares the key \(string\): expected a string, got number 1/);
  await assert.rejects(byKey().where(WhereConditions.between('a', 2)).getMany(), /expected a string/);
  await assert.rejects(byKey().where(WhereConditions.beginsWith('a\uD800')).getMany(), /lone surrogate/);
  await assert.rejects(byKey().limit(0).getMany(), /limit is 1-100/);
  // Cursors are refused as the host refuses one it never returned: each
  // order's cursor is its own.
  for (const sort of [SortOrder.ASC, SortOrder.DESC]) {
    for (const forged of ['forged', 'd1.', 'd1.6', 'd1.zz', `d1.${'61'.repeat(2001)}`]) {
      const error = await byKey().sort(sort).cursor(forged).getMany().catch((e) => e);
      assert.ok(error instanceof StorageError, `${sort} ${forged.slice(0, 10)}: ${error}`);
      assert.equal(error.code, 'INVALID_CURSOR');
    }
  }
  const asc = await byKey().limit(1).getMany();
  const desc = await byKey().sort(SortOrder.DESC).limit(1).getMany();
  await assert.rejects(byKey().sort(SortOrder.DESC).cursor(asc.nextCursor).getMany(), { code: 'INVALID_CURSOR' });
  await assert.rejects(byKey().cursor(desc.nextCursor).getMany(), { code: 'INVALID_CURSOR' });
  // A where value no key can hold (a NUL, longer than a key) matches nothing, without an error.
  assert.deepEqual(await all(byKey().where(WhereConditions.equalTo('a\u0000b'))), []);
  assert.deepEqual(await all(byKey().where(WhereConditions.beginsWith('a'.repeat(600)))), []);
  assert.deepEqual(await all(byKey().where(WhereConditions.between('a', `a${'z'.repeat(600)}`))), ['a']);
});

test('a declared index named by-key (refused by the manifest) never shadows the key index', async () => {
  const host = fakeHost();
  installHost(host);
  installEntities([{ name: 'legacy', attributes: { 'by-key': { type: 'integer' } }, indexes: ['by-key'] }]);
  const legacy = kvs.entity('legacy');
  await legacy.set('b', { 'by-key': 1 });
  await legacy.set('a', { 'by-key': 2 });
  assert.deepEqual(await all(byKey(legacy)), ['a', 'b']);
  assert.deepEqual([...host.data.keys()].sort(), ['!ce!legacy!i!a', '!ce!legacy!i!b']);
});
