// Test plumbing shared by the client tests: a fake CPO on a loopback port with the demo data, and a
// client that never really sleeps.
import { createFakeCpo, type FakeCpo, type FakeCpoOptions } from '../../../src/fake-cpo/app.js';
import { demoLocations } from '../../../src/fake-cpo/demo-data.js';
import type { OcpiVersion } from '../../../src/model/types.js';
import { createOcpiClient, type OcpiClientOptions, type OcpiPage } from '../../../src/ocpi/client/index.js';
import { serveApp } from '../../helpers/serve.js';

export interface RunningCpo {
  fake: FakeCpo;
  url: string;
  versionsUrl: string;
  moduleUrl(module: 'locations' | 'tariffs', version?: OcpiVersion): string;
  close(): Promise<void>;
}

export async function startCpo(options: Partial<FakeCpoOptions> = {}): Promise<RunningCpo> {
  const demo = demoLocations();
  const fake = createFakeCpo({ locations: demo.locations, tariffs: demo.tariffs, ...options });
  const served = await serveApp(fake.app);
  return {
    fake,
    url: served.url,
    versionsUrl: `${served.url}/ocpi/versions`,
    moduleUrl: (module, version = options.versions?.[0] ?? '2.2.1') =>
      `${served.url}/ocpi/${version}/${module}`,
    close: served.close,
  };
}

/** A client whose backoff sleeps are recorded instead of waited for. */
export function testClient(options: OcpiClientOptions = {}) {
  const sleeps: number[] = [];
  const client = createOcpiClient({
    timeoutMs: 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { client, sleeps };
}

/** Every page until the generator ends or throws; the error (if any) is returned, not thrown. */
export async function drain(pages: AsyncIterable<OcpiPage>): Promise<{ pages: OcpiPage[]; error: unknown }> {
  const seen: OcpiPage[] = [];
  try {
    for await (const page of pages) seen.push(page);
    return { pages: seen, error: null };
  } catch (error) {
    return { pages: seen, error };
  }
}

export const idsOf = (pages: OcpiPage[]) =>
  pages.flatMap((p) => p.items.map((item) => (item as { id: string }).id));

/** The list requests the fake saw for a module, in order. */
export const listRequests = (fake: FakeCpo, module: 'locations' | 'tariffs' = 'locations') =>
  fake.requests.filter((r) => r.path.endsWith(`/${module}`));
