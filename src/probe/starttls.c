/*
 * starttls.c - the client's side of the plaintext exchanges before TLS
 * (the contract is in starttls.h).
 *
 * How it never reads past the server's last plaintext byte: a line, an XML
 * tag or a BER header is first looked at with MSG_PEEK, and only the bytes
 * up to its end are then taken off the socket; a message whose length is
 * known (LDAP's body, PostgreSQL's one byte) is read with exactly that
 * length. Whatever the server sent after its go-ahead stays in the socket
 * for the TLS client.
 *
 * Every recv and send is non-blocking (MSG_DONTWAIT), so blocking and
 * non-blocking sockets behave the same; the only waits are poll() calls,
 * each bounded by what is left of the current wait's deadline (timeout_ms
 * from the moment the client starts waiting for an answer, or starts a
 * send). A server that trickles bytes cannot stretch one answer past its
 * deadline, and one that floods is stopped by the size limits below.
 */
#include "probe/starttls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "core/cursor.h"

#define UNIT_MAX 8192      /* one line, XML tag or LDAP message */
#define ANSWER_MAX 65536   /* all lines (or tags) of one answer together */
#define ERR_TEXT_MAX 200   /* server bytes quoted in an error message */

static const char *const NAMES[] = {
    [TSC_STARTTLS_NONE] = "none", [TSC_STARTTLS_SMTP] = "smtp", [TSC_STARTTLS_IMAP] = "imap",
    [TSC_STARTTLS_POP3] = "pop3", [TSC_STARTTLS_FTP] = "ftp",   [TSC_STARTTLS_XMPP] = "xmpp",
    [TSC_STARTTLS_LDAP] = "ldap", [TSC_STARTTLS_POSTGRES] = "postgres",
};
static const uint16_t PORTS[] = {
    [TSC_STARTTLS_NONE] = 443, [TSC_STARTTLS_SMTP] = 25,   [TSC_STARTTLS_IMAP] = 143,
    [TSC_STARTTLS_POP3] = 110, [TSC_STARTTLS_FTP] = 21,    [TSC_STARTTLS_XMPP] = 5222,
    [TSC_STARTTLS_LDAP] = 389, [TSC_STARTTLS_POSTGRES] = 5432,
};
#define N_PROTOS (sizeof NAMES / sizeof NAMES[0])

int tsc_starttls_parse(const char *name, enum tsc_starttls *out)
{
    if (!name)
        return -1;
    for (size_t i = 1; i < N_PROTOS; i++) {
        if (strcmp(name, NAMES[i]) == 0) {
            *out = (enum tsc_starttls)i;
            return 0;
        }
    }
    return -1;
}

const char *tsc_starttls_name(enum tsc_starttls p)
{
    return (unsigned)p < N_PROTOS ? NAMES[p] : "unknown";
}

uint16_t tsc_starttls_default_port(enum tsc_starttls p)
{
    return (unsigned)p < N_PROTOS ? PORTS[p] : 0;
}

/* ---- one conversation ---------------------------------------------------- */

struct conv {
    int fd;
    int timeout_ms;       /* < 0: no limit */
    const char *name;     /* "smtp": every message starts with it */
    char *err;
    size_t errlen;
    int64_t deadline;     /* of the current wait, CLOCK_MONOTONIC ms; -1: none */
    const char *doing;    /* "waiting for the greeting": for messages */
    size_t answer_bytes;  /* read in the current wait */
    size_t len;           /* bytes of the current unit in buf */
    size_t tlen;          /* a line's length without its CR LF */
    uint8_t buf[UNIT_MAX + 1];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Server bytes as printable text: 0x20..0x7e as they are, others \xHH,
 * the line's end dropped, at most ERR_TEXT_MAX bytes, cut to fit. */
static void append_text(char *out, size_t outlen, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t off = strlen(out);
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    int cut = n > ERR_TEXT_MAX;
    if (cut)
        n = ERR_TEXT_MAX;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b >= 0x20 && b <= 0x7e) {
            if (outlen - off < 2)
                break;
            out[off++] = (char)b;
        } else {
            if (outlen - off < 5)
                break;
            out[off++] = '\\';
            out[off++] = 'x';
            out[off++] = hex[b >> 4];
            out[off++] = hex[b & 15];
        }
    }
    if (cut && outlen - off >= 4) {
        memcpy(out + off, "...", 3);
        off += 3;
    }
    out[off] = 0;
}

