import test from "ava";
import { parseSevFirmware, parseSmtActive, parseSockets } from "../../provider/core/parse/cpu-platform";

test("SMT, sockets and the SEV firmware version as the probe prints them", (t) => {
  t.is(parseSmtActive("1\n"), true);
  t.is(parseSmtActive("0\n"), false);
  t.is(parseSmtActive(""), null);
  t.is(parseSockets("2\n"), 2);
  t.is(parseSockets("0\n"), null, "no physical id lines");
  const log = "[    4.20] ccp 0000:47:00.1: SEV API:1.55 build:21\n[    4.30] ccp 0000:47:00.1: SEV-SNP API:1.55 build:21\n";
  t.deepEqual(parseSevFirmware(log), { apiMajor: 1, apiMinor: 55, buildId: 21, snp: true });
  t.deepEqual(parseSevFirmware("[ 3.1] ccp 0000:01:00.2: SEV API:0.17 build:48\n"), { apiMajor: 0, apiMinor: 17, buildId: 48, snp: false });
  t.is(parseSevFirmware("dmesg: read kernel buffer failed: Operation not permitted\n"), null);
});
