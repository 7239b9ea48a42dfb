// Forge's @forge/events and @forge/kvs ttl on Kiln: each handler drives
// Kiln's Forge layer and the host's `kiln:app/events` and
// `storage.set-expiring`, and reports what it observed;
// tests/tests/forge_events.rs checks the reports against Forge's documented
// behaviour. `raw` and `tamper` go past the layer (the escape suite:
// tests/tests/escape_js_events.rs).

import { Queue, InvocationError, InvocationErrorCode } from '@forge/events';
import Resolver from '@forge/resolver';
import { kvs, MetadataField, WhereConditions } from '@forge/kvs';
import * as events from 'kiln:app/events@0.5.0';

function describe(error) {
  return {
    name: error?.name,
    className: error?.constructor?.name,
    code: error?.code,
    tag: error?.payload?.tag,
    val: error?.payload?.val === undefined ? undefined : String(error.payload.val),
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

/** `{ queue, events }`: one push through @forge/events. */
export const produce = async ({ queue, events: pushed }) => outcome(() => new Queue({ key: queue }).push(pushed));

/** `{ queue, jobId }`: the job's stats. */
export const stats = async ({ queue, jobId }) => outcome(() => new Queue({ key: queue }).getJob(jobId).getStats());

/** `{ queue, jobId }`: cancels the job. */
export const cancel = async ({ queue, jobId }) => outcome(() => new Queue({ key: queue }).cancel(jobId));

/**
 * What a consumer does with an event: keeps it (under its event id and
 * attempt) and, as its body says, asks for a retry, throws, or pushes on.
 */
async function handle(event, context, via) {
  const attempt = (event.retryContext?.retryCount ?? 0) + 1;
  await kvs.set(`seen:${event.eventId}:${attempt}`, { via, event, trigger: context.trigger, moduleKey: context.moduleKey });
  const body = event.body ?? {};
  if (body.retry === true && event.retryContext === undefined) {
    return new InvocationError({
      retryAfter: 5,
      retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED,
      retryData: { page: 2 },
    });
  }
  if (body.fail === true) {
    throw new Error('the consumer failed on purpose');
  }
  if (typeof body.pushTo === 'string') {
    const pushed = await outcome(() => new Queue({ key: body.pushTo }).push({ body: { ...body, hop: (body.hop ?? 0) + 1 } }));
    await kvs.set(`pushed:${event.eventId}`, pushed);
  }
  return { via, eventId: event.eventId };
}

/** The `work` queue's consumer (`function: consume`): Forge's AsyncEvent as `event`. */
export const consume = async (event, context) => handle(event, context, 'function');

/** The `legacy` queue's consumer (`resolver: { function: listener, method: event-listener }`). */
const resolver = new Resolver();
resolver.define('event-listener', ({ payload, context }) => handle(payload, context, 'resolver'));
export const listener = resolver.getDefinitions();

/** Every event a consumer kept, by key; and the pushes consumers made. */
export const seen = async () => {
  const out = {};
  for (const prefix of ['seen:', 'pushed:']) {
    let cursor;
    do {
      const page = await kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(100).cursor(cursor).getMany();
      for (const { key, value } of page.results) out[key] = value;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return out;
};

const ALL = [MetadataField.CREATED_AT, MetadataField.UPDATED_AT, MetadataField.EXPIRE_TIME];

/** Values with a ttl, by each path, and their metadata. */
export const ttl = async ({ seconds = 3600 } = {}) => {
  const before = Date.now();
  await kvs.set('expiring', { n: 1 }, { ttl: { value: seconds, unit: 'SECONDS' } });
  await kvs.set('lasting', { n: 2 });
  await kvs.transact().set('tx-expiring', 'tx', undefined, { ttl: { value: 2, unit: 'HOURS' } }).set('tx-lasting', 'tx').execute();
  return {
    before,
    expiring: await kvs.get('expiring', { metadataFields: ALL }),
    lasting: await kvs.get('lasting', { metadataFields: ALL }),
    onlyExpiry: await kvs.get('expiring', { metadataFields: [MetadataField.EXPIRE_TIME] }),
    txExpiring: await kvs.get('tx-expiring', { metadataFields: [MetadataField.EXPIRE_TIME] }),
    txLasting: await kvs.get('tx-lasting', { metadataFields: [MetadataField.EXPIRE_TIME] }),
    query: (await kvs.query({ metadataFields: [MetadataField.EXPIRE_TIME] }).where('key', WhereConditions.beginsWith('expiring')).getMany()).results,
    invalid: await outcome(() => kvs.set('bad', 1, { ttl: { value: 0, unit: 'SECONDS' } })),
    unknownUnit: await outcome(() => kvs.set('bad', 1, { ttl: { value: 1, unit: 'WEEKS' } })),
    secret: await outcome(() => kvs.setSecret('bad', 1, { ttl: { value: 1, unit: 'DAYS' } })),
  };
};

/** `{ key }`: the value (undefined as null). */
export const read = async ({ key }) => ({ value: (await kvs.get(key)) ?? null });

// --- past the layer (tests/tests/escape_js_events.rs) --------------------

/** A raw `events` call's outcome, as JSON. */
function rawOutcome(call) {
  try {
    const value = call();
    return { ok: typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : String(value ?? null) };
  } catch (error) {
    return { err: describe(error) };
  }
}

const RAW = {
  /** A queue no consumer of this app listens on (another app's, say). */
  foreign_queue: () => events.push('someone-elses-queue', [{ body: '{"steal":true}', delaySeconds: 0 }]),
  /** A name that breaks Forge's rule. */
  bad_queue_name: () => events.push('../work', [{ body: '{}', delaySeconds: 0 }]),
  /** 51 events in one push. */
  too_many: () => events.push('work', Array.from({ length: 51 }, (_, n) => ({ body: JSON.stringify({ n }), delaySeconds: 0 }))),
  /** No event at all. */
  none: () => events.push('work', []),
  /** Over 200 KB of bodies. */
  oversized: () => events.push('work', [{ body: JSON.stringify({ big: 'x'.repeat(210 * 1024) }), delaySeconds: 0 }]),
  /** Bodies that are not JSON objects. */
  array_body: () => events.push('work', [{ body: '[1,2]', delaySeconds: 0 }]),
  string_body: () => events.push('work', [{ body: '"text"', delaySeconds: 0 }]),
  not_json_body: () => events.push('work', [{ body: '{not json', delaySeconds: 0 }]),
  /** A delay over Forge's 900 seconds. */
  long_delay: () => events.push('work', [{ body: '{}', delaySeconds: 100000 }]),
  /** A job id this installation never pushed. */
  guessed_job: () => events.stats('work', 'job-that-was-never-pushed'),
  cancel_guessed_job: () => events.cancel('work', 'job-that-was-never-pushed'),
  /** Another queue's job: pushed to `work`, asked about on `legacy`. */
  other_queue_job: () => {
    const job = events.push('work', [{ body: '{}', delaySeconds: 900 }]);
    return { job, stats: JSON.stringify(rawOutcome(() => events.stats('legacy', job))) };
  },
};

/** `{ case }`: one raw events call, past the Forge layer. */
export const raw = async ({ case: name }) => {
  if (!Object.hasOwn(RAW, name)) throw new Error(`no raw case ${name}`);
  return rawOutcome(RAW[name]);
};

/**
 * The layer's own checks disarmed, then a push through @forge/events: the
 * size check (TextEncoder counts nothing) and the body check (Array.isArray
 * says the app's array is not one).
 */
export const tamper = async ({ case: name }) => {
  if (name === 'size') {
    const encode = TextEncoder.prototype.encode;
    TextEncoder.prototype.encode = () => new Uint8Array(0);
    try {
      return await outcome(() => new Queue({ key: 'work' }).push({ body: { big: 'x'.repeat(210 * 1024) } }));
    } finally {
      TextEncoder.prototype.encode = encode;
    }
  }
  if (name === 'array_body') {
    const isArray = Array.isArray;
    Array.isArray = (value) => (isArray(value) && value[0] === 'not an object' ? false : isArray(value));
    try {
      return await outcome(() => new Queue({ key: 'work' }).push({ body: ['not an object'] }));
    } finally {
      Array.isArray = isArray;
    }
  }
  throw new Error(`no tamper case ${name}`);
};
