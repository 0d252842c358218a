/*
 * scan.c - the probe's questions (docs/probe.md "What it asks, and how"):
 * one fresh connection per hello, never more than the budget, paced by
 * --rate; every connection's bytes go through a tap to the passive pipeline
 * and the --pcap file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "peer/peer.h"
#include "peer/tap.h"
#include "probe/probe.h"
#include "registry/registry.h"
#include "registry/suite.h"
#include "tls/msg.h"
#include "tls/session.h"

#define ANSWER_MAX (320u * 1024u)

static const uint16_t version_codes[TSC_PROBE_N_VERSIONS] = {0x0002, TSC_SSL30, TSC_TLS10,
                                                             TSC_TLS11, TSC_TLS12, TSC_TLS13};

static const char *const alpn_offer[] = {"h2",   "http/1.1", "http/1.0",    "spdy/3.1", "h3",         "acme-tls/1",
                                         "imap", "pop3",     "smtp",        "xmpp-client", "ftp", "postgresql"};
#define N_ALPN (sizeof alpn_offer / sizeof alpn_offer[0])

struct scan {
    const struct tsc_probe_cfg *cfg;
    struct tsc_probe_result *res;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct timespec last;
    int started;
    int stop; /* the budget ran out or a connection could not be made */
    struct tsc_buf in;
    /* registry lists */
    uint16_t suites12[TSC_PROBE_MAX_LIST], suites13[64], groups[256], sigalgs[128];
    size_t n12, n13, ngroups, nsigalgs;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress(struct scan *s, const char *step)
{
    if (s->cfg->progress)
        s->cfg->progress(s->cfg->progress_ctx, step);
}

const char *tsc_probe_target(const struct tsc_probe_cfg *cfg, char *buf, size_t n)
{
    if (strchr(cfg->host, ':'))
        snprintf(buf, n, "[%s]:%u", cfg->host, cfg->port);
    else
        snprintf(buf, n, "%s:%u", cfg->host, cfg->port);
    return buf;
}

static void fail(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct scan *s, const char *fmt, ...)
{
    if (s->res->error[0])
        return;
    char t[300];
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->res->error, sizeof s->res->error, "%s: %s", tsc_probe_target(s->cfg, t, sizeof t), msg);
}

/* ------------------------------------------------------- connections ---- */

/* Wait for fd to be ready for `events` until `deadline`; 1 ready, 0 timed
 * out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static void pace(struct scan *s)
{
    if (s->cfg->rate > 0 && s->started) {
        double gap = 1.0 / s->cfg->rate;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double since = (double)(now.tv_sec - s->last.tv_sec) + (double)(now.tv_nsec - s->last.tv_nsec) / 1e9;
        if (since < gap) {
            double wait = gap - since;
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &s->last);
    s->started = 1;
}

/* A connected socket (and the STARTTLS exchange done), or -1 after fail(). */
static int open_conn(struct scan *s)
{
    if (s->stop)
        return -1;
    if (s->res->connections >= s->cfg->max_connections) {
        s->res->complete = 0;
        s->stop = 1;
        char m[80];
        snprintf(m, sizeof m, "%u", s->cfg->max_connections);
        fail(s, "stopped after --max-connections %s connections; the report is incomplete", m);
        return -1;
    }
    pace(s);
    s->res->connections++;
    int fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        s->stop = 1;
        fail(s, "socket: %s", strerror(errno));
        return -1;
    }
    int64_t deadline = now_ms() + s->cfg->timeout_ms;
    if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        s->stop = 1;
        fail(s, "cannot connect: %s", strerror(e));
        return -1;
    }
    int w = wait_fd(fd, POLLOUT, deadline);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
        if (s->cfg->starttls != TSC_STARTTLS_NONE) {
            char why[200];
            if (tsc_starttls_run(fd, s->cfg->starttls, s->cfg->sni ? s->cfg->sni : s->cfg->host,
                                 s->cfg->timeout_ms, why, sizeof why) != 0) {
                close(fd);
                s->stop = 1;
                fail(s, "STARTTLS failed: %s", why);
                return -1;
            }
        }
        return fd;
    }
    close(fd);
    s->stop = 1;
    if (w == 0)
        fail(s, "cannot connect: no answer in %.3g s", s->cfg->timeout_ms / 1000.0);
    else
        fail(s, "cannot connect: %s", strerror(soerr ? soerr : errno));
    return -1;
}

static void tap_start(struct scan *s, struct tsc_tap *tap, int fd)
{
    struct sockaddr_storage local, peer;
    socklen_t l1 = sizeof local, l2 = sizeof peer;
    memset(&local, 0, sizeof local);
    memset(&peer, 0, sizeof peer);
    if (getsockname(fd, (struct sockaddr *)&local, &l1) != 0 || getpeername(fd, (struct sockaddr *)&peer, &l2) != 0)
        peer = s->addr;
    tsc_tap_init(tap, &local, &peer, s->cfg->pl, NULL, s->cfg->pcap);
}

static int send_all(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) != 1)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Send one hello on a fresh connection and read the answer. 0 answered (any
 * kind), -1 no connection (the probe stops). */
