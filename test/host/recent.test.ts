import test from "ava";
import { probeKey } from "../../provider/host/recent";

test("the preview probe cache tells apart hosts with one private address behind different jump hosts", (t) => {
  const host = { address: "10.0.0.5", port: 22, user: "root" };
  const viaA = probeKey({ ...host, jumpHost: { address: "bastion-a.example", port: 22, user: "ops" } });
  const viaB = probeKey({ ...host, jumpHost: { address: "bastion-b.example", port: 22, user: "ops" } });
  t.not(viaA, viaB);
  t.not(probeKey(host), viaA);
  t.is(probeKey({ ...host, privateKey: "k1" }), probeKey({ ...host, privateKey: "k2" }), "credentials do not make it another machine");
});
