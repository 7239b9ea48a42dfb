// getAppContext(), permissions and the rest of @forge/api's names, and
// @forge/events, against Forge's documented behaviour
// (runtime-reference, @forge/api 8.3 and @forge/events 3.0 exports).

import test from 'node:test';
import assert from 'node:assert/strict';

import { dispatch } from '../src/handler.js';
import { installHost } from '../src/host.js';
import { installApp } from '../src/app_runtime.js';
import { installFetch } from '../src/fetch.js';
import api, * as forgeApi from '../src/index.js';
import * as events from '../src/forge_events.js';
import { fakeHost } from './fake-host.js';

const kilnContext = {
  invocationId: 'inv-7',
  accountId: 'acc-1',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'main',
  installationId: 'inst-9',
  trigger: 'function',
  environment: 'development',
};

const APP = 'ari:cloud:ecosystem::app/7b0a6f1c-1111-4222-8333-944455556666';

async function inInvocation(fn) {
  installHost(fakeHost());
  const out = await dispatch({ index: { run: fn } }, 'index.run', '{}', kilnContext);
  return JSON.parse(out);
}

// The names each major version of @forge/api exports, read from the
// published packages' `out/index.js` (1.2.0, 2.22.1, 3.9.2, 4.3.0, 5.3.0,
// 6.4.3, 7.2.2, 8.3.0: the last of each major). An app written against any
// of them builds on Kiln: a name missing here would fail its bundle.
const FORGE_API_EXPORTS = {
  '1.2.0': 'asApp asUser fetch privacy properties requestConfluence requestJira startsWith storage store webTrigger',
  '2.22.1':
    'ExternalEndpointNotAllowedError FUNCTION_ERR FetchError FilterConditions HttpError InvalidWorkspaceRequestedError ' +
    'NeedsAuthenticationError NotAllowedError ProductEndpointNotAllowedError ProxyRequestError ' +
    'RequestProductNotAllowedError SortOrder WhereConditions asApp asUser assumeTrustedRoute authorize ' +
    'createRequestStargateAsApp fetch getRuntime isForgePlatformError isHostedCodeError privacy properties ' +
    'requestBitbucket requestConfluence requestJira route routeFromAbsolute startsWith storage store webTrigger',
  '3.9.2':
    'ExternalEndpointNotAllowedError FUNCTION_ERR FetchError FilterConditions HttpError InvalidWorkspaceRequestedError ' +
    'NeedsAuthenticationError NotAllowedError ProductEndpointNotAllowedError ProxyRequestError ' +
    'RequestProductNotAllowedError SortOrder WhereConditions __fetchProduct __getRuntime __requestAtlassianAsApp ' +
    '__requestAtlassianAsUser asApp asUser assumeTrustedRoute authorize createRequestStargateAsApp fetch ' +
    'getAppContext invokeRemote isExpectedError isForgePlatformError isHostedCodeError privacy properties ' +
    'requestBitbucket requestConfluence requestJira route routeFromAbsolute startsWith storage store webTrigger',
  '4.3.0 to 7.2.2 (the names 3.9.2 has, without properties and store)':
    'bindInvocationContext i18n invokeService permissions',
  '8.3.0':
    'ExternalEndpointNotAllowedError FUNCTION_ERR FetchError HttpError InvalidWorkspaceRequestedError ' +
    'NeedsAuthenticationError NotAllowedError ProductEndpointNotAllowedError ProxyRequestError ' +
    'RequestProductNotAllowedError __fetchProduct __getRuntime __requestAtlassianAsApp __requestAtlassianAsUser ' +
    'asApp asUser assumeTrustedRoute authorize bindInvocationContext createRequestStargateAsApp fetch ' +
    'getAppContext i18n invokeRemote invokeService isExpectedError isForgePlatformError isHostedCodeError ' +
    'permissions privacy requestBitbucket requestConfluence requestJira route routeFromAbsolute webTrigger',
};

