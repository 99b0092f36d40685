// A counting semaphore shared by all requests of one client, so a sync of many modules or a burst
// of single-object GETs never opens more than `limit` connections to a CPO at once.

export interface Semaphore {
  /** Resolves with a release function once a slot is free; slots are granted in FIFO order. */
  acquire(): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
}

export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: (() => void)[] = [];

  const releaseOnce = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next();
      else active--;
    };
  };

  return {
    acquire() {
      if (active < limit) {
        active++;
        return Promise.resolve(releaseOnce());
      }
      // The slot passes straight from the releaser to the waiter, so `active` stays as it is.
      return new Promise((resolve) => queue.push(() => resolve(releaseOnce())));
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
