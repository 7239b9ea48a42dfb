// Forge SQL on Kiln's `sql` host (kiln:app@0.5.0): the transport
// `__fetchProduct({ provider: 'app', remote: 'sql' })` gives @forge/sql
// (forge_sql.js), against Forge SQL's service protocol, and then the real
// @forge/sql 4.0.8 package run through it unchanged, as an app's bundle runs
// it (its `@forge/api` import is the layer, as the build's alias makes it).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import * as layer from '../src/index.js';
import { installHost } from '../src/host.js';
import { WitError } from './fake-host.js';

const product = () => layer.__fetchProduct({ provider: 'app', remote: 'sql', type: 'sql' });

/**
 * The `sql` interface as componentize-js binds it: `execute(kind, query,
 * params)` returning the JSON text, a `sql-error` thrown as a WitError.
 * `answer(kind, query, params)` decides; every call is recorded.
 */
function fakeSql(answer) {
  const calls = [];
  const sql = {
    execute(kind, query, params) {
      calls.push([kind, query, params]);
      return answer(kind, query, JSON.parse(params));
    },
  };
  installHost({ sql });
  return calls;
}

const refuse = (code, message) => {
  throw new WitError({ code, message });
};

/** A POST of @forge/sql's body to `path`. */
function post(path, query, params = [], method = 'all') {
  return product()(path, {
    method: 'POST',
    body: JSON.stringify({ query, params, method }),
    redirect: 'follow',
    headers: { 'Content-Type': 'application/json' },
  });
}

test('/api/v1/execute runs a data statement and answers 200 with the host JSON text as it is', async () => {
  const text = '{"rows":[{"id":1,"name":"a"}]}';
  const calls = fakeSql(() => text);
  const response = await post('/api/v1/execute', 'SELECT id, name FROM t WHERE id = ?', [1, 'x', null, true, 2.5]);
  assert.deepEqual(calls, [['data', 'SELECT id, name FROM t WHERE id = ?', '[1,"x",null,true,2.5]']]);
  assert.equal(response.status, 200);
  assert.equal(response.ok, true);
  assert.equal(response.statusText, 'OK');
  assert.equal(response.headers.get('Content-Type'), 'application/json');
  assert.equal(await response.text(), text);
});

test('/api/v1/execute/ddl runs a schema statement', async () => {
  const calls = fakeSql(() => '{"rows":{"affectedRows":0,"insertId":0}}');
  const response = await post('/api/v1/execute/ddl', 'CREATE TABLE t (id INT)');
  assert.deepEqual(calls, [['schema', 'CREATE TABLE t (id INT)', '[]']]);
  assert.deepEqual(JSON.parse(await response.text()), { rows: { affectedRows: 0, insertId: 0 } });
});

test('another path is a Forge-style 404 and reaches no statement', async () => {
  const calls = fakeSql(() => assert.fail('not called'));
  for (const path of ['/api/v1/execute/', '/api/v2/execute', '/api/v1/execute?x=1', '/../execute']) {
    const response = await post(path, 'SELECT 1');
    assert.equal(response.status, 404, path);
    assert.equal(response.ok, false);
    const body = JSON.parse(await response.text());
    assert.equal(body.code, 'NOT_FOUND');
    assert.match(body.message, /Forge SQL has no endpoint/);
  }
  assert.equal(calls.length, 0);
});

test('a request that is not a POST of { query, params } is refused before the host', async () => {
  const calls = fakeSql(() => assert.fail('not called'));
  const fetchSql = product();
  const get = await fetchSql('/api/v1/execute', { body: JSON.stringify({ query: 'SELECT 1' }) });
  assert.equal(get.status, 405);
  for (const body of ['not json', JSON.stringify({ params: [] }), JSON.stringify({ query: 'SELECT 1', params: 'x' }), undefined]) {
    const response = await fetchSql('/api/v1/execute', { method: 'POST', body });
    assert.equal(response.status, 400, String(body));
    assert.equal(JSON.parse(await response.text()).code, 'INVALID_SQL_QUERY');
  }
  assert.equal(calls.length, 0);
});

