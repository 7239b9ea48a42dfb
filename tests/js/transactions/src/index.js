// Forge's kvs.transact() on Kiln: each handler drives transactions through
// Kiln's Forge layer and the host's `kiln:app/storage.transact`, and
// reports what it observed; tests/tests/forge_transactions.rs checks the
// reports against Forge's documented behaviour.

import { kvs, Filter, FilterConditions, WhereConditions } from '@forge/kvs';

const accounts = kvs.entity('account');

function describe(error) {
  return {
    name: error?.name,
    className: error?.constructor?.name,
    code: error?.code,
    message: error?.message ?? String(error),
  };
}

async function outcome(attempt) {
  try {
    return { ok: (await attempt()) ?? null };
  } catch (error) {
    return { err: describe(error) };
  }
}

const balanceIs = (balance) => new Filter().and('balance', FilterConditions.equalTo(balance));

/** Key-value and entity writes, and deletes, in one transaction. */
export async function commit() {
  await kvs.set('old', 'to be deleted');
  const committed = await outcome(() =>
    kvs
      .transact()
      .set('a', { n: 1 })
      .set('b', ['two'])
      .delete('old')
      .delete('never-there')
      .set('carol', { owner: 'carol', balance: 5 }, { entityName: 'account' })
      .execute(),
  );
  const byBalance = await accounts.query().index('by-balance').where(WhereConditions.equalTo(5)).getMany();
  return {
    committed,
    a: (await kvs.get('a')) ?? null,
    b: (await kvs.get('b')) ?? null,
    old: (await kvs.get('old')) ?? null,
    carol: (await accounts.get('carol')) ?? null,
    byBalance: byBalance.results.map((r) => r.key),
  };
}

/** A transaction one of whose conditions does not hold: nothing of it is written. */
export async function failing() {
  await accounts.set('alice', { owner: 'alice', balance: 10 });
  await accounts.set('dave', { owner: 'dave', balance: 1 });
  // Alice's condition holds; dave's check does not.
  const refused = await outcome(() =>
    kvs
      .transact()
      .set('plain', 'never')
      .set('alice', { owner: 'alice', balance: 0 }, { entityName: 'account', conditions: balanceIs(10) })
      .set('bob', { owner: 'bob', balance: 10 }, { entityName: 'account' })
      .check('dave', { entityName: 'account', conditions: balanceIs(999) })
      .execute(),
  );
  const afterRefusal = {
    plain: (await kvs.get('plain')) ?? null,
    alice: (await accounts.get('alice')) ?? null,
    bob: (await accounts.get('bob')) ?? null,
  };
  // `alice` twice (set and check) is refused before any condition is read.
  const duplicate = await outcome(() =>
    kvs
      .transact()
      .set('alice', { owner: 'alice', balance: 0 }, { entityName: 'account' })
      .check('alice', { entityName: 'account', conditions: balanceIs(10) })
      .execute(),
  );
  const conditional = await outcome(() =>
    kvs
      .transact()
      .set('plain', 'written')
      .set('alice', { owner: 'alice', balance: 0 }, { entityName: 'account', conditions: balanceIs(10) })
      .execute(),
  );
  return {
    refused,
    duplicate,
    afterRefusal,
    conditional,
    plain: (await kvs.get('plain')) ?? null,
    alice: (await accounts.get('alice')) ?? null,
    bob: (await accounts.get('bob')) ?? null,
  };
}

/** Forge's limits, refused whole before any storage call. */
export async function limits() {
  const tooMany = kvs.transact();
  for (let i = 0; i < 26; i += 1) tooMany.set(`k${i}`, i);
  return {
    tooMany: await outcome(() => tooMany.execute()),
    duplicate: await outcome(() => kvs.transact().set('k', 1).delete('k').execute()),
    keyPolicy: await outcome(() => kvs.transact().set('k', 1, undefined, { keyPolicy: 'FAIL_IF_EXISTS' }).execute()),
    badTtl: await outcome(() => kvs.transact().set('k', 1, undefined, { ttl: { value: 0, unit: 'SECONDS' } }).execute()),
  };
}

export async function seed({ owners, balance }) {
  for (const owner of owners) {
    await accounts.set(owner, { owner, balance });
  }
  return null;
}

/**
 * Moves `amount` from one account to another: reads both, then sets both
 * on condition that neither changed; another transfer committing in
 * between fails the condition, and the transfer reads again.
 */
export async function transfer({ from, to, amount }) {
  for (let attempt = 1; attempt <= 50; attempt += 1) {
    const source = await accounts.get(from);
    const target = await accounts.get(to);
    const tried = await outcome(() =>
      kvs
        .transact()
        .set(from, { owner: from, balance: source.balance - amount }, { entityName: 'account', conditions: balanceIs(source.balance) })
        .set(to, { owner: to, balance: target.balance + amount }, { entityName: 'account', conditions: balanceIs(target.balance) })
        .execute(),
    );
    if (tried.ok !== undefined) return { attempts: attempt };
    if (tried.err.code !== 'CONDITION_FAILED') return tried;
  }
  return { err: { message: 'gave up after 50 attempts' } };
}

export async function balances({ owners }) {
  const found = {};
  for (const owner of owners) {
    found[owner] = (await accounts.get(owner))?.balance ?? null;
  }
  const indexed = await accounts.query().index('by-balance').limit(100).getMany();
  return { found, indexed: indexed.results.map((r) => [r.key, r.value.balance]) };
}
