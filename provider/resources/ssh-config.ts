/** SevHost's sshConfig in the program: the file's inputs under the explicit ones, resolved when the alias is known. */
import * as pulumi from "@pulumi/pulumi";
import { SevHostInputs } from "../generated/sev-host";
import { FromSshConfig, fromSshConfig } from "../host/ssh-config";

type Args = { [K in keyof SevHostInputs]?: pulumi.Input<SevHostInputs[K]> };

/** Keys the file may fill, with whether their value is a secret. */
const FILLED: [keyof FromSshConfig & keyof SevHostInputs, boolean][] = [
  ["address", false],
  ["port", false],
  ["user", false],
  ["privateKey", true],
  ["knownHosts", false],
  ["trustUnknownHostKey", false],
  ["jumpHost", false],
  ["sshConfigResolved", false],
];

/**
 * The args with every input the file gives and the program does not, as outputs of the lookup.
 * The key read through IdentityFile is a secret from the start, as are the jump host's credentials
 * (withSecrets, after this, marks them at any depth).
 */
export function withSshConfig<T extends Args>(args: T): T {
  if (args.sshConfig === undefined || args.sshConfig === false) return args;
  const given = (k: keyof SevHostInputs) => args[k] !== undefined;
  const lookup = pulumi.all([args.address, args.sshConfig, args.port, args.user]).apply(([address, sshConfig, port, user]) =>
    sshConfig === false || sshConfig === undefined
      ? null
      : fromSshConfig({
          address: address as string,
          sshConfig,
          port,
          user,
          given: {
            privateKey: given("privateKey"),
            hostKey: given("hostKeyFingerprint") || given("knownHosts"),
            trustUnknownHostKey: given("trustUnknownHostKey"),
            jumpHost: given("jumpHost"),
          },
        }),
  );
  const out: Args = { ...args };
  for (const [key, secret] of FILLED) {
    if (key !== "address" && key !== "sshConfigResolved" && given(key)) continue;
    const value =
      key === "address"
        ? lookup.apply((r) => r?.address ?? args.address)
        : key === "jumpHost"
          ? jumpOf(lookup, args.privateKeyPassphrase)
          : lookup.apply((r) => r?.[key]);
    (out as Record<string, unknown>)[key] = secret ? value.apply((v) => (v === undefined ? undefined : pulumi.secret(v))) : value;
  }
  return out as T;
}

/** The jump host's key read through its IdentityFile is opened with the hypervisor's passphrase (one passphrase for the file's keys). */
function jumpOf(lookup: pulumi.Output<FromSshConfig | null>, passphrase: pulumi.Input<string | undefined> | undefined): pulumi.Output<unknown> {
  return pulumi.all([lookup, passphrase]).apply(([r, p]) => {
    const jump = r?.jumpHost;
    return jump?.privateKey && p !== undefined ? { ...jump, privateKeyPassphrase: p } : jump;
  });
}
