#!/usr/bin/env python3
"""Lab edge: the QEMU process of a QEMU-driver lab host (never on a real host).

This machine cannot run an SEV guest, so the lab's libvirtd is given this program as its
qemu-system-x86_64. It speaks QMP on the sockets libvirt asks for:

- Capability probe (`-machine none`): the answers a real QEMU binary gave libvirt's own probe,
  from a libvirt test-suite replies file (tests/qemucapabilitiesdata/caps_*.replies), matched by
  command and arguments. The profile's QEMU version and SEV platform replace the recorded ones
  (query-version, query-sev-capabilities, the sev-snp-guest type), so one file serves several hosts.
- A guest: the command line libvirt built is recorded (state/qemu/NAME.argv); SEV firmware is
  simulated (ASID pools that can be full, the launch measurement, the injected launch secret);
  the monitor answers the conversation libvirt has with a running guest.

Usage: fake-qemu.py CONFIG.json QEMU-ARGS...   (CONFIG is written by lab/qemu-host.ts)
"""
import fcntl
import json
import os
import pty
import select
import signal
import socket
import sys
import time

CONFIG = json.load(open(sys.argv[1]))
ARGS = sys.argv[2:]


def opt(name):
    """Values of a QEMU option (-name VALUE), in order."""
    return [ARGS[i + 1] for i, a in enumerate(ARGS[:-1]) if a == name]


def kv(value):
    """QEMU's key=value,key=value option syntax (a leading bare word is 'type')."""
    out = {}
    for n, part in enumerate(value.split(",")):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
        elif n == 0:
            out["type"] = part
    return out


def load_replies(path, tcg):
    """The recorded conversation: {key of command: reply} for the kvm pass (first) or tcg pass."""
    text = open(path).read()
    dec = json.JSONDecoder()
    objs, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        objs.append(obj)
    passes, current, pending = [], None, None
    for obj in objs:
        if "execute" in obj:
            if obj["execute"] == "qmp_capabilities":
                current = {}
                passes.append(current)
            pending = obj
        elif pending is not None:
            current[command_key(pending)] = obj
            pending = None
    return passes[min(1 if tcg else 0, len(passes) - 1)]


def command_key(cmd):
    return json.dumps([cmd["execute"], cmd.get("arguments")], sort_keys=True)


def version_reply():
    major, minor, micro = (int(x) for x in CONFIG["qemuVersion"].split("."))
    return {"qemu": {"major": major, "minor": minor, "micro": micro}, "package": ""}


def sev_capabilities():
    sev = CONFIG.get("sev")
    if not sev:
        return {"error": {"class": "GenericError", "desc": "SEV: Failed to open /dev/sev: No such file or directory"}}
    caps = {"pdh": sev["pdh"], "cert-chain": sev["certChain"], "cbitpos": sev["cbitpos"], "reduced-phys-bits": sev["reducedPhysBits"]}
    if sev.get("cpu0Id"):
        caps["cpu0-id"] = sev["cpu0Id"]
    return {"return": caps}


def probe_answer(replies, cmd):
    name = cmd["execute"]
    if name == "query-version":
        return {"return": version_reply()}
    if name == "query-sev-capabilities":
        return sev_capabilities()
    reply = replies.get(command_key(cmd))
    if reply is None:
        return {"error": {"class": "CommandNotFound", "desc": f"The command {name} has not been found"}}
    reply = {k: v for k, v in reply.items() if k != "id"}
    if name == "qom-list-types" and "return" in reply and CONFIG.get("sevSnpGuest") is not None:
        types = [t for t in reply["return"] if t.get("name") != "sev-snp-guest"]
        if CONFIG["sevSnpGuest"]:
            types.append({"name": "sev-snp-guest", "parent": "sev-common"})
        reply["return"] = types
    return reply


class Monitor:
    """One QMP connection: greeting, then a command per line, replies and events."""

    def __init__(self, conn, answer):
        self.conn, self.answer, self.buf = conn, answer, b""

    def send(self, obj):
        try:
            self.conn.sendall(json.dumps(obj).encode() + b"\r\n")
        except OSError:
            pass

    def greet(self):
        v = version_reply()
        self.send({"QMP": {"version": v, "capabilities": ["oob"]}})

    def readable(self):
        data = self.conn.recv(65536)
        if not data:
            return False
        self.buf += data
        dec = json.JSONDecoder()
        while True:
            text = self.buf.decode(errors="replace").lstrip("\ufffd \r\n\t")  # the agent's 0xff sync bytes
            if not text:
                self.buf = b""
                break
            try:
                cmd, end = dec.raw_decode(text)
            except ValueError:
                break
            self.buf = text[end:].encode()
            reply = self.answer(cmd, self)
            if reply is not None:
                if "id" in cmd:
                    reply = dict(reply, id=cmd["id"])
                self.send(reply)
        return True

    def event(self, name, data=None):
        now = time.time()
        ev = {"event": name, "timestamp": {"seconds": int(now), "microseconds": int(now % 1 * 1e6)}}
        if data is not None:
            ev["data"] = data
        self.send(ev)


