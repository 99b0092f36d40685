// Runs `atlas` (src/cli.ts) or another Node entry as a child process, as a user would, and collects
// what it printed.
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  /** The child was still running after the run's time limit and was killed. */
  timedOut: boolean;
}

/** Below vitest's testTimeout (60 s), so a command that hangs fails its test and leaves no process. */
const TIME_LIMIT_MS = 50_000;

/**
 * `env` is the child's whole environment; `uid` runs it as that user (and group); a child still
 * running after `timeLimitMs` is killed (SIGKILL) and the run says so.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  uid?: number,
  timeLimitMs = TIME_LIMIT_MS,
): Promise<CliRun> {
  return runEntry('src/cli.ts', args, env, uid, timeLimitMs);
}

/** The same for another Node entry of the atlas (src/node.ts). */
export function runEntry(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  uid?: number,
  timeLimitMs = TIME_LIMIT_MS,
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let out = '';
    let err = '';
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeLimitMs);
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, out, err, timedOut });
    });
  });
}
