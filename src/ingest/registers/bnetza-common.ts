// What the BNetzA Ladesäulenregister's CSV and API have in common: German connector labels, one
// charge point (Ladepunkt) per EVSE, German street addresses.
import type { Connector, Evse } from '../../model/types.js';
import { connectorFromGermanLabel, inferPowerType, UNNAMED_CONNECTOR } from './connector-standards.js';
import { kwToW, newConnector, newRegisterEvse } from './location-builders.js';

export const BNETZA_PARTY_ID = 'BNA';

/** "Frachtstraße 1". House number "0" is dropped: the register uses it for sites without one (94 in the API subset). */
export function germanStreetAddress(street: string | null, houseNo: string | null): string | null {
  const number = houseNo === '0' ? null : houseNo;
  if (street && number) return `${street} ${number}`;
  return street ?? number;
}

export interface ChargePointConnector {
  /** The register's label, e.g. "AC Steckdose Typ 2"; null when the register names none. */
  label: string | null;
  powerKw: number | null;
}

/** One Ladepunkt as an EVSE; its connectors share the point's power when only the point's is given. */
export function chargePointEvse(
  uid: string,
  connectors: ChargePointConnector[],
  evseId: string | null,
): Evse {
  const list = connectors.length > 0 ? connectors : [{ label: null, powerKw: null }];
  return newRegisterEvse({ uid, evseId, connectors: list.map((c, k) => germanConnector(String(k + 1), c)) });
}

function germanConnector(id: string, { label, powerKw }: ChargePointConnector): Connector {
  const kind = label ? connectorFromGermanLabel(label) : { standard: UNNAMED_CONNECTOR, format: null };
  const maxPowerW = kwToW(powerKw);
  // Every BNetzA label starts with AC or DC, which settles DC even where the standard is unknown.
  const powerType =
    inferPowerType(kind.standard, maxPowerW) ?? (label?.trim().startsWith('DC') ? 'DC' : null);
  return newConnector({ id, standard: kind.standard, format: kind.format, powerType, maxPowerW });
}
