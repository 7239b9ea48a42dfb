// A Forge app on @forge/events 1.x: each handler drives Kiln's 1.x facade
// and reports what it observed; tests/tests/forge_events_v1.rs checks the
// reports against Forge's documented 1.x behaviour.

import { Queue } from '@forge/events';
import { kvs, WhereConditions } from '@forge/kvs';

function describe(error) {
  return { className: error?.constructor?.name, message: error?.message ?? String(error) };
}

async function outcome(attempt) {
  try {
    return { ok: (await attempt()) ?? null };
  } catch (error) {
    return { err: describe(error) };
  }
}

/** `{ queue, payload, settings? }`: `queue.push(payload, settings)`, 1.x's signature. */
export const produce = async ({ queue, payload, settings }) =>
  outcome(async () => {
    const jobId = await new Queue({ key: queue }).push(payload, settings);
    return { jobId, type: typeof jobId };
  });

/** `{ queue, jobId }`: 1.x's getStats(), a response whose json() is the stats. */
export const stats = async ({ queue, jobId }) =>
  outcome(async () => {
    const response = await new Queue({ key: queue }).getJob(jobId).getStats();
    return { ok: response.ok, status: response.status, json: await response.json() };
  });

/** `{ queue, jobId }`: 1.x's cancel(), a response. */
export const cancel = async ({ queue, jobId }) =>
  outcome(async () => {
    const response = await new Queue({ key: queue }).getJob(jobId).cancel();
    return { ok: response.ok, status: response.status };
  });

/** Every payload the consumer kept, by key. */
export const seen = async () => {
  const out = {};
  let cursor;
  do {
    const page = await kvs.query().where('key', WhereConditions.beginsWith('seen:')).limit(100).cursor(cursor).getMany();
    for (const { key, value } of page.results) out[key] = value;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
};
