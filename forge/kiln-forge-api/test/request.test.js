import test from 'node:test';
import assert from 'node:assert/strict';

import api, {
  route,
  asApp,
  asUser,
  ProductEndpointNotAllowedError,
  NeedsAuthenticationError,
  ProxyRequestError,
  FetchError,
  NEEDS_AUTHENTICATION_ERR,
  REQUEST_EGRESS_ALLOWLIST_ERR,
} from '../src/index.js';
import { installHost } from '../src/host.js';
import { kilnRequest } from '../src/request.js';
import { dispatch } from '../src/handler.js';
import { fakeHost } from './fake-host.js';

test('a route becomes Kiln request record: path, raw query pairs, bytes', async () => {
  const request = await kilnRequest('user', route`/rest/api/3/issue/${'A B'}?fields=${'summary,status'}&x=${'a+b c'}`, {
    method: 'put',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ a: 1 }),
  });
  assert.equal(request.principal, 'user');
  assert.equal(request.method, 'put');
  assert.equal(request.path, '/rest/api/3/issue/A%20B');
  assert.deepEqual(request.query, [
    ['fields', 'summary,status'],
    ['x', 'a+b c'],
  ]);
  assert.deepEqual(request.headers, [['Content-Type', 'application/json']]);
  assert.equal(new TextDecoder().decode(request.body), '{"a":1}');
  assert.equal((await kilnRequest('app', route`/rest/api/3/myself`)).body, undefined);
  assert.equal((await kilnRequest('app', route`/rest/api/3/myself`)).method, 'get');
});

test("a route without its leading slash gets one, as @forge/api's productURL gives it", async () => {
  const request = await kilnRequest('user', route`rest/agile/1.0/board/${42}/configuration?x=${'y'}`);
  assert.equal(request.path, '/rest/agile/1.0/board/42/configuration');
  assert.deepEqual(request.query, [['x', 'y']]);
  // A path that starts with `/`, or names a scheme, is passed as written, for the host to judge.
  assert.equal((await kilnRequest('user', route`//example.com/x`)).path, '//example.com/x');
  assert.equal((await kilnRequest('user', route`https://example.com/x`)).path, 'https://example.com/x');
});

test('methods Kiln cannot send and plain strings are refused before the host', async () => {
  assert.throws(() => kilnRequest('app', route`/x`, { method: 'TRACE' }), TypeError);
  assert.throws(() => kilnRequest('app', '/rest/api/3/myself'), /You must create your route/);
  assert.throws(() => kilnRequest('app', route`/x`, { method: 'POST', body: { toString() { throw new TypeError('no string'); } } }), /no string/);
});

test('requestJira refuses by rejecting, never by throwing, as an async function does', async () => {
  const host = fakeHost();
  installHost(host);
  const refused = [
    [() => asApp().requestJira(route`/x`, { method: 'TRACE' }), TypeError],
    [() => asUser().requestJira('/rest/api/3/myself'), /You must create your route/],
    [() => api.asApp().requestJira(route`/x`, { method: 'POST', body: { toString() { throw new TypeError('no string'); } } }), /no string/],
    [() => asApp().requestJira(route`/x`, { body: new ReadableStream({ start: (c) => c.error(new Error('broken stream')) }), method: 'POST' }), /broken stream/],
  ];
  for (const [call, expected] of refused) {
    let pending;
    assert.doesNotThrow(() => {
      pending = call();
    });
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, expected);
  }
  assert.equal(host.sent.length, 0);

  // A host refusal is a rejection too, with Forge's error.
  const refusing = fakeHost({ refuse: { 'get /rest/api/3/myself': { tag: 'unknown-route', val: 'GET /rest/api/3/myself' } } });
  installHost(refusing);
  const pending = asApp().requestJira(route`/rest/api/3/myself`);
  assert.ok(pending instanceof Promise);
  await assert.rejects(pending);
  assert.equal(refusing.sent.length, 1);
});

