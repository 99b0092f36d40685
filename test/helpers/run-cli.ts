// Runs `atlas` (src/cli.ts) as a child process, as a user would, and collects what it printed.
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** `env` is the child's whole environment; `uid` runs it as that user (and group). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, uid?: number): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
