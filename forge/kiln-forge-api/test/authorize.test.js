import test from 'node:test';
import assert from 'node:assert/strict';

import { authorize, AuthorizationError } from '../src/index.js';
import { installHost } from '../src/host.js';
import { dispatch } from '../src/handler.js';

// The behaviour checked here is @forge/auth's (0.0.5 to 1.0.0, what
// @forge/api's `authorize()` runs): one `POST /rest/api/3/permissions/check`
// per call as the user, naming the user's accountId; `onJira` answers Jira's
// `projectPermissions` unchanged; `canX()` is true when Jira lists exactly the
// ids asked (as strings, any order), and true for an empty list.

/** Runs `run` as the handler of an invocation by `accountId`. */
const invokedBy = (accountId, run) =>
  dispatch({ index: { run } }, 'index.run', '{}', {
    invocationId: 'inv-1',
    accountId,
    cloudId: 'cloud-1',
    moduleKey: 'main',
    installationId: 'inst-1',
    environment: 'development',
  });

/**
 * A host whose Jira answers `permissions/check` from a grant table, as the
 * simulator does: `grants[permission]` lists the project and issue ids where
 * the user holds it (numbers, as Jira answers them); ids it does not list are
 * not answered.
 */
function permissionsHost(grants, { status, body } = {}) {
  const sent = [];
  const jira = {
    requestJira(request) {
      sent.push(request);
      if (status !== undefined) {
        return { status, headers: [], body: new TextEncoder().encode(body ?? '{"errorMessages":["down"]}') };
      }
      const asked = JSON.parse(new TextDecoder().decode(request.body));
      const projectPermissions = asked.projectPermissions.flatMap(({ permissions, projects = [], issues = [] }) =>
        permissions.map((permission) => {
          const held = grants[permission] ?? [];
          const among = (ids) => ids.map(Number).filter((id) => held.includes(id));
          return { permission, projects: among(projects), issues: among(issues) };
        }),
      );
      return {
        status: 200,
        headers: [['content-type', 'application/json']],
        body: new TextEncoder().encode(body ?? JSON.stringify({ projectPermissions })),
      };
    },
  };
  installHost({ jira, sent });
  return sent;
}

test('a check is one permissions/check POST as the user, naming the user', async () => {
  const sent = permissionsHost({ EDIT_ISSUES: [10001] });
  const result = await invokedBy('acc-1', async () => ({
    edit: await authorize().onJiraIssue('10001').canEdit(),
    remove: await authorize().onJiraIssue(10001).canDelete(),
  }));
  assert.deepEqual(JSON.parse(result), { edit: true, remove: false });
  assert.equal(sent.length, 2);
  assert.equal(sent[0].principal, 'user');
  assert.equal(sent[0].method, 'post');
  assert.equal(sent[0].path, '/rest/api/3/permissions/check');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(sent[0].body)), {
    accountId: 'acc-1',
    projectPermissions: [{ permissions: ['EDIT_ISSUES'], issues: ['10001'] }],
  });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(sent[1].body)).projectPermissions, [
    { permissions: ['DELETE_ISSUES'], issues: [10001] },
  ]);
});

test('canX is true when Jira lists exactly the ids asked, and for an empty list', async () => {
  permissionsHost({ ADD_COMMENTS: [10000, 10001], CREATE_ISSUES: [10000] });
  const result = await invokedBy('acc-1', async () => ({
    both: await authorize().onJiraProject(['10001', 10000]).canAddComments(),
    oneOfTwo: await authorize().onJiraProject(['10000', '10001']).canCreateIssues(),
    one: await authorize().onJiraProject('10000').canCreateIssues(),
    hidden: await authorize().onJiraProject(['10000', '99999']).canAddComments(),
    none: await authorize().onJiraProject([]).canAddComments(),
  }));
  assert.deepEqual(JSON.parse(result), { both: true, oneOfTwo: false, one: true, hidden: false, none: true });
});

test("onJira answers Jira's projectPermissions as Jira gives them", async () => {
  const sent = permissionsHost({ BROWSE_PROJECTS: [10000] });
  const checks = [{ permissions: ['ADMINISTER_PROJECTS', 'BROWSE_PROJECTS'], projects: ['10000', '10001'] }];
  const result = await invokedBy('acc-1', async () => authorize().onJira(checks));
  // One entry per permission asked, held or not, with numeric ids.
  assert.deepEqual(JSON.parse(result), [
    { permission: 'ADMINISTER_PROJECTS', projects: [], issues: [] },
    { permission: 'BROWSE_PROJECTS', projects: [10000], issues: [] },
  ]);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(sent[0].body)), {
    accountId: 'acc-1',
    projectPermissions: checks,
  });
  // An answer without projectPermissions is an empty list, as @forge/auth reads it.
  permissionsHost({}, { body: '{"globalPermissions":[]}' });
  assert.equal(await invokedBy('acc-1', async () => authorize().onJira(checks)), '[]');
});

test('a failure is an error, never a yes or a no', async () => {
  permissionsHost({}, { status: 503 });
  const seen = JSON.parse(
    await invokedBy('acc-1', async () => {
      const failures = [];
      for (const check of [() => authorize().onJiraIssue('10001').canEdit(), () => authorize().onJira([])]) {
        const error = await check().catch((e) => e);
        failures.push({ isClass: error instanceof AuthorizationError, status: error.status });
      }
      return failures;
    }),
  );
  assert.deepEqual(seen, [
    { isClass: true, status: 503 },
    { isClass: true, status: 503 },
  ]);
  // A 200 that is not Jira's answer is not read as "no".
  for (const body of ['not json', '{"projectPermissions":{}}', '{}']) {
    permissionsHost({}, { body });
    const name = await invokedBy('acc-1', async () =>
      (await authorize().onJiraIssue('10001').canEdit().catch((e) => e)).name,
    );
    assert.equal(JSON.parse(name), 'AuthorizationError', body);
  }
});

test('with no invoking user, authorize() throws as @forge/api does, sending nothing', async () => {
  const sent = permissionsHost({});
  const message = JSON.parse(await invokedBy(undefined, async () => {
    try {
      authorize();
      return 'no error';
    } catch (error) {
      return error.message;
    }
  }));
  assert.equal(
    message,
    'Couldn’t find the accountId of the invoking user. This API can only be used inside user-invoked modules.',
  );
  assert.equal(sent.length, 0);
  const confluence = await invokedBy('acc-1', async () => {
    try {
      authorize().onConfluenceContent('1');
      return 'no error';
    } catch (error) {
      return error.message;
    }
  });
  assert.match(confluence, /only Jira/);
});
