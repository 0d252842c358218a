/*
 * flow_tls.h - the TLS session layer behind the capture layer's consumer
 * interface (core/flow.h).
 *
 * Each consumer context is a session context (session.h): TCP connections
 * become struct tsc_conn, fed through tsc_session_feed/gap/close, and are
 * released to the sink (emit when they carried TLS, discard otherwise).
 * UDP flows are taken when a datagram starts DTLS (frame_dtls.c); QUIC
 * will plug in here the same way.
 */
#ifndef TSC_TLS_FLOW_TLS_H
#define TSC_TLS_FLOW_TLS_H

#include "core/flow.h"
#include "tls/session.h"

struct tsc_flow_tls_cfg {
    const struct tsc_sink *sink;        /* may be NULL: nothing is shown */
    const struct tsc_decrypt_cfg *dec;  /* keys, or NULL */
};

/* A factory for pipelines whose connections go to the session layer. Only
 * the two pointers of `cfg` are kept: `cfg` itself need outlive only the
 * calls that take the factory, the sink and the key configuration must
 * outlive the pipelines. */
struct tsc_flow_factory tsc_flow_tls_factory(const struct tsc_flow_tls_cfg *cfg);

/* Keys that arrive during the run (a pcapng's secrets block after the
 * first packet) for a consumer context made without any: connections that
 * begin from now on are decrypted. One thread only (the context's). */
void tsc_flow_tls_set_decrypt(void *ctx, const struct tsc_decrypt_cfg *dec);

#endif