test("each sql-error-code is Forge SQL's code and HTTP status, with the host's message", async () => {
  const cases = [
    ['invalid-sql-query', 'INVALID_SQL_QUERY', 400, 'Bad Request'],
    ['sql-execution-error', 'SQL_EXECUTION_ERROR', 400, 'Bad Request'],
    ['query-timed-out', 'QUERY_TIMED_OUT', 504, 'Gateway Timeout'],
    ['app-not-enabled', 'APP_NOT_ENABLED', 403, 'Forbidden'],
    ['unknown-error', 'UNKNOWN_ERROR', 500, 'Internal Server Error'],
  ];
  for (const [witCode, code, status, statusText] of cases) {
    fakeSql(() => refuse(witCode, `because ${witCode}`));
    const response = await post('/api/v1/execute', 'SELECT 1');
    assert.equal(response.status, status, witCode);
    assert.equal(response.statusText, statusText);
    assert.equal(response.ok, false);
    assert.deepEqual(JSON.parse(await response.text()), { code, message: `because ${witCode}` });
  }
});

test('a failure that is not a WIT error is not dressed up as a Forge error', async () => {
  fakeSql(() => {
    throw new TypeError('trap');
  });
  await assert.rejects(post('/api/v1/execute', 'SELECT 1'), /trap/);
});

test('a host without the sql interface answers UNKNOWN_ERROR naming the world it needs', async () => {
  installHost({});
  const response = await post('/api/v1/execute', 'SELECT 1');
  assert.equal(response.status, 500);
  const body = JSON.parse(await response.text());
  assert.equal(body.code, 'UNKNOWN_ERROR');
  assert.match(body.message, /kiln:app@0\.5\.0/);
});

test('other products keep refusing, sending nothing', async () => {
  const calls = fakeSql(() => assert.fail('not called'));
  for (const args of [
    { provider: 'app', remote: 'jira', type: 'fpp' },
    { provider: 'user', remote: 'sql', type: 'sql' },
    { provider: 'app', remote: 'stargate' },
    undefined,
  ]) {
    await assert.rejects(layer.__fetchProduct(args)('/api/v1/execute', { method: 'POST' }), /not available on Kiln/);
  }
  assert.equal(calls.length, 0);
});

// The real package, its `@forge/api` the layer. It is not one of the
// toolchain's dependencies: where it is not installed (the toolchain-only
// run of these tests), these cases say so and skip.
const require = createRequire(import.meta.url);
let forgeSql;
let missing = false;
try {
  const Module = require('node:module');
  const load = Module._load;
  Module._load = function loadWithLayer(request, ...rest) {
    return request === '@forge/api' ? layer : load.call(this, request, ...rest);
  };
  forgeSql = require('@forge/sql');
  assert.equal(require('@forge/sql/package.json').version, '4.0.8');
} catch (error) {
  if (error?.code !== 'MODULE_NOT_FOUND') throw error;
  missing = '@forge/sql 4.0.8 is not installed beside the layer';
}

/**
 * A database enough for the package's calls: the migration runner's
 * `__migrations` table, and `others(kind, query, params)` for the rest.
 */
function fakeDatabase(others = () => '{"rows":{"affectedRows":0,"insertId":0}}') {
  const migrations = [];
  return fakeSql((kind, query, params) => {
    if (query.startsWith('CREATE TABLE IF NOT EXISTS __migrations')) {
      return '{"rows":{"affectedRows":0,"insertId":0}}';
    }
    if (query === 'SELECT id, name, migratedAt FROM __migrations;') {
      return JSON.stringify({ rows: migrations });
    }
    if (query === 'INSERT INTO __migrations (name) VALUES (?);') {
      migrations.push({ id: migrations.length + 1, name: params[0], migratedAt: '2026-12-01T10:00:00.000Z' });
      return JSON.stringify({ rows: { affectedRows: 1, insertId: migrations.length } });
    }
    return others(kind, query, params);
  });
}

test('@forge/sql: prepare + bindParams + execute sends the bound values as data and resolves the answer', { skip: missing }, async () => {
  const calls = fakeSql(() => '{"rows":{"affectedRows":1,"insertId":7}}');
  const { sql } = forgeSql;
  const result = await sql
    .prepare('INSERT INTO items (name, price, at) VALUES (?, ?, ?)')
    .bindParams('chair', 12.5, new Date(Date.UTC(2026, 0, 2)))
    .execute();
  assert.deepEqual(result, { rows: { affectedRows: 1, insertId: 7 } });
  // A Date goes as the ISO text JSON makes of it, as it reaches Forge's service.
  assert.deepEqual(calls, [
    ['data', 'INSERT INTO items (name, price, at) VALUES (?, ?, ?)', '["chair",12.5,"2026-01-02T00:00:00.000Z"]'],
  ]);
  fakeSql(() => '{"rows":[{"name":"chair","price":"12.50"}]}');
  assert.deepEqual(await sql.prepare('SELECT name, price FROM items').execute(), {
    rows: [{ name: 'chair', price: '12.50' }],
  });
});

