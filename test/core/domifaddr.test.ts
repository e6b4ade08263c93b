import test from "ava";
import { parseDomIfAddr } from "../../provider/core/parse/domifaddr";
import { fixture } from "./fixtures";

test("virsh domifaddr --source agent, as libvirt 11.3's virsh prints it: the interface, its MAC and both addresses; loopback left out", (t) => {
  t.deepEqual(parseDomIfAddr(fixture("domifaddr", "agent_lab-libvirt-11.3.txt")), [
    {
      name: "eth0",
      mac: "52:54:00:8c:00:69",
      addresses: [
        { type: "ipv4", address: "192.168.122.107", prefix: 24 },
        { type: "ipv6", address: "fe80::5054:ff:fe8c:69", prefix: 64 },
      ],
    },
  ]);
});

test("several interfaces: each continuation row ('-' for name and MAC) belongs to the interface above it", (t) => {
  const rows = [
    " eth0       52:54:00:8E:0F:6B    ipv4         192.168.122.100/24",
    " -          -                    ipv6         fe80::5054:ff:fe8e:f6b/64",
    " eth1       52:54:00:12:34:56    ipv4         10.0.5.7/16",
  ];
  t.deepEqual(parseDomIfAddr(rows.join("\n")), [
    {
      name: "eth0",
      mac: "52:54:00:8e:0f:6b",
      addresses: [
        { type: "ipv4", address: "192.168.122.100", prefix: 24 },
        { type: "ipv6", address: "fe80::5054:ff:fe8e:f6b", prefix: 64 },
      ],
    },
    { name: "eth1", mac: "52:54:00:12:34:56", addresses: [{ type: "ipv4", address: "10.0.5.7", prefix: 16 }] },
  ]);
});

test("virsh domifaddr with no address yet, or an error: no interfaces", (t) => {
  t.deepEqual(
    parseDomIfAddr(
      " Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n\n",
    ),
    [],
  );
  t.deepEqual(parseDomIfAddr("error: Guest agent is not responding: QEMU guest agent is not connected\n"), []);
  t.deepEqual(parseDomIfAddr(""), []);
});