static int ask(struct scan *s, const struct tsc_buf *hello, struct tsc_probe_answer *a)
{
    memset(a, 0, sizeof *a);
    int fd = open_conn(s);
    if (fd < 0)
        return -1;
    struct tsc_tap tap;
    tap_start(s, &tap, fd);
    tsc_tap_open(&tap);
    int64_t deadline = now_ms() + s->cfg->timeout_ms;
    tsc_buf_reset(&s->in);
    int reset = 0, decided = 0, timed_out = 0;
    if (send_all(fd, hello->data, hello->len, deadline) != 0) {
        if (now_ms() >= deadline)
            timed_out = 1; /* the server would not take the hello */
        else
            reset = 1; /* the server closed before taking it */
    } else {
        tsc_tap_data(&tap, 1, hello->data, hello->len);
        uint8_t buf[16384];
        for (;;) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w == 0) {
                timed_out = 1;
                break;
            }
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r > 0) {
                tsc_tap_data(&tap, 0, buf, (size_t)r);
                size_t take = (size_t)r;
                if (s->in.len + take > ANSWER_MAX)
                    take = ANSWER_MAX - s->in.len;
                if (take)
                    (void)tsc_buf_append(&s->in, buf, take);
                if (tsc_probe_answer_read(s->in.data, s->in.len, s->in.len >= ANSWER_MAX, a)) {
                    decided = 1;
                    break;
                }
                continue;
            }
            if (r == 0)
                break;
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            reset = errno == ECONNRESET || errno == EPIPE;
            break;
        }
    }
    if (!decided) {
        tsc_probe_answer_read(s->in.data, s->in.len, 1, a);
        int partial = a->kind == TSC_ANS_CLOSED || a->kind == TSC_ANS_MALFORMED;
        if (timed_out && (partial || s->in.len == 0))
            a->kind = TSC_ANS_TIMEOUT;
        else if (reset && (partial || s->in.len == 0))
            a->kind = TSC_ANS_RESET;
    }
    close(fd);
    tsc_tap_close(&tap);
    return 0;
}

/* ------------------------------------------------------------ hellos ---- */

static int build(const struct tsc_probe_hello *h, struct tsc_buf *out)
{
    tsc_buf_reset(out);
    return tsc_probe_hello_build(h, out);
}

/* The hello of the version step for version v, offering `suites`. */
static void hello_for(struct scan *s, uint16_t v, struct tsc_probe_hello *h)
{
    static const uint16_t v13[] = {TSC_TLS13};
    static const uint16_t shares[] = {0x001d, 0x0017};
    memset(h, 0, sizeof *h);
    h->sni = s->cfg->sni;
    if (v == TSC_TLS13) {
        h->version = TSC_TLS12;
        h->suites = s->suites13;
        h->n_suites = s->n13;
        h->versions = v13;
        h->n_versions = 1;
        h->shares = shares;
        h->n_shares = 2;
        h->groups = s->groups;
        h->n_groups = s->ngroups;
        h->sigalgs = s->sigalgs;
        h->n_sigalgs = s->nsigalgs;
        h->flags = TSC_PH_SUPPORTED_VERSIONS;
        return;
    }
    h->version = v;
    h->suites = s->suites12;
    h->n_suites = s->n12;
    if (v == TSC_SSL30) {
        h->flags = TSC_PH_NO_EXTENSIONS;
        return;
    }
    h->groups = s->groups;
    h->n_groups = s->ngroups;
    if (v == TSC_TLS12) {
        h->sigalgs = s->sigalgs;
        h->n_sigalgs = s->nsigalgs;
    }
    h->flags = TSC_PH_EMS | TSC_PH_RENEG_EXT | TSC_PH_TICKET | TSC_PH_STATUS;
}

static int accepted_as(const struct tsc_probe_answer *a, uint16_t v)
{
    if (v == 0x0002)
        return a->kind == TSC_ANS_SSLV2;
    if (v == TSC_TLS13)
        return (a->kind == TSC_ANS_HELLO || a->kind == TSC_ANS_HRR) && a->version == TSC_TLS13;
    return a->kind == TSC_ANS_HELLO && a->version == v;
}

static int vidx(uint16_t v)
{
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++)
        if (version_codes[i] == v)
            return i;
    return -1;
}

static int in_list(const uint16_t *l, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] == v)
            return 1;
    return 0;
}

static size_t remove_from(uint16_t *l, size_t n, uint16_t v)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i] != v)
            l[k++] = l[i];
    return k;
}

/* --------------------------------------------------------------- steps ---- */

