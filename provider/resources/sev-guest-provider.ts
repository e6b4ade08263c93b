/** The SevGuest dynamic provider (loaded by package name from the serialized provider, see delegate.ts). */
import type * as pulumi from "@pulumi/pulumi";
import { SevGuestInputs } from "../generated/sev-guest";
import { validateFlavor } from "../core/flavor";
import { guestProblems, ProviderInputs } from "../guest/inputs";
import { adoptionOf, collisionAtPreview, createGuest, deleteGuest, readGuest, SevGuestOutputs, updateGuest, uuidOf } from "../guest/operations";
import { refusalAtPreview, refusalOfReplacement } from "../guest/admission";
import { LeftOnHost } from "../guest/left-on-host";
import { SshError } from "../effects/ssh";
import { warn } from "../effects/engine-log";
import { unreachableWarning } from "../core/unreachable";
import { inspectRecent } from "../host/recent";
import { hostLabel } from "../host/target";
import { createdPaths, guestDisks } from "../core/disks";
import { diskProblems } from "../guest/disks";
import { changedKeys, checkFailures, same, userInputs } from "./inputs";
import { checkedConnection, checkedInputs, reachOf, stored, whereOf } from "../guest/stored";
import schema from "../../schema/sev-guest.schema.json";

/**
 * adopt only says how the guest comes to exist (it is judged at create), startPaused and
 * launchSecret only a launch: alone they change nothing (a paused guest awaiting its secret is the
 * exception, see diff), as the class's internal inputs (slotPlan, deleteBeforeReplace), which only
 * inform the slot judgement.
 */
const NOTHING_ALONE: (keyof SevGuestInputs)[] = ["adopt", "startPaused", "launchSecret"];
const inputKeys = (Object.keys(schema.properties) as (keyof SevGuestInputs)[]).filter((k) => !NOTHING_ALONE.includes(k));

function modelOf(g: SevGuestInputs): string | null {
  const r = g.flavor ? validateFlavor(g.flavor, g.image) : null;
  return r && r.ok ? r.resolved.model : null;
}

/**
 * Another machine or another domain name is another guest. So is another root disk from an image,
 * other data disks, other cloud-init data (cloud-init runs once per instance) or another place for
 * the files up makes: the guest is made anew with them. A larger flavor disk grows a root disk
 * made from an image through replacement too; a smaller one is refused (diff).
 */
function replacements(olds: SevGuestOutputs, news: SevGuestInputs): string[] {
  const r: string[] = [];
  if (!same(olds.host?.address, news.host?.address) || !same(olds.host?.port, news.host?.port)) r.push("host");
  if (olds.name !== news.name) r.push("name");
  if (olds.bootDisk === undefined || news.bootDisk === undefined) return r;
  const madeFromImage = olds.bootDisk.image !== undefined || news.bootDisk.image !== undefined;
  if (madeFromImage && !same(olds.bootDisk, news.bootDisk)) r.push("bootDisk");
  if (!same(olds.dataDisks, news.dataDisks)) r.push("dataDisks");
  if (!same(olds.cloudInit, news.cloudInit)) r.push("cloudInit");
  if (!same(createdPaths(guestDisks(olds, 0)), createdPaths(guestDisks(news, 0)))) r.push("imagesDir");
  if (news.bootDisk.image !== undefined && rootDiskGiB(olds) !== rootDiskGiB(news)) r.push("flavor");
  return r;
}

function rootDiskGiB(g: SevGuestInputs): number | null {
  const f = g.flavor ? validateFlavor(g.flavor, g.image) : null;
  return f && f.ok ? f.resolved.diskGiB : null;
}

/** A root disk made from an image cannot shrink: its file system may use every byte. */
function shrinkRefusal(olds: SevGuestOutputs, news: SevGuestInputs): string | null {
  const [was, now] = [rootDiskGiB(olds), rootDiskGiB(news)];
  if (news.bootDisk?.image === undefined || olds.bootDisk?.image === undefined || was === null || now === null) return null;
  if (was === 0 || now === 0 || now >= was) return null;
  return (
    `${hostLabel(news.host)}: guest ${news.name}: the flavor's disk would shrink its root disk from ${was} GiB to ${now} GiB: ` +
    `a disk made from an image is never shrunk (its file system may use every byte). Fix: keep a flavor with a disk of at least ${was} GiB, or replace the guest under another name`
  );
}

/**
 * What the program declares about the guest's run state, against the refreshed state: a guest
 * declared to run (start, the default) that is shut off or crashed (a host reboot, a hand's
 * virsh destroy) is started by an update, one left half made by a failed run ("unknown") is taken
 * over. A paused guest is its owner's (its launch secret resumes it), start: false is left alone.
 */
function stateToConverge(olds: SevGuestOutputs, news: SevGuestInputs): boolean {
  if (olds.state === "unknown") return true;
  return (news.start ?? true) && (olds.state === "shut off" || olds.state === "crashed");
}

/** A refresh that cannot reach the guest's host keeps what the state says (an empty read would forget the guest). */
async function keptUnread(err: Error, props: SevGuestOutputs): Promise<SevGuestOutputs> {
  if (!(err as SshError).unreachable) throw err;
  await warn(unreachableWarning(hostLabel(props.host), err.message, "refresh"), props.owner?.urn);
  return props;
}

