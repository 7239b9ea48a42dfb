// Forge's error classes (names, `status` and messages as @forge/api
// documents them), and how Kiln's `request-error` maps onto them.
//
// Forge resolves `requestJira` with the response for any HTTP status: a 404
// is `response.ok === false`, not an exception. It throws only when the
// platform refuses or fails the request; so does Kiln, for each case of
// `kiln:app/types.request-error`. Every error keeps Kiln's case in
// `kilnError` (`{ tag, val }`), so a handler that gives up can report it
// to the host as `app-error.request`.

export const FUNCTION_ERR = 'FUNCTION_ERR';
export const REQUEST_EGRESS_ALLOWLIST_ERR = 'REQUEST_EGRESS_ALLOWLIST_ERR';
export const FUNCTION_FETCH_ERR = 'FUNCTION_FETCH_ERR';
export const NEEDS_AUTHENTICATION_ERR = 'NEEDS_AUTHENTICATION_ERR';
export const PROXY_ERR = 'PROXY_ERR';

export class HttpError extends Error {
  constructor(message) {
    super(message);
    this.status = undefined;
  }
}

export class FetchError extends Error {
  constructor(cause) {
    super(cause);
    this.name = FUNCTION_FETCH_ERR;
  }
}

export class NotAllowedError extends HttpError {
  constructor(message) {
    super(message);
    this.name = REQUEST_EGRESS_ALLOWLIST_ERR;
    this.status = 403;
  }
}

export class RequestProductNotAllowedError extends NotAllowedError {
  constructor(requestedProduct, invocationProduct) {
    super(`Request ${requestedProduct} is not allowed from ${invocationProduct} context.`);
  }
}

export class InvalidWorkspaceRequestedError extends NotAllowedError {
  constructor(failedURL) {
    super(`Invalid workspace requested in URL: ${failedURL}.`);
  }
}

export class ExternalEndpointNotAllowedError extends NotAllowedError {
  constructor(failedURL) {
    super(
      `URL not included in the external fetch backend permissions: ${failedURL}. Visit go.atlassian.com/forge-egress for more information.`,
    );
  }
}

export class ProductEndpointNotAllowedError extends NotAllowedError {
  constructor(failedURL) {
    super(`URL not allowed: ${failedURL}.`);
  }
}

export class NeedsAuthenticationError extends HttpError {
  constructor(error, serviceKey, options) {
    super(error);
    this.serviceKey = serviceKey;
    this.options = options;
    this.name = NEEDS_AUTHENTICATION_ERR;
    this.status = 401;
  }
}

export class ProxyRequestError extends HttpError {
  constructor(status, errorCode) {
    super(`Forge platform failed to process runtime HTTP request - ${status} - ${errorCode}`);
    this.status = status;
    this.errorCode = errorCode;
    this.name = PROXY_ERR;
  }
}

export function isForgePlatformError(err) {
  return [REQUEST_EGRESS_ALLOWLIST_ERR, FUNCTION_FETCH_ERR, NEEDS_AUTHENTICATION_ERR, PROXY_ERR].includes(
    err?.name,
  );
}

export function isHostedCodeError(err) {
  const name = typeof err === 'string' ? err : err?.name;
  return [FUNCTION_ERR, REQUEST_EGRESS_ALLOWLIST_ERR, FUNCTION_FETCH_ERR, NEEDS_AUTHENTICATION_ERR].includes(name);
}

export function isExpectedError(err) {
  return err?.name === NEEDS_AUTHENTICATION_ERR && !!err.options?.isExpectedError;
}

/**
 * How Kiln's host words an `invalid-request` refused for one of the
 * request's headers (`runtime/src/policy/headers.rs`, whose tests keep every
 * case in one of these shapes) or for its body (`runtime/src/jira/session.rs`),
 * rather than for its URL.
 */
const HEADER_REFUSAL = /^(?:header |the value of header |more than \d+ headers$)/;
const BODY_REFUSAL = /^the request body is /;

/**
 * Forge's error for a request its platform refuses,
 * `ProductEndpointNotAllowedError` (`REQUEST_EGRESS_ALLOWLIST_ERR`, 403),
 * which apps and Kiln's tests check for, whose message says what was refused.
 * Forge's own message says "URL not allowed", which misleads when the URL
 * is fine and a header (which Forge's proxy passes on, Kiln's host checks
 * against its allowlist) or the body was refused: Forge has no error of its
 * own for those, so the class stays and only the words change.
 */
function productRequestRefused(target, reason) {
  const text = String(reason);
  const what = HEADER_REFUSAL.test(text) ? 'Request header' : BODY_REFUSAL.test(text) ? 'Request body' : undefined;
  if (what === undefined) {
    return new ProductEndpointNotAllowedError(`${target} (${text})`);
  }
  // Constructed as a ProductEndpointNotAllowedError, with its own message
  // from the start (the engine's stack trace quotes the first one).
  return Reflect.construct(NotAllowedError, [`${what} not allowed: ${target} (${text}).`], ProductEndpointNotAllowedError);
}

/**
 * The Forge error for Kiln's `request-error` `{ tag, val }` on a request
 * to `target` (`METHOD /path`).
 */
export function forgeErrorFor(kilnError, target) {
  const { tag, val } = kilnError ?? {};
  let error;
  switch (tag) {
    case 'invalid-request':
      error = productRequestRefused(target, val);
      break;
    case 'unknown-route':
      error = new ProductEndpointNotAllowedError(`${target} (no Jira API route matches: ${val})`);
      break;
    case 'scope-denied': {
      const missing = val?.missing ?? [];
      error = new ProductEndpointNotAllowedError(
        `${target} (the manifest lacks scopes for ${val?.route}: add ${missing.join(', ')})`,
      );
      error.missingScopes = [...missing];
      break;
    }
    case 'needs-authentication':
      error = new NeedsAuthenticationError('Authentication Required', 'atlassian-token-service-key', {
        principal: val,
      });
      break;
    case 'quota-exceeded':
      error = new ProxyRequestError(429, `QUOTA_EXCEEDED: ${val}`);
      break;
    case 'timeout':
      error = new FetchError(`request to ${target} timed out`);
      break;
    case 'transport':
      error = new FetchError(`request to ${target} failed: ${val}`);
      break;
    default:
      error = new FetchError(`request to ${target} failed`);
  }
  Object.defineProperty(error, 'kilnError', { value: kilnError, enumerable: false });
  return error;
}
