// The text comparisons behind the score: operator names across spellings, street addresses across
// writing styles, and Jaro-Winkler itself.
import { describe, expect, it } from 'vitest';
import { addressInName, compareAddresses, parseAddress } from '../../src/dedupe/address.js';
import { operatorSimilarity, parseOperatorName } from '../../src/dedupe/operator-name.js';
import { foldText, jaroWinkler } from '../../src/dedupe/text-similarity.js';

const similarity = (a: string, b: string) => operatorSimilarity(parseOperatorName(a), parseOperatorName(b));
const agreement = (a: string, b: string) => compareAddresses(parseAddress(a, null), parseAddress(b, null));

describe('operator names', () => {
  it('sees "SWLB Mobilität GmbH" and "Stadtwerke Ludwigsburg-Kornwestheim GmbH" as one company', () => {
    expect(
      similarity('SWLB Mobilität GmbH', 'Stadtwerke Ludwigsburg-Kornwestheim GmbH'),
    ).toBeGreaterThanOrEqual(0.8);
    expect(
      similarity(
        'Stadtwerke Ludwigsburg-Kornwestheim GmbH öffentlich',
        'Stadtwerke Ludwigsburg-Kornwestheim GmbH',
      ),
    ).toBe(1);
  });

  it('does not take "SWLB" for the initials of another municipal utility', () => {
    expect(similarity('SWLB Mobilität GmbH', 'Stadtwerke Lübeck GmbH')).toBeLessThan(0.8);
    expect(similarity('SWLB Mobilität GmbH', 'Stadtwerke Düsseldorf AG')).toBeLessThan(0.8);
  });

  it('ignores legal forms, diacritics and punctuation', () => {
    expect(similarity('UAB Įkrautas', 'Ikrautas')).toBe(1);
    expect(similarity('Fastned B.V.', 'Fastned')).toBe(1);
    expect(similarity('E.ON Drive GmbH & Co. KG', 'EON Drive')).toBe(1);
    expect(similarity('Allego', 'Shell Recharge')).toBeLessThan(0.3);
  });

  it('knows nothing when a name is missing or only a legal form', () => {
    expect(operatorSimilarity(parseOperatorName(null), parseOperatorName('Fastned'))).toBeNull();
    expect(parseOperatorName('GmbH')).toBeNull();
  });
});

describe('addresses', () => {
  it('agrees across street spellings and typos', () => {
    expect(agreement('Geisingerstraße 15', 'Geisinger Straße 15')).toBe('same');
    expect(agreement('Wilhelm-Nagel-Straße 50', 'Wilhelm-Nalgel-Straße 50')).toBe('same');
    expect(agreement('Enzstraße 24', 'Enzstrasße 24')).toBe('same');
    expect(agreement('Bahnhofstraße 47', 'Bahnhofstr. 47')).toBe('same');
    expect(agreement('3 avenue Irène Joliot-Curie, 77700 Bailly', '3 Av. Irene Joliot Curie')).toBe('same');
  });

  it('tells the next building and another number from the same one', () => {
    expect(agreement('Mathildenstraße 27', 'Mathildenstraße 28')).toBe('near');
    expect(agreement('Rosensteinstraße 29', 'Rosensteinstr. 28-30')).toBe('same');
    expect(agreement('Königsallee 43', 'Königsallee 22')).toBe('other-number');
    expect(agreement('Tammer Straße 5', 'Tammer Straße')).toBe('street');
    expect(agreement('Brenzstraße 2', 'Mathildenstraße 27/1')).toBe('other-street');
  });

  it('does not read a postal code or a missing number ("0") as a house number', () => {
    expect(parseAddress('Frachtstraße, 40474 Düsseldorf', '40474')?.numbers).toEqual([]);
    expect(parseAddress('Eastleighstraße 0', null)?.numbers).toEqual([]);
  });

  it('reads the address a site name states, without the town code in front', () => {
    expect(addressInName('LB Danziger Straße 40')).toEqual({ street: 'danzigerstr', numbers: ['40'] });
    expect(addressInName('LB Rathaustiefgarage')).toBeNull();
  });
});

describe('text similarity', () => {
  it('computes Jaro-Winkler as published (MARTHA / MARHTA 0.961, DIXON / DICKSONX 0.813)', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });

  it('folds diacritics, ß and punctuation', () => {
    expect(foldText('Druskininkų EV, A4 125,695 km')).toBe('druskininku ev a4 125 695 km');
    expect(foldText('Gänsfußallee  23')).toBe('gansfussallee 23');
  });
});
