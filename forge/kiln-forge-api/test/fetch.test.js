// `api.fetch` against Forge's documented behaviour: a Response for any HTTP
// status, `ExternalEndpointNotAllowedError` (REQUEST_EGRESS_ALLOWLIST_ERR,
// 403) for a URL the manifest does not declare, `FetchError`
// (FUNCTION_FETCH_ERR) when the request fails. Node's own `fetch` and a
// real server on loopback stand in for the engine's `fetch` and the host
// (the host's side is tested through Kiln in tests/tests/escape_js_egress.rs).

import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import api, {
  fetch,
  ExternalEndpointNotAllowedError,
  FetchError,
  FUNCTION_FETCH_ERR,
  REQUEST_EGRESS_ALLOWLIST_ERR,
} from '../src/index.js';
import { installFetch } from '../src/fetch.js';
import { dispatch } from '../src/handler.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const nodeFetch = globalThis.fetch;

/** A loopback server counting requests; `/missing` is a 404. */
async function server() {
  const seen = [];
  const http = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"no such thing"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-answer': '42' });
    res.end(JSON.stringify({ method: req.method, url: req.url }));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address();
  return { seen, port, close: () => new Promise((resolve) => http.close(resolve)) };
}

test('without a declared backend, api.fetch throws Forge\'s allowlist error naming the permission, and so does the global fetch', async () => {
  try {
    installFetch(null, []);
    const url = 'https://api.example.com/v1/things';
    for (const call of [() => api.fetch(url), () => fetch(url), () => globalThis.fetch(url)]) {
      await assert.rejects(call(), (error) => {
        assert.ok(error instanceof ExternalEndpointNotAllowedError);
        assert.equal(error.name, REQUEST_EGRESS_ALLOWLIST_ERR);
        assert.equal(error.status, 403);
        assert.match(error.message, /^URL not included in the external fetch backend permissions: https:\/\/api\.example\.com\/v1\/things\./);
        assert.match(error.message, /permissions\.external\.fetch\.backend/);
        return true;
      });
    }
  } finally {
    globalThis.fetch = nodeFetch;
  }
});

test('a declared backend: the response comes back with Forge\'s Response surface, for any status', async () => {
  const srv = await server();
  try {
    installFetch(nodeFetch, [`http://localhost:${srv.port}`]);
    const ok = await api.fetch(`http://localhost:${srv.port}/v1/things?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(ok.ok, true);
    assert.equal(ok.status, 200);
    assert.equal(ok.statusText, 'OK');
    assert.equal(ok.headers.get('X-Answer'), '42');
    assert.deepEqual(await ok.json(), { method: 'POST', url: '/v1/things?q=1' });

    const missing = await api.fetch(`http://localhost:${srv.port}/missing`);
    assert.equal(missing.ok, false);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'no such thing' });
    // Forge's fetch is node-fetch: its responses have buffer() too.
    const again = await api.fetch(`http://localhost:${srv.port}/missing`);
    assert.equal((await again.buffer()).toString('utf8'), '{"error":"no such thing"}');
    assert.deepEqual(srv.seen, ['POST /v1/things?q=1', 'GET /missing', 'GET /missing']);
  } finally {
    await srv.close();
  }
});

test('an undeclared host, scheme or the parent of a wildcard is refused before anything is sent', async () => {
  const srv = await server();
  let sent = 0;
  const counting = (...args) => {
    sent += 1;
    return nodeFetch(...args);
  };
  try {
    installFetch(counting, ['https://api.example.com', 'https://*.example.org', 'http://localhost:8080']);
    const refused = [
      `http://127.0.0.1:${srv.port}/`,
      'https://evil.example.com/',
      'https://api.example.com.evil.test/',
      'http://api.example.com/',
      'https://example.org/',
      'https://xexample.org/',
      `https://localhost:${srv.port}/`,
      'ftp://api.example.com/',
    ];
    for (const url of refused) {
      await assert.rejects(api.fetch(url), ExternalEndpointNotAllowedError, url);
    }
    await assert.rejects(api.fetch('not a url'), TypeError);
    assert.equal(sent, 0);
    assert.deepEqual(srv.seen, []);
  } finally {
    await srv.close();
  }
});

test('a wildcard covers subdomains at any depth; host names compare without case or a final dot', async () => {
  const seen = [];
  installFetch(async (url) => {
    seen.push(String(url));
    return new Response('ok');
  }, ['https://*.example.org', 'https://api.example.com']);
  for (const url of ['https://a.example.org/', 'https://a.b.example.org/x', 'https://API.Example.COM./y']) {
    assert.equal(await (await api.fetch(url)).text(), 'ok');
  }
  assert.equal(seen.length, 3);
});

