// As forge-jira-plugin's feedback service reads its e-mail templates: paths
// from this module's folder up to the app's `static/`.
import path from 'path';
import fs from 'fs';

const htmlTemplatePath = path.resolve(__dirname, '../../static/templates/mail.html');
const textTemplatePath = path.resolve(__dirname, '../../static/templates/mail.txt');

// Read once, while the build takes the snapshot.
const textTemplate = fs.readFileSync(textTemplatePath, 'utf-8');

export function render({ type, text, user }) {
  const htmlTemplate = fs.readFileSync(htmlTemplatePath, 'utf-8');
  const fill = (template) =>
    template.replaceAll('{{type}}', type).replaceAll('{{text}}', text).replaceAll('{{user}}', user);
  return {
    dirname: __dirname,
    filename: __filename,
    htmlPath: htmlTemplatePath,
    html: fill(htmlTemplate),
    text: fill(textTemplate),
  };
}
