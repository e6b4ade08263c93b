/**
 * Warnings from inside the provider. The Node.js dynamic provider is not connected to the engine's
 * log (pulumi/pulumi#6065), though the engine passes its address as the provider process's first
 * argument: a warning goes there, attached to the resource, so the CLI shows it under that
 * resource. Outside a provider process (sev-capacity, tests) it goes to stderr.
 */
import type { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";

const WARNING = 2; // pulumirpc.LogSeverity.WARNING

function engineAddress(): string | undefined {
  return /dynamic-provider/.test(process.argv[1] ?? "") ? process.argv[2] : undefined;
}

function engine(): EngineClient | undefined {
  const address = engineAddress();
  if (!address) return undefined;
  // Loaded only here: the rest of the effects run without the Pulumi SDK (sev-capacity).
  const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { options: { engineAddr?: string } } } };
  const options = getStore().settings.options;
  if (!options.engineAddr) options.engineAddr = address;
  return (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).runtime.getEngine() as EngineClient | undefined;
}

export async function warn(message: string, urn?: string): Promise<void> {
  const client = engine();
  if (!client) {
    process.stderr.write(`warning: ${message}\n`);
    return;
  }
  const { LogRequest } = require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
  const request = new LogRequest()
    .setSeverity(WARNING)
    .setMessage(message)
    .setUrn(urn ?? "");
  await new Promise<void>((resolve) => client.log(request, () => resolve()));
}
