/*
 * sandbox_child: an extraction child, `docpipe extract-child PPID MEMORY
 * REPLY`, started by the worker's sandbox (sandbox.c) with the protocol of
 * sandbox_proto.h on descriptors 3 to 5. Before it reads anything it
 * closes every other descriptor, dies with the worker (PR_SET_PDEATHSIG),
 * limits itself (RLIMIT_AS to MEMORY, RLIMIT_FSIZE to REPLY, no core
 * files, few descriptors), sets PR_SET_NO_NEW_PRIVS and loads a seccomp
 * filter (libseccomp) that refuses with EPERM: new sockets (no network),
 * exec, tracing or signalling other processes, writes to the file system,
 * new shared memory, namespaces, io_uring, BPF and the like. Where the
 * kernel has Landlock it may read only the system's shared files (see
 * child_readable): Poppler loads its CMaps from /usr/share/poppler and
 * Tesseract its models as documents need them, but a parser bug cannot
 * read the worker's configuration, mounted secrets or the documents of
 * the file root.
 *
 * Then, one request at a time: the document is mapped read-only from the
 * request memfd, extract_document_paged reads it with the limits the
 * request carries (RLIMIT_CPU moved per document, a per-page watchdog on
 * SIGALRM), and text and metadata go to the reply memfd.
 *
 * A child that dies tells why when it can: its handlers for fatal signals
 * send a SANDBOX_NOTE_OOM when the allocation that failed ran into the
 * address-space limit (errno ENOMEM, or the address space within reach
 * of the limit), then die of the same signal; the per-page watchdog sends
 * a SANDBOX_NOTE_PAGE that names the page and exits.
 *
 * AddressSanitizer reserves terabytes of address space, so an ASan build
 * sets no RLIMIT_AS (the oom test hook then stops itself at MEMORY) and
 * allows ptrace, which LeakSanitizer needs at exit.
 *
 * Owns, per request, the mapping of the document and the struct doc built
 * on it; the state the signal handlers need is the one static below.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "../worker/doc.h"
#include "../worker/log.h"
#include "extract.h"
#include "ocr.h"
#include "sandbox_proto.h"

#if defined(__SANITIZE_ADDRESS__)
#define CHILD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_ASAN 1
#endif
#endif
#ifndef CHILD_ASAN
#define CHILD_ASAN 0
#endif

extern char **environ;

#define CHILD_NOFILE 64            /* RLIMIT_NOFILE */
#define CHILD_ALTSTACK (64 * 1024) /* for a handler after a stack overflow */
#define CHILD_EXIT_PAGE 3          /* exit status after a page note */

enum child_test {
        TEST_NONE,
        TEST_CRASH,
        TEST_ABORT,
        TEST_HANG,
        TEST_SPIN,
        TEST_PAGEHANG,
        TEST_OOM,
        TEST_PROBE
};

/* What the signal handlers reach: a handler has no argument to carry it.
 * Set up before the handlers are installed; page_note is rewritten with
 * the page watchdog disarmed. */
static struct {
        int64_t memory; /* RLIMIT_AS set; 0: none */
        long page_size;
        struct sandbox_msg oom_note;
        struct sandbox_msg page_note;
        char altstack[CHILD_ALTSTACK];
} child;

/* One request being served. */
struct child_req {
        int page_ms;
        enum child_test test;
};

