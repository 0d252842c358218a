/*
 * test_starttls.c - the client's side of the STARTTLS exchanges
 * (probe/starttls.h) against scripted fake servers.
 *
 * Each fake server is a thread on the other end of a socketpair or of a TCP
 * connection on 127.0.0.1 (an ephemeral port), running a script: send these
 * bytes, expect exactly these bytes from the client, pause, close. For every
 * protocol: the server agrees, and writes "\x16\x03\x01" in the same write
 * as its go-ahead, and the test then reads those three bytes from the
 * client's socket (so tsc_starttls_run took nothing past the plaintext), on
 * blocking and non-blocking sockets; the server refuses; closes in the
 * middle; stalls (a 200 ms timeout must end the run well under 2 s); sends
 * a line longer than 8 KiB; sends garbage. Every error is one line that
 * starts with the protocol's name. Signals arriving during a wait
 * (EINTR) do not end it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "probe/starttls.h"

#define TLS3 "\x16\x03\x01" /* the first bytes of a TLS record: must stay unread */

enum op { END, SEND, EXPECT, PAUSE, CLOSE, SEND_BIG };
struct step {
    enum op op;
    const char *data;
    size_t len;
};
#define S(lit) {SEND, (lit), sizeof(lit) - 1}
#define E(lit) {EXPECT, (lit), sizeof(lit) - 1}
#define P(ms) {PAUSE, NULL, (ms)}
#define C {CLOSE, NULL, 0}
#define BIG(ptr, n) {SEND_BIG, (ptr), (n)}
#define DONE {END, NULL, 0}

/* ---- the fake server --------------------------------------------------------- */

struct server {
    int fd;
    const struct step *steps;
    int mismatch;     /* the client sent something else than expected */
    char got[128];    /* what it sent instead */
    pthread_t th;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Exactly n bytes, within 3 s. */
static int read_all(int fd, char *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 3000) <= 0)
            return -1;
        ssize_t r = read(fd, p + off, n - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        off += (size_t)r;
    }
    return 0;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* the client's thread gets the test's signals */
    char buf[512];
    const struct step *st = s->steps;
    for (; st->op != END; st++) {
        if (st->op == SEND || st->op == SEND_BIG) {
            if (write_all(s->fd, st->data, st->len))
                break; /* the client gave up, as it should on a flood */
        } else if (st->op == EXPECT) {
            size_t n = st->len < sizeof buf ? st->len : sizeof buf;
            if (read_all(s->fd, buf, n) || n != st->len || memcmp(buf, st->data, n) != 0) {
                s->mismatch = 1;
                snprintf(s->got, sizeof s->got, "%.*s", (int)n, buf);
                break;
            }
        } else if (st->op == PAUSE) {
            usleep((useconds_t)st->len * 1000);
        } else if (st->op == CLOSE) {
            close(s->fd);
            s->fd = -1;
            return NULL;
        }
    }
    /* then wait (at most 5 s) for the client to hang up, reading what it sends */
    int64_t end = now_ms() + 5000;
    while (now_ms() < end) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            break;
        if (pfd.revents) {
            ssize_t r = read(s->fd, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                break;
        }
    }
    close(s->fd);
    s->fd = -1;
    return NULL;
}

/* A connected pair: fds[0] the client's, fds[1] the server's. */
static void make_pair(int tcp, int fds[2])
{
    if (!tcp) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        return;
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0; /* an ephemeral port: no clash with anything else running */
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 1), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fds[0] >= 0);
    assert_int_equal(connect(fds[0], (struct sockaddr *)&a, sizeof a), 0);
    fds[1] = accept(l, NULL, NULL);
    assert_true(fds[1] >= 0);
    close(l);
}

/* ---- one run ------------------------------------------------------------------- */

enum { UNIX_BLOCKING, TCP_BLOCKING, TCP_NONBLOCKING };

struct result {
    int rc;
    char err[256];
    int64_t ms;
    int mismatch;
    char got[128];
    char after[8]; /* what the client's socket held after the run */
    ssize_t after_n;
};