static void registry_lists(struct scan *s)
{
    for (size_t i = 0; i < tsc_reg_count(TSC_REG_CIPHER_SUITE); i++) {
        uint16_t c = tsc_reg_code_at(TSC_REG_CIPHER_SUITE, i);
        struct tsc_suite_info si;
        if (!tsc_suite_describe(c, &si) || si.signalling || si.grease)
            continue;
        if (si.tls13) {
            if (s->n13 < sizeof s->suites13 / sizeof s->suites13[0])
                s->suites13[s->n13++] = c;
        } else if (s->n12 < sizeof s->suites12 / sizeof s->suites12[0]) {
            s->suites12[s->n12++] = c;
        }
    }
    for (size_t i = 0; i < tsc_reg_count(TSC_REG_GROUP) && s->ngroups < sizeof s->groups / sizeof s->groups[0]; i++) {
        uint16_t g = tsc_reg_code_at(TSC_REG_GROUP, i);
        if (!tsc_reg_is_grease(g))
            s->groups[s->ngroups++] = g;
    }
    for (size_t i = 0; i < tsc_reg_count(TSC_REG_SIGSCHEME) && s->nsigalgs < sizeof s->sigalgs / sizeof s->sigalgs[0];
         i++) {
        uint16_t g = tsc_reg_code_at(TSC_REG_SIGSCHEME, i);
        if (!tsc_reg_is_grease(g))
            s->sigalgs[s->nsigalgs++] = g;
    }
}

static void step_versions(struct scan *s, struct tsc_buf *hb)
{
    progress(s, "versions");
    /* TLS 1.2 and 1.3 first: when neither gets a TLS answer (no answer at
     * all, or bytes that are not TLS), the older ones are not asked */
    static const int order[TSC_PROBE_N_VERSIONS] = {4, 5, 3, 2, 1, 0};
    for (int k = 0; k < TSC_PROBE_N_VERSIONS && !s->stop; k++) {
        int i = order[k];
        if (k == 2) {
            enum tsc_probe_kind a = s->res->versions[4].ans.kind, b = s->res->versions[5].ans.kind;
            if ((a == TSC_ANS_TIMEOUT || a == TSC_ANS_NOT_TLS) && (b == TSC_ANS_TIMEOUT || b == TSC_ANS_NOT_TLS))
                break;
        }
        uint16_t v = version_codes[i];
        struct tsc_probe_hello h;
        int ok;
        tsc_buf_reset(hb);
        if (v == 0x0002) {
            ok = tsc_probe_hello_v2(hb) == 0;
        } else {
            hello_for(s, v, &h);
            ok = tsc_probe_hello_build(&h, hb) == 0;
        }
        if (!ok || ask(s, hb, &s->res->versions[i].ans) != 0)
            continue;
        s->res->versions[i].asked = 1;
        s->res->versions[i].accepted = accepted_as(&s->res->versions[i].ans, v);
    }
}

/* Which of two suites the server picks when offered a then b. 0 when none. */
static uint16_t pick_of_two(struct scan *s, uint16_t v, uint16_t a, uint16_t b, struct tsc_buf *hb)
{
    uint16_t two[2] = {a, b};
    struct tsc_probe_hello h;
    hello_for(s, v, &h);
    h.suites = two;
    h.n_suites = 2;
    struct tsc_probe_answer ans;
    if (build(&h, hb) != 0 || ask(s, hb, &ans) != 0 || !accepted_as(&ans, v))
        return 0;
    return ans.suite;
}

/* What an answer chose, for the list being found; -1 when it chose none. */
typedef int (*pick_fn)(const struct tsc_probe_answer *a, uint16_t v);

static int pick_suite(const struct tsc_probe_answer *a, uint16_t v)
{
    return accepted_as(a, v) ? a->suite : -1;
}

static int pick_hrr_group(const struct tsc_probe_answer *a, uint16_t v)
{
    (void)v;
    return a->kind == TSC_ANS_HRR ? a->group : -1;
}

static int pick_ske_group(const struct tsc_probe_answer *a, uint16_t v)
{
    return accepted_as(a, v) && a->ske_group ? a->ske_group : -1;
}

static int pick_ske_sig(const struct tsc_probe_answer *a, uint16_t v)
{
    return accepted_as(a, v) && a->ske_has_sig ? a->ske_sig : -1;
}

enum offered { OFFER_SUITES, OFFER_GROUPS, OFFER_SIGALGS };

/*
 * Find a list by removal: offer remaining[0..n) in the `what` field of the
 * hello `tmpl` (for version v); the server chooses one (pick); append it to
 * l, remove it, ask again, until the server chooses none, chooses one not
 * offered, or nothing is left. `first`, when not NULL, is the answer to the
 * whole list already had (it saves a connection).
 */
static void by_removal(struct scan *s, struct tsc_buf *hb, const struct tsc_probe_hello *tmpl, enum offered what,
                       uint16_t *remaining, size_t n, uint16_t v, pick_fn pick,
                       const struct tsc_probe_answer *first, struct tsc_probe_list *l)
{
    struct tsc_probe_answer ans;
    if (first)
        ans = *first;
    for (int have = first != NULL; n && l->n < TSC_PROBE_MAX_LIST; have = 0) {
        if (!have) {
            struct tsc_probe_hello h = *tmpl;
            if (what == OFFER_SUITES) {
                h.suites = remaining;
                h.n_suites = n;
            } else if (what == OFFER_GROUPS) {
                h.groups = remaining;
                h.n_groups = n;
            } else {
                h.sigalgs = remaining;
                h.n_sigalgs = n;
            }
            if (build(&h, hb) != 0 || ask(s, hb, &ans) != 0)
                return;
        }
        int c = pick(&ans, v);
        if (c < 0 || !in_list(remaining, n, (uint16_t)c))
            return;
        l->v[l->n++] = (uint16_t)c;
        n = remove_from(remaining, n, (uint16_t)c);
    }
}

