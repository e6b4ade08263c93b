/**
 * The guest owner's flow, in two `pulumi up`s (README: "The guest owner's secret"):
 *
 * 1. The owner fetches the host's platform identity (`pulumi stack output platform`: PDH and
 *    certificate chain), checks the chain up to AMD's root, and makes a launch session for it
 *    (e.g. `sevctl session`), giving its blobs as config: sev:dhCert and sev:session (base64).
 *    `pulumi up` defines the SEV-ES guest and launches it paused: nothing of it has run yet.
 * 2. The owner reads `pulumi stack output launch`, checks the measurement against what the firmware,
 *    policy and session should give (e.g. `sevctl measurement build`), and only then wraps a secret
 *    for this launch (e.g. `sevctl secret build`) and gives it as a secret config:
 *    `pulumi config set --secret sev:launchSecret '{"header":"...","secret":"..."}'`.
 *    The next `pulumi up` injects it (virsh domsetlaunchsecstate) and the guest starts running.
 *
 * The secret is a Pulumi secret from config to provider: it is never in state or logs in plain text.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import type { LaunchSecret } from "pulumi-sev/core";
import { inventoryHost } from "../lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.get("host") ?? "rome";
const host = new SevHost(hostName, inventoryHost(hostName));

const flavor = new SevFlavor("sev-es.sealed", {
  name: "sev-es.sealed",
  vcpus: 2,
  memory: "4G",
  disk: 20,
  extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" },
});

const sealed = new SevGuest("sealed-1", {
  host,
  flavor,
  bootDisk: { path: "/var/lib/libvirt/images/sealed-1.qcow2" },
  startPaused: true,
  launchSecurity: { dhCert: config.get("dhCert"), session: config.get("session") },
  launchSecret: config.getSecretObject<LaunchSecret>("launchSecret"),
});

/** What the owner verifies before providing the secret. */
export const launch = pulumi
  .all([sealed.state, sealed.launchMeasurement, sealed.launchSecretInjected])
  .apply(([state, measurement, injected]) => ({ state, measurement, injected }));
/** What the owner makes the launch session for. */
export const platform = host.platform;