test('every name any @forge/api from 1.x to 8.3 exports is exported, so an app naming one builds', () => {
  for (const [version, names] of Object.entries(FORGE_API_EXPORTS)) {
    for (const name of names.split(' ')) {
      assert.notEqual(forgeApi[name], undefined, `${name} (@forge/api ${version})`);
    }
  }
  for (const name of ['asUser', 'asApp', 'fetch', 'requestJira', 'invokeRemote']) {
    assert.equal(typeof api[name], 'function', name);
  }
  assert.equal(typeof api.store.onJiraIssue, 'function');
});

test("@forge/api's internal plumbing refuses, sending nothing", async () => {
  const host = fakeHost();
  installHost(host);
  assert.equal(forgeApi.getRuntime, forgeApi.__getRuntime);
  // The runtime's parts other than metrics refuse, naming themselves: the
  // proxy above all (Forge's holds its token; Kiln has none to give).
  const runtime = forgeApi.__getRuntime();
  for (const part of ['proxy', 'contextAri', 'appContext', 'allowedEgress', 'lambdaContext', 'tracing']) {
    assert.throws(() => runtime[part], new RegExp(`^Error: Forge runtime's ${part} is not available on Kiln`));
  }
  assert.throws(() => JSON.stringify(runtime), /not available on Kiln/);
  const product = forgeApi.__fetchProduct({ provider: 'app', remote: 'jira', type: 'fpp' });
  await assert.rejects(product('/rest/api/3/myself'), /not available on Kiln/);
  await assert.rejects(forgeApi.createRequestStargateAsApp()('/graphql'), /not served by Kiln/);
  await assert.rejects(forgeApi.__requestAtlassianAsUser('/graphql'), /not served by Kiln/);
  assert.equal(host.sent.length, 0);
});

test('getAppContext gives the app, environment and installation ARIs and the invocation', async () => {
  installApp({ id: APP, scopes: ['read:jira-work'] });
  const context = await inInvocation(() => {
    const c = forgeApi.getAppContext();
    let remaining;
    try {
      c.invocationRemainingTimeInMillis();
    } catch (error) {
      remaining = error.message;
    }
    return {
      appAri: String(c.appAri),
      appId: c.appId,
      environmentAri: `${c.environmentAri}`,
      environmentId: c.environmentId,
      installation: JSON.parse(JSON.stringify(c.installation)),
      installationId: c.installation.ari.installationId,
      environmentType: c.environmentType,
      installationAri: c.installationAri.toString(),
      invocationId: c.invocationId,
      moduleKey: c.moduleKey,
      license: c.license ?? null,
      remaining,
    };
  });
  assert.deepEqual(context, {
    appAri: APP,
    appId: '7b0a6f1c-1111-4222-8333-944455556666',
    environmentAri: 'ari:cloud:ecosystem::environment/7b0a6f1c-1111-4222-8333-944455556666/development',
    environmentId: 'development',
    // Forge's Installation: its ARI and the site it is installed on, as JSON prints them.
    installation: {
      id: 'inst-9',
      ari: 'ari:cloud:ecosystem::installation/inst-9',
      contexts: ['ari:cloud:jira::site/cloud-1'],
    },
    installationId: 'inst-9',
    environmentType: 'DEVELOPMENT',
    installationAri: 'ari:cloud:ecosystem::installation/inst-9',
    invocationId: 'inv-7',
    moduleKey: 'main',
    license: null,
    remaining: 'Lambda remaining time is not available. Kiln ends the invocation at its own deadline.',
  });
  // A plain Kiln app id becomes an app ARI.
  installApp({ id: 'issue-triage', scopes: [] });
  const plain = await inInvocation(() => String(forgeApi.getAppContext().appAri));
  assert.equal(plain, 'ari:cloud:ecosystem::app/issue-triage');
});

