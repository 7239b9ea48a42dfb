// Forge's ARI objects, as `context` and `getAppContext()` hand them to apps:
// an object that prints as the ARI (`toString`, `JSON.stringify`) and carries
// the ARI's parts as fields (Forge's `InstallationAri.installationId`,
// `ContextAri.cloudId`). Frozen: an app cannot change what another part of
// the layer reads from it.

/** An ARI object for `text`, with `fields` (Forge's named parts of the ARI). */
export function ariOf(text, fields = {}) {
  return Object.freeze({ ...fields, ari: text, toString: () => text, toJSON: () => text });
}

/**
 * Forge's `Installation` from Kiln's context: `ari` (an `InstallationAri`,
 * `installationId` the installation's id) and `contexts` (the site it is
 * installed on, a `ContextAri` with its `cloudId`). `id` is Kiln's own name
 * for the installation's id, kept for apps written against it.
 */
export function installationOf(context) {
  const id = String(context.installationId ?? '');
  const cloudId = String(context.cloudId ?? '');
  return Object.freeze({
    id,
    ari: ariOf(`ari:cloud:ecosystem::installation/${id}`, { installationId: id }),
    contexts: Object.freeze([ariOf(`ari:cloud:jira::site/${cloudId}`, { cloudId })]),
  });
}
