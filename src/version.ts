/** @module version Sidecar's release version. */
export const VERSION = "0.1.0";