test('the body readers return promises; a second read and bad JSON reject', async () => {
  installHost(fakeHost({ answers: { 'get /a': { status: 200, body: '{"a":1}' }, 'get /b': { status: 200, body: 'not json' } } }));
  const a = await asApp().requestJira(route`/a`);
  const reading = a.json();
  assert.ok(reading instanceof Promise);
  assert.deepEqual(await reading, { a: 1 });
  for (const again of [() => a.text(), () => a.json(), () => a.arrayBuffer(), () => a.buffer()]) {
    let pending;
    assert.doesNotThrow(() => {
      pending = again();
    });
    await assert.rejects(pending, TypeError);
  }
  const b = await asApp().requestJira(route`/b`);
  await assert.rejects(b.json(), SyntaxError);
  const c = await asApp().requestJira(route`/a`);
  const buffer = await c.buffer();
  assert.equal(buffer.toString('utf8'), '{"a":1}');
  const d = await asApp().requestJira(route`/a`);
  assert.equal(new TextDecoder().decode(await d.arrayBuffer()), '{"a":1}');
});

test('requestJira resolves with a fetch-like Response for any status', async () => {
  const host = fakeHost({
    answers: {
      'get /rest/api/3/issue/KILN-1': { status: 200, body: '{"key":"KILN-1"}', headers: [['Content-Type', 'application/json'], ['X-A', '1'], ['x-a', '2']] },
    },
  });
  installHost(host);
  const ok = await api.asUser().requestJira(route`/rest/api/3/issue/${'KILN-1'}`);
  assert.equal(ok.ok, true);
  assert.equal(ok.status, 200);
  assert.equal(ok.statusText, 'OK');
  assert.equal(ok.headers.get('content-type'), 'application/json');
  assert.equal(ok.headers.get('X-A'), '1, 2');
  assert.deepEqual(await ok.json(), { key: 'KILN-1' });
  assert.equal(ok.bodyUsed, true);
  await assert.rejects(ok.text(), TypeError);

  const missing = await asApp().requestJira(route`/rest/api/3/issue/${'NOPE-1'}`);
  assert.equal(missing.ok, false);
  assert.equal(missing.status, 404);
  assert.equal(missing.statusText, 'Not Found');
  const bytes = new Uint8Array(await missing.arrayBuffer());
  assert.equal(new TextDecoder().decode(bytes), '{"errorMessages":["not found"]}');
  // node-fetch's buffer(), as Forge's responses have it.
  const again = await asApp().requestJira(route`/rest/api/3/issue/${'NOPE-1'}`);
  const buffer = await again.buffer();
  assert.equal(buffer.toString('utf8'), '{"errorMessages":["not found"]}');
  assert.ok(buffer instanceof Uint8Array);
  assert.deepEqual(
    host.sent.map((r) => r.principal),
    ['user', 'app', 'app'],
  );
});

test("Kiln's request errors become Forge's error classes, keeping Kiln's case", async () => {
  const refuse = {
    'get /rest/api/3/a': { tag: 'scope-denied', val: { route: 'GET /rest/api/3/a', missing: ['read:jira-work'] } },
    'get /rest/api/3/b': { tag: 'needs-authentication', val: 'user' },
    'get /rest/api/3/c': { tag: 'unknown-route', val: 'GET /rest/api/3/c' },
    'get /rest/api/3/d': { tag: 'quota-exceeded', val: 'requests per invocation' },
    'get /rest/api/3/e': { tag: 'timeout' },
    'get /rest/api/3/f': { tag: 'transport', val: 'connection reset' },
    'get /rest/api/3/g': { tag: 'invalid-request', val: 'header Authorization is not allowed' },
  };
  installHost(fakeHost({ refuse }));
  const call = (p) => asUser().requestJira(route`/rest/api/3/${p}`);

  // A refused scope is Forge's proxy's 401 response, not a throw; what to
  // add is logged.
  const warned = [];
  const warn = console.warn;
  console.warn = (...args) => warned.push(args.join(' '));
  let denied;
  try {
    denied = await call('a');
  } finally {
    console.warn = warn;
  }
  assert.equal(denied.status, 401);
  assert.equal(denied.ok, false);
  assert.equal(denied.statusText, 'Unauthorized');
  assert.deepEqual(await denied.json(), { code: 401, message: 'Unauthorized; scope does not match' });
  assert.equal(warned.length, 1);
  assert.match(warned[0], /GET \/rest\/api\/3\/a answered 401.*add read:jira-work/);

  const auth = await call('b').catch((e) => e);
  assert.ok(auth instanceof NeedsAuthenticationError);
  assert.equal(auth.name, NEEDS_AUTHENTICATION_ERR);
  assert.equal(auth.status, 401);

  assert.ok((await call('c').catch((e) => e)) instanceof ProductEndpointNotAllowedError);
  const quota = await call('d').catch((e) => e);
  assert.ok(quota instanceof ProxyRequestError);
  assert.equal(quota.status, 429);
  assert.ok((await call('e').catch((e) => e)) instanceof FetchError);
  assert.match((await call('f').catch((e) => e)).message, /connection reset/);
  assert.match((await call('g').catch((e) => e)).message, /Authorization/);
});

