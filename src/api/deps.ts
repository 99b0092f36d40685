// What the core app needs from its host (Node or Workers). Nothing here knows which one.
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';

export interface AppDeps {
  getDb: () => Db | Promise<Db>;
  clock?: () => Date;
  log?: Logger;
}

export type AppEnv = {
  Variables: {
    db: Db;
    log: Logger;
    now: Date;
    requestId: string;
  };
};
