/**
 * Hosts named as an operator's ~/.ssh/config names them: nothing about how to reach them is in
 * the program but the alias and the key's passphrase. Config: sev:sshConfig (the file),
 * sev:passphrase (secret), sev:direct and sev:behind (the aliases).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";

const config = new pulumi.Config("sev");
const sshConfig = config.require("sshConfig");
const privateKeyPassphrase = config.requireSecret("passphrase");

const direct = new SevHost("direct", { address: config.require("direct"), sshConfig, privateKeyPassphrase });
const behind = new SevHost("behind", { address: config.require("behind"), sshConfig, privateKeyPassphrase });

const flavor = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 1,
  memory: "2G",
  disk: 10,
  extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev" },
});

const guest = new SevGuest("via-config", { host: behind, flavor, bootDisk: { path: "/var/lib/libvirt/images/via-config.qcow2" } });

export const resolved = { direct: direct.sshConfigResolved, behind: behind.sshConfigResolved };
export const ready = { direct: direct.ready, behind: behind.ready };
export const state = guest.state;
