// `kvs.transact()` against Forge's documented behaviour (the builder of
// @forge/kvs 1.6, 25 operations, 4 MB, each key once, `delete` of an absent
// key succeeds, entity conditions) and Kiln's way of doing it: one
// `storage.transact` call per attempt, entity conditions evaluated in the
// layer and pinned to the versions read, retried when a key changed.

import test from 'node:test';
import assert from 'node:assert/strict';

import { kvs, Filter, FilterConditions, WhereConditions, StorageError, ForgeKvsAPIError, ForgeKvsError } from '../src/kvs.js';
import { installEntities } from '../src/entity.js';
import { installHost } from '../src/host.js';
import { MAX_OPERATIONS } from '../src/transaction.js';
import { fakeHost, WitError } from './fake-host.js';

const ENTITIES = [
  {
    name: 'account',
    attributes: { owner: { type: 'string' }, balance: { type: 'integer' } },
    indexes: [{ name: 'by-balance', range: ['balance'] }],
  },
];

/** A fake host whose storage calls are counted by name. */
function fresh() {
  const host = fakeHost();
  const calls = [];
  const storage = {};
  for (const name of Object.keys(host.storage)) {
    // Looked up at each call, so a test can replace a host function.
    storage[name] = (...args) => {
      calls.push(name);
      return host.storage[name](...args);
    };
  }
  installHost({ ...host, storage });
  installEntities(ENTITIES);
  return { host, calls, raw: host.storage };
}

const stored = (host, key) => (host.data.has(key) ? JSON.parse(host.data.get(key).value) : undefined);
const balanceIs = (n) => new Filter().and('balance', FilterConditions.equalTo(n));

test("Forge's builder: sets and deletes of plain keys commit in one host call, in the app's order", async () => {
  const { host, calls } = fresh();
  await kvs.set('gone', 'soon');
  calls.length = 0;
  const builder = kvs.transact();
  assert.equal(builder.set('a', { n: 1 }), builder);
  const result = await builder.delete('gone').delete('never-there').set('b', [true, 'x']).execute();
  assert.equal(result, undefined);
  assert.deepEqual(calls, ['transact']);
  assert.deepEqual(host.transactions[0], [
    { key: 'a', action: { tag: 'set', val: '{"n":1}' }, expected: undefined },
    { key: 'gone', action: { tag: 'delete' }, expected: undefined },
    { key: 'never-there', action: { tag: 'delete' }, expected: undefined },
    { key: 'b', action: { tag: 'set', val: '[true,"x"]' }, expected: undefined },
  ]);
  assert.deepEqual(await kvs.get('a'), { n: 1 });
  assert.deepEqual(await kvs.get('b'), [true, 'x']);
  assert.equal(await kvs.get('gone'), undefined);
  // Both sets were stored at the transaction's one version.
  assert.equal(host.data.get('a').version, host.data.get('b').version);
});

test('nothing is checked or sent before execute(), as with Forge', async () => {
  const { calls } = fresh();
  const builder = kvs.transact().set('x', undefined).check('y', { entityName: 'account' });
  assert.deepEqual(calls, []);
  await assert.rejects(builder.execute(), TypeError);
  assert.deepEqual(calls, []);
});

test(`more than ${MAX_OPERATIONS} operations: refused whole before any host call`, async () => {
  const { host, calls } = fresh();
  const builder = kvs.transact();
  for (let i = 0; i <= MAX_OPERATIONS; i += 1) builder.set(`k${i}`, i);
  const error = await builder.execute().catch((e) => e);
  assert.ok(error instanceof StorageError && error instanceof ForgeKvsAPIError, String(error));
  assert.equal(error.code, 'INVALID_TRANSACTION');
  assert.match(error.message, /at most 25 operations, this one 26; nothing was written/);
  assert.deepEqual(calls, []);
  assert.equal(host.data.size, 0);
  // 25 is allowed.
  const full = kvs.transact();
  for (let i = 0; i < MAX_OPERATIONS; i += 1) full.set(`k${i}`, i);
  await full.execute();
  assert.equal(host.data.size, MAX_OPERATIONS);
});

