// The app's files: what the layer's `fs` (forge-api/src/node/fs_volume.js)
// holds for an app whose own code imports `fs`, and each module's
// `__dirname`.
//
// Forge runs a backend beside the files the app deployed, and apps read
// them (`fs.readFileSync(path.resolve(__dirname, '../../static/mail.html'))`).
// A Kiln app has no file system: the build embeds the files in the bundle,
// and the layer's `fs` reads them from memory. Which files: those of the
// app's folder that its own code names, in a string or a template literal's
// fixed part, by their path or its tail (`'../templates/mail.html'`,
// `'mail.html'`, `` `locales/${lang}.json` `` names the folder `locales`, and
// so every file in it). Not every file of the folder: a Custom UI's build
// output or a test fixture would cost every invocation's memory for nothing.
//
// Never embedded, named or not: `node_modules/` and anything whose name
// starts with a dot (`.env`, `.git`), symlinks (they may point out of the
// app's folder), `.wasm` files (Kiln's build outputs), and `kiln.toml`, the
// operator's configuration, which names credential files. The build runs in
// the sandbox that mounts only the app's folder, so nothing else could be
// read anyway; these rules keep what the operator put beside the app out of
// the app's memory. The embedded files are at most MAX_BYTES: an app whose
// code names more fails to build, saying which; a folder named in passing
// (`'dist'`) that would pass the limit is left out with a warning.
//
// `__dirname` and `__filename` of each of the app's own modules are its
// place under the volume's root (`/src/service`), so paths built from them
// find the files; installed packages keep the bundle's `/` (their files are
// not embedded).

import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';

import { transform } from 'esbuild';
import { missingExportsSource } from './missing_exports.mjs';

/** What the embedded files may add up to: a bound on every invocation's memory. */
export const MAX_BYTES = 8 * 1024 * 1024;

const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
export const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'jsx', '.jsx': 'jsx', '.mjs': 'js', '.cjs': 'js' };
const MODULE = 'kiln:app-files';
const NAMESPACE = 'kiln-app-files';

/** Whether the walk leaves `name` (a file or folder of the app) out. */
function excluded(name) {
  return name === 'node_modules' || name.startsWith('.') || name === 'kiln.toml' || name.endsWith('.wasm');
}

/** The app's files the walk may embed: `rel` (POSIX) -> its path. */
async function appFiles(appDir) {
  const files = new Map();
  const walk = async (folder) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (excluded(entry.name) || entry.isSymbolicLink()) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const rel = relative(appDir, path).split(sep).join('/');
        files.set(rel, path);
      }
    }
  };
  await walk(appDir);
  return files;
}

/** The app's own source files (not its packages'), with their text without comments. */
async function ownSources(files) {
  const sources = [];
  for (const [rel, path] of files) {
    const ext = extname(rel);
    if (!SOURCE_EXTENSIONS.has(ext)) continue;
    const text = await readFile(path, 'utf8');
    try {
      sources.push((await transform(text, { loader: LOADERS[ext], legalComments: 'none', minifyWhitespace: true })).code);
    } catch {
      sources.push(text); // as it is: more names, never fewer
    }
  }
  return sources;
}

