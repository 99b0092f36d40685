// The demo data set: ~300 invented OCPI 2.2.1 sites around Utrecht, NL, from a seeded PRNG so
// every run (and every test) sees the same sites. Nothing here comes from ../shared/data.
import { formatOcpiDateTime } from '../ocpi/client/datetime.js';

const CENTRE = { lat: 52.0907, lon: 5.1214 };
const RADIUS_KM = 8;
const SITE_COUNT = 300;
const SEED = 0x0c4a_2025;
/** Every 33rd site is unpublished: about 3%, like a CPO's private and fleet sites. */
const UNPUBLISHED_EVERY = 33;
const DATA_EPOCH = Date.UTC(2025, 0, 1);

const STREET_STEMS = [
  'Linden',
  'Eiken',
  'Beuken',
  'Wilgen',
  'Molen',
  'Kerk',
  'Haven',
  'Tuin',
  'Bloesem',
  'Zonne',
  'Vaart',
  'Sluis',
  'Dijk',
  'Polder',
  'Heide',
  'Veld',
  'Weide',
  'Berken',
  'Esdoorn',
  'Kastanje',
  'Hazel',
  'Meidoorn',
  'Klaver',
  'Lelie',
];
const STREET_KINDS = ['laan', 'straat', 'weg', 'plein', 'kade', 'hof', 'dreef', 'singel', 'pad', 'gracht'];
/** Dutch postcodes skip letters that read ambiguously (F, I, O, Q, U, Y). */
const POSTCODE_LETTERS = 'ABCDEGHJKLMNPRSTVWXZ';
const FACILITIES = [
  'SUPERMARKET',
  'CAFE',
  'RESTAURANT',
  'PARKING_LOT',
  'TRAIN_STATION',
  'MALL',
  'WIFI',
  'BUS_STOP',
];

export const DEMO_TARIFF_IDS = { ac: 'AC-STD', dc: 'DC-FAST', free: 'FREE' } as const;

/** mulberry32: tiny, fast and good enough for invented data; Math.random is not reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const intIn = (r: Random, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

function weighted<T>(r: Random, choices: readonly (readonly [T, number])[]): T {
  let x = r() * choices.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of choices) {
    x -= weight;
    if (x < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** Uniform over a disc: sqrt keeps the centre from getting all the sites. */
function coordinatesNearCentre(r: Random) {
  const distanceKm = RADIUS_KM * Math.sqrt(r());
  const bearing = 2 * Math.PI * r();
  const lat = CENTRE.lat + (distanceKm * Math.cos(bearing)) / 110.574;
  const lon =
    CENTRE.lon + (distanceKm * Math.sin(bearing)) / (111.32 * Math.cos((CENTRE.lat * Math.PI) / 180));
  return { latitude: lat.toFixed(6), longitude: lon.toFixed(6) };
}

type SiteKind = 'ac' | 'dc' | 'hub';

export interface DemoConnector {
  id: string;
  standard: string;
  format: string;
  power_type: string;
  max_voltage: number;
  max_amperage: number;
  /** W; below V x A for the DC units, whose cable limits the power (digest §5). */
  max_electric_power: number;
  tariff_ids: string[];
  last_updated: string;
}

/** Volts and amps of each DC power class. */
const DC_ELECTRICS: Record<50 | 150 | 300, readonly [number, number]> = {
  50: [500, 125],
  150: [920, 200],
  300: [920, 500],
};