static void run_as(enum tsc_starttls p, const char *host, const struct step *steps, int mode, int timeout_ms,
                   struct result *r)
{
    /* no SIGALRM (test_eintr) while setting up: connect and accept would see EINTR */
    sigset_t alrm, old;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alrm, &old);
    int fds[2];
    make_pair(mode != UNIX_BLOCKING, fds);
    if (mode == TCP_NONBLOCKING)
        assert_int_equal(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
    struct server s;
    memset(&s, 0, sizeof s);
    s.fd = fds[1];
    s.steps = steps;
    assert_int_equal(pthread_create(&s.th, NULL, serve, &s), 0);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    memset(r, 0, sizeof *r);
    memset(r->err, 'X', sizeof r->err - 1); /* the run must write a string */
    int64_t t0 = now_ms();
    r->rc = tsc_starttls_run(fds[0], p, host, timeout_ms, r->err, sizeof r->err);
    r->ms = now_ms() - t0;
    if (r->rc == 0) {
        /* the server's first TLS bytes must still be there */
        size_t off = 0;
        while (off < 3) {
            struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
            int pr = poll(&pfd, 1, 2000);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr <= 0)
                break;
            ssize_t k = read(fds[0], r->after + off, 3 - off);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            off += (size_t)k;
        }
        r->after_n = (ssize_t)off;
    }
    close(fds[0]);
    pthread_join(s.th, NULL);
    r->mismatch = s.mismatch;
    memcpy(r->got, s.got, sizeof r->got);
}

/* The server agrees: 0, an empty err, the client sent what the script
 * expects, and the TLS bytes are still unread; on all three socket kinds. */
static void expect_ok_host(enum tsc_starttls p, const char *host, const struct step *steps)
{
    for (int mode = UNIX_BLOCKING; mode <= TCP_NONBLOCKING; mode++) {
        struct result r;
        run_as(p, host, steps, mode, 2000, &r);
        if (r.rc != 0 || r.mismatch)
            print_error("%s mode %d: rc %d err '%s' client sent '%s'\n", tsc_starttls_name(p), mode, r.rc, r.err,
                        r.got);
        assert_int_equal(r.rc, 0);
        assert_string_equal(r.err, "");
        assert_int_equal(r.mismatch, 0);
        assert_int_equal(r.after_n, 3);
        assert_memory_equal(r.after, TLS3, 3);
    }
}

static void expect_ok(enum tsc_starttls p, const struct step *steps)
{
    expect_ok_host(p, "mail.example", steps);
}

/* The run fails: -1, a one-line err that starts with "proto: " and holds
 * `want`, in well under 2 s; the client sent what the script expects. */
static void expect_fail_t(enum tsc_starttls p, const struct step *steps, int timeout_ms, const char *want)
{
    struct result r;
    run_as(p, "mail.example", steps, TCP_NONBLOCKING, timeout_ms, &r);
    if (r.rc != -1 || !strstr(r.err, want) || r.mismatch)
        print_error("%s: rc %d err '%s' (want '%s'); client sent '%s'\n", tsc_starttls_name(p), r.rc, r.err, want,
                    r.mismatch ? r.got : "as expected");
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.mismatch, 0);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s: ", tsc_starttls_name(p));
    assert_int_equal(strncmp(r.err, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(r.err, want));
    assert_null(strchr(r.err, '\n'));
    assert_null(strchr(r.err, '\r'));
    for (const char *q = r.err; *q; q++)
        assert_true(*q >= 0x20 && *q <= 0x7e);
    assert_true(r.ms < 1500);
}

static void expect_fail(enum tsc_starttls p, const struct step *steps, const char *want)
{
    expect_fail_t(p, steps, 2000, want);
}

/* The server goes silent: the 200 ms timeout ends the run. */
static void expect_timeout(enum tsc_starttls p, const struct step *steps, const char *want)
{
    struct result r;
    run_as(p, "mail.example", steps, TCP_BLOCKING, 200, &r);
    assert_int_equal(r.rc, -1);
    assert_true(r.ms >= 150);
    assert_true(r.ms < 1000);
    expect_fail_t(p, steps, 200, want);
}

/* 9000 bytes without a line's end, and a flood of short lines */
static char big_line[9000];
static char flood[80000];

static int setup_big(void **state)
{
    memset(big_line, 'A', sizeof big_line);
    for (size_t i = 0; i + 10 <= sizeof flood; i += 10)
        memcpy(flood + i, "250-xxxx\r\n", 10);
    return 0;
}

/* ---- names and ports ------------------------------------------------------------ */

