// Forge's `route` template tag, with Forge's own escaping rules
// (https://go.atlassian.com/forge-fetch-route):
//
// - before the first `?` or `#` of the template (the path), an interpolated
//   value is inserted as is, but refused if it contains `/`, `\`, `?`, `#`
//   or a `..` segment in any of its encoded spellings (`.%2e`, `%2E.`, …):
//   one value can name one path segment, never walk the path;
// - after it (the query), a value is `encodeURIComponent`-ed, a
//   `URLSearchParams` is inserted as its `toString()`;
// - a `Route` interpolated in the path is inserted as is (composition), in
//   the query it is encoded like a string.
//
// `requestJira` accepts only a `Route`, as Forge does. This is the app's
// first guard, not Kiln's: the host validates the final path again
// (runtime/src/policy/path.rs) whatever this module is made to produce.

const PATH_MANIPULATION =
  'Disallowing path manipulation attempt. For more information see: https://go.atlassian.com/product-fetch-api-route';

const routes = new WeakSet();

/**
 * A route built by `route` (or trusted explicitly), shaped as @forge/api's
 * `ReadonlyRoute`: the path in an own `value_` property, read through
 * `value`, so an app that logs a route (`ReadonlyRoute { value_: '/rest/…' }`),
 * serializes it (`{"value_":"/rest/…"}`) or reads `value_` sees what it sees
 * on Forge. No `toString` either: `${route}` is `[object Object]` there, and an
 * app relying on it here would break on Forge. Frozen, so `value_` cannot be
 * changed after `route` checked it (Forge's stays writable; the host checks
 * the path again anyway).
 */
export class ReadonlyRoute {
  constructor(value) {
    this.value_ = String(value);
    routes.add(this);
    Object.freeze(this);
  }
  get value() {
    return this.value_;
  }
  set value(_) {
    throw new Error('modification of a Route is not allowed');
  }
}

/**
 * The path a route carries, as text: a genuine route's own frozen `value_`,
 * never a getter an app replaced. An object passed off as a route (an app
 * that tampered with `isRoute`'s check) gives whatever it holds, and the
 * host judges that path as it judges every path.
 */
export function routeValue(route) {
  return String(Object.hasOwn(route, 'value_') ? route.value_ : route.value);
}

export function isRoute(x) {
  return typeof x === 'object' && x !== null && routes.has(x);
}

function walksThePath(text) {
  if (/[/\\?#]/.test(text)) {
    return true;
  }
  // `..` with either dot written as `%2e`/`%2E`, anywhere in the value.
  return /(\.|%2e)(\.|%2e)/i.test(text);
}

function pathValue(value) {
  if (isRoute(value)) {
    return routeValue(value);
  }
  const text = String(value);
  if (walksThePath(text)) {
    throw new Error(PATH_MANIPULATION);
  }
  return text;
}

function queryValue(value) {
  if (isRoute(value)) {
    return encodeURIComponent(routeValue(value));
  }
  if (typeof URLSearchParams !== 'undefined' && value instanceof URLSearchParams) {
    return value.toString();
  }
  return encodeURIComponent(value);
}

/**
 * route`/rest/api/3/issue/${key}?fields=${fields}`
 *
 * Also called as a plain function, `route('/rest/api/3/issuetype')`, by apps
 * written for @forge/api 2.x, whose `route` walks its first argument by index
 * and so reads a string, one character per fragment, as the whole path (a
 * path with no values to check: the app vouches for it, as with
 * `assumeTrustedRoute`). Later versions stop after the first fragment and
 * keep only `/`; Kiln keeps 2.x's reading, the one such apps were tested on.
 */
export function route(strings, ...values) {
  let inQuery = false;
  let out = '';
  for (let i = 0; i < strings.length; i++) {
    const fragment = String(strings[i]);
    if (/[?#]/.test(fragment)) {
      inQuery = true;
    }
    out += fragment;
    if (i < values.length) {
      out += inQuery ? queryValue(values[i]) : pathValue(values[i]);
    }
  }
  return new ReadonlyRoute(out);
}

/** Forge's escape hatch: a string the app vouches for. */
export function assumeTrustedRoute(path) {
  return new ReadonlyRoute(path);
}

/** The path and query of an absolute URL, as a route. */
export function routeFromAbsolute(absolute) {
  const url = new URL(absolute);
  return new ReadonlyRoute(`${url.pathname}${url.search}`);
}

/** The route itself, or Forge's error for anything else. */
export function requireSafeUrl(url) {
  if (isRoute(url)) {
    return url;
  }
  throw new Error(
    "You must create your route using the 'route' export from '@forge/api'.\nSee https://go.atlassian.com/forge-fetch-route for more information.",
  );
}
