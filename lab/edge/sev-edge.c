/*
 * Lab edge, preloaded into a QEMU-driver lab host's libvirtd (never on a real host). It stands in
 * for the two things this machine cannot have:
 *  - CPUID leaf 0x8000001F, where libvirt reads an AMD host's SEV slot counts (ECX: number of
 *    encrypted guests supported at once, EDX: minimum SEV-only ASID; SEV-ES guests use ASIDs below
 *    it). LAB_SEV_ASIDS="MAXGUESTS MAXESGUESTS" gives the profile's counts, as libvirt's own
 *    tests/domaincapsmock.c does (ECX 509, EDX 451: 59 SEV guests, 450 SEV-ES guests).
 *  - CAP_SYS_RESOURCE: libvirt raises RLIMIT_MEMLOCK for a guest with locked memory; here that is
 *    refused (EPERM), so a refused raise of that one limit is reported as done.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>

void virHostCPUX86GetCPUID(uint32_t leaf, uint32_t extended, uint32_t *eax, uint32_t *ebx,
                           uint32_t *ecx, uint32_t *edx) {
  uint32_t a = 0, b = 0, c = 0, d = 0;
  const char *asids = getenv("LAB_SEV_ASIDS");
  unsigned max_guests = 0, max_es = 0;
  if (leaf == 0x8000001F && extended == 0 && asids && sscanf(asids, "%u %u", &max_guests, &max_es) == 2) {
    c = max_guests + max_es;
    d = max_es + 1;
  } else {
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(extended));
  }
  if (eax) *eax = a;
  if (ebx) *ebx = b;
  if (ecx) *ecx = c;
  if (edx) *edx = d;
}

typedef int (*prlimit_fn)(pid_t, int, const struct rlimit *, struct rlimit *);
typedef int (*setrlimit_fn)(int, const struct rlimit *);

static int memlock_refused(int resource, int rc) {
  return rc != 0 && resource == RLIMIT_MEMLOCK && errno == EPERM;
}

int prlimit(pid_t pid, enum __rlimit_resource resource, const struct rlimit *new_limit, struct rlimit *old) {
  static prlimit_fn real;
  if (!real) real = (prlimit_fn)dlsym(RTLD_NEXT, "prlimit");
  int rc = real(pid, resource, new_limit, old);
  return memlock_refused(resource, rc) ? 0 : rc;
}

int prlimit64(pid_t pid, enum __rlimit_resource resource, const struct rlimit64 *new_limit, struct rlimit64 *old) {
  static prlimit_fn real;
  if (!real) real = (prlimit_fn)dlsym(RTLD_NEXT, "prlimit64");
  int rc = real(pid, resource, (const struct rlimit *)new_limit, (struct rlimit *)old);
  return memlock_refused(resource, rc) ? 0 : rc;
}

int setrlimit(enum __rlimit_resource resource, const struct rlimit *limit) {
  static setrlimit_fn real;
  if (!real) real = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit");
  int rc = real(resource, limit);
  return memlock_refused(resource, rc) ? 0 : rc;
}

int setrlimit64(enum __rlimit_resource resource, const struct rlimit64 *limit) {
  static setrlimit_fn real;
  if (!real) real = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit64");
  int rc = real(resource, (const struct rlimit *)limit);
  return memlock_refused(resource, rc) ? 0 : rc;
}
