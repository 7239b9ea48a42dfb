// Forge's config variables and webTrigger.getUrl, against Forge's documented
// behaviour: `forge variables set KEY VALUE` (encrypted or not) is read by
// the app as `process.env.KEY`; `webTrigger.getUrl(moduleKey)` resolves to
// the web trigger's URL and rejects for a module that is not one.

import test from 'node:test';
import assert from 'node:assert/strict';

import { dispatch, installGlobals } from '../src/handler.js';
import { installHost } from '../src/host.js';
import { configVariables } from '../src/variables.js';
import api, { webTrigger } from '../src/index.js';
import { fakeHost } from './fake-host.js';

const kilnContext = {
  invocationId: 'inv-1',
  accountId: 'acc-1',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'main',
  installationId: 'inst-1',
  trigger: 'web-trigger',
  environment: 'development',
};

const URLS = JSON.stringify({
  'hook-a': 'http://127.0.0.1:8080/x1/aaaa',
  'hook-b': 'http://127.0.0.1:8080/x1/bbbb',
});

test('config variables reach the handler as process.env, host entries do not', async () => {
  installGlobals();
  installHost(
    fakeHost({
      env: [
        ['API_KEY', 'k-123'],
        ['GREETING', 'hello = world'],
        ['KILN_WEBTRIGGER_URLS', URLS],
      ],
    }),
  );
  const modules = {
    index: {
      run: async () => ({
        key: process.env.API_KEY,
        greeting: process.env.GREETING,
        urls: process.env.KILN_WEBTRIGGER_URLS,
        missing: process.env.NOT_SET,
      }),
    },
  };
  const out = JSON.parse(await dispatch(modules, 'index.run', '{}', kilnContext));
  assert.deepEqual(out, { key: 'k-123', greeting: 'hello = world' });
  assert.deepEqual(configVariables(), { API_KEY: 'k-123', GREETING: 'hello = world' });
});

test("without variables the app gets none (Node's own process.env aside)", async () => {
  installGlobals();
  delete globalThis.process.env.API_KEY;
  delete globalThis.process.env.GREETING;
  installHost(fakeHost());
  const out = await dispatch({ index: { run: () => process.env.API_KEY ?? null } }, 'index.run', '{}', kilnContext);
  assert.equal(JSON.parse(out), null);
  assert.deepEqual(configVariables(), {});
});

test('webTrigger.getUrl resolves to the URL the host gave for that module', async () => {
  installHost(fakeHost({ env: [['KILN_WEBTRIGGER_URLS', URLS]] }));
  assert.equal(await webTrigger.getUrl('hook-a'), 'http://127.0.0.1:8080/x1/aaaa');
  assert.equal(await api.webTrigger.getUrl('hook-b', true), 'http://127.0.0.1:8080/x1/bbbb');
  await assert.rejects(webTrigger.getUrl('main'), /`main` is not a webtrigger module of this app \(modules: hook-a, hook-b\)/);
  await assert.rejects(webTrigger.getUrl('__proto__'), /not a webtrigger module/);
  await assert.rejects(webTrigger.getUrl(undefined), /not a webtrigger module/);
});

test('webTrigger.getUrl throws a clear error under runtime run (no URLs served)', async () => {
  installHost(fakeHost({ env: [['API_KEY', 'x']] }));
  await assert.rejects(webTrigger.getUrl('hook-a'), /under `runtime serve`, not `runtime run`/);
});
