/** The run's slot plans (guest/plans.ts): what a guest's check counts it with at preview. */
import test from "ava";
import { plannedWith, rememberPlan } from "../../provider/guest/plans";
import { SlotRequest } from "../../provider/core/slots";

const req = (name: string, extra: Partial<SlotRequest> = {}): SlotRequest => ({ name, urn: `urn:${name}`, model: "sev", ...extra });

test("without its host's plan a guest is counted alone", (t) => {
  t.deepEqual(plannedWith(undefined, req("g1")), [req("g1")]);
  t.deepEqual(plannedWith("urn:host-without-plan", req("g1")), [req("g1")]);
});

test("with its host's plan a guest is counted with every guest of the plan, in declaration order, as its own check sees it", (t) => {
  rememberPlan("urn:host-a", [req("g1"), req("g2"), req("g3")]);
  t.deepEqual(plannedWith("urn:host-a", req("g2", { model: "sev-es" })), [req("g1"), req("g2", { model: "sev-es" }), req("g3")]);
});

test("a guest the plan does not list (declared after it was made) is counted after the others", (t) => {
  rememberPlan("urn:host-b", [req("g1")]);
  t.deepEqual(plannedWith("urn:host-b", req("late")), [req("g1"), req("late")]);
});

test("a host's plan checked again replaces the earlier one; other hosts' plans are apart", (t) => {
  rememberPlan("urn:host-c", [req("g1"), req("g2")]);
  rememberPlan("urn:host-c", [req("g2")]);
  rememberPlan("urn:host-d", [req("x1")]);
  t.deepEqual(plannedWith("urn:host-c", req("g2")), [req("g2")]);
  t.deepEqual(plannedWith("urn:host-d", req("x2")), [req("x1"), req("x2")]);
});
