// Uploads attachments to an issue the two ways Forge apps write it, then
// reads them back through Jira's API: what Jira stored is what was sent.
import api, { route } from '@forge/api';
import FormData from 'form-data';

const attachments = (key) => route`/rest/api/3/issue/${key}/attachments`;

/** `{ status, body }` of a response, the body parsed when it is JSON. */
async function answer(response) {
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body };
}

export const upload = async ({ issueKey }) => {
  // As Atlassian's Node.js example for "Add attachment" writes it: the
  // form-data package, its headers, and Jira's XSRF header.
  const form = new FormData();
  form.append('file', Buffer.from([0x00, 0xff, 0x4b, 0x0d, 0x0a]), { filename: 'bytes.bin' });
  form.append('file', Buffer.from('line one\nline two\n'), 'notes/notes.txt');
  const packaged = await answer(
    await api.asApp().requestJira(attachments(issueKey), {
      method: 'POST',
      headers: { ...form.getHeaders(), Accept: 'application/json', 'X-Atlassian-Token': 'no-check' },
      body: form,
    }),
  );

  // The standard FormData with a Blob, as Forge's Node 18+ runtime has them.
  const standard = new globalThis.FormData();
  standard.append('file', new Blob(['{"ok":true}'], { type: 'application/json' }), 'report.json');
  const web = await answer(
    await api.asUser().requestJira(attachments(issueKey), {
      method: 'POST',
      headers: { 'X-Atlassian-Token': 'no-check' },
      body: standard,
    }),
  );

  // Read each back: the issue lists them, and their content is the bytes sent.
  const issue = await answer(await api.asApp().requestJira(route`/rest/api/3/issue/${issueKey}?fields=attachment`));
  const contents = {};
  for (const attachment of issue.body?.fields?.attachment ?? []) {
    const response = await api
      .asApp()
      .requestJira(route`/rest/api/3/attachment/content/${attachment.id}?redirect=${'false'}`);
    // A copy as a Blob (to send on, as an app copying an attachment does) and
    // as the body's stream, each from a clone: fetch's Response, as @forge/api 5 types it.
    const blob = await response.clone().blob();
    const reader = response.clone().body.getReader();
    const streamed = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) streamed.push(...read.value);
    contents[attachment.filename] = {
      status: response.status,
      mimeType: attachment.mimeType,
      size: attachment.size,
      bytes: [...new Uint8Array(await response.arrayBuffer())],
      blob: { type: blob.type, size: blob.size },
      streamed,
      usedUp: response.bodyUsed,
    };
  }
  return { packaged, web, contents };
};