/* "name: " + the formatted reason [+ ": " + the server's text]; returns -1. */
__attribute__((format(printf, 4, 5))) static int fail_text(struct conv *c, const uint8_t *text, size_t tlen,
                                                          const char *fmt, ...)
{
    if (!c->err || c->errlen == 0)
        return -1;
    int k = snprintf(c->err, c->errlen, "%s: ", c->name);
    if (k < 0 || (size_t)k >= c->errlen)
        return -1;
    size_t off = (size_t)k;
    va_list ap;
    va_start(ap, fmt);
    k = vsnprintf(c->err + off, c->errlen - off, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= c->errlen - off)
        return -1;
    off += (size_t)k;
    if (text && c->errlen - off > 2) {
        memcpy(c->err + off, ": ", 3);
        append_text(c->err, c->errlen, text, tlen);
    }
    return -1;
}

#define FAIL(c, ...) fail_text((c), NULL, 0, __VA_ARGS__)
/* The current line (its CR LF dropped) as the server's text. */
#define FAIL_LINE(c, ...) fail_text((c), (c)->buf, (c)->tlen, __VA_ARGS__)

static int io_fail(struct conv *c, int e)
{
    if (e == 0 || e == EPIPE)
        return FAIL(c, "connection closed %s", c->doing);
    if (e == ECONNRESET)
        return FAIL(c, "connection reset %s", c->doing);
    return FAIL(c, "%s %s", strerror(e), c->doing);
}

static void begin(struct conv *c, const char *doing)
{
    c->doing = doing;
    c->deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
    c->answer_bytes = 0;
}

/* Wait until the socket is ready for `events` or the deadline passes. */
static int wait_for(struct conv *c, short events)
{
    for (;;) {
        int t = -1;
        if (c->deadline >= 0) {
            int64_t left = c->deadline - now_ms();
            if (left <= 0)
                return FAIL(c, "timed out %s", c->doing);
            t = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd pfd = {.fd = c->fd, .events = events};
        int r = poll(&pfd, 1, t);
        if (r > 0)
            return 0; /* readable, writable, or an error the next call will name */
        if (r < 0 && errno != EINTR)
            return FAIL(c, "poll: %s %s", strerror(errno), c->doing);
        /* a timeout or a signal: the top of the loop looks at the deadline */
    }
}

static int send_all(struct conv *c, const void *p, size_t n, const char *doing)
{
    const uint8_t *q = p;
    size_t off = 0;
    begin(c, doing);
    while (off < n) {
        ssize_t r = send(c->fd, q + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) {
            off += (size_t)r;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_for(c, POLLOUT))
                return -1;
        } else {
            return io_fail(c, r < 0 ? errno : EPIPE);
        }
    }
    return 0;
}

/* Some bytes (at most n) into p, peeked or taken; waits for them. The count, or -1. */
static ssize_t recv_some(struct conv *c, uint8_t *p, size_t n, int flags)
{
    for (;;) {
        ssize_t r = recv(c->fd, p, n, flags | MSG_DONTWAIT);
        if (r > 0)
            return r;
        if (r == 0)
            return io_fail(c, 0);
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return io_fail(c, errno);
        if (wait_for(c, POLLIN))
            return -1;
    }
}

static int read_exact(struct conv *c, uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t r = recv_some(c, p + off, n - off, 0);
        if (r < 0)
            return -1;
        off += (size_t)r;
    }
    return 0;
}

/* Where a unit ends: a line at its LF; an XML tag at the '>' that closes a
 * '<' outside quoted attribute values. */
