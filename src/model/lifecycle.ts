// A site's life cycle (planned, operational, out of service, removed), one vocabulary for every
// source: OCPI says it through EVSE statuses, registers through their own states (OCM StatusType,
// AFDC status codes, ...), which each importer maps onto `Location.lifecycle`.
import type { Evse, Lifecycle } from './types.js';

export const LIFECYCLES: readonly Lifecycle[] = ['planned', 'operational', 'out_of_service', 'removed'];

const OUT_OF_SERVICE = new Set(['OUTOFORDER', 'INOPERATIVE']);

/**
 * The stated life cycle, else the one the EVSEs imply: every EVSE REMOVED -> removed (the CPO
 * still lists the location but nothing is left of it), every one PLANNED -> planned, every one
 * out of order or inoperative -> out of service; otherwise, and without EVSEs, operational.
 */
export function lifecycleOf(location: { lifecycle?: Lifecycle; evses: Pick<Evse, 'status'>[] }): Lifecycle {
  return location.lifecycle ?? lifecycleFromEvses(location.evses);
}

export function lifecycleFromEvses(evses: Pick<Evse, 'status'>[]): Lifecycle {
  if (evses.length === 0) return 'operational';
  const all = (test: (status: string) => boolean) => evses.every((e) => test(e.status));
  if (all((s) => s === 'REMOVED')) return 'removed';
  if (all((s) => s === 'PLANNED' || s === 'REMOVED')) return 'planned';
  if (all((s) => OUT_OF_SERVICE.has(s) || s === 'REMOVED')) return 'out_of_service';
  return 'operational';
}

/** Of several records of one site, the most usable state wins: one working record makes it operational. */
export function siteLifecycle(states: Lifecycle[]): Lifecycle {
  for (const s of ['operational', 'out_of_service', 'planned'] as const) if (states.includes(s)) return s;
  return 'removed';
}
