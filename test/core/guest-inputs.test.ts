import test from "ava";
import { guestProblems } from "../../provider/guest/inputs";

const base = {
  host: { address: "hv-1.example.net", useAgent: true, hostKeyFingerprint: "SHA256:" + "A".repeat(43) },
  flavor: { name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } },
  name: "g1",
  owner: { project: "p", stack: "s", urn: "urn:pulumi:s::p::t::g1" },
};

for (const bad of ["/var/lib/libvirt/images/a\u0001.qcow2", "/images/a\tb.qcow2", "/images/a\rb", "/images/a\u007fb", "/images/a\nb"]) {
  test(`a control character in bootDisk.path is refused at check: ${JSON.stringify(bad)}`, (t) => {
    const problems = guestProblems({ ...base, bootDisk: { path: bad } });
    t.true(
      problems.some((p) => p.property === "bootDisk.path"),
      JSON.stringify(problems),
    );
  });
}

test("an ordinary path with spaces and quotes passes the schema (it reaches libvirt as XML, never a shell)", (t) => {
  t.deepEqual(guestProblems({ ...base, bootDisk: { path: "/var/lib/libvirt/images/team's disk.qcow2" } }), []);
});