enum unit { UNIT_LINE, UNIT_TAG };
struct scan {
    enum unit kind;
    int state; /* tags: 0 text, 1 in a tag, 2 in '...', 3 in "..." */
};

static int scan_ends(struct scan *s, uint8_t b)
{
    if (s->kind == UNIT_LINE)
        return b == '\n';
    switch (s->state) {
    case 0:
        if (b == '<')
            s->state = 1;
        return 0;
    case 1:
        if (b == '\'')
            s->state = 2;
        else if (b == '"')
            s->state = 3;
        else if (b == '>') {
            s->state = 0;
            return 1;
        }
        return 0;
    case 2:
        if (b == '\'')
            s->state = 1;
        return 0;
    default:
        if (b == '"')
            s->state = 1;
        return 0;
    }
}

/* One unit into c->buf (NUL-terminated, c->len bytes): peek, find its end,
 * take exactly the bytes up to it. */
static int read_unit(struct conv *c, enum unit kind)
{
    struct scan s = {kind, 0};
    c->len = 0;
    for (;;) {
        size_t room = UNIT_MAX - c->len;
        if (room == 0)
            return fail_text(c, c->buf, 40, "%s longer than %d bytes %s", kind == UNIT_LINE ? "a line" : "an element",
                             UNIT_MAX, c->doing);
        ssize_t n = recv_some(c, c->buf + c->len, room, MSG_PEEK);
        if (n < 0)
            return -1;
        struct scan t = s;
        size_t want = (size_t)n;
        for (size_t i = 0; i < (size_t)n; i++) {
            if (scan_ends(&t, c->buf[c->len + i])) {
                want = i + 1;
                break;
            }
        }
        ssize_t r = recv_some(c, c->buf + c->len, want, 0);
        if (r < 0)
            return -1;
        int done = 0; /* only the last byte taken can end the unit */
        for (size_t i = 0; i < (size_t)r; i++)
            done = scan_ends(&s, c->buf[c->len + i]);
        c->len += (size_t)r;
        c->answer_bytes += (size_t)r;
        if (c->answer_bytes > ANSWER_MAX)
            return FAIL(c, "more than %d bytes %s", ANSWER_MAX, c->doing);
        if (done) {
            c->buf[c->len] = 0;
            return 0;
        }
    }
}

static int read_line(struct conv *c)
{
    if (read_unit(c, UNIT_LINE))
        return -1;
    c->tlen = c->len;
    while (c->tlen > 0 && (c->buf[c->tlen - 1] == '\n' || c->buf[c->tlen - 1] == '\r'))
        c->tlen--;
    return 0;
}

static int lower(int b)
{
    return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
}

/* p[0..n) starts with the word w (any case), then ends or has a space. */
static int starts_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != lower((unsigned char)w[i]))
            return 0;
    return n == k || p[k] == ' ';
}

/* A name that can go into a command line or an XML attribute as it is. */
static int host_ok(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)h[i];
        if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || strchr("-._:[]%", b)))
            return 0;
    }
    return 1;
}

/* ---- SMTP and FTP replies -------------------------------------------------- */

static int digit(uint8_t b)
{
    return b >= '0' && b <= '9';
}

/* One reply, all its lines (RFC 5321 4.2.1: every line "NNN-" but the last
 * "NNN " or "NNN"; RFC 959 4.2: FTP's inner lines may be any text, the last
 * starts with the first line's code and a space). The code, or -1; the last
 * line stays in c->buf. Sets *starttls when a line's first word is STARTTLS
 * (an EHLO keyword). */
