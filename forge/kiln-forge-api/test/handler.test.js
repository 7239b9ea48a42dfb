import test from 'node:test';
import assert from 'node:assert/strict';

import { dispatch, splitHandler, installGlobals, randomWithNodePrecision, BUNDLE_EXPORTS } from '../src/handler.js';
import { installHost } from '../src/host.js';
import Resolver, { makeResolver } from '../src/resolver.js';
import api, { route } from '../src/index.js';
import { fakeHost } from './fake-host.js';

const kilnContext = {
  invocationId: 'inv-1',
  accountId: 'acc-1',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'main',
  installationId: 'inst-1',
  trigger: 'function',
  environment: 'development',
};

test('index.run names the run export of src/index', () => {
  assert.deepEqual(splitHandler('index.run'), ['index', 'run']);
  assert.deepEqual(splitHandler('resolvers/board.handler'), ['resolvers/board', 'handler']);
  assert.deepEqual(splitHandler('summary'), ['index', 'summary']);
});

test("Forge's async (event, context) handler runs on Kiln's handle", async () => {
  installHost(fakeHost());
  const modules = {
    index: {
      run: async (event, context) => ({ echo: event, account: context.principal.accountId, cloud: context.cloudId, env: context.environmentType }),
    },
  };
  const out = await dispatch(modules, 'index.run', '{"issueKey":"K-1"}', kilnContext);
  assert.deepEqual(JSON.parse(out), { echo: { issueKey: 'K-1' }, account: 'acc-1', cloud: 'cloud-1', env: 'DEVELOPMENT' });
  assert.equal(await dispatch({ index: { run: () => undefined } }, 'run', 'null', kilnContext), 'null');
});

test("context.installation is Forge's: the installation's ARI and the site's", async () => {
  installHost(fakeHost());
  const modules = {
    index: {
      run: async (event, context) => {
        const { installation } = context;
        return {
          id: installation.id,
          installationId: installation.ari.installationId,
          ari: `${installation.ari}`,
          contexts: installation.contexts.map((c) => ({ cloudId: c.cloudId, ari: c.toString() })),
          frozen: Object.isFrozen(installation) && Object.isFrozen(installation.ari),
        };
      },
    },
  };
  const out = JSON.parse(await dispatch(modules, 'index.run', '{}', kilnContext));
  assert.deepEqual(out, {
    id: 'inst-1',
    installationId: 'inst-1',
    ari: 'ari:cloud:ecosystem::installation/inst-1',
    contexts: [{ cloudId: 'cloud-1', ari: 'ari:cloud:jira::site/cloud-1' }],
    frozen: true,
  });
});

test("a lazily built app's module runs its top-level code in the invocation, with process.env filled", async () => {
  installHost(fakeHost({ env: [['CONFIG', '{"region":"eu"}']] }));
  let evaluated = 0;
  const modules = {
    // What build.mjs's lazy entry gives the dispatcher: an import() per module.
    index: async () => {
      evaluated++;
      const config = JSON.parse(process.env.CONFIG);
      return { run: async () => config.region };
    },
    broken: async () => JSON.parse(process.env.MISSING),
  };
  assert.equal(await dispatch(modules, 'index.run', '{}', kilnContext), '"eu"');
  assert.equal(evaluated, 1);
  // Its top-level failure is the invocation's, with the app's message.
  const failed = await dispatch(modules, 'broken.run', '{}', kilnContext).catch((e) => e);
  assert.equal(failed.payload.tag, 'failed');
  assert.match(failed.payload.val, /JSON|undefined/);
  await assert.rejects(dispatch(modules, 'index.nope', '{}', kilnContext), {
    payload: { tag: 'unknown-function', val: 'index.nope' },
  });
  delete process.env.CONFIG;
});

