/**
 * A platform team's tool that embeds Pulumi (the Automation API) instead of running `pulumi`: an
 * inline program declaring a SevHost and a SevGuest, on a stack it creates or selects itself.
 *
 *   node index.js up|preview|refresh|destroy
 *
 * Host access from the environment: SEV_ADDRESS, SEV_PORT, SEV_USER, SEV_HOST_KEY (SHA256:…),
 * SEV_KEY_FILE, SEV_KEY_PASSPHRASE; the state backend from PULUMI_BACKEND_URL and
 * PULUMI_CONFIG_PASSPHRASE, as for the pulumi CLI.
 *
 * workDir is required: the engine starts the dynamic-provider plugin in the workspace's folder and
 * loads @pulumi/pulumi and pulumi-sev from its node_modules. Without it the workspace is a
 * temporary folder and every resource fails with "Cannot find module
 * '@pulumi/pulumi/cmd/dynamic-provider'". Here it is this tool's folder, where both are installed.
 */
import { readFileSync } from "fs";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The inline program: one host, one guest on it. */
async function program(): Promise<Record<string, unknown>> {
  const host = new SevHost("hv-1", {
    address: env("SEV_ADDRESS"),
    port: Number(process.env.SEV_PORT ?? "22"),
    user: process.env.SEV_USER ?? "root",
    hostKeyFingerprint: env("SEV_HOST_KEY"),
    privateKey: pulumi.secret(readFileSync(env("SEV_KEY_FILE"), "utf8")),
    privateKeyPassphrase: process.env.SEV_KEY_PASSPHRASE ? pulumi.secret(process.env.SEV_KEY_PASSPHRASE) : undefined,
  });
  const flavor = new SevFlavor("sev.small", {
    name: "sev.small",
    vcpus: 1,
    memory: "2G",
    disk: 10,
    extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev" },
  });
  const guest = new SevGuest("app-1", { host, flavor, bootDisk: { path: "/var/lib/libvirt/images/app-1.qcow2" } });
  return { ready: host.ready, guest: guest.name, state: guest.state };
}

export async function stackOf(stackName: string, workDir: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName, projectName: "sev-automation", program }, { workDir });
}

async function main(action: string): Promise<void> {
  const stack = await stackOf(process.env.SEV_STACK ?? "dev", __dirname);
  const onOutput = (s: string) => process.stdout.write(s);
  if (action === "up") await stack.up({ onOutput });
  else if (action === "preview") {
    const r = await stack.preview({ onOutput, expectNoChanges: process.env.SEV_EXPECT_NO_CHANGES === "1" });
    console.log(`changes: ${JSON.stringify(r.changeSummary)}`);
  } else if (action === "refresh") await stack.refresh({ onOutput });
  else if (action === "destroy") await stack.destroy({ onOutput });
  else throw new Error(`usage: node index.js up|preview|refresh|destroy (not ${JSON.stringify(action)})`);
}

if (require.main === module) {
  main(process.argv[2] ?? "").catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
