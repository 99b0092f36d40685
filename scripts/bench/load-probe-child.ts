// The load bench's second client: polls /healthz from 127.0.0.2 (another address to every limit)
// one request at a time, in its own process so the load generator's event loop does not delay it.
// Usage: tsx scripts/bench/load-probe-child.ts URL SECONDS
// Prints one JSON line { count, errors, p50, p99, max } (ms).
import http from 'node:http';

const [url, seconds] = process.argv.slice(2) as [string, string];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const TIMEOUT_MS = 10_000;

function probe(): Promise<number | null> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get(
      `${url}/healthz`,
      { agent, localAddress: '127.0.0.2', timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

const times: number[] = [];
let errors = 0;
const until = performance.now() + Number(seconds) * 1000;
while (performance.now() < until) {
  const t = await probe();
  if (t === null) errors++;
  else times.push(t);
  // A monitor polls; it does not hammer: 50 probes a second.
  await new Promise((r) => setTimeout(r, 20));
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
console.log(JSON.stringify({ count: times.length, errors, p50: at(0.5), p99: at(0.99), max: at(1) }));
agent.destroy();