static int read_reply(struct conv *c, int ftp_style, int *starttls)
{
    int code = -1;
    for (;;) {
        if (read_line(c))
            return -1;
        const uint8_t *l = c->buf;
        size_t n = c->tlen;
        int has = n >= 3 && digit(l[0]) && digit(l[1]) && digit(l[2]) && (n == 3 || l[3] == ' ' || l[3] == '-');
        int lcode = has ? (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') : -1;
        if (code < 0) {
            if (!has)
                return FAIL_LINE(c, "not %s reply %s", ftp_style ? "an FTP" : "an SMTP", c->doing);
            code = lcode;
        } else if (lcode != code) {
            if (ftp_style)
                continue; /* text inside a multi-line reply */
            return FAIL_LINE(c, "a reply line with another code %s", c->doing);
        }
        if (starttls && n > 4 && starts_word(l + 4, n - 4, "STARTTLS"))
            *starttls = 1;
        if (n == 3 || l[3] == ' ')
            return code;
    }
}

static int smtp(struct conv *c, const char *host)
{
    char line[300];
    unsigned char a[16];
    begin(c, "waiting for the greeting");
    int code = read_reply(c, 0, NULL);
    if (code < 0)
        return -1;
    if (code != 220)
        return FAIL_LINE(c, "server refused the session");
    /* RFC 5321 4.1.3: an address goes in brackets */
    if (inet_pton(AF_INET, host, a) == 1)
        snprintf(line, sizeof line, "EHLO [%s]\r\n", host);
    else if (inet_pton(AF_INET6, host, a) == 1)
        snprintf(line, sizeof line, "EHLO [IPv6:%s]\r\n", host);
    else
        snprintf(line, sizeof line, "EHLO %s\r\n", host);
    if (send_all(c, line, strlen(line), "sending EHLO"))
        return -1;
    int offered = 0;
    begin(c, "waiting for the EHLO reply");
    code = read_reply(c, 0, &offered);
    if (code < 0)
        return -1;
    if (code != 250)
        return FAIL_LINE(c, "server refused EHLO");
    if (!offered)
        return FAIL(c, "server does not offer STARTTLS");
    if (send_all(c, "STARTTLS\r\n", 10, "sending STARTTLS"))
        return -1;
    begin(c, "waiting for the STARTTLS reply");
    code = read_reply(c, 0, NULL);
    if (code < 0)
        return -1;
    if (code != 220)
        return FAIL_LINE(c, "server refused STARTTLS");
    return 0;
}

static int ftp(struct conv *c)
{
    int code;
    /* RFC 959 4.2: 120 "ready in nnn minutes", then 220; all within one
     * wait, so a server cannot keep the client with 120s */
    begin(c, "waiting for the greeting");
    do {
        code = read_reply(c, 1, NULL);
        if (code < 0)
            return -1;
    } while (code == 120);
    if (code != 220)
        return FAIL_LINE(c, "server refused the session");
    if (send_all(c, "AUTH TLS\r\n", 10, "sending AUTH TLS"))
        return -1;
    begin(c, "waiting for the AUTH TLS reply");
    code = read_reply(c, 1, NULL);
    if (code < 0)
        return -1;
    if (code != 234)
        return FAIL_LINE(c, "server refused AUTH TLS");
    return 0;
}

/* ---- IMAP and POP3 ---------------------------------------------------------- */

static int imap(struct conv *c)
{
    begin(c, "waiting for the greeting");
    if (read_line(c))
        return -1;
    if (starts_word(c->buf, c->tlen, "* PREAUTH"))
        return FAIL_LINE(c, "server greeted with PREAUTH (no STARTTLS once authenticated)");
    if (starts_word(c->buf, c->tlen, "* BYE"))
        return FAIL_LINE(c, "server refused the session");
    if (!starts_word(c->buf, c->tlen, "* OK"))
        return FAIL_LINE(c, "not an IMAP greeting");
    if (send_all(c, "a1 STARTTLS\r\n", 13, "sending STARTTLS"))
        return -1;
    begin(c, "waiting for the STARTTLS reply");
    for (;;) {
        if (read_line(c))
            return -1;
        if (starts_word(c->buf, c->tlen, "* BYE"))
            return FAIL_LINE(c, "server ended the session");
        if (c->tlen >= 2 && c->buf[0] == '*' && c->buf[1] == ' ')
            continue; /* untagged data before the tagged answer */
        if (c->tlen < 3 || memcmp(c->buf, "a1 ", 3) != 0)
            return FAIL_LINE(c, "not an IMAP response");
        if (starts_word(c->buf + 3, c->tlen - 3, "OK"))
            return 0;
        if (starts_word(c->buf + 3, c->tlen - 3, "NO") || starts_word(c->buf + 3, c->tlen - 3, "BAD"))
            return FAIL_LINE(c, "server refused STARTTLS");
        return FAIL_LINE(c, "not an IMAP response");
    }
}

static int pop3(struct conv *c)
{
    begin(c, "waiting for the greeting");
    if (read_line(c))
        return -1;
    if (starts_word(c->buf, c->tlen, "-ERR"))
        return FAIL_LINE(c, "server refused the session");
    if (!starts_word(c->buf, c->tlen, "+OK"))
        return FAIL_LINE(c, "not a POP3 greeting");
    if (send_all(c, "STLS\r\n", 6, "sending STLS"))
        return -1;
    begin(c, "waiting for the STLS reply");
    if (read_line(c))
        return -1;
    if (starts_word(c->buf, c->tlen, "+OK"))
        return 0;
    if (starts_word(c->buf, c->tlen, "-ERR"))
        return FAIL_LINE(c, "server refused STLS");
    return FAIL_LINE(c, "not a POP3 reply");
}

/* ---- XMPP (RFC 6120 5.4) ------------------------------------------------------ */

#define XMPP_TLS_NS "urn:ietf:params:xml:ns:xmpp-tls"

struct tag {
    const uint8_t *local; /* the name after its prefix: "features" for <stream:features> */
    size_t llen;
    int closing;   /* </x> */
    int empty;     /* <x/> */
    int other;     /* <?...?>, <!-- -->, <!DOCTYPE>: nothing to act on */
    int text;      /* character data came before it */
};

static int tag_is(const struct tag *t, const char *name)
{
    return t->llen == strlen(name) && memcmp(t->local, name, t->llen) == 0;
}

static int tag_has(const struct conv *c, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= c->len && i <= c->len - k; i++)
        if (memcmp(c->buf + i, s, k) == 0)
            return 1;
    return 0;
}