static void step_suites(struct scan *s, struct tsc_buf *hb)
{
    s->res->reached_suites = 1;
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 0 && !s->stop; i--) {
        uint16_t v = version_codes[i];
        struct tsc_probe_list *l = &s->res->suites[i];
        if (!s->res->versions[i].accepted)
            continue;
        l->asked = 1;
        l->version = v;
        const struct tsc_probe_answer *first = &s->res->versions[i].ans;
        if (v == 0x0002) {
            for (size_t k = 0; k < first->n_v2; k++)
                l->v[l->n++] = first->v2_specs[k];
            l->order = l->n > 1 ? TSC_ORDER_UNKNOWN : TSC_ORDER_ONE;
            continue;
        }
        char step[40];
        snprintf(step, sizeof step, "suites %s", tsc_version_name(v));
        progress(s, step);
        static uint16_t remaining[TSC_PROBE_MAX_LIST];
        size_t n = v == TSC_TLS13 ? s->n13 : s->n12;
        memcpy(remaining, v == TSC_TLS13 ? s->suites13 : s->suites12, n * sizeof remaining[0]);
        struct tsc_probe_hello h;
        hello_for(s, v, &h);
        by_removal(s, hb, &h, OFFER_SUITES, remaining, n, v, pick_suite, first, l);
        if (s->stop)
            break;
        if (l->n == 1) {
            l->order = TSC_ORDER_ONE;
        } else if (l->n >= 2) {
            uint16_t p1 = pick_of_two(s, v, (uint16_t)l->v[0], (uint16_t)l->v[1], hb);
            uint16_t p2 = pick_of_two(s, v, (uint16_t)l->v[1], (uint16_t)l->v[0], hb);
            if (p1 && p2)
                l->order = p1 == p2 ? TSC_ORDER_SERVER : TSC_ORDER_CLIENT;
        }
    }
}

static int best_version(const struct tsc_probe_result *r, int max_tls12)
{
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 1; i--)
        if (r->versions[i].accepted && (!max_tls12 || version_codes[i] <= TSC_TLS12))
            return i;
    return -1;
}

static void step_groups(struct scan *s, struct tsc_buf *hb)
{
    if (s->stop)
        return;
    struct tsc_probe_list *l = &s->res->groups;
    static uint16_t remaining[256];
    size_t n = s->ngroups;
    memcpy(remaining, s->groups, n * sizeof remaining[0]);
    int i13 = vidx(TSC_TLS13);
    s->res->hrr = -1;
    if (s->res->versions[i13].accepted) {
        progress(s, "groups TLS 1.3");
        l->asked = 1;
        l->version = TSC_TLS13;
        const struct tsc_probe_list *su = &s->res->suites[i13];
        uint16_t suites[64];
        size_t ns = 0;
        for (size_t k = 0; k < su->n && ns < 64; k++)
            suites[ns++] = (uint16_t)su->v[k];
        struct tsc_probe_hello tmpl;
        hello_for(s, TSC_TLS13, &tmpl);
        if (ns) {
            tmpl.suites = suites;
            tmpl.n_suites = ns;
        }
        tmpl.n_shares = 0; /* no share: the server names the group it wants */
        by_removal(s, hb, &tmpl, OFFER_GROUPS, remaining, n, TSC_TLS13, pick_hrr_group, NULL, l);
        if (s->stop)
            return;
        if (l->n == 1)
            l->order = TSC_ORDER_ONE;
        else if (l->n >= 2) {
            uint16_t picks[2] = {0, 0};
            for (int k = 0; k < 2; k++) {
                uint16_t two[2] = {(uint16_t)l->v[k], (uint16_t)l->v[1 - k]};
                struct tsc_probe_hello h;
                hello_for(s, TSC_TLS13, &h);
                h.groups = two;
                h.n_groups = 2;
                h.n_shares = 0;
                struct tsc_probe_answer ans;
                if (build(&h, hb) == 0 && ask(s, hb, &ans) == 0 && ans.kind == TSC_ANS_HRR)
                    picks[k] = ans.group;
            }
            if (picks[0] && picks[1])
                l->order = picks[0] == picks[1] ? TSC_ORDER_SERVER : TSC_ORDER_CLIENT;
            /* HRR: the one share is for an accepted group other than the first */
            uint16_t share = 0;
            for (size_t k = l->n; k-- > 1;)
                if (tsc_probe_can_share((uint16_t)l->v[k])) {
                    share = (uint16_t)l->v[k];
                    break;
                }
            if (share && l->order == TSC_ORDER_SERVER) {
                uint16_t groups[TSC_PROBE_MAX_LIST];
                for (size_t k = 0; k < l->n; k++)
                    groups[k] = (uint16_t)l->v[k];
                struct tsc_probe_hello h;
                hello_for(s, TSC_TLS13, &h);
                h.groups = groups;
                h.n_groups = l->n;
                h.shares = &share;
                h.n_shares = 1;
                struct tsc_probe_answer ans;
                if (build(&h, hb) == 0 && ask(s, hb, &ans) == 0) {
                    if (ans.kind == TSC_ANS_HRR)
                        s->res->hrr = 1;
                    else if (accepted_as(&ans, TSC_TLS13))
                        s->res->hrr = 0;
                }
            }
        }
        return;
    }
    /* Without TLS 1.3: the curve of an ECDHE ServerKeyExchange */
    int bi = best_version(s->res, 1);
    if (bi < 0 || version_codes[bi] == TSC_SSL30)
        return;
    uint16_t v = version_codes[bi];
    uint16_t ecdhe[TSC_PROBE_MAX_LIST];
    size_t ne = 0;
    for (size_t k = 0; k < s->res->suites[bi].n; k++)
        if (tsc_kx_of_suite((uint16_t)s->res->suites[bi].v[k]) == TSC_KX_ECDHE)
            ecdhe[ne++] = (uint16_t)s->res->suites[bi].v[k];
    if (!ne)
        return;
    progress(s, "groups");
    l->asked = 1;
    l->version = v;
    struct tsc_probe_hello h;
    hello_for(s, v, &h);
    h.suites = ecdhe;
    h.n_suites = ne;
    by_removal(s, hb, &h, OFFER_GROUPS, remaining, n, v, pick_ske_group, NULL, l);
    l->order = l->n == 1 ? TSC_ORDER_ONE : TSC_ORDER_UNKNOWN;
}

