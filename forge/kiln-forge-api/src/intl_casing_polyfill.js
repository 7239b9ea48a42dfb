// Installed in the setup module of an app whose code names
// `toLocaleUpperCase` or `toLocaleLowerCase` (the toolchain's intl.mjs): the
// engine ignores their locale. See intl_casing.js.
import { SOFT_DOTTED } from './intl_collator_data.js';
import { COMBINING } from './normalize_data.js';
import { installCasing } from './intl_casing.js';

installCasing({ SOFT_DOTTED, COMBINING });
