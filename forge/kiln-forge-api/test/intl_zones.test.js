// The lazy IANA zone data an Intl app gets (src/intl_zones.js): each zone
// unpacked as FormatJS's own `unpack` does it (copied below from
// @formatjs/intl-datetimeformat 7.8.1), only when it is read, and every name
// there from the start.

import test from 'node:test';
import assert from 'node:assert/strict';

import { lazyZones } from '../src/intl_zones.js';

/** FormatJS's eager `unpack` (polyfill-force.js), for comparison. */
function formatjsUnpack(data) {
  const abbrvs = data.abbrvs.split('|');
  const offsets = data.offsets.split('|').map((n) => parseInt(n, 36));
  const zones = {};
  for (const d of data.zones) {
    const [zone, ...zoneData] = d.split('|');
    zones[zone] = zoneData.map((z) => z.split(',')).map(([ts, abbrvIndex, offsetIndex, dst]) => [
      ts === '' ? -Infinity : parseInt(ts, 36),
      abbrvs[+abbrvIndex],
      offsets[+offsetIndex],
      dst === '1',
    ]);
  }
  return zones;
}

const DATA = {
  abbrvs: 'LMT|GMT|BST|CET|CEST',
  offsets: '-1y|0|1hc0|2gw0',
  zones: ['Europe/London|,0,0,0|-2l9jo0,1,1,0|lx2io,2,2,1|m39gc,1,1,0', 'Etc/UTC|,1,1,0', 'Factory'],
};

test('a zone unpacks as FormatJS unpacks it, when it is read', () => {
  const zones = lazyZones(DATA);
  const eager = formatjsUnpack(DATA);
  // Every name at once, for validating a timeZone option.
  assert.deepEqual(Object.keys(zones), Object.keys(eager));
  assert.equal(typeof Object.getOwnPropertyDescriptor(zones, 'Europe/London').get, 'function');
  assert.deepEqual(zones['Europe/London'], eager['Europe/London']);
  // Kept once read: the same arrays the next time.
  assert.equal(zones['Europe/London'], zones['Europe/London']);
  assert.equal(Object.getOwnPropertyDescriptor(zones, 'Europe/London').get, undefined);
  assert.deepEqual(zones['Etc/UTC'], eager['Etc/UTC']);
  assert.deepEqual(zones.Factory, []);
  // The others stay packed until read.
  assert.equal(typeof Object.getOwnPropertyDescriptor(lazyZones(DATA), 'Etc/UTC').get, 'function');
});
