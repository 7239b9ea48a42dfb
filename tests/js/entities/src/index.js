// Forge custom entities on Kiln: each handler drives `kvs.entity` through
// Kiln's Forge layer and the host's `kiln:app/storage`, and reports what it
// observed; tests/tests/forge_entities.rs checks the reports against
// Forge's documented behaviour.

import { kvs, WhereConditions, FilterConditions, SortOrder } from '@forge/kvs';

const employees = kvs.entity('employee');
const keys = (page) => page.results.map((r) => r.key);

function describe(error) {
  return { name: error?.name, code: error?.code, message: error?.message ?? String(error) };
}

async function outcome(attempt) {
  try {
    return { ok: (await attempt()) ?? null };
  } catch (error) {
    return { err: describe(error) };
  }
}

async function seed(rows) {
  for (const [key, value] of rows) {
    await employees.set(key, value);
  }
}

export async function crud() {
  const value = { surname: 'Lovelace', age: 36, rating: 4.5, team: 'eng', active: true, profile: { langs: ['ada'] } };
  await employees.set('e1', value);
  const stored = await employees.get('e1');
  const missing = (await employees.get('missing')) ?? null;
  const plainKeys = (await kvs.query().limit(100).getMany()).results.map((r) => r.key);
  await employees.delete('e1');
  const afterDelete = (await employees.get('e1')) ?? null;
  const byAge = keys(await employees.query().index('by-age').getMany());
  return { stored, missing, plainKeys, afterDelete, byAge };
}

export async function types() {
  const attempts = {
    fractionalInteger: { age: 1.5 },
    integerOver32Bits: { age: 2 ** 31 },
    stringForInteger: { age: '36' },
    infiniteFloat: { rating: 1e308 * 10 },
    hugeFloat: { rating: 1e200 },
    numberForString: { surname: 42 },
    textForBoolean: { active: 'yes' },
    array: [1, 2],
  };
  const report = {};
  for (const [name, value] of Object.entries(attempts)) {
    report[name] = await outcome(() => employees.set('t', value));
  }
  report.emptyKey = await outcome(() => employees.set('', { age: 1 }));
  report.longKey = await outcome(() => employees.set('k'.repeat(490), { age: 1 }));
  report.longIndexEntry = await outcome(() => employees.set('t', { surname: 'é'.repeat(200) }));
  report.stored = (await employees.get('t')) ?? null;
  report.ok = await outcome(() => employees.set('t', { age: -7, rating: -0.5, nickname: 'undeclared is kept' }));
  report.after = await employees.get('t');
  return report;
}

export async function undeclared() {
  const ghost = kvs.entity('ghost');
  return {
    get: await outcome(() => ghost.get('k')),
    set: await outcome(() => ghost.set('k', { age: 1 })),
    query: await outcome(() => ghost.query().index('by-age').getMany()),
    noIndex: await outcome(() => employees.query().index('nope').getMany()),
    noIndexNamed: await outcome(() => employees.query().getMany()),
  };
}

