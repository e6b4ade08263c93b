/** Our constructors leave the program's Error.stackTraceLimit as they found it. */
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor } from "../../provider/resources/sev-flavor";
import { pausePromiseTraces } from "../../provider/resources/promise-traces";

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
    call: (args) => args.inputs,
  },
  "traces",
  "test",
  true,
);

test.serial("constructing a resource restores the stack trace limit, which is 0 only while super() runs", (t) => {
  Error.stackTraceLimit = 17;
  new SevFlavor("f", { name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } });
  t.is(Error.stackTraceLimit, 17);
  const resume = pausePromiseTraces();
  t.is(Error.stackTraceLimit, 0);
  t.is(new Error("x").stack, "Error: x");
  resume();
  t.is(Error.stackTraceLimit, 17);
});

test.serial("PULUMI_DEBUG_PROMISE_LEAKS keeps every trace", (t) => {
  process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
  try {
    Error.stackTraceLimit = 9;
    const resume = pausePromiseTraces();
    t.is(Error.stackTraceLimit, 9);
    resume();
    t.is(Error.stackTraceLimit, 9);
  } finally {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  }
});

test.serial("an error thrown by the constructor keeps a stack that names the program's line", (t) => {
  Error.stackTraceLimit = 10;
  const err = t.throws(() => new SevFlavor("", { name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } }));
  t.regex(err!.message, /Missing resource name/);
  t.regex(err!.stack ?? "", /promise-traces\.test\.(js|ts):\d+/);
  t.is(Error.stackTraceLimit, 10);
});
