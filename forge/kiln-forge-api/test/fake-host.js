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

export function fakeHost({ answers = {}, refuse = {}, env = [] } = {}) {
  const sent = [];
  const logged = [];
  const data = new Map();
  const secrets = new Map();
  const cursors = new Set();
  const transactions = [];
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
  const storage = {
    get(key) {
      return data.get(key);
    },
    set(key, value) {
      JSON.parse(value);
      version += 1n;
      data.set(key, { key, value, version });
      return version;
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
        JSON.parse(value);
        version += 1n;
        data.set(key, { key, value, version });
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
        const current = data.get(key);
        const holds =
          expected === undefined ||
          (expected.tag === 'absent' ? current === undefined : current !== undefined && current.version === expected.val);
        if (!holds) return { tag: 'condition-failed', val: index };
      }
      version += 1n;
      for (const { key, action } of operations) {
        if (action.tag === 'set') data.set(key, { key, value: action.val, version });
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
  return { jira, storage, log, environment, sent, logged, data, transactions };
}
