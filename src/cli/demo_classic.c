/*
 * demo_classic.c - `tlsscope demo --classic`: the textbook's handshake
 * (TLS 1.0, TLS_ECDHE_RSA_WITH_RC4_128_SHA, an empty session_ticket
 * extension, a ticket with its lifetime) between real peers that still
 * speak it: GnuTLS's gnutls-serv and gnutls-cli (OpenSSL 3 has no RC4).
 *
 * gnutls-serv always listens on every interface, and an RC4 server is not
 * something to offer the network even for a second: the whole run happens
 * in a child process inside a network namespace of its own (a user
 * namespace too when not root), where only a loopback exists. There
 * tlsscope relays between gnutls-cli and gnutls-serv and records the bytes
 * it relays with the peers' tap (peer/tap.h), as the other demos record
 * their own client; gnutls-cli writes the key log (SSLKEYLOGFILE).
 */
#define _GNU_SOURCE
#include "cli/demo_classic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer/tap.h"

extern char **environ;

#define SERVER_PORT 4433 /* gnutls-serv, inside the namespace */
#define RELAY_PORT 443   /* what the capture shows as the server */
#define DEADLINE_MS 10000

/* The server takes only the classic suite; the client offers what a
 * browser of the time did (many suites, RC4 among them) and TLS 1.0. */
static const char server_priority[] = "NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL";
static const char client_priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.0:+ARCFOUR-128:+3DES-CBC:+SHA1:+RSA:+DHE-RSA";

static void say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n ? 0 : -1;
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

/* Root of a network namespace of our own: the user namespace maps us to
 * root in it when we are not root outside. */
static int private_network(char *why, size_t n)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNET) != 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
            say(why, n, "cannot make a private network namespace for gnutls-serv, which listens on every "
                        "interface: %s", strerror(errno));
            return -1;
        }
        char map[64];
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
        if (write_file("/proc/self/setgroups", "deny\n") != 0 && errno != ENOENT) {
            say(why, n, "cannot set up the user namespace: %s", strerror(errno));
            return -1;
        }
        if (write_file("/proc/self/uid_map", map) != 0) {
            say(why, n, "cannot set up the user namespace: %s", strerror(errno));
            return -1;
        }
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
        if (write_file("/proc/self/gid_map", map) != 0) {
            say(why, n, "cannot set up the user namespace: %s", strerror(errno));
            return -1;
        }
    }
    /* the new namespace's loopback starts down */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 ? 0 : -1;
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
    if (rc != 0) {
        say(why, n, "cannot bring up the private loopback: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int spawn(pid_t *pid, char *const argv[], char *const envp[], int stdin_fd, char *why, size_t n)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        say(why, n, "cannot run %s: %s%s", argv[0], strerror(rc),
            rc == ENOENT ? " (Debian: apt-get install gnutls-bin)" : "");
        return -1;
    }
    return 0;
}