test('@forge/sql: executeRaw is a data statement, executeDDL a schema one', { skip: missing }, async () => {
  const calls = fakeSql(() => '{"rows":[]}');
  const { sql } = forgeSql;
  assert.deepEqual(await sql.executeRaw('SELECT 1'), { rows: [] });
  assert.deepEqual(await sql.executeDDL('DROP TABLE IF EXISTS t'), { rows: [] });
  assert.deepEqual(calls, [
    ['data', 'SELECT 1', '[]'],
    ['schema', 'DROP TABLE IF EXISTS t', '[]'],
  ]);
});

test('@forge/sql: the migration runner runs each migration once, as schema, and lists them', { skip: missing }, async () => {
  const calls = fakeDatabase();
  const { migrationRunner } = forgeSql;
  const runner = migrationRunner
    .enqueue('v001_create_items', 'CREATE TABLE items (id INT PRIMARY KEY)')
    .enqueue('v002_add_price', 'ALTER TABLE items ADD COLUMN price DECIMAL(10,2)');
  assert.deepEqual(await runner.run(), ['v001_create_items', 'v002_add_price']);
  assert.deepEqual(
    calls.map(([kind, query]) => [kind, query.split(' (')[0]]),
    [
      ['schema', 'CREATE TABLE IF NOT EXISTS __migrations'],
      ['schema', 'SELECT id, name, migratedAt FROM __migrations;'],
      ['schema', 'CREATE TABLE items'],
      ['data', 'INSERT INTO __migrations'],
      ['schema', 'ALTER TABLE items ADD COLUMN price DECIMAL(10,2)'],
      ['data', 'INSERT INTO __migrations'],
    ],
  );
  // The next invocation's run finds both done.
  assert.deepEqual(await runner.run(), []);
  const listed = await runner.list();
  assert.deepEqual(
    listed.map(({ id, name }) => [id, name]),
    [
      [1, 'v001_create_items'],
      [2, 'v002_add_price'],
    ],
  );
  assert.ok(listed[0].migratedAt instanceof Date);
  assert.equal(listed[0].migratedAt.toISOString(), '2026-12-01T10:00:00.000Z');
});

test("@forge/sql: a refused statement is its ForgeSQLAPIError, with Forge's code, status and message", { skip: missing }, async () => {
  fakeSql(() => refuse('sql-execution-error', "Table 'forge.nope' doesn't exist"));
  const { sql, ForgeSQLAPIError, errorCodes } = forgeSql;
  await assert.rejects(sql.executeRaw('SELECT * FROM nope'), (error) => {
    assert.ok(error instanceof ForgeSQLAPIError, String(error));
    assert.equal(error.code, errorCodes.SQL_EXECUTION_ERROR);
    assert.equal(error.message, "Table 'forge.nope' doesn't exist");
    assert.deepEqual(error.responseDetails, { status: 400, statusText: 'Bad Request', traceId: null });
    return true;
  });
  for (const [witCode, code, status] of [
    ['invalid-sql-query', errorCodes.INVALID_SQL_QUERY, 400],
    ['query-timed-out', errorCodes.QUERY_TIMED_OUT, 504],
    ['app-not-enabled', errorCodes.APP_NOT_ENABLED, 403],
    ['unknown-error', errorCodes.UNKNOWN_ERROR, 500],
  ]) {
    fakeSql(() => refuse(witCode, 'no'));
    await assert.rejects(sql.prepare('SELECT ?').bindParams(1).execute(), (error) => {
      assert.ok(error instanceof ForgeSQLAPIError);
      assert.equal(error.code, code);
      assert.equal(error.responseDetails.status, status);
      return true;
    });
  }
});

test('@forge/sql: a failing migration is its MigrationExecutionError, the host error its cause', { skip: missing }, async () => {
  fakeDatabase((kind, query) => refuse('invalid-sql-query', `not MySQL: ${query}`));
  const runner = new (require('@forge/sql/out/migration').MigrationRunner)(forgeSql.sql);
  runner.enqueue('v001_bad', 'CREATE TABEL x');
  await assert.rejects(runner.run(), (error) => {
    assert.equal(error.constructor.name, 'MigrationExecutionError');
    assert.equal(error.migrationName, 'v001_bad');
    assert.ok(error.cause instanceof forgeSql.ForgeSQLAPIError);
    assert.equal(error.cause.code, 'INVALID_SQL_QUERY');
    assert.equal(error.cause.message, 'not MySQL: CREATE TABEL x');
    return true;
  });
});
