// How a Node entry (src/cli.ts, src/node.ts) ends when it fails: settings problems (StartupError,
// sources file, environment) carry a one-line message that names the setting; anything else is a
// bug, and its first line is still more use to the person starting the atlas than a stack trace.
export function exitOnFailure(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`atlas: ${message.split('\n')[0]}\n`);
  process.exit(1);
}
