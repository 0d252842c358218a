# Unit tests: one cmocka program per tests/unit/test_<module>.c, one ctest each.
if(NOT CMOCKA_FOUND)
  message(FATAL_ERROR "cmocka not found: run 'make deps' (installs libcmocka-dev)")
endif()
file(GLOB TSC_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${TSC_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  if(name STREQUAL "test_api")
    # libtlsscope as a caller links it: the shared library and its public
    # header only (a function it does not export fails the link)
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
    target_link_libraries(${name} PRIVATE tlsscope_shared PkgConfig::CMOCKA Threads::Threads)
  else()
    target_link_libraries(${name} PRIVATE tlsscope_lib PkgConfig::CMOCKA)
  endif()
  add_test(NAME unit/${name} COMMAND ${name})
  set_tests_properties(unit/${name} PROPERTIES ENVIRONMENT
                       "TSC_SOURCE_DIR=${CMAKE_SOURCE_DIR};TSC_BINARY_DIR=${CMAKE_BINARY_DIR}")
endforeach()

# The module graph runs one way (scripts/check_layers.py).
add_test(NAME layers COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/check_layers.py ${CMAKE_SOURCE_DIR})

# Golden tests: capture + flags -> expected output (tests/golden/TESTLIST).
add_test(NAME golden COMMAND bash ${CMAKE_SOURCE_DIR}/tests/golden/run.sh $<TARGET_FILE:tlsscope>)

# Hostile input: the golden captures truncated and bit-flipped.
file(GLOB TSC_GOLDEN_CAPTURES ${CMAKE_SOURCE_DIR}/tests/golden/captures/*.pcap ${CMAKE_SOURCE_DIR}/tests/golden/captures/*.pcapng)
add_test(NAME mutate COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/mutate.py
         --tlsscope $<TARGET_FILE:tlsscope> --variants 40 ${TSC_GOLDEN_CAPTURES})

# Captures made here from real peers (openssl, gnutls, curl on loopback and in
# network namespaces; needs root), then read by tlsscope and by tshark.
set(TSC_CAPTURES ${CMAKE_BINARY_DIR}/captures)
add_test(NAME e2e/make_captures COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/run_make_captures.sh ${TSC_CAPTURES})
set_tests_properties(e2e/make_captures PROPERTIES FIXTURES_SETUP captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/tshark_diff COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/tshark_diff.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_CAPTURES}/*.pcap")
set_tests_properties(e2e/tshark_diff PROPERTIES FIXTURES_REQUIRED captures TIMEOUT 600)
add_test(NAME e2e/decrypt_cases COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/decrypt_cases.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_CAPTURES})
set_tests_properties(e2e/decrypt_cases PROPERTIES FIXTURES_REQUIRED captures SKIP_RETURN_CODE 77 TIMEOUT 600)
# Decryption: captures with NSS key logs and the exact application bytes of
# both sides; tlsscope's decrypted messages against tshark's, exported
# plaintext against the payloads.
set(TSC_DECRYPT_CAPTURES ${CMAKE_BINARY_DIR}/decrypt_captures)
add_test(NAME e2e/make_decrypt_captures COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/run_make_decrypt_captures.sh ${TSC_DECRYPT_CAPTURES})
set_tests_properties(e2e/make_decrypt_captures PROPERTIES FIXTURES_SETUP decrypt_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/decrypt_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/decrypt_diff.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_DECRYPT_CAPTURES})
set_tests_properties(e2e/decrypt_diff PROPERTIES FIXTURES_REQUIRED decrypt_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/corpus_decrypt COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/corpus_decrypt.py --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/corpus_decrypt PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/mutate_captures COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/mutate.py --tlsscope $<TARGET_FILE:tlsscope> --variants 20 ${TSC_CAPTURES}/*.pcap")
set_tests_properties(e2e/mutate_captures PROPERTIES FIXTURES_REQUIRED captures TIMEOUT 600)

# DTLS (issue 14): captures made here from OpenSSL and GnuTLS peers over UDP in
# a network namespace (needs root), read by tlsscope and by tshark, with and
# without their key logs; the same comparison over the corpus's DTLS captures
# (reviewed disagreements: tests/e2e/dtls_corpus_known.tsv); the peer captures
# with datagrams reordered, duplicated and dropped; and mutated.
set(TSC_DTLS_CAPTURES ${CMAKE_BINARY_DIR}/dtls_captures)
add_test(NAME e2e/make_dtls_captures COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/make_dtls_captures.py --reuse ${TSC_DTLS_CAPTURES})
set_tests_properties(e2e/make_dtls_captures PROPERTIES FIXTURES_SETUP dtls_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/dtls_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/dtls_diff.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_DTLS_CAPTURES})
set_tests_properties(e2e/dtls_diff PROPERTIES FIXTURES_REQUIRED dtls_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/dtls_variants COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/dtls_variants.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_DTLS_CAPTURES})
set_tests_properties(e2e/dtls_variants PROPERTIES FIXTURES_REQUIRED dtls_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/mutate_dtls_captures COMMAND bash -c "set -- ${TSC_DTLS_CAPTURES}/*.pcap; [ -e \"$1\" ] || { echo 'mutate: SKIPPED: no DTLS captures (make_dtls_captures needs root)'; exit 77; }; exec python3 ${CMAKE_SOURCE_DIR}/tests/e2e/mutate.py --tlsscope $<TARGET_FILE:tlsscope> --head-cuts 0 --variants 12 \"$@\"")
set_tests_properties(e2e/mutate_dtls_captures PROPERTIES FIXTURES_REQUIRED dtls_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
# QUIC (issue 15): the corpus's QUIC captures listed in tests/e2e/mutate_quic.txt
# (three with their secrets) truncated and damaged (the golden quic-*.pcap, made
# from ngtcp2 peers, go through `mutate` above with their key logs, and the
# captures e2e/make_quic_captures makes through e2e/mutate_quic_captures below).
add_test(NAME e2e/mutate_quic_corpus COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/mutate.py
         --tlsscope $<TARGET_FILE:tlsscope> --head-cuts 0 --variants 12
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --list ${CMAKE_SOURCE_DIR}/tests/e2e/mutate_quic.txt)
set_tests_properties(e2e/mutate_quic_corpus PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
add_test(NAME e2e/dtls_corpus COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/dtls_corpus.py
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope> -j 2)
set_tests_properties(e2e/dtls_corpus PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

# QUIC (issue 15): the same comparison over the corpus's QUIC captures, with
# their key logs where they have one (reviewed disagreements:
# tests/e2e/quic_corpus_known.tsv).
add_test(NAME e2e/quic_corpus COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/quic_corpus.py
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope> -j 2)
set_tests_properties(e2e/quic_corpus PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

# QUIC (issue 15): captures made here from ngtcp2's GnuTLS HTTP/3 peers
# (gtlsserver/gtlsclient) in a network namespace (needs root): a GET, a
# Retry, a 0-RTT resumption, a key update, Version Negotiation (then v1, or
# giving up), no shared suite; read by tlsscope and by tshark, with and
# without the key log, QUIC connection by QUIC connection (reviewed
# disagreements: tests/e2e/quic_known_disagreements.tsv).
set(TSC_QUIC_CAPTURES ${CMAKE_BINARY_DIR}/quic_captures)
add_test(NAME e2e/make_quic_captures COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/make_quic_captures.py --reuse ${TSC_QUIC_CAPTURES})
set_tests_properties(e2e/make_quic_captures PROPERTIES FIXTURES_SETUP quic_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/quic_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/quic_diff.py --tlsscope $<TARGET_FILE:tlsscope>
         --known ${CMAKE_SOURCE_DIR}/tests/e2e/quic_known_disagreements.tsv ${TSC_QUIC_CAPTURES})
set_tests_properties(e2e/quic_diff PROPERTIES FIXTURES_REQUIRED quic_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/mutate_quic_captures COMMAND bash -c "set -- ${TSC_QUIC_CAPTURES}/*.pcap; [ -e \"$1\" ] || { echo 'mutate: SKIPPED: no QUIC captures (make_quic_captures needs root)'; exit 77; }; exec python3 ${CMAKE_SOURCE_DIR}/tests/e2e/mutate.py --tlsscope $<TARGET_FILE:tlsscope> --head-cuts 0 --variants 12 \"$@\"")
set_tests_properties(e2e/mutate_quic_captures PROPERTIES FIXTURES_REQUIRED quic_captures SKIP_RETURN_CODE 77 TIMEOUT 300)

# The public corpus beside the checkout (skipped, and said so, when absent).
add_test(NAME e2e/corpus_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/corpus_diff.py
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope>
         --known ${CMAKE_SOURCE_DIR}/tests/e2e/corpus_known_disagreements.tsv -j 2)
set_tests_properties(e2e/corpus_diff PROPERTIES TIMEOUT 900)
# The pipeline formats' values (issue 18) are checked in the plain build
# (zeek_diff, ecs_validate, eve_diff below); the sanitizer build reads every
# corpus capture once through one of them in turn, for crashes and output
# that does not hold together (formats_corpus.py).
if(NOT TSC_SANITIZE)
# --format zeek (issue 18) against Zeek's own ssl.log and x509.log baselines in
# the corpus, field by field; each difference a line of tests/e2e/zeek_known.tsv.
add_test(NAME e2e/zeek_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/zeek_diff.py
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope>
         --known ${CMAKE_SOURCE_DIR}/tests/e2e/zeek_known.tsv -j 2)
set_tests_properties(e2e/zeek_diff PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
else()
add_test(NAME e2e/formats_corpus COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/formats_corpus.py
         --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus -j 2)
set_tests_properties(e2e/formats_corpus PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1200)
endif()

# The capture layer (issue 3): real captures transformed into what networks
# do to them must read the same; a hole in a certificate; STARTTLS for seven
# protocols; live capture; memory under the cap with 100,000 half-open flows.
add_test(NAME e2e/variants COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/variants.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_CAPTURES}/*.pcap")
set_tests_properties(e2e/variants PROPERTIES FIXTURES_REQUIRED captures TIMEOUT 900)
add_test(NAME e2e/gap COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/gap.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_CAPTURES}/big-chain.pcap)
set_tests_properties(e2e/gap PROPERTIES FIXTURES_REQUIRED captures)
# Issue 16's TCP cases, rewritten from the same captures: a ServerHello
# retransmitted after the FINs, the same segment never seen, a repeated SYN,
# port reuse after FIN and after RST; each also against tshark (a disagreement
# passes only as a reviewed line of tests/e2e/tcp_cases_known.tsv: none so far).
add_test(NAME e2e/tcp_cases COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/tcp_cases.py --tlsscope $<TARGET_FILE:tlsscope> ${TSC_CAPTURES})
set_tests_properties(e2e/tcp_cases PROPERTIES FIXTURES_REQUIRED captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/starttls COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/starttls.sh $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/starttls PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
# tlsscope probe (issue 20): OpenSSL and GnuTLS servers of known configurations
# (exact sets and order), misbehaving servers, usage errors; over STARTTLS
# with scripted plaintext servers.
add_test(NAME e2e/probe COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/probe.py --tlsscope $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/probe PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180)
add_test(NAME e2e/probe_starttls COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/probe_starttls.py --tlsscope $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/probe_starttls PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
# ... and its versions and suites against nmap's ssl-enum-ciphers and testssl.sh on the
# same servers (reviewed disagreements: tests/e2e/probe_compare_known.tsv). A check of
# values, in the plain build only: testssl.sh is most of its 60-90 s, and the probe's
# code paths run under ASan and UBSan in e2e/probe and e2e/probe_starttls.
if(NOT TSC_SANITIZE)
add_test(NAME e2e/probe_compare COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/probe_compare.py --tlsscope $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/probe_compare PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
add_test(NAME e2e/live COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/live.sh $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/live PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# Linux NFLOG (issue 16): iptables -j NFLOG and tcpdump -i nflog:N in a
# network namespace around real handshakes, read against tshark, and live.
add_test(NAME e2e/nflog COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/nflog.sh $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/nflog PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
add_test(NAME e2e/memory COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/memory.py --tlsscope $<TARGET_FILE:tlsscope>)
if(TSC_SANITIZE)
  set_tests_properties(e2e/memory PROPERTIES ENVIRONMENT "TSC_SANITIZE=1")
endif()

# Fingerprints (issue 6): JA3/JA3S against tshark on our own captures, and
# JA3/JA3S/JA4 against the values published beside the public corpus; a null
# fingerprint passes only as a line of tests/e2e/fingerprint_known.tsv.
add_test(NAME e2e/fingerprints_captures COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/fingerprint_expected.py --tlsscope $<TARGET_FILE:tlsscope> --no-corpus ${TSC_CAPTURES}/*.pcap ${CMAKE_SOURCE_DIR}/tests/golden/captures/*.pcap")
set_tests_properties(e2e/fingerprints_captures PROPERTIES FIXTURES_REQUIRED captures TIMEOUT 600)
add_test(NAME e2e/fingerprints COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/fingerprint_expected.py
         --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus -j 2)
set_tests_properties(e2e/fingerprints PROPERTIES TIMEOUT 1200)
# The same, for the corpus's QUIC captures alone: JA4 "q..." against FoxIO's
# published values (and nDPI's, suricata's, Arkime's, and tshark's hellos).
add_test(NAME e2e/fingerprints_quic COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/fingerprint_expected.py
         --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --quic -j 2)
set_tests_properties(e2e/fingerprints_quic PROPERTIES TIMEOUT 600)

# tlsscope's own pcap/pcapng reader against libpcap, file by file; each
# difference a reviewed line of tests/e2e/readers_known.tsv.
add_test(NAME e2e/readers COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/readers.py --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus ${CMAKE_SOURCE_DIR}/tests/golden/captures/*.pcap")
set_tests_properties(e2e/readers PROPERTIES TIMEOUT 900)

# Fuzz targets (tests/fuzz/fuzz_<target>.c). In every build a replay program
# runs each target over its corpus (seeds cut from real captures, and every
# crash ever found), so they stay tests; `make fuzz` builds them with
# libFuzzer (clang, -DTSC_FUZZ=ON) and fuzzes.
file(GLOB TSC_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${TSC_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REPLACE "fuzz_" "" target ${name})
  if(TSC_FUZZ)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE tlsscope_lib)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  endif()
  add_executable(replay_${target} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
  target_link_libraries(replay_${target} PRIVATE tlsscope_lib)
  add_test(NAME fuzz/${target} COMMAND replay_${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${target})
endforeach()

# Findings (issue 6): captures from real peers configured to be weak, each
# with the rules that must fire and those that must not.
set(TSC_WEAK_CAPTURES ${CMAKE_BINARY_DIR}/weak_captures)
add_test(NAME e2e/make_weak_captures COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/make_weak_captures.sh ${TSC_WEAK_CAPTURES})
set_tests_properties(e2e/make_weak_captures PROPERTIES FIXTURES_SETUP weak_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/findings COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/findings_test.py --tlsscope $<TARGET_FILE:tlsscope> --captures ${TSC_WEAK_CAPTURES})
set_tests_properties(e2e/findings PROPERTIES FIXTURES_REQUIRED weak_captures SKIP_RETURN_CODE 77)

# Scale-out (issue 18): tlsscope's JSON of the golden, weak-peer and a few
# corpus captures loaded into a private ClickHouse server (installed with
# apt-get when missing) by contrib/clickhouse/tlsscope_load.py, and the
# queries of docs/scale-out.md checked against the JSON read directly. The
# fixture only orders it after make_weak_captures: without root those
# captures are absent, which the test says.
add_test(NAME e2e/clickhouse COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/clickhouse.py
         --tlsscope $<TARGET_FILE:tlsscope> --source ${CMAKE_SOURCE_DIR}
         --weak ${TSC_WEAK_CAPTURES} --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus)
set_tests_properties(e2e/clickhouse PROPERTIES FIXTURES_REQUIRED weak_captures SKIP_RETURN_CODE 77 TIMEOUT 300)

# -j N: the same bytes as one thread, over the golden captures and the corpus;
# and -j 1 and -j N both against expected output that is not their own: the
# golden TESTLIST's expected files, and tshark's reading of the corpus's
# hellos (corpus_diff.py's, with its reviewed disagreements).
add_test(NAME e2e/jobs COMMAND bash -c "python3 ${CMAKE_SOURCE_DIR}/tests/e2e/jobs.py --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --golden ${CMAKE_SOURCE_DIR}/tests/golden ${CMAKE_SOURCE_DIR}/tests/golden/captures/*.pcap*")
set_tests_properties(e2e/jobs PROPERTIES TIMEOUT 1200)

# The peers (issue 4): client, server and demo against openssl, gnutls and curl.
# libtlsscope (issue 21): installed into a DESTDIR, pkg-config, the two
# examples built against it and checked against read --json, the exports.
if(TSC_SANITIZE)
  set(TSC_EXAMPLE_CFLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME e2e/library COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/library.sh ${CMAKE_BINARY_DIR}
         $<TARGET_FILE:tlsscope> "${TSC_EXAMPLE_CFLAGS}")
set_tests_properties(e2e/library PROPERTIES TIMEOUT 120)
# The Debian packages (issue 21): dpkg-buildpackage, lintian, installed into
# a private root where tlsscope demo runs and the examples build; purged.
# Once, in the plain build (the package builds its own, unsanitized).
if(NOT TSC_SANITIZE)
  add_test(NAME e2e/debian COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/debian.sh)
  set_tests_properties(e2e/debian PROPERTIES TIMEOUT 1500 SKIP_RETURN_CODE 77)
endif()
add_test(NAME e2e/peers COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/peers.sh $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/peers PROPERTIES TIMEOUT 300)
# The DTLS peers (issue 14): client --dtls, server --dtls, demo --dtls, and
# openssl s_client/s_server -dtls1_2 against them.
add_test(NAME e2e/peers_dtls COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/peers_dtls.sh $<TARGET_FILE:tlsscope>)
set_tests_properties(e2e/peers_dtls PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
# pcapng files with their TLS secrets inside (issue 16): the peers' --pcapng
# (client, server with several clients, demo; TLS 1.2, 1.3, DTLS) decrypted
# by tshark with no key log and by tlsscope with no --keylog; Decryption
# Secrets Blocks of other types skipped and said; --keylog adding to
# embedded secrets; client -k. Then the decryption captures with their key
# logs injected by editcap: the same JSON as with --keylog, and tshark's
# reading.
add_test(NAME e2e/pcapng_secrets COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/pcapng_secrets.py --tlsscope $<TARGET_FILE:tlsscope> peers)
set_tests_properties(e2e/pcapng_secrets PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
add_test(NAME e2e/pcapng_inject COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/pcapng_secrets.py --tlsscope $<TARGET_FILE:tlsscope> inject ${TSC_DECRYPT_CAPTURES})
set_tests_properties(e2e/pcapng_inject PROPERTIES FIXTURES_REQUIRED decrypt_captures SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME e2e/server_stress COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/server_stress.py --tlsscope $<TARGET_FILE:tlsscope>)
# Alone: it holds 200 handshakes at once against a 2 s handshake timeout and
# measures the server's RSS, which two corpus-wide tests beside it starve.
set_tests_properties(e2e/server_stress PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
if(TSC_SANITIZE)
  set_tests_properties(e2e/server_stress PROPERTIES ENVIRONMENT "TSC_SANITIZE=1")
endif()

# Issue 13: the output before and after the refactor, byte for byte
# (tests/e2e/same_output.py): the previous main (the commit in
# tests/e2e/same_output.base), built from git history into baseline-build/
# once per ref, against this build, in text, -v, JSON and summary (and with
# keys) on the corpus, the golden captures and whatever the three capture
# fixtures made. The fixtures are required only so that they run first: one
# skipped (not root) leaves its directory absent, which the script says.
# Reviewed differences (bug fixes): tests/e2e/same_output_known.tsv.
# In the plain build only: it checks output, which a sanitizer build does not
# change, and the corpus-wide tests (corpus_diff, jobs, fingerprints, readers,
# mutate) already run every capture under ASan and UBSan; under ASan it
# would add some 5 minutes of CPU to CI for no further check.
if(NOT TSC_SANITIZE)
add_test(NAME e2e/same_output COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/same_output.py
         --tlsscope $<TARGET_FILE:tlsscope> --build-base ${CMAKE_BINARY_DIR} --source ${CMAKE_SOURCE_DIR}
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --build-dir ${CMAKE_BINARY_DIR} -j 2)
set_tests_properties(e2e/same_output PROPERTIES FIXTURES_REQUIRED "captures;decrypt_captures;weak_captures"
                     SKIP_RETURN_CODE 77 TIMEOUT 1500)
endif()

if(NOT TSC_SANITIZE)
# Elastic Common Schema (issue 18): every field of every `--format ecs`
# document over the corpus and the golden captures checked against ECS 8.17's
# types (tests/e2e/ecs_fields.tsv, from ecs_flat.yml) and the custom list,
# and each capture's documents against its --json.
add_test(NAME e2e/ecs_validate COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/ecs_validate.py
         --tlsscope $<TARGET_FILE:tlsscope> --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus -j 2 ${TSC_GOLDEN_CAPTURES})
set_tests_properties(e2e/ecs_validate PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
# Suricata EVE (issue 18): --format eve against the tls-event checks of the
# corpus's suricata-verify tests (reviewed disagreements:
# tests/e2e/eve_known.tsv); skips when ../shared is absent.
add_test(NAME e2e/eve_diff COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/eve_diff.py
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus --tlsscope $<TARGET_FILE:tlsscope> -j 2)
set_tests_properties(e2e/eve_diff PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# Issue 21: installing. The options each parser in src/cli/ takes (read from
# the source and from --help) documented in --help, the man pages, the README
# tables and both completions, with a self-test on fake pages
# (tests/e2e/options_documented.py); the completions run as bash and a real
# zsh run them (tests/e2e/completion.py); make install / make uninstall into
# a DESTDIR with this build (tests/e2e/install.sh).
add_test(NAME e2e/options_documented COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/options_documented.py
         --tlsscope $<TARGET_FILE:tlsscope> --source ${CMAKE_SOURCE_DIR})
add_test(NAME e2e/completion COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/completion.py --source ${CMAKE_SOURCE_DIR})
add_test(NAME e2e/install COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/install.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(e2e/options_documented e2e/completion e2e/install PROPERTIES TIMEOUT 300)
# cmake --install writes its manifests into the build directory: one install
# test at a time
set_tests_properties(e2e/install e2e/library PROPERTIES RESOURCE_LOCK cmake_install_manifest)
# The HTML report (issue 19): its page in headless chromium through
# chromium-driver (the demo's page, a hostile capture, 3,000 connections, a
# corpus capture; screenshots in build/html_report), and the page's C
# strings in step with its sources.
add_test(NAME e2e/html_report COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/e2e/html_report.py
         --tlsscope $<TARGET_FILE:tlsscope> --artifacts ${CMAKE_BINARY_DIR}/html_report
         --corpus ${CMAKE_SOURCE_DIR}/../shared/corpus)
set_tests_properties(e2e/html_report PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
add_test(NAME html_assets COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/gen_html_assets.py --check)
