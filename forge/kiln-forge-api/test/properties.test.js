// @forge/api 1.x–3.x's Properties API (`properties`, `store`), checked
// against @forge/api 3.9.2's behaviour: the paths it requests as the app,
// what `get` answers for each status, the errors it throws and its warnings.

import test from 'node:test';
import assert from 'node:assert/strict';

import api, { properties, store } from '../src/index.js';
import { APIError } from '../src/properties.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const json = (value) => ({ status: 200, body: JSON.stringify(value) });

/** Runs `body` with console.warn captured; answers what it warned. */
async function warnings(body) {
  const warned = [];
  const original = console.warn;
  console.warn = (...args) => warned.push(args.join(' '));
  try {
    await body();
  } finally {
    console.warn = original;
  }
  return warned;
}

test('onJiraIssue gets, sets and deletes an issue property as the app', async () => {
  const host = fakeHost({
    answers: {
      'get /rest/api/3/issue/KILN-1/properties/triage.state': json({ key: 'triage.state', value: { seen: 2 } }),
      'put /rest/api/3/issue/KILN-1/properties/triage.state': { status: 200, body: '' },
      'delete /rest/api/3/issue/KILN-1/properties/triage.state': { status: 204, body: '' },
    },
  });
  installHost(host);
  const issue = properties.onJiraIssue('KILN-1');
  assert.deepEqual(await issue.get('triage.state'), { seen: 2 });
  assert.equal(await issue.set('triage.state', { seen: 3 }), undefined);
  assert.equal(await issue.delete('triage.state'), undefined);

  assert.deepEqual(
    host.sent.map((r) => [r.principal, r.method, r.path]),
    [
      ['app', 'get', '/rest/api/3/issue/KILN-1/properties/triage.state'],
      ['app', 'put', '/rest/api/3/issue/KILN-1/properties/triage.state'],
      ['app', 'delete', '/rest/api/3/issue/KILN-1/properties/triage.state'],
    ],
  );
  const put = host.sent[1];
  assert.equal(new TextDecoder().decode(put.body), '{"seen":3}');
  assert.deepEqual(put.headers, [['content-type', 'application/json']]);
});

test('onJiraProject addresses the project, its key escaped by route', async () => {
  const host = fakeHost({
    answers: { 'get /rest/api/3/project/KILN/properties/config': json({ key: 'config', value: [1, 'two'] }) },
  });
  installHost(host);
  assert.deepEqual(await properties.onJiraProject('KILN').get('config'), [1, 'two']);
  assert.equal(host.sent[0].path, '/rest/api/3/project/KILN/properties/config');
  // Forge checks no project key; `route` still refuses a path trick in it.
  await assert.rejects(properties.onJiraProject('../issue/KILN-1').get('config'), /path manipulation/);
  assert.equal(host.sent.length, 1);
});

test('get answers undefined for 403 and 404, throws APIError for other failures', async () => {
  const host = fakeHost({
    answers: {
      'get /rest/api/3/issue/KILN-1/properties/hidden': { status: 403, body: '{}' },
      'get /rest/api/3/issue/KILN-1/properties/flaky': { status: 500, body: '{}' },
      'get /rest/api/3/issue/KILN-1/properties/bad': { status: 400, body: '{}' },
      'put /rest/api/3/issue/KILN-1/properties/busy': { status: 409, body: '{}' },
      'delete /rest/api/3/issue/KILN-1/properties/gone': { status: 404, body: '{}' },
    },
  });
  installHost(host);
  const issue = properties.onJiraIssue('KILN-1');
  assert.equal(await issue.get('missing'), undefined);
  assert.equal(await issue.get('hidden'), undefined);
  await assert.rejects(issue.get('flaky'), (e) => e instanceof APIError && e.message === 'Internal server error');
  await assert.rejects(issue.get('bad'), { message: 'Bad request' });
  await assert.rejects(issue.set('busy', 1), { message: 'Conflicting update occurred' });
  // Unlike get, delete of a missing property is an error, as in Forge.
  await assert.rejects(issue.delete('gone'), { message: 'Permissions error or key does not exist' });
  const teapot = fakeHost({ answers: { 'put /rest/api/3/issue/KILN-1/properties/x': { status: 418, body: '' } } });
  installHost(teapot);
  await assert.rejects(properties.onJiraIssue('KILN-1').set('x', 1), {
    message: "Unknown error. Received status code '418'",
  });
});

test('keys and issue keys are checked before anything is sent', async () => {
  const host = fakeHost();
  installHost(host);
  for (const key of ['a/b', 'a b', '', 'ü', '%2e%2e', 'a?b', '~']) {
    assert.throws(() => properties.onJiraIssue('KILN-1').get(key), { message: 'Invalid context/property key' }, key);
    assert.throws(() => properties.onJiraIssue(key), { message: 'Invalid context/property key' }, key);
  }
  for (const key of ['~private', 'a-b_c.d', 'A1']) {
    assert.equal(await properties.onJiraIssue('KILN-1').get(key), undefined, key);
  }
  assert.equal(host.sent.length, 3);
});

test('Confluence properties reject without sending: Kiln serves Jira apps', async () => {
  const host = fakeHost();
  installHost(host);
  await assert.rejects(properties.onConfluencePage('123').get('k'), /not served by Kiln/);
  await assert.rejects(properties.onConfluenceSpace('SPACE').set('k', 1), /not served by Kiln/);
  assert.equal(host.sent.length, 0);
});

test('store is the same API, warning that it is deprecated; so is api.store', async () => {
  const host = fakeHost({
    answers: { 'get /rest/api/3/issue/KILN-2/properties/k': json({ key: 'k', value: 'v' }) },
  });
  installHost(host);
  let value;
  const warned = await warnings(async () => {
    value = await store.onJiraIssue('KILN-2').get('k');
  });
  assert.equal(value, 'v');
  assert.deepEqual(warned, [
    "store.onJiraIssue() is deprecated. Use properties.onJiraIssue() imported from '@forge/api' instead",
    'The @forge/api Properties API is deprecated, you shoud now call product REST APIs directly.',
  ]);
  assert.equal(api.store, store);
  assert.deepEqual(Object.keys(store), ['onJiraIssue', 'onJiraProject', 'onConfluencePage', 'onConfluenceSpace']);
});