/* Sends m whole; from a handler too (send is async-signal-safe). */
static int child_send(const struct sandbox_msg *m)
{
        ssize_t n;

        do
                n = send(SANDBOX_FD_SOCK, m, sizeof(*m), MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* Is the address space within reach of RLIMIT_AS? Reads /proc/self/statm
 * with async-signal-safe calls only. */
static int child_near_limit(void)
{
        char buf[64];
        unsigned long long pages = 0;
        ssize_t n;
        int fd;

        if (child.memory <= 0)
                return 0;
        fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
                pages = pages * 10 + (unsigned long long)(buf[i] - '0');
        /* The failed request itself can be large (an image buffer). */
        return (int64_t)(pages * (unsigned long long)child.page_size) >=
               child.memory - (child.memory / 8 > (64 << 20)
                                       ? child.memory / 8
                                       : (int64_t)64 << 20);
}

/* SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGILL, SIGFPE: say whether memory
 * ran out, then die of sig (SA_RESETHAND put the default back). GLib and
 * Poppler abort or trap when an allocation fails; malloc left ENOMEM. */
static void child_on_fatal(int sig)
{
        int saved = errno;

        if (saved == ENOMEM || child_near_limit())
                child_send(&child.oom_note);
        raise(sig);
}

/* The page watchdog: the page named in page_note ran over. */
static void child_on_alarm(int sig)
{
        (void)sig;
        child_send(&child.page_note);
        _exit(CHILD_EXIT_PAGE);
}

static void child_page_disarm(void)
{
        struct itimerval it;

        memset(&it, 0, sizeof(it));
        setitimer(ITIMER_REAL, &it, NULL);
}

/* extract_page_fn: the per-page watchdog, armed anew for each page. */
static void child_on_page(void *arg, int page, int pages)
{
        const struct child_req *r = arg;

        if (r->page_ms > 0) {
                struct itimerval it;

                child_page_disarm();
                snprintf(child.page_note.msg, sizeof(child.page_note.msg),
                         "page %d of %d took longer than %d ms "
                         "(limits.extract_page_ms)",
                         page + 1, pages, r->page_ms);
                memset(&it, 0, sizeof(it));
                it.it_value.tv_sec = r->page_ms / 1000;
                it.it_value.tv_usec = (r->page_ms % 1000) * 1000;
                setitimer(ITIMER_REAL, &it, NULL);
        }
        if (r->test == TEST_PAGEHANG && page == 0)
                for (;;)
                        pause();
}

static int child_install(int sig, void (*fn)(int), int flags)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = fn;
        sa.sa_flags = flags;
        sigemptyset(&sa.sa_mask);
        return sigaction(sig, &sa, NULL);
}

static int child_handlers(void)
{
        static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT,
                                    SIGTRAP, SIGILL, SIGFPE};
        /* SIGXFSZ: a write past RLIMIT_FSIZE fails with EFBIG instead. */
        static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,
                                      SIGQUIT, SIGPIPE, SIGXFSZ};
        stack_t ss;

        memset(&ss, 0, sizeof(ss));
        ss.ss_sp = child.altstack;
        ss.ss_size = sizeof(child.altstack);
        if (sigaltstack(&ss, NULL) < 0)
                return -1;
        for (size_t i = 0; i < sizeof(fatal) / sizeof(*fatal); i++)
                if (child_install(fatal[i], child_on_fatal,
                                  SA_ONSTACK | SA_RESETHAND | SA_NODEFER) < 0)
                        return -1;
        /* The worker stops its children itself: a terminal's Ctrl-C to
         * the process group must not kill a document being read. */
        for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
                if (child_install(ignored[i], SIG_IGN, 0) < 0)
                        return -1;
        return child_install(SIGALRM, child_on_alarm, SA_ONSTACK);
}

static int child_rlimit(int res, rlim_t soft, rlim_t hard)
{
        struct rlimit rl = {soft, hard};

        return setrlimit(res, &rl);
}

/* The syscalls a parser has no business making. EPERM rather than a kill,
 * so that a library probing for a feature carries on. */
static const char *const child_denied[] = {
        /* network */
        "socket", "socketpair", "connect", "bind", "listen", "accept",
        "accept4",
        /* other programs, other processes */
        "execve", "execveat", "process_vm_readv", "process_vm_writev", "kcmp",
        "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill",
        /* the file system: no writes (open and openat by their flags,
         * below) */
        "openat2", "creat", "unlink", "unlinkat", "rename", "renameat",
        "renameat2", "mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink",
        "symlinkat", "chmod", "fchmodat", "chown", "lchown", "fchownat",
        "truncate", "mknod", "mknodat", "setxattr", "lsetxattr", "removexattr",
        "lremovexattr", "utime", "utimes", "utimensat", "futimesat",
        /* the machine */
        "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf",
        "perf_event_open", "keyctl", "add_key", "request_key", "init_module",
        "finit_module", "delete_module", "kexec_load", "kexec_file_load",
        "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
        "adjtimex", "clock_adjtime", "sethostname", "setdomainname", "iopl",
        "ioperm", "quotactl", "userfaultfd", "io_uring_setup", "io_uring_enter",
        "io_uring_register", "open_by_handle_at", "name_to_handle_at",
        "fanotify_init", "process_madvise", "syslog", "vhangup",
        /* memory outside RLIMIT_AS */
        "memfd_create", "shmget",
#if !CHILD_ASAN
        "ptrace", /* LeakSanitizer stops the threads with it */
#endif
};

