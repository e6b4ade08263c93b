// An operator's program, as it would sit in their own infra repo: pulumi-sev comes from
// node_modules (installed from its tarball), the host's access from stack config.
"use strict";
const pulumi = require("@pulumi/pulumi");
const { SevFlavor, SevGuest, SevHost } = require("pulumi-sev");

const config = new pulumi.Config("sev");
const host = new SevHost("hv-1", {
  address: config.require("address"),
  port: config.requireNumber("port"),
  user: config.require("user"),
  privateKey: config.requireSecret("privateKey"),
  privateKeyPassphrase: config.requireSecret("passphrase"),
  hostKeyFingerprint: config.require("hostKeyFingerprint"),
  memoryLimit: { reserve: "16G" },
});

const flavor = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 2,
  memory: config.get("memory") ?? "4G",
  disk: 20,
  extraSpecs: { "hw:mem_encryption": "true", "hw:mem_encryption_model": "amd-sev" },
});

const guest = new SevGuest("app-1", {
  host,
  flavor,
  bootDisk: { path: "/var/lib/libvirt/images/app-1.qcow2" },
});

exports.guest = { name: guest.name, state: guest.state, model: guest.model };
exports.ready = host.ready;
