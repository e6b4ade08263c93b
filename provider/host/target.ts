/** From SevHost inputs to an SSH target: defaults in one place. */
import { SevHostInputs, SshEndpoint as EndpointInputs } from "../generated/sev-host";
import { SshEndpoint, SshTarget } from "../effects/ssh";

export const DEFAULTS = {
  port: 22,
  user: "root",
  libvirtUri: "qemu:///system",
  connectTimeoutSeconds: 15,
  commandTimeoutSeconds: 120,
  lockWaitSeconds: 120,
  sliceProperty: "MemoryMax",
} as const;

function endpoint(e: EndpointInputs): SshEndpoint {
  return {
    host: e.address,
    port: e.port ?? DEFAULTS.port,
    user: e.user ?? DEFAULTS.user,
    privateKey: e.privateKey,
    passphrase: e.privateKeyPassphrase,
    useAgent: e.useAgent,
    hostKey: { fingerprint: e.hostKeyFingerprint, knownHosts: e.knownHosts, trustUnknown: e.trustUnknownHostKey },
  };
}

/** A jump host without credentials of its own uses the hypervisor's (as ssh -J does with one key). */
function withInheritedCredentials(jump: EndpointInputs, inputs: SevHostInputs): EndpointInputs {
  if (jump.privateKey || jump.useAgent) return jump;
  return { ...jump, privateKey: inputs.privateKey, privateKeyPassphrase: inputs.privateKeyPassphrase, useAgent: inputs.useAgent };
}

export function targetOf(inputs: SevHostInputs): SshTarget {
  return {
    ...endpoint(inputs),
    jump: inputs.jumpHost ? endpoint(withInheritedCredentials(inputs.jumpHost, inputs)) : undefined,
    connectTimeoutMs: (inputs.connectTimeoutSeconds ?? DEFAULTS.connectTimeoutSeconds) * 1000,
    commandTimeoutMs: (inputs.commandTimeoutSeconds ?? DEFAULTS.commandTimeoutSeconds) * 1000,
  };
}

export function hostLabel(inputs: SevHostInputs): string {
  const port = inputs.port ?? DEFAULTS.port;
  return port === DEFAULTS.port ? inputs.address : `${inputs.address}:${port}`;
}
