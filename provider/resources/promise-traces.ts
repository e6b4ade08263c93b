/**
 * @pulumi/pulumi records a stack trace for each promise it creates while a resource is constructed
 * (four per property, in transferProperties). The traces serve only its promise-leak report, and under
 * the source-map support Pulumi installs for programs each one maps every frame of the stack. With
 * 16 properties per guest that was the largest part of a fleet program's CPU (BENCHMARKS.md). While
 * our resources are constructed (QuietDynamicResource), no trace is recorded, unless
 * PULUMI_DEBUG_PROMISE_LEAKS asks for that report.
 */
import * as pulumi from "@pulumi/pulumi";

export function pausePromiseTraces(): () => void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return () => undefined;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}

/** An error thrown while traces were paused has no stack: it gets the one of where it was caught. */
export function withStack(err: unknown, resume: () => void): unknown {
  resume();
  if (err instanceof Error) Error.captureStackTrace(err, withStack);
  return err;
}

/** The base of SevHost, SevFlavor and SevGuest: pulumi.dynamic.Resource, constructed without promise traces. */
export abstract class QuietDynamicResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    module: string,
    type: string,
  ) {
    const resume = pausePromiseTraces();
    try {
      super(provider, name, props, opts, module, type);
    } catch (err) {
      throw withStack(err, resume);
    } finally {
      resume();
    }
  }
}
