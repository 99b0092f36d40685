// The push outbox under kill -9: `atlas serve` runs as a child process with an eMSP client whose
// receiver is a recorder on loopback, while a CPO pushes status changes and location edits to it.
// The server is killed with SIGKILL 10 times in the middle of that traffic and started again.
// Afterwards every change the atlas committed (each one it acknowledged, and each unanswered one
// that the database shows it applied) has reached the recorder, in the order it was made, per
// object; nothing it did not commit was sent; and no whole-location PUT shows an EVSE status ahead
// of the status PATCHes still to come.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClient, registerClient } from '../../../src/db/queries/ocpi-clients.js';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import { formatOcpiDateTime } from '../../../src/ocpi/client/datetime.js';
import { tokenDigest } from '../../../src/ocpi/receiver/token-hash.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import { type Harness, startHarness } from '../../helpers/sync-harness.js';
import { CPO_PUSH_TOKEN, DEMO_PARTY } from './harness.js';

const KILLS = 10;
const STATUSES = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'RESERVED'];
const AUTH = { Authorization: `Token ${btoa(CPO_PUSH_TOKEN)}`, 'Content-Type': 'application/json' };

/** One change the test sent: acknowledged (200 + 1000), or unanswered because the server died. */
interface Sent {
  value: string;
  at: string;
  answer: 'ack' | 'none';
  /** Whether the atlas committed it: known for acknowledged ones, read from the file for the rest. */
  applied?: boolean;
}

interface Tracked {
  kind: 'status' | 'name';
  location: string;
  uid?: string;
  current: string;
  sent: Sent[];
}