def listening_socket(spec):
    """The listening socket of `-qmp unix:PATH,server…` or `-chardev socket,…,fd=N|path=P,server=on`."""
    if spec.get("fd"):
        return socket.socket(fileno=int(spec["fd"]))
    path = spec.get("path")
    if path is None:
        return None
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(4)
    return s


def serve(services):
    """Serves each listening socket's connections until quit: {socket: (answer, greet)}; answer None: accepted, kept idle."""
    monitors, idle = {}, []
    services = {s: v for s, v in services.items() if s is not None}
    while True:
        ready, _, _ = select.select(list(services) + list(monitors), [], [], 5)
        for s in ready:
            if s in services:
                conn, _ = s.accept()
                answer, greet = services[s]
                if answer is None:
                    idle.append(conn)
                    continue
                m = Monitor(conn, answer)
                monitors[conn] = m
                if greet:
                    m.greet()
            elif not monitors[s].readable():
                del monitors[s]
                s.close()


def daemonize_to(pidfile):
    """-daemonize: the parent returns once the child is up; output to /dev/null (libvirt reads stderr to its end)."""
    r, w = os.pipe()
    if os.fork():
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
    os.setsid()
    if os.fork():
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    write_pidfile(pidfile)
    return w


def write_pidfile(pidfile):
    if pidfile:
        with open(pidfile, "w") as f:
            f.write(f"{os.getpid()}\n")


def probe():
    machine = kv(opt("-machine")[0] if opt("-machine") else "none")
    replies = load_replies(CONFIG["replies"], tcg=machine.get("accel") == "tcg")
    qmp = opt("-qmp")[0]
    spec = kv(qmp)
    listener = listening_socket({"path": spec["type"].split(":", 1)[1]} if spec["type"].startswith("unix:") else spec)
    ready = daemonize_to(opt("-pidfile")[0] if opt("-pidfile") else None) if "-daemonize" in ARGS else None
    if ready is not None:
        os.write(ready, b"1")
        os.close(ready)

    def answer(cmd, mon):
        if cmd["execute"] == "quit":
            mon.send({"return": {}, "id": cmd.get("id")})
            os._exit(0)
        return probe_answer(replies, cmd)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve({listener: (answer, True)})


# --- a guest ---------------------------------------------------------------------------------------

def guest_name():
    names = opt("-name")
    spec = kv(names[0]) if names else {}
    return spec.get("guest") or spec.get("type") or "guest"


def launch_object():
    """The sev-guest / sev-snp-guest object of the command line (JSON or key=value syntax), or None."""
    for value in opt("-object"):
        obj = json.loads(value) if value.startswith("{") else dict(kv(value), **{"qom-type": kv(value)["type"]})
        if obj.get("qom-type") in ("sev-guest", "sev-snp-guest"):
            return obj
    return None


def pool_of(obj):
    if obj is None:
        return None
    pools = CONFIG["pools"]
    if obj["qom-type"] == "sev-snp-guest":
        return pools["sev-snp"]
    return pools["sev-es"] if int(obj.get("policy", 0)) & 4 else pools["sev"]


def pool_capacity():
    """ASIDs per pool: the misc cgroup's capacity (misc.capacity: "sev 59"), else the CPU's counts."""
    try:
        with open(CONFIG["capacityFile"]) as f:
            return {k: int(v) for k, v in (line.split() for line in f if line.strip())}
    except (OSError, ValueError):
        return CONFIG["capacity"]


def take_asid(pool):
    """Simulated SEV firmware: a guest of a full ASID pool fails as QEMU does (EBUSY). None: no pool."""
    capacity = pool_capacity().get(pool)
    if capacity is None:
        return None
    folder = os.path.join(CONFIG["state"], "asids", pool)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(CONFIG["state"], "asids", ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        used = 0
        for f in os.listdir(folder):
            try:
                os.kill(int(f), 0)
                used += 1
            except (ProcessLookupError, ValueError):
                os.unlink(os.path.join(folder, f))
        if used >= capacity:
            sys.stderr.write("qemu-system-x86_64: sev_guest_init: failed to initialize ret=-16 fw_error=0 ''\n")
            sys.stderr.flush()
            sys.exit(1)
        mine = os.path.join(folder, str(os.getpid()))
        open(mine, "w").close()
        return mine


def measurement(obj, uuid):
    """A stand-in for the firmware's launch measurement (48 bytes): stable per launch configuration."""
    import base64  # here, not above: hashlib's OpenSSL is 4 MB of every running guest's memory
    import hashlib

    digest = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).digest()
    return base64.b64encode(digest + hashlib.md5(uuid.encode()).digest()).decode()


