-- tlsscope's JSON Lines (docs/json.md) as three ClickHouse tables, filled
-- by contrib/clickhouse/tlsscope_load.py; the queries that use them are in
-- docs/scale-out.md.
--
--   clickhouse-client --multiquery < contrib/clickhouse/schema.sql
--
-- Written for ClickHouse 18.16 (Debian 12's clickhouse-server) and every
-- later release, so it keeps to what 18.16 has: MergeTree with PARTITION BY
-- and ORDER BY, Date, DateTime('UTC'), Nullable, Array, String. Not used:
-- LowCardinality (experimental behind a setting in 18.16), DateTime64
-- (19.x), the IPv4/IPv6 types (19.x), Bool (21.x), and DEFAULT expressions
-- (JSONEachRow in 18.16 fills an omitted column with zero, not its DEFAULT:
-- the loader sends every column). Sort keys hold no Nullable column (no
-- release allows that without a setting), so the fingerprints there use ''
-- for "none".
--
-- A connection is (capture, conn_id): conn_id is tlsscope's `id`, which
-- counts from 1 in each input file, and capture names that file. Times are
-- UTC: DateTime keeps whole seconds and *_usec the microseconds. Flags are
-- UInt8 0/1. Loading the same capture twice stores it twice: remove the
-- first with ALTER TABLE ... DELETE WHERE capture = '...' on each table.

CREATE DATABASE IF NOT EXISTS tlsscope;

-- One row per connection. Sorted by the client's JA4, so the rows of one
-- client fingerprint are together: "which clients offer RC4, by JA4" and
-- "everything this JA4 did" read a contiguous range.
CREATE TABLE IF NOT EXISTS tlsscope.connections
(
    capture String,                      -- the input file these rows came from
    conn_id UInt32,                      -- `id`
    day Date,                            -- UTC day of `start`
    start_time DateTime('UTC'),          -- `start`, whole seconds
    start_usec UInt32,
    end_time DateTime('UTC'),            -- `end`
    end_usec UInt32,
    transport String,                    -- tcp, dtls, quic
    client_ip String,
    client_port UInt16,
    server_ip String,
    server_port UInt16,
    version Nullable(String),            -- "TLS 1.2"; NULL: no ServerHello
    cipher_suite Nullable(UInt32),       -- selected suite's code point
    cipher_suite_name Nullable(String),  -- its IANA name
    sni Nullable(String),
    alpn_offered Array(String),
    alpn_selected Nullable(String),
    resumed UInt8,
    hello_retry UInt8,
    renegotiated UInt8,
    complete UInt8,
    starttls UInt8,
    offered_suites Array(UInt32),        -- the ClientHello's suites, wire order
    offered_suite_names Array(String),   -- their names ('' where unnamed)
    ja3 String,                          -- '' when null or no ClientHello
    ja4 String,
    ja3s String,
    server_cert_sha256 String,           -- the leaf's sha256, '' when none
    certificates_count UInt16,           -- server certificates seen
    findings Array(String),              -- rule ids, most severe first
    alerts Array(String),                -- "s2c:fatal:handshake_failure", "c2s:encrypted"
    app_bytes_c2s UInt64,
    app_bytes_s2c UInt64,
    errors_count UInt32
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (ja4, day, server_ip, server_port, capture, conn_id);

-- One row per certificate per connection (server chains, and client chains
-- with side = 'client'), with the connection's server and time beside it so
-- that expiry questions need no join. Sorted by side, chain position and
-- expiry: "server leaves expiring before X" is a range of the key.
CREATE TABLE IF NOT EXISTS tlsscope.certificates
(
    capture String,
    conn_id UInt32,
    day Date,
    start_time DateTime('UTC'),          -- the connection's start
    server_ip String,
    server_port UInt16,
    sni Nullable(String),
    side String,                         -- server, client
    position UInt8,                      -- `index`: 0 is the leaf
    sha256 String,
    subject String,
    issuer String,
    serial String,
    not_before String,                   -- as in the JSON: ISO 8601 UTC
    not_after String,
    not_before_ts Int64,                 -- the same, seconds since 1970 (signed:
    not_after_ts Int64,                  -- certificates reach 1950 and 9999)
    key_algorithm String,
    key_bits UInt32,
    key_curve Nullable(String),
    signature_algorithm String,
    san Array(String),                   -- "DNS:name", "IP:addr", ...
    ca UInt8,
    self_signed UInt8,
    error_kind String,                   -- '' when the certificate parsed; else
    error_reason String                  -- the other columns are empty or 0
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (side, position, not_after_ts, server_ip, server_port, capture, conn_id);

-- One row per finding (docs/findings.md), with the connection's day, server
-- and client fingerprint. Sorted by day and rule: "findings per day" and
-- "where did rule X fire last week" read ranges of the key.
CREATE TABLE IF NOT EXISTS tlsscope.findings
(
    capture String,
    conn_id UInt32,
    day Date,
    start_time DateTime('UTC'),
    server_ip String,
    server_port UInt16,
    sni Nullable(String),
    ja4 String,
    rule_id String,                      -- `id`: a stable rule name
    severity String,                     -- info, low, medium, high
    title String,
    detail String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, rule_id, severity, capture, conn_id);
