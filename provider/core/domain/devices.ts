/**
 * <devices>: the disks, controllers and interfaces (one module each), and the fixed devices every
 * guest gets: a serial console, the guest agent's channel, a memory balloon and an RNG.
 */
import { asArray, asNode, attrOf, textOf } from "../parse/xml";
import { Controller, readController, renderController } from "./controller";
import { Disk, readDisk, renderDisk } from "./disk";
import { Interface, readInterface, renderInterface } from "./interface";
import { attrs, IOMMU, Node, optional, textElement, XmlNode } from "./node";

export const GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0";

export interface VirtioModelDevice {
  model: string | null;
  iommu: boolean;
}

export interface Devices {
  disks: Disk[];
  controllers: Controller[];
  interfaces: Interface[];
  /** A pty serial port and its console. */
  serialConsole: boolean;
  /** The QEMU guest agent's virtio channel. */
  guestAgent: boolean;
  memballoon: VirtioModelDevice | null;
  /** backend: the host's random source (/dev/urandom). */
  rng: (VirtioModelDevice & { backend: string | null }) | null;
}

function renderSerialConsole(): Node {
  return {
    serial: { ...attrs({ type: "pty" }), target: { ...attrs({ type: "isa-serial", port: 0 }), model: attrs({ name: "isa-serial" }) } },
    console: { ...attrs({ type: "pty" }), target: attrs({ type: "serial", port: 0 }) },
  };
}

const withIommu = (d: VirtioModelDevice): Node => (d.iommu ? IOMMU : {});

function renderRng(rng: NonNullable<Devices["rng"]>): Node {
  return {
    ...attrs({ model: rng.model }),
    ...optional("backend", rng.backend === null ? undefined : textElement(rng.backend, { model: "random" })),
    ...withIommu(rng),
  };
}

export function renderDevices(d: Devices): Node {
  const node: Node = { disk: d.disks.map(renderDisk), controller: d.controllers.map(renderController), interface: d.interfaces.map(renderInterface) };
  if (d.serialConsole) Object.assign(node, renderSerialConsole());
  if (d.guestAgent) node["channel"] = { ...attrs({ type: "unix" }), target: attrs({ type: "virtio", name: GUEST_AGENT_CHANNEL }) };
  if (d.memballoon !== null) node["memballoon"] = { ...attrs({ model: d.memballoon.model }), ...withIommu(d.memballoon) };
  if (d.rng !== null) node["rng"] = renderRng(d.rng);
  return node;
}

function readVirtioModel(node: unknown): VirtioModelDevice | null {
  return node === undefined ? null : { model: attrOf(node, "model"), iommu: attrOf(asNode(node)["driver"], "iommu") === "on" };
}

function readRng(node: unknown): Devices["rng"] {
  const base = readVirtioModel(node);
  return base === null ? null : { ...base, backend: textOf(asNode(node)["backend"]) };
}

export function readDevices(node: unknown): Devices {
  const d: XmlNode = asNode(node);
  return {
    disks: asArray(d["disk"]).map(readDisk),
    controllers: asArray(d["controller"]).map(readController),
    interfaces: asArray(d["interface"]).map(readInterface),
    serialConsole: asArray(d["serial"]).some((s) => attrOf(s, "type") === "pty"),
    guestAgent: asArray(d["channel"]).some((c) => attrOf(asNode(c)["target"], "name") === GUEST_AGENT_CHANNEL),
    memballoon: readVirtioModel(d["memballoon"]),
    rng: readRng(d["rng"]),
  };
}
