// `npm run bench [-- NAME...]`: runs the benchmarks one after another, each printing its figures
// next to a baseline measured in the same run, then every figure that has a target in one table. Names: sync, push, sse, api, dedupe, tiles, researchers, ocpi-out, load, stats, availability.
import { printSummary } from './summary.js';

const ALL = [
  'sync',
  'push',
  'sse',
  'api',
  'dedupe',
  'tiles',
  'researchers',
  'ocpi-out',
  'load',
  'stats',
  'availability',
] as const;

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(ALL as readonly string[]).includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (available: ${ALL.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : ALL) {
  console.log(`\n=== bench: ${name} ===`);
  const started = performance.now();
  try {
    const mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
    await mod.run();
  } catch (err) {
    failed++;
    console.error(`bench ${name} failed: ${(err as Error).stack ?? err}`);
  }
  console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
printSummary();
process.exit(failed === 0 ? 0 : 1);