test("failures become Kiln's app-error cases", async () => {
  installHost(fakeHost({ refuse: { 'get /rest/api/3/myself': { tag: 'needs-authentication', val: 'app' } } }));
  const modules = {
    index: {
      boom: async () => {
        throw new Error('no luck');
      },
      call: async () => (await api.asApp().requestJira(route`/rest/api/3/myself`)).json(),
    },
  };
  await assert.rejects(dispatch(modules, 'index.nope', '{}', kilnContext), { payload: { tag: 'unknown-function', val: 'index.nope' } });
  await assert.rejects(dispatch(modules, 'other.boom', '{}', kilnContext), { payload: { tag: 'unknown-function', val: 'other.boom' } });
  // Inherited properties are not handlers.
  await assert.rejects(dispatch(modules, 'index.constructor', '{}', kilnContext), { payload: { tag: 'unknown-function', val: 'index.constructor' } });
  const invalid = await dispatch(modules, 'index.boom', '{', kilnContext).catch((e) => e);
  assert.equal(invalid.payload.tag, 'invalid-payload');
  assert.match(invalid.payload.val, /JSON/);
  await assert.rejects(dispatch(modules, 'index.boom', '{}', kilnContext), { payload: { tag: 'failed', val: 'no luck' } });
  await assert.rejects(dispatch(modules, 'index.call', '{}', kilnContext), {
    payload: { tag: 'request', val: { tag: 'needs-authentication', val: 'app' } },
  });
});

test('console goes to the app log at its level once invocations run', async () => {
  const host = fakeHost();
  installHost(host);
  const original = globalThis.console;
  try {
    globalThis.console = { ...original };
    installGlobals();
    await dispatch(
      {
        index: {
          run: () => {
            console.log('a', { b: 1 });
            console.error('bad');
            // As Node's console: util.format's substitutions and `undefined`.
            console.info('x', undefined, null, 3);
            console.warn('%s has %d items (%j)', 'cart', 2, [1]);
            console.debug();
          },
        },
      },
      'run',
      '{}',
      kilnContext,
    );
    assert.deepEqual(host.logged, [
      ['info', 'a { b: 1 }'],
      ['error', 'bad'],
      ['info', 'x undefined null 3'],
      ['warn', 'cart has 2 items ([1])'],
      ['debug', ''],
    ]);
    assert.deepEqual(globalThis.process.env, process.env);
  } finally {
    globalThis.console = original;
  }
});

test('@forge/resolver definitions dispatch by functionKey', async () => {
  const resolver = new Resolver();
  resolver.define('getText', ({ payload, context }) => `${payload.name} @ ${context.moduleKey}`);
  const handler = resolver.getDefinitions();
  assert.equal(await handler({ call: { functionKey: 'getText', payload: { name: 'x' } } }, { moduleKey: 'panel' }), 'x @ panel');
  await assert.rejects(handler({ call: { functionKey: 'nope' } }, {}), {
    message: "Resolver has no definition for 'nope'.",
  });
  assert.throws(() => resolver.define('getText', () => 1), { message: "Resolver definition 'getText' already exists." });
  assert.throws(() => resolver.define('x', 'not a function'), {
    message: "Resolver definition 'x' callback must be a 'function'. Received 'string'.",
  });
});

test('@forge/resolver finds a function defined after getDefinitions(), as Forge does', async () => {
  const resolver = new Resolver();
  const handler = resolver.getDefinitions();
  resolver.define('late', ({ payload }) => ({ got: payload, dropped: undefined }));
  // `payload` defaults to `{}`; an object result is its JSON copy.
  assert.deepEqual(await handler({ call: { functionKey: 'late' } }, {}), { got: {} });
});

test('a resolver reads who and where from the host, whatever the caller\'s context says', async () => {
  const resolver = new Resolver();
  resolver.define('who', ({ context }) => context);
  const handler = resolver.getDefinitions();
  const host = {
    principal: { accountId: 'real-user' },
    accountId: 'real-user',
    cloudId: 'real-cloud',
    siteUrl: 'https://real.example',
    moduleKey: 'resolver-fn',
    installContext: 'ari:cloud:jira::site/real-cloud',
    invocationId: 'inv-1',
  };
  const sent = {
    accountId: 'evil',
    principal: { accountId: 'evil' },
    cloudId: 'other-cloud',
    installContext: 'ari:cloud:jira::site/other-cloud',
    license: { isActive: true },
    extension: { issue: { key: 'KILN-1' } },
    moduleKey: 'issue-panel',
  };
  const context = await handler({ call: { functionKey: 'who', jobId: 'job-7' }, context: sent }, host);
  assert.equal(context.accountId, 'real-user');
  assert.deepEqual(context.principal, { accountId: 'real-user' });
  assert.equal(context.cloudId, 'real-cloud');
  assert.equal(context.installContext, 'ari:cloud:jira::site/real-cloud');
  assert.equal(context.invocationId, 'inv-1');
  assert.equal('license' in context, false, 'the host gives no license, so none is taken from the caller');
  // What only the frontend knows passes: its extension context and module.
  assert.deepEqual(context.extension, { issue: { key: 'KILN-1' } });
  assert.equal(context.moduleKey, 'issue-panel');
  assert.equal(context.jobId, 'job-7');
  // A context that is not an object is ignored.
  const plain = await handler({ call: { functionKey: 'who' }, context: 'nonsense' }, host);
  assert.equal(plain.accountId, 'real-user');
  assert.equal(plain.moduleKey, 'resolver-fn');
});