static void step_sigalgs(struct scan *s, struct tsc_buf *hb)
{
    if (s->stop)
        return;
    struct tsc_probe_list *l = &s->res->sigalgs;
    int i12 = vidx(TSC_TLS12), i13 = vidx(TSC_TLS13);
    static uint16_t remaining[128];
    size_t n = s->nsigalgs;
    memcpy(remaining, s->sigalgs, n * sizeof remaining[0]);
    if (s->res->versions[i12].accepted) {
        /* suites whose ServerKeyExchange is signed */
        uint16_t signed_kx[TSC_PROBE_MAX_LIST];
        size_t ns = 0;
        for (size_t k = 0; k < s->res->suites[i12].n; k++) {
            uint16_t c = (uint16_t)s->res->suites[i12].v[k];
            enum tsc_kx kx = tsc_kx_of_suite(c);
            if ((kx == TSC_KX_ECDHE || kx == TSC_KX_DHE) && !tsc_kx_is_anon(c))
                signed_kx[ns++] = c;
        }
        if (ns) {
            progress(s, "signature algorithms TLS 1.2");
            l->asked = 1;
            l->version = TSC_TLS12;
            struct tsc_probe_hello h;
            hello_for(s, TSC_TLS12, &h);
            h.suites = signed_kx;
            h.n_suites = ns;
            by_removal(s, hb, &h, OFFER_SIGALGS, remaining, n, TSC_TLS12, pick_ske_sig, NULL, l);
            l->order = l->n == 1 ? TSC_ORDER_ONE : TSC_ORDER_UNKNOWN;
            return;
        }
    }
    if (!s->res->versions[i13].accepted)
        return;
    /* TLS 1.3: the scheme is in the encrypted CertificateVerify: one hello each */
    progress(s, "signature algorithms TLS 1.3");
    l->asked = 1;
    l->version = TSC_TLS13;
    /* the server must not need a HelloRetryRequest (sent before it picks a
     * scheme): offer only a group the probe can share, its first if it can */
    uint16_t share = 0;
    for (size_t k = 0; k < s->res->groups.n && !share; k++)
        if (tsc_probe_can_share((uint16_t)s->res->groups.v[k]))
            share = (uint16_t)s->res->groups.v[k];
    size_t asked = 0, retries = 0;
    for (size_t k = 0; k < s->nsigalgs && !s->stop; k++) {
        struct tsc_probe_hello h;
        hello_for(s, TSC_TLS13, &h);
        h.sigalgs = &s->sigalgs[k];
        h.n_sigalgs = 1;
        if (share) {
            h.groups = &share;
            h.n_groups = 1;
            h.shares = &share;
            h.n_shares = 1;
        }
        struct tsc_probe_answer ans;
        if (build(&h, hb) != 0 || ask(s, hb, &ans) != 0)
            break;
        asked++;
        retries += ans.kind == TSC_ANS_HRR;
        if (ans.kind == TSC_ANS_HELLO && ans.version == TSC_TLS13 && l->n < TSC_PROBE_MAX_LIST)
            l->v[l->n++] = s->sigalgs[k];
    }
    if (l->n == 0 && (asked == 0 || retries == asked))
        l->asked = 0; /* every answer was a HelloRetryRequest: nothing was learnt */
    l->order = TSC_ORDER_UNKNOWN;
}