/* Loads the filter; a name this kernel or architecture lacks is skipped.
 * Returns 0 or -1 with what failed in why. */
static int child_seccomp(char *why, size_t n)
{
        const scmp_datum_t self = (scmp_datum_t)getpid();
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
        int rc = 0;

        if (!ctx) {
                snprintf(why, n, "seccomp_init failed");
                return -1;
        }
        for (size_t i = 0;
             rc == 0 && i < sizeof(child_denied) / sizeof(*child_denied); i++) {
                int nr = seccomp_syscall_resolve_name(child_denied[i]);
                if (nr != __NR_SCMP_ERROR)
                        rc = seccomp_rule_add(ctx, deny, nr, 0);
        }
        /* Signals to itself only: not to the worker, its process group
         * (pid 0) or everyone (-1). */
        if (rc == 0)
                rc = seccomp_rule_add(ctx, deny, SCMP_SYS(kill), 1,
                                      SCMP_A0(SCMP_CMP_NE, self));
        if (rc == 0)
                rc = seccomp_rule_add(ctx, deny, SCMP_SYS(tgkill), 1,
                                      SCMP_A0(SCMP_CMP_NE, self));
        if (rc == 0)
                rc = seccomp_rule_add(ctx, deny, SCMP_SYS(rt_sigqueueinfo), 1,
                                      SCMP_A0(SCMP_CMP_NE, self));
        if (rc == 0)
                rc = seccomp_rule_add(ctx, deny, SCMP_SYS(rt_tgsigqueueinfo), 1,
                                      SCMP_A0(SCMP_CMP_NE, self));
        /* Opens for reading only: each rule one way of asking to write. */
        static const struct {
                scmp_datum_t mask, value;
        } writes[] = {
                {O_ACCMODE, O_WRONLY}, {O_ACCMODE, O_RDWR},  {O_CREAT, O_CREAT},
                {O_TRUNC, O_TRUNC},    {O_APPEND, O_APPEND},
        };
        for (size_t i = 0; rc == 0 && i < sizeof(writes) / sizeof(*writes);
             i++) {
                rc = seccomp_rule_add(ctx, deny, SCMP_SYS(open), 1,
                                      SCMP_A1(SCMP_CMP_MASKED_EQ,
                                              writes[i].mask, writes[i].value));
                if (rc == 0)
                        rc = seccomp_rule_add(ctx, deny, SCMP_SYS(openat), 1,
                                              SCMP_A2(SCMP_CMP_MASKED_EQ,
                                                      writes[i].mask,
                                                      writes[i].value));
        }
        if (rc == 0)
                rc = seccomp_load(ctx);
        if (rc < 0)
                snprintf(why, n, "seccomp: %s", strerror(-rc));
        seccomp_release(ctx);
        return rc < 0 ? -1 : 0;
}

/* What a child may still read once it has started, read-only: /usr
 * (Poppler's CMaps and name tables, Tesseract's models, iconv's modules,
 * fonts, time zones), the few files of /etc that libraries read late, the
 * font cache, its own /proc entry (the sanitizers' reports) and
 * $TESSDATA_PREFIX when set. A path that does not exist is left out. */
static const char *const child_readable[] = {
        "/usr",
        "/etc/localtime",
        "/etc/fonts",
        "/etc/ld.so.cache",
        "/var/cache/fontconfig",
        "/proc/self",
};

int sandbox_landlock(void)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                           LANDLOCK_CREATE_RULESET_VERSION);

        return abi > 0 ? (int)abi : 0;
}