test('makeResolver(handlers) gives the same definitions as define() for each key', async () => {
  installHost(fakeHost());
  const handler = makeResolver({ hello: ({ payload }) => `hi ${payload.name}`, twice: ({ payload }) => payload.n * 2 });
  const modules = { index: { handler } };
  const call = (functionKey, payload) =>
    dispatch(modules, 'index.handler', JSON.stringify({ call: { functionKey, payload }, context: {} }), kilnContext);
  assert.equal(JSON.parse(await call('hello', { name: 'Ada' })), 'hi Ada');
  assert.equal(JSON.parse(await call('twice', { n: 21 })), 42);
});

// StarlingMonkey's Math.random(): 32 random bits, every value a multiple of
// 2^-32 (drawn from Node's own, taken before any test installs the globals).
const nodeMathRandom = Math.random;
const engineRandom32 = () => Math.floor(nodeMathRandom() * 2 ** 32) / 2 ** 32;

test("Math.random() has Node's 52 bits, not the engine's 32", () => {
  const random = randomWithNodePrecision(engineRandom32);
  // As the engine's: a function named random, of no arguments, not a constructor.
  assert.equal(random.name, 'random');
  assert.equal(random.length, 0);
  assert.equal(Object.hasOwn(random, 'prototype'), false);
  const draws = Array.from({ length: 2000 }, () => random());
  for (const r of draws) {
    assert.ok(r >= 0 && r < 1, r);
    // A multiple of 2^-52, as V8's (Node's, Forge's) values are.
    assert.ok(Number.isInteger(r * 2 ** 52), r);
  }
  // Not a multiple of 2^-32 (each is one by chance 1 in 2^20).
  assert.ok(draws.filter((r) => Number.isInteger(r * 2 ** 32)).length < 3);
  // Ids made the common way are as long as on Forge: 13 hex digits (a few
  // end in 0 and come out shorter, as on Node).
  const ids = Array.from({ length: 200 }, () => random().toString(16).slice(2, 15));
  assert.ok(ids.filter((id) => id.length === 13).length > 150, ids.join(' '));
  assert.equal(new Set(ids).size, ids.length);
  // The ends of the range: 0 stays 0, and the largest draw stays below 1,
  // from an engine of 32 bits or of more.
  assert.equal(randomWithNodePrecision(() => 0)(), 0);
  assert.equal(randomWithNodePrecision(() => (2 ** 32 - 1) / 2 ** 32)(), (2 ** 52 - 1) / 2 ** 52);
  assert.ok(randomWithNodePrecision(() => 1 - 2 ** -53)() < 1);
  // Every bit comes from the engine's draws: two of them per value.
  let calls = 0;
  const counted = randomWithNodePrecision(() => {
    calls += 1;
    return 0.5;
  });
  assert.equal(counted(), (2 ** 31 * 2 ** 20 + 2 ** 19) / 2 ** 52);
  assert.equal(calls, 2);
});