test("a refused header or body keeps Forge's class, and its message says it is not the URL", async () => {
  // Kiln's texts, as runtime/src/policy/headers.rs and jira/session.rs word them.
  const refuse = {
    'post /rest/api/3/notify': {
      tag: 'invalid-request',
      val: 'header `x-custom` is not in the allowlist (allowed: accept, accept-language, content-type)',
    },
    'get /rest/api/3/host-only': {
      tag: 'invalid-request',
      val: "header `authorization` is set by the host only (credentials, routing and framing are not the app's)",
    },
    'get /rest/api/3/value': {
      tag: 'invalid-request',
      val: 'the value of header `accept` is longer than 1024 bytes',
    },
    'get /rest/api/3/many': { tag: 'invalid-request', val: 'more than 16 headers' },
    'put /rest/api/3/body': { tag: 'invalid-request', val: 'the request body is larger than 1048576 bytes' },
    'get /rest/api/3/url': { tag: 'invalid-request', val: "the path names another site's cloud id" },
  };
  installHost(fakeHost({ refuse }));
  const refused = (path, init) =>
    asApp()
      .requestJira(route`/rest/api/3/${path}`, init)
      .then(
        () => assert.fail(`${path} resolved`),
        (error) => error,
      );
  const forgeRefusal = (error, message) => {
    assert.ok(error instanceof ProductEndpointNotAllowedError, error);
    assert.equal(error.constructor.name, 'ProductEndpointNotAllowedError');
    assert.equal(error.name, REQUEST_EGRESS_ALLOWLIST_ERR);
    assert.equal(error.status, 403);
    assert.match(error.message, message);
    assert.ok(String(error.stack).includes(error.message), error.stack);
    assert.equal(error.kilnError.tag, 'invalid-request');
  };

  const header = await refused('notify', { method: 'POST', headers: { 'X-Custom': '1' }, body: '{}' });
  forgeRefusal(
    header,
    /^Request header not allowed: POST \/rest\/api\/3\/notify \(header `x-custom` is not in the allowlist \(allowed: .*\)\)\.$/,
  );
  assert.doesNotMatch(header.message, /URL/);
  forgeRefusal(await refused('host-only'), /^Request header not allowed: GET \/rest\/api\/3\/host-only \(header `authorization` is set by the host only/);
  forgeRefusal(await refused('value'), /^Request header not allowed: .*the value of header `accept`/);
  forgeRefusal(await refused('many'), /^Request header not allowed: GET \/rest\/api\/3\/many \(more than 16 headers\)\.$/);
  forgeRefusal(await refused('body', { method: 'PUT', body: 'x' }), /^Request body not allowed: PUT \/rest\/api\/3\/body \(the request body is larger/);
  // A refused URL is still Forge's "URL not allowed".
  forgeRefusal(await refused('url'), /^URL not allowed: GET \/rest\/api\/3\/url \(the path names another site's cloud id\)\.$/);
});

test("Jira's x-atlassian-force-account-id header reaches the host as the app wrote it", async () => {
  // Atlassian's My Reminders, sending a reminder.
  const host = fakeHost({ answers: { 'post /rest/api/3/issue/10000/notify': { status: 204, body: '' } } });
  installHost(host);
  const response = await asApp().requestJira(route`/rest/api/3/issue/${'10000'}/notify`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-atlassian-force-account-id': 'true' },
    body: JSON.stringify({ subject: 'Reminder', to: { reporter: true } }),
  });
  assert.equal(response.status, 204);
  assert.deepEqual(host.sent[0].headers, [
    ['Content-Type', 'application/json'],
    ['x-atlassian-force-account-id', 'true'],
  ]);
});

// Forge: `asUser(accountId)` makes requests as that user. Kiln holds one
// user credential, so only the invoking user can be named.
const invokedBy = (accountId, run) =>
  dispatch({ index: { run } }, 'index.run', '{}', {
    invocationId: 'inv-1',
    accountId,
    cloudId: 'cloud-1',
    moduleKey: 'main',
    installationId: 'inst-1',
    environment: 'development',
  });

test('asUser(accountId) naming the invoking user is asUser()', async () => {
  const host = fakeHost({ answers: { 'get /rest/api/3/myself': { status: 200, body: '{"accountId":"acc-1"}' } } });
  installHost(host);
  const result = await invokedBy('acc-1', async (event, context) => {
    const response = await asUser(context.accountId).requestJira(route`/rest/api/3/myself`);
    return response.status;
  });
  assert.equal(result, '200');
  assert.equal(host.sent.length, 1);
  assert.equal(host.sent[0].principal, 'user');
});

test('asUser(accountId) of another account rejects with NeedsAuthenticationError, sending nothing', async () => {
  const host = fakeHost();
  installHost(host);
  const seen = JSON.parse(
    await invokedBy('acc-1', async () => {
      const error = await asUser('5b10a2844c20165700ede21g')
        .requestJira(route`/rest/api/3/myself`)
        .catch((e) => e);
      return { name: error.name, status: error.status, message: error.message, isClass: error instanceof NeedsAuthenticationError };
    }),
  );
  assert.equal(seen.name, NEEDS_AUTHENTICATION_ERR);
  assert.equal(seen.status, 401);
  assert.ok(seen.isClass);
  assert.match(seen.message, /not the invoking user/);
  // With no invoking user (a scheduled trigger), no account can be named.
  const unattended = JSON.parse(
    await invokedBy(undefined, async () =>
      (await asUser('acc-1').requestJira(route`/rest/api/3/myself`).catch((e) => e)).message,
    ),
  );
  assert.match(unattended, /no user invoked this function/);
  assert.equal(host.sent.length, 0);
});

// Forge runs scheduled triggers, web triggers and product events with no
// user: `asUser()` there has no one to act as. Kiln refuses it the same
// way rather than acting as whoever the operator's credential belongs to,
// even for a client made outside the invocation; `asApp()` works.
test('asUser() in a trigger no user started rejects with NeedsAuthenticationError, sending nothing', async () => {
  const host = fakeHost({ answers: { 'get /rest/api/3/myself': { status: 200, body: '{"accountId":"acc-1"}' } } });
  installHost(host);
  const kept = asUser();
  const triggeredBy = (trigger, run) =>
    dispatch({ index: { run } }, 'index.run', '{}', {
      invocationId: 'inv-1',
      accountId: undefined,
      cloudId: 'cloud-1',
      moduleKey: 'main',
      installationId: 'inst-1',
      environment: 'development',
      trigger,
    });
  for (const trigger of ['scheduled', 'web-trigger', 'product-event']) {
    const seen = JSON.parse(
      await triggeredBy(trigger, async () => {
        const refused = [];
        for (const client of [asUser(), kept]) {
          const error = await client.requestJira(route`/rest/api/3/myself`).catch((e) => e);
          refused.push({ name: error.name, status: error.status, isClass: error instanceof NeedsAuthenticationError, message: error.message });
        }
        const app = await asApp().requestJira(route`/rest/api/3/myself`);
        return { refused, app: app.status };
      }),
    );
    for (const refused of seen.refused) {
      assert.equal(refused.name, NEEDS_AUTHENTICATION_ERR, trigger);
      assert.equal(refused.status, 401);
      assert.ok(refused.isClass);
      assert.match(refused.message, new RegExp(`a ${trigger} invocation has none .*use asApp\\(\\)`));
    }
    assert.equal(seen.app, 200);
  }
  assert.deepEqual(host.sent.map((r) => r.principal), ['app', 'app', 'app']);
  // A function someone ran, and a queue's consumer, act as the user.
  for (const trigger of ['function', 'queue-event']) {
    const status = await triggeredBy(trigger, async () => (await asUser().requestJira(route`/rest/api/3/myself`)).status);
    assert.equal(status, '200', trigger);
  }
  assert.deepEqual(host.sent.slice(3).map((r) => r.principal), ['user', 'user']);
});

// @forge/api 8.3's asUser() has requestAtlassian, requestTeamworkGraph,
// withContext and withProvider besides the product requests, and asApp()
// all but withProvider: each exists, and what Kiln does not serve rejects
// saying so (never a TypeError), sending nothing.
test("every method of Forge's clients exists, and what Kiln does not serve rejects", async () => {
  const host = fakeHost();
  installHost(host);
  const seen = JSON.parse(
    await invokedBy('acc-1', async () => {
      const messages = {};
      const failed = async (name, promise) => {
        messages[name] = (await promise.catch((e) => e)).message;
      };
      for (const [who, client] of [['user', asUser()], ['app', asApp()]]) {
        for (const method of ['requestConfluence', 'requestBitbucket', 'requestGraph', 'requestTeamworkGraph', 'requestConnectedData', 'requestAtlassian']) {
          await failed(`${who}.${method}`, client[method](route`/x`));
        }
        await failed(`${who}.withContext`, client.withContext('ari:cloud:jira::site/elsewhere').requestJira(route`/rest/api/3/myself`));
      }
      const github = asUser().withProvider('github', 'github-apis');
      for (const method of ['hasCredentials', 'requestCredentials', 'getAccount', 'listCredentials', 'listAccounts']) {
        await failed(`provider.${method}`, github[method]());
      }
      await failed('provider.account.fetch', github.asAccount('me').fetch('/user'));
      messages.appHasNoProvider = typeof asApp().withProvider;
      return messages;
    }),
  );
  for (const [name, message] of Object.entries(seen)) {
    if (name === 'appHasNoProvider') assert.equal(message, 'undefined');
    else if (name.endsWith('.withContext')) assert.match(message, /this installation's own site only \(ari:cloud:jira::site\/cloud-1\)/, name);
    else if (name.startsWith('provider.')) assert.match(message, /Forge external authentication\) is not available on Kiln/, name);
    else assert.match(message, /is not served by Kiln/, name);
  }
  assert.equal(host.sent.length, 0);
});

test("withContext of the installation's own site requests as the principal does", async () => {
  const host = fakeHost({ answers: { 'get /rest/api/3/myself': { status: 200, body: '{}' } } });
  installHost(host);
  const status = await invokedBy('acc-1', async (event, context) => {
    const response = await asApp().withContext(context.installContext).requestJira(route`/rest/api/3/myself`);
    return response.status;
  });
  assert.equal(status, '200');
  assert.equal(host.sent.length, 1);
  assert.equal(host.sent[0].principal, 'app');
});

test('other products are refused clearly', async () => {
  await assert.rejects(asApp().requestConfluence(route`/wiki/rest/api/content`), /not served by Kiln/);
  await assert.rejects(api.fetch('https://example.com'), { name: REQUEST_EGRESS_ALLOWLIST_ERR });
});

test('tabs and newlines in a route template are dropped, as the URL parser Forge fetches with drops them', async () => {
  const n = 2;
  const plain = await kilnRequest('app', route`/rest/api/3/search/jql?jql=${'project = KILN'}&maxResults=${n}`);
  const multiline = await kilnRequest(
    'app',
    route`/rest/api/3/search/jql?jql=${'project = KILN'}&maxResults=${n}
    `,
  );
  assert.deepEqual(multiline.path, plain.path);
  assert.deepEqual(multiline.query, plain.query);
  const tabbed = await kilnRequest('app', route`/rest/api/3/	search/jql?jql=${'x'}
`);
  assert.equal(tabbed.path, '/rest/api/3/search/jql');
  assert.deepEqual(tabbed.query, [['jql', 'x']]);
  // A value's own newline is the app's data: route percent-encodes it, and it stays.
  const inValue = await kilnRequest('app', route`/rest/api/3/search/jql?jql=${'a\nb'}`);
  assert.deepEqual(inValue.query, [['jql', 'a\nb']]);
});