/* Adds a read-only rule for path (a directory: beneath it) to ruleset. */
static int child_landlock_allow(int ruleset, const char *path)
{
        struct landlock_path_beneath_attr pb;
        struct stat st;
        int fd = open(path, O_PATH | O_CLOEXEC), rc;

        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
        memset(&pb, 0, sizeof(pb));
        pb.parent_fd = fd;
        pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
                pb.allowed_access |= LANDLOCK_ACCESS_FS_READ_DIR;
        rc = (int)syscall(SYS_landlock_add_rule, ruleset,
                          LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
        close(fd);
        return rc;
}

/* Confines the child's file system access with Landlock: reading only
 * child_readable, nothing else at all (seccomp already refuses writes;
 * this also closes reads). Without Landlock in the kernel, returns 0 and
 * changes nothing (the worker logs that once, sandbox_landlock). */
static int child_landlock(char *why, size_t n)
{
        struct landlock_ruleset_attr attr;
        const char *tess = getenv("TESSDATA_PREFIX");
        int abi = sandbox_landlock(), ruleset, rc = 0;

        if (abi < 1)
                return 0;
        memset(&attr, 0, sizeof(attr));
        attr.handled_access_fs =
                LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                LANDLOCK_ACCESS_FS_MAKE_SYM;
        if (abi >= 2)
                attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
        ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
                               0);
        if (ruleset < 0) {
                snprintf(why, n, "landlock: %s", strerror(errno));
                return -1;
        }
        for (size_t i = 0;
             rc == 0 && i < sizeof(child_readable) / sizeof(*child_readable);
             i++)
                rc = child_landlock_allow(ruleset, child_readable[i]);
        if (rc == 0 && tess && tess[0] == '/')
                rc = child_landlock_allow(ruleset, tess);
        if (rc == 0)
                rc = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
        if (rc < 0)
                snprintf(why, n, "landlock: %s", strerror(errno));
        close(ruleset);
        return rc < 0 ? -1 : 0;
}

/* Closes every descriptor but 0..2 and the protocol's. */
static void child_close_fds(void)
{
        if (close_range(SANDBOX_FD_REP + 1, ~0U, 0) == 0)
                return;
        for (int fd = SANDBOX_FD_REP + 1; fd < 1024; fd++)
                close(fd);
}

/* The test hook a document asks for, when hooks are on. */
static enum child_test child_test_of(const unsigned char *p, size_t len)
{
        static const struct {
                const char *word;
                enum child_test test;
        } words[] = {
                {"crash", TEST_CRASH},       {"abort", TEST_ABORT},
                {"hang", TEST_HANG},         {"spin", TEST_SPIN},
                {"pagehang", TEST_PAGEHANG}, {"oom", TEST_OOM},
                {"probe", TEST_PROBE},
        };
        const size_t ml = strlen(SANDBOX_TEST_MARK);
        const unsigned char *m = memmem(p, len, SANDBOX_TEST_MARK, ml);
        size_t rest, wl;

        if (!m)
                return TEST_NONE;
        m += ml;
        rest = len - (size_t)(m - p);
        for (wl = 0; wl < rest && m[wl] >= 'a' && m[wl] <= 'z'; wl++)
                ;
        for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
                if (strlen(words[i].word) == wl &&
                    memcmp(m, words[i].word, wl) == 0)
                        return words[i].test;
        return TEST_NONE;
}

static const char *child_errno_name(int rc, int e)
{
        if (rc >= 0)
                return "allowed";
        return strerror(e);
}

