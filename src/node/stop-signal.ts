// The server's stop: the first SIGINT/SIGTERM starts a graceful shutdown. One keypress or one
// service stop often delivers the signal more than once (the terminal signals the whole process
// group, and `bin/atlas.mjs` or npm passes it on again; systemd signals every process of the unit),
// and a second signal without a listener would take Node's default action and kill the server
// half-way through its shutdown. Repeats within REPEAT_MS are those echoes and are ignored; a
// signal after that is a person asking again, and ends the process at once.
const REPEAT_MS = 2_000;

/** Resolves on the first stop signal; keeps listening so that its echoes cannot kill the process. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (first === undefined) {
        first = Date.now();
        resolve(signal);
      } else if (Date.now() - first > REPEAT_MS) {
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  });
}
