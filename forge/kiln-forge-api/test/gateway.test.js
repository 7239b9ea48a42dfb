import test from 'node:test';
import assert from 'node:assert/strict';

import { route, asApp, asUser, __requestAtlassianAsApp, __requestAtlassianAsUser, createRequestStargateAsApp, NEEDS_AUTHENTICATION_ERR } from '../src/index.js';
import { installHost } from '../src/host.js';
import { dispatch } from '../src/handler.js';
import { siteRouteOf } from '../src/gateway.js';
import { fakeHost } from './fake-host.js';

const invoked = (run, { accountId = 'acc-1', trigger } = {}) =>
  dispatch({ index: { run } }, 'index.run', '{}', {
    invocationId: 'inv-1',
    accountId,
    cloudId: 'cloud-1',
    moduleKey: 'main',
    installationId: 'inst-1',
    environment: 'development',
    trigger,
  });

test("the gateway's form of Jira Software's DevOps APIs names the site's route", () => {
  const cases = [
    ['/jira/builds/0.1/cloud/cloud-1/bulk', '/rest/builds/0.1/bulk'],
    ['/jira/builds/0.1/cloud/cloud-1/bulkByProperties?cloudId=cloud-1', '/rest/builds/0.1/bulkByProperties?cloudId=cloud-1'],
    ['/jira/deployments/0.1/cloud/cloud-1/pipelines/p/environments/e/deployments/2', '/rest/deployments/0.1/pipelines/p/environments/e/deployments/2'],
    // Development Information is 0.10 on the site, 0.1 through the gateway.
    ['/jira/devinfo/0.1/cloud/cloud-1/bulk', '/rest/devinfo/0.10/bulk'],
    ['/jira/devinfo/0.1/cloud/cloud-1/repository/r-1', '/rest/devinfo/0.10/repository/r-1'],
    ['/jira/featureflags/0.1/cloud/cloud-1/bulk', '/rest/featureflags/0.1/bulk'],
  ];
  for (const [gateway, site] of cases) {
    assert.deepEqual(siteRouteOf(gateway, 'cloud-1'), { path: site }, gateway);
  }
});

test('the rest of the gateway, other sites and paths that walk out are refused', () => {
  const refused = [
    ['/graphql', /DevOps APIs only/],
    ['/jira/builds/0.2/cloud/cloud-1/bulk', /DevOps APIs only/],
    // An API whose site route Kiln would have to guess is not mapped.
    ['/jira/remotelinks/1.0/cloud/cloud-1/bulk', /DevOps APIs only/],
    ['/jira/security/0.1/cloud/cloud-1/bulk', /DevOps APIs only/],
    ['/jira/toString/0.1/cloud/cloud-1/bulk', /DevOps APIs only/],
    ['/ex/jira/cloud-1/rest/api/3/myself', /DevOps APIs only/],
    ['/jira/builds/0.1/cloud/cloud-2/bulk', /own site only \(cloud id cloud-1\), not cloud-2/],
    ['/jira/builds/0.1/cloud/cloud-1/../../../api/3/myself', /walks out/],
    ['/jira/builds/0.1/cloud/cloud-1/%2e%2E/x', /walks out/],
    ['/jira/builds/0.1/cloud/cloud-1/a\\b', /walks out/],
  ];
  for (const [gateway, why] of refused) {
    const mapped = siteRouteOf(gateway, 'cloud-1');
    assert.equal(mapped.path, undefined, gateway);
    assert.match(mapped.refused, why, gateway);
  }
  // Outside an invocation there is no site to name.
  assert.match(siteRouteOf('/jira/builds/0.1/cloud/cloud-1/bulk', undefined).refused, /own site only \(cloud id unknown\)/);
});

