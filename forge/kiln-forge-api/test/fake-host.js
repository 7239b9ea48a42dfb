// A host with the shapes componentize-js gives the WIT imports: records
// and enums as plain objects and kebab-case strings, `result` errors thrown
// with a `payload`. Jira answers from a table; storage is a map with
// versions and cursors as the WIT describes.

export class WitError extends Error {
  constructor(payload) {
    super('host error');
    this.payload = payload;
  }
}

export function fakeHost({ answers = {}, refuse = {}, env = [], queues = [], eventsRefuse = {}, now = () => 1_700_000_000_000 } = {}) {
  const sent = [];
  const logged = [];
  const data = new Map();
  const secrets = new Map();
  const cursors = new Set();
  const transactions = [];
  const expiring = [];
  let version = 0n;
  const jira = {
    requestJira(request) {
      sent.push(request);
      const key = `${request.method} ${request.path}`;
      if (refuse[key] !== undefined) {
        throw new WitError(refuse[key]);
      }
      const answer = answers[key] ?? { status: 404, headers: [], body: '{"errorMessages":["not found"]}' };
      return {
        status: answer.status,
        headers: answer.headers ?? [['content-type', 'application/json']],
        body: new TextEncoder().encode(answer.body ?? ''),
      };
    },
  };
  // An entry as the WIT's `entry` (0.4.0): its metadata in milliseconds
  // since the epoch (u64, BigInt), `expiresAt` absent for a value that
  // never expires; `createdAt` kept across overwrites.
  const store = (key, value, ttlSeconds, at_version) => {
    JSON.parse(value);
    if (at_version === undefined) version += 1n;
    const at = BigInt(now());
    const createdAt = data.get(key)?.createdAt ?? at;
    const expiresAt = ttlSeconds === undefined ? undefined : at + BigInt(ttlSeconds) * 1000n;
    data.set(key, { key, value, version, createdAt, updatedAt: at, expiresAt });
    return version;
  };
  const storage = {
    get(key) {
      return data.get(key);
    },
    set(key, value) {
      return store(key, value, undefined);
    },
    setExpiring(key, value, ttlSeconds) {
      expiring.push([key, ttlSeconds]);
      if (typeof ttlSeconds !== 'bigint') throw new TypeError('ttl-seconds is a u64 (BigInt)');
      if (ttlSeconds === 0n) throw new WitError({ tag: 'invalid-value', val: 'a time to live of 0' });
      return store(key, value, ttlSeconds);
    },
    delete(key) {
      data.delete(key);
    },
    compareAndSet(key, expected, value) {
      const current = data.get(key);
      const matches =
        expected.tag === 'absent' ? current === undefined : current !== undefined && current.version === expected.val;
      if (!matches) return false;
      if (value === undefined) {
        data.delete(key);
      } else {
        store(key, value, undefined);
      }
      return true;
    },
    query(prefix, cursor, limit) {
      const size = limit ?? 10;
      if (size < 1 || size > 100) throw new WitError({ tag: 'invalid-limit', val: size });
      if (cursor !== undefined && !cursors.has(cursor)) throw new WitError({ tag: 'invalid-cursor' });
      const after = cursor === undefined ? undefined : cursor.slice(3);
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort();
      const entries = keys.slice(0, size).map((k) => data.get(k));
      // Opaque, as Kiln's (`k1.` and the last key's hex there).
      const nextCursor = keys.length > size ? `k1.${entries[entries.length - 1].key}` : undefined;
      if (nextCursor !== undefined) cursors.add(nextCursor);
      return { entries, nextCursor };
    },
    // As the WIT describes it: every operation or none; a condition that
    // does not hold answers its index; the rules of a transaction as a
    // whole are `invalid-transaction`.
    transact(operations) {
      transactions.push(operations);
      if (operations.length === 0 || operations.length > 25) {
        throw new WitError({ tag: 'invalid-transaction', val: `${operations.length} operations` });
      }
      if (new Set(operations.map((op) => op.key)).size !== operations.length) {
        throw new WitError({ tag: 'invalid-transaction', val: 'a key named twice' });
      }
      for (const [index, { key, action, expected }] of operations.entries()) {
        if (action.tag === 'set') JSON.parse(action.val);
        if (action.tag === 'set-expiring') JSON.parse(action.val.value);
        const current = data.get(key);
        const holds =
          expected === undefined ||
          (expected.tag === 'absent' ? current === undefined : current !== undefined && current.version === expected.val);
        if (!holds) return { tag: 'condition-failed', val: index };
      }
      // Every write of a transaction at its one version.
      version += 1n;
      for (const { key, action } of operations) {
        if (action.tag === 'set') store(key, action.val, undefined, version);
        if (action.tag === 'set-expiring') store(key, action.val.value, action.val.ttlSeconds, version);
        if (action.tag === 'delete') data.delete(key);
      }
      return { tag: 'committed', val: version };
    },
    getSecret(key) {
      return secrets.get(key);
    },
    setSecret(key, value) {
      secrets.set(key, value);
    },
    deleteSecret(key) {
      secrets.delete(key);
    },
  };
  // `events` as the WIT describes it: the app's own queues only, every
  // event or none as one job; `eventsRefuse[name]` makes a call fail with
  // that `events-error`.
  const pushed = [];
  const jobs = new Map();
  let jobs_made = 0;
  const events = {
    push(queue, list) {
      pushed.push([queue, list]);
      if (eventsRefuse.push !== undefined) throw new WitError(eventsRefuse.push);
      if (!queues.includes(queue)) throw new WitError({ tag: 'unknown-queue', val: queue });
      for (const event of list) {
        if (typeof event.delaySeconds !== 'number') throw new TypeError('delay-seconds is a u32');
        const body = JSON.parse(event.body);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new WitError({ tag: 'invalid-event', val: 'event 0: its body is not a JSON object' });
        }
      }
      jobs_made += 1;
      const id = `job-${jobs_made}`;
      jobs.set(`${queue}/${id}`, { success: 0n, inProgress: BigInt(list.length), failed: 0n });
      return id;
    },
    stats(queue, jobId) {
      if (eventsRefuse.stats !== undefined) throw new WitError(eventsRefuse.stats);
      const job = jobs.get(`${queue}/${jobId}`);
      if (job === undefined) throw new WitError({ tag: 'unknown-job' });
      return job;
    },
    cancel(queue, jobId) {
      if (eventsRefuse.cancel !== undefined) throw new WitError(eventsRefuse.cancel);
      if (!jobs.has(`${queue}/${jobId}`)) throw new WitError({ tag: 'unknown-job' });
      jobs.set(`${queue}/${jobId}`, { success: 0n, inProgress: 0n, failed: 0n, cancelled: true });
    },
  };
  const log = {
    log(level, message) {
      logged.push([level, message]);
    },
  };
  // `wasi:cli/environment`: what Kiln hands the guest (its variables and
  // the host's KILN_ entries), as `[name, value]` pairs.
  const environment = {
    getEnvironment() {
      return env.map(([name, value]) => [name, value]);
    },
  };
  return { jira, storage, events, log, environment, sent, logged, data, transactions, expiring, pushed, jobs };
}
