// The virtual lab: a network namespace with a bridge, the master and QEMU nodes that PXE-boot from it.
export { LAB_CONFIG_HEADER, LAB_PROFILE, labConfigText } from "./_config.js";
export { downLab } from "./_down.js";
export type { LabDownOptions, LabDownResult } from "./_down.js";
export {
  checkLabName, DEFAULT_LAB_NAME, isLabFile, LAB_NETWORK, LabPlanError, labNode, MAX_LAB_NODES, nodeFirmware, parseLabFirmware,
  parseNodeCount, planLab,
} from "./_plan.js";
export type { LabFirmware, LabNodePlan, LabPlan, LabPlanOptions } from "./_plan.js";
export { findOvmf, OVMF_CANDIDATES, qemuArgv } from "./_qemu.js";
export type { Firmware, OvmfFiles, QemuMachine } from "./_qemu.js";
export { readLabState, writeLabState } from "./_state.js";
export type { LabNodeState, LabState } from "./_state.js";
export { labStatus } from "./_status.js";
export type { LabNodeStatus, LabStatus } from "./_status.js";
export { LabError } from "./_system.js";
export { upLab } from "./_up.js";
export type { LabUpOptions } from "./_up.js";
