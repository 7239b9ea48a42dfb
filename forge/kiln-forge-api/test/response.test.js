// The Response `requestJira` resolves with (src/response.js) against Node's
// own fetch Response, the type @forge/api 5 gives it: the same members, the
// same answers from every reader, clone and the body stream.

import test from 'node:test';
import assert from 'node:assert/strict';

import { Response as KilnResponse } from '../src/response.js';

const encoder = new TextEncoder();

function both(status, headers, text) {
  const ours = new KilnResponse({ status, headers, body: encoder.encode(text) });
  const theirs = new Response(NULL_BODY.has(status) ? null : text, { status, headers });
  return [ours, theirs];
}
const NULL_BODY = new Set([204, 205, 304]);

async function readStream(stream) {
  if (stream === null) return null;
  const chunks = [];
  for await (const chunk of stream) chunks.push(...chunk);
  return new TextDecoder().decode(new Uint8Array(chunks));
}

test('every member of fetch\'s Response is there', () => {
  const [ours] = both(200, [], '');
  for (const name of Object.getOwnPropertyNames(Response.prototype)) {
    if (name === 'constructor') continue;
    assert.ok(name in ours, name);
  }
  assert.equal(ours.url, '');
  assert.equal(ours.redirected, false);
  assert.equal(ours.type, 'basic');
});

test('each reader answers as Node\'s', async () => {
  const body = '{"key":"KILN-1","summary":"✓"}';
  const headers = [['Content-Type', 'application/json']];
  for (const reader of ['text', 'json', 'arrayBuffer', 'blob', 'bytes']) {
    if (typeof Response.prototype[reader] !== 'function') continue;
    const [ours, theirs] = both(200, headers, body);
    const [a, b] = [await ours[reader](), await theirs[reader]()];
    if (reader === 'blob') {
      assert.equal(a.type, b.type);
      assert.equal(await a.text(), await b.text());
    } else if (reader === 'arrayBuffer' || reader === 'bytes') {
      assert.deepEqual([...new Uint8Array(a)], [...new Uint8Array(b)]);
    } else {
      assert.deepEqual(a, b);
    }
    assert.equal(ours.bodyUsed, theirs.bodyUsed, reader);
    await assert.rejects(ours.text(), TypeError);
  }
});

test('formData reads URL-encoded and multipart bodies as Node\'s', async () => {
  const form = new FormData();
  form.append('key', 'KILN-1');
  form.append('note', 'é ✓');
  const multipart = new Response(form);
  const type = multipart.headers.get('content-type');
  const bytes = new Uint8Array(await multipart.arrayBuffer());
  const ours = new KilnResponse({ status: 200, headers: [['content-type', type]], body: bytes });
  assert.deepEqual([...(await ours.formData()).entries()], [...form.entries()]);
  const [a, b] = both(200, [['content-type', 'application/x-www-form-urlencoded']], 'a=1&b=x+y');
  assert.deepEqual([...(await a.formData()).entries()], [...(await b.formData()).entries()]);
});

test('clone gives a second readable copy; a used body cannot be cloned', async () => {
  const [ours, theirs] = both(201, [['x-trace', '1']], 'created');
  const [copy, theirCopy] = [ours.clone(), theirs.clone()];
  assert.equal(await ours.text(), await theirs.text());
  assert.equal(await copy.text(), await theirCopy.text());
  assert.equal(copy.status, 201);
  assert.equal(copy.headers.get('x-trace'), '1');
  assert.throws(() => ours.clone(), TypeError);
  assert.throws(() => theirs.clone(), TypeError);
});

test('the body is a stream of the bytes, null where the status has none', async () => {
  for (const status of [200, 404, 204]) {
    const [ours, theirs] = both(status, [], status === 204 ? '' : 'body ✓');
    assert.equal(ours.body === null, theirs.body === null, String(status));
    assert.equal(ours.body, ours.body);
    assert.equal(await readStream(ours.body), await readStream(theirs.body));
    if (status !== 204) {
      assert.equal(ours.bodyUsed, theirs.bodyUsed);
      assert.equal(ours.bodyUsed, true);
    }
  }
});