export async function conditions() {
  await seed([
    ['a', { age: -40 }],
    ['b', { age: -3 }],
    ['c', { age: 0 }],
    ['d', { age: 7 }],
    ['e', { age: 30 }],
    ['f', { age: 31 }],
    ['g', { age: 2147483647 }],
    ['h', { age: -2147483648 }],
  ]);
  const run = async (where, sort) => keys(await employees.query().index('by-age').where(where).sort(sort).limit(100).getMany());
  const cases = {
    equalTo: WhereConditions.equalTo(30),
    between: WhereConditions.between(-3, 30),
    greaterThan: WhereConditions.greaterThan(0),
    greaterThanEqualTo: WhereConditions.greaterThanEqualTo(0),
    lessThan: WhereConditions.lessThan(0),
    lessThanEqualTo: WhereConditions.lessThanEqualTo(-3),
  };
  const report = {};
  for (const [name, where] of Object.entries(cases)) {
    report[name] = { asc: await run(where, SortOrder.ASC), desc: await run(where, SortOrder.DESC) };
  }
  report.all = {
    asc: keys(await employees.query().index('by-age').limit(100).getMany()),
    desc: keys(await employees.query().index('by-age').sort(SortOrder.DESC).limit(100).getMany()),
  };
  for (const [i, surname] of ['ab', 'abc', 'abd', 'a', 'b', 'é', '😀'].entries()) {
    await employees.set(`s${i}`, { surname });
  }
  const surnames = async (query) => (await query.limit(100).getMany()).results.map((r) => r.value.surname);
  report.beginsWith = {
    asc: await surnames(employees.query().index('surname').where(WhereConditions.beginsWith('ab'))),
    desc: await surnames(employees.query().index('surname').where(WhereConditions.beginsWith('ab')).sort(SortOrder.DESC)),
  };
  report.stringsGreaterThan = await surnames(employees.query().index('surname').where(WhereConditions.greaterThan('b')));
  report.getOne = await employees.query().index('by-age').where(WhereConditions.greaterThan(30)).getOne();
  return report;
}

export async function orders() {
  const ratings = [1e125, -2.5, 0.1, -1e-130, 10, 0, 1e-130, 2.5, -1e125, 0.25, 1];
  for (const [i, rating] of ratings.entries()) {
    await employees.set(`r${i}`, { rating });
  }
  const values = async (query) => (await query.limit(100).getMany()).results.map((r) => r.value.rating);
  return {
    asc: await values(employees.query().index('by-rating')),
    desc: await values(employees.query().index('by-rating').sort(SortOrder.DESC)),
    between: await values(employees.query().index('by-rating').where(WhereConditions.between(-2.5, 0.25))),
  };
}