test('a key named twice (even once set, once deleted) is refused before any host call; a kvs key and an entity key of one name are two keys', async () => {
  const { host, calls } = fresh();
  await assert.rejects(kvs.transact().set('a', 1).delete('a').execute(), {
    code: 'INVALID_TRANSACTION',
    message: /key "a" is named twice/,
  });
  await assert.rejects(
    kvs
      .transact()
      .set('acct', { balance: 1 }, { entityName: 'account' })
      .delete('acct', { entityName: 'account' })
      .execute(),
    { code: 'INVALID_TRANSACTION', message: /"acct" of custom entity account is named twice/ },
  );
  assert.deepEqual(calls, []);
  await kvs.transact().set('acct', 1).set('acct', { balance: 1 }, { entityName: 'account' }).execute();
  assert.equal(await kvs.get('acct'), 1);
  assert.deepEqual(await kvs.entity('account').get('acct'), { balance: 1 });
  assert.equal(host.transactions.length, 1);
});

test('an empty transaction and one over 4 MB are refused before any host call', async () => {
  const { calls } = fresh();
  await assert.rejects(kvs.transact().execute(), { code: 'INVALID_TRANSACTION', message: /at least one operation/ });
  const big = 'x'.repeat(200 * 1024);
  const builder = kvs.transact();
  for (let i = 0; i < 21; i += 1) builder.set(`big${i}`, big);
  await assert.rejects(builder.execute(), { code: 'INVALID_TRANSACTION', message: /at most 4194304 bytes of values, this one 43\d+/ });
  assert.deepEqual(calls, []);
});

test('set options Kiln cannot honour are refused as set() refuses them, nothing sent', async () => {
  const { host, calls } = fresh();
  const error = await kvs.transact().set('a', 1).set('b', 2, undefined, { keyPolicy: 'FAIL_IF_EXISTS' }).execute().catch((e) => e);
  assert.ok(error instanceof ForgeKvsError, String(error));
  assert.equal(error.code, 'UNSUPPORTED_OPTION');
  assert.match(error.message, /transact\(\)\.set\(\) with keyPolicy/);
  assert.deepEqual(calls, []);
  assert.equal(host.data.size, 0);
});

test('entity operations are checked as kvs.entity() checks them, before any host call', async () => {
  const { calls } = fresh();
  await assert.rejects(kvs.transact().set('a', { balance: 1.5 }, { entityName: 'account' }).execute(), {
    code: 'INVALID_ATTRIBUTE_VALUE',
  });
  await assert.rejects(kvs.transact().delete('a', { entityName: 'nope' }).execute(), { code: 'ENTITY_NOT_DECLARED' });
  await assert.rejects(kvs.transact().check('a', { entityName: 'account' }).execute(), { code: 'INVALID_CONDITIONS' });
  await assert.rejects(kvs.transact().check('a', { entityName: 'account', conditions: new Filter() }).execute(), {
    message: 'Builder must have at least one condition set',
  });
  await assert.rejects(kvs.transact().check('a', undefined).execute(), { code: 'INVALID_CONDITIONS' });
  assert.deepEqual(calls, []);
});

test('conditions that hold: the items commit together, pinned to the versions read, and their indexes follow', async () => {
  const { host } = fresh();
  await kvs.entity('account').set('alice', { owner: 'alice', balance: 10 });
  await kvs.entity('account').set('bob', { owner: 'bob', balance: 0 });
  const aliceVersion = host.data.get('!ce!account!i!alice').version;
  await assert.rejects(
    kvs
      .transact()
      .set('alice', { owner: 'alice', balance: 7 }, { entityName: 'account', conditions: balanceIs(10) })
      .set('bob', { owner: 'bob', balance: 3 }, { entityName: 'account', conditions: balanceIs(0) })
      .check('alice-audit', { entityName: 'account', conditions: new Filter().and('balance', FilterConditions.notExists()) })
      .execute(),
    { code: 'CONDITION_FAILED', kilnError: { tag: 'condition-failed', val: 2 } },
  );
  // The check named an absent item: nothing was written, nothing sent.
  assert.equal(host.transactions.length, 0);
  assert.deepEqual(await kvs.entity('account').get('alice'), { owner: 'alice', balance: 10 });

  await kvs
    .transact()
    .set('alice', { owner: 'alice', balance: 7 }, { entityName: 'account', conditions: balanceIs(10) })
    .set('bob', { owner: 'bob', balance: 3 }, { entityName: 'account', conditions: balanceIs(0) })
    .set('carol', { owner: 'carol', balance: 1 }, { entityName: 'account', conditions: new Filter().and('balance', FilterConditions.notExists()) })
    .execute();
  const sent = host.transactions[0];
  assert.deepEqual(sent[0].expected, { tag: 'version', val: aliceVersion });
  assert.deepEqual(sent[2].expected, { tag: 'absent' });
  assert.deepEqual(await kvs.entity('account').get('bob'), { owner: 'bob', balance: 3 });
  const rich = await kvs.entity('account').query().index('by-balance').where(WhereConditions.greaterThanEqualTo(3)).getMany();
  assert.deepEqual(
    rich.results.map((r) => r.key),
    ['bob', 'alice'],
  );
  // The old entries (alice at 10, bob at 0) were deleted once the items committed.
  const entries = [...host.data.keys()].filter((k) => k.includes('!x!'));
  assert.equal(entries.length, 6, entries.join('\n'));
});

