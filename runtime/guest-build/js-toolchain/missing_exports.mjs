// Imports of names a module of the app does not export.
//
// Forge bundles a backend with webpack, which treats such an import in an
// ordinary module (not `.mjs`) as a warning: the name is `undefined` and the
// deployment goes ahead. Apps ship with them: `export { handler, panel, run }
// from './resolvers'` left over from a template whose `panel` was removed,
// with a manifest function still naming `index.panel`. esbuild refuses the
// whole bundle ("No matching export"), so the app did not build at all.
// Here the exporting module is given the names, bound to `undefined`, and
// the build says so; a function naming one fails when invoked, as on Forge.
//
// Only the app's own modules (outside `node_modules`), and only where
// neither side is an `.mjs`/`.mts` file: webpack reports those as errors too
// (strict ES modules), so they stay refused, as does an installed package.

import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';

const NO_MATCHING_EXPORT = /^No matching export in "(.+)" for import "(.+)"$/;
const STRICT = new Set(['.mjs', '.mts']);

/** Whether `path` is one of the app's own modules that webpack reads leniently. */
function lenientAppModule(appDir, path) {
  const rel = relative(appDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) return false;
  return !STRICT.has(extname(path));
}

/**
 * From esbuild's `errors` (paths relative to `workDir`, the bundle's
 * `absWorkingDir`), the imports webpack would have let through: a list of
 * `{ exporter, importer, name }` with absolute paths. Adds each name to
 * `missing` (exporter path → Set of names) and answers those not already in it.
 */
export function collectMissingExports(errors, appDir, workDir, missing) {
  const added = [];
  for (const error of errors) {
    const found = NO_MATCHING_EXPORT.exec(error?.text ?? '');
    const importerFile = error?.location?.file;
    if (!found || typeof importerFile !== 'string') continue;
    const exporter = resolve(workDir, found[1]);
    const importer = resolve(workDir, importerFile);
    const name = found[2];
    if (!lenientAppModule(appDir, exporter) || !lenientAppModule(appDir, importer)) continue;
    const names = missing.get(exporter) ?? new Set();
    if (names.has(name)) continue;
    names.add(name);
    missing.set(exporter, names);
    added.push({ exporter, importer, name });
  }
  return added;
}

/**
 * What to append to the module at `path` so that it exports its missing
 * names, each bound to `undefined` (a fresh variable, so that a local of the
 * same name the module does not export stays its own); '' if none. Appended
 * on one line after the module's text, its line numbers stay the file's.
 */
export function missingExportsSource(missing, path) {
  const names = missing.get(path);
  if (names === undefined || names.size === 0) return '';
  const bindings = [...names].map((name, i) => [`__kiln_missing_export_${i}`, name]);
  const declared = bindings.map(([local]) => local).join(', ');
  // A name that is no identifier (`import { "a-b" as x }`) is written as a string.
  const exportName = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
  const exported = bindings.map(([local, name]) => `${local} as ${exportName(name)}`).join(', ');
  return `\n;var ${declared}; export { ${exported} };\n`;
}

/** The build's words for each import let through. */
export function missingExportsWarnings(added, appDir) {
  const shown = (path) => relative(appDir, path).split(sep).join('/');
  return added.map(
    ({ exporter, importer, name }) =>
      `warning: ${shown(importer)} imports "${name}" from ${shown(exporter)}, which does not export it: it is undefined there, as in Forge's webpack bundle`,
  );
}

/**
 * An esbuild plugin loading the modules of `missing` with their names
 * appended, for a bundle without the app-files plugin (the import scan),
 * which otherwise does this itself.
 */
export function missingExportsPlugin(missing, loaders) {
  return {
    name: 'kiln-missing-exports',
    setup(build) {
      build.onLoad({ filter: /.*/ }, async (args) => {
        if (args.namespace !== 'file' || !missing.has(args.path)) return undefined;
        const text = await readFile(args.path, 'utf8');
        return {
          contents: `${text}${missingExportsSource(missing, args.path)}`,
          loader: loaders[extname(args.path)],
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}
