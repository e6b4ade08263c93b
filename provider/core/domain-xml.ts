/**
 * The libvirt domain XML of an SEV guest: the facade over domain/ (spec.ts decides, document.ts and
 * the element modules render and read), kept so that imports of core/domain-xml keep working.
 */
export {
  DEFAULT_NVRAM_DIR,
  DomainXmlError,
  inputProblems,
  interfaceMac,
  LIBVIRT_STATELESS_LOADER,
  networksOf,
  renderDomainXml,
  domainSpec,
} from "./domain/spec";
export type { BootDisk, DataDisk, DomainXmlInput, GuestNetwork } from "./domain/spec";
export { machineFor, nvramTemplateOf, selectLoader } from "./domain/os";
export { stableUuid, stableMac, uuidV5 } from "./domain/ids";
export { LIBVIRT_FILLS_SEV_PLATFORM_INFO } from "./domain/launch-security";
export { readDomain, renderDomain } from "./domain/document";
export type { DomainModel } from "./domain/document";
