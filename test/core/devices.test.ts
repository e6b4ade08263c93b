import test from "ava";
import { parseDevSevAccess, parseDevices } from "../../provider/core/parse/devices";

test("the /dev nodes present", (t) => {
  t.deepEqual(parseDevices("sev\nkvm\n"), { sev: true, kvm: true });
  t.deepEqual(parseDevices("kvm\n"), { sev: false, kvm: true });
});

test("who may open /dev/sev: mode, owner, group, the QEMU user and its groups", (t) => {
  t.deepEqual(parseDevSevAccess("mode 660 root kvm\nqemu-user libvirt-qemu\nqemu-groups libvirt-qemu kvm\n"), {
    mode: 0o660,
    owner: "root",
    group: "kvm",
    qemuUser: "libvirt-qemu",
    qemuGroups: ["libvirt-qemu", "kvm"],
  });
  t.deepEqual(parseDevSevAccess("mode 600 root root\n"), { mode: 0o600, owner: "root", group: "root", qemuUser: null, qemuGroups: [] });
  t.is(parseDevSevAccess(""), null, "no /dev/sev");
  t.is(parseDevSevAccess("stat: cannot statx '/dev/sev': No such file or directory\n"), null);
});
