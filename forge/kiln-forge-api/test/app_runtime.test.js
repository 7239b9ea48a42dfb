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

test('every name @forge/api 8.3 exports is exported, so an app naming one builds', () => {
  const names = [
    'asApp', 'asUser', 'authorize', 'fetch', 'invokeRemote', 'invokeService', 'requestBitbucket',
    'requestConfluence', 'requestJira', 'webTrigger', 'privacy', 'i18n', 'permissions', 'getAppContext',
    'bindInvocationContext', 'route', 'assumeTrustedRoute', 'routeFromAbsolute', 'HttpError', 'FetchError',
    'NotAllowedError', 'ExternalEndpointNotAllowedError', 'ProductEndpointNotAllowedError',
    'RequestProductNotAllowedError', 'InvalidWorkspaceRequestedError', 'NeedsAuthenticationError',
    'ProxyRequestError', 'FUNCTION_ERR', 'isExpectedError', 'isForgePlatformError', 'isHostedCodeError',
  ];
  for (const name of names) {
    assert.notEqual(forgeApi[name], undefined, name);
  }
  for (const name of ['asUser', 'asApp', 'fetch', 'requestJira', 'invokeRemote']) {
    assert.equal(typeof api[name], 'function', name);
  }
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
