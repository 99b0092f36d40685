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

/**
 * CPU seconds (user and system, all threads) process `pid` has used so far, from /proc, or null
 * where /proc is missing: a bench's server child, whose CPU per request moves less with other load
 * on the machine than its rate does.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    // Fields 14 and 15 (utime, stime, in clock ticks of 1/100 s on Linux) after the ")" of the name.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
