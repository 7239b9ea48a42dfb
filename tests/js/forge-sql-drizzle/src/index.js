// Forge SQL through drizzle-orm, the way forge-sql-orm and Atlassian's ORM
// guide connect it: drizzle's `mysql-proxy` driver hands each statement to
// the real @forge/sql package, which reaches the host's `kiln:app/sql`. The
// schema is drizzle-kit's DDL, enqueued on @forge/sql's migration runner one
// statement per `--> statement-breakpoint`, as drizzle-kit writes it. Each
// handler reports what drizzle handed the app; tests/tests/forge_sql_drizzle.rs
// compares the reports with what the same calls answer on MySQL.

import { sql, migrationRunner } from '@forge/sql';
import { drizzle } from 'drizzle-orm/mysql-proxy';
import {
  decimal,
  int,
  json,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  timestamp,
  unique,
  varchar,
  index,
} from 'drizzle-orm/mysql-core';
import { and, asc, count, desc, eq, gt, inArray, notExists, relations, sql as raw, sum } from 'drizzle-orm';

// drizzle-kit's first migration for the schema below, then a second one that
// adds two columns as drizzle-kit writes them.
migrationRunner
  .enqueue(
    'v001_teams',
    'CREATE TABLE `teams` (\n\t`id` int AUTO_INCREMENT NOT NULL,\n\t`name` varchar(100) NOT NULL,\n\tCONSTRAINT `teams_id` PRIMARY KEY(`id`),\n\tCONSTRAINT `teams_name_unique` UNIQUE(`name`)\n);\n',
  )
  .enqueue(
    'v001_tasks',
    "CREATE TABLE `tasks` (\n\t`id` int AUTO_INCREMENT NOT NULL,\n\t`team_id` int NOT NULL,\n\t`title` varchar(200) NOT NULL,\n\t`status` enum('todo','doing','done') NOT NULL DEFAULT 'todo',\n\t`estimate` decimal(6,2),\n\t`meta` json,\n\tCONSTRAINT `tasks_id` PRIMARY KEY(`id`)\n);\n",
  )
  .enqueue(
    'v001_tasks_fk',
    'ALTER TABLE `tasks` ADD CONSTRAINT `tasks_team_id_teams_id_fk` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON DELETE cascade ON UPDATE no action;',
  )
  .enqueue('v001_tasks_status_idx', 'CREATE INDEX `tasks_status_idx` ON `tasks` (`status`);')
  .enqueue('v002_tasks_created_at', 'ALTER TABLE `tasks` ADD `created_at` timestamp DEFAULT (now()) NOT NULL;')
  .enqueue('v002_tasks_points', 'ALTER TABLE `tasks` ADD `points` int NOT NULL AFTER `title`;');

// `teams` declares its key on the column (which `$returningId()` reads),
// `tasks` as drizzle-kit's introspection writes it; both DDLs name the key.
export const teams = mysqlTable(
  'teams',
  {
    id: int().autoincrement().primaryKey(),
    name: varchar({ length: 100 }).notNull(),
  },
  (table) => [unique('teams_name_unique').on(table.name)],
);