static void test_parse_name_port(void **state)
{
    static const struct {
        const char *name;
        enum tsc_starttls p;
        uint16_t port;
    } t[] = {
        {"smtp", TSC_STARTTLS_SMTP, 25},  {"imap", TSC_STARTTLS_IMAP, 143}, {"pop3", TSC_STARTTLS_POP3, 110},
        {"ftp", TSC_STARTTLS_FTP, 21},    {"xmpp", TSC_STARTTLS_XMPP, 5222}, {"ldap", TSC_STARTTLS_LDAP, 389},
        {"postgres", TSC_STARTTLS_POSTGRES, 5432},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        enum tsc_starttls p = TSC_STARTTLS_NONE;
        assert_int_equal(tsc_starttls_parse(t[i].name, &p), 0);
        assert_int_equal(p, t[i].p);
        assert_string_equal(tsc_starttls_name(p), t[i].name);
        assert_int_equal(tsc_starttls_default_port(p), t[i].port);
    }
    enum tsc_starttls p = TSC_STARTTLS_SMTP;
    assert_int_equal(tsc_starttls_parse("SMTP", &p), -1);
    assert_int_equal(tsc_starttls_parse("smtps", &p), -1);
    assert_int_equal(tsc_starttls_parse("", &p), -1);
    assert_int_equal(tsc_starttls_parse("none", &p), -1);
    assert_int_equal(tsc_starttls_parse(NULL, &p), -1);
    assert_int_equal(p, TSC_STARTTLS_SMTP); /* untouched */
    assert_string_equal(tsc_starttls_name(TSC_STARTTLS_NONE), "none");
    assert_string_equal(tsc_starttls_name((enum tsc_starttls)99), "unknown");
    assert_int_equal(tsc_starttls_default_port(TSC_STARTTLS_NONE), 443);
}

/* ---- SMTP -------------------------------------------------------------------------- */

