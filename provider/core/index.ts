/**
 * pulumi-sev/core: the pure functions, with no SSH, no Pulumi and no I/O. The provider, the
 * sev-capacity CLI and the policy pack all judge with these, so a rule has one implementation.
 */
export * from "./facts";
export { judgeHost, failures, warnings, formatHostReport, REMEDIES, MIN_KERNEL, MIN_QEMU, MIN_LIBVIRT } from "./checks";
export type { Check, Verdict } from "./checks";
export { judgeSnpHost, formatSnpRefusal, SNP_MIN_KERNEL, SNP_MIN_QEMU, SNP_MIN_LIBVIRT } from "./snp-host";
export { slotCapacity, POOL_NAMES } from "./capacity";
export type { Pool, PoolKey, PoolSource, SlotCapacity, CapacityOverride } from "./capacity";
export { accountHost, overcommitted, formatOvercommit, formatReplacementNeedsSlot, unknownTotals } from "./slots";
export type { CountMode, SlotRequest, PoolAccount, HostAccount } from "./slots";
export type { Owner, StackId } from "./owner";
export {
  MODELS,
  MODEL_LIST,
  poolOfModel,
  isSevModel,
  descriptorOf,
  modelOfNovaName,
  modelOfLaunchSecurity,
  modelSupport,
  formatUnsupportedModel,
  MIN_QEMU_SEV_ES,
} from "./models";
export type { ModelDescriptor, ModelSupport, NovaModelName } from "./models";
export {
  validateFlavor,
  resolveFlavor,
  formatFlavorProblems,
  DEFAULT_POLICY,
  SEV_POLICY,
  SNP_POLICY,
  MODEL_NAME,
  defaultPolicy,
  formatPolicy,
  parsePolicy,
  policyProblems,
} from "./flavor";
export { SETTINGS, EXTENSION_PREFIX, boolFromString } from "./flavor";
export type { ResolvedFlavor, FlavorResult, BootDiskBus, PageSize, SettingName, Setting } from "./flavor";
export { renderDomainXml, selectLoader, machineFor, DomainXmlError, stableUuid, stableMac } from "./domain-xml";
export type { DomainXmlInput, BootDisk, DataDisk, GuestNetwork, DomainModel } from "./domain-xml";
export { readDomain, renderDomain } from "./domain-xml";
export { launchInputProblems, parseLaunchSecInfo, base64Bytes, BLOB_BYTES } from "./launch-inputs";
export type { GuestLaunchSecurity, LaunchSecret, LaunchMeasurement } from "./launch-inputs";
export { viewOfDomain, guestDrift } from "./parse/guest";
export type { GuestView, DiskView, InterfaceView } from "./parse/guest";
export { adoptionDifferences, formatAdoptionRefusal, formatNothingToAdopt } from "./adopt";
export { parseSevDomain, ownerOf, sevModelOfXml } from "./parse/domain";
export { renderLaunchSecurity, readLaunchSecurity, launchSecurityProblems } from "./domain/launch-security";
export { domcapsFromXml } from "./parse/domcaps";
export { parseProbe } from "./parse/probe";
export { parseSize, sliceLimit } from "./memory";
export { claimConflict, releaseOf, claimId, CLAIMS_DIR } from "./slice-claims";
export type { SliceClaim, FoundClaim, Release } from "./slice-claims";
export { schemaChecker, formatProblems } from "./validate";
export type { InputProblem } from "./validate";
export type { SevFlavorInputs } from "../generated/sev-flavor";
export type { ImageProperties } from "../generated/image-properties";
export type { SevGuestInputs } from "../generated/sev-guest";
export type { SevHostInputs } from "../generated/sev-host";
export { isObject } from "./json";
export type { JsonObject } from "./json";
export { RESOURCE_MODULE, RESOURCE_NAMES, RESOURCE_TYPES } from "./resource-types";
