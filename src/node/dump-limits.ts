// The memory a dump build may take, by design rather than by the collector's mood. Measured on the
// 1M-EVSE database (npm run bench -- researchers): the live heap of any dump stays under ~50 MB
// (a Parquet row group's column values and their encoding, a PMTiles tile, a status chunk), but
// with V8's defaults (16 MB semi-spaces, an old generation allowed to grow to several times its
// live size before a full collection) the Parquet dump's heap reached 143 MB and its process 345 MB.
// A small young generation and a capped old one make the collector run before that.

/** Page cache of a dump's connection in MB: a dump scans, the OS's page cache serves re-reads. */
export const DUMP_CACHE_MB = 8;

/**
 * V8 limits of the dump worker thread (Worker resourceLimits). A build that needed more would end
 * the worker with ERR_WORKER_OUT_OF_MEMORY: that build fails (and is retried by the next request),
 * the server goes on.
 */
export const DUMP_HEAP_LIMITS = {
  /** Young generation (both semi-spaces and the new large-object space). */
  maxYoungGenerationSizeMb: 6,
  maxOldGenerationSizeMb: 128,
};
