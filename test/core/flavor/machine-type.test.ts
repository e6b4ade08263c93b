import test from "ava";
import { flavor, hasProblem, ok, problems } from "./helpers";

test("q35 machines are accepted, versioned ones kept as given", (t) => {
  t.is(ok(t, flavor({ "pulumi-sev:machine_type": "pc-q35-8.2" })).machineType, "pc-q35-8.2");
  t.is(ok(t, flavor(), { hw_machine_type: "q35" }).machineType, "q35");
});

test("a machine type that is not q35 is refused, from the flavor or the image", (t) => {
  hasProblem(
    t,
    problems(t, flavor({ "pulumi-sev:machine_type": "pc-i440fx-8.2" })),
    "extraSpecs.pulumi-sev:machine_type",
    /pc-i440fx-8\.2 is not a q35 machine.*virtio 1\.0.*iommu_platform/,
  );
  hasProblem(t, problems(t, flavor(), { hw_machine_type: "pc" }), "image.hw_machine_type", /^hw_machine_type pc is not a q35 machine/);
});
