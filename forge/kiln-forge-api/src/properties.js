// `@forge/api`'s Properties API: `properties.onJiraIssue(issueKey)` and
// `properties.onJiraProject(projectKey)`, each with `get`, `set` and
// `delete`, and its older name `store` (every method of which warns that it
// is deprecated). @forge/api 1.x to 3.x export them; 4.0 removed them, and
// Forge apps written before that still import them. Kiln answers them for
// those apps, as @forge/api 3.9.2 (the last version with them) does:
//
// - a property is a Jira entity property, reached with the app's authority
//   (`asApp().requestJira`) at `/rest/api/3/issue/{issueKey}/properties/{key}`
//   or `/rest/api/3/project/{projectKey}/properties/{key}`, so it goes
//   through the same door as any request: the host validates the path,
//   matches the route, checks the manifest's scopes and attaches the
//   credential;
// - `get` answers the property's `value`, or `undefined` when Jira says 403
//   or 404 (no such property, or an issue the app cannot see); `set` is a
//   PUT of the value as JSON; `delete` a DELETE; any other failure throws
//   Forge's storage `APIError` with its message for the status;
// - keys, and issue keys, must match Forge's `^(~)?[A-Za-z0-9_\-.]+$`
//   ("Invalid context/property key" otherwise, thrown before anything is
//   sent); project keys are escaped by `route` alone, as in Forge;
// - `onConfluencePage` and `onConfluenceSpace` exist but reject, as
//   `requestConfluence` does: Kiln serves Jira apps.

import { productClient } from './request.js';
import { route } from './route.js';

const app = productClient('app');

/** Forge's check on property keys and on issue keys (`sanitized-key.js`). */
const KEY = /^(~)?[A-Za-z0-9_\-.]+$/;

function sanitizedKey(input) {
  if (!KEY.test(input)) {
    throw new Error('Invalid context/property key');
  }
  return input;
}

/** @forge/storage's `getErrorMessage`: the message Forge throws for a status. */
function messageFor(status) {
  switch (status) {
    case 400:
    case 413:
      return 'Bad request';
    case 401:
      return 'Authentication error';
    case 403:
    case 404:
      return 'Permissions error or key does not exist';
    case 409:
      return 'Conflicting update occurred';
    case 500:
      return 'Internal server error';
    default:
      return `Unknown error. Received status code '${status}'`;
  }
}

/** @forge/storage's `APIError`, as the Properties API throws it. */
export class APIError extends Error {
  static forStatus(status) {
    return new APIError(messageFor(status));
  }
}

/** One entity's properties, addressed by `path(key)`, requested by `request`. */
function entity(path, request) {
  console.warn('The @forge/api Properties API is deprecated, you shoud now call product REST APIs directly.');
  const get = async (key) => {
    const response = await request(path(key));
    if (!response.ok) {
      if (response.status === 403 || response.status === 404) {
        return undefined;
      }
      throw APIError.forStatus(response.status);
    }
    const { value } = await response.json();
    return value;
  };
  const set = async (key, value) => {
    const response = await request(path(key), {
      method: 'PUT',
      body: JSON.stringify(value),
      headers: { 'content-type': 'application/json' },
    });
    if (!response.ok) {
      throw APIError.forStatus(response.status);
    }
  };
  const remove = async (key) => {
    const response = await request(path(key), { method: 'DELETE' });
    if (!response.ok) {
      throw APIError.forStatus(response.status);
    }
  };
  // The key is checked when the method is called, before its promise
  // exists: a bad key throws, as Forge's does, rather than rejecting.
  return Object.freeze({
    get: (key) => get(sanitizedKey(key)),
    set: (key, value) => set(sanitizedKey(key), value),
    delete: (key) => remove(sanitizedKey(key)),
  });
}

export const properties = Object.freeze({
  onJiraIssue(issueKey) {
    const issue = sanitizedKey(issueKey);
    return entity((key) => route`/rest/api/3/issue/${issue}/properties/${key}`, app.requestJira);
  },
  onJiraProject(projectKey) {
    return entity((key) => route`/rest/api/3/project/${projectKey}/properties/${key}`, app.requestJira);
  },
  onConfluencePage(pageId) {
    const page = sanitizedKey(pageId);
    return entity((key) => route`/wiki/rest/api/content/${page}/property/${key}`, app.requestConfluence);
  },
  onConfluenceSpace(spaceId) {
    const space = sanitizedKey(spaceId);
    return entity((key) => route`/wiki/rest/api/space/${space}/property/${key}`, app.requestConfluence);
  },
});

/** `store`, the Properties API's first name: the same methods, each warning first. */
export const store = Object.freeze(
  Object.fromEntries(
    Object.entries(properties).map(([name, method]) => [
      name,
      (...args) => {
        console.warn(`store.${name}() is deprecated. Use properties.${name}() imported from '@forge/api' instead`);
        return method(...args);
      },
    ]),
  ),
);
