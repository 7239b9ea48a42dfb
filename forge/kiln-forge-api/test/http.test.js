// Node's `http` and `https` clients as the layer gives them (src/node/http.js,
// https.js, http_client.js: over the layer's `fetch`), against Node's own:
// the same calls to the same loopback server, the same events in the same
// order, the same answers and the same errors. Node's `fetch` stands in for
// the engine's, as in fetch.test.js; the host's side (egress checks) is
// tested through Kiln in tests/tests/forge_http_client.rs.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as realHttp from 'node:http';
import { Writable as RealWritable } from 'node:stream';

import * as http from '../src/node/http.js';
import httpDefault from '../src/node/http.js';
import * as https from '../src/node/https.js';
import { installFetch } from '../src/fetch.js';
import { ExternalEndpointNotAllowedError, FetchError } from '../src/errors.js';

const nodeFetch = globalThis.fetch;

/** A loopback server answering by path; every request seen is recorded. */
async function server() {
  const seen = [];
  const srv = realHttp.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"no such thing"}');
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 150);
      } else if (req.url === '/cookies') {
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
        res.setHeader('x-answer', '42');
        res.end('with cookies');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-answer': '42' });
        res.end(JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null }));
      }
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  return { seen, port, base: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => srv.close(resolve)) };
}

/** Runs `start(module)` with Node's http and with the layer's, on one server. */
async function sideBySide(run) {
  const srv = await server();
  try {
    installFetch(nodeFetch, [srv.base]);
    const node = await run(realHttp, srv);
    const kiln = await run(http, srv);
    return { node, kiln, srv };
  } finally {
    globalThis.fetch = nodeFetch;
    await srv.close();
  }
}

/** The request's events in order, the response's status, headers and body. */
function exchange(module, start) {
  return new Promise((resolve) => {
    const events = [];
    let answer = null;
    const req = start(module, (res) => {
      events.push('response');
      const chunks = [];
      res.on('data', (c) => chunks.push(Buffer.from(c)));
      res.on('end', () => {
        events.push('end');
        answer = {
          status: res.statusCode,
          message: res.statusMessage,
          version: res.httpVersion,
          headers: pick(res.headers, ['content-type', 'x-answer', 'set-cookie', 'location']),
          body: Buffer.concat(chunks).toString('utf8'),
          complete: res.complete,
        };
      });
    });
    for (const name of ['socket', 'finish', 'timeout']) req.on(name, () => events.push(name));
    req.on('error', (error) => {
      events.push(`error ${error.code}`);
    });
    req.on('close', () => {
      events.push('close');
      setTimeout(() => resolve({ events, answer }), 10);
    });
  });
}

function pick(headers, names) {
  return Object.fromEntries(names.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]]));
}

test('a GET by options: the same request reaches the server, the same events and answer come back', async () => {
  const { node, kiln, srv } = await sideBySide((module, s) =>
    exchange(module, (m, onResponse) =>
      m.get({ hostname: '127.0.0.1', port: s.port, path: '/v1/things?q=a%20b', headers: { 'X-Trace': 'abc', Accept: 'application/json' } }, onResponse),
    ),
  );
  assert.deepEqual(kiln, node);
  assert.deepEqual(node.events, ['socket', 'finish', 'response', 'end', 'close']);
  assert.equal(node.answer.status, 200);
  assert.deepEqual(JSON.parse(kiln.answer.body), { method: 'GET', url: '/v1/things?q=a%20b', body: '', type: null });
  const [viaNode, viaKiln] = srv.seen;
  assert.equal(viaKiln.headers['x-trace'], 'abc');
  assert.equal(viaKiln.headers.accept, viaNode.headers.accept);
});

test('a POST written in pieces arrives as one body with its content type', async () => {
  const { node, kiln, srv } = await sideBySide((module, s) =>
    exchange(module, (m, onResponse) => {
      const req = m.request(`${s.base}/v1/things`, { method: 'post', headers: { 'content-type': 'application/json' } }, onResponse);
      req.write('{"name":');
      req.write(Buffer.from('"Zoë"'));
      req.end('}');
      return req;
    }),
  );
  assert.deepEqual(kiln, node);
  assert.deepEqual(JSON.parse(kiln.answer.body), {
    method: 'POST',
    url: '/v1/things',
    body: '{"name":"Zoë"}',
    type: 'application/json',
  });
  assert.equal(srv.seen[1].body, srv.seen[0].body);
});

test('an error status, a redirect (answered, not followed) and set-cookie come back as Node gives them', async () => {
  for (const path of ['/missing', '/moved', '/cookies']) {
    const { node, kiln, srv } = await sideBySide((module, s) =>
      exchange(module, (m, onResponse) => m.get(new URL(path, s.base), onResponse)),
    );
    assert.deepEqual(kiln, node, path);
    assert.deepEqual(srv.seen.map((r) => r.url), [path, path], 'a redirect is not followed');
  }
});

