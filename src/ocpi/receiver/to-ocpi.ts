// Canonical objects back into the OCPI shape of one version: what a CPO's GET on our receiver
// returns, and the base a PATCH is merged into before it is normalized again. Only what we store
// comes back (no images, directions or energy mix: we do not keep them).
import type { Connector, Evse, Location, OcpiVersion, OpeningTimes, Tariff } from '../../model/types.js';

type Json = Record<string, unknown>;

const is211 = (v: OcpiVersion) => v === '2.1.1';

/** 2.1.1 wants exactly 6 decimals, 2.2+ 5 to 7 (SPEC-DIGEST §8). */
function coordinate(n: number, version: OcpiVersion): string {
  return n.toFixed(is211(version) ? 6 : 7);
}

function withoutNulls(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

export function connectorToOcpi(c: Connector, version: OcpiVersion): Json {
  const electrics = is211(version)
    ? { voltage: c.maxVoltage, amperage: c.maxAmperage, tariff_id: c.tariffIds[0] ?? null }
    : {
        max_voltage: c.maxVoltage,
        max_amperage: c.maxAmperage,
        max_electric_power: c.maxPowerW,
        tariff_ids: c.tariffIds,
      };
  return withoutNulls({
    id: c.id,
    standard: c.standard,
    format: c.format,
    power_type: c.powerType,
    ...electrics,
    terms_and_conditions: c.termsAndConditions,
    last_updated: c.lastUpdated,
  });
}

export function evseToOcpi(e: Evse, version: OcpiVersion): Json {
  return withoutNulls({
    uid: e.uid,
    evse_id: e.evseId,
    status: e.status,
    capabilities: e.capabilities,
    connectors: e.connectors.map((c) => connectorToOcpi(c, version)),
    floor_level: e.floorLevel,
    coordinates: e.coordinates
      ? {
          latitude: coordinate(e.coordinates.lat, version),
          longitude: coordinate(e.coordinates.lon, version),
        }
      : null,
    physical_reference: e.physicalReference,
    parking_restrictions: e.parkingRestrictions,
    last_updated: e.lastUpdated,
  });
}

function hoursToOcpi(h: OpeningTimes, version: OcpiVersion): Json {
  const regular = h.regularHours.map((r) => ({
    weekday: r.weekday,
    period_begin: r.periodBegin,
    period_end: r.periodEnd,
  }));
  const periods = (list: { periodBegin: string; periodEnd: string }[]) =>
    list.map((p) => ({ period_begin: p.periodBegin, period_end: p.periodEnd }));
  return withoutNulls({
    // 2.1.1 has either regular_hours or twentyfourseven (SPEC-DIGEST §5 Hours).
    twentyfourseven: is211(version) && !h.twentyfourseven ? null : h.twentyfourseven,
    regular_hours: is211(version) && h.twentyfourseven ? null : regular,
    exceptional_openings: periods(h.exceptionalOpenings),
    exceptional_closings: periods(h.exceptionalClosings),
  });
}

export function locationToOcpi(l: Location, version: OcpiVersion): Json {
  const owner = is211(version)
    ? { type: l.parkingType }
    : {
        country_code: l.countryCode,
        party_id: l.partyId,
        publish: l.publish,
        state: l.state,
        parking_type: l.parkingType,
      };
  const business = (b: Location['operator']) =>
    b ? withoutNulls({ name: b.name, website: b.website }) : null;
  return withoutNulls({
    ...owner,
    id: l.id,
    name: l.name,
    address: l.address,
    city: l.city,
    postal_code: l.postalCode,
    country: l.country,
    coordinates: { latitude: coordinate(l.lat, version), longitude: coordinate(l.lon, version) },
    evses: l.evses.map((e) => evseToOcpi(e, version)),
    operator: business(l.operator),
    suboperator: business(l.suboperator),
    owner: business(l.owner),
    facilities: l.facilities,
    time_zone: l.timeZone,
    opening_times: l.openingTimes ? hoursToOcpi(l.openingTimes, version) : null,
    charging_when_closed: l.chargingWhenClosed,
    last_updated: l.lastUpdated,
  });
}

export function tariffToOcpi(t: Tariff, version: OcpiVersion): Json {
  const price = (p: Tariff['minPrice']) => {
    if (!p) return null;
    return version === '2.3.0'
      ? withoutNulls({ before_taxes: p.beforeTaxes, after_taxes: p.afterTaxes })
      : withoutNulls({ excl_vat: p.beforeTaxes, incl_vat: p.afterTaxes });
  };
  const owner = is211(version)
    ? {}
    : {
        country_code: t.countryCode,
        party_id: t.partyId,
        type: t.type,
        min_price: price(t.minPrice),
        max_price: price(t.maxPrice),
        start_date_time: t.startDateTime,
        end_date_time: t.endDateTime,
      };
  return withoutNulls({
    ...owner,
    id: t.id,
    currency: t.currency,
    ...(version === '2.3.0' ? { tax_included: t.taxIncluded } : {}),
    tariff_alt_text: t.altText,
    tariff_alt_url: t.altUrl,
    elements: t.elements.map((e) =>
      withoutNulls({
        price_components: e.priceComponents.map((p) =>
          withoutNulls({
            type: p.type,
            price: p.price,
            vat: is211(version) ? null : p.vat,
            step_size: p.stepSize,
          }),
        ),
        restrictions: e.restrictions,
      }),
    ),
    last_updated: t.lastUpdated,
  });
}