test('a condition that does not hold fails the whole transaction with CONDITION_FAILED, nothing written', async () => {
  const { host } = fresh();
  await kvs.entity('account').set('alice', { owner: 'alice', balance: 10 });
  const before = new Map(host.data);
  const error = await kvs
    .transact()
    .set('plain', 'never')
    .set('bob', { owner: 'bob', balance: 10 }, { entityName: 'account', conditions: new Filter().and('balance', FilterConditions.notExists()) })
    .delete('carol', { entityName: 'account' })
    .check('alice', { entityName: 'account', conditions: new Filter().and('owner', FilterConditions.beginsWith('b')) })
    .execute()
    .catch((e) => e);
  assert.ok(error instanceof ForgeKvsAPIError, String(error));
  assert.equal(error.code, 'CONDITION_FAILED');
  assert.deepEqual(error.kilnError, { tag: 'condition-failed', val: 3 });
  assert.match(error.message, /operation 3 \(check "alice" of custom entity account\)/);
  assert.equal(host.transactions.length, 0);
  assert.deepEqual(host.data, before);

  // `or` conditions, and a conditional delete.
  await kvs
    .transact()
    .delete('alice', { entityName: 'account', conditions: new Filter().or('balance', FilterConditions.lessThan(0)).or('owner', FilterConditions.equalTo('alice')) })
    .execute();
  assert.equal(await kvs.entity('account').get('alice'), undefined);
  assert.equal([...host.data.keys()].length, 0);
});

test('a key that changes between the read and the commit is read again: a condition still true commits, one now false fails', async () => {
  const { host, raw } = fresh();
  await kvs.entity('account').set('alice', { owner: 'alice', balance: 10 });
  // Another invocation writes alice just before this one's first commit.
  let interfering;
  let interfere = (ops) => {
    interfering = raw.set(ops[0].key, JSON.stringify({ owner: 'alice', balance: 20 }));
  };
  const transact = raw.transact;
  raw.transact = (ops) => {
    interfere?.(ops);
    interfere = undefined;
    return transact(ops);
  };
  await kvs
    .transact()
    .set('alice', { owner: 'alice', balance: 5 }, { entityName: 'account', conditions: new Filter().and('balance', FilterConditions.greaterThan(1)) })
    .set('log', 'paid')
    .execute();
  assert.equal(host.transactions.length, 2);
  // The second attempt pinned the version of the other write, which it read.
  assert.deepEqual(host.transactions[1][0].expected, { tag: 'version', val: interfering });
  assert.deepEqual(await kvs.entity('account').get('alice'), { owner: 'alice', balance: 5 });
  assert.equal(await kvs.get('log'), 'paid');

  interfere = (ops) => raw.set(ops[0].key, JSON.stringify({ owner: 'alice', balance: 1 }));
  await assert.rejects(
    kvs
      .transact()
      .set('alice', { owner: 'alice', balance: 0 }, { entityName: 'account', conditions: new Filter().and('balance', FilterConditions.greaterThan(1)) })
      .set('log', 'paid twice')
      .execute(),
    { code: 'CONDITION_FAILED' },
  );
  assert.deepEqual(await kvs.entity('account').get('alice'), { owner: 'alice', balance: 1 });
  assert.equal(await kvs.get('log'), 'paid');
});