static int is_space(uint8_t b)
{
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
}

/* The next tag, and whether character data (not only white space) came before it. */
static int read_tag(struct conv *c, struct tag *t)
{
    if (read_unit(c, UNIT_TAG))
        return -1;
    c->tlen = c->len;
    memset(t, 0, sizeof *t);
    size_t i = 0, n = c->len; /* buf[n - 1] is '>' and some buf[i] is '<' */
    for (; c->buf[i] != '<'; i++)
        if (!is_space(c->buf[i]))
            t->text = 1;
    i++;
    if (c->buf[i] == '?' || c->buf[i] == '!') {
        t->other = 1;
        return 0;
    }
    if (c->buf[i] == '/') {
        t->closing = 1;
        i++;
    }
    size_t s = i;
    while (i < n && !is_space(c->buf[i]) && c->buf[i] != '/' && c->buf[i] != '>')
        i++;
    if (i == s)
        return FAIL_LINE(c, "an element without a name %s", c->doing);
    t->local = c->buf + s;
    t->llen = i - s;
    for (size_t k = s; k < i; k++) {
        if (c->buf[k] == ':') {
            t->local = c->buf + k + 1;
            t->llen = i - k - 1;
        }
    }
    t->empty = !t->closing && n >= 2 && c->buf[n - 2] == '/';
    return 0;
}

/* <stream:error>: the condition is the next element's name. */
static int stream_error(struct conv *c)
{
    struct tag t;
    if (read_tag(c, &t) == 0 && !t.closing && !t.other)
        return fail_text(c, (const uint8_t *)t.local, t.llen > 64 ? 64 : t.llen, "stream error");
    return FAIL(c, "stream error");
}

