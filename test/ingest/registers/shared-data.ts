// Paths of the shared real data (read-only, next to the repo) and of this suite's own fixtures.
import path from 'node:path';

export function sharedData(...parts: string[]): string {
  return path.resolve(process.cwd(), '../shared/data', ...parts);
}

export function registerFixture(name: string): string {
  return path.resolve(process.cwd(), 'test/fixtures/registers', name);
}
