'use strict';
// A stand-in for a Node.js module the sandbox cannot provide (`fs`,
// `http`, `zlib`, …), bundled only for an installed package that imports
// it, and only when the app builds no other way (see build.mjs, "stand-ins").
//
// Many packages import `fs` at the top of a file and touch it only in a path
// the app never takes: mime 1's `load(file)` beside its `lookup(name)`,
// ejs's `include` of a template file beside `render(text)`, dotenv's
// `config()` beside `parse(text)`. Refusing the build for them turned whole
// packages away for an import that never runs. With a stand-in the module
// loads, and what the package does with it is answered only when it is
// used: every call or `new` throws an Error naming the module and the
// member, with `code` ERR_KILN_NODE_MODULE_UNAVAILABLE, so the app's log
// says what happened instead of "undefined is not a function".
//
// Nothing here grants anything: the sandbox has no files, sockets,
// processes or machine to reach, and the host checks every door whatever the
// guest's JavaScript says. The stand-in only changes how a use fails.
//
// Shape: `module.exports` is an empty object whose prototype is a Proxy, so
// that esbuild's CommonJS-to-ESM interop (which copies own properties and
// keeps the prototype) still finds every named import, `import { readFileSync }
// from 'fs'` as well as `require('fs').readFileSync`. A member is itself such
// a function, so `fs.promises.readFile(…)` and `fs.constants.O_RDONLY` fail
// at their use, not with a TypeError one step earlier, and `class X extends
// http.Agent` still loads (a member has a `prototype`). A member used as a
// value (`line + os.EOL`) fails as well: silently printing a function's
// source into a log would be worse than an error.

const CODE = 'ERR_KILN_NODE_MODULE_UNAVAILABLE';

// Keys that must not answer a member: a thenable module would hang `await
// import('fs')`, and a module that claims `__esModule` would be read as
// compiled ES (its `default` looked up instead of the module itself).
const NOT_MEMBERS = new Set(['then', '__esModule', 'toJSON']);

const WHY = {
  fs: "a package's own files are not in the sandbox",
  'fs/promises': "a package's own files are not in the sandbox",
  child_process: 'the sandbox has no processes',
  worker_threads: 'the sandbox has no threads',
  cluster: 'the sandbox has no processes',
};

function why(name) {
  return WHY[name] ?? 'the sandbox has no files, sockets or processes, and Kiln does not provide it';
}

function unavailableError(name, member) {
  const error = new Error(
    `Node.js's \`${name}\` module is not available to a Kiln app (${why(name)}): ` +
      `\`${member}\` was used by a package that imports it, bundled with a stand-in ` +
      'that fails on use (see docs/porting-forge-apps.md, "Node.js modules")',
  );
  error.code = CODE;
  return error;
}

/** A member `path` of the stand-in for `name`: callable, constructible, with members of its own. */
function member(name, path, members) {
  let known = members.get(path);
  if (known !== undefined) return known;
  const target = function unavailable() {
    throw unavailableError(name, path);
  };
  known = new Proxy(target, {
    apply() {
      throw unavailableError(name, path);
    },
    construct() {
      throw unavailableError(name, path);
    },
    get(target, key, receiver) {
      // Used as a string or a number (`text + os.EOL`, `mode | fs.constants.F_OK`):
      // fails too, rather than reading as the function's source text or NaN.
      if (key === Symbol.toPrimitive) {
        return () => {
          throw unavailableError(name, path);
        };
      }
      // The function's own (`prototype`, `name`, `length`, `call`, …) are
      // what `extends` and Function.prototype's methods need.
      if (typeof key !== 'string' || NOT_MEMBERS.has(key) || key in target) {
        return Reflect.get(target, key, receiver);
      }
      return member(name, `${path}.${key}`, members);
    },
  });
  members.set(path, known);
  return known;
}

/** The stand-in for Node's module `name` (`fs`, `node:fs` is given as `fs`). */
function unavailableModule(name) {
  const members = new Map();
  const prototype = new Proxy(Object.create(null), {
    get(target, key) {
      if (typeof key !== 'string' || NOT_MEMBERS.has(key)) return undefined;
      return member(name, `${name}.${key}`, members);
    },
  });
  const stand = Object.create(prototype);
  Object.defineProperty(stand, Symbol.toStringTag, { value: `Kiln stand-in for Node.js's ${name}` });
  return stand;
}

module.exports = { unavailableModule, CODE };
