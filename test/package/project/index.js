// An operator's program, as it would sit in their own infra repo: pulumi-sev comes from
// node_modules (installed from its tarball), the host's access from stack config. The guests
// (default one, app-1) and an optional SEV slot cap come from config too, so that the CI example's
// tests can make a pull request that over-commits.
"use strict";
const pulumi = require("@pulumi/pulumi");
const { SevFlavor, SevGuest, SevHost } = require("pulumi-sev");

const config = new pulumi.Config("sev");
const maxGuests = config.getNumber("maxGuests");
const host = new SevHost("hv-1", {
  address: config.require("address"),
  port: config.requireNumber("port"),
  user: config.require("user"),
  privateKey: config.requireSecret("privateKey"),
  privateKeyPassphrase: config.requireSecret("passphrase"),
  hostKeyFingerprint: config.require("hostKeyFingerprint"),
  memoryLimit: { reserve: "16G" },
  ...(maxGuests === undefined ? {} : { maxGuests: { sev: maxGuests } }),
});

const flavor = new SevFlavor("sev.small", {
  name: "sev.small",
  vcpus: 2,
  memory: config.get("memory") ?? "4G",
  disk: 20,
  extraSpecs: { "hw:mem_encryption": "true", "hw:mem_encryption_model": "amd-sev" },
});

const guests = config.getObject("guests") ?? ["app-1"];
exports.guests = guests.map((name) => new SevGuest(name, { host, flavor, bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` } }).name);
exports.ready = host.ready;