static int xmpp(struct conv *c, const char *host)
{
    char hdr[512];
    snprintf(hdr, sizeof hdr,
             "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
             "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>",
             host);
    if (send_all(c, hdr, strlen(hdr), "sending the stream header"))
        return -1;
    begin(c, "waiting for the stream features");
    int stream = 0, features = 0, offered = 0;
    struct tag t;
    for (;;) {
        if (read_tag(c, &t))
            return -1;
        if (t.text && !features) /* features hold text: <mechanism>PLAIN</mechanism> */
            return FAIL_LINE(c, "text outside any element %s", c->doing);
        if (t.other)
            continue;
        if (tag_is(&t, "stream") && t.closing)
            return FAIL(c, "server closed the stream %s", c->doing);
        if (!stream) {
            if (!tag_is(&t, "stream") || t.empty)
                return FAIL_LINE(c, "not an XMPP stream");
            stream = 1;
            continue;
        }
        if (!features) {
            if (tag_is(&t, "error") && !t.closing)
                return stream_error(c);
            if (!tag_is(&t, "features") || t.closing)
                return FAIL_LINE(c, "unexpected element %s", c->doing);
            if (t.empty)
                break;
            features = 1;
            continue;
        }
        if (tag_is(&t, "features") && t.closing)
            break;
        if (tag_is(&t, "starttls") && !t.closing && tag_has(c, XMPP_TLS_NS))
            offered = 1;
        /* other features, and what is inside them, are not ours */
    }
    if (!offered)
        return FAIL(c, "server does not offer STARTTLS");
    static const char req[] = "<starttls xmlns='" XMPP_TLS_NS "'/>";
    if (send_all(c, req, sizeof req - 1, "sending starttls"))
        return -1;
    begin(c, "waiting for the STARTTLS answer");
    for (;;) {
        if (read_tag(c, &t))
            return -1;
        if (t.text)
            return FAIL_LINE(c, "text outside any element %s", c->doing);
        if (t.other)
            continue;
        if (tag_is(&t, "proceed") && !t.closing && tag_has(c, XMPP_TLS_NS)) {
            if (t.empty)
                return 0;
            if (read_tag(c, &t))
                return -1;
            if (tag_is(&t, "proceed") && t.closing)
                return 0;
            return FAIL_LINE(c, "unexpected element inside <proceed>");
        }
        if (tag_is(&t, "failure") && !t.closing)
            return FAIL(c, "server refused STARTTLS (<failure/>)");
        if (tag_is(&t, "error") && !t.closing)
            return stream_error(c);
        if (tag_is(&t, "stream") && t.closing)
            return FAIL(c, "server closed the stream %s", c->doing);
        return FAIL_LINE(c, "unexpected element %s", c->doing);
    }
}

/* ---- LDAP (RFC 4511 4.12, 4.14; X.690 BER) ------------------------------------- */

#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"

/* A BER identifier and definite length (short form, or long form with 1..4
 * length bytes); tags of more than one byte are not LDAP's. 0 or -1. */
static int ber_header(struct tsc_cursor *cur, uint8_t *tag, size_t *len)
{
    uint8_t t, l0, b;
    if (tsc_cursor_u8(cur, &t).kind != TSC_OK || tsc_cursor_u8(cur, &l0).kind != TSC_OK || (t & 0x1f) == 0x1f)
        return -1;
    if (l0 < 0x80) {
        *len = l0;
    } else {
        unsigned k = l0 & 0x7f;
        if (k == 0 || k > 4) /* indefinite, or more than 4 GiB */
            return -1;
        size_t v = 0;
        for (unsigned i = 0; i < k; i++) {
            if (tsc_cursor_u8(cur, &b).kind != TSC_OK)
                return -1;
            v = (v << 8) | b;
        }
        *len = v;
    }
    *tag = t;
    return 0;
}

/* One whole element: its tag and its contents. 0 or -1. */
static int ber_next(struct tsc_cursor *cur, uint8_t *tag, struct tsc_cursor *body)
{
    size_t len;
    struct tsc_view v;
    if (ber_header(cur, tag, &len) || tsc_cursor_bytes(cur, len, &v).kind != TSC_OK)
        return -1;
    *body = tsc_cursor_of(v);
    return 0;
}