static void step_alpn(struct scan *s, struct tsc_buf *hb)
{
    if (s->stop)
        return;
    int bi = best_version(s->res, 1);
    if (bi < 0 || version_codes[bi] == TSC_SSL30)
        return;
    uint16_t v = version_codes[bi];
    progress(s, "alpn");
    s->res->alpn_asked = 1;
    const char *remaining[N_ALPN];
    size_t n = N_ALPN;
    for (size_t k = 0; k < N_ALPN; k++)
        remaining[k] = alpn_offer[k];
    while (n && !s->stop) {
        struct tsc_probe_hello h;
        hello_for(s, v, &h);
        h.alpn = remaining;
        h.n_alpn = n;
        struct tsc_probe_answer ans;
        if (build(&h, hb) != 0 || ask(s, hb, &ans) != 0 || !accepted_as(&ans, v) || !ans.alpn[0])
            break;
        size_t k = 0;
        while (k < n && strcmp(remaining[k], ans.alpn) != 0)
            k++;
        if (k == n || s->res->n_alpn >= sizeof s->res->alpn / sizeof s->res->alpn[0])
            break;
        snprintf(s->res->alpn[s->res->n_alpn++], TSC_PROBE_ALPN_MAX, "%s", ans.alpn);
        for (; k + 1 < n; k++)
            remaining[k] = remaining[k + 1];
        n--;
    }
}

static int is_cbc(uint16_t c)
{
    struct tsc_suite_info si;
    return tsc_suite_describe(c, &si) && strcmp(si.mode, "CBC") == 0;
}

static void step_features(struct scan *s, struct tsc_buf *hb, struct tsc_server_profile *prof)
{
    struct tsc_probe_features *f = &s->res->feat;
    if (s->stop)
        return;
    s->res->reached_features = 1;
    int bi = best_version(s->res, 1);
    if (bi >= 0) {
        progress(s, "features");
        uint16_t v = version_codes[bi];
        const struct tsc_probe_answer *a = &s->res->versions[bi].ans;
        f->secure_renegotiation = a->reneg;
        f->session_id = a->session_id_len > 0;
        if (v != TSC_SSL30) {
            f->extended_master_secret = a->ems;
            f->session_ticket = a->ticket;
            f->ocsp_stapling = a->status && a->cert_status;
        }
        f->compression_null = a->compression == 0;
        /* encrypt-then-MAC: only a CBC suite can answer it */
        uint16_t cbc[TSC_PROBE_MAX_LIST];
        size_t nc = 0;
        for (size_t k = 0; k < s->res->suites[bi].n; k++)
            if (is_cbc((uint16_t)s->res->suites[bi].v[k]))
                cbc[nc++] = (uint16_t)s->res->suites[bi].v[k];
        struct tsc_probe_hello h;
        struct tsc_probe_answer ans;
        if (nc && v != TSC_SSL30) {
            hello_for(s, v, &h);
            h.suites = cbc;
            h.n_suites = nc;
            h.flags |= TSC_PH_ETM;
            if (build(&h, hb) == 0 && ask(s, hb, &ans) == 0 && accepted_as(&ans, v))
                f->encrypt_then_mac = ans.etm;
        }
        hello_for(s, v, &h);
        h.flags |= TSC_PH_DEFLATE;
        if (build(&h, hb) == 0 && ask(s, hb, &ans) == 0) {
            f->compression_deflate = accepted_as(&ans, v) && ans.compression == 1;
            if (accepted_as(&ans, v) && ans.compression == 0)
                f->compression_null = 1;
        }
    }
    /* TLS_FALLBACK_SCSV: a hello for the second-best version */
    int best = -1, second = -1;
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 1; i--)
        if (s->res->versions[i].accepted) {
            if (best < 0)
                best = i;
            else if (second < 0)
                second = i;
        }
    if (second >= 0 && !s->stop) {
        uint16_t v = version_codes[second];
        struct tsc_probe_hello h;
        struct tsc_probe_answer ans;
        hello_for(s, v, &h);
        h.flags |= TSC_PH_FALLBACK_SCSV;
        if (build(&h, hb) == 0 && ask(s, hb, &ans) == 0) {
            if (ans.kind == TSC_ANS_ALERT && ans.alert_desc == 86)
                f->fallback_scsv = 1;
            else if (accepted_as(&ans, v))
                f->fallback_scsv = 0;
        }
        prof->fallback_scsv_honoured = f->fallback_scsv;
        prof->fallback_version = v;
    }
}

/* -------------------------------------------------------- certificate ---- */

static void asn1_time_text(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(out, n, "?");
}

static void name_text(const X509_NAME *nm, char *out, size_t n)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long len = BIO_get_mem_data(b, &p);
    size_t k = 0;
    for (long i = 0; i < len && k + 4 < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f)
            out[k++] = (char)ch;
        else
            k += (size_t)snprintf(out + k, n - k, "\\x%02x", ch);
    }
    out[k < n ? k : n - 1] = '\0';
    BIO_free(b);
}

static void cert_facts(X509 *x, struct tsc_probe_cert *c)
{
    memset(c, 0, sizeof *c);
    name_text(X509_get_subject_name(x), c->subject, sizeof c->subject);
    name_text(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
    const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
    BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(c->serial, sizeof c->serial, "%s", hex ? hex : "?");
    for (char *q = c->serial; *q; q++)
        if (*q >= 'A' && *q <= 'F')
            *q = (char)(*q - 'A' + 'a');
    OPENSSL_free(hex);
    BN_free(bn);
    asn1_time_text(X509_get0_notBefore(x), c->not_before, sizeof c->not_before);
    asn1_time_text(X509_get0_notAfter(x), c->not_after, sizeof c->not_after);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (pk)
        snprintf(c->key, sizeof c->key, "%s %d", EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk) : "?",
                 EVP_PKEY_get_bits(pk));
    int nid = X509_get_signature_nid(x);
    snprintf(c->signature, sizeof c->signature, "%s", nid != NID_undef ? OBJ_nid2ln(nid) : "?");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
        for (unsigned i = 0; i < mdlen && 2 * i + 2 < sizeof c->sha256; i++)
            snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
}

