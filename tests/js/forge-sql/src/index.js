// Forge SQL on Kiln: the real @forge/sql package, bundled unchanged, its
// statements reaching the host's `kiln:app/sql` through the Forge layer's
// __fetchProduct. Each handler reports what it observed;
// tests/tests/forge_sql_app.rs compares the reports with Forge SQL's
// documented behaviour, and loads this same component under a manifest
// without the `sql` module too.

import { sql, migrationRunner, errorCodes, ForgeSQLAPIError } from '@forge/sql';

// Enqueued at the top level, as Forge's guide does: each invocation's
// run() applies those the database has not recorded yet.
migrationRunner
  .enqueue(
    'v001_create_items',
    `CREATE TABLE items (
       id BIGINT PRIMARY KEY AUTO_INCREMENT,
       name VARCHAR(100) NOT NULL,
       attrs JSON,
       price DECIMAL(10, 2) NOT NULL,
       created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       KEY idx_items_name (name)
     )`,
  )
  .enqueue('v002_add_stock', 'ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0');

/** What a failure was, as an app's error handling sees it. */
function describe(error) {
  return {
    forgeSqlApiError: error instanceof ForgeSQLAPIError,
    className: error?.constructor?.name,
    code: error?.code,
    status: error?.responseDetails?.status,
    message: error?.message,
    cause: error?.cause === undefined ? undefined : describe(error.cause),
  };
}

async function outcome(attempt) {
  try {
    return { ok: (await attempt()) ?? null };
  } catch (error) {
    return { err: describe(error) };
  }
}

/** Runs the migrations, then lists what the database recorded. */
export const migrate = async () =>
  outcome(async () => {
    const ran = await migrationRunner.run();
    const listed = await migrationRunner.list();
    return {
      ran,
      listed: listed.map(({ id, name, migratedAt }) => ({
        id,
        name,
        migratedAtIsDate: migratedAt instanceof Date && !Number.isNaN(migratedAt.getTime()),
      })),
    };
  });

/** Inserts `payload.items` with bound parameters; each insert's result header. */
export const insert = async ({ items = [] } = {}) =>
  outcome(async () => {
    const results = [];
    for (const { name, attrs, price, stock } of items) {
      const { rows } = await sql
        .prepare('INSERT INTO items (name, attrs, price, stock) VALUES (?, ?, ?, ?)')
        .bindParams(name, JSON.stringify(attrs), price, stock)
        .execute();
      results.push({ affectedRows: rows.affectedRows, insertId: rows.insertId });
    }
    return results;
  });

/** Every item, in id order, as the package hands rows to the app. */
export const read = async () =>
  outcome(async () => {
    const { rows } = await sql
      .prepare('SELECT id, name, attrs, price, stock, created_at FROM items WHERE price >= ? ORDER BY id')
      .bindParams(0)
      .execute();
    return rows;
  });

/** Adds to an item's stock, inserting it when its id is new (MySQL's upsert). */
export const upsert = async ({ id, name, stock }) =>
  outcome(async () => {
    const { rows: header } = await sql
      .prepare(
        'INSERT INTO items (id, name, price, stock) VALUES (?, ?, 0, ?) ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock)',
      )
      .bindParams(id, name, stock)
      .execute();
    const { rows } = await sql.prepare('SELECT id, name, stock FROM items WHERE id = ?').bindParams(id).execute();
    return { affectedRows: header.affectedRows, rows };
  });

/** Statements Forge SQL refuses, each caught as the app would catch it. */
export const bad = async () => ({
  noTable: await outcome(() => sql.executeRaw('SELECT * FROM no_such_table')),
  notSql: await outcome(() => sql.executeRaw('SELEC nothing')),
  twoStatements: await outcome(() => sql.executeRaw('SELECT 1; SELECT 2')),
  badMigration: await outcome(() => new migrationRunner.constructor(sql).enqueue('v900_bad', 'CREATE TABEL x (id INT)').run()),
  codes: errorCodes,
});

/** The statement kinds: a schema change through executeDDL, a data statement through executeRaw. */
export const kinds = async () => ({
  ddl: await outcome(() => sql.executeDDL('CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY, body TEXT)')),
  raw: await outcome(() => sql.executeRaw("INSERT INTO notes (id, body) VALUES (1, 'first') ON DUPLICATE KEY UPDATE body = 'again'")),
  count: await outcome(() => sql.executeRaw('SELECT COUNT(*) AS n FROM notes')),
});

/**
 * What a join's answer tells besides its rows, as forge-sql-orm reads it:
 * each column's origin (`metadata.fields`), and the time and size of the
 * answer; and what a write's answer tells.
 */
export const metadata = async () =>
  outcome(async () => {
    await sql.executeDDL('CREATE TABLE IF NOT EXISTS shelves (id INT PRIMARY KEY, label VARCHAR(20))');
    await sql.executeRaw("INSERT INTO shelves (id, label) VALUES (1, 'top') ON DUPLICATE KEY UPDATE label = 'top'");
    const query = await sql
      .prepare('SELECT i.name AS item, s.label, i.stock * 2 AS doubled FROM items i JOIN shelves AS s ON s.id = ? ORDER BY i.id')
      .bindParams(1)
      .execute();
    const write = await sql.executeRaw("UPDATE shelves SET label = 'top' WHERE id = 1");
    return { rows: query.rows, query: query.metadata ?? null, write: write.metadata ?? null };
  });