/* An INTEGER or ENUMERATED that must be 0..2^31-1. */
static int ber_uint(struct tsc_cursor *body, long *out)
{
    size_t n = tsc_cursor_left(body);
    uint8_t b;
    if (n < 1 || n > 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (tsc_cursor_u8(body, &b).kind != TSC_OK || (i == 0 && (b & 0x80)))
            return -1;
        v = (v << 8) | b;
    }
    *out = v;
    return 0;
}

static const char *ldap_result_name(long rc)
{
    switch (rc) {
    case 1: return "operationsError";
    case 2: return "protocolError";
    case 3: return "timeLimitExceeded";
    case 12: return "unavailableCriticalExtension";
    case 51: return "busy";
    case 52: return "unavailable";
    case 53: return "unwillingToPerform";
    case 80: return "other";
    default: return "";
    }
}

/* LDAPMessage ::= SEQUENCE { messageID MessageID, protocolOp ..., controls [0] Controls OPTIONAL }
 * ExtendedResponse ::= [APPLICATION 24] SEQUENCE { COMPONENTS OF LDAPResult,
 *      responseName [10] LDAPOID OPTIONAL, responseValue [11] OCTET STRING OPTIONAL }
 * LDAPResult: resultCode ENUMERATED, matchedDN LDAPDN, diagnosticMessage LDAPString,
 *      referral [3] Referral OPTIONAL */
static int ldap_answer(struct conv *c, const uint8_t *p, size_t n)
{
    struct tsc_cursor msg = tsc_cursor_make(p, n), id, op, f, dn, diag, rest;
    uint8_t tag;
    long msgid, rc;
    if (ber_next(&msg, &tag, &id) || tag != 0x02 || ber_uint(&id, &msgid))
        return FAIL(c, "malformed LDAPMessage (messageID)");
    if (ber_next(&msg, &tag, &op))
        return FAIL(c, "malformed LDAPMessage (protocolOp)");
    if (tag != 0x78)
        return FAIL(c, "not an ExtendedResponse (protocolOp tag 0x%02x)", tag);
    if (tsc_cursor_left(&msg) > 0 && (ber_next(&msg, &tag, &rest) || tag != 0xa0))
        return FAIL(c, "malformed LDAPMessage (after protocolOp)");
    if (tsc_cursor_left(&msg) > 0)
        return FAIL(c, "malformed LDAPMessage (bytes after its controls)");
    if (ber_next(&op, &tag, &f) || tag != 0x0a || ber_uint(&f, &rc))
        return FAIL(c, "malformed ExtendedResponse (resultCode)");
    if (ber_next(&op, &tag, &dn) || tag != 0x04 || ber_next(&op, &tag, &diag) || tag != 0x04)
        return FAIL(c, "malformed ExtendedResponse (matchedDN, diagnosticMessage)");
    while (tsc_cursor_left(&op) > 0) {
        if (ber_next(&op, &tag, &rest) || (tag != 0xa3 && tag != 0x8a && tag != 0x8b))
            return FAIL(c, "malformed ExtendedResponse (after diagnosticMessage)");
    }
    struct tsc_view d = tsc_cursor_rest(&diag);
    const char *rname = ldap_result_name(rc);
    if (msgid == 0) /* RFC 4511 4.4.1: Notice of Disconnection */
        return fail_text(c, d.len ? d.p : NULL, d.len, "server disconnected: resultCode %ld%s%s%s", rc,
                         *rname ? " (" : "", rname, *rname ? ")" : "");
    if (msgid != 1)
        return FAIL(c, "an answer to another message (messageID %ld)", msgid);
    if (rc != 0)
        return fail_text(c, d.len ? d.p : NULL, d.len, "server refused StartTLS: resultCode %ld%s%s%s", rc,
                         *rname ? " (" : "", rname, *rname ? ")" : "");
    return 0;
}

