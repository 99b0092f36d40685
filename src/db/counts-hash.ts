// The part of a location that the statistics count (src/db/queries/stats.ts), hashed: stored with
// each whole write of a location (locations.counts_hash), so a pull can tell a record that changed
// only where no count looks (statuses, times, names, coordinates) from one that may change a count
// (src/db/counts-changes.ts). Its own file: the location writer and the counts' rule both need it.
//
// What is counted of a location: whether it is published (its publish flag, its licence, a life
// cycle of `removed`), its country and owning party's country, its operator; its EVSEs by uid and
// whether each is live (a status other than REMOVED); their connectors by id with their standard
// and power (an EVSE's power is its strongest connector's). The site a location belongs to is not
// here: the dedupe moves the counts' version when it regroups (run-dedupe.ts).
import { hash64 } from '../model/ids.js';
import { lifecycleOf } from '../model/lifecycle.js';
import type { Location } from '../model/types.js';

export function countsHashOf(loc: Location): string {
  return hash64(
    JSON.stringify([
      loc.publish,
      loc.license ?? null,
      lifecycleOf(loc) === 'removed',
      loc.country,
      loc.countryCode,
      loc.operator?.name ?? null,
      loc.evses.map((e) => [
        e.uid,
        e.status === 'REMOVED',
        e.connectors.map((c) => [c.id, c.standard, c.maxPowerW]),
      ]),
    ]),
  );
}