/**
 * The dynamic provider protocol's "initialization failure" (grpcResponseFromError in
 * @pulumi/pulumi/cmd/dynamic-provider): an error with id and properties makes the engine record
 * the resource as created, with these outputs and the reasons, instead of forgetting it.
 */
function toInitFailure(err: Error): never {
  if (!(err instanceof LeftOnHost)) throw err;
  throw Object.assign(new Error(err.message), { id: err.uuid, properties: stored(err.outputs), reasons: [err.message] });
}

/**
 * The host's connection for a guest's diff, create or update: the one its check was given in this
 * process; inputs that still carry the whole connection (a caller that did not check) carry it;
 * else, on the same host, the one the guest's outputs keep.
 */
function connectionFor(checked: SevGuestInputs, olds?: SevGuestOutputs): SevGuestInputs["host"] {
  const given = checked.host;
  const whole = given !== undefined && Object.keys(given).some((k) => k !== "address" && k !== "port");
  const onSameHost = olds?.host !== undefined && same(whereOf(olds.host), given === undefined ? undefined : whereOf(given));
  const host = checkedConnection(checked) ?? (whole ? given : onSameHost ? olds!.host : undefined);
  if (!host) throw new Error(`pulumi-sev: guest ${checked.name}: its host's connection was not given to this run's check`);
  return host;
}

export const sevGuestProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const inputs = userInputs(news);
    const problems = guestProblems(inputs);
    const guest = inputs as unknown as ProviderInputs;
    const previous = userInputs(olds ?? {}) as unknown as SevGuestOutputs;
    // Adoption is judged whenever this run would create the domain (a new resource, or a replacement).
    const creates = replacements(previous, guest).length > 0;
    // A guest that keeps its host, name and SEV model already holds its slot: preview need not ask
    // its host (a hung host then holds up only what changes on it).
    if (problems.length === 0 && (creates || modelOf(previous) !== modelOf(guest))) {
      const host = await inspectRecent(guest.host);
      const adoption = guest.adopt && creates ? await adoptionOf(guest, host) : null;
      if (adoption && !adoption.ok) {
        // The whole story: a slot count would rest on a domain that is not taken over.
        problems.push({ property: "adopt", reason: adoption.refusal });
      } else {
        const refusal = (creates && !guest.adopt ? collisionAtPreview(guest, host) : null) ?? refusalAtPreview(guest, host);
        if (refusal) problems.push({ property: "host", reason: refusal });
        // A new domain's disks must be there (or be the files up may create): a start that cannot open them fails last, on a counted slot.
        else if (creates && !guest.adopt) problems.push(...(await diskProblems(guest, uuidOf(guest))));
      }
    }
    // The slot plan has served here: it is not stored, so the guest's state does not depend on it.
    // Nor is the host's connection, which the SevHost keeps: the guest's create, diff and update
    // take it from this check (guest/stored.ts), its outputs keep what refresh and delete need.
    const { slotPlan: _served, ...kept } = checkedInputs(inputs);
    return { inputs: kept, failures: checkFailures(problems) };
  },

  async diff(_id: string, olds: SevGuestOutputs, checked: ProviderInputs): Promise<pulumi.dynamic.DiffResult> {
    const news = { ...checked, host: connectionFor(checked, olds) };
    // The host as the guest's outputs keep it (reachOf): a new key or address updates them, a SevHost-only setting (memoryLimit) does not.
    const changed = changedKeys(inputKeys, { ...olds, host: reachOf(olds.host) } as SevGuestInputs, { ...news, host: reachOf(news.host) });
    const drifted = (olds.drift ?? []).length > 0;
    // The owner has checked the measurement of the paused guest and now gives its secret.
    const secretDue = olds.state === "paused" && !olds.launchSecretInjected && news.launchSecret !== undefined;
    const shrink = shrinkRefusal(olds, news);
    if (shrink) throw new Error(shrink);
    const replaces = replacements(olds, news);
    if (replaces.length > 0) {
      const refusal = refusalOfReplacement(news, !replaces.includes("host"), await inspectRecent(news.host));
      if (refusal) throw new Error(refusal);
    }
    return {
      changes: changed.length > 0 || drifted || secretDue || stateToConverge(olds, news),
      replaces,
      deleteBeforeReplace: news.deleteBeforeReplace ?? false,
    };
  },

  async create(checked: SevGuestInputs): Promise<pulumi.dynamic.CreateResult> {
    const outs = await createGuest({ ...checked, host: connectionFor(checked) }).catch(toInitFailure);
    return { id: outs.uuid, outs: stored(outs) };
  },

  async read(id: string, props: SevGuestOutputs): Promise<pulumi.dynamic.ReadResult> {
    const outs = await readGuest(id, props).catch((err: Error) => keptUnread(err, props));
    return outs ? { id: outs.uuid, props: stored(outs) } : {};
  },

  async update(_id: string, olds: SevGuestOutputs, checked: SevGuestInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: stored(await updateGuest(olds, { ...checked, host: connectionFor(checked, olds) }).catch(toInitFailure)) };
  },

  async delete(_id: string, props: SevGuestOutputs): Promise<void> {
    await deleteGuest(props);
  },
};