/* TEST_PROBE: what the filter lets through, as an error message. */
static int child_probe(pid_t ppid, struct err *err)
{
        char *argv[] = {"/bin/true", NULL}, *envp[] = {NULL};
        const char *path = "/tmp/docpipe-sandbox-probe";
        int rc, e_sock, e_exec, e_open, e_kill, e_shm, e_read;
        const char *s_sock, *s_exec, *s_open, *s_kill, *s_read;
        const char *env = "hidden";
        char environ_path[64];

        errno = 0;
        rc = socket(AF_INET, SOCK_STREAM, 0);
        e_sock = errno;
        s_sock = child_errno_name(rc, e_sock);
        if (rc >= 0)
                close(rc);
        rc = execve(argv[0], argv, envp);
        e_exec = errno;
        s_exec = child_errno_name(rc, e_exec);
        rc = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        e_open = errno;
        s_open = child_errno_name(rc, e_open);
        if (rc >= 0) {
                close(rc);
                unlink(path);
        }
        rc = kill(ppid, 0);
        e_kill = errno;
        s_kill = child_errno_name(rc, e_kill);
        /* The worker's environment holds its secrets. */
        snprintf(environ_path, sizeof(environ_path), "/proc/%d/environ",
                 (int)ppid);
        rc = open(environ_path, O_RDONLY | O_CLOEXEC);
        e_read = errno;
        s_read = child_errno_name(rc, e_read);
        if (rc >= 0)
                close(rc);
        rc = memfd_create("probe", MFD_CLOEXEC);
        e_shm = errno;
        if (rc >= 0)
                close(rc);
        for (char **e = environ; *e; e++)
                if (strncmp(*e, "DOCPIPE_", 8) == 0 &&
                    strncmp(*e, SANDBOX_TEST_ENV "=",
                            strlen(SANDBOX_TEST_ENV) + 1) != 0)
                        env = "visible";
        return err_set(err, ERR_INPUT,
                       "probe: socket: %s; exec: %s; open for writing: %s; "
                       "signal the worker: %s; read the worker's "
                       "environment: %s; shared memory: %s; worker "
                       "settings: %s",
                       s_sock, s_exec, s_open, s_kill, s_read,
                       child_errno_name(rc, e_shm), env);
}

/* TEST_OOM: allocates and touches memory until the limit stops it (an
 * allocation fails, xmalloc aborts). Without RLIMIT_AS (ASan) it stops
 * itself at the configured limit the same way. */
static void child_oom(int64_t configured)
{
        const size_t chunk = (size_t)16 << 20;
        void **prev = NULL;
        int64_t total = 0;

        for (;;) {
                void **p = xmalloc(chunk);
                memset(p, 1, chunk);
                *p = prev; /* keep them all reachable */
                prev = p;
                total += (int64_t)chunk;
                if (child.memory <= 0 && configured > 0 && total > configured) {
                        errno = ENOMEM;
                        abort();
                }
        }
}

/* Runs a test hook that does not return, or the probe. Returns 1 when the
 * probe answered in err. */
static int child_test(enum child_test t, pid_t ppid, int64_t configured,
                      struct err *err)
{
        switch (t) {
        case TEST_CRASH:
                errno = 0;
                raise(SIGSEGV);
                break;
        case TEST_ABORT:
                errno = 0;
                abort();
        case TEST_HANG:
                for (;;)
                        pause();
        case TEST_SPIN:
                for (volatile unsigned long i = 0;; i++)
                        ;
        case TEST_OOM:
                child_oom(configured);
                break;
        case TEST_PROBE:
                child_probe(ppid, err);
                return 1;
        case TEST_NONE:
        case TEST_PAGEHANG:
                break;
        }
        return 0;
}

/* Writes len bytes of p at *off in fd. */
static int child_write(int fd, const void *p, size_t len, off_t *off)
{
        const char *s = p;

        while (len > 0) {
                ssize_t n = pwrite(fd, s, len, *off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                s += n;
                len -= (size_t)n;
                *off += n;
        }
        return 0;
}

/* Puts doc's text and metadata in the reply memfd, their lengths in m. */
static int child_reply_parts(const struct doc *doc, struct sandbox_msg *m)
{
        const char *parts[SANDBOX_PARTS] = {
                doc->text,    doc->title,    doc->author,
                doc->subject, doc->creator,  doc->producer,
                doc->created, doc->modified, doc->ocr_confidence,
        };
        off_t off = 0;

        if (ftruncate(SANDBOX_FD_REP, 0) < 0)
                return -1;
        for (int i = 0; i < SANDBOX_PARTS; i++) {
                size_t len;
                if (!parts[i]) {
                        m->part_len[i] = SANDBOX_ABSENT;
                        continue;
                }
                len = i == SANDBOX_TEXT ? doc->text_len : strlen(parts[i]);
                if (child_write(SANDBOX_FD_REP, parts[i], len, &off) < 0)
                        return -1;
                m->part_len[i] = len;
        }
        /* The vision route's page images, after the parts. */
        for (size_t i = 0; i < doc->images_n && i < SANDBOX_IMAGES; i++) {
                const struct doc_page_image *im = &doc->images[i];

                if (child_write(SANDBOX_FD_REP, im->png, im->png_len, &off) < 0)
                        return -1;
                m->images[i] =
                        (struct sandbox_image){.page = im->page,
                                               .confidence = im->confidence,
                                               .text_off = im->text_off,
                                               .text_len = im->text_len,
                                               .png_len = im->png_len};
                m->images_n = (int32_t)i + 1;
        }
        return 0;
}

/* Moves this process's CPU limit to what it used so far plus cpu_s. */
static void child_cpu_limit(int cpu_s)
{
        struct rusage ru;
        rlim_t used;

        if (cpu_s <= 0 || getrusage(RUSAGE_SELF, &ru) < 0)
                return;
        used = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1);
        child_rlimit(RLIMIT_CPU, used + (rlim_t)cpu_s, RLIM_INFINITY);
}

