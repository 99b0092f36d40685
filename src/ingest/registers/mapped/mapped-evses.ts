// A mapped location's rows -> EVSEs and connectors. A row is one EVSE, or a group of rows sharing
// the EVSE columns is one (a row per connector), or a row holds several EVSEs in numbered column
// groups (slots), or a count column says how many identical EVSEs the row stands for. Connectors
// come from a type column (a `split` free-text list gives one per item) or from flag columns.
import type { Connector, DataWarning, Evse } from '../../../model/types.js';
import { inferPowerType, UNNAMED_CONNECTOR } from '../connector-standards.js';
import { newConnector, newRegisterEvse } from '../location-builders.js';
import type { ConnectorFlag, FieldSpec, RegisterMapping } from './config.js';
import type { Row } from './read-rows.js';
import { columnsOf, type FieldReader, type Found } from './values.js';

interface Kind {
  standard: string;
  format: string | null;
  powerType: string | null;
}

const CONNECTORS = 'mapping.evses.connectors';

export class EvseBuilder {
  private readonly slotColumns: FieldSpec[];

  constructor(
    private readonly m: RegisterMapping,
    private readonly read: FieldReader,
  ) {
    const { flags: _flags, each: _each, ...connectorSpecs } = m.evses.connectors;
    const specs = [...Object.values(m.evses.fields), ...Object.values(connectorSpecs), m.evses.count];
    this.slotColumns = specs.filter(
      (s): s is FieldSpec => s !== undefined && columnsOf(s).some((c) => c.includes('{i}')),
    );
  }

  /** The EVSEs of one location's rows, in file order. */
  evses(rows: readonly Row[], warnings: DataWarning[]): Evse[] {
    const byUid = new Map<string, Evse>();
    for (const row of rows) {
      for (const slot of this.slotsOf(row.scope('connector'))) {
        const uid = this.uid(row.scope('evse'), slot, byUid.size);
        // A row without the EVSE columns describes only its location (one with no EVSEs yet).
        if (uid === null) continue;
        for (const evse of this.expand(row, slot, uid)) this.add(byUid, evse, warnings);
      }
    }
    return [...byUid.values()];
  }

  private slotsOf(row: Row): (number | undefined)[] {
    const n = this.m.evses.slots;
    if (n === undefined) return [undefined];
    const slots: number[] = [];
    for (let i = 1; i <= n; i++) {
      // A slot is an EVSE when any of its columns is filled (BNetzA lists P3 without Steckertypen3).
      if (this.slotColumns.some((spec) => this.read.rawText(row, spec, i) !== null)) slots.push(i);
    }
    return slots;
  }

  private uid(row: Row, slot: number | undefined, index: number): string | null {
    // Nested JSON: a location record without EVSE objects has no EVSE.
    if (this.m.evses.each !== undefined && row.evseOrdinal === undefined) return null;
    const keys = this.m.evses.group_by;
    if (keys) {
      const values = keys.map((c) => this.read.rawText(row, plain(c)));
      return values.every((v) => v === null) ? null : values.map((v) => v ?? '').join('-');
    }
    const uid = this.read.text(row, this.m.evses.fields.uid, 'mapping.evses.fields.uid', slot);
    return uid ?? String(slot ?? (row.evseOrdinal ?? index) + 1);
  }

  /** The row's EVSE, or as many copies as its count column says. */
  private expand(locationRow: Row, slot: number | undefined, uid: string): Evse[] {
    const row = locationRow.scope('evse');
    const f = this.m.evses.fields;
    const status = this.read.text(row, f.status, 'mapping.evses.fields.status', slot);
    const evse = newRegisterEvse({
      uid,
      evseId: this.read.text(row, f.evse_id, 'mapping.evses.fields.evse_id', slot),
      status: status ?? 'UNKNOWN',
      connectors: this.connectors(locationRow.scope('connector'), slot),
    });
    const count = this.m.evses.count
      ? this.read.number(row, this.m.evses.count, 'mapping.evses.count', slot)
      : null;
    if (count === null || count === 1) return [evse];
    return Array.from({ length: Math.max(0, Math.floor(count)) }, (_, k) => ({
      ...evse,
      uid: `${uid}-${k + 1}`,
      evseId: null,
      connectors: evse.connectors.map((c) => ({ ...c })),
    }));
  }

