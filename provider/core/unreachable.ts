/** The warning for a host that cannot be reached while nothing of it changes (preview) or is read (refresh). */
export function unreachableWarning(label: string, cause: string, during: "preview" | "refresh"): string {
  const kept =
    during === "preview"
      ? "its SevHost does not change in this run, so the run goes on without it (its readiness is not checked again; a guest on it that changes fails its own preview)"
      : "its last known state is kept as it is (nothing was read, nothing is forgotten)";
  return `host ${label}: not reachable at ${during}: ${cause}. ${kept}. Fix: bring the host's sshd and network back (or raise connectTimeoutSeconds/commandTimeoutSeconds); the next run asks it again.`;
}
