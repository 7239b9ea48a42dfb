// `asUser()` / `asApp()` `.requestJira(route, { method, headers, body })`
// over `kiln:app/jira.request-jira`.
//
// A route's value (`/rest/api/3/search?jql=…`) becomes Kiln's request
// record: the path with the characters a URL parser would percent-encode
// encoded the same way (a space in an issue summary used as a path value
// reaches Jira as `%20`, as with Forge's fetch), the query split into raw
// pairs (the host encodes them again, from one URL builder), the body as
// bytes. The host checks all of it; this module only translates.

import { host, witError } from './host.js';
import { assumeTrustedRoute, isRoute, requireSafeUrl, routeValue } from './route.js';
import { siteRouteOf } from './gateway.js';
import { Response } from './response.js';
import { forgeErrorFor, NeedsAuthenticationError } from './errors.js';
import { invocationContext } from './handler.js';
import { encodeBody, hasHeader } from './body.js';
import { byLayer, rejectedByLayer } from './unhandled_rejections.js';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const encoder = new TextEncoder();

/** UTF-8 percent-encoding of what the WHATWG URL parser encodes in a path. */
function encodePath(path) {
  let out = '';
  for (const char of path) {
    const code = char.codePointAt(0);
    const encode = code <= 0x20 || code >= 0x7f || '"<>`{}'.includes(char);
    if (!encode) {
      out += char;
      continue;
    }
    for (const byte of encoder.encode(char)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * The path and raw query pairs of a route's value. A path written without
 * its leading `/` (route`rest/agile/1.0/board/${id}`) gets one, as
 * `@forge/api`'s `productURL` gives it: Forge apps rely on that. One that
 * names a scheme (`https://…`) is left as written, so the host refuses it
 * for what it is. Anything else about the path is the host's to judge.
 */
function splitRoute(value) {
  // What the URL parser Forge's fetch builds the request with drops from
  // the whole URL (WHATWG URL: every ASCII tab and newline, and trailing C0
  // controls and spaces): a route template that ends on the next line
  // (`…&maxResults=${n}⏎`) reaches Jira without them there, so here too.
  // Inside a value, `route` has already percent-encoded them.
  const stripped = value.replace(/[\t\n\r]/g, '').replace(/[\u0000-\u0020]+$/, '');
  const withoutFragment = stripped.split('#', 1)[0];
  const mark = withoutFragment.indexOf('?');
  const written = mark === -1 ? withoutFragment : withoutFragment.slice(0, mark);
  const path = written.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(written) ? written : `/${written}`;
  const search = mark === -1 ? '' : withoutFragment.slice(mark + 1);
  const query = [...new URLSearchParams(search)];
  return { path: encodePath(path), query };
}

function headerPairs(headers) {
  if (headers === undefined || headers === null) {
    return [];
  }
  if (typeof headers[Symbol.iterator] === 'function' && typeof headers !== 'string') {
    return [...headers].map(([name, value]) => [String(name), String(value)]);
  }
  if (typeof headers === 'object') {
    return Object.entries(headers).map(([name, value]) => [name, String(value)]);
  }
  throw new TypeError('headers must be an object, an array of pairs or a Headers');
}

/**
 * Headers the host sets itself and refuses from a guest, which apps send
 * anyway: Jira's XSRF header, which Atlassian's examples tell apps to send on
 * every upload (`X-Atlassian-Token: no-check`; the host sets it on every
 * state-changing request), and `User-Agent` (the host names itself, as
 * Forge's proxy does; HTTP client libraries and apps copying a curl line set
 * one). The app's copy is left out here rather than failing the call: what
 * Jira answers is the same.
 */
const HOST_SET_HEADERS = new Set(['x-atlassian-token', 'user-agent']);

/** The app's headers as Kiln's pairs, without the ones the host sets itself. */
function appHeaders(headers) {
  return headerPairs(headers).filter(([name]) => !HOST_SET_HEADERS.has(name.toLowerCase()));
}

/**
 * Kiln's `request` record for this principal, route and init; a promise of
 * it only when the body must be read first (a Blob, a FormData, a stream).
 * Throws what the route or the init breaks.
 */
export function kilnRequest(principal, url, init) {
  const value = routeValue(requireSafeUrl(url));
  const options = init ?? {};
  const method = String(options.method ?? 'GET').toLowerCase();
  if (!METHODS.has(method)) {
    throw new TypeError(`method ${options.method} is not one Kiln sends (GET, POST, PUT, PATCH, DELETE)`);
  }
  const { path, query } = splitRoute(value);
  const headers = appHeaders(options.headers);
  const withBody = ({ bytes, contentType }) => {
    if (contentType !== undefined && !hasHeader(headers, 'content-type')) {
      headers.push(['Content-Type', contentType]);
    }
    return { principal, method, path, query, headers, body: bytes };
  };
  const encoded = encodeBody(options.body);
  return encoded instanceof Promise ? encoded.then(withBody) : withBody(encoded);
}

function target(request) {
  return `${request.method.toUpperCase()} ${request.path}`;
}

/**
 * What Forge's proxy answers a request the app's scopes do not cover: a 401
 * response, not a thrown error (`@forge/api` throws only for responses its
 * proxy marks as its own errors), so apps that check `response.status`, and
 * fall back from `asApp()` to `asUser()` on a 401, work as on Forge.
 */
const SCOPE_DENIED_BODY = JSON.stringify({ code: 401, message: 'Unauthorized; scope does not match' });

/** Sends a checked request record through the host; a Response for any HTTP status. */
function send(request) {
  let answer;
  try {
    answer = host().jira.requestJira(request);
  } catch (thrown) {
    const kilnError = witError(thrown);
    if (kilnError === undefined) {
      throw thrown;
    }
    if (kilnError.tag === 'scope-denied') {
      return scopeDenied(kilnError, request);
    }
    throw forgeErrorFor(kilnError, target(request));
  }
  return new Response(answer);
}

/**
 * Forge's 401 for a refused scope; what to add goes to the app's log, where
 * the developer reads it (the host has refused and counted the request).
 */
function scopeDenied(kilnError, request) {
  const missing = kilnError.val?.missing ?? [];
  console.warn(
    `Kiln: ${target(request)} answered 401, as Forge's proxy does: the manifest lacks scopes for ${kilnError.val?.route}: add ${missing.join(', ')}`,
  );
  return new Response({
    status: 401,
    headers: [['content-type', 'application/json']],
    body: encoder.encode(SCOPE_DENIED_BODY),
  });
}

/**
 * Sends one request; resolves with a Response for any HTTP status, rejects
 * with what the route, the init or the host refused (never throws: Forge's
 * `requestJira` is an `async` function).
 *
 * Written with `then` rather than `async`/`await`: the host call is
 * synchronous, and each `async` call and `await` costs the engine a
 * promise, a recorded stack and a job on every request, the largest part of
 * a request's own time in a fresh instance (BENCHMARKS.md, "Fewer promises
 * per request").
 */
export function requestJira(principal, url, init) {
  try {
    if (principal === 'user') {
      refuseWithoutUser();
    }
    const request = kilnRequest(principal, url, init);
    return request instanceof Promise ? byLayer(request.then(send)) : Promise.resolve(send(request));
  } catch (error) {
    return rejectedByLayer(error);
  }
}

// The triggers Forge runs with no user: "Scheduled triggers run without a
// user context" (Forge's scheduledTrigger reference); a web trigger's caller
// is anyone holding the URL; a product event offers `asApp()` or
// impersonating the event's `atlassianId`, not the invoking user (Forge's
// product events reference). `runtime serve` gives these no account id.
// Compared with `===`, not through `Set.prototype.has`, which an app can
// replace: a tampered check must not refuse (or allow) another trigger.
const NO_USER_TRIGGERS = Object.freeze(['web-trigger', 'scheduled', 'product-event']);

/**
 * `asUser()` needs a user: in an invocation no user started, Kiln will not
 * act as whoever the operator's credential belongs to (an app would then
 * run an anonymous web request with a person's permissions), and Forge has
 * no user token to attach. Checked when the request is made, so a client
 * kept from module scope is refused too. Throws Forge's
 * `NeedsAuthenticationError`; nothing is sent.
 */
function refuseWithoutUser() {
  const context = invocationContext();
  const trigger = context?.trigger;
  let unattended = false;
  for (let i = 0; i < NO_USER_TRIGGERS.length; i += 1) {
    unattended ||= NO_USER_TRIGGERS[i] === trigger;
  }
  if (!unattended) {
    return;
  }
  throw new NeedsAuthenticationError(
    `Authentication Required: asUser() needs an invoking user, and a ${context.trigger} invocation has none (as on Forge): use asApp()`,
    'atlassian-token-service-key',
    {},
  );
}

/**
 * Forge's product request methods besides `requestJira`: Kiln serves none,
 * but for `requestAtlassian`'s form of Jira Software's DevOps APIs
 * (`gatewayRequest`).
 */
const OTHER_PRODUCT_REQUESTS = Object.freeze([
  'requestConfluence',
  'requestBitbucket',
  'requestGraph',
  'requestTeamworkGraph',
  'requestConnectedData',
  'requestAtlassian',
]);

const unsupported = (product) => () =>
  rejectedByLayer(new Error(`${product} is not served by Kiln: only Jira's APIs are (requestJira)`));

/**
 * Forge's requests to Atlassian's API gateway for this principal
 * (`__requestAtlassianAsApp`, a client's `requestAtlassian`, named `name` in
 * errors): the gateway's form of Jira Software's DevOps APIs is sent as the
 * site route it names (gateway.js), as `requestJira` sends that route;
 * anything else rejects, sent nowhere. `readPath` gives the path the method
 * takes: `requestAtlassian` takes a route, as `requestJira` does; the
 * `__requestAtlassian…` functions take the path as written.
 */
export function gatewayRequest(principal, name, readPath) {
  return (path, init) => {
    try {
      const written = readPath(path);
      const mapped = siteRouteOf(written, invocationContext()?.cloudId);
      if (mapped.refused !== undefined) {
        throw new Error(`${name}(${written}) is not served by Kiln: ${mapped.refused} (see docs/porting-forge-apps.md)`);
      }
      return requestJira(principal, assumeTrustedRoute(mapped.path), init);
    } catch (error) {
      return rejectedByLayer(error);
    }
  };
}

/** The path a `__requestAtlassian…` function was given: a string, or a route's. */
export function writtenPath(path) {
  return isRoute(path) ? routeValue(path) : String(path);
}

const routePath = (url) => routeValue(requireSafeUrl(url));

/** The Jira site of the running invocation as Forge names it (`installContext`). */
function installContext() {
  const cloudId = invocationContext()?.cloudId;
  return cloudId === undefined ? undefined : `ari:cloud:jira::site/${cloudId}`;
}

/**
 * Forge's `withContext(contextAri)`: product requests in the context of a
 * site. Kiln serves one site per installation, so the context must be that
 * site (`context.installContext`); another is refused, sent nowhere.
 */
function withContext(jira) {
  return (contextAri) => {
    const here = installContext();
    const requestJira =
      here !== undefined && contextAri === here
        ? jira
        : () =>
            rejectedByLayer(
              new Error(
                `withContext(${String(contextAri)}): Kiln serves this installation's own site only (${here ?? 'no site'})`,
              ),
            );
    return Object.freeze({
      requestJira,
      requestConfluence: unsupported('requestConfluence'),
      requestBitbucket: unsupported('requestBitbucket'),
    });
  };
}

/**
 * Forge's `asUser().withProvider(provider)` (external authentication, the
 * `providers` of the manifest): Kiln holds no credential of other services,
 * so every call rejects saying so, and nothing is sent.
 */
function withProvider(provider) {
  return externalAuth(() =>
    rejectedByLayer(
      new Error(
        `asUser().withProvider(${String(provider)}) (Forge external authentication) is not available on Kiln: it holds no credential of other services; call them with fetch() from an allowed backend`,
      ),
    ),
  );
}

/** Forge's external authentication methods (`withProvider(…)`), and its accounts', each `refuse`. */
function externalAuth(refuse) {
  const account = Object.freeze({
    hasCredentials: refuse,
    requestCredentials: refuse,
    getAccount: refuse,
    fetch: refuse,
  });
  return Object.freeze({
    ...account,
    listCredentials: refuse,
    listAccounts: refuse,
    asAccount: () => account,
  });
}

/**
 * A product API client with Forge's surface for one principal (`asUser()`
 * also has `withProvider`). Every method Forge's client has exists, so an
 * app calling one Kiln does not serve gets a rejection saying so, not a
 * TypeError.
 */
export function productClient(principal) {
  const jira = (url, init) => requestJira(principal, url, init);
  const client = { requestJira: jira, withContext: withContext(jira) };
  for (const method of OTHER_PRODUCT_REQUESTS) {
    client[method] = unsupported(method);
  }
  client.requestAtlassian = gatewayRequest(principal, 'requestAtlassian', routePath);
  if (principal === 'user') {
    client.withProvider = withProvider;
  }
  return Object.freeze(client);
}

/**
 * A user client of Forge's surface every method of which rejects with
 * `refuse()`, sending nothing: for a principal Kiln will not act as.
 */
export function refusingClient(refuse) {
  const products = Object.freeze({ requestJira: refuse, requestConfluence: refuse, requestBitbucket: refuse });
  const client = { requestJira: refuse, withContext: () => products, withProvider: () => externalAuth(refuse) };
  for (const method of OTHER_PRODUCT_REQUESTS) {
    client[method] = refuse;
  }
  return Object.freeze(client);
}