test('permissions answer from the manifest: scopes and backend fetch; no UI resource', () => {
  installApp({ id: APP, scopes: ['read:jira-work', 'write:jira-work'] });
  installFetch(async () => {}, ['https://api.example.com', 'https://*.status.io']);
  const { permissions } = forgeApi;
  assert.equal(permissions.hasScope('read:jira-work'), true);
  assert.equal(permissions.hasScope('manage:jira-configuration'), false);
  assert.equal(permissions.canFetchFrom('backend', 'https://api.example.com/v1/x'), true);
  assert.equal(permissions.canFetchFrom('backend', 'http://api.example.com/v1/x'), false);
  assert.equal(permissions.canFetchFrom('backend', 'https://eu.status.io/'), true);
  assert.equal(permissions.canFetchFrom('backend', 'https://status.io/'), false);
  assert.equal(permissions.canFetchFrom('backend', 'https://api.example.com.evil.test/'), false);
  assert.equal(permissions.canFetchFrom('client', 'https://api.example.com/'), false);
  assert.equal(permissions.canLoadResource('images', 'https://api.example.com/a.png'), false);
  assert.deepEqual(permissions.hasPermission({ scopes: ['read:jira-work'] }), { granted: true });
  assert.deepEqual(
    permissions.hasPermission({
      scopes: ['read:jira-work', 'delete:jira-work'],
      external: { fetch: { backend: ['https://api.example.com', 'https://other.test'] }, images: ['https://x.test'] },
    }),
    {
      granted: false,
      missing: {
        scopes: ['delete:jira-work'],
        external: { fetch: { backend: ['https://other.test'] }, images: ['https://x.test'] },
      },
    },
  );
});

test('platform services Kiln does not provide reject by name and send nothing', async () => {
  const host = fakeHost();
  installHost(host);
  await assert.rejects(forgeApi.requestJira(forgeApi.route`/rest/api/3/myself`), /anonymous request.*asUser\(\)/);
  await assert.rejects(api.invokeRemote('remote', {}), /invokeRemote\(\) \(Forge Remote\) is not available on Kiln/);
  await assert.rejects(forgeApi.privacy.reportPersonalData([]), /reportPersonalData/);
  await assert.rejects(forgeApi.i18n.createTranslationFunction('en-US'), /translations/);
  assert.equal(host.sent.length, 0);
});

// @forge/events itself: events.test.js.

test("@forge/metrics counts through the runtime's metrics, which Kiln drops", () => {
  // What @forge/metrics 0.2 and @forge/api's wrapInMetrics call.
  const { metrics } = forgeApi.__getRuntime();
  const counter = metrics.counter('internalAppMetrics.requests', { route: 'x' });
  counter.incr();
  counter.incrBy(3);
  counter.decr();
  counter.decrBy(2);
  metrics.gauge('internalAppMetrics.depth').set(4);
  const timing = metrics.timing('internalAppMetrics.took');
  timing.set(12);
  const elapsed = timing.measure().stop({ outcome: 'ok' });
  assert.equal(typeof elapsed, 'number');
  assert.ok(elapsed >= 0);
  assert.equal(metrics.child('sub').counter('c').incr(), undefined);
  assert.equal(metrics.event('deployed', 'v2'), undefined);
});

test('context.license: active when the manifest turns licensing on, absent for a free app, never the caller\'s', async () => {
  const license = async () => {
    installHost(fakeHost());
    const out = await dispatch(
      { index: { run: async (event, context) => ({ license: context.license ?? null, app: forgeApi.getAppContext().license ?? null }) } },
      'index.run',
      '{}',
      kilnContext,
    );
    return JSON.parse(out);
  };
  installApp({ id: APP, scopes: [], licensed: true });
  assert.deepEqual(await license(), {
    license: { isActive: true, isEvaluation: false },
    app: { isActive: true, isEvaluation: false },
  });
  installApp({ id: APP, scopes: [] });
  assert.deepEqual(await license(), { license: null, app: null });

  // A resolver's caller cannot hand itself a licence (the host's facts win).
  const { default: Resolver } = await import('../src/resolver.js');
  const resolver = new Resolver();
  resolver.define('check', ({ context }) => ({ license: context.license ?? null }));
  const handler = resolver.getDefinitions();
  installHost(fakeHost());
  const out = await dispatch(
    { index: { handler } },
    'index.handler',
    JSON.stringify({ call: { functionKey: 'check', payload: {} }, context: { license: { isActive: true } } }),
    kilnContext,
  );
  assert.deepEqual(JSON.parse(out), { license: null });
});
