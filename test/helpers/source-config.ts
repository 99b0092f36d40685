// An OCPI source entry as the sources file would give it after validation, for tests.
import type { OcpiSourceConfig } from '../../src/ingest/sources-file.js';

export function ocpiSourceConfig(
  overrides: Partial<OcpiSourceConfig> & Pick<OcpiSourceConfig, 'id' | 'versions_url' | 'token'>,
): OcpiSourceConfig {
  return {
    name: `CPO ${overrides.id}`,
    type: 'ocpi',
    register: false,
    parties: [],
    schedule: '*/30 * * * *',
    full_schedule: '0 3 * * *',
    license: 'CC0-1.0',
    attribution: 'test data',
    enabled: true,
    suspect_ratio: 0.5,
    ...overrides,
  };
}
