// Everything the scorer compares, computed once per record: parsed operator and address, name
// tokens, connector families and whether the site has fast DC charging.
import { normalizeEvseId } from '../model/ids.js';
import { addressInName, type ParsedAddress, parseAddress, stripTownCode } from './address.js';
import { type OperatorName, parseOperatorName } from './operator-name.js';
import { granularityOf, KIND_RANK, kindOf } from './source-kinds.js';
import { tokensOf } from './text-similarity.js';
import type { DedupeOptions, Granularity, SourceKind, SourceRecord } from './types.js';

export interface RecordFeatures {
  rec: SourceRecord;
  kind: SourceKind;
  granularity: Granularity;
  /** Field precedence rank (see source-kinds.ts); set again once references are resolved. */
  rank: number;
  /** For a copy of another source's record (an OCM import): that source's id. */
  derivedFrom: string | null;
  operator: OperatorName | null;
  address: ParsedAddress | null;
  /** The address the site name states, if it states one with a house number. */
  nameAddress: ParsedAddress | null;
  nameTokens: string[];
  /** The name tokens joined: equal keys, equal names. */
  nameKey: string;
  /** Connector families: plugs a car can use interchangeably are one family. */
  families: Set<string>;
  /** Any DC connector, or any connector of 40 kW or more. */
  fast: boolean;
  /** Strongest connector, W; null when no power is known. */
  maxPowerW: number | null;
  evseIds: string[];
  /** Sources whose record this one is linked to by a resolved reference: no place match with them. */
  linkedOrigins: Set<string>;
}

const FAMILY: Record<string, string> = {
  IEC_62196_T2: 'type2',
  IEC_62196_T2_COMBO: 'ccs2',
  IEC_62196_T1: 'type1',
  IEC_62196_T1_COMBO: 'ccs1',
  CHADEMO: 'chademo',
  DOMESTIC_F: 'schuko',
  DOMESTIC_E: 'schuko',
  TESLA_S: 'tesla',
  TESLA_R: 'tesla',
  SAE_J3400: 'tesla',
  GBT_AC: 'gbt-ac',
  GBT_DC: 'gbt-dc',
  IEC_62196_T3A: 'type3',
  IEC_62196_T3C: 'type3',
};

export function connectorFamily(standard: string): string | null {
  return FAMILY[standard.toUpperCase()] ?? null;
}

/** Name tokens worth comparing: no numbers, no short words, no leading town code ("LB", "LUD"). */
function nameTokens(name: string | null): string[] {
  return tokensOf(stripTownCode(matchingName(name))).filter((t) => t.length >= 3 && !/^\d+$/.test(t));
}

/**
 * The part of a name that names the site. Some feeds append the operator and network after bars
 * ("Jerevan Druskininkai A4 | Via Lietuva | Inbalance grid"): for matching only (the name is
 * stored and served as given), everything from the first bar on is dropped.
 */
export function matchingName(name: string | null): string | null {
  if (name === null) return null;
  const head = name.split('|')[0]!.trim();
  return head.length > 0 ? head : name;
}

/**
 * Parsed names and addresses by their text, for one dedupe run: a register repeats a handful of
 * operator names and many street lines thousands of times.
 */
export class FeatureCache {
  readonly operators = new Map<string, OperatorName | null>();
  readonly addresses = new Map<string, ParsedAddress | null>();
  readonly names = new Map<string, { tokens: string[]; key: string; address: ParsedAddress | null }>();
}

function cached<T>(map: Map<string, T>, key: string, compute: () => T): T {
  let v = map.get(key);
  if (v === undefined && !map.has(key)) {
    v = compute();
    map.set(key, v);
  }
  return v as T;
}

export function recordFeatures(
  rec: SourceRecord,
  options: DedupeOptions,
  cache = new FeatureCache(),
): RecordFeatures {
  const kind = kindOf(rec.sourceId, rec.sourceType, options.sourceKinds);
  const families = new Set<string>();
  let fast = false;
  let maxPowerW = rec.maxPowerW;
  for (const c of rec.connectors) {
    const family = connectorFamily(c.standard);
    if (family) families.add(family);
    if (c.powerType === 'DC' || (c.maxPowerW != null && c.maxPowerW >= 40_000)) fast = true;
    if (c.maxPowerW != null && (maxPowerW == null || c.maxPowerW > maxPowerW)) maxPowerW = c.maxPowerW;
  }
  if (families.has('ccs2') || families.has('ccs1') || families.has('chademo')) fast = true;
  const operatorText = rec.operatorName ?? rec.ownerName ?? '';
  const name = cached(cache.names, rec.name ?? '', () => {
    const tokens = nameTokens(rec.name);
    return { tokens, key: tokens.join(' '), address: addressInName(matchingName(rec.name)) };
  });
  const evseIds = new Set<string>();
  for (const e of rec.evses) if (e.evseIdNorm) evseIds.add(e.evseIdNorm);
  for (const r of rec.refs) {
    const id = r.kind === 'evse-id' ? normalizeEvseId(r.value) : null;
    if (id) evseIds.add(id);
  }
  return {
    rec,
    kind,
    granularity: granularityOf(rec.sourceId, kind, options.granularity),
    rank: KIND_RANK[kind],
    derivedFrom: null,
    operator: cached(cache.operators, operatorText, () => parseOperatorName(operatorText || null)),
    address: cached(cache.addresses, `${rec.address ?? ''}\u0000${rec.postalCode ?? ''}`, () =>
      parseAddress(matchingName(rec.address), rec.postalCode),
    ),
    nameAddress: name.address,
    nameTokens: name.tokens,
    nameKey: name.key,
    families,
    fast,
    maxPowerW,
    evseIds: [...evseIds],
    linkedOrigins: new Set(),
  };
}
