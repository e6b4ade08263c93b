import test from "ava";
import { parseNodeSevInfo } from "../../provider/core/parse/nodesevinfo";

test("virsh nodesevinfo's fields, as virsh prints them", (t) => {
  const out = [
    "pdh               : UERIIGNlcnQ=",
    "cert-chain        : Q0VSVCBDSEFJTg==",
    "cpu0-id           : Y3B1MA==",
    "cbitpos           : 51",
    "reduced-phys-bits : 1",
    "max-guests        : 509",
    "max-es-guests     : 0",
    "",
  ].join("\n");
  t.deepEqual(parseNodeSevInfo(out), {
    platform: { pdh: "UERIIGNlcnQ=", certChain: "Q0VSVCBDSEFJTg==", cpu0Id: "Y3B1MA==", cbitpos: 51, reducedPhysBits: 1, maxGuests: 509, maxESGuests: 0 },
    error: null,
  });
});

test("an older libvirt without the guest counts and cpu0-id gives nulls", (t) => {
  const r = parseNodeSevInfo("pdh               : QQ==\ncert-chain        : Qg==\ncbitpos           : 47\nreduced-phys-bits : 1\n");
  t.deepEqual(r.platform, { pdh: "QQ==", certChain: "Qg==", cpu0Id: null, cbitpos: 47, reducedPhysBits: 1, maxGuests: null, maxESGuests: null });
});

test("virsh's error is kept, on one line", (t) => {
  const r = parseNodeSevInfo("error: Unable to get host SEV information\nerror: Operation not supported: QEMU does not support SEV guest\n");
  t.deepEqual(r, { platform: null, error: "error: Unable to get host SEV information; error: Operation not supported: QEMU does not support SEV guest" });
  t.deepEqual(parseNodeSevInfo(""), { platform: null, error: "virsh nodesevinfo printed nothing" });
});