function connectorsFor(
  r: Random,
  evseKind: 'ac' | 'dc',
  free: boolean,
  lastUpdated: string,
): DemoConnector[] {
  if (evseKind === 'ac') {
    const amps = weighted(r, [
      [16, 3],
      [32, 2],
    ] as const);
    return [
      {
        id: '1',
        standard: 'IEC_62196_T2',
        format: 'SOCKET',
        power_type: 'AC_3_PHASE',
        max_voltage: 230,
        max_amperage: amps,
        max_electric_power: amps === 16 ? 11_000 : 22_000,
        tariff_ids: [free ? DEMO_TARIFF_IDS.free : DEMO_TARIFF_IDS.ac],
        last_updated: lastUpdated,
      },
    ];
  }
  const kw = weighted(r, [
    [50, 4],
    [150, 4],
    [300, 2],
  ] as const);
  const [volts, amps] = DC_ELECTRICS[kw];
  const ccs: DemoConnector = {
    id: '1',
    standard: 'IEC_62196_T2_COMBO',
    format: 'CABLE',
    power_type: 'DC',
    max_voltage: volts,
    max_amperage: amps,
    max_electric_power: kw * 1000,
    tariff_ids: [DEMO_TARIFF_IDS.dc],
    last_updated: lastUpdated,
  };
  // Older 50 kW units often still carry a CHAdeMO cable next to CCS.
  if (kw === 50 && r() < 0.3) {
    return [
      ccs,
      {
        ...ccs,
        id: '2',
        standard: 'CHADEMO',
        max_voltage: 500,
        max_amperage: 125,
        max_electric_power: 50_000,
      },
    ];
  }
  return [ccs];
}

// Every draw from `r` happens in a fixed order (the demo data is the same on every run), so the
// helpers below are called in the order their values appear in the location.
function demoLocation(r: Random, index: number, nextEvseNumber: () => number) {
  const id = `UTR${pad(index + 1, 4)}`;
  const kind = weighted<SiteKind>(r, [
    ['ac', 70],
    ['dc', 22],
    ['hub', 8],
  ]);
  const free = kind === 'ac' && r() < 0.06;
  const street = `${pick(r, STREET_STEMS)}${pick(r, STREET_KINDS)}`;
  const houseNumber = intIn(r, 1, 240);
  const evseCount =
    kind === 'hub'
      ? intIn(r, 2, 4)
      : weighted(r, [
          [1, 3],
          [2, 5],
          [3, 2],
          [4, 1],
        ] as const);
  const siteUpdatedMs = DATA_EPOCH + intIn(r, 0, 180 * 24 * 60) * 60_000;
  const evses = Array.from({ length: evseCount }, (_, k) => {
    const evseKind = kind === 'hub' ? (k === 0 ? 'ac' : 'dc') : kind;
    return demoEvse(r, { id, k, evseKind, free, siteUpdatedMs, evseNumber: nextEvseNumber });
  });
  const parkingType = parkingTypeOf(r, kind);
  const publish = index % UNPUBLISHED_EVERY !== UNPUBLISHED_EVERY >> 1;
  return {
    country_code: 'NL',
    party_id: 'DEM',
    id,
    publish,
    ...(publish ? {} : { publish_allowed_to: [{ visual_number: 'DEMO-FLEET-0001', issuer: 'Demo Fleet' }] }),
    name: `Demo Charging ${street} ${houseNumber}`,
    address: `${street} ${houseNumber}`,
    city: 'Utrecht',
    postal_code: `35${pad(intIn(r, 0, 85), 2)} ${pick(r, [...POSTCODE_LETTERS])}${pick(r, [...POSTCODE_LETTERS])}`,
    country: 'NLD',
    coordinates: coordinatesNearCentre(r),
    parking_type: parkingType,
    evses,
    operator: { name: 'Demo Charging', website: 'https://example.org/demo-charging' },
    facilities: FACILITIES.filter(() => r() < 0.15),
    time_zone: 'Europe/Amsterdam',
    opening_times: openingTimesOf(parkingType),
    charging_when_closed: parkingType !== 'PARKING_GARAGE',
    last_updated: formatOcpiDateTime(new Date(siteUpdatedMs)),
  };
}

interface EvseDraw {
  /** The location's id. */
  id: string;
  /** The EVSE's place in its location. */
  k: number;
  evseKind: 'ac' | 'dc';
  free: boolean;
  siteUpdatedMs: number;
  evseNumber: () => number;
}

