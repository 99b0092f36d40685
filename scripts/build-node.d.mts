// Types of build-node.mjs (plain JavaScript so that `npm start` needs nothing but node).
export declare const NODE_ENTRIES: string[];
export declare const NODE_FLAGS: string[];
export declare const SYNC_NODE_FLAGS: string[];
export declare function nodeFlagsFor(command: string | undefined): string[];
export declare function buildNode(outdir?: string, extra?: string[]): string;