static int ldap(struct conv *c)
{
    /* LDAPMessage { messageID 1, ExtendedRequest [APPLICATION 23] { requestName [0] StartTLS OID } } */
    static const uint8_t req[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16,
                                  '1',  '.',  '3',  '.',  '6',  '.',  '1',  '.',  '4',
                                  '.',  '1',  '.',  '1',  '4',  '6',  '6',  '.',  '2',
                                  '0',  '0',  '3',  '7'};
    if (send_all(c, req, sizeof req, "sending the StartTLS request"))
        return -1;
    begin(c, "waiting for the StartTLS response");
    /* the header: tag, first length byte, then 0..4 more length bytes */
    if (read_exact(c, c->buf, 2))
        return -1;
    size_t hlen = 2;
    if (c->buf[1] > 0x80 && c->buf[1] <= 0x84) {
        hlen += c->buf[1] & 0x7f;
        if (read_exact(c, c->buf + 2, hlen - 2))
            return -1;
    }
    struct tsc_cursor h = tsc_cursor_make(c->buf, hlen);
    uint8_t tag;
    size_t len;
    if (c->buf[0] != 0x30 || ber_header(&h, &tag, &len))
        return fail_text(c, c->buf, hlen, "not an LDAP message");
    if (len > UNIT_MAX)
        return FAIL(c, "a message longer than %d bytes (%zu) %s", UNIT_MAX, len, c->doing);
    if (read_exact(c, c->buf, len))
        return -1;
    return ldap_answer(c, c->buf, len);
}

/* ---- PostgreSQL (protocol docs, "SSL Session Encryption") ------------------------ */

static int postgres(struct conv *c)
{
    /* SSLRequest: Int32 length 8, Int32 80877103 */
    static const uint8_t req[] = {0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f};
    if (send_all(c, req, sizeof req, "sending SSLRequest"))
        return -1;
    begin(c, "waiting for the SSLRequest answer");
    if (read_exact(c, c->buf, 1))
        return -1;
    c->tlen = 1;
    switch (c->buf[0]) {
    case 'S':
        return 0;
    case 'N':
        return FAIL(c, "server refused SSL (answered 'N')");
    case 'E':
        return FAIL(c, "server answered SSLRequest with an error message");
    default:
        return FAIL_LINE(c, "not a PostgreSQL answer");
    }
}

/* ---- the entry point ---------------------------------------------------------- */

int tsc_starttls_run(int fd, enum tsc_starttls p, const char *host, int timeout_ms, char *err, size_t errlen)
{
    /* the conversation's 8 KiB buffer lives here, on the stack: nothing is allocated */
    struct conv c;
    c.fd = fd;
    c.timeout_ms = timeout_ms;
    c.name = (unsigned)p < N_PROTOS ? NAMES[p] : "starttls";
    c.err = err;
    c.errlen = errlen;
    c.deadline = -1;
    c.doing = "";
    c.answer_bytes = c.len = c.tlen = 0;
    if (err && errlen)
        err[0] = 0;
    if (!host)
        host = "localhost";
    if ((unsigned)p >= N_PROTOS)
        return FAIL(&c, "unknown protocol %d", (int)p);
    if (p == TSC_STARTTLS_NONE)
        return 0;
    if (fd < 0)
        return FAIL(&c, "no connection");
    if (!host_ok(host))
        return FAIL(&c, "a host name that cannot go into the exchange");
    switch (p) {
    case TSC_STARTTLS_SMTP: return smtp(&c, host);
    case TSC_STARTTLS_IMAP: return imap(&c);
    case TSC_STARTTLS_POP3: return pop3(&c);
    case TSC_STARTTLS_FTP: return ftp(&c);
    case TSC_STARTTLS_XMPP: return xmpp(&c, host);
    case TSC_STARTTLS_LDAP: return ldap(&c);
    case TSC_STARTTLS_POSTGRES: return postgres(&c);
    default: return FAIL(&c, "unknown protocol %d", (int)p);
    }
}
