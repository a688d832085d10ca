// The cluster CA and node certificates for libvirt TLS.
export { caPaths, ensureCa } from "./_ca.js";
export type { CaOptions, ClusterCa, Clock } from "./_ca.js";
export { PkiError } from "./_errors.js";
export type { PkiErrorCode } from "./_errors.js";
export { issueNodeCertificate, LIBVIRT_TLS_PATHS } from "./_issue.js";
export type { IssueOptions, NodeCertificate, NodeIdentity } from "./_issue.js";
export { ensureLibvirtClient, libvirtClientDir, libvirtUri, MASTER_CLIENT_NAME } from "./_client.js";
