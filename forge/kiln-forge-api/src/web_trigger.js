// Forge's `webTrigger.getUrl(moduleKey)`: the URL of one of the app's
// `webtrigger` modules for this installation.
//
// Under `runtime serve` the host hands the installation's URLs to the guest
// as the environment entry `KILN_WEBTRIGGER_URLS` (a JSON object
// `{moduleKey: url}`), because the frozen `kiln:app` world (0.3.0, as 0.2.0) has no call for
// it. `runtime run` serves no URL, so there is nothing to return: getUrl
// throws rather than inventing one.

import { hostEntry } from './variables.js';

export const WEB_TRIGGER_URLS = 'KILN_WEBTRIGGER_URLS';

function urls() {
  const text = hostEntry(WEB_TRIGGER_URLS);
  if (text === undefined) {
    return undefined;
  }
  const parsed = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' ? parsed : {};
}

export const webTrigger = Object.freeze({
  /**
   * Resolves to the URL of the web trigger module `moduleKey` (Forge's
   * second argument, `forceCreate`, is accepted and ignored: Kiln issues
   * every web trigger's URL when the app is installed).
   */
  async getUrl(moduleKey) {
    const known = urls();
    if (known === undefined) {
      throw new Error(
        'webTrigger.getUrl: this invocation has no web trigger URLs: Kiln serves web triggers under `runtime serve`, not `runtime run`',
      );
    }
    if (typeof moduleKey !== 'string' || !Object.hasOwn(known, moduleKey) || typeof known[moduleKey] !== 'string') {
      throw new Error(
        `webTrigger.getUrl: \`${String(moduleKey)}\` is not a webtrigger module of this app (modules: ${Object.keys(known).join(', ') || 'none'})`,
      );
    }
    return known[moduleKey];
  },
});