test('installGlobals gives the app that Math.random, once', () => {
  const engine = Object.getOwnPropertyDescriptor(Math, 'random');
  const original = globalThis.console;
  try {
    globalThis.console = { ...original };
    Math.random = engineRandom32;
    installGlobals();
    const installed = Math.random;
    assert.notEqual(installed, engineRandom32);
    assert.deepEqual(
      { ...Object.getOwnPropertyDescriptor(Math, 'random'), value: undefined },
      { value: undefined, writable: true, enumerable: false, configurable: true },
    );
    assert.ok(!Number.isInteger(Array.from({ length: 50 }, () => Math.random() * 2 ** 32).reduce((a, b) => a + b)));
    // Installing the globals again keeps it: no wrapper of a wrapper.
    installGlobals();
    assert.equal(Math.random, installed);
  } finally {
    Object.defineProperty(Math, 'random', engine);
    globalThis.console = original;
  }
});

test("a web trigger's headers are found by any spelling of their names, as Forge's callers write them", async () => {
  installHost(fakeHost());
  const seen = [];
  const modules = {
    index: {
      run: (event) => {
        const { headers } = event;
        seen.push(Object.keys(headers));
        return {
          typed: headers['Content-Type'],
          lower: headers['content-type'],
          signature: headers['X-Hub-Signature-256'],
          has: 'X-HUB-SIGNATURE-256' in headers,
          absent: headers['X-Missing'],
          own: Object.hasOwn(headers, 'Content-Type'),
          json: JSON.stringify(headers),
        };
      },
    },
  };
  const request = {
    method: 'POST',
    headers: { 'content-type': ['application/json'], 'x-hub-signature-256': ['sha256=ab'] },
    body: '{}',
  };
  // Replaced by the app after the layer loaded: the lookup does not use them.
  const { toLowerCase } = String.prototype;
  const { get } = Reflect;
  String.prototype.toLowerCase = () => 'content-type';
  Reflect.get = () => 'tampered';
  let out;
  try {
    out = JSON.parse(await dispatch(modules, 'index.run', JSON.stringify(request), { ...kilnContext, trigger: 'web-trigger' }));
  } finally {
    String.prototype.toLowerCase = toLowerCase;
    Reflect.get = get;
  }
  assert.deepEqual(out, {
    typed: ['application/json'],
    lower: ['application/json'],
    signature: ['sha256=ab'],
    has: true,
    own: true,
    json: '{"content-type":["application/json"],"x-hub-signature-256":["sha256=ab"]}',
  });
  assert.deepEqual(seen, [['content-type', 'x-hub-signature-256']]);
  // Other triggers' events are the app's own data, passed as they are.
  const plain = await dispatch(
    { index: { run: (event) => event.headers['Content-Type'] ?? 'none' } },
    'index.run',
    JSON.stringify(request),
    kilnContext,
  );
  assert.equal(plain, '"none"');
});

test("a handler an ES module assigned to CommonJS's exports is found, as in Forge's webpack bundle", async () => {
  installHost(fakeHost());
  // What the build declares in `src/index.js` of `export { handler } from
  // './resolvers'; exports.runWebTrigger = async (request) => …`
  // (guest-build's app_files.mjs), and what that module's code then does.
  const bundleExports = (globalThis[BUNDLE_EXPORTS] ??= {});
  bundleExports.runWebTrigger = async (request) => ({ statusCode: 200, body: request.body });
  try {
    const modules = { index: { handler: () => 'resolved' }, other: {} };
    const out = await dispatch(modules, 'index.runWebTrigger', '{"body":"hi"}', { ...kilnContext, trigger: 'web-trigger' });
    assert.deepEqual(JSON.parse(out), { statusCode: 200, body: 'hi' });
    // The module's own exports come first; a module the manifest does not
    // name, or a name nothing assigned, is still no function.
    assert.equal(JSON.parse(await dispatch(modules, 'index.handler', '{}', kilnContext)), 'resolved');
    await assert.rejects(dispatch(modules, 'missing.runWebTrigger', '{}', kilnContext), {
      payload: { tag: 'unknown-function', val: 'missing.runWebTrigger' },
    });
    await assert.rejects(dispatch(modules, 'index.neverAssigned', '{}', kilnContext), {
      payload: { tag: 'unknown-function', val: 'index.neverAssigned' },
    });
    await assert.rejects(dispatch(modules, 'index.constructor', '{}', kilnContext), {
      payload: { tag: 'unknown-function', val: 'index.constructor' },
    });
  } finally {
    delete globalThis[BUNDLE_EXPORTS];
  }
});