test('a request the host refuses or fails becomes Forge\'s FetchError, keeping the engine\'s error as its cause', async () => {
  const engineError = new TypeError('NetworkError when attempting to fetch resource');
  installFetch(async () => {
    throw engineError;
  }, ['https://api.example.com']);
  await assert.rejects(api.fetch('https://api.example.com/private'), (error) => {
    assert.ok(error instanceof FetchError);
    assert.equal(error.name, FUNCTION_FETCH_ERR);
    assert.equal(error.cause, engineError);
    assert.match(error.message, /^request to https:\/\/api\.example\.com\/private failed: Kiln's egress refused/);
    return true;
  });
});

test('the global fetch refuses an undeclared host with a TypeError naming it, before anything is sent', async () => {
  let sent = 0;
  installFetch(async () => {
    sent += 1;
    return new Response('ok');
  }, ['https://api.example.com']);
  try {
    for (const [url, named] of [
      ['https://api.example.org/x', 'https://api.example.org'],
      ['http://api.example.com/', 'http://api.example.com'],
      ['http://127.0.0.1:8080/rest', 'http://127.0.0.1'],
      [new Request('https://evil.test/'), 'https://evil.test'],
    ]) {
      await assert.rejects(globalThis.fetch(url), (error) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.equal(
          error.message,
          `NetworkError when attempting to fetch resource. (Kiln: ${named} is not declared in permissions.external.fetch.backend)`,
        );
        return true;
      });
    }
    assert.equal(sent, 0);
    // Declared, and not http(s) at all: the engine's to answer.
    assert.equal(await (await globalThis.fetch('https://API.example.com/ok')).text(), 'ok');
    assert.equal(await (await globalThis.fetch('data:text/plain,hi')).text(), 'ok');
    assert.equal(sent, 2);
  } finally {
    installFetch(nodeFetch, []);
    globalThis.fetch = nodeFetch;
  }
});

test('the global fetch keeps the engine\'s TypeError for a refused request, with Kiln\'s reasons and the original as cause', async () => {
  const engineError = new TypeError('NetworkError when attempting to fetch resource.');
  installFetch(async () => {
    throw engineError;
  }, ['https://api.example.com']);
  try {
    await assert.rejects(globalThis.fetch('https://api.example.com/private'), (error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.cause, engineError);
      assert.match(error.message, /^NetworkError when attempting to fetch resource\. \(Kiln: Kiln's egress refused/);
      return true;
    });
  } finally {
    installFetch(nodeFetch, []);
    globalThis.fetch = nodeFetch;
  }
});

/** A stand-in engine fetch whose answers the test settles by hand, in any order. */
function manualFetch() {
  const calls = [];
  const native = (input, init) =>
    new Promise((resolve, reject) => {
      calls.push({ url: String(input), body: init?.body, resolve, reject });
    });
  return { calls, native };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('requests with a body are in flight together, each with the body it was given', async () => {
  const { calls, native } = manualFetch();
  installFetch(native, ['https://api.example.com']);
  try {
    const first = globalThis.fetch('https://api.example.com/1', { method: 'POST', body: 'first' });
    const second = api.fetch('https://api.example.com/2', { method: 'POST', body: 'second' });
    const bodiless = globalThis.fetch('https://api.example.com/3');
    await tick();
    // All three are sent before any has settled.
    assert.deepEqual(calls.map((c) => c.url).sort(), [
      'https://api.example.com/1',
      'https://api.example.com/2',
      'https://api.example.com/3',
    ]);
    const byUrl = (url) => calls.find((c) => c.url === `https://api.example.com/${url}`);
    assert.equal(byUrl(1).body, 'first');
    assert.equal(byUrl(2).body, 'second');
    byUrl(1).reject(new TypeError('NetworkError when attempting to fetch resource'));
    await assert.rejects(first, TypeError);
    byUrl(3).resolve(new Response('{}'));
    byUrl(2).resolve(new Response('{"ok":true}'));
    assert.equal((await bodiless).status, 200);
    assert.deepEqual(await (await second).json(), { ok: true });
  } finally {
    installFetch(nodeFetch, []);
    globalThis.fetch = nodeFetch;
  }
});

test('the dispatcher answers once the fetches the handler left open have settled', async () => {
  const { calls, native } = manualFetch();
  installFetch(native, ['https://api.example.com']);
  installHost(fakeHost());
  try {
    let answered = false;
    const modules = {
      index: {
        leaves: async () => {
          globalThis.fetch('https://api.example.com/late', { method: 'POST', body: 'x' }).catch(() => null);
          globalThis.fetch('https://api.example.com/other', { method: 'POST', body: 'y' }).catch(() => null);
          return 'early';
        },
      },
    };
    const answer = dispatch(modules, 'index.leaves', '{}', { trigger: 'function' }).then((json) => {
      answered = true;
      return json;
    });
    await tick();
    assert.equal(answered, false);
    assert.equal(calls.length, 2);
    calls[0].reject(new TypeError('refused'));
    await tick();
    assert.equal(answered, false, 'the second request is still open');
    calls[1].resolve(new Response('{}'));
    assert.equal(await answer, '"early"');
  } finally {
    installFetch(nodeFetch, []);
    globalThis.fetch = nodeFetch;
  }
});
