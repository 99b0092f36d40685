// The shared vocabulary behind publication: life cycles from OCPI statuses and register words, and
// the licence test that the SQL rule, dedupe and the importers all use.
import { describe, expect, it } from 'vitest';
import { lifecycleFromAfdcCode, lifecycleFromWords } from '../../src/ingest/registers/lifecycle-words.js';
import { licenseAllowsRepublishing } from '../../src/model/licenses.js';
import { lifecycleFromEvses, lifecycleOf, siteLifecycle } from '../../src/model/lifecycle.js';

const evses = (...statuses: string[]) => statuses.map((status) => ({ status }));

describe('lifecycle', () => {
  it('reads OCPI EVSE statuses: all REMOVED is removed, all PLANNED planned, all broken out of service', () => {
    expect(lifecycleFromEvses(evses('REMOVED', 'REMOVED'))).toBe('removed');
    expect(lifecycleFromEvses(evses('PLANNED', 'REMOVED'))).toBe('planned');
    expect(lifecycleFromEvses(evses('OUTOFORDER', 'INOPERATIVE'))).toBe('out_of_service');
    expect(lifecycleFromEvses(evses('OUTOFORDER', 'AVAILABLE'))).toBe('operational');
    expect(lifecycleFromEvses(evses('REMOVED', 'CHARGING'))).toBe('operational');
    expect(lifecycleFromEvses([])).toBe('operational');
  });

  it('a stated lifecycle wins over the EVSEs, and one working record makes a site operational', () => {
    expect(lifecycleOf({ lifecycle: 'planned', evses: evses('AVAILABLE') })).toBe('planned');
    expect(siteLifecycle(['planned', 'out_of_service'])).toBe('out_of_service');
    expect(siteLifecycle(['planned', 'operational'])).toBe('operational');
  });

  it('reads register words and codes', () => {
    expect(lifecycleFromWords('In Betrieb')).toBe('operational');
    expect(lifecycleFromWords('Außer Betrieb')).toBe('out_of_service');
    expect(lifecycleFromWords('nicht in Betrieb')).toBe('out_of_service');
    expect(lifecycleFromWords('In Planung')).toBe('planned');
    expect(lifecycleFromWords('Removed (Decommissioned)')).toBe('removed');
    expect(lifecycleFromWords('Not Operational')).toBe('out_of_service');
    expect(lifecycleFromWords('')).toBeNull();
    expect(lifecycleFromWords('blue')).toBeNull();
    expect(lifecycleFromAfdcCode('T')).toBe('out_of_service');
    expect(lifecycleFromAfdcCode('P')).toBe('planned');
  });
});

describe('licenseAllowsRepublishing', () => {
  it.each([
    'CC-BY-4.0',
    'CC-BY-SA-4.0',
    'Licensed under Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)',
    'Provided by Bundesnetzagentur.de under the CC-BY 4.0 license',
    'Open License: https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf',
    'ODbL-1.0',
  ])('allows %s', (l) => expect(licenseAllowsRepublishing(l)).toBe(true));

  it.each([
    'Licensed under Attribution-NonCommercial-ShareAlike 3.0 : http://creativecommons.org/licenses/by-nc-sa/3.0/',
    'CC-BY-NC-4.0',
    'CC BY-NC 4.0',
    'CC-BY-ND-4.0',
    'Creative Commons Attribution-NoDerivatives 4.0',
    'proprietary',
    ' None ',
    '',
  ])('refuses %s', (l) => expect(licenseAllowsRepublishing(l)).toBe(false));

  it('refuses a missing licence', () => expect(licenseAllowsRepublishing(null)).toBe(false));
});