test('credentials in the URL or options.auth become Basic authorization, as Node sends it', async () => {
  const { srv } = await sideBySide(async (module, s) => {
    await exchange(module, (m, onResponse) => m.get(`http://us%40er:p%3Ass@127.0.0.1:${s.port}/a`, onResponse));
    await exchange(module, (m, onResponse) => m.get({ host: '127.0.0.1', port: s.port, path: '/b', auth: 'u:p' }, onResponse));
  });
  const auth = srv.seen.map((r) => r.headers.authorization);
  assert.deepEqual(auth.slice(2), auth.slice(0, 2));
  assert.equal(auth[0], `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
});

test('a request timeout emits timeout and the answer still arrives', async () => {
  const { node, kiln } = await sideBySide((module, s) =>
    exchange(module, (m, onResponse) => m.get({ hostname: '127.0.0.1', port: s.port, path: '/slow', timeout: 40 }, onResponse)),
  );
  assert.deepEqual(kiln, node);
  assert.deepEqual(node.events, ['socket', 'finish', 'timeout', 'response', 'end', 'close']);
  assert.equal(kiln.answer.body, 'late');
});

test('a request destroyed before its answer fails with socket hang up, then closes', async () => {
  const { node, kiln } = await sideBySide((module, s) =>
    exchange(module, (m, onResponse) => {
      const req = m.get({ hostname: '127.0.0.1', port: s.port, path: '/slow' }, onResponse);
      setTimeout(() => req.destroy(), 30);
      return req;
    }),
  );
  assert.deepEqual(kiln, node);
  assert.deepEqual(node.events, ['socket', 'finish', 'error ECONNRESET', 'close']);
});

test('a response read with setEncoding and piped into a writable', async () => {
  const { node, kiln } = await sideBySide(
    (module, s) =>
      new Promise((resolve) => {
        module.get(`${s.base}/text`, (res) => {
          res.setEncoding('utf8');
          const parts = [];
          res.pipe(
            new RealWritable({
              decodeStrings: false,
              write(chunk, _enc, cb) {
                parts.push(typeof chunk);
                parts.push(String(chunk).length > 0);
                cb();
              },
              final(cb) {
                resolve({ parts: [...new Set(parts)], status: res.statusCode });
                cb();
              },
            }),
          );
        });
      }),
  );
  assert.deepEqual(kiln, node);
});

test('what Node refuses before sending, Kiln refuses with the same error', () => {
  const cases = [
    (m) => m.request({ host: '127.0.0.1', path: '/a b' }),
    (m) => m.request({ protocol: 'https:' }),
    (m) => m.request({ method: 'G T' }),
    (m) => m.request({ headers: { 'a b': '1' } }),
    (m) => m.request({ headers: { a: 'x\r\nInjected: 1' } }),
    (m) => m.request('not a url'),
    (m) => m.request(42),
  ];
  for (const call of cases) {
    const failure = (module) => {
      try {
        const req = call(module);
        req.on('error', () => {});
        req.destroy();
        return 'no error';
      } catch (error) {
        return { name: error.name, code: error.code, message: error.message.split('.')[0] };
      }
    };
    assert.deepEqual(failure(http), failure(realHttp), String(call));
  }
  const req = http.request({ host: 'api.example.com' });
  req.on('error', () => {});
  assert.throws(() => req.setHeader('x', 'a\nb'), { code: 'ERR_INVALID_CHAR' });
  req.end();
  assert.throws(() => req.setHeader('x', 'y'), { code: 'ERR_HTTP_HEADERS_SENT' });
  req.destroy();
});

test('an undeclared host: error with Forge\'s allowlist error, close, and nothing sent', async () => {
  const srv = await server();
  let sent = 0;
  try {
    installFetch((...args) => {
      sent += 1;
      return nodeFetch(...args);
    }, ['https://api.example.com']);
    const { events, error } = await new Promise((resolve) => {
      const events = [];
      let error = null;
      const req = http.get(`${srv.base}/secret`, () => events.push('response'));
      req.on('error', (e) => {
        error = e;
        events.push('error');
      });
      req.on('close', () => {
        events.push('close');
        resolve({ events, error });
      });
    });
    assert.deepEqual(events, ['error', 'close']);
    assert.ok(error instanceof ExternalEndpointNotAllowedError);
    assert.match(error.message, /permissions\.external\.fetch\.backend/);
    assert.equal(sent, 0);
    assert.deepEqual(srv.seen, []);
  } finally {
    globalThis.fetch = nodeFetch;
    await srv.close();
  }
});

test('a path that would change the host is not sent', async () => {
  const sent = [];
  try {
    installFetch(async (url) => {
      sent.push(String(url));
      return new Response('ok');
    }, ['https://api.example.com', 'https://*.example.com', 'https://evil.example']);
    for (const path of ['@evil.example/x', '.example.com/', ':8443/', 'evil']) {
      const error = await new Promise((resolve) => {
        https.get({ hostname: 'api.example.com', path }, () => resolve('answered')).on('error', resolve);
      });
      assert.equal(error.code, 'ERR_INVALID_URL', path);
      assert.match(error.message, /does not stay on https:\/\/api\.example\.com/, path);
    }
    // A port in `host` is not a port: Node cannot send it either, and nothing goes to port 443.
    const hostWithPort = await new Promise((resolve) => {
      https.get({ host: 'api.example.com:8443', path: '/' }, () => resolve('answered')).on('error', resolve);
    });
    assert.equal(hostWithPort.code, 'ERR_INVALID_URL');
    assert.match(hostWithPort.message, /no URL has the host "api\.example\.com:8443"/);
    assert.deepEqual(sent, []);
    const ok = await new Promise((resolve, reject) => {
      https.get({ hostname: 'api.example.com', path: '/a/../b?c=@d' }, (res) => res.on('end', () => resolve(res.statusCode)).resume()).on('error', reject);
    });
    assert.equal(ok, 200);
    assert.deepEqual(sent, ['https://api.example.com/b?c=@d']);
  } finally {
    globalThis.fetch = nodeFetch;
  }
});

test('a request the host refuses emits the layer\'s FetchError', async () => {
  try {
    installFetch(async () => {
      throw new TypeError('NetworkError when attempting to fetch resource.');
    }, ['https://api.example.com']);
    const error = await new Promise((resolve) => {
      https.get('https://api.example.com/x', () => resolve('answered')).on('error', resolve);
    });
    assert.ok(error instanceof FetchError, String(error));
  } finally {
    globalThis.fetch = nodeFetch;
  }
});

test('https builds its URL with port 443 by default, drops host-owned headers and sends the body bytes', async () => {
  const sent = [];
  try {
    installFetch(async (url, init) => {
      sent.push({ url: String(url), method: init.method, headers: Object.fromEntries(init.headers), body: init.body, redirect: init.redirect });
      return new Response('{"ok":true}', { status: 201, statusText: 'Created', headers: { 'content-type': 'application/json' } });
    }, ['https://api.example.com']);
    const body = await new Promise((resolve, reject) => {
      const req = https.request(
        {
          hostname: 'api.example.com',
          path: '/v2/items?x=1',
          method: 'PUT',
          headers: { Host: 'evil.example', 'Content-Length': '999', Connection: 'upgrade', 'X-Keep': ['a', 'b'] },
          rejectUnauthorized: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, message: res.statusMessage, text }));
        },
      );
      req.on('error', reject);
      req.end(Buffer.from([1, 2, 3]));
    });
    await new Promise((resolve) =>
      https.get({ hostname: 'api.example.com', port: 8443, path: '/p' }, (res) => res.on('end', resolve).resume()),
    );
    assert.deepEqual(body, { status: 201, message: 'Created', text: '{"ok":true}' });
    assert.equal(sent[0].url, 'https://api.example.com/v2/items?x=1');
    assert.equal(sent[0].method, 'PUT');
    assert.equal(sent[0].redirect, 'manual');
    assert.deepEqual(sent[0].headers, { 'x-keep': 'a, b' });
    assert.deepEqual([...sent[0].body], [1, 2, 3]);
    assert.equal(sent[1].url, 'https://api.example.com:8443/p');
    assert.throws(() => https.request('http://api.example.com/'), { code: 'ERR_INVALID_PROTOCOL' });
  } finally {
    globalThis.fetch = nodeFetch;
  }
});

test('the module\'s shape: Node\'s names, agents that change nothing, no server', () => {
  for (const name of ['request', 'get', 'Agent', 'ClientRequest', 'IncomingMessage', 'METHODS', 'STATUS_CODES', 'globalAgent', 'validateHeaderName', 'validateHeaderValue', 'createServer', 'maxHeaderSize']) {
    assert.equal(typeof http[name], typeof realHttp[name], name);
    assert.equal(httpDefault[name], http[name], name);
  }
  assert.deepEqual(http.METHODS.filter((m) => realHttp.METHODS.includes(m)), [...realHttp.METHODS]);
  for (const [code, text] of Object.entries(realHttp.STATUS_CODES)) {
    assert.equal(http.STATUS_CODES[code], text, code);
  }
  assert.equal(new https.Agent({ keepAlive: true }).defaultPort, 443);
  assert.equal(https.globalAgent.defaultPort, 443);
  assert.ok(new http.Agent() instanceof http.Agent);
  assert.throws(() => http.createServer(() => {}), { code: 'ERR_KILN_NODE_MODULE_UNAVAILABLE', message: /web trigger/ });
  assert.throws(() => https.createServer(), { code: 'ERR_KILN_NODE_MODULE_UNAVAILABLE' });
});