/* Serves one request; returns -1 when the reply cannot be sent. */
static int child_serve(const struct sandbox_msg *req, struct ocr *ocr,
                       pid_t ppid, int64_t configured, int tests)
{
        char languages[sizeof(req->ocr_languages)];
        struct sandbox_msg rep;
        struct config cfg;
        struct child_req r;
        struct stat st;
        struct doc *doc = doc_new();
        void *map = NULL;
        struct err err;
        int rc = -1;

        memset(&rep, 0, sizeof(rep));
        memset(&cfg, 0, sizeof(cfg));
        memset(&r, 0, sizeof(r));
        err_clear(&err);
        rep.magic = SANDBOX_MAGIC;
        rep.type = SANDBOX_REPLY;
        rep.seq = req->seq;
        cfg.max_bytes = req->max_bytes;
        cfg.max_text_bytes = req->max_text_bytes;
        cfg.max_page_text_bytes = req->max_page_text_bytes;
        cfg.max_pages = req->max_pages;
        cfg.max_page_pixels = req->max_page_pixels;
        memcpy(languages, req->ocr_languages, sizeof(languages));
        languages[sizeof(languages) - 1] = '\0';
        cfg.ocr_languages = languages[0] ? languages : NULL;
        /* The vision route as extract_vision_below reads it: the worker
         * decided the threshold; the endpoint's name stays with it. */
        if (req->vision_below >= 0 && req->vision_pages > 0) {
                cfg.vision_endpoint = "(worker)";
                cfg.vision_below =
                        req->vision_below > 100 ? 100 : req->vision_below;
                cfg.vision_mode =
                        req->vision_below > 100 ? "always" : "fallback";
                cfg.vision_max_pages = req->vision_pages > SANDBOX_IMAGES
                                               ? SANDBOX_IMAGES
                                               : req->vision_pages;
                cfg.vision_max_side = req->vision_side;
                cfg.vision_max_bytes = req->vision_bytes;
        }
        r.page_ms = req->page_ms;
        doc->content_type =
                xstrndup(req->content_type, sizeof(req->content_type) - 1);
        if (req->len > 0) {
                if (fstat(SANDBOX_FD_REQ, &st) < 0 ||
                    (uint64_t)st.st_size < req->len) {
                        err_set(&err, ERR_RETRY,
                                "sandbox: the document is not all there");
                        goto reply;
                }
                map = mmap(NULL, req->len, PROT_READ, MAP_PRIVATE,
                           SANDBOX_FD_REQ, 0);
                if (map == MAP_FAILED) {
                        map = NULL;
                        err_set(&err, ERR_RETRY, "sandbox: mmap: %s",
                                strerror(errno));
                        goto reply;
                }
                doc->bytes = map;
                doc->len = req->len;
        }
        if (tests && doc->bytes)
                r.test = child_test_of(doc->bytes, doc->len);
        child_cpu_limit(req->cpu_s);
        if (child_test(r.test, ppid, configured, &err))
                goto reply;
        rc = extract_document_ocr(doc, &cfg, ocr, child_on_page, &r, &err);
        child_page_disarm();
        if (rc == 0 && child_reply_parts(doc, &rep) < 0)
                rc = err_set(&err, ERR_RETRY,
                             "sandbox: cannot write the "
                             "reply: %s",
                             strerror(errno));
        if (rc == 0)
                rep.pages = doc->pages;
reply:
        if (err.cls != ERR_OK) {
                rep.status = (int32_t)err.cls;
                memcpy(rep.msg, err.msg, sizeof(rep.msg));
                rep.msg[sizeof(rep.msg) - 1] = '\0';
        }
        doc->bytes = NULL; /* mapped, not malloc'd */
        doc_free(doc);
        if (map)
                munmap(map, req->len);
        return child_send(&rep);
}

