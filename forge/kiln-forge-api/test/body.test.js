// Request bodies as Forge's fetch (node-fetch) takes them: FormData, Blob,
// URLSearchParams, streams and the `form-data` package become the bytes
// Kiln's host sends, with the Content-Type node-fetch would give them; and
// the XSRF header Atlassian's upload examples send is left to the host.
// Kiln's `form-data` is compared with what the real package (4.0.5) writes
// for the same calls.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';

import api, { route } from '../src/index.js';
import { installHost } from '../src/host.js';
import { kilnRequest } from '../src/request.js';
import { encodeBody, withQuotedBoundary } from '../src/body.js';
import { installFetch } from '../src/fetch.js';
import { fakeHost } from './fake-host.js';

const require = createRequire(import.meta.url);
const PackageFormData = require('../src/node/form_data.cjs');

const decode = (bytes) => Buffer.from(bytes).toString('latin1');

/** The boundary a multipart Content-Type names. */
function boundaryOf(contentType) {
  const match = /^multipart\/form-data; ?boundary=(.+)$/.exec(contentType);
  assert.ok(match, `a multipart type with its boundary: ${contentType}`);
  return match[1];
}

const header = (request, name) =>
  request.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);

// `form-data` 4.0.5 (npm), `setBoundary` as below and these appends, printed
// with `getBuffer().toString('latin1')` and `getHeaders(...)`.
const BOUNDARY = '--------------------------kilntestboundary00000000';
const PACKAGE_BYTES =
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n\u0000\u00ffA\r\n\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="C:\\dir\\data.json"\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="count"\r\n\r\n3\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\nh\u00c3\u00a9llo\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="blob"\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="raw"; filename="x.unknownext"\r\nContent-Type: application/octet-stream\r\n\r\nr\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="typed"; filename="y.csv"\r\nContent-Type: text/csv\r\n\r\nabc\r\n` +
  `--${BOUNDARY}--\r\n`;

function packageForm() {
  const form = new PackageFormData();
  form.setBoundary(BOUNDARY);
  form.append('file', Buffer.from([0x00, 0xff, 0x41, 0x0d, 0x0a]), 'notes/a.txt');
  form.append('file', Buffer.from('{"a":1}'), { filename: 'C:\\dir\\data.json' });
  form.append('count', 3);
  form.append('text', 'h\u00e9llo');
  form.append('blob', Buffer.from('xyz'));
  form.append('raw', Buffer.from('r'), { filename: 'x.unknownext' });
  form.append('typed', 'abc', { contentType: 'text/csv', filename: 'y.csv' });
  return form;
}

test("Kiln's form-data writes what the package writes", () => {
  const form = packageForm();
  assert.equal(form.getBuffer().toString('latin1'), PACKAGE_BYTES);
  assert.equal(form.getLengthSync(), 1056);
  assert.ok(Buffer.isBuffer(form.getBuffer()));
  assert.deepEqual(form.getHeaders({ 'X-Atlassian-Token': 'no-check' }), {
    'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
    'x-atlassian-token': 'no-check',
  });
  assert.equal(form.hasKnownLength(), true);
  assert.equal(String(form), '[object FormData]');
});

test('form-data: a fresh boundary per form, the package\'s shape; what cannot exist in the sandbox is refused', async () => {
  const one = new PackageFormData();
  const two = new PackageFormData();
  assert.match(one.getBoundary(), /^-{26}[0-9a-f]{24}$/);
  assert.notEqual(one.getBoundary(), two.getBoundary());
  assert.equal(one.getBoundary(), one.getBoundary());
  assert.throws(() => one.append('a', [1, 2]), /Arrays are not supported/);
  assert.throws(() => one.append('a', { pipe() {} }), /strings, numbers and bytes/);
  assert.throws(() => one.append('a', null), /got null/);
  assert.throws(() => one.submit('https://example.com'), /socket/);
  assert.throws(() => one.setBoundary(3), TypeError);
  // An empty form is its closing line.
  assert.equal(one.getBuffer().toString(), `--${one.getBoundary()}--\r\n`);
  // getLength answers through its callback, as the package's.
  one.append('a', 'b');
  const length = await new Promise((resolve, reject) => one.getLength((error, n) => (error ? reject(error) : resolve(n))));
  assert.equal(length, one.getBuffer().length);
});

test('form-data: a quote or line break in a name cannot add a header to the part', () => {
  const form = new PackageFormData();
  form.setBoundary('b');
  form.append('x"\r\nContent-Type: evil', 'v', 'f"\r\n.txt');
  const text = form.getBuffer().toString();
  assert.equal(
    text,
    '--b\r\nContent-Disposition: form-data; name="x%22%0D%0AContent-Type: evil"; filename="f%22%0D%0A.txt"\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--\r\n',
  );
});

test('a standard FormData is sent as multipart bytes with its boundary in the Content-Type', async () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array([0, 255, 10])], { type: 'image/png' }), 'pixel.png');
  form.append('comment', 'two words');
  const request = await kilnRequest('app', route`/rest/api/3/issue/${'KILN-1'}/attachments`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'X-Atlassian-Token': 'no-check', 'User-Agent': 'curl/8.5.0' },
    body: form,
  });
  const [contentType] = header(request, 'content-type');
  const boundary = boundaryOf(contentType);
  const text = decode(request.body);
  assert.ok(text.startsWith(`--${boundary}\r\n`), text);
  assert.match(text, /Content-Disposition: form-data; name="file"; filename="pixel.png"\r\nContent-Type: image\/png\r\n\r\n\u0000\u00ff\n\r\n/);
  assert.match(text, /name="comment"\r\n\r\ntwo words\r\n/);
  assert.ok(text.trimEnd().endsWith(`--${boundary}--`));
  // Jira's XSRF header and the User-Agent are the host's to send; the app's copies
  // are left out, the rest kept.
  assert.deepEqual(header(request, 'x-atlassian-token'), []);
  assert.deepEqual(header(request, 'user-agent'), []);
  assert.deepEqual(header(request, 'accept'), ['application/json']);
});

test("the app's own Content-Type wins; other bodies get node-fetch's", async () => {
  const own = await kilnRequest('app', route`/x`, {
    method: 'POST',
    headers: [['content-type', 'text/csv']],
    body: new Blob(['a,b'], { type: 'text/plain' }),
  });
  assert.deepEqual(header(own, 'content-type'), ['text/csv']);
  assert.equal(decode(own.body), 'a,b');

  const blob = await kilnRequest('app', route`/x`, { method: 'PUT', body: new Blob(['{}'], { type: 'application/json' }) });
  assert.deepEqual(header(blob, 'content-type'), ['application/json']);

  const untyped = await kilnRequest('app', route`/x`, { method: 'PUT', body: new Blob(['raw']) });
  assert.deepEqual(header(untyped, 'content-type'), []);
  assert.equal(decode(untyped.body), 'raw');

  const params = await kilnRequest('app', route`/x`, { method: 'POST', body: new URLSearchParams({ a: '1 2', b: 'é' }) });
  assert.deepEqual(header(params, 'content-type'), ['application/x-www-form-urlencoded;charset=UTF-8']);
  assert.equal(Buffer.from(params.body).toString(), 'a=1+2&b=%C3%A9');

  // A string gets node-fetch's type (Node's fetch gives the same).
  const text = await kilnRequest('app', route`/x`, { method: 'POST', body: '{"a":1}' });
  assert.deepEqual(header(text, 'content-type'), ['text/plain;charset=UTF-8']);
  assert.equal(new Request('http://x', { method: 'POST', body: '{"a":1}' }).headers.get('content-type'), 'text/plain;charset=UTF-8');

  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('chunk one, '));
      controller.enqueue(new TextEncoder().encode('chunk two'));
      controller.close();
    },
  });
  const streamed = await kilnRequest('app', route`/x`, { method: 'POST', body: stream });
  assert.equal(decode(streamed.body), 'chunk one, chunk two');

  for (const header of [{ 'X-ATLASSIAN-TOKEN': 'nocheck' }, [['x-atlassian-token', 'no-check']], new Headers({ 'X-Atlassian-Token': 'no-check' })]) {
    const request = await kilnRequest('app', route`/x`, { method: 'POST', headers: header, body: 'x' });
    // The token header is the host's to send; the string's type is node-fetch's.
    assert.deepEqual(request.headers, [['Content-Type', 'text/plain;charset=UTF-8']]);
  }
});

test('encodeBody: bytes of every kind as they are; anything else as its string, as fetch sends it', async () => {
  const bytes = new Uint8Array([1, 2, 3, 4]);
  assert.deepEqual([...(await encodeBody(bytes)).bytes], [1, 2, 3, 4]);
  assert.deepEqual([...(await encodeBody(bytes.buffer)).bytes], [1, 2, 3, 4]);
  assert.deepEqual([...(await encodeBody(new DataView(bytes.buffer, 1, 2))).bytes], [2, 3]);
  assert.deepEqual([...(await encodeBody(Buffer.from('hi'))).bytes], [104, 105]);
  assert.deepEqual(await encodeBody(undefined), { bytes: undefined, contentType: undefined });
  assert.deepEqual(await encodeBody(null), { bytes: undefined, contentType: undefined });
  // What Node's fetch (and node-fetch) sends for each: its string, as text.
  for (const other of [{ a: 1 }, 3, true, [1, 2], { toString: () => 'custom' }]) {
    const reference = new Request('http://x', { method: 'PUT', body: other });
    const encoded = encodeBody(other);
    assert.equal(new TextDecoder().decode(encoded.bytes), await reference.text(), String(other));
    assert.equal(encoded.contentType, reference.headers.get('content-type'), String(other));
  }
  assert.throws(() => encodeBody({ toString() { throw new TypeError('no string'); } }), /no string/);
  // Only a body the engine must read is a promise.
  assert.ok(!(encodeBody('text') instanceof Promise));
  const blob = encodeBody(new Blob(['x'], { type: 'text/plain' }));
  assert.ok(blob instanceof Promise);
  assert.deepEqual(await blob, { bytes: new Uint8Array([120]), contentType: 'text/plain' });
});

test('requestJira sends a form-data upload as the bytes and type node-fetch would', async () => {
  const host = fakeHost({ answers: { 'post /rest/api/3/issue/KILN-1/attachments': { status: 200, body: '[]' } } });
  installHost(host);
  const form = packageForm();
  const response = await api.asApp().requestJira(route`/rest/api/3/issue/${'KILN-1'}/attachments`, {
    method: 'POST',
    body: form,
    headers: { 'X-Atlassian-Token': 'no-check', Accept: 'application/json' },
  });
  assert.equal(response.status, 200);
  const [sent] = host.sent;
  assert.equal(decode(sent.body), PACKAGE_BYTES);
  assert.deepEqual(sent.headers, [
    ['Accept', 'application/json'],
    ['Content-Type', `multipart/form-data; boundary=${BOUNDARY}`],
  ]);
  // Atlassian's example passes `form.getHeaders()` too: its type is the app's and the same.
  const again = await api.asApp().requestJira(route`/rest/api/3/issue/${'KILN-1'}/attachments`, {
    method: 'POST',
    body: form,
    headers: form.getHeaders({ 'X-Atlassian-Token': 'no-check' }),
  });
  assert.equal(again.status, 200);
  assert.deepEqual(host.sent[1].headers, [['content-type', `multipart/form-data; boundary=${BOUNDARY}`]]);
});

test('api.fetch sends a form-data package body as node-fetch does; a standard FormData goes to the engine as it is', async () => {
  const received = [];
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ type: req.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address();
  const nodeFetch = globalThis.fetch;
  try {
    installFetch(nodeFetch, [`http://localhost:${port}`]);
    const url = `http://localhost:${port}/upload`;
    const response = await api.fetch(url, { method: 'POST', body: packageForm(), headers: { accept: 'application/json' } });
    assert.equal(response.status, 201);
    assert.equal(received[0].type, `multipart/form-data; boundary=${BOUNDARY}`);
    assert.equal(received[0].body, PACKAGE_BYTES);

    const form = new FormData();
    form.append('file', new Blob(['abc'], { type: 'text/plain' }), 'a.txt');
    await api.fetch(url, { method: 'POST', body: form });
    const boundary = boundaryOf(received[1].type);
    assert.match(received[1].body, new RegExp(`^--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--${boundary}--`));
  } finally {
    installFetch(null, []);
    globalThis.fetch = nodeFetch;
    await new Promise((resolve) => http.close(resolve));
  }
});

test("a boundary that is not a token is quoted, as RFC 2046 asks (the engine's FormData uses base64 ones)", () => {
  assert.equal(
    withQuotedBoundary('multipart/form-data; boundary=--StarlingMonkeyFormBoundaryHCXiyX//1ggbPVEE'),
    'multipart/form-data; boundary="--StarlingMonkeyFormBoundaryHCXiyX//1ggbPVEE"',
  );
  assert.equal(
    withQuotedBoundary('multipart/form-data; boundary=--StarlingMonkeyFormBoundary+ridf1B5A+sJNnCa'),
    'multipart/form-data; boundary=--StarlingMonkeyFormBoundary+ridf1B5A+sJNnCa',
  );
  for (const kept of [
    'multipart/form-data; boundary=----formdata-undici-0123',
    'multipart/form-data; boundary="a/b"',
    'application/json',
    'text/plain; charset=a/b',
  ]) {
    assert.equal(withQuotedBoundary(kept), kept);
  }
});