static int ssl_wait(SSL *ssl, int fd, int r, int64_t deadline)
{
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ)
        return wait_fd(fd, POLLIN, deadline) == 1 ? 0 : -1;
    if (e == SSL_ERROR_WANT_WRITE)
        return wait_fd(fd, POLLOUT, deadline) == 1 ? 0 : -1;
    return -1;
}

static void step_certificate(struct scan *s, struct tsc_server_profile *prof)
{
    struct tsc_probe_result *res = s->res;
    prof->chain_verified = -1;
    SSL_CTX *ctx = s->cfg->ssl_ctx;
    if (!ctx || s->stop)
        return;
    progress(s, "certificate");
    int fd = open_conn(s);
    if (fd < 0)
        return;
    SSL *ssl = SSL_new(ctx);
    struct tsc_tap tap;
    tap_start(s, &tap, fd);
    int64_t deadline = now_ms() + s->cfg->timeout_ms;
    char why[200] = "";
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        snprintf(res->cert_error, sizeof res->cert_error, "out of memory");
        SSL_free(ssl);
        close(fd);
        tsc_tap_close(&tap);
        return;
    }
    tsc_peer_tap_ssl(ssl, &tap, 1);
    if (s->cfg->sni)
        SSL_set_tlsext_host_name(ssl, s->cfg->sni);
    const char *name = s->cfg->sni ? s->cfg->sni : s->cfg->host;
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1)
        X509_VERIFY_PARAM_set1_host(vp, name, 0);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    int r;
    while ((r = SSL_connect(ssl)) != 1) {
        if (ssl_wait(ssl, fd, r, deadline) != 0) {
            int e = SSL_get_error(ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                snprintf(why, sizeof why, "no answer in %d ms", s->cfg->timeout_ms);
            else
                tsc_peer_ssl_error(why, sizeof why);
            break;
        }
    }
    if (r == 1) {
        res->have_cert = 1;
        snprintf(res->cert_version, sizeof res->cert_version, "%s",
                 tsc_version_name((uint16_t)SSL_version(ssl)) ? tsc_version_name((uint16_t)SSL_version(ssl)) : "?");
        const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
        uint16_t code = c ? (uint16_t)(SSL_CIPHER_get_id(c) & 0xffff) : 0;
        const char *sn = tsc_reg_name(TSC_REG_CIPHER_SUITE, code);
        snprintf(res->cert_suite, sizeof res->cert_suite, "%s", sn ? sn : (c ? SSL_CIPHER_get_name(c) : "?"));
        long vr = SSL_get_verify_result(ssl);
        res->verified = vr == X509_V_OK && SSL_get0_peer_certificate(ssl) != NULL;
        if (!res->verified)
            snprintf(res->verify_error, sizeof res->verify_error, "%s",
                     SSL_get0_peer_certificate(ssl) ? X509_verify_cert_error_string(vr) : "no certificate was sent");
        prof->chain_verified = res->verified;
        prof->verify_error = res->verify_error;
        STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
        for (int i = 0; chain && i < sk_X509_num(chain) && res->n_chain < TSC_PROBE_MAX_CHAIN; i++)
            cert_facts(sk_X509_value(chain, i), &res->chain[res->n_chain++]);
        /* TLS 1.3 tickets come after the handshake: read for a moment */
        int64_t until = now_ms() + (s->cfg->timeout_ms < 1000 ? s->cfg->timeout_ms : 1000);
        SSL_SESSION *sess = SSL_get_session(ssl);
        while (sess && !SSL_SESSION_has_ticket(sess) && SSL_version(ssl) == TLS1_3_VERSION && now_ms() < until) {
            char buf[256];
            r = SSL_read(ssl, buf, sizeof buf);
            if (r <= 0 && ssl_wait(ssl, fd, r, until) != 0)
                break;
            sess = SSL_get_session(ssl);
        }
        if (sess && SSL_SESSION_has_ticket(sess))
            res->feat.ticket_lifetime = (long long)SSL_SESSION_get_ticket_lifetime_hint(sess);
        if (res->feat.session_ticket < 0 && SSL_version(ssl) == TLS1_3_VERSION)
            res->feat.session_ticket = sess && SSL_SESSION_has_ticket(sess);
        (void)SSL_shutdown(ssl);
    } else {
        snprintf(res->cert_error, sizeof res->cert_error, "the TLS handshake failed: %s", why[0] ? why : "?");
    }
    SSL_free(ssl);
    close(fd);
    tsc_tap_close(&tap);
}

/* ---------------------------------------------------------------- run ---- */

void tsc_probe_add_findings(struct tsc_probe_result *res, const struct tsc_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!f[i].rule || f[i].rule->scope != TSC_SCOPE_SERVER)
            continue;
        size_t k = 0;
        while (k < res->n_findings && res->findings[k].rule != f[i].rule)
            k++;
        if (k == res->n_findings && res->n_findings < TSC_PROBE_MAX_FINDINGS)
            res->findings[res->n_findings++] = f[i];
    }
}