def devices():
    """The -device options libvirt gives in JSON, in order."""
    return [json.loads(v) for v in opt("-device") if v.startswith("{")]


def nic_macs():
    """MAC addresses of the guest's NICs (-device virtio-net-pci / e1000… with a mac), in order."""
    return [d["mac"] for d in devices() if d.get("mac")]


def simulated_addresses(mac):
    """The addresses a guest would have got on its NIC: IPv4 in 192.168.122.0/24 and the IPv6 link-local, from the MAC."""
    b = [int(x, 16) for x in mac.split(":")]
    eui = [b[0] ^ 2, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]]
    link_local = "fe80::" + ":".join(f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2))
    return [{"ip-address-type": "ipv4", "ip-address": f"192.168.122.{2 + b[5] % 252}", "prefix": 24},
            {"ip-address-type": "ipv6", "ip-address": link_local, "prefix": 64}]


def guest_agent():
    """The QEMU guest agent of the guest, when it has the channel: answers what libvirt asks of it."""
    port = next((d for d in devices() if d.get("driver") == "virtserialport" and d.get("name") == "org.qemu.guest_agent.0"), None)
    if port is None:
        return None

    def answer(cmd, _mon):
        name = cmd.get("execute")
        if name in ("guest-sync", "guest-sync-delimited"):
            return {"return": cmd.get("arguments", {}).get("id")}
        if name == "guest-ping":
            return {"return": {}}
        if name == "guest-network-get-interfaces":
            lo = {"name": "lo", "hardware-address": "00:00:00:00:00:00",
                  "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}]}
            nics = [{"name": f"eth{n}", "hardware-address": mac, "ip-addresses": simulated_addresses(mac)} for n, mac in enumerate(nic_macs())]
            return {"return": [lo, *nics]}
        return {"error": {"class": "CommandNotFound", "desc": f"The command {name} has not been found"}}

    return {"chardev": port["chardev"], "port": port["id"], "answer": answer}


def guest():
    name = guest_name()
    qemu_state = os.path.join(CONFIG["state"], "qemu")
    os.makedirs(qemu_state, exist_ok=True)
    with open(os.path.join(qemu_state, f"{name}.argv"), "w") as f:
        json.dump(ARGS, f)
    obj = launch_object()
    if obj is not None and not CONFIG.get("sev"):
        sys.stderr.write("qemu-system-x86_64: sev_guest_init: Failed to open /dev/sev 'No such file or directory'\n")
        sys.exit(1)
    asid = take_asid(pool_of(obj))
    uuid = (opt("-uuid") or [""])[0]
    smp = kv((opt("-smp") or ["1"])[0])
    vcpus = int(smp.get("type") if smp.get("type", "").isdigit() else smp.get("cpus", 1))
    state = {"status": "prelaunch" if "-S" in ARGS else "running"}
    chardevs, listeners, ptys = [], {}, []
    monitor_listener = None
    agent = guest_agent()
    for value in opt("-chardev"):
        spec = kv(value)
        if spec["type"] == "pty":
            master, slave = pty.openpty()
            ptys.append((master, slave))
            chardevs.append({"label": spec["id"], "filename": f"pty:{os.ttyname(slave)}", "frontend-open": False})
        elif spec["type"] == "socket":
            s = listening_socket(spec)
            if spec["id"] == "charmonitor":
                monitor_listener = s
            else:
                listeners[s] = (agent["answer"], False) if agent and spec["id"] == agent["chardev"] else (None, False)
            chardevs.append({"label": spec["id"], "filename": f"disconnected:unix:{spec.get('path', '')},server=on", "frontend-open": False})
        else:
            chardevs.append({"label": spec["id"], "filename": spec["type"], "frontend-open": False})
    if monitor_listener is None:
        sys.stderr.write("fake qemu: no QMP monitor chardev (id=charmonitor) on the command line\n")
        sys.exit(1)
    write_pidfile((opt("-pidfile") or [None])[0])
    sev = CONFIG.get("sev") or {}
    log = open(os.path.join(qemu_state, f"{name}.qmp.log"), "a")

    def sev_info():
        fw = sev.get("firmware", {})
        info = {"enabled": True, "api-major": fw.get("apiMajor", 0), "api-minor": fw.get("apiMinor", 0),
                "build-id": fw.get("buildId", 0), "state": "launch-secret" if state["status"] != "running" else "running", "handle": 1}
        if obj["qom-type"] == "sev-snp-guest":
            info.update({"sev-type": "sev-snp", "snp-policy": int(obj.get("policy", 0x30000))})
        else:
            info.update({"sev-type": "sev", "policy": int(obj.get("policy", 0))})
        return info

    def answer(cmd, mon):
        name_ = cmd["execute"]
        args = cmd.get("arguments", {})
        log.write(json.dumps(cmd) + "\n")
        log.flush()
        if name_ == "qmp_capabilities":
            return {"return": {}}
        if name_ == "query-status":
            return {"return": {"status": state["status"], "running": state["status"] == "running", "singlestep": False}}
        # As QEMU does, the state's event comes before the command's reply: libvirt changes the
        # domain's state in its RESUME/STOP handler, and virsh must not return before it did.
        if name_ == "cont":
            state["status"] = "running"
            mon.event("RESUME")
            if agent:  # the guest's agent opens its port once the guest runs
                mon.event("VSERPORT_CHANGE", {"id": agent["port"], "open": True})
            return {"return": {}}
        if name_ == "stop":
            state["status"] = "paused"
            mon.event("STOP")
            return {"return": {}}
        if name_ == "system_powerdown":
            mon.send({"return": {}, "id": cmd.get("id")})
            mon.event("POWERDOWN")
            mon.event("SHUTDOWN", {"guest": True, "reason": "guest-shutdown"})
            state["status"] = "shutdown"
            return None
        if name_ == "quit":
            mon.send({"return": {}, "id": cmd.get("id")})
            mon.event("SHUTDOWN", {"guest": False, "reason": "host-qmp-quit"})
            finish()
        if name_ == "query-cpus-fast":
            return {"return": [{"cpu-index": n, "qom-path": f"/machine/unattached/device[{n}]", "thread-id": os.getpid(),
                                "props": {"core-id": 0, "thread-id": 0, "socket-id": n}, "target": "x86_64"} for n in range(vcpus)]}
        if name_ == "query-chardev":
            return {"return": chardevs}
        if name_ in ("query-sev", "query-sev-launch-measure", "sev-inject-launch-secret") and obj is None:
            return {"error": {"class": "GenericError", "desc": "SEV feature is not available"}}
        if name_ == "query-sev":
            return {"return": sev_info()}
        if name_ == "query-sev-launch-measure":
            if obj["qom-type"] == "sev-snp-guest":
                return {"error": {"class": "GenericError", "desc": "query-sev-launch-measure is not supported for SEV-SNP guests"}}
            return {"return": {"data": measurement(obj, uuid)}}
        if name_ == "sev-inject-launch-secret":
            if state["status"] == "running":
                return {"error": {"class": "GenericError", "desc": "SEV: Not in correct state. (current state running)"}}
            with open(os.path.join(CONFIG["state"], "launch-secrets.log"), "a") as f:
                f.write(f"{uuid} header={args.get('packet-header')} secret={args.get('secret')} set-address={args.get('gpa', 'none')}\n")
            return {"return": {}}
        if name_ == "query-balloon":
            return {"return": {"actual": 0}}
        if name_.startswith("query-"):
            return {"return": []}
        if name_ == "qom-list":
            return {"return": []}
        if name_ == "qom-get" and args.get("property") in ("unavailable-features", "filtered-features", "feature-words"):
            return {"return": []}  # the guest CPU has every feature libvirt asked for
        if name_ == "qom-get":
            return {"error": {"class": "GenericError", "desc": f"Property '{args.get('property')}' not found"}}
        return {"return": {}}

    def finish(*_):
        if asid:
            try:
                os.unlink(asid)
            except FileNotFoundError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    signal.signal(signal.SIGHUP, finish)
    serve({monitor_listener: (answer, True), **listeners})


def main():
    if ARGS[:1] in (["--version"], ["-version"]):
        print(f"QEMU emulator version {CONFIG['qemuVersion']}\nCopyright (c) 2003-2024 Fabrice Bellard and the QEMU Project developers")
        return
    machine = opt("-machine")
    if machine and kv(machine[0]).get("type") == "none":
        probe()
    else:
        guest()


if __name__ == "__main__":
    main()
