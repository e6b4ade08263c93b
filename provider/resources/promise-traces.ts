/**
 * @pulumi/pulumi records a stack trace for each promise it creates while a resource is constructed
 * (four per property, in transferProperties). The traces serve only its promise-leak report, and under
 * the source-map support Pulumi installs for programs each one maps every frame of the stack. With
 * 16 properties per guest that was the largest part of a fleet program's CPU (BENCHMARKS.md). While
 * our resources are constructed (QuietDynamicResource), no trace is recorded, unless
 * PULUMI_DEBUG_PROMISE_LEAKS asks for that report.
 */
import * as pulumi from "@pulumi/pulumi";
import { ProviderName, providerText } from "./delegate";
import { RESOURCE_MODULE } from "../core/resource-types";

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

/** The base of our resources: a dynamic resource (type pulumi-nodejs:dynamic/sev:…) whose serialized provider is delegate.ts's text, constructed without promise traces. */
export abstract class QuietDynamicResource extends pulumi.CustomResource {
  constructor(implementation: ProviderName, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, type: string) {
    const resume = pausePromiseTraces();
    try {
      super(`pulumi-nodejs:dynamic/${RESOURCE_MODULE}:${type}`, name, { ...props, __provider: providerText(implementation) }, opts);
    } catch (err) {
      throw withStack(err, resume);
    } finally {
      resume();
    }
  }
}
