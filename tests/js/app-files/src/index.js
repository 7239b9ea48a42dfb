import fs from 'node:fs';
import { readFile, readdir, writeFile, stat } from 'fs/promises';
import path from 'node:path';

import { render } from './service/mail';

export const mail = async (event) => render(event);

// A locale table by the language asked for: the template literal names the
// folder, so every file in it is embedded.
export const locales = async (event) => {
  const available = (await readdir('locales')).map((name) => path.basename(name, '.json'));
  const chosen = available.includes(event.lang) ? event.lang : 'en';
  const table = JSON.parse(await readFile(`locales/${chosen}.json`, 'utf8'));
  return { available, chosen, table, isDirectory: (await stat('/locales')).isDirectory() };
};

// `/tmp` is the invocation's own: what one invocation writes, the next does
// not see.
export const scratch = async (event) => {
  const before = fs.readdirSync('/tmp');
  fs.mkdirSync('/tmp/report/parts', { recursive: true });
  await writeFile('/tmp/report/parts/1.csv', `key,summary\n${event.key},${event.summary}\n`);
  fs.appendFileSync('/tmp/report/parts/1.csv', 'KILN-2,Second\n');
  const csv = fs.readFileSync('/tmp/report/parts/1.csv', 'utf8');
  const size = fs.statSync('/tmp/report/parts/1.csv').size;
  fs.rmSync('/tmp/report', { recursive: true });
  return { before, csv, size, after: fs.readdirSync('/tmp') };
};

// What the app cannot do: write its own files, read what was not embedded.
export const refused = async (event) => {
  const attempt = (call) => {
    try {
      return { answered: call() };
    } catch (error) {
      return { code: error.code, syscall: error.syscall, message: error.message };
    }
  };
  return {
    writeTemplate: attempt(() => fs.writeFileSync('static/templates/mail.html', '<script>')),
    // A path the invocation gives: no string of the code names that file,
    // so it is not there.
    unnamed: attempt(() => fs.readFileSync(event.path, 'utf8')),
    // Named here, never embedded: the operator's configuration and dot-files.
    operatorConfig: attempt(() => fs.readFileSync('kiln.toml', 'utf8')),
    dotenv: attempt(() => fs.readFileSync('.env', 'utf8')),
    // A symlink in the app's folder to a file outside it (the repository's
    // SECURITY.md): named, never followed.
    linked: attempt(() => fs.readFileSync('static/linked.md', 'utf8')),
    host: attempt(() => fs.readFileSync('/etc/passwd', 'utf8')),
    packages: attempt(() => fs.readdirSync('/node_modules')),
    root: fs.readdirSync('/', { recursive: true }).sort(),
    openSync: attempt(() => fs.openSync('static/templates/mail.html')),
  };
};