int sandbox_child_main(int argc, char **argv)
{
        struct sandbox_msg m;
        struct ocr *ocr = NULL; /* one engine per child, made on first use */
        const char *t = getenv(SANDBOX_TEST_ENV);
        int rc = 0;
        int tests = t && strcmp(t, "1") == 0;
        pid_t ppid;
        int64_t memory, reply;
        char why[256];

        if (argc != 4) {
                fprintf(stderr,
                        "usage: docpipe %s PPID MEMORY REPLY (started "
                        "by the worker, not by hand)\n",
                        SANDBOX_CHILD_CMD);
                return 2;
        }
        ppid = (pid_t)strtol(argv[1], NULL, 10);
        memory = strtoll(argv[2], NULL, 10);
        reply = strtoll(argv[3], NULL, 10);
        child_close_fds();
        /* The worker gone (even before this line): leave. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != ppid)
                return 1;
        /* Exec'd as /proc/self/fd/N, the child would be called "N" in
         * top, perf and the kernel's OOM reports. */
        prctl(PR_SET_NAME, SANDBOX_CHILD_NAME);
        memset(&child, 0, sizeof(child));
        child.page_size = sysconf(_SC_PAGESIZE);
        child.oom_note.magic = child.page_note.magic = SANDBOX_MAGIC;
        child.oom_note.type = child.page_note.type = SANDBOX_NOTE;
        child.oom_note.note = SANDBOX_NOTE_OOM;
        child.page_note.note = SANDBOX_NOTE_PAGE;
        if (!CHILD_ASAN && memory > 0) {
                if (child_rlimit(RLIMIT_AS, (rlim_t)memory, (rlim_t)memory) <
                    0) {
                        log_error("sandbox-child", "RLIMIT_AS: %s",
                                  strerror(errno));
                        return 1;
                }
                child.memory = memory;
        }
        /* The memfds are files: this bounds what the child can make the
         * worker's memory hold through them. */
        if (reply > 0 &&
            child_rlimit(RLIMIT_FSIZE, (rlim_t)reply, (rlim_t)reply) < 0) {
                log_error("sandbox-child", "RLIMIT_FSIZE: %s", strerror(errno));
                return 1;
        }
        if (child_rlimit(RLIMIT_CORE, 0, 0) < 0 ||
            child_rlimit(RLIMIT_NOFILE, CHILD_NOFILE, CHILD_NOFILE) < 0 ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            child_handlers() < 0) {
                log_error("sandbox-child", "setting limits: %s",
                          strerror(errno));
                return 1;
        }
        if (child_landlock(why, sizeof(why)) < 0 ||
            child_seccomp(why, sizeof(why)) < 0) {
                log_error("sandbox-child", "%s", why);
                return 1;
        }
        memset(&m, 0, sizeof(m));
        m.magic = SANDBOX_MAGIC;
        m.type = SANDBOX_HELLO;
        m.version = SANDBOX_VERSION;
        if (child_send(&m) < 0)
                return 1;
        for (;;) {
                ssize_t n = recv(SANDBOX_FD_SOCK, &m, sizeof(m), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0)
                        break; /* the worker closed: leave */
                if (n != (ssize_t)sizeof(m) || m.magic != SANDBOX_MAGIC) {
                        rc = 2;
                        break;
                }
                if (m.type == SANDBOX_EXIT)
                        break;
                if (m.type != SANDBOX_REQUEST) {
                        rc = 2;
                        break;
                }
                m.content_type[sizeof(m.content_type) - 1] = '\0';
                if (!ocr)
                        ocr = ocr_new();
                if (child_serve(&m, ocr, ppid, memory, tests) < 0) {
                        rc = 1;
                        break;
                }
        }
        ocr_free(ocr);
        return rc;
}
