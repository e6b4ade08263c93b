/**
 * Moving a resource onto the current serialized provider. The engine keeps the serialized provider
 * of a resource's last create or update in its state, and refresh and delete run that one. State
 * written by 0.1.0 names the code by an absolute path of the checkout that wrote it; such a
 * resource is updated once by the next `pulumi up` (from any checkout): nothing on the host
 * changes, only the state's provider reference, after which refresh and destroy work anywhere.
 * State written by 0.2.0 names the package through Pulumi's serialized closures (2.7 KB): its
 * resources are updated once the same way, and their outputs take the shape this version stores
 * (reshape: a guest's host reach and XML digest, a host's facts without the platform identity).
 */
import type * as pulumi from "@pulumi/pulumi";
import { userInputs } from "./inputs";

const PROVIDER_KEY = "__provider";

function providerMoved(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const before = olds[PROVIDER_KEY];
  const after = news[PROVIDER_KEY];
  return typeof before === "string" && typeof after === "string" && before !== after;
}

type Outputs = Record<string, unknown>;

export function migrating(impl: pulumi.dynamic.ResourceProvider, reshape: (outs: Outputs) => Outputs = (o) => o): pulumi.dynamic.ResourceProvider {
  const diffOf = async (id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> =>
    impl.diff ? impl.diff(id, olds, news) : { changes: true };
  return {
    ...impl,
    async diff(id, olds, news) {
      const d = await diffOf(id, olds, news);
      return d.changes === false && providerMoved(olds, news) ? { ...d, changes: true } : d;
    },
    async update(id, olds, news) {
      const d = await diffOf(id, olds, news);
      if (d.changes === false) return { outs: reshape(userInputs(olds)) };
      if (!impl.update) throw new Error("pulumi-sev: this resource cannot be updated in place");
      return impl.update(id, olds, news);
    },
  };
}