/** The paths `sources` name: the text of each string and each fixed part of a template literal. */
export function namedPaths(sources) {
  const names = new Set();
  // Linear: each alternative's characters exclude the others' (a bounded
  // repetition would retry every start inside a long string).
  const literal = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
  for (const source of sources) {
    for (const match of source.matchAll(literal)) {
      const text = match[1] ?? match[2] ?? match[3];
      if (text.length > 4096) continue; // a text, not a path
      for (const part of text.split(/\$\{[^}]*\}/)) {
        let name = part.trim().replace(/\\\\/g, '/');
        if (name === '' || name.length > 1024 || /[\n\r\0]/.test(name)) continue;
        name = name.replace(/^(?:\.{1,2}\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
        if (name !== '' && name !== '.' && name !== '..') names.add(name);
      }
    }
  }
  return names;
}

/**
 * The files to embed: `{ files: [rel], leftOut: [{ name, folder, count, bytes }] }`,
 * or throws when the files the code names by their own path pass MAX_BYTES.
 */
export async function selectAppFiles(appDir) {
  const all = await appFiles(appDir);
  const names = namedPaths(await ownSources(all));
  const folders = new Set();
  for (const rel of all.keys()) {
    for (let dir = dirname(rel); dir !== '.'; dir = dirname(dir)) folders.add(dir);
  }
  // Each path under every tail a name may give (`a/b/c`, `b/c`, `c`), so
  // that a name is looked up once, however many files and names there are.
  const byTail = (paths) => {
    const index = new Map();
    for (const path of paths) {
      const parts = path.split('/');
      for (let n = 0; n < parts.length; n++) {
        const tail = parts.slice(n).join('/');
        if (!index.has(tail)) index.set(tail, []);
        index.get(tail).push(path);
      }
    }
    return index;
  };
  const fileTails = byTail(all.keys());
  const folderTails = byTail(folders);
  const exact = new Set();
  const byFolder = [];
  for (const name of [...names].sort()) {
    for (const rel of fileTails.get(name) ?? []) exact.add(rel);
    for (const folder of folderTails.get(name) ?? []) {
      byFolder.push({ name, folder, files: [...all.keys()].filter((rel) => rel.startsWith(`${folder}/`)) });
    }
  }
  // Sizes from the file system: a folder left out (a UI's build output) is
  // never read, and a chosen file is read once, by tableModule.
  const sizes = new Map();
  const sizeOf = async (rel) => {
    if (!sizes.has(rel)) sizes.set(rel, (await stat(all.get(rel))).size);
    return sizes.get(rel);
  };
  const chosen = new Set(exact);
  let bytes = 0;
  for (const rel of exact) bytes += await sizeOf(rel);
  if (bytes > MAX_BYTES) {
    const largest = await Promise.all([...exact].map(async (rel) => [rel, await sizeOf(rel)]));
    largest.sort((a, b) => b[1] - a[1]);
    throw new Error(
      `the app's code names files that add up to ${megabytes(bytes)}, more than a Kiln app may read with \`fs\` (${megabytes(MAX_BYTES)}; ` +
        `they are held in every invocation's memory): ${largest.slice(0, 5).map(([rel, size]) => `${rel} (${megabytes(size)})`).join(', ')}`,
    );
  }
  const leftOut = [];
  for (const { name, folder, files } of byFolder) {
    const added = files.filter((rel) => !chosen.has(rel));
    let more = 0;
    for (const rel of added) more += await sizeOf(rel);
    if (bytes + more > MAX_BYTES) {
      leftOut.push({ name, folder, count: files.length, bytes: more });
      continue;
    }
    bytes += more;
    for (const rel of added) chosen.add(rel);
  }
  return { files: [...chosen].sort(), bytes, leftOut, paths: all };
}

function megabytes(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** `kiln:app-files`'s module text: `export default { rel: [kind, content] }`. */
async function tableModule(selected) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const table = {};
  for (const rel of selected.files) {
    const bytes = await readFile(selected.paths.get(rel));
    try {
      table[rel] = ['utf8', decoder.decode(bytes)];
    } catch {
      table[rel] = ['base64', bytes.toString('base64')];
    }
  }
  return `export default ${JSON.stringify(table)};`;
}

/**
 * The esbuild plugin: `kiln:app-files` (the table, selected once, when the
 * layer's `fs` is bundled), and each of the app's own modules' `__dirname`
 * and `__filename`. `onSelected(selected)` hears which files were chosen.
 * `missing` (missing_exports.mjs) holds the names a module is given because
 * the app imports them from it and it does not export them.
 */
export function appFilesPlugin(appDir, onSelected, missing = new Map()) {
  let selection = null;
  const select = () => {
    selection ??= selectAppFiles(appDir).then(async (selected) => {
      onSelected(selected);
      return { selected, contents: await tableModule(selected) };
    });
    return selection;
  };
  return {
    name: 'kiln-app-files',
    setup(build) {
      build.onResolve({ filter: /^kiln:app-files$/ }, () => ({ path: MODULE, namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async () => {
        try {
          return { contents: (await select()).contents, loader: 'js' };
        } catch (error) {
          return { errors: [{ text: error.message }] };
        }
      });
      build.onLoad({ filter: /\.(?:[cm]?[jt]s|[jt]sx)$/ }, async (args) => {
        if (args.namespace !== 'file') return undefined;
        const rel = relative(appDir, args.path);
        if (rel.startsWith('..') || rel.split(sep).includes('node_modules')) return undefined;
        const text = await readFile(args.path, 'utf8');
        const loader = LOADERS[extname(args.path)];
        const declarations = [moduleGlobals(text, `/${rel.split(sep).join('/')}`), await bundleExports(text, loader)]
          .filter((declaration) => declaration !== '')
          .join(' ');
        const appended = missingExportsSource(missing, args.path);
        if (declarations === '' && appended === '') return undefined;
        return { contents: `${withDeclarations(text, declarations)}${appended}`, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * `var exports = …;` for an ES module of the app that assigns to CommonJS's
 * `exports` anyway (`export { handler } from './resolvers';` then
 * `exports.runWebTrigger = async (request) => …`), else ''. Forge's webpack
 * leaves `exports` alone in a module with `export`, so there it is the
 * bundle's own CommonJS `exports`, where Forge's runtime finds the handler;
 * in one ES module bundle it is no variable at all, and the module's
 * top-level code threw "exports is not defined". Here it is the object the
 * dispatcher looks a handler up in when its module does not export it
 * (forge-api/src/handler.js, `BUNDLE_EXPORTS`). Which modules: those
 * esbuild itself says use `exports` as a global in an ES module.
 */
async function bundleExports(text, loader) {
  if (!/\bexports\b/.test(text) || declares(text, 'exports')) return '';
  let warnings;
  try {
    ({ warnings } = await transform(text, { loader, format: 'esm', logLevel: 'silent' }));
  } catch {
    return ''; // the bundle reports what does not parse
  }
  const global = warnings.some((w) => w.id === 'commonjs-variable-in-esm' && w.text.includes('"exports"'));
  return global ? "var exports = (globalThis[Symbol.for('kiln.bundle-exports')] ??= {});" : '';
}

/** `var __dirname = …;` and `var __filename = …;` for what `text` uses and does not declare itself. */
function moduleGlobals(text, filename) {
  const values = { __dirname: filename.slice(0, filename.lastIndexOf('/')) || '/', __filename: filename };
  return Object.entries(values)
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(text) && !declares(text, name))
    .map(([name, value]) => `var ${name} = ${JSON.stringify(value)};`)
    .join(' ');
}

/** Whether `text` declares `name` itself (ES modules compute `__dirname` from `import.meta.url`). */
function declares(text, name) {
  // No repetition nested in another: from each start, a part scans at most
  // to the next brace or semicolon.
  return new RegExp(
    `\\b(?:var|let|const)\\s+(?:${name}\\b|\\{[^}]*\\b${name}\\b)|\\bfunction\\s+${name}\\b|\\bimport\\b[^;{}]*\\{[^}]*\\b${name}\\b`,
  ).test(text);
}

/**
 * `text` with `declarations` after its hashbang and `'use strict'` (which
 * must stay first), on the same line, so error positions keep their lines.
 */
function withDeclarations(text, declarations) {
  const prologue = /^(?:#![^\n]*\n)?(?:\s*(['"])use strict\1\s*;?)?/.exec(text)[0];
  return `${prologue}${declarations}${text.slice(prologue.length)}`;
}
