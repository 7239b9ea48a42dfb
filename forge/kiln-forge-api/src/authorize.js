// `authorize()` from `@forge/api`: does the invoking user hold a Jira
// permission on these projects or issues?
//
// As `@forge/api` does it (through `@forge/auth`, 0.0.5 to 1.0.0, the same
// code): every check is one `POST /rest/api/3/permissions/check` as the
// invoking user, naming that user's `accountId`, through the same
// `requestJira` door as any other call. Atlassian's spec opens that read to
// every app (no scope: Kiln's catalogue has it as `Access::AnonymousRead`),
// so an app declaring only `read:jira-work` checks permissions as on Forge;
// Jira answers only what the user holds.
//
// * `onJira(checks)` resolves with Jira's `projectPermissions` as Jira
//   answers them: one entry per permission asked, with the project and issue
//   ids (numbers) where it is held; `[]` when the answer has none.
// * `onJiraProject(ids).canX()` and `onJiraIssue(ids).canX()` ask for one
//   permission on those ids and resolve `true` when Jira lists exactly those
//   ids (compared as strings, in any order), and `true` for an empty list,
//   as `@forge/auth` does.
//
// Where Kiln differs: a check Jira does not answer (a 4xx or 5xx status, or a
// body that is not Jira's answer) rejects with an `AuthorizationError` naming
// the status, where `@forge/auth` resolves `onJira` with `[]` and lets `canX`
// fail on `undefined`: an outage never reads as "no permission".
//
// Confluence's `onConfluenceContent` is refused: Kiln serves Jira only.

import { assumeTrustedRoute } from './route.js';
import { productClient } from './request.js';
import { invocationContext } from './handler.js';

/** Checks ask as the invoking user: whose rights an app means to respect. */
const userClient = productClient('user');

/** `onJiraProject(...)` methods and the Jira keys they ask (`@forge/auth`'s table). */
const PROJECT_CHECKS = Object.freeze({
  canAssignIssues: 'ASSIGN_ISSUES',
  canCreateIssues: 'CREATE_ISSUES',
  canEditIssues: 'EDIT_ISSUES',
  canMoveIssues: 'MOVE_ISSUES',
  canDeleteIssues: 'DELETE_ISSUES',
  canAddComments: 'ADD_COMMENTS',
  canEditAllComments: 'EDIT_ALL_COMMENTS',
  canDeleteAllComments: 'DELETE_ALL_COMMENTS',
  canCreateAttachments: 'CREATE_ATTACHMENTS',
  canDeleteAllAttachments: 'DELETE_ALL_ATTACHMENTS',
});

/** `onJiraIssue(...)` methods and the Jira keys they ask (`@forge/auth`'s table). */
const ISSUE_CHECKS = Object.freeze({
  canAssign: 'ASSIGN_ISSUES',
  canCreate: 'CREATE_ISSUES',
  canEdit: 'EDIT_ISSUES',
  canMove: 'MOVE_ISSUES',
  canDelete: 'DELETE_ISSUES',
  canAddComments: 'ADD_COMMENTS',
  canEditAllComments: 'EDIT_ALL_COMMENTS',
  canDeleteAllComments: 'DELETE_ALL_COMMENTS',
  canCreateAttachments: 'CREATE_ATTACHMENTS',
  canDeleteAllAttachments: 'DELETE_ALL_ATTACHMENTS',
});

/** @forge/api's words when no user invoked the function. */
const NO_USER =
  'Couldn’t find the accountId of the invoking user. This API can only be used inside user-invoked modules.';

/** An error naming the check that could not be answered, with Jira's status. */
export class AuthorizationError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'AuthorizationError';
    this.status = status;
  }
}

/**
 * Jira's `projectPermissions` for `projectPermissions` asked about
 * `accountId`: an array, or `undefined` when Jira's answer has none.
 */
async function checkJiraPermissions(accountId, projectPermissions) {
  const response = await userClient.requestJira(assumeTrustedRoute('/rest/api/3/permissions/check'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ accountId, projectPermissions }),
  });
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 200);
    throw new AuthorizationError(
      `authorize(): Jira answered ${response.status} to the permission check: ${detail}`,
      response.status,
    );
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new AuthorizationError("authorize(): Jira's answer to the permission check is not JSON", response.status);
  }
  const answered = body !== null && typeof body === 'object' ? body.projectPermissions : undefined;
  if (answered !== undefined && !Array.isArray(answered)) {
    throw new AuthorizationError("authorize(): Jira's projectPermissions is not a list", response.status);
  }
  return answered;
}

/** Whether `a` and `b` hold the same ids, as strings, in any order. */
function sameIds(a, b) {
  const sorted = (list) => JSON.stringify(Array.from(list.map(String)).sort());
  return sorted(a) === sorted(b);
}

function checks(table, type, accountId, entities) {
  const list = Array.isArray(entities) ? entities : [entities];
  const api = {};
  for (const [method, permission] of Object.entries(table)) {
    api[method] = async () => {
      const answered = await checkJiraPermissions(accountId, [{ permissions: [permission], [type]: list }]);
      if (answered === undefined) {
        throw new AuthorizationError(`authorize(): Jira's answer does not say where ${permission} is held`, 200);
      }
      if (list.length === 0) {
        return true;
      }
      const allowed = answered.find((entry) => entry?.permission === permission)?.[type];
      return Array.isArray(allowed) && sameIds(allowed, list);
    };
  }
  return Object.freeze(api);
}

/** Forge's `authorize()`: throws at once when no user invoked the function. */
export function authorize() {
  const accountId = invocationContext()?.accountId;
  if (typeof accountId !== 'string' || accountId === '') {
    throw new Error(NO_USER);
  }
  return Object.freeze({
    onJira: async (projectPermissions) => (await checkJiraPermissions(accountId, projectPermissions)) ?? [],
    onJiraProject: (projects) => checks(PROJECT_CHECKS, 'projects', accountId, projects),
    onJiraIssue: (issues) => checks(ISSUE_CHECKS, 'issues', accountId, issues),
    onConfluenceContent: () => {
      throw new Error("authorize().onConfluenceContent is not served by Kiln: only Jira's APIs are");
    },
  });
}