export const tasks = mysqlTable(
  'tasks',
  {
    id: int().autoincrement().notNull(),
    teamId: int('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    title: varchar({ length: 200 }).notNull(),
    points: int().notNull().default(0),
    status: mysqlEnum(['todo', 'doing', 'done']).default('todo').notNull(),
    estimate: decimal({ precision: 6, scale: 2 }),
    meta: json(),
    createdAt: timestamp('created_at', { mode: 'string' }).defaultNow().notNull(),
  },
  (table) => [primaryKey({ columns: [table.id], name: 'tasks_id' }), index('tasks_status_idx').on(table.status)],
);

// The relations drizzle's relational API (`db.query`) reads: a team's tasks,
// and a task's team by its `team_id`.
export const teamsRelations = relations(teams, ({ many }) => ({ tasks: many(tasks) }));
export const tasksRelations = relations(tasks, ({ one }) => ({
  team: one(teams, { fields: [tasks.teamId], references: [teams.id] }),
}));

/** Every statement drizzle sent, in order: the tests read what reached the host. */
const sent = [];

// The proxy driver: a query's rows go back as arrays in select-list order
// (drizzle maps them by position), a write's result header as the one row.
const db = drizzle(
  async (query, params, method) => {
    sent.push(query);
    const statement = sql.prepare(query);
    if (params?.length) {
      statement.bindParams(...params);
    }
    const { rows } = await statement.execute();
    if (method === 'execute') {
      return { rows: [rows] };
    }
    return { rows: rows.map((row) => Object.values(row)) };
  },
  // The relational schema: drizzle's `db.query` API (default mode) nests each
  // relation in a `LEFT JOIN LATERAL (…) ON TRUE`.
  { schema: { teams, tasks, teamsRelations, tasksRelations } },
);

async function outcome(attempt) {
  sent.length = 0;
  try {
    return { ok: (await attempt()) ?? null, sent: [...sent] };
  } catch (error) {
    return {
      err: {
        className: error?.constructor?.name,
        message: error?.message,
        cause: error?.cause?.message,
        code: error?.cause?.code ?? error?.code,
      },
      sent: [...sent],
    };
  }
}

/** Applies the migrations the database has not recorded. */
export const migrate = async () =>
  outcome(async () => ({
    ran: await migrationRunner.run(),
    listed: (await migrationRunner.list()).map(({ name }) => name),
  }));

/** Two teams and their tasks, with drizzle's insert forms. */
export const seed = async () =>
  outcome(async () => {
    const ids = await db.insert(teams).values([{ name: 'platform' }, { name: 'apps' }]).$returningId();
    const [platform, apps] = ids.map(({ id }) => id);
    const [header] = await db.insert(tasks).values([
      { teamId: platform, title: 'upgrade runtime', points: 5, estimate: '3.50', meta: { labels: ['infra'] } },
      { teamId: platform, title: 'rotate keys', points: 3, status: 'doing' },
      { teamId: apps, title: "ship 'triage' app", points: 8, estimate: '12', meta: { labels: [] } },
    ]);
    // An upsert: the duplicate name updates the row it collides with.
    const [upsert] = await db
      .insert(teams)
      .values({ name: 'apps' })
      .onDuplicateKeyUpdate({ set: { name: raw`concat(values(${teams.name}), '-2')` } });
    return {
      ids,
      tasks: { affectedRows: header.affectedRows, insertId: header.insertId },
      upsert: { affectedRows: upsert.affectedRows },
    };
  });

/** The reads an app makes: whole rows, a join, aggregates, relational queries. */
export const read = async () =>
  outcome(async () => {
    const all = await db.select().from(tasks).orderBy(asc(tasks.id));
    const joined = await db
      .select({ team: teams.name, title: tasks.title, points: tasks.points })
      .from(tasks)
      .innerJoin(teams, eq(tasks.teamId, teams.id))
      .where(and(gt(tasks.points, 3), inArray(tasks.status, ['todo', 'doing'])))
      .orderBy(desc(tasks.points));
    const perTeam = await db
      .select({ team: teams.name, tasks: count(tasks.id), points: sum(tasks.points) })
      .from(teams)
      .leftJoin(tasks, eq(tasks.teamId, teams.id))
      .groupBy(teams.name)
      .orderBy(teams.name);
    // What drizzle's relational queries build with JSON functions, written
    // with the query builder: one row per team, its tasks as a JSON array.
    // (drizzle leaves columns unqualified in a one-table select, so the
    // correlated subquery names its own.)
    const nested = await db
      .select({
        name: teams.name,
        tasks: raw`(select coalesce(json_arrayagg(json_object('title', t.title, 'status', t.status)), json_array()) from tasks t where t.team_id = teams.id)`.mapWith(
          (value) => (typeof value === 'string' ? JSON.parse(value) : value),
        ),
      })
      .from(teams)
      .orderBy(asc(teams.id));
    return {
      all: all.map(({ createdAt, ...rest }) => ({ ...rest, createdAtIsText: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(createdAt) })),
      joined,
      perTeam,
      nested,
    };
  });

/**
 * drizzle's relational queries, its most idiomatic reads: each relation's rows
 * nested as JSON in a lateral derived table (one-to-many aggregated with
 * `json_arrayagg`, one-to-one `limit ?` bound to 1), `columns`, `where`,
 * `orderBy`, `limit` and `extras`, and a relation nested in another.
 */
export const relational = async () =>
  outcome(async () => {
    const teamsWithTasks = await db.query.teams.findMany({
      with: { tasks: { columns: { title: true, status: true, points: true, meta: true } } },
      orderBy: [asc(teams.id)],
    });
    const tasksWithTeam = await db.query.tasks.findMany({
      columns: { id: true, title: true },
      with: { team: true },
      orderBy: [asc(tasks.id)],
    });
    const nested = await db.query.teams.findMany({
      columns: { name: true },
      with: { tasks: { columns: { title: true }, with: { team: { columns: { name: true } } } } },
      orderBy: [asc(teams.id)],
    });
    const first = await db.query.teams.findFirst({
      where: eq(teams.name, 'platform'),
      with: {
        tasks: {
          columns: { title: true, points: true },
          where: gt(tasks.points, 1),
          orderBy: [desc(tasks.points)],
          limit: 1,
        },
      },
    });
    const extras = await db.query.tasks.findMany({
      columns: { id: true },
      extras: { shout: raw`upper(${tasks.title})`.as('shout') },
      where: eq(tasks.teamId, 1),
      orderBy: [asc(tasks.id)],
      limit: 1,
    });
    return { teamsWithTasks, tasksWithTeam, nested, first, extras };
  });

/**
 * Updates and deletes. Forge SQL keeps the foreign key drizzle-kit declared
 * and runs none of its `ON DELETE cascade`, so the app removes a deleted
 * team's tasks itself.
 */
export const change = async () =>
  outcome(async () => {
    const [updated] = await db.update(tasks).set({ status: 'done', points: raw`${tasks.points} + 1` }).where(eq(tasks.status, 'doing'));
    const [unchanged] = await db.update(tasks).set({ status: 'done' }).where(eq(tasks.status, 'done'));
    const [deleted] = await db.delete(teams).where(eq(teams.name, 'platform'));
    const [kept] = await db.select({ n: count() }).from(tasks);
    const [orphans] = await db
      .delete(tasks)
      .where(notExists(db.select({ id: teams.id }).from(teams).where(eq(teams.id, tasks.teamId))));
    const left = await db.select({ title: tasks.title, status: tasks.status, points: tasks.points }).from(tasks);
    return {
      updated: { affectedRows: updated.affectedRows, changedRows: updated.changedRows },
      unchanged: { affectedRows: unchanged.affectedRows, changedRows: unchanged.changedRows },
      deleted: deleted.affectedRows,
      tasksAfterDelete: kept.n,
      orphansDeleted: orphans.affectedRows,
      left,
    };
  });

/** What MySQL refuses, as drizzle hands it to the app. */
export const failures = async () => ({
  duplicate: await outcome(() => db.insert(teams).values({ name: 'apps-2' })),
  orphan: await outcome(() => db.insert(tasks).values({ teamId: 999, title: 'nowhere', points: 1 })),
  tooLong: await outcome(() => db.insert(teams).values({ name: 'x'.repeat(101) })),
  badStatus: await outcome(() => db.insert(tasks).values({ teamId: 2, title: 't', points: 1, status: 'lost' })),
  // v002 added `points` NOT NULL without a default (the schema's `.default(0)`
  // is drizzle's, not the table's), so drizzle's DEFAULT for it fails.
  noDefault: await outcome(() => db.insert(tasks).values({ teamId: 2, title: 't' })),
});