test('a key that never stops changing: a bounded number of attempts, then CONFLICT, nothing written', async () => {
  const { host, raw } = fresh();
  await kvs.entity('account').set('alice', { owner: 'alice', balance: 10 });
  const transact = raw.transact;
  let n = 0;
  raw.transact = (ops) => {
    n += 1;
    raw.set(ops[0].key, JSON.stringify({ owner: 'alice', balance: 10 + n }));
    return transact(ops);
  };
  const error = await kvs
    .transact()
    .set('alice', { owner: 'alice', balance: 0 }, { entityName: 'account' })
    .set('other', 1)
    .execute()
    .catch((e) => e);
  assert.ok(error instanceof ForgeKvsError);
  assert.equal(error.code, 'CONFLICT');
  assert.equal(n, 8);
  assert.equal(await kvs.get('other'), undefined);
  assert.equal(host.transactions.length, 8);
});

test('transfers between counters conserve their sum when another transfer commits in between', async () => {
  const { raw } = fresh();
  for (const owner of ['a', 'b', 'c']) await kvs.entity('account').set(owner, { owner, balance: 100 });
  const transfer = async (from, to, amount) => {
    const source = await kvs.entity('account').get(from);
    const target = await kvs.entity('account').get(to);
    await kvs
      .transact()
      .set(from, { owner: from, balance: source.balance - amount }, { entityName: 'account', conditions: balanceIs(source.balance) })
      .set(to, { owner: to, balance: target.balance + amount }, { entityName: 'account', conditions: balanceIs(target.balance) })
      .execute();
  };
  // b -> c commits (through the raw host, as another invocation would)
  // while a -> b is between its reads and its commit.
  const transact = raw.transact;
  raw.transact = (ops) => {
    raw.transact = transact;
    const b = raw.get('!ce!account!i!b');
    const c = raw.get('!ce!account!i!c');
    const [from, to] = [JSON.parse(b.value), JSON.parse(c.value)];
    transact([
      { key: b.key, action: { tag: 'set', val: JSON.stringify({ ...from, balance: from.balance - 30 }) }, expected: { tag: 'version', val: b.version } },
      { key: c.key, action: { tag: 'set', val: JSON.stringify({ ...to, balance: to.balance + 30 }) }, expected: { tag: 'version', val: c.version } },
    ]);
    return transact(ops);
  };
  const first = await transfer('a', 'b', 10).catch((e) => e);
  // a -> b read b at 100, which b -> c changed: the condition fails, a -> b writes nothing.
  assert.equal(first?.code, 'CONDITION_FAILED');
  const balances = await Promise.all(['a', 'b', 'c'].map(async (k) => (await kvs.entity('account').get(k)).balance));
  assert.deepEqual(balances, [100, 70, 130]);
  await transfer('a', 'b', 10);
  const after = await Promise.all(['a', 'b', 'c'].map(async (k) => (await kvs.entity('account').get(k)).balance));
  assert.deepEqual(after, [90, 80, 130]);
  assert.equal(after.reduce((x, y) => x + y), 300);
});

test("the host's refusals map to StorageError (ForgeKvsAPIError) with Kiln's case, as every storage call's do", async () => {
  const { raw } = fresh();
  for (const [payload, code] of [
    [{ tag: 'quota-exceeded', val: 'installation storage full' }, 'QUOTA_EXCEEDED'],
    [{ tag: 'invalid-transaction', val: 'more bytes than allowed' }, 'INVALID_TRANSACTION'],
    [{ tag: 'invalid-key', val: 'too long' }, 'INVALID_KEY'],
    [{ tag: 'scope-denied' }, 'SCOPE_DENIED'],
    [{ tag: 'unavailable', val: 'backend down' }, 'UNAVAILABLE'],
  ]) {
    raw.transact = () => {
      throw new WitError(payload);
    };
    const error = await kvs.transact().set('a', 1).execute().catch((e) => e);
    assert.ok(error instanceof StorageError && error instanceof ForgeKvsAPIError, String(error));
    assert.equal(error.code, code);
    assert.deepEqual(error.kilnError, payload);
  }
});
