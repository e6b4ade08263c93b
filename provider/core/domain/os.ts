/** <os>: type and machine, UEFI loader, NVRAM, firmware autoselection; and how a host's loaders and machines are chosen. */
import { DomainCapabilities } from "../facts";
import { asNode, attrOf, textOf } from "../parse/xml";
import { attrs, Node, optional, textElement, XmlNode, yesNo } from "./node";

export interface Loader {
  /** The code image; null leaves it to libvirt's firmware autoselection. */
  path: string | null;
  readonly: boolean;
  type: "pflash" | "rom" | null;
  stateless: boolean;
}

export interface Os {
  /** os@firmware: "efi" asks libvirt to pick firmware by its descriptors. */
  firmware: string | null;
  /** The <type> text: hvm. */
  type: string | null;
  arch: string | null;
  /** pc-q35-8.2, q35, pc-i440fx-… */
  machine: string | null;
  loader: Loader | null;
  nvram: { path: string; template: string | null } | null;
}

/**
 * The UEFI code image from the host's <os><loader> values: an OVMF_CODE image without Secure Boot
 * (no "secboot", no Microsoft-keys ".ms" variant). null when the host offers none.
 */
export function selectLoader(loaders: readonly string[]): string | null {
  return loaders.find((path) => /OVMF_CODE/.test(path) && !/secboot|\.ms\./i.test(path)) ?? null;
}

/** "q35" means the host's q35 machine when it reports one; a versioned q35 machine is kept as given. */
export function machineFor(machineType: string, host: DomainCapabilities): string {
  if (machineType.toLowerCase() !== "q35") return machineType;
  const hostQ35 = [host.machine, ...host.machines].find((m): m is string => typeof m === "string" && /q35/.test(m));
  return hostQ35 ?? "q35";
}

/**
 * The UEFI variable store template of an OVMF code image, by the builds' naming (OVMF_CODE*.fd beside
 * OVMF_VARS*.fd in Debian, Ubuntu, Fedora and RHEL); null for another name. Without it libvirt takes
 * the template from a firmware descriptor that matches the loader and the guest, and Debian's list
 * amd-sev but not amd-sev-es: an SEV-ES guest's start fails with "unable to find any master var store".
 */
export function nvramTemplateOf(code: string): string | null {
  const file = code.split("/").pop() ?? "";
  return /^OVMF_CODE/.test(file) ? code.slice(0, code.length - file.length) + file.replace(/^OVMF_CODE/, "OVMF_VARS") : null;
}

function renderLoader(l: Loader): Node {
  const node = attrs({ readonly: l.readonly ? "yes" : undefined, type: l.type, stateless: l.stateless ? "yes" : undefined });
  return l.path === null ? node : { ...node, "#text": l.path };
}

export function renderOs(os: Os): Node {
  const type = textElement(os.type ?? "hvm", { arch: os.arch, machine: os.machine });
  const nvram = os.nvram === null ? undefined : os.nvram.template === null ? os.nvram.path : textElement(os.nvram.path, { template: os.nvram.template });
  return {
    ...attrs({ firmware: os.firmware }),
    type,
    ...optional("loader", os.loader === null ? undefined : renderLoader(os.loader)),
    ...optional("nvram", nvram),
  };
}

function readLoader(node: unknown): Loader | null {
  if (node === undefined) return null;
  const type = attrOf(node, "type");
  return {
    path: textOf(node),
    readonly: yesNo(attrOf(node, "readonly")) === true,
    type: type === "pflash" || type === "rom" ? type : null,
    stateless: yesNo(attrOf(node, "stateless")) === true,
  };
}

function readNvram(node: unknown): Os["nvram"] {
  const path = textOf(node);
  return path === null ? null : { path, template: attrOf(node, "template") };
}

export function readOs(node: unknown): Os {
  const os: XmlNode = asNode(node);
  return {
    firmware: attrOf(os, "firmware"),
    type: textOf(os["type"]),
    arch: attrOf(os["type"], "arch"),
    machine: attrOf(os["type"], "machine"),
    loader: readLoader(os["loader"]),
    nvram: readNvram(os["nvram"]),
  };
}

/** UEFI: firmware='efi', or a pflash or OVMF/edk2 loader; else BIOS. */
export function firmwareOf(os: Os): "uefi" | "bios" {
  if (os.firmware === "efi") return "uefi";
  if (os.loader === null) return "bios";
  return os.loader.type === "pflash" || /ovmf|edk2/i.test(os.loader.path ?? "") ? "uefi" : "bios";
}