export async function paging() {
  for (let i = 0; i < 25; i += 1) {
    await employees.set(`p${String(i).padStart(2, '0')}`, { age: i % 5, team: 'eng' });
  }
  const report = {};
  for (const sort of [SortOrder.ASC, SortOrder.DESC]) {
    const pages = [];
    let cursor;
    do {
      const page = await employees
        .query()
        .index('by-team-age', { partition: ['eng'] })
        .sort(sort)
        .limit(7)
        .cursor(cursor)
        .getMany();
      pages.push(page.results.map((r) => `${r.value.age}:${r.key}`));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    report[sort] = pages;
  }
  // Pages after skipped entries (ages 0-2 come first in the index).
  const skipped = [];
  let cursor;
  do {
    const page = await employees.query().index('by-age').where(WhereConditions.greaterThan(2)).limit(3).cursor(cursor).getMany();
    skipped.push(page.results.map((r) => `${r.value.age}:${r.key}`));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  report.skipped = skipped;
  report.forgedCursor = await outcome(() => employees.query().index('by-age').cursor('forged').getMany());
  return report;
}

/** Partition values holding the layer's separators and their look-alikes. */
const TEAMS = ['eng', 'eng.', 'eng!', 'en', 'eng~', 'eng.2e', '656e67', 'eng\u0001', '', '.', '~', '!ce!employee!i!'];

export async function partitions() {
  for (const [i, team] of TEAMS.entries()) {
    await employees.set(`t${i}`, { team, age: i });
  }
  const seen = [];
  for (const team of TEAMS) {
    const asc = keys(await employees.query().index('by-team-age', { partition: [team] }).limit(100).getMany());
    const desc = keys(
      await employees.query().index('by-team-age', { partition: [team] }).sort(SortOrder.DESC).limit(100).getMany(),
    );
    seen.push({ team, asc, desc });
  }
  return {
    seen,
    missingPartition: await outcome(() => employees.query().index('by-team-age').getMany()),
    wrongType: await outcome(() => employees.query().index('by-team-age', { partition: [1] }).getMany()),
  };
}

export async function filters() {
  await seed([
    ['x1', { age: 1, surname: 'Hopper', profile: ['navy'], active: true }],
    ['x2', { age: 2, surname: 'Hamilton', active: false }],
    ['x3', { age: 3, surname: 'Turing', profile: 'cipher' }],
    ['x4', { age: 4, surname: 'Lamarr', active: true }],
  ]);
  const q = () => employees.query().index('by-age');
  const run = async (query) => keys(await query.limit(100).getMany());
  return {
    andEqual: await run(q().andFilter('active', FilterConditions.equalTo(true))),
    notEqual: await run(q().andFilter('active', FilterConditions.notEqualTo(true))),
    exists: await run(q().andFilter('profile', FilterConditions.exists())),
    notExists: await run(q().andFilter('profile', FilterConditions.notExists())),
    containsMember: await run(q().andFilter('profile', FilterConditions.contains('navy'))),
    containsText: await run(q().andFilter('profile', FilterConditions.contains('iph'))),
    notContains: await run(q().andFilter('surname', FilterConditions.notContains('a'))),
    beginsWith: await run(q().andFilter('surname', FilterConditions.beginsWith('Ha'))),
    andRange: await run(q().andFilter('age', FilterConditions.greaterThan(1)).andFilter('age', FilterConditions.lessThanEqualTo(3))),
    or: await run(q().orFilter('age', FilterConditions.lessThan(2)).orFilter('age', FilterConditions.greaterThanEqualTo(4))),
    mixed: await outcome(() => q().andFilter('age', FilterConditions.exists()).orFilter('age', FilterConditions.exists()).getMany()),
    filledPage: keys(await q().andFilter('active', FilterConditions.exists()).limit(2).getMany()),
  };
}

const hex = (text) => [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function stale() {
  await employees.set('w', { surname: 'Old', age: 30 });
  // What a write that stopped after its index entries and before the item
  // leaves: an entry for surname "New" (both orders), the item still "Old".
  // Written raw, through the key-value API that shares the key space.
  const inverted = (h) => [...h].map((d) => (15 - parseInt(d, 16)).toString(16)).join('');
  await kvs.set(`!ce!employee!x!surname!a!${hex('New')}.w`, true);
  await kvs.set(`!ce!employee!x!surname!d!${inverted(hex('New'))}~w`, true);
  // And an entry whose item never existed.
  await kvs.set(`!ce!employee!x!surname!a!${hex('Nobody')}.ghost`, true);
  const all = await employees.query().index('surname').limit(100).getMany();
  const allDesc = await employees.query().index('surname').sort(SortOrder.DESC).limit(100).getMany();
  const asNew = keys(await employees.query().index('surname').where(WhereConditions.equalTo('New')).getMany());
  // The next write of the key replaces the item and removes its old entries.
  await employees.set('w', { surname: 'New', age: 31 });
  return {
    all: all.results,
    allDesc: allDesc.results,
    asNew,
    afterRewrite: {
      old: keys(await employees.query().index('surname').where(WhereConditions.equalTo('Old')).getMany()),
      new: keys(await employees.query().index('surname').where(WhereConditions.equalTo('New')).getMany()),
      age30: keys(await employees.query().index('by-age').where(WhereConditions.equalTo(30)).getMany()),
      age31: keys(await employees.query().index('by-age').where(WhereConditions.equalTo(31)).getMany()),
    },
    oldEntryLeft: (await kvs.get(`!ce!employee!x!surname!a!${hex('Old')}.w`)) ?? null,
  };
}

/** Job keys, not in their order, with the layer's separators and look-alikes. */
const JOB_KEYS = ['b', 'a', 'ab', 'abc', 'abd', 'a.b', 'a!~', 'A', 'é', '😀', 's!i!a', '10', '9'];

/** Pages a query to its end: the keys of each page. */
async function pages(query) {
  const seen = [];
  let cursor;
  do {
    const page = await query.cursor(cursor).getMany();
    seen.push(keys(page));
    cursor = page.nextCursor;
  } while (cursor !== undefined && seen.length < 100);
  return seen;
}

// Forge's key index, `by-key`, which every entity has without declaring it.
export async function keyIndex() {
  const job = kvs.entity('job');
  const jobs = kvs.entity('jobs');
  for (const [i, key] of JOB_KEYS.entries()) {
    await job.set(key, { owner: `o${i % 2}`, size: i });
  }
  // Another entity (whose name `job` begins) holding some of the same keys.
  for (const key of ['a', 'b', 'zz', 'a!i!b']) {
    await jobs.set(key, { owner: 'jobs' });
  }
  // An item stored raw, as one stored before by-key existed: no index entry.
  await kvs.set('!ce!job!i!raw', { owner: 'raw', size: 99 });
  await employees.set('e2', { surname: 'Hopper', age: 85 });
  await employees.set('e10', { surname: 'Lovelace', age: 36 });
  await employees.set('e1', { surname: 'Turing', age: 41 });

  const q = (entity = job) => entity.query().index('by-key');
  const both = async (query) => ({
    asc: keys(await query.limit(100).getMany()),
    desc: keys(await query.sort(SortOrder.DESC).limit(100).getMany()),
  });
  const where = {
    equalTo: WhereConditions.equalTo('ab'),
    beginsWith: WhereConditions.beginsWith('ab'),
    between: WhereConditions.between('ab', 'b'),
    greaterThan: WhereConditions.greaterThan('b'),
    greaterThanEqualTo: WhereConditions.greaterThanEqualTo('b'),
    lessThan: WhereConditions.lessThan('a'),
    lessThanEqualTo: WhereConditions.lessThanEqualTo('a'),
  };
  const conditions = {};
  for (const [name, condition] of Object.entries(where)) {
    conditions[name] = await both(q().where(condition));
  }
  const owners = await q().limit(100).getMany();
  return {
    all: await both(q()),
    conditions,
    // Values and the app's own filters, as for any index.
    values: Object.fromEntries(owners.results.map((r) => [r.key, r.value])),
    filtered: await both(q().andFilter('owner', FilterConditions.equalTo('o1'))),
    orFiltered: await both(q().orFilter('size', FilterConditions.lessThan(2)).orFilter('owner', FilterConditions.equalTo('raw'))),
    paged: {
      asc: await pages(q().limit(4)),
      desc: await pages(q().sort(SortOrder.DESC).limit(4)),
      filteredDesc: await pages(q().andFilter('owner', FilterConditions.equalTo('o0')).sort(SortOrder.DESC).limit(3)),
    },
    // The repro's calls (kannonboy/forge-scheduler's shape).
    getOne: (await q().where(WhereConditions.beginsWith('b')).getOne())?.key ?? null,
    getOneDesc: (await q().sort(SortOrder.DESC).getOne())?.key ?? null,
    getOneNone: (await q().where(WhereConditions.beginsWith('q')).getOne()) ?? null,
    jobs: await both(q(jobs)),
    jobsBeginsWith: keys(await q(jobs).where(WhereConditions.beginsWith('a!')).getMany()),
    employees: await both(q(employees)),
    employeesBySurname: keys(await employees.query().index('surname').getMany()),
    // Values no key can hold: a NUL, more characters than a storage key.
    nul: await outcome(async () => keys(await q().where(WhereConditions.equalTo('a\u0000b')).getMany())),
    tooLong: await outcome(async () => keys(await q().where(WhereConditions.beginsWith('a'.repeat(600))).getMany())),
    noIndex: await outcome(() => job.query().index('nope').getMany()),
    partition: await outcome(() => job.query().index('by-key', { partition: ['a'] }).getMany()),
    notAString: await outcome(() => q().where(WhereConditions.equalTo(1)).getMany()),
    forgedDesc: await outcome(() => q().sort(SortOrder.DESC).cursor('d1.zz').getMany()),
    forgedAsc: await outcome(() => q().cursor('forged').getMany()),
  };
}