/* Reap pid within ms milliseconds; then kill it. Its exit status, or -1. */
static int reap(pid_t pid, int ms, int kill_first)
{
    int st = 0;
    if (kill_first)
        kill(pid, SIGTERM);
    for (int64_t end = now_ms() + ms;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (r < 0 || now_ms() >= end)
            break;
        poll(NULL, 0, 10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static int listen_on(uint16_t port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa->sin_port = htons(port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof *sa) != 0 || listen(fd, 1) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Connect to gnutls-serv once it listens (it takes a moment to start). */
static int connect_when_ready(pid_t server, char *why, size_t n)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(SERVER_PORT);
    for (int64_t end = now_ms() + 5000; now_ms() < end;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        close(fd);
        int st;
        if (waitpid(server, &st, WNOHANG) == server) {
            say(why, n, "gnutls-serv exited before it listened (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            return -1;
        }
        poll(NULL, 0, 20);
    }
    say(why, n, "gnutls-serv did not listen within 5 s");
    return -1;
}

/* Relay until both directions ended, recording every byte in the tap. */
static int relay(int cfd, int sfd, struct tsc_tap *tap, char *why, size_t n)
{
    int open_dir[2] = {1, 1}; /* 0: client to server, 1: server to client */
    int64_t end = now_ms() + DEADLINE_MS;
    uint8_t buf[16384];
    while (open_dir[0] || open_dir[1]) {
        int left = (int)(end - now_ms());
        if (left <= 0) {
            say(why, n, "the peers did not finish within %d s", DEADLINE_MS / 1000);
            return -1;
        }
        struct pollfd p[2] = {{cfd, open_dir[0] ? POLLIN : 0, 0}, {sfd, open_dir[1] ? POLLIN : 0, 0}};
        if (poll(p, 2, left) < 0) {
            if (errno == EINTR)
                continue;
            say(why, n, "poll: %s", strerror(errno));
            return -1;
        }
        for (int d = 0; d < 2; d++) {
            if (!open_dir[d] || !(p[d].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int from = d == 0 ? cfd : sfd, to = d == 0 ? sfd : cfd;
            ssize_t k = read(from, buf, sizeof buf);
            if (k <= 0) {
                open_dir[d] = 0;
                shutdown(to, SHUT_WR);
                continue;
            }
            tsc_tap_data(tap, d == 0, buf, (size_t)k);
            for (ssize_t off = 0; off < k;) {
                ssize_t w = write(to, buf + off, (size_t)(k - off));
                if (w <= 0) {
                    open_dir[d] = 0;
                    break;
                }
                off += w;
            }
        }
    }
    return 0;
}

/* gnutls-cli's key log lines into the pcapng tap, before its packets. */
static void secrets_to_tap(struct tsc_tap *tap, const char *keys_path)
{
    FILE *f = fopen(keys_path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#')
            tsc_tap_secret(tap, line);
    }
    fclose(f);
}

/* The child: everything in its own namespaces. 0 or -1 with why. */
static int run(const struct tsc_demo_classic *d, char *why, size_t n)
{
    if (private_network(why, n) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    char port[8];
    snprintf(port, sizeof port, "%d", SERVER_PORT);
    char *sargv[] = {"gnutls-serv", "-p", port, "--http", "--disable-client-cert", "--priority",
                     (char *)server_priority, "--x509certfile", (char *)d->cert_path, "--x509keyfile",
                     (char *)d->key_path, NULL};
    pid_t server = -1, client = -1;
    int lfd = -1, cfd = -1, sfd = -1, rc = -1, req[2] = {-1, -1};
    struct tsc_pcap_writer *w = NULL;
    struct tsc_pcapng_writer *ng = NULL;
    struct tsc_tap tap;
    int tapped = 0;
    if (spawn(&server, sargv, environ, -1, why, n) != 0)
        goto out;
    sfd = connect_when_ready(server, why, n);
    if (sfd < 0)
        goto out;
    close(sfd); /* that was only to see it listen */
    sfd = -1;
    struct sockaddr_in lsa;
    lfd = listen_on(RELAY_PORT, &lsa);
    if (lfd < 0) {
        say(why, n, "cannot listen on the private loopback: %s", strerror(errno));
        goto out;
    }
    /* gnutls-cli: the request on its stdin, then end of input closes it */
    char env_keys[4200];
    snprintf(env_keys, sizeof env_keys, "SSLKEYLOGFILE=%s", d->keys_path);
    char *cenv[] = {env_keys, "PATH=/usr/local/bin:/usr/bin:/bin", NULL};
    char rport[8];
    snprintf(rport, sizeof rport, "%d", RELAY_PORT);
    char *cargv[] = {"gnutls-cli", "-p", rport, "--priority", (char *)client_priority, "--x509cafile",
                     (char *)d->cert_path, "--sni-hostname", (char *)d->server_name, "--verify-hostname",
                     (char *)d->server_name, "127.0.0.1", NULL};
    if (pipe2(req, O_CLOEXEC) != 0) {
        say(why, n, "pipe: %s", strerror(errno));
        goto out;
    }
    if (spawn(&client, cargv, cenv, req[0], why, n) != 0)
        goto out;
    close(req[0]);
    req[0] = -1;
    struct pollfd pa = {lfd, POLLIN, 0};
    if (poll(&pa, 1, DEADLINE_MS) != 1 || (cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        say(why, n, "gnutls-cli did not connect");
        goto out;
    }
    struct sockaddr_in ssa;
    memset(&ssa, 0, sizeof ssa);
    ssa.sin_family = AF_INET;
    ssa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ssa.sin_port = htons(SERVER_PORT);
    sfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sfd < 0 || connect(sfd, (struct sockaddr *)&ssa, sizeof ssa) != 0) {
        say(why, n, "cannot connect to gnutls-serv: %s", strerror(errno));
        goto out;
    }
    w = tsc_pcap_writer_open(d->pcap_path);
    if (!w) {
        say(why, n, "%s: %s", d->pcap_path, strerror(errno));
        goto out;
    }
    if (d->pcapng_path && !(ng = tsc_pcapng_writer_open(d->pcapng_path, TSC_PCAPNG_WHOLE))) {
        say(why, n, "%s: %s", d->pcapng_path, strerror(errno));
        goto out;
    }
    struct sockaddr_storage client_addr, server_addr;
    socklen_t cl = sizeof client_addr, sl = sizeof server_addr;
    getpeername(cfd, (struct sockaddr *)&client_addr, &cl);
    getsockname(cfd, (struct sockaddr *)&server_addr, &sl);
    tsc_tap_init(&tap, &client_addr, &server_addr, NULL, NULL, w);
    if (ng)
        tsc_tap_pcapng(&tap, ng, 1);
    tapped = 1;
    tsc_tap_open(&tap);
    static const char get[] = "GET / HTTP/1.0\r\n\r\n";
    if (write(req[1], get, sizeof get - 1) != (ssize_t)(sizeof get - 1)) {
        say(why, n, "cannot hand gnutls-cli its request: %s", strerror(errno));
        goto out;
    }
    close(req[1]);
    req[1] = -1;
    if (relay(cfd, sfd, &tap, why, n) != 0)
        goto out;
    int cst = reap(client, 5000, 0);
    client = -1;
    if (cst != 0) {
        say(why, n, "gnutls-cli failed (status %d)", cst);
        goto out;
    }
    rc = 0;
out:
    if (tapped) {
        if (ng) {
            secrets_to_tap(&tap, d->keys_path);
            tsc_tap_secrets_known(&tap);
        }
        tsc_tap_close(&tap);
    }
    for (int i = 0; i < 2; i++)
        if (req[i] >= 0)
            close(req[i]);
    if (cfd >= 0)
        close(cfd);
    if (sfd >= 0)
        close(sfd);
    if (lfd >= 0)
        close(lfd);
    if (client > 0)
        reap(client, 0, 1);
    if (server > 0)
        reap(server, 2000, 1); /* gnutls-serv never exits by itself */
    tsc_pcap_writer_close(w);
    if (ng) {
        struct tsc_pcapng_stats st;
        if (tsc_pcapng_writer_close(ng, &st) != 0 && rc == 0) {
            say(why, n, "%s: %s", d->pcapng_path, strerror(st.write_errno));
            rc = -1;
        }
    }
    return rc;
}

int tsc_demo_classic(const struct tsc_demo_classic *d, char *why, size_t n)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        say(why, n, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        say(why, n, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[0]);
        char cwhy[512] = "";
        int rc = run(d, cwhy, sizeof cwhy);
        if (rc != 0) {
            size_t len = strlen(cwhy);
            if (write(pfd[1], cwhy, len) != (ssize_t)len)
                rc = 2;
        }
        _exit(rc == 0 ? 0 : 1);
    }
    close(pfd[1]);
    char got[512];
    size_t len = 0;
    for (;;) {
        ssize_t k = read(pfd[0], got + len, sizeof got - 1 - len);
        if (k > 0 && (len += (size_t)k) < sizeof got - 1)
            continue;
        if (k < 0 && errno == EINTR)
            continue;
        break;
    }
    got[len] = '\0';
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    say(why, n, "%s", len ? got : "the recording process failed");
    return -1;
}
