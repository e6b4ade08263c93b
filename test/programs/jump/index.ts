/**
 * A hypervisor behind a jump host with a key of its own, and a guest on it. Credentials are given
 * as plain strings, as a careless program would: the provider must make them secret itself.
 * Config: sev:inventory, sev:host, sev:jump, sev:agent (the hypervisor logs in with ssh-agent).
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";

interface LabHost {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase: string;
  hostKeyFingerprint: string;
}

const config = new pulumi.Config("sev");
const hosts: LabHost[] = JSON.parse(readFileSync(config.require("inventory"), "utf8")).hosts;
const find = (name: string) => hosts.find((h) => h.name === name)!;
const hv = find(config.require("host"));
const jump = find(config.require("jump"));
const agent = config.getBoolean("agent") ?? false;

const host = new SevHost("hv", {
  address: hv.address,
  port: hv.port,
  user: hv.user,
  hostKeyFingerprint: hv.hostKeyFingerprint,
  ...(agent ? { useAgent: true } : { privateKey: readFileSync(hv.privateKeyPath, "utf8"), privateKeyPassphrase: hv.passphrase }),
  jumpHost: {
    address: jump.address,
    port: jump.port,
    user: jump.user,
    hostKeyFingerprint: jump.hostKeyFingerprint,
    privateKey: readFileSync(jump.privateKeyPath, "utf8"),
    privateKeyPassphrase: jump.passphrase,
  },
});

const flavor = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 1,
  memory: config.get("memory") ?? "2G",
  disk: 10,
  extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev" },
});

const guest = new SevGuest("behind-jump", { host, flavor, bootDisk: { path: "/var/lib/libvirt/images/behind-jump.qcow2" } });

export const state = guest.state;