// CircleCI's Forge app: `__requestAtlassianAsApp(\`/jira/${eventType}/0.1/cloud/${cloudId}/bulk\`, …)`.
test('__requestAtlassianAsApp sends the DevOps form as the app, to the site route', async () => {
  const host = fakeHost({ answers: { 'post /rest/builds/0.1/bulk': { status: 202, body: '{"acceptedBuilds":[]}' } } });
  installHost(host);
  const seen = JSON.parse(
    await invoked(async (event, context) => {
      const cloudId = context.installContext.replace('ari:cloud:jira::site/', '');
      const response = await __requestAtlassianAsApp(`/jira/builds/0.1/cloud/${cloudId}/bulk`, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ builds: [] }),
      });
      const stargate = await createRequestStargateAsApp()(`/jira/builds/0.1/cloud/${cloudId}/bulk`, { method: 'POST', body: '{}' });
      return { status: response.status, body: await response.json(), again: stargate.status };
    }),
  );
  assert.deepEqual(seen, { status: 202, body: { acceptedBuilds: [] }, again: 202 });
  assert.equal(host.sent.length, 2);
  const [sent] = host.sent;
  assert.equal(sent.principal, 'app');
  assert.equal(sent.method, 'post');
  assert.equal(sent.path, '/rest/builds/0.1/bulk');
  assert.deepEqual(sent.query, []);
  assert.equal(new TextDecoder().decode(sent.body), '{"builds":[]}');
});

test("requestAtlassian takes a route, and acts as the client's principal", async () => {
  const host = fakeHost({ answers: { 'get /rest/devinfo/0.10/repository/r-1': { status: 200, body: '{"id":"r-1"}' } } });
  installHost(host);
  const statuses = JSON.parse(
    await invoked(async () => {
      const user = await asUser().requestAtlassian(route`/jira/devinfo/0.1/cloud/${'cloud-1'}/repository/${'r-1'}`);
      const app = await asApp().requestAtlassian(route`/jira/devinfo/0.1/cloud/${'cloud-1'}/repository/${'r-1'}?x=${'a b'}`);
      const plain = await asApp()
        .requestAtlassian('/jira/devinfo/0.1/cloud/cloud-1/repository/r-1')
        .catch((e) => e.message);
      return [user.status, app.status, plain];
    }),
  );
  assert.equal(statuses[0], 200);
  assert.equal(statuses[1], 200);
  assert.match(statuses[2], /You must create your route/);
  assert.deepEqual(
    host.sent.map((r) => [r.principal, r.path, r.query]),
    [
      ['user', '/rest/devinfo/0.10/repository/r-1', []],
      ['app', '/rest/devinfo/0.10/repository/r-1', [['x', 'a b']]],
    ],
  );
});

test('what the gateway form does not cover rejects, sending nothing', async () => {
  const host = fakeHost();
  installHost(host);
  const messages = JSON.parse(
    await invoked(async () => {
      const failed = async (promise) => (await promise.catch((e) => e)).message;
      return [
        await failed(__requestAtlassianAsApp('/graphql', { method: 'POST', body: '{}' })),
        await failed(__requestAtlassianAsUser('/jira/builds/0.1/cloud/elsewhere/bulk')),
        await failed(Promise.resolve().then(() => asApp().requestAtlassian(route`/jira/builds/0.1/cloud/cloud-1/${'..'}x`))),
      ];
    }),
  );
  assert.match(messages[0], /^__requestAtlassianAsApp\(\/graphql\) is not served by Kiln: of Atlassian's API gateway Kiln serves Jira Software's DevOps APIs only/);
  assert.match(messages[1], /^__requestAtlassianAsUser\(\/jira\/builds\/0\.1\/cloud\/elsewhere\/bulk\) is not served by Kiln: Kiln serves this installation's own site only/);
  assert.match(messages[2], /Disallowing path manipulation/);
  assert.equal(host.sent.length, 0);
});

test('as the user, the gateway form needs a user, as requestJira does', async () => {
  const host = fakeHost();
  installHost(host);
  const refused = JSON.parse(
    await invoked(
      async () => {
        const error = await __requestAtlassianAsUser('/jira/builds/0.1/cloud/cloud-1/bulk', { method: 'POST', body: '{}' }).catch((e) => e);
        return { name: error.name, message: error.message };
      },
      { accountId: undefined, trigger: 'web-trigger' },
    ),
  );
  assert.equal(refused.name, NEEDS_AUTHENTICATION_ERR);
  assert.match(refused.message, /a web-trigger invocation has none/);
  assert.equal(host.sent.length, 0);
});
