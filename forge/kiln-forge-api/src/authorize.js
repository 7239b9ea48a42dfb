// `authorize()` from `@forge/api`: does the invoking user hold a Jira
// permission on these projects or issues?
//
// Forge answers with Jira's bulk permission check; Kiln asks Jira's
// `GET /rest/api/3/mypermissions` as the user (one call per project or
// issue, with every key asked there), through the same `requestJira` door
// as any other call: the host checks the route and the app's scopes
// (`read:permission:jira` or `read:jira-work`) and attaches the user's
// credential. Nothing is decided here that Jira did not answer: a project or
// issue the user cannot see (404) holds nothing, any other failure rejects
// with the status, so a check never turns an outage into a "yes" or a "no".
//
// Confluence's `onConfluenceContent` is refused: Kiln serves Jira only.

import { route } from './route.js';
import { productClient } from './request.js';

/** Checks ask as the invoking user: whose rights an app means to respect. */
const userClient = productClient('user');

/** `onJiraProject(...)` methods and the Jira keys they ask (Forge's names). */
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

/** `onJiraIssue(...)` methods and the Jira keys they ask (Forge's names). */
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

/** Jira's permission keys: upper-case words joined by `_`. */
const PERMISSION_KEY = /^[A-Z][A-Z0-9_]*$/;

/** An error naming the check that could not be answered, with Jira's status. */
export class AuthorizationError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'AuthorizationError';
    this.status = status;
  }
}

function permissionKey(key) {
  if (typeof key !== 'string' || !PERMISSION_KEY.test(key)) {
    throw new TypeError(`not a Jira permission key: ${JSON.stringify(String(key))}`);
  }
  return key;
}

/** `12` or `"12"` as an id, `"KILN-1"` / `"KILN"` as a key. */
function entityParam(kind, entity) {
  if (typeof entity !== 'string' && typeof entity !== 'number') {
    throw new TypeError(`a Jira ${kind} is named by its id or key, not ${typeof entity}`);
  }
  const value = String(entity);
  if (value === '') {
    throw new TypeError(`a Jira ${kind} id or key is empty`);
  }
  return [/^[0-9]+$/.test(value) ? `${kind}Id` : `${kind}Key`, value];
}

function asList(entities) {
  return Array.isArray(entities) ? entities : [entities];
}

/**
 * The keys of `keys` the user holds on `entity` (`kind` `project` or
 * `issue`), or everywhere when `entity` is undefined: a Set.
 */
async function held(keys, kind, entity) {
  const permissions = keys.map(permissionKey).join(',');
  const query = new URLSearchParams({ permissions });
  if (entity !== undefined) {
    query.set(...entityParam(kind, entity));
  }
  const path = route`/rest/api/3/mypermissions?${query}`;
  const response = await userClient.requestJira(path, { headers: { Accept: 'application/json' } });
  if (response.status === 404 && entity !== undefined) {
    return new Set();
  }
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 200);
    throw new AuthorizationError(
      `authorize(): Jira answered ${response.status} to the permission check ${permissions}: ${detail}`,
      response.status,
    );
  }
  const body = await response.json();
  const answered = body !== null && typeof body === 'object' ? body.permissions : undefined;
  const out = new Set();
  for (const key of keys) {
    const entry = answered !== null && typeof answered === 'object' ? answered[key] : undefined;
    if (entry === undefined || entry === null || typeof entry.havePermission !== 'boolean') {
      throw new AuthorizationError(`authorize(): Jira's answer does not say whether ${key} is held`, response.status);
    }
    if (entry.havePermission) {
      out.add(key);
    }
  }
  return out;
}

/** Whether every one of `entities` holds `key`; false for an empty list. */
async function allHold(key, kind, entities) {
  const list = asList(entities);
  if (list.length === 0) {
    return false;
  }
  for (const entity of list) {
    if (!(await held([key], kind, entity)).has(key)) {
      return false;
    }
  }
  return true;
}

function checks(table, kind, entities) {
  const api = {};
  for (const [method, key] of Object.entries(table)) {
    api[method] = () => allHold(key, kind, entities);
  }
  return Object.freeze(api);
}

/**
 * `onJira([{ permissions, projects?, issues? }])`: Forge's bulk form. Resolves
 * with `[{ permission, projects, issues }]`, one entry per permission held on
 * at least one of the named projects or issues, listing where; a check
 * naming neither asks globally, and lists the permission with empty lists.
 */
async function onJira(permissionChecks) {
  if (!Array.isArray(permissionChecks)) {
    throw new TypeError('authorize().onJira takes an array of { permissions, projects?, issues? }');
  }
  const found = new Map();
  const entry = (permission) => {
    if (!found.has(permission)) {
      found.set(permission, { permission, projects: [], issues: [] });
    }
    return found.get(permission);
  };
  for (const check of permissionChecks) {
    const keys = check?.permissions;
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new TypeError('each authorize().onJira check names its permissions');
    }
    const projects = check.projects === undefined ? [] : asList(check.projects);
    const issues = check.issues === undefined ? [] : asList(check.issues);
    if (projects.length === 0 && issues.length === 0) {
      for (const key of await held(keys, 'project', undefined)) {
        entry(key);
      }
      continue;
    }
    for (const [kind, list, field] of [
      ['project', projects, 'projects'],
      ['issue', issues, 'issues'],
    ]) {
      for (const entity of list) {
        for (const key of await held(keys, kind, entity)) {
          entry(key)[field].push(entity);
        }
      }
    }
  }
  return [...found.values()];
}

/** Forge's `authorize()`. */
export function authorize() {
  return Object.freeze({
    onJira,
    onJiraProject: (projects) => checks(PROJECT_CHECKS, 'project', projects),
    onJiraIssue: (issues) => checks(ISSUE_CHECKS, 'issue', issues),
    onConfluenceContent: () => {
      throw new Error("authorize().onConfluenceContent is not served by Kiln: only Jira's APIs are");
    },
  });
}
