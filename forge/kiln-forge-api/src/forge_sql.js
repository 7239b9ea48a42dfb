// Forge SQL's transport on Kiln: what `__fetchProduct({ provider: 'app',
// remote: 'sql' })` answers, over the host's `sql` interface
// (kiln:app@0.5.0).
//
// The real `@forge/sql` package is bundled unchanged: its SqlClient POSTs
// `{ query, params, method }` as JSON to one of two endpoints of Forge's SQL
// service and reads a fetch Response (`ok`, `status`, `statusText`,
// `headers.get`, `text()`); an error's body `{ code, message }` becomes its
// ForgeSQLAPIError. So this file speaks that service's protocol, and the
// package's own code (statements, bindParams, the migration runner, its
// error classes) is what the app runs, as on Forge. Nothing here is a
// security check: the host parses and limits every statement, whatever a
// guest sends through this file or past it.

import { host, witError } from './host.js';
import { Response } from './response.js';

/** Forge SQL's endpoints (@forge/sql `SQL_API_ENDPOINTS`) and the statement kind each sends. */
const ENDPOINTS = new Map([
  ['/api/v1/execute', 'data'],
  ['/api/v1/execute/ddl', 'schema'],
]);

/**
 * The host's `sql-error-code` as Forge's SQL service answers it: the
 * `errorCodes` value apps compare `ForgeSQLAPIError.code` with, and the
 * HTTP status it comes with (`responseDetails.status`).
 */
const ERRORS = {
  'invalid-sql-query': { code: 'INVALID_SQL_QUERY', status: 400 },
  'sql-execution-error': { code: 'SQL_EXECUTION_ERROR', status: 400 },
  'query-timed-out': { code: 'QUERY_TIMED_OUT', status: 504 },
  'app-not-enabled': { code: 'APP_NOT_ENABLED', status: 403 },
  'unknown-error': { code: 'UNKNOWN_ERROR', status: 500 },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function answer(status, text) {
  return new Response({
    status,
    headers: [['content-type', 'application/json']],
    body: encoder.encode(text),
  });
}

/** A Forge-style error response: the body @forge/sql parses into ForgeSQLAPIError. */
function failure(status, code, message) {
  return answer(status, JSON.stringify({ code, message }));
}

/** True for the product `@forge/sql` fetches through: Forge SQL. */
export function isSqlProduct(args) {
  return args !== null && typeof args === 'object' && args.provider === 'app' && args.remote === 'sql';
}

/** The request body as text: a string, or bytes (fetch's other common body). */
function bodyText(body) {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  if (body instanceof ArrayBuffer) return decoder.decode(new Uint8Array(body));
  return undefined;
}

/**
 * Forge SQL's fetch: `path` one of its endpoints, `init` a POST whose body
 * is `{ query, params, method }` as JSON. Resolves with the service's
 * answer: 200 and the host's JSON text (`{"rows": ...}`), or the error
 * status and `{ code, message }`.
 */
export async function fetchSql(path, init = {}) {
  const kind = ENDPOINTS.get(String(path));
  if (kind === undefined) {
    return failure(404, 'NOT_FOUND', `Forge SQL has no endpoint ${String(path)} (it serves ${[...ENDPOINTS.keys()].join(' and ')})`);
  }
  const method = String(init?.method ?? 'GET').toUpperCase();
  if (method !== 'POST') {
    return failure(405, 'METHOD_NOT_ALLOWED', `Forge SQL's ${String(path)} takes POST, not ${method}`);
  }
  let request;
  try {
    request = JSON.parse(bodyText(init.body) ?? '');
  } catch {
    request = undefined;
  }
  if (request === null || typeof request !== 'object' || typeof request.query !== 'string') {
    return failure(400, 'INVALID_SQL_QUERY', 'The request body is not JSON of { query, params }');
  }
  const params = request.params ?? [];
  if (!Array.isArray(params)) {
    return failure(400, 'INVALID_SQL_QUERY', 'params must be an array');
  }
  let sql;
  try {
    sql = host().sql;
  } catch (error) {
    return failure(500, 'UNKNOWN_ERROR', error.message);
  }
  if (sql === undefined || sql === null) {
    return failure(500, 'UNKNOWN_ERROR', 'Kiln host has no sql interface: build the app with a Kiln whose world is kiln:app@0.5.0 or later');
  }
  try {
    // The parameters go as the JSON they arrived in: a Date the app bound
    // is already its ISO text, as Forge's service receives it.
    return answer(200, sql.execute(kind, request.query, JSON.stringify(params)));
  } catch (thrown) {
    const error = witError(thrown);
    if (error === undefined) throw thrown;
    const known = ERRORS[error?.code] ?? ERRORS['unknown-error'];
    return failure(known.status, known.code, String(error?.message ?? ''));
  }
}