static int resolve(struct scan *s)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = s->cfg->family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    char port[8];
    snprintf(port, sizeof port, "%u", s->cfg->port);
    int e = getaddrinfo(s->cfg->host, port, &hints, &ai);
    if (e != 0 && (e == EAI_NONAME || e == EAI_ADDRFAMILY || e == EAI_NODATA) && hints.ai_flags) {
        hints.ai_flags = 0; /* AI_ADDRCONFIG hides ::1 on a host whose only IPv6 address is the loopback */
        e = getaddrinfo(s->cfg->host, port, &hints, &ai);
    }
    if (e != 0 || !ai) {
        fail(s, "cannot resolve: %s", e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
        return -1;
    }
    memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
    s->addrlen = ai->ai_addrlen;
    char host[INET6_ADDRSTRLEN + 2] = "?";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    snprintf(s->res->address, sizeof s->res->address, "%s", host);
    freeaddrinfo(ai);
    return 0;
}

int tsc_probe_run(const struct tsc_probe_cfg *cfg, struct tsc_probe_result *res)
{
    memset(res, 0, sizeof *res);
    res->complete = 1;
    res->hrr = -1;
    struct tsc_probe_features *f = &res->feat;
    f->secure_renegotiation = f->extended_master_secret = f->encrypt_then_mac = f->ocsp_stapling = -1;
    f->session_id = f->session_ticket = f->fallback_scsv = -1;
    f->compression_null = f->compression_deflate = -1;
    f->ticket_lifetime = -1;
    static struct scan s; /* 2 KiB of lists: off the stack */
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.res = res;
    tsc_buf_init(&s.in, ANSWER_MAX + 16384);
    struct tsc_buf hb = {0};
    tsc_buf_init(&hb, 1u << 20);
    registry_lists(&s);
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++)
        res->versions[i].code = version_codes[i];
    struct tsc_server_profile prof;
    memset(&prof, 0, sizeof prof);
    prof.chain_verified = prof.fallback_scsv_honoured = prof.follows_client_order = -1;

    int rc = -1;
    if (resolve(&s) == 0) {
        step_versions(&s, &hb);
        int any = 0;
        for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++)
            any |= res->versions[i].accepted;
        if (!s.stop && !any) {
            /* say what came back to the best hello */
            const struct tsc_probe_answer *a = &res->versions[vidx(TSC_TLS13)].ans;
            const struct tsc_probe_answer *b = &res->versions[vidx(TSC_TLS12)].ans;
            if (a->kind == TSC_ANS_ALERT || b->kind == TSC_ANS_ALERT)
                fail(&s, "%s", "the server refused every version asked (a TLS alert each time)");
            else if (b->kind == TSC_ANS_NOT_TLS || a->kind == TSC_ANS_NOT_TLS)
                fail(&s, "%s", "not TLS: the server answered bytes that are no TLS record");
            else if (b->kind == TSC_ANS_TIMEOUT)
                fail(&s, "no answer to a ClientHello in %.3g s", cfg->timeout_ms / 1000.0);
            else if (b->kind == TSC_ANS_RESET)
                fail(&s, "%s", "the server reset the connection after the ClientHello");
            else if (b->kind == TSC_ANS_CLOSED)
                fail(&s, "%s", "the server closed the connection without answering the ClientHello");
            else {
                char m[160];
                snprintf(m, sizeof m, "the answer does not decode: %s", b->why[0] ? b->why : a->why);
                fail(&s, "%s", m);
            }
        } else if (!s.stop) {
            step_suites(&s, &hb);
            step_groups(&s, &hb);
            step_sigalgs(&s, &hb);
            step_alpn(&s, &hb);
            step_features(&s, &hb, &prof);
            step_certificate(&s, &prof);
            /* whose order: judged where the choice matters, TLS 1.2 and below,
             * whose suites differ in key exchange and cipher mode (TLS 1.3's
             * are all AEAD with forward secrecy: its order is not judged) */
            int bi = -1, i12 = vidx(TSC_TLS12);
            if (res->suites[i12].order == TSC_ORDER_SERVER || res->suites[i12].order == TSC_ORDER_CLIENT)
                bi = i12;
            for (int i = i12 - 1; i >= 1 && bi < 0; i--)
                if (res->suites[i].order == TSC_ORDER_SERVER || res->suites[i].order == TSC_ORDER_CLIENT)
                    bi = i;
            if (bi >= 0) {
                prof.follows_client_order = res->suites[bi].order == TSC_ORDER_CLIENT;
                prof.order_version = version_codes[bi];
            }
            if (!s.stop)
                rc = 0;
        }
    }
    /* the probe-only rules; the connections' own come through the pipeline */
    struct tsc_finding pf[8];
    size_t n = tsc_findings_eval_server(&prof, pf, 8);
    for (size_t i = 0; i < n && i < 8 && res->n_findings < TSC_PROBE_MAX_FINDINGS; i++)
        res->findings[res->n_findings++] = pf[i];
    tsc_buf_free(&s.in);
    tsc_buf_free(&hb);
    return rc;
}
