import test from 'node:test';
import assert from 'node:assert/strict';

import { authorize, AuthorizationError } from '../src/index.js';
import { installHost } from '../src/host.js';

// A host whose Jira answers `mypermissions` from a grant table, as the
// simulator does: `grants[context]` lists the keys held there (`*` is the
// global context); an unknown context is Jira's 404.
function permissionsHost(grants, { status } = {}) {
  const sent = [];
  const jira = {
    requestJira(request) {
      sent.push(request);
      const query = Object.fromEntries(request.query);
      const context = query.issueId ?? query.issueKey ?? query.projectId ?? query.projectKey ?? '*';
      const held = grants[context];
      if (status !== undefined) {
        return { status, headers: [], body: new TextEncoder().encode('{"errorMessages":["down"]}') };
      }
      if (request.path !== '/rest/api/3/mypermissions' || held === undefined) {
        return { status: 404, headers: [], body: new TextEncoder().encode('{"errorMessages":["no"]}') };
      }
      const permissions = {};
      for (const key of query.permissions.split(',')) {
        permissions[key] = { key, havePermission: held.includes(key) };
      }
      return {
        status: 200,
        headers: [['content-type', 'application/json']],
        body: new TextEncoder().encode(JSON.stringify({ permissions })),
      };
    },
  };
  installHost({ jira, sent });
  return sent;
}

test('onJiraIssue asks mypermissions as the user, by id or key', async () => {
  const sent = permissionsHost({ 10001: ['EDIT_ISSUES'], 'KILN-2': [] });
  assert.equal(await authorize().onJiraIssue('10001').canEdit(), true);
  assert.equal(await authorize().onJiraIssue(10001).canDelete(), false);
  assert.equal(await authorize().onJiraIssue('KILN-2').canEdit(), false);
  assert.equal(sent[0].principal, 'user');
  assert.equal(sent[0].method, 'get');
  assert.equal(sent[0].path, '/rest/api/3/mypermissions');
  assert.deepEqual(sent[0].query, [
    ['permissions', 'EDIT_ISSUES'],
    ['issueId', '10001'],
  ]);
  assert.deepEqual(sent[1].query, [
    ['permissions', 'DELETE_ISSUES'],
    ['issueId', '10001'],
  ]);
  assert.deepEqual(sent[2].query, [
    ['permissions', 'EDIT_ISSUES'],
    ['issueKey', 'KILN-2'],
  ]);
});

test('every named entity must hold the permission; hidden ones hold nothing', async () => {
  permissionsHost({ KILN: ['CREATE_ISSUES', 'ADD_COMMENTS'], SEC: ['ADD_COMMENTS'] });
  const both = authorize().onJiraProject(['KILN', 'SEC']);
  assert.equal(await both.canAddComments(), true);
  assert.equal(await both.canCreateIssues(), false);
  assert.equal(await authorize().onJiraProject('KILN').canCreateIssues(), true);
  // HIDDEN answers 404 (cannot see it): no permission, not an error.
  assert.equal(await authorize().onJiraProject(['KILN', 'HIDDEN']).canAddComments(), false);
  assert.equal(await authorize().onJiraProject([]).canAddComments(), false);
});

test('onJira lists where each permission is held, and global checks', async () => {
  permissionsHost({
    '*': ['ADMINISTER_PROJECTS'],
    10000: ['EDIT_ISSUES', 'ADD_COMMENTS'],
    10001: ['ADD_COMMENTS'],
    'KILN-1': ['EDIT_ISSUES'],
  });
  const found = await authorize().onJira([
    { permissions: ['EDIT_ISSUES', 'ADD_COMMENTS'], projects: ['10000', 10001], issues: ['KILN-1'] },
    { permissions: ['ADMINISTER_PROJECTS', 'ADMINISTER'] },
  ]);
  assert.deepEqual(found, [
    { permission: 'EDIT_ISSUES', projects: ['10000'], issues: ['KILN-1'] },
    { permission: 'ADD_COMMENTS', projects: ['10000', 10001], issues: [] },
    { permission: 'ADMINISTER_PROJECTS', projects: [], issues: [] },
  ]);
});

test('a failure is an error, never a yes or a no', async () => {
  permissionsHost({ 10001: ['EDIT_ISSUES'] }, { status: 503 });
  await assert.rejects(authorize().onJiraIssue('10001').canEdit(), (error) => {
    assert.ok(error instanceof AuthorizationError);
    assert.equal(error.status, 503);
    return true;
  });
  // An answer that does not mention the key asked is not read as "no".
  installHost({
    jira: {
      requestJira: () => ({ status: 200, headers: [], body: new TextEncoder().encode('{"permissions":{}}') }),
    },
  });
  await assert.rejects(authorize().onJiraIssue('10001').canEdit(), AuthorizationError);
});

test('bad keys and entities are refused before anything is sent', async () => {
  const sent = permissionsHost({});
  await assert.rejects(authorize().onJira([{ permissions: ['EDIT_ISSUES&issueId=1'] }]), TypeError);
  await assert.rejects(authorize().onJira([{ permissions: [] }]), TypeError);
  await assert.rejects(authorize().onJira('EDIT_ISSUES'), TypeError);
  await assert.rejects(authorize().onJiraIssue({}).canEdit(), TypeError);
  await assert.rejects(authorize().onJiraIssue('').canEdit(), TypeError);
  assert.equal(sent.length, 0);
  assert.throws(() => authorize().onConfluenceContent('1'), /only Jira/);
});
