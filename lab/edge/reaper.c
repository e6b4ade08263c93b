/*
 * Lab edge: a lab host's init. This machine's PID 1 does not reap orphans, and libvirtd's QEMU
 * processes (daemonized, as a real QEMU is) would stay zombies that libvirt waits on. Runs its
 * arguments as a child, reaps every process orphaned below it and forwards SIGTERM/SIGINT to the
 * child. When the child ends, so does the host: the orphans left (its guests' QEMU processes) are
 * killed and reaped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

/* Kills every process whose parent is this one (orphans reparented here); returns how many. */
static int kill_children(void) {
  int n = 0;
  DIR *proc = opendir("/proc");
  if (!proc) return 0;
  struct dirent *e;
  while ((e = readdir(proc))) {
    char path[300], buf[512];
    int pid = atoi(e->d_name);
    if (pid <= 1) continue;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    char *close = strrchr(buf, ')');
    int ppid = 0;
    if (close && sscanf(close + 2, "%*c %d", &ppid) == 1 && ppid == getpid() && kill(pid, SIGKILL) == 0) n++;
  }
  closedir(proc);
  return n;
}

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: lab-reaper COMMAND [ARG...]\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    perror("lab-reaper: PR_SET_CHILD_SUBREAPER");
    return 1;
  }
  child = fork();
  if (child < 0) return perror("lab-reaper: fork"), 1;
  if (child == 0) {
    execvp(argv[1], argv + 1);
    perror("lab-reaper: exec");
    _exit(127);
  }
  signal(SIGTERM, forward);
  signal(SIGINT, forward);
  int status = 0, code = 0;
  for (;;) {
    pid_t pid = wait(&status);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pid == child) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      child = 0;
      kill_children();
    }
  }
  return code;
}
