// Packages that import Node modules a Kiln app cannot have, used for what
// needs none of them: mime 1's `lookup` (its `load` reads a file), ejs 3's
// `render` (its `renderFile` reads one), dotenv 16's `parse` (its `config`
// reads `.env`; its browser version leaves `fs` out). The handler reports
// what each gave, and how each use of the missing modules failed;
// tests/tests/forge_node_modules.rs checks both.

import mime from 'mime';
import ejs from 'ejs';
import dotenv from 'dotenv';

function failure(error) {
  return { name: error?.name, code: error?.code, message: String(error?.message) };
}

function attempt(use) {
  try {
    return { value: use() };
  } catch (error) {
    return failure(error);
  }
}

export const run = async () => {
  let renderFile;
  try {
    renderFile = { value: await ejs.renderFile('/views/issue.ejs', { key: 'KILN-1' }) };
  } catch (error) {
    renderFile = failure(error);
  }
  return {
    types: [mime.lookup('report.json'), mime.lookup('diagram.svg'), mime.extension('text/html')],
    html: ejs.render('<h1><%= title %></h1><% for (const k of keys) { %><li><%= k %></li><% } %>', {
      title: '<KILN-1> & co',
      keys: ['KILN-2', 'KILN-3'],
    }),
    parsed: dotenv.parse('SITE=example.atlassian.net\n# a comment\nGREETING="hello world"\nEMPTY=\n'),
    load: attempt(() => mime.load('/etc/mime.types')),
    renderFile,
  };
};
