// The process's own peak resident memory. process.resourceUsage().maxRSS is not that on Linux: a
// child spawned by a large parent starts with the parent's high-water mark (fork copies the
// accounting), which is why every dump once read 1,111 MB. VmHWM in /proc/self/status is reset by
// exec, so it is the child's own.
import { readFileSync } from 'node:fs';

/** Peak RSS of this process in MB (VmHWM), or null where /proc is missing. */
export function ownPeakRssMb(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