function demoEvse(r: Random, { id, k, evseKind, free, siteUpdatedMs, evseNumber }: EvseDraw) {
  // A change deep down bumps the location's last_updated (digest §3), so EVSEs are never newer.
  const lastUpdated = formatOcpiDateTime(
    new Date(siteUpdatedMs - intIn(r, 0, 30) * 24 * 3_600_000 * (k === 0 ? 0 : 1)),
  );
  return {
    uid: `${id}-${k + 1}`,
    evse_id: `NL*DEM*E${pad(evseNumber(), 6)}`,
    status: weighted(r, [
      ['AVAILABLE', 58],
      ['CHARGING', 30],
      ['OUTOFORDER', 5],
      ['UNKNOWN', 4],
      ['BLOCKED', 3],
    ] as const),
    capabilities:
      evseKind === 'dc'
        ? ['RFID_READER', 'REMOTE_START_STOP_CAPABLE', 'CREDIT_CARD_PAYABLE']
        : ['RFID_READER', 'REMOTE_START_STOP_CAPABLE'],
    connectors: connectorsFor(r, evseKind, free, lastUpdated),
    physical_reference: String(k + 1),
    parking_restrictions: ['EV_ONLY'],
    last_updated: lastUpdated,
  };
}

function parkingTypeOf(r: Random, kind: SiteKind) {
  return kind === 'ac'
    ? weighted(r, [
        ['ON_STREET', 7],
        ['PARKING_LOT', 2],
        ['PARKING_GARAGE', 1],
      ] as const)
    : weighted(r, [
        ['PARKING_LOT', 5],
        ['ALONG_MOTORWAY', 3],
        ['PARKING_GARAGE', 1],
      ] as const);
}

/** Garages close at night; everything else is open around the clock. */
function openingTimesOf(parkingType: string) {
  if (parkingType !== 'PARKING_GARAGE') return { twentyfourseven: true };
  return {
    twentyfourseven: false,
    regular_hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
      weekday,
      period_begin: '07:00',
      period_end: '23:00',
    })),
  };
}

export type DemoLocation = ReturnType<typeof demoLocation>;
export type DemoTariff = ReturnType<typeof demoTariffs>[number];

function demoTariffs() {
  const common = {
    country_code: 'NL',
    party_id: 'DEM',
    currency: 'EUR',
    last_updated: '2025-01-01T00:00:00Z',
  };
  return [
    {
      ...common,
      id: DEMO_TARIFF_IDS.ac,
      type: 'REGULAR',
      tariff_alt_text: [{ language: 'en', text: 'Standard AC charging, billed per kWh.' }],
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.39, vat: 21, step_size: 1 }] }],
    },
    {
      ...common,
      id: DEMO_TARIFF_IDS.dc,
      type: 'REGULAR',
      tariff_alt_text: [
        { language: 'en', text: 'Fast charging, billed per kWh; time is billed after 45 minutes.' },
      ],
      elements: [
        { price_components: [{ type: 'ENERGY', price: 0.59, vat: 21, step_size: 1 }] },
        // 0.10 EUR/min = 6.00 EUR/h; TIME is priced per hour (digest §6), billed per minute.
        {
          price_components: [{ type: 'TIME', price: 6.0, vat: 21, step_size: 60 }],
          restrictions: { min_duration: 2700 },
        },
      ],
    },
    {
      ...common,
      id: DEMO_TARIFF_IDS.free,
      type: 'REGULAR',
      tariff_alt_text: [{ language: 'en', text: 'Free charging for visitors.' }],
      // Digest §10: free = one unrestricted element with one FLAT component at price 0.
      elements: [{ price_components: [{ type: 'FLAT', price: 0, step_size: 0 }] }],
    },
  ];
}

export function demoLocations(): { locations: DemoLocation[]; tariffs: DemoTariff[] } {
  const r = seededRandom(SEED);
  let evseNumber = 0;
  const locations = Array.from({ length: SITE_COUNT }, (_, i) => demoLocation(r, i, () => ++evseNumber));
  return { locations, tariffs: demoTariffs() };
}

/** Sites an open feed may show (publish: true). */
export const demoPublishedCount: number = demoLocations().locations.filter((l) => l.publish).length;