  /** Rows sharing an EVSE add their connectors; a repeated row adding nothing new is noted. */
  private add(byUid: Map<string, Evse>, evse: Evse, warnings: DataWarning[]): void {
    const key = evse.uid.toLowerCase();
    const known = byUid.get(key);
    if (!known) {
      byUid.set(key, evse);
      return;
    }
    const numbered = this.m.evses.connectors.id === undefined;
    const ids = new Set(known.connectors.map((c) => c.id.toLowerCase()));
    const kinds = new Set(known.connectors.map(kindKey));
    const added = evse.connectors.filter((c) =>
      numbered ? !kinds.has(kindKey(c)) : !ids.has(c.id.toLowerCase()),
    );
    if (added.length === 0) {
      warnings.push({
        field: 'evses',
        rule: 'repeated-row',
        detail: `EVSE ${evse.uid} repeated; the first row is kept`,
      });
    }
    for (const c of added)
      known.connectors.push({ ...c, id: numbered ? String(known.connectors.length + 1) : c.id });
  }

  private connectors(row: Row, slot: number | undefined): Connector[] {
    const spec = this.m.evses.connectors;
    // Nested JSON: an EVSE object without connector objects has none.
    if (spec.each !== undefined && row.connectorOrdinal === undefined) return [];
    const kinds = spec.flags ? this.flagKinds(row, spec.flags) : this.labelKinds(row, slot);
    const maxPowerW = this.read.watts(row, spec.max_power, `${CONNECTORS}.max_power`, slot);
    const common = {
      maxPowerW,
      maxAmperage: this.read.number(row, spec.max_amperage, `${CONNECTORS}.max_amperage`, slot),
      maxVoltage: this.read.number(row, spec.max_voltage, `${CONNECTORS}.max_voltage`, slot),
    };
    const format = this.read.text(row, spec.format, `${CONNECTORS}.format`, slot);
    const powerType = this.read.text(row, spec.power_type, `${CONNECTORS}.power_type`, slot);
    const id = this.read.text(row, spec.id, `${CONNECTORS}.id`, slot);
    // With a connector id column, a row without id nor type describes only its EVSE.
    if (kinds.length === 0 && spec.id !== undefined && id === null) return [];
    const list = kinds.length > 0 ? kinds : [{ standard: UNNAMED_CONNECTOR, format: null, powerType: null }];
    return list.map((kind, k) =>
      newConnector({
        id: id === null ? String((row.connectorOrdinal ?? k) + 1) : list.length > 1 ? `${id}-${k + 1}` : id,
        standard: kind.standard,
        format: kind.format ?? format,
        powerType: kind.powerType ?? powerType ?? inferPowerType(kind.standard, maxPowerW),
        ...common,
      }),
    );
  }

  private labelKinds(row: Row, slot: number | undefined): Kind[] {
    const spec = this.m.evses.connectors.standard;
    if (!spec) return [];
    return this.read.values(row, spec, `${CONNECTORS}.standard`, slot).flatMap((found) => kindOf(found));
  }

  private flagKinds(row: Row, flags: Record<string, ConnectorFlag>): Kind[] {
    return Object.entries(flags)
      .filter(([column]) => this.read.flag(row, plain(column), `${CONNECTORS}.flags.${column}`) === true)
      .map(([column, flag]) => ({
        standard: flag.standard,
        format:
          typeof flag.format === 'object'
            ? this.read.text(row, flag.format, `${CONNECTORS}.flags.${column}.format`)
            : (flag.format ?? null),
        powerType: flag.power_type ?? null,
      }));
  }
}

/** A mapped connector label: a standard, a standard with format / power type, or null (not a connector). */
function kindOf(found: Found): Kind[] {
  const v = found.value;
  if (v === null) return [];
  if (typeof v === 'object')
    return [{ standard: v.standard, format: v.format ?? null, powerType: v.power_type ?? null }];
  return [{ standard: String(v), format: null, powerType: null }];
}

function kindKey(c: Connector): string {
  return `${c.standard}\u0000${c.format}\u0000${c.maxPowerW}`;
}

/** A field spec that reads one column as it is. */
export function plain(column: string): FieldSpec {
  return { from: column, join: ' ', null_values: [], hash: false };
}
