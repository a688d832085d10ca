export { syncMirror, substitutesManifest, type SyncOptions, type SyncSummary } from "./_sync.js";
export { mirrorLayout, isOwnMirror, MIRROR_URLS, SUITE, type MirrorLayout } from "./_layout.js";
export { MirrorError } from "./_errors.js";
export { KEYRING_INITRD, keyringInitrd, readInstallerFacts } from "./_keyring.js";
export type { Substitute } from "./_substitutes-step.js";
export { syncClusterMirror, clusterPackages, upstreamFor, DEBIAN_KEYRING } from "./_cluster.js";