interface Received {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

let cpo: Harness;
let recorder: ServedApp;
const received: Received[] = [];
const tracked: Tracked[] = [];
const initial = new Map<string, string>();
let env: NodeJS.ProcessEnv;
let clientId: string;
// One clock for every change, one second apart and in the past: per object strictly increasing.
let tick = Date.now() - 3 * 3_600_000;
function nextTime(): string {
  tick += 1000;
  return formatOcpiDateTime(new Date(tick));
}

beforeAll(async () => {
  const demo = demoLocations();
  cpo = await startHarness(
    { locations: demo.locations, tariffs: demo.tariffs, pageSize: 50 },
    { push_token: CPO_PUSH_TOKEN, parties: [DEMO_PARTY] },
  );
  expect((await cpo.sync('full')).status).toBe('ok');
  recorder = await serveApp({
    fetch: async (request: Request) => {
      const text = await request.text();
      received.push({
        method: request.method,
        path: new URL(request.url).pathname,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      });
      // A little latency, as a real receiver has, so that kills land while a push is in flight.
      await new Promise((r) => setTimeout(r, Math.random() * 4));
      return Response.json({ status_code: 1000, timestamp: new Date().toISOString() });
    },
  });
  clientId = await addClient(
    cpo.db,
    'recorder',
    await tokenDigest('unused-token-a'),
    new Date().toISOString(),
  );
  await registerClient(cpo.db, clientId, {
    tokenCDigest: await tokenDigest('unused-token-c'),
    theirToken: 'recorder-token-b',
    version: '2.2.1',
    versionsUrl: `${recorder.url}/ocpi/versions`,
    tokenEncoding: 'base64',
    parties: [],
    locationsUrl: `${recorder.url}/ocpi/2.2.1/locations`,
    tariffsUrl: null,
    now: new Date().toISOString(),
  });

  const targets = demo.locations.filter((l) => l.publish && l.evses.length >= 2).slice(0, 2);
  expect(targets).toHaveLength(2);
  for (const l of targets) {
    tracked.push({ kind: 'name', location: l.id, current: l.name ?? '', sent: [] });
    for (const e of l.evses.slice(0, 2)) {
      const row = await cpo.db.get<{ status: string }>(
        'SELECT e.status FROM evses e JOIN locations l ON l.pk = e.location_pk WHERE l.ocpi_id = ? AND e.uid = ?',
        [l.id, e.uid],
      );
      initial.set(`${l.id}/${e.uid}`, row!.status);
      tracked.push({ kind: 'status', location: l.id, uid: e.uid, current: row!.status, sent: [] });
    }
  }
  const sources = join(cpo.dbFile, '..', 'sources.json');
  writeFileSync(sources, JSON.stringify([cpo.source]));
  env = {
    ...process.env,
    ATLAS_DB: cpo.dbFile,
    ATLAS_SOURCES: sources,
    ATLAS_OCPI_ALLOW_PRIVATE_TARGETS: '1',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  await recorder?.close();
  await cpo?.close();
});

/** Starts `atlas serve` and resolves with its URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('atlas serve did not listen within 90 s')), 90_000);
    child.once('exit', (code) => reject(new Error(`atlas serve exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('atlas listening')) return;
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

interface Phase {
  stop: boolean;
  /** Acknowledgements still wanted before the kill; at 0, reached() is called. */
  left: number;
  reached: () => void;
}

/** Sends changes to one object, one at a time, until told to stop or the server is gone. */
async function writer(url: string, t: Tracked, phase: Phase) {
  while (!phase.stop) {
    const at = nextTime();
    let value: string;
    let path = `${url}/ocpi/2.2.1/receiver/locations/NL/DEM/${t.location}`;
    let body: Record<string, unknown>;
    if (t.kind === 'status') {
      value = STATUSES[(STATUSES.indexOf(t.current) + 1) % STATUSES.length]!;
      path += `/${t.uid}`;
      body = { status: value, last_updated: at };
    } else {
      value = `Kill test ${t.sent.length}`;
      body = { name: value, last_updated: at };
    }
    const sent: Sent = { value, at, answer: 'none' };
    t.sent.push(sent);
    let reply: Response;
    try {
      reply = await fetch(path, { method: 'PATCH', headers: AUTH, body: JSON.stringify(body) });
    } catch {
      return; // killed: this one stays unanswered
    }
    const envelope = (await reply.json().catch(() => ({}))) as {
      status_code?: number;
      status_message?: string;
    };
    // Anything but an acknowledgement is a failure of the test's own traffic, not of the outbox.
    expect([reply.status, envelope.status_code], `${t.location} ${value}`).toEqual([200, 1000]);
    sent.answer = 'ack';
    // A status change of one of its EVSEs moves the location's last_updated past an edit sent
    // just before it: that edit is acknowledged as older and not applied, so it is no change.
    sent.applied = !envelope.status_message?.includes('not applied');
    if (sent.applied) t.current = value;
    if (--phase.left === 0) phase.reached();
  }
}

/** After a kill: which unanswered changes did the atlas commit? The file says. */
async function resolveUnanswered() {
  for (const t of tracked) {
    const open = t.sent.filter((s) => s.applied === undefined);
    if (open.length === 0) continue;
    const row =
      t.kind === 'status'
        ? await cpo.db.get<{ v: string; at: string | null }>(
            `SELECT e.status AS v, e.status_updated_at AS at FROM evses e JOIN locations l ON l.pk = e.location_pk
             WHERE l.ocpi_id = ? AND e.uid = ?`,
            [t.location, t.uid],
          )
        : await cpo.db.get<{ v: string; at: string | null }>(
            'SELECT name AS v, last_updated AS at FROM locations WHERE ocpi_id = ?',
            [t.location],
          );
    for (const s of open) {
      // A name is unique to its edit, so the row holding it proves the edit committed; its
      // last_updated may since have moved on by a status change of one of the location's EVSEs
      // committed after it (the same group commit), which left an applied edit counted as not.
      // A status recurs, so only its own time proves it.
      const at = Date.parse(row!.at ?? '');
      s.applied =
        row!.v === s.value && (t.kind === 'name' ? at >= Date.parse(s.at) : at === Date.parse(s.at));
      if (s.applied) t.current = s.value;
    }
  }
}

const backlog = async () =>
  (await cpo.db.get<{ n: number }>('SELECT count(*) AS n FROM ocpi_outbox WHERE client_id = ?', [clientId]))!
    .n;

describe('the push outbox under kill -9', () => {
  it(`loses nothing committed across ${KILLS} kills during traffic, and keeps each object's order`, async () => {
    for (let k = 0; k < KILLS; k++) {
      const { child, url } = await startServer();
      // The kill comes after a varied number of acknowledged changes, so it lands at different
      // points of the traffic and of the deliveries it causes (counted, not timed).
      let reached = () => {};
      const enough = new Promise<void>((r) => {
        reached = r;
      });
      const phase: Phase = { stop: false, left: 10 + Math.floor(Math.random() * 30), reached };
      const writers = tracked.map((t) => writer(url, t, phase));
      // A writer that fails ends the race too (its rejection fails the test).
      await Promise.race([enough, Promise.all(writers)]);
      await kill(child);
      phase.stop = true;
      await Promise.all(writers);
      await resolveUnanswered();
    }
    // A last start without traffic: whatever is still queued drains.
    const { child } = await startServer();
    for (let i = 0; i < 300 && (await backlog()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(await backlog()).toBe(0);

    const acked = tracked.flatMap((t) => t.sent.filter((s) => s.answer === 'ack'));
    expect(acked.length).toBeGreaterThanOrEqual(KILLS * 10);
    for (const t of tracked) (t.kind === 'status' ? checkStatuses : checkNames)(t);
  }, 480_000);
});

/** Every committed status change arrived as a PATCH, in order; nothing uncommitted did. */
function checkStatuses(t: Tracked) {
  const key = `${t.location}/${t.uid}`;
  const index = new Map(t.sent.map((s, i) => [Date.parse(s.at), i]));
  const seen = received
    .filter((r) => r.method === 'PATCH' && r.path.endsWith(`/NL/DEM/${key}`))
    .map((r) => index.get(Date.parse(r.body.last_updated as string)));
  expect(
    seen.every((i) => i !== undefined && t.sent[i]!.applied === true),
    key,
  ).toBe(true);
  const order = seen as number[];
  expect(
    order.every((i, n) => n === 0 || i >= order[n - 1]!),
    `${key} order`,
  ).toBe(true);
  const committed = t.sent.flatMap((s, i) => (s.applied ? [i] : []));
  expect(
    committed.filter((i) => !order.includes(i)),
    `${key} missing`,
  ).toEqual([]);
  // A whole-location PUT shows the status the receiver had from the PATCHes before it.
  let latest = initial.get(key);
  for (const r of received) {
    if (r.method === 'PATCH' && r.path.endsWith(`/NL/DEM/${key}`)) latest = r.body.status as string;
    if (r.method === 'PUT' && r.path.endsWith(`/NL/DEM/${t.location}`)) {
      const evses = r.body.evses as { uid: string; status: string }[];
      expect(evses.find((e) => e.uid === t.uid)?.status, `${key} in a PUT`).toBe(latest);
    }
  }
}

/** Location edits arrive as PUTs in order (several may go as one); the last committed one arrives. */
function checkNames(t: Tracked) {
  const index = new Map(t.sent.map((s, i) => [s.value, i]));
  const seen = received
    .filter((r) => r.method === 'PUT' && r.path.endsWith(`/NL/DEM/${t.location}`))
    .map((r) => index.get(r.body.name as string))
    .filter((i) => i !== undefined);
  expect(
    seen.every((i) => t.sent[i]!.applied === true),
    t.location,
  ).toBe(true);
  expect(
    seen.every((i, n) => n === 0 || i >= seen[n - 1]!),
    `${t.location} order`,
  ).toBe(true);
  const lastCommitted = t.sent.findLastIndex((s) => s.applied);
  expect(lastCommitted, `${t.location}: no edit was applied`).toBeGreaterThanOrEqual(0);
  expect(seen.at(-1), `${t.location} last edit`).toBe(lastCommitted);
}