static void test_smtp_ok(void **state)
{
    static const struct step ok[] = {
        S("220-mx.example ESMTP\r\n220 second greeting line\r\n"),
        E("EHLO mail.example\r\n"),
        S("250-mx.example\r\n250-PIPELINING\r\n250-starttls\r\n250 8BITMIME\r\n"),
        E("STARTTLS\r\n"),
        S("220 2.0.0 Ready to start TLS\r\n" TLS3),
        DONE,
    };
    expect_ok(TSC_STARTTLS_SMTP, ok);
    /* an address is greeted in brackets (RFC 5321 4.1.3); no host is localhost;
     * bare LF line ends; the keyword on the last line */
    static const struct step v4[] = {
        S("220 mx\n"), E("EHLO [127.0.0.1]\r\n"), S("250-mx\n250 STARTTLS\n"), E("STARTTLS\r\n"), S("220\n" TLS3), DONE,
    };
    expect_ok_host(TSC_STARTTLS_SMTP, "127.0.0.1", v4);
    static const struct step v6[] = {
        S("220 mx\r\n"), E("EHLO [IPv6:::1]\r\n"), S("250 STARTTLS\r\n"), E("STARTTLS\r\n"), S("220 go\r\n" TLS3), DONE,
    };
    expect_ok_host(TSC_STARTTLS_SMTP, "::1", v6);
    static const struct step local[] = {
        S("220 mx\r\n"), E("EHLO localhost\r\n"), S("250 STARTTLS\r\n"), E("STARTTLS\r\n"), S("220 go\r\n" TLS3), DONE,
    };
    expect_ok_host(TSC_STARTTLS_SMTP, NULL, local);
    /* the reply arrives in pieces */
    static const struct step slow[] = {
        S("22"), P(30), S("0 mx\r"), P(30), S("\n"), E("EHLO mail.example\r\n"), S("250-mx\r\n"), P(30),
        S("250 STARTTLS\r\n"), E("STARTTLS\r\n"), S("220 go"), P(30), S("\r\n" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_SMTP, slow);
}

static void test_smtp_refused(void **state)
{
    static const struct step refused[] = {
        S("220 mx\r\n"), E("EHLO mail.example\r\n"), S("250-mx\r\n250 STARTTLS\r\n"), E("STARTTLS\r\n"),
        S("454 4.7.0 TLS not available\r\n"), DONE,
    };
    struct result r;
    run_as(TSC_STARTTLS_SMTP, "mail.example", refused, TCP_BLOCKING, 2000, &r);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.err, "smtp: server refused STARTTLS: 454 4.7.0 TLS not available");
    static const struct step not_offered[] = {
        S("220 mx\r\n"), E("EHLO mail.example\r\n"), S("250-mx\r\n250-XSTARTTLS\r\n250 SIZE 100\r\n"), DONE,
    };
    expect_fail(TSC_STARTTLS_SMTP, not_offered, "server does not offer STARTTLS");
    static const struct step busy[] = {S("554 5.3.2 go away\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, busy, "server refused the session: 554 5.3.2 go away");
    static const struct step no_ehlo[] = {S("220 mx\r\n"), E("EHLO mail.example\r\n"), S("502 no\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, no_ehlo, "server refused EHLO: 502 no");
}

static void test_smtp_broken(void **state)
{
    static const struct step closed[] = {S("220 mx\r\n"), E("EHLO mail.example\r\n"), S("250-mx\r\n"), C};
    expect_fail(TSC_STARTTLS_SMTP, closed, "connection closed waiting for the EHLO reply");
    static const struct step silent[] = {S("220 mx\r\n"), E("EHLO mail.example\r\n"), S("250-mx\r\n"), DONE};
    expect_timeout(TSC_STARTTLS_SMTP, silent, "timed out waiting for the EHLO reply");
    static const struct step half_line[] = {S("220 mx"), DONE};
    expect_timeout(TSC_STARTTLS_SMTP, half_line, "timed out waiting for the greeting");
    static const struct step http[] = {S("HTTP/1.1 400 Bad Request\r\n\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, http, "not an SMTP reply waiting for the greeting: HTTP/1.1 400 Bad Request");
    static const struct step binary[] = {S("\x00\x01\xff\x1b[31m\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, binary, "\\x00\\x01\\xff\\x1b[31m");
    static const struct step mixed[] = {S("220-mx\r\n250 other\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, mixed, "another code");
    static const struct step longline[] = {S("220 "), BIG(big_line, sizeof big_line), S("\r\n"), DONE};
    expect_fail(TSC_STARTTLS_SMTP, longline, "a line longer than 8192 bytes waiting for the greeting");
    static const struct step flooding[] = {S("220 mx\r\n"), E("EHLO mail.example\r\n"), BIG(flood, sizeof flood),
                                           DONE};
    expect_fail(TSC_STARTTLS_SMTP, flooding, "more than 65536 bytes waiting for the EHLO reply");
}

/* ---- IMAP ---------------------------------------------------------------------------- */

static void test_imap(void **state)
{
    static const struct step ok[] = {
        S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), E("a1 STARTTLS\r\n"),
        S("* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK still here\r\na1 OK Begin TLS negotiation now\r\n" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_IMAP, ok);
    static const struct step no[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), S("a1 NO [UNAVAILABLE] no TLS\r\n"),
                                     DONE};
    expect_fail(TSC_STARTTLS_IMAP, no, "server refused STARTTLS: a1 NO [UNAVAILABLE] no TLS");
    static const struct step bad[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), S("a1 BAD unknown command\r\n"), DONE};
    expect_fail(TSC_STARTTLS_IMAP, bad, "server refused STARTTLS: a1 BAD");
    static const struct step preauth[] = {S("* PREAUTH welcome\r\n"), DONE};
    expect_fail(TSC_STARTTLS_IMAP, preauth, "PREAUTH");
    static const struct step bye[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), S("* BYE shutting down\r\n"), DONE};
    expect_fail(TSC_STARTTLS_IMAP, bye, "server ended the session: * BYE shutting down");
    static const struct step closed[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), C};
    expect_fail(TSC_STARTTLS_IMAP, closed, "connection closed waiting for the STARTTLS reply");
    static const struct step silent[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), S("* untagged\r\n"), DONE};
    expect_timeout(TSC_STARTTLS_IMAP, silent, "timed out waiting for the STARTTLS reply");
    static const struct step other_tag[] = {S("* OK ready\r\n"), E("a1 STARTTLS\r\n"), S("a2 OK\r\n"), DONE};
    expect_fail(TSC_STARTTLS_IMAP, other_tag, "not an IMAP response: a2 OK");
    static const struct step pop[] = {S("+OK pop3 here\r\n"), DONE};
    expect_fail(TSC_STARTTLS_IMAP, pop, "not an IMAP greeting: +OK pop3 here");
    static const struct step longline[] = {S("* OK "), BIG(big_line, sizeof big_line), DONE};
    expect_fail(TSC_STARTTLS_IMAP, longline, "a line longer than 8192 bytes");
}

/* ---- POP3 ------------------------------------------------------------------------------ */

static void test_pop3(void **state)
{
    static const struct step ok[] = {S("+OK POP3 ready\r\n"), E("STLS\r\n"), S("+OK Begin TLS\r\n" TLS3), DONE};
    expect_ok(TSC_STARTTLS_POP3, ok);
    static const struct step bare[] = {S("+OK\r\n"), E("STLS\r\n"), S("+OK\r\n" TLS3), DONE};
    expect_ok(TSC_STARTTLS_POP3, bare);
    static const struct step refused[] = {S("+OK ready\r\n"), E("STLS\r\n"), S("-ERR command not permitted\r\n"), DONE};
    expect_fail(TSC_STARTTLS_POP3, refused, "server refused STLS: -ERR command not permitted");
    static const struct step busy[] = {S("-ERR too many connections\r\n"), DONE};
    expect_fail(TSC_STARTTLS_POP3, busy, "server refused the session: -ERR too many connections");
    static const struct step closed[] = {S("+OK ready\r\n"), E("STLS\r\n"), C};
    expect_fail(TSC_STARTTLS_POP3, closed, "connection closed waiting for the STLS reply");
    static const struct step closed_first[] = {C};
    expect_fail(TSC_STARTTLS_POP3, closed_first, "connection closed waiting for the greeting");
    static const struct step silent[] = {DONE};
    expect_timeout(TSC_STARTTLS_POP3, silent, "timed out waiting for the greeting");
    static const struct step garbage[] = {S("+OKAY\r\n"), DONE};
    expect_fail(TSC_STARTTLS_POP3, garbage, "not a POP3 greeting: +OKAY");
    static const struct step garbage2[] = {S("+OK\r\n"), E("STLS\r\n"), S("250 what\r\n"), DONE};
    expect_fail(TSC_STARTTLS_POP3, garbage2, "not a POP3 reply: 250 what");
    static const struct step longline[] = {S("+OK\r\n"), E("STLS\r\n"), BIG(big_line, sizeof big_line), DONE};
    expect_fail(TSC_STARTTLS_POP3, longline, "a line longer than 8192 bytes waiting for the STLS reply");
}

/* ---- FTP ---------------------------------------------------------------------------------- */

static void test_ftp(void **state)
{
    /* RFC 959 4.2: inner lines of a multi-line reply are any text, even one
     * that starts with a space and the code; the end is "220 " */
    static const struct step ok[] = {
        S("220-Welcome\r\nsome text\r\n 220 not the end\r\n220-still not\r\n230 other code\r\n220 ready\r\n"),
        E("AUTH TLS\r\n"), S("234 AUTH TLS successful\r\n" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_FTP, ok);
    static const struct step later[] = {S("120 ready in 1 minute\r\n"), P(20), S("220 ready\r\n"), E("AUTH TLS\r\n"),
                                        S("234-ok\r\n234 go\r\n" TLS3), DONE};
    expect_ok(TSC_STARTTLS_FTP, later);
    static const struct step refused[] = {S("220 ready\r\n"), E("AUTH TLS\r\n"), S("534 Local policy\r\n"), DONE};
    expect_fail(TSC_STARTTLS_FTP, refused, "server refused AUTH TLS: 534 Local policy");
    static const struct step busy[] = {S("421 Too many users\r\n"), DONE};
    expect_fail(TSC_STARTTLS_FTP, busy, "server refused the session: 421 Too many users");
    static const struct step closed[] = {S("220-Welcome\r\n"), C};
    expect_fail(TSC_STARTTLS_FTP, closed, "connection closed waiting for the greeting");
    static const struct step silent[] = {S("220 ready\r\n"), E("AUTH TLS\r\n"), DONE};
    expect_timeout(TSC_STARTTLS_FTP, silent, "timed out waiting for the AUTH TLS reply");
    /* 120 after 120 does not stretch the wait */
    static struct step again[64];
    for (size_t i = 0; i < 62; i += 2) {
        again[i] = (struct step){SEND, "120 soon\r\n", 10};
        again[i + 1] = (struct step){PAUSE, NULL, 50};
    }
    again[62] = (struct step){END, NULL, 0};
    expect_timeout(TSC_STARTTLS_FTP, again, "timed out waiting for the greeting");
    static const struct step garbage[] = {S("SSH-2.0-OpenSSH_9.6\r\n"), DONE};
    expect_fail(TSC_STARTTLS_FTP, garbage, "not an FTP reply waiting for the greeting: SSH-2.0-OpenSSH_9.6");
    static const struct step longline[] = {S("220-x\r\n"), BIG(big_line, sizeof big_line), DONE};
    expect_fail(TSC_STARTTLS_FTP, longline, "a line longer than 8192 bytes");
}

/* ---- XMPP ------------------------------------------------------------------------------------ */

#define XHDR                                                                                                    \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " \
    "to='mail.example' version='1.0'>"
#define XSRV                                                                                                   \
    "<?xml version='1.0'?>\n<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " \
    "id='a>b' from=\"mail.example\" version='1.0'>"
#define XREQ "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

static void test_xmpp(void **state)
{
    static const struct step ok[] = {
        E(XHDR), S(XSRV), P(30),
        S("<stream:features><starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"><required/></starttls>"
          "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
          "</stream:features>"),
        E(XREQ), S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_XMPP, ok);
    /* in one write, white space between elements, <proceed></proceed> */
    static const struct step ok2[] = {
        E(XHDR),
        S(XSRV "\n  <stream:features>\n<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n</stream:features>\n"),
        E(XREQ), S(" <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_XMPP, ok2);
    static const struct step failure[] = {
        E(XHDR), S(XSRV "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"),
        E(XREQ), S("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"), DONE,
    };
    expect_fail(TSC_STARTTLS_XMPP, failure, "server refused STARTTLS");
    static const struct step not_offered[] = {
        E(XHDR), S(XSRV "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features>"),
        DONE,
    };
    expect_fail(TSC_STARTTLS_XMPP, not_offered, "server does not offer STARTTLS");
    static const struct step empty_features[] = {E(XHDR), S(XSRV "<stream:features/>"), DONE};
    expect_fail(TSC_STARTTLS_XMPP, empty_features, "server does not offer STARTTLS");
    static const struct step error[] = {
        E(XHDR), S(XSRV "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
        DONE,
    };
    expect_fail(TSC_STARTTLS_XMPP, error, "stream error: host-unknown");
    static const struct step closed[] = {E(XHDR), S(XSRV "<stream:features>"), C};
    expect_fail(TSC_STARTTLS_XMPP, closed, "connection closed waiting for the stream features");
    static const struct step silent[] = {E(XHDR), S(XSRV), DONE};
    expect_timeout(TSC_STARTTLS_XMPP, silent, "timed out waiting for the stream features");
    static const struct step http[] = {E(XHDR), S("HTTP/1.1 400 Bad Request\r\n\r\n<html>"), DONE};
    expect_fail(TSC_STARTTLS_XMPP, http, "text outside any element");
    static const struct step html[] = {E(XHDR), S("<html><body>"), DONE};
    expect_fail(TSC_STARTTLS_XMPP, html, "not an XMPP stream: <html>");
    /* <proceed> and <starttls> count only in the TLS namespace */
    static const struct step other_ns[] = {
        E(XHDR), S(XSRV "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"),
        E(XREQ), S("<proceed xmlns='urn:example:other'/>"), DONE,
    };
    expect_fail(TSC_STARTTLS_XMPP, other_ns, "unexpected element waiting for the STARTTLS answer: <proceed");
    static const struct step other_ns2[] = {
        E(XHDR), S(XSRV "<stream:features><starttls xmlns='urn:example:other'/></stream:features>"), DONE,
    };
    expect_fail(TSC_STARTTLS_XMPP, other_ns2, "server does not offer STARTTLS");
    static const struct step longtag[] = {E(XHDR), S("<stream:stream a='"), BIG(big_line, sizeof big_line), DONE};
    expect_fail(TSC_STARTTLS_XMPP, longtag, "an element longer than 8192 bytes");
}

/* ---- LDAP ----------------------------------------------------------------------------------------- */

/* LDAPMessage { 1, ExtendedRequest { requestName [0] "1.3.6.1.4.1.1466.20037" } } */
#define LREQ "\x30\x1d\x02\x01\x01\x77\x18\x80\x16" "1.3.6.1.4.1.1466.20037"

static void test_ldap(void **state)
{
    /* ExtendedResponse { success, "", "" } */
    static const struct step ok[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00" TLS3), DONE,
    };
    expect_ok(TSC_STARTTLS_LDAP, ok);
    /* long-form lengths, a responseName, then controls; in pieces */
    static const struct step ok2[] = {
        E(LREQ), S("\x30\x81"), P(20),
        S("\x2a\x02\x01\x01\x78\x81\x1f\x0a\x01\x00\x04\x00\x04\x00\x8a\x16" "1.3.6.1.4.1.1466.20037"
          "\xa0\x03\x30\x01\x00" TLS3),
        DONE,
    };
    expect_ok(TSC_STARTTLS_LDAP, ok2);
    static const struct step refused[] = {
        E(LREQ), S("\x30\x17\x02\x01\x01\x78\x12\x0a\x01\x02\x04\x00\x04\x0b" "unsupported"), DONE,
    };
    struct result r;
    run_as(TSC_STARTTLS_LDAP, NULL, refused, UNIX_BLOCKING, 2000, &r);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.err, "ldap: server refused StartTLS: resultCode 2 (protocolError): unsupported");
    static const struct step notice[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x00\x78\x07\x0a\x01\x34\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, notice, "server disconnected: resultCode 52 (unavailable)");
    static const struct step other_id[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x02\x78\x07\x0a\x01\x00\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, other_id, "messageID 2");
    /* inner length runs past the message */
    static const struct step inner[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x01\x78\x09\x0a\x01\x00\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, inner, "malformed LDAPMessage (protocolOp)");
    /* an OCTET STRING longer than the ExtendedResponse */
    static const struct step inner2[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x05"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, inner2, "malformed ExtendedResponse");
    /* a resultCode of five bytes; a negative one */
    static const struct step rc5[] = {
        E(LREQ), S("\x30\x10\x02\x01\x01\x78\x0b\x0a\x05\x00\x00\x00\x00\x00\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, rc5, "malformed ExtendedResponse (resultCode)");
    static const struct step neg[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\xff\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, neg, "malformed ExtendedResponse (resultCode)");
    static const struct step trailing[] = {
        E(LREQ), S("\x30\x0e\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, trailing, "malformed LDAPMessage (after protocolOp)");
    static const struct step bind_resp[] = {
        E(LREQ), S("\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00"), DONE,
    };
    expect_fail(TSC_STARTTLS_LDAP, bind_resp, "not an ExtendedResponse (protocolOp tag 0x61)");
    static const struct step huge[] = {E(LREQ), S("\x30\x84\x7f\xff\xff\xff"), DONE};
    expect_fail(TSC_STARTTLS_LDAP, huge, "a message longer than 8192 bytes");
    static const struct step indefinite[] = {E(LREQ), S("\x30\x80\x02\x01\x01"), DONE};
    expect_fail(TSC_STARTTLS_LDAP, indefinite, "not an LDAP message: 0\\x80");
    static const struct step five[] = {E(LREQ), S("\x30\x85\x00\x00\x00\x00\x0c"), DONE};
    expect_fail(TSC_STARTTLS_LDAP, five, "not an LDAP message");
    static const struct step http[] = {E(LREQ), S("HTTP/1.1 400 Bad Request\r\n\r\n"), DONE};
    expect_fail(TSC_STARTTLS_LDAP, http, "not an LDAP message: HT");
    static const struct step cut[] = {E(LREQ), S("\x30\x0c\x02\x01\x01\x78"), C};
    expect_fail(TSC_STARTTLS_LDAP, cut, "connection closed waiting for the StartTLS response");
    static const struct step silent[] = {E(LREQ), S("\x30\x0c\x02"), DONE};
    expect_timeout(TSC_STARTTLS_LDAP, silent, "timed out waiting for the StartTLS response");
}

/* ---- PostgreSQL ------------------------------------------------------------------------------------ */

#define PREQ "\x00\x00\x00\x08\x04\xd2\x16\x2f"

static void test_postgres(void **state)
{
    static const struct step ok[] = {E(PREQ), S("S" TLS3), DONE};
    expect_ok(TSC_STARTTLS_POSTGRES, ok);
    static const struct step no[] = {E(PREQ), S("N"), DONE};
    expect_fail(TSC_STARTTLS_POSTGRES, no, "server refused SSL");
    static const struct step e[] = {E(PREQ), S("E\x00\x00\x00\x10SFATAL\x00"), DONE};
    expect_fail(TSC_STARTTLS_POSTGRES, e, "error message");
    static const struct step garbage[] = {E(PREQ), S("\x15\x03\x01\x00\x02\x02\x28"), DONE};
    expect_fail(TSC_STARTTLS_POSTGRES, garbage, "not a PostgreSQL answer: \\x15");
    static const struct step closed[] = {E(PREQ), C};
    expect_fail(TSC_STARTTLS_POSTGRES, closed, "connection closed waiting for the SSLRequest answer");
    static const struct step silent[] = {E(PREQ), DONE};
    expect_timeout(TSC_STARTTLS_POSTGRES, silent, "timed out waiting for the SSLRequest answer");
}

/* ---- across protocols ---------------------------------------------------------------------------------- */

/* A server that sends a byte every 50 ms never finishes its line: the
 * deadline is the answer's, not each byte's. */
static void test_trickle(void **state)
{
    static struct step drip[64];
    for (size_t i = 0; i < 62; i += 2) {
        drip[i] = (struct step){SEND, "2", 1};
        drip[i + 1] = (struct step){PAUSE, NULL, 50};
    }
    drip[62] = (struct step){END, NULL, 0};
    struct result r;
    run_as(TSC_STARTTLS_SMTP, NULL, drip, TCP_NONBLOCKING, 300, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "smtp: timed out waiting for the greeting"));
    assert_true(r.ms < 1000);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
    alarms++;
}

/* SIGALRM every 5 ms, without SA_RESTART: poll and recv see EINTR and go on. */
static void test_eintr(void **state)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = {{0, 5000}, {0, 5000}}, off = {{0, 0}, {0, 0}};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    static const struct step ok[] = {
        P(60), S("220 mx\r\n"), E("EHLO mail.example\r\n"), P(60), S("250 STARTTLS\r\n"), E("STARTTLS\r\n"), P(60),
        S("220 go\r\n" TLS3), DONE,
    };
    struct result r;
    alarms = 0;
    run_as(TSC_STARTTLS_SMTP, "mail.example", ok, TCP_BLOCKING, 2000, &r);
    int a = alarms;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.mismatch, 0);
    assert_true(a > 10);
    assert_int_equal(r.after_n, 3);
    /* and a timeout still ends the wait */
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    static const struct step silent[] = {DONE};
    run_as(TSC_STARTTLS_POP3, NULL, silent, TCP_BLOCKING, 200, &r);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.err, "pop3: timed out waiting for the greeting");
    assert_true(r.ms < 1000);
}

/* A host that would break the command line is refused before anything is
 * sent; an unknown protocol, NONE, a bad fd; a small err buffer. */
static void test_arguments(void **state)
{
    char err[64];
    static const struct step nothing[] = {DONE};
    struct result r;
    run_as(TSC_STARTTLS_SMTP, "evil\r\nRCPT TO:<x>", nothing, UNIX_BLOCKING, 500, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "smtp: a host name"));
    run_as(TSC_STARTTLS_XMPP, "a' b='c", nothing, UNIX_BLOCKING, 500, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "xmpp: a host name"));
    assert_int_equal(tsc_starttls_run(-1, (enum tsc_starttls)42, NULL, 100, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown protocol"));
    assert_int_equal(tsc_starttls_run(-1, TSC_STARTTLS_NONE, NULL, 100, err, sizeof err), 0);
    assert_int_equal(tsc_starttls_run(-1, TSC_STARTTLS_IMAP, NULL, 100, err, sizeof err), -1);
    assert_string_equal(err, "imap: no connection");
    assert_int_equal(tsc_starttls_run(-1, TSC_STARTTLS_IMAP, NULL, 100, NULL, 0), -1);
    /* cut to fit, never in the middle of an escape */
    static const struct step binary[] = {S("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"), DONE};
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    struct server s;
    memset(&s, 0, sizeof s);
    s.fd = fds[1];
    s.steps = binary;
    assert_int_equal(pthread_create(&s.th, NULL, serve, &s), 0);
    char small[48];
    assert_int_equal(tsc_starttls_run(fds[0], TSC_STARTTLS_POP3, NULL, 1000, small, sizeof small), -1);
    close(fds[0]);
    pthread_join(s.th, NULL);
    /* "pop3: not a POP3 greeting: " is 27 bytes, then escapes of 4 */
    for (size_t len = 28; len <= sizeof small; len++) {
        char e[48];
        memset(e, 'X', sizeof e);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        memset(&s, 0, sizeof s);
        s.fd = fds[1];
        s.steps = binary;
        assert_int_equal(pthread_create(&s.th, NULL, serve, &s), 0);
        assert_int_equal(tsc_starttls_run(fds[0], TSC_STARTTLS_POP3, NULL, 1000, e, len), -1);
        close(fds[0]);
        pthread_join(s.th, NULL);
        size_t n = strnlen(e, len);
        assert_true(n < len);
        assert_int_equal(n, 27 + (len - 1 - 27) / 4 * 4); /* whole escapes only */
        assert_memory_equal(e, small, n);
    }
    assert_int_equal(strncmp(small, "pop3: not a POP3 greeting: \\x01", 31), 0);
    /* server text is quoted up to 200 bytes, then "..." */
    static char long_refusal[300];
    memcpy(long_refusal, "-ERR ", 5);
    memset(long_refusal + 5, 'r', sizeof long_refusal - 7);
    memcpy(long_refusal + sizeof long_refusal - 2, "\r\n", 2);
    static const struct step refuse[] = {S("+OK\r\n"), E("STLS\r\n"), BIG(long_refusal, sizeof long_refusal), DONE};
    run_as(TSC_STARTTLS_POP3, NULL, refuse, UNIX_BLOCKING, 1000, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(strlen(r.err), strlen("pop3: server refused STLS: ") + 200 + 3);
    assert_string_equal(r.err + strlen(r.err) - 4, "r...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_name_port),
        cmocka_unit_test(test_smtp_ok),
        cmocka_unit_test(test_smtp_refused),
        cmocka_unit_test(test_smtp_broken),
        cmocka_unit_test(test_imap),
        cmocka_unit_test(test_pop3),
        cmocka_unit_test(test_ftp),
        cmocka_unit_test(test_xmpp),
        cmocka_unit_test(test_ldap),
        cmocka_unit_test(test_postgres),
        cmocka_unit_test(test_trickle),
        cmocka_unit_test(test_eintr),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, setup_big, NULL);
}
