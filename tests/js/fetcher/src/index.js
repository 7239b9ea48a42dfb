// The JS egress cases' app (tests/tests/escape_js_egress.rs): one handler
// that fetches what the payload says, with Forge's `api.fetch` or the
// global `fetch`, and reports what it got: the response (status, headers,
// body) or the error it caught (Forge's class and name, the message, the
// engine's cause). Nothing here is trusted: the host checks every request.

import api from '@forge/api';

function describe(error) {
  if (error === null || typeof error !== 'object') {
    return { thrown: String(error) };
  }
  return {
    name: error.name,
    className: error.constructor?.name,
    message: error.message,
    status: error.status,
    cause: error.cause?.message,
  };
}

/**
 * `{ url, via: 'api' | 'global', init }` -> `{ ok: { status, ok,
 * statusText, contentType, location, body } }` or `{ err }` (the fetch
 * failed) or `{ bodyErr }` (the response came, its body failed).
 */
export async function fetch(payload) {
  const send = payload.via === 'global' ? globalThis.fetch : api.fetch;
  let response;
  try {
    response = await send(payload.url, payload.init);
  } catch (error) {
    return { err: describe(error) };
  }
  const head = {
    status: response.status,
    ok: response.ok,
    statusText: response.statusText,
    contentType: response.headers.get('content-type'),
    location: response.headers.get('location'),
  };
  try {
    return { ok: { ...head, body: await response.text() } };
  } catch (error) {
    return { bodyErr: describe(error), head };
  }
}
