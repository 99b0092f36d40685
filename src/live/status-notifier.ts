// A small in-process signal that new EVSE status events were committed. It carries no data: the
// evse_status_events table stays the only source of truth, and listeners read it by id. So a
// change written by another process (a second Node worker, a cron run, another Workers isolate)
// still arrives, only a poll interval later instead of at once.

export interface StatusNotifier {
  /** Call after a batch that may have written status events has committed. */
  notify(): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export function createStatusNotifier(): StatusNotifier {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
