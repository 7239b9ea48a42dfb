// Installed in the setup module of an app whose code names `localeCompare`
// or `Collator` (the toolchain's intl.mjs): the engine has no
// `Intl.Collator`, and its `localeCompare` compares code units. See
// intl_collator.js.
import * as data from './intl_collator_data.js';
import { CANONICAL, COMBINING } from './normalize_data.js';
import { installCollator } from './intl_collator.js';

installCollator({ ...data, CANONICAL, COMBINING });
