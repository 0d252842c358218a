/*
 * test_decrypt_dtls.c - DTLS record protection (crypto/decrypt.c): DTLS 1.0
 * and 1.2 records opened with their own epoch and sequence number, DTLS 1.2
 * connection IDs (RFC 9146), DTLS 1.3's record number encryption, sequence
 * number and epoch reconstruction, and its records.
 *
 * Known answers from outside this code:
 * - DTLS 1.0 and 1.2 records captured here from openssl s_client and
 *   s_server on loopback (GCM, CBC with and without encrypt_then_mac,
 *   ChaCha20-Poly1305) and from Wireshark's test capture
 *   dtls12-aes128ccm8.pcap, with the master secrets of their key logs; the
 *   plaintexts are tshark 4.0's reading of the same records (ChaCha20: the
 *   peers', as tshark 4.0 does not decrypt DTLS ChaCha20-Poly1305; a
 *   Python reading with the cryptography package agrees on all of them);
 *   and Wireshark's snakeoil-dtls.pcap of OpenSSL's pre-standard DTLS 1.0,
 *   whose master secret comes from its RSA ClientKeyExchange and the
 *   published snakeoil key (its plaintexts are the test's sentences).
 * - DTLS 1.3: the records of The Illustrated DTLS Connection
 *   (illustrated-dtls, the files captures/caps/NN-...-prot) with the secrets of its key
 *   log and the plaintexts it publishes (captures/caps/record-...); with the
 *   public corpus beside the checkout (../shared), every one of its
 *   protected records is opened from the files too.
 * - Records this file seals itself with OpenSSL (connection IDs, DTLS 1.3
 *   under the other suites).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/text.h"
#include "crypto/decrypt.h"
#include "hex_vectors.h"
#include "tls_builders.h"
#include "tls_seal.h"

/* ------------------------------------------------------------ helpers */

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 29u + (i >> 2));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Open a DTLS 1.0/1.2 record; on success the plaintext is copied to
 * *plain (malloc'd). */
static tsc_result open12(struct tsc_rec_cipher *c, const struct tsc_dtls_hdr *h, const uint8_t *in, size_t n,
                         uint8_t **plain, size_t *len, uint8_t *inner)
{
    uint8_t *out = malloc(n ? n : 1);
    assert_non_null(out);
    size_t off = 99, l = 99;
    *inner = 0;
    *plain = NULL;
    *len = 0;
    tsc_result r = tsc_rec_open_dtls(c, h, in, n, out, &off, &l, inner);
    if (tsc_is_ok(r)) {
        assert_true(off <= n && l <= n - off);
        *plain = malloc(l ? l : 1);
        assert_non_null(*plain);
        memcpy(*plain, out + off, l);
        *len = l;
    }
    free(out);
    return r;
}

/* ------------------------------------------------------------ DTLS 1.0 and 1.2 from real peers */

struct dtls12_rec {
    int dir; /* 0: the client's, 1: the server's */
    uint8_t type;
    uint16_t epoch;
    uint64_t seq;
    const char *body, *plain;
};

struct dtls12_case {
    const char *name;
    uint16_t version, suite;
    int etm;
    const char *cr, *sr, *master;
    struct dtls12_rec rec[8];
};

static const struct dtls12_case dtls12_cases[] = {
    /* DTLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 (openssl s_client/s_server) */
    {"dtls12-gcm", 0xfefd, 0xc02f, 0,
     "0910ab23f124f0cc7b858595f512c8e537982c240d0cc6e172007dce92cf40d6",
     "c1164a88320cf5160702c00a5c20174b023158156434a4cddcca55cc8466dc2e",
     "49bddd0db6e590da9bd77a21cf9599bdf9c7011e42003e850fef9409f902a1147b67fa4db5234346d52aa8c0b081544f",
     {
         {0, 22, 1, 0,
          "ac1d72c76a5f67a548b5a2122e8b7c050cbf3c9cc0589d6fa675346d4688eb2c69567d0d34cf6a717b362db659bbd52c",
          "1400000c000300000000000c5643972eb95e6e9ee1b8baf1"},
         {1, 22, 1, 0,
          "745aad8a473817338796d57f8024c48cec6a244d7056b17fea936b5a4eba5a1826d5ac327a04d44ff12cbd6032ce8796",
          "1400000c000600000000000c2a7bcb95a4facebc83d7fc21"},
         {1, 23, 1, 1,
          "745aad8a4738173404b902e45e90a8b08f8aa49bd9495171c6",
          "0a"},
         {0, 23, 1, 1,
          "ac1d72c76a5f67a6f1d154eca1daf41b637284f01e62dc21bf727e8f46889d21819a10ee4903de84a98add7a53cfcbae"
          "0cba524fd456fdc0bf",
          "68656c6c6f2066726f6d2074686520636c69656e742064746c7331322d67636d0a"},
         {0, 21, 1, 2,
          "ac1d72c76a5f67a7948eca494e9b1a6c8594b0b86eff45e689f0",
          "0100"},
     }},
    /* DTLS 1.2 ECDHE-RSA-AES128-SHA, encrypt_then_mac */
    {"dtls12-cbc-etm", 0xfefd, 0xc013, 1,
     "6ac965e4dc07780765efc55c18470c7e6a258a2db51057a9ee9442d77488ec38",
     "77b8fcb93591cbab6284b8d2220774ca8d075d838504e52a4db25481d8182437",
     "16754aef5d25be87a669fbee0e76e35e1282f7625826eb5effb499de9569903b2d1fec6d583b1715f490fe74de8b8c4a",
     {
         {0, 22, 1, 0,
          "f3fec8c5d215a59699f9183d3821a5a74950e1399c5a3dbb87ab9a67a44968a37daaef34fa5f50c6debd8bb802b12880"
          "bb545cc35860d113d78f71b95bab897bf555c3ad",
          "1400000c000300000000000cff9f5d11a8894a37150c1529"},
         {1, 22, 1, 0,
          "3befe14999e224784c74bd5c114fa73689acb620f27f9c09d5109200d497e48ae2202dc90429cf1ea996678cd24de7d1"
          "b76b8f58b9db7193e4b68921407cf241297a9053",
          "1400000c000600000000000cbf6cc9dd4e8b768e271a55bc"},
         {1, 23, 1, 1,
          "4ce2b4d9139b8acfddd779a8e50841e6ef77d45e362e6e8c90d1a19a5aee81361c0ae915aa52fd4b92dd12e5e3f15870"
          "c2f9e8ee",
          "0a"},
         {0, 23, 1, 1,
          "c170aab253c0889abf508c2ac81dda8771b58189ceaf69c00b02990fe30fed27961d4a3052ae521b54c43bdfad5fa1e8"
          "be7357feb9a38fd063454275270fc62973522d6f236ad0142f5a7664d3f980b6df88ef3a",
          "68656c6c6f2066726f6d2074686520636c69656e742064746c7331322d6362632d65746d0a"},
         {0, 21, 1, 2,
          "2d7ebb4bf0b92be9b24848bfe22594d1e7b0fbc69c22169b7be1fb966372969161f461c8ee71605b4099047a70b0f8d7"
          "f126a3c8",
          "0100"},
     }},
    /* DTLS 1.2 ECDHE-RSA-AES256-SHA384, MAC-then-encrypt */
    {"dtls12-cbc-noetm", 0xfefd, 0xc028, 0,
     "4cdeb9067c1b2515726f511d9a3397e74df8ab131893779b42182a9301b9d6ff",
     "e64d4d343edebbb8642f28a44997d64f2dbbba5596e5794691fcd4f46cd9b4ea",
     "992878467bb76f67ad3c134e2e99a544e68ed2105fa1d8949cd928e4c8dd2417c53bf0f3f56f3fa10704a041431844f8",
     {
         {0, 22, 1, 0,
          "59735317ed6d31de08b0163228d1f9ad85962e7044430fcbacaf19ece7f767b9af0b311c359918f63a6420476274566b"
          "fc7e18d19b95d6faae7b05b843694ef3b6acfc9427f8718a5283b6fec7721ae2dd2d89fd90580549efea6d225f1df0fa",
          "1400000c000300000000000c51da2be77acbd01da8b72e5e"},
         {1, 22, 1, 0,
          "1b8cc6cf7e451e60c6ce4c2165572ee7af5415494e4ad85bbd472281a9449ad9a04f0a3df44afae9bf3db875561f9923"
          "8e1e113d47f1514428742f122fc9ca5e19599c2d252a6ff7169593042caffe03d7850a2f2e2a24ef64bbbf5d5a3dbc05",
          "1400000c000600000000000c7569f1c047012f3b1354bfea"},
         {1, 23, 1, 1,
          "a77e14262c87c2facf627c96e8da250ce3f36be9b9c414c605623749c25677cd34a82bb1d8ee7fdb5141663fca67b3a9"
          "101f2791904267d9c978181ba35706282fe3f2258a36fe8f5bfdd9f77ad585d1",
          "0a"},
         {0, 23, 1, 1,
          "6014d82a74095200203619128ee813bf7333479d019a5586addb2f2c04035370637fe85d9b4f7a433a1687ef0976b4d6"
          "8678f2caccbc1f6d1d614d2b933598f9cfbd3a00dff67a9ca2bf44eed877b62ef7ec2f4af06d81d97a46ff7d64e6d998"
          "6613b4af8bc61ae477f55bdf4fdf9c12",
          "68656c6c6f2066726f6d2074686520636c69656e742064746c7331322d6362632d6e6f65746d0a"},
         {0, 21, 1, 2,
          "5fd2a53d6814742104e23ec75aeff8716c89d36eb1b8d6f41356dee287f6ce28aebab9406d90e048ab0df3ce9b29c02d"
          "b7e88972d96926c9a070c26192f96df624c7afc818e3e9732fe36f695b9b22a3",
          "0100"},
     }},
    /* DTLS 1.2 ECDHE-RSA-CHACHA20-POLY1305 */
    {"dtls12-chacha", 0xfefd, 0xcca8, 0,
     "a91c04a87329ebc163b4cac214a0699f0775b307338c7bd7a370f333b3f3e908",
     "5d26869df32c456ebd8d708a2a8d67385272dac711cf5cc39e4ccf39633895ac",
     "65ec186415ec32b2f4b3d9a1fbbd95e84dec37beec4a48b748aa29e32858d27a893f44df7338714cc3dac79996ef07a9",
     {
         {0, 22, 1, 0,
          "6c6bab7d2ba0fecd3d1f9e360f3fe64b12518114fd5cf742db45fcb96b14538850867a54c9f0313e",
          "1400000c000300000000000cce98214476d5f022e88fbff6"},
         {1, 22, 1, 0,
          "438ae912c9e1677e002ef1679eda940ee8bb17a219ad9b2bddb93353b6babb3a8739e5b0e10d104c",
          "1400000c000600000000000c2e6915cb966ee540293e7d9d"},
         {1, 23, 1, 1,
          "e62f7e4fc06fe642686977f880e64585ca",
          "0a"},
         {0, 23, 1, 1,
          "9bb77e2fe10e124d219eb21ea3d547a7ed5d1aa0c23220f55d22856f820b737b11e5fec716bd9cdc39cd201350a08638"
          "5ac02a8c",
          "68656c6c6f2066726f6d2074686520636c69656e742064746c7331322d6368616368610a"},
         {0, 21, 1, 2,
          "cce59529096b24a84b7258cc3b6900d8aeeb",
          "0100"},
     }},
    /* DTLS 1.0 ECDHE-RSA-AES128-SHA, MAC-then-encrypt */
    {"dtls10-cbc", 0xfeff, 0xc013, 0,
     "2c76026a5b80640295a12036905ee275aa0b733c6612301e1c59eba14dbad358",
     "0461f61feaeb64aaf720e98f7c2b185a5132747b009e6c13a27da1a721403f7c",
     "023dbd69c0ae1394cef42495051f6cd6c2c1a5ad4ac03a92fbb9c9982fbccfd9087443c084f262f0e23df4a5fc3c0f57",
     {
         {0, 22, 1, 0,
          "f4173bfe20624e1400e732b24becd91e9fcab90acefd456261f87fe9e85fd388649ee89e768e11c96ce7c3901b94d63d"
          "b77b9c9ea614b8df4cf29d85107ff5fd",
          "1400000c000300000000000c933cbb4c202ce917d667e230"},
         {1, 22, 1, 0,
          "da036d5715117cd4ac7f0ad088a76bc5b3d77bd956b47010a863d2ed58469b83e0cb60acb2ee2d437920c8f187140dc2"
          "b97d09b72a20581606be5c5911b8170d",
          "1400000c000600000000000ce570e2fd979f8642c9a69d0d"},
         {1, 23, 1, 1,
          "546acc9eab100c06d02efeda3c814edf3f88ee40306ae4fa03dcea2c82985156f45452bb716ba7963e91b2ce0476147d",
          "0a"},
         {0, 23, 1, 1,
          "e598c32d938dcbec4664d08f49544eaaffead6322186b03b2ca5b3932fed35d575759dadce77e6c97716f22a4da4d986"
          "129d5448d8f2942bc6f9e0a5b4a1cfdffb45c3459932fdffba8f51183b542102",
          "68656c6c6f2066726f6d2074686520636c69656e742064746c7331302d6362630a"},
         {0, 21, 1, 2,
          "26211d873a44b8a496d4426955116ef6694fa702dd3bdabea1bc01f4c9359ca7239acf63bd6686461f685e125490f29c",
          "0100"},
     }},
    /* DTLS 1.2 PSK-AES128-CCM8 (Wireshark test capture dtls12-aes128ccm8.pcap) */
    {"dtls12-ccm8", 0xfefd, 0xc0a8, 0,
     "588e5f9dc778cef22405f42f9bea25928bd0312ce14d642d034d24f4fab672fc",
     "588e5f36a2c95dca786113f723f3701be3cc12c043ea812558987da545ed726a",
     "7057f3d706cf0680a40e4f2e0747ce78ce98da2622eb9a9543f7f15463744157256a796db50bbe65cdbdc292a09335b4",
     {
         {0, 22, 1, 0,
          "00010000000000006540080120371f2ea6aa2bc268161620c792f47021205e56a0b64f34ee4b27b0",
          "1400000c000300000000000ce33dc86a381c5da0777be1a9"},
         {1, 22, 1, 0,
          "00010000000000004dd9e249e86b60a5811b9f002123eb0ec23b260587d25b07fae6691f2a99e28d",
          "1400000c000300000000000c5e1630f3e41175e3fecf7c31"},
         {0, 23, 1, 1,
          "0001000000000001c2315fbaace18d75d6220ca5fb6d978216d736c454f287b518743b2b32013f33ce62ab214c2a0b9c",
          "44544c53312e322074657374207573696e6720476e75544c5320332e352e380a"},
         {1, 23, 1, 1,
          "000100000000000158a0cc7089deec5cf07022bc72793f009b4102f7446012f5b0d9220549a5f774dba3806ab5365240",
          "44544c53312e322074657374207573696e6720476e75544c5320332e352e380a"},
         {0, 23, 1, 2,
          "0001000000000002972368b30991df4705ee7a5790a3622c086c9567e1f4",
          "576f726b7320666f72206d65210a"},
         {1, 23, 1, 2,
          "0001000000000002543a7a370a6575e32293e7ff4d449626b25ee4cda4d4",
          "576f726b7320666f72206d65210a"},
         {0, 21, 1, 3,
          "0001000000000003d2aa4f0a3362fee37b72",
          "0100"},
     }},
    /* OpenSSL's pre-standard DTLS 1.0 (0x0100), TLS_RSA_WITH_AES_256_CBC_SHA: Wireshark's
     * snakeoil-dtls.pcap, the master secret from its ClientKeyExchange and snakeoil-rsa.key;
     * "it work !", "isn't it ?" and "this is a concluant test !" arrive in the order 1, 3, 2 */
    {"dtls10-openssl-pre", 0x0100, 0x0035, 0,
     "448d7528970b922d9bb345ca87a675fb53cbce274fafe17eb9c2ec8b4b5d645a",
     "448d746da14a9cb05b00c4c8e69e2798b3f2ba5658bb8c4a132f8870c4ec4048",
     "a8644ba9a5f21f0cd68cc62b53529ea300ca356f1b0524a82bf85a210403ed4d2fa0b2e1d2559984d578fd932bfaa7e5",
     {
         {0, 22, 1, 0,
          "8e990e2a6360f242757e8d6e763db0fe160e391f84776189f1e6bfe03fafd81f19e57d492a7fcb5bd9a3f406a12fb277"
          "6c0378ad8ef7aad410e00ccfdb0fcf79",
          "1400000c000400000000000c2c50dbae921d95245aef2470"},
         {1, 22, 1, 0,
          "096b6bb4cf9feca53560563ca7b14306638480d66dab427fe060a8c27444b57188dad233f2ead83a162fa2ba6802f314"
          "499c7987e3c79f0e1553271e4c09492a",
          "1400000c000500000000000c7e8a35d2894689e8518e4656"},
         {0, 23, 1, 1,
          "bc8b228b9237df40e4e2ce8dce8f334b90ea4b33c5cb9a1f84596f9b06799e348607db819ed7c87e154d3424c789c166",
          "697420776f726b20210a"},
         {0, 23, 1, 3,
          "949a0fc7f9732e4f324fe7756d84d5c6d377f9b68f9a46bb9832f688a50d2c1ed0a2f61e3444ef318aaa61843772ab40",
          "69736e2774206974203f0a"},
         {0, 23, 1, 2,
          "e2b4969434331cb15d3e103e3f29721b43654451d569cc20fa1bdf97865d981754cd2a7fdda36e6c4209ca5b50690b3b"
          "82e2a9f2d76020a7b4ac7084a1a32089",
          "74686973206973206120636f6e636c75616e74207465737420210a"},
     }},
};

static void test_dtls12_captured(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dtls12_cases / sizeof dtls12_cases[0]; i++) {
        const struct dtls12_case *t = &dtls12_cases[i];
        print_message("%s\n", t->name);
        uint8_t cr[32], sr[32], master[48];
        assert_int_equal(unhex(t->cr, cr, sizeof cr), 32);
        assert_int_equal(unhex(t->sr, sr, sizeof sr), 32);
        assert_int_equal(unhex(t->master, master, sizeof master), 48);
        struct tsc_rec_cipher *c[2];
        ASSERT_OK(tsc_rec_cipher_tls12(t->version, t->suite, t->etm, master, cr, sr, c));
        size_t n_rec = 0;
        while (n_rec < 8 && t->rec[n_rec].body)
            n_rec++;
        assert_true(n_rec >= 4);
        /* last to first: each record carries its own numbers, so order does
         * not matter; then the first one again (a retransmission) */
        for (size_t k = 0; k <= n_rec; k++) {
            const struct dtls12_rec *rc = &t->rec[k < n_rec ? n_rec - 1 - k : 0];
            uint8_t body[256], want[256];
            size_t n = unhex(rc->body, body, sizeof body), wn = unhex(rc->plain, want, sizeof want);
            struct tsc_dtls_hdr h = {rc->type, t->version, rc->epoch, rc->seq, NULL, 0};
            uint8_t *plain, inner;
            size_t len;
            ASSERT_OK(open12(c[rc->dir], &h, body, n, &plain, &len, &inner));
            assert_int_equal(len, wn);
            assert_memory_equal(plain, want, wn);
            assert_int_equal(inner, rc->type);
            free(plain);
            /* the header's numbers, type and version are authenticated */
            struct tsc_dtls_hdr bad[] = {
                {rc->type, t->version, (uint16_t)(rc->epoch + 1), rc->seq, NULL, 0},
                {rc->type, t->version, rc->epoch, rc->seq + 1, NULL, 0},
                {rc->type, t->version, rc->epoch, rc->seq | (uint64_t)1 << 40, NULL, 0},
                {(uint8_t)(rc->type ^ 1), t->version, rc->epoch, rc->seq, NULL, 0},
                {rc->type, (uint16_t)(t->version ^ 2), rc->epoch, rc->seq, NULL, 0},
            };
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                if (t->version == 0x0100 && (b == 0 || b == 4))
                    continue; /* pre-standard OpenSSL MACs neither the epoch nor the header's version */
                tsc_result r = open12(c[rc->dir], &bad[b], body, n, &plain, &len, &inner);
                ASSERT_DECODE_ERROR(r);
                assert_true(strcmp(r.why, "authentication tag does not verify") == 0 ||
                            strcmp(r.why, "bad record MAC") == 0);
            }
            /* nor does the other direction's state open it */
            ASSERT_DECODE_ERROR(open12(c[!rc->dir], &h, body, n, &plain, &len, &inner));
            /* and it still opens after all those failures */
            ASSERT_OK(open12(c[rc->dir], &h, body, n, &plain, &len, &inner));
            free(plain);
        }
        /* the TLS record format has no use for these states' numbers */
        assert_int_equal(tsc_rec_cipher_seq(c[0]), 0);
        tsc_rec_cipher_free(c[0]);
        tsc_rec_cipher_free(c[1]);
    }
    /* a DTLS state opens only DTLS records, a TLS state only TLS records */
    uint8_t m[48] = {0}, r1[32] = {0}, r2[32] = {0}, b[64] = {0}, *plain, inner;
    size_t len;
    struct tsc_rec_cipher *c[2];
    ASSERT_OK(tsc_rec_cipher_tls12(0x0303, 0xc02f, 0, m, r1, r2, c));
    struct tsc_dtls_hdr h = {23, 0xfefd, 1, 0, NULL, 0};
    ASSERT_RESULT(open12(c[0], &h, b, sizeof b, &plain, &len, &inner), TSC_INTERNAL, TSC_ALERT_NONE);
    tsc_rec_cipher_free(c[0]);
    tsc_rec_cipher_free(c[1]);
    /* no stream ciphers in DTLS */
    tsc_result r = tsc_rec_cipher_tls12(0xfefd, 0x0005, 0, m, r1, r2, c);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "stream ciphers (RC4) are not used in DTLS (RFC 4347 4.1.2.2)");
    assert_null(c[0]);
}

/* ------------------------------------------------------------ DTLS 1.2 connection IDs */


static void hmac(const char *md, const uint8_t *key, size_t klen, const uint8_t *a, size_t an, const uint8_t *b,
                 size_t bn, uint8_t *out, size_t want)
{
    uint8_t buf[2048];
    size_t ol = 0;
    assert_true(an + bn <= sizeof buf);
    memcpy(buf, a, an);
    memcpy(buf + an, b, bn);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_end(),
    };
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, NULL, params, key, klen, buf, an + bn, out, EVP_MAX_MD_SIZE, &ol));
    assert_int_equal(ol, want);
}

/* RFC 9146 5: seq_num_placeholder || tls12_cid || cid_length || tls12_cid
 * || version || epoch || sequence_number || cid || length, written out
 * here from the RFC's text. */
static size_t cid_ad(uint16_t version, uint16_t epoch, uint64_t seq, const uint8_t *cid, size_t cid_len,
                     size_t len, uint8_t *out)
{
    size_t i = 0;
    memset(out, 0xff, 8);
    i = 8;
    out[i++] = 25;
    out[i++] = (uint8_t)cid_len;
    out[i++] = 25;
    out[i++] = (uint8_t)(version >> 8);
    out[i++] = (uint8_t)version;
    put_u64(out + i, (uint64_t)epoch << 48 | seq);
    i += 8;
    memcpy(out + i, cid, cid_len);
    i += cid_len;
    out[i++] = (uint8_t)(len >> 8);
    out[i++] = (uint8_t)len;
    return i;
}

enum cid_prot { CID_GCM, CID_CHACHA, CID_CBC, CID_CBC_ETM };

/* A record with a connection ID: DTLSInnerPlaintext (content, real type,
 * `zeros` zero bytes) protected by the client's keys of the key block. */
static size_t seal_cid(enum cid_prot p, const uint8_t *kb, uint16_t epoch, uint64_t seq, const uint8_t *cid,
                       size_t cid_len, uint8_t real_type, const uint8_t *content, size_t n, size_t zeros,
                       uint8_t *body)
{
    uint8_t inner[1024], ad[300], nonce[12];
    assert_true(n + 1 + zeros <= sizeof inner - 64);
    memcpy(inner, content, n);
    inner[n] = real_type;
    memset(inner + n + 1, 0, zeros);
    size_t in_len = n + 1 + zeros, ad_len;
    switch (p) {
    case CID_GCM: /* key block: client key 16, server key 16, client iv 4, server iv 4 */
        memcpy(nonce, kb + 32, 4);
        put_u64(nonce + 4, (uint64_t)epoch << 48 | seq);
        memcpy(body, nonce + 4, 8);
        ad_len = cid_ad(0xfefd, epoch, seq, cid, cid_len, in_len, ad);
        aead_seal("AES-128-GCM", 0, 16, kb, nonce, ad, ad_len, inner, in_len, body + 8);
        return 8 + in_len + 16;
    case CID_CHACHA: /* client key 32, server key 32, client iv 12, server iv 12 */
        memcpy(nonce, kb + 64, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(((uint64_t)epoch << 48 | seq) >> (56 - 8 * i));
        ad_len = cid_ad(0xfefd, epoch, seq, cid, cid_len, in_len, ad);
        aead_seal("ChaCha20-Poly1305", 0, 16, kb, nonce, ad, ad_len, inner, in_len, body);
        return in_len + 16;
    case CID_CBC:
    case CID_CBC_ETM: {
        /* AES-128-CBC-SHA: client MAC 20, server MAC 20, client key 16, server key 16 */
        const uint8_t *mac_key = kb, *key = kb + 40;
        uint8_t buf[1200], mac[64], iv[16];
        size_t len = in_len;
        fill(iv, 16, (uint8_t)(seq + 7));
        memcpy(body, iv, 16);
        memcpy(buf, inner, in_len);
        if (p == CID_CBC) {
            ad_len = cid_ad(0xfefd, epoch, seq, cid, cid_len, in_len, ad);
            hmac("SHA1", mac_key, 20, ad, ad_len, inner, in_len, mac, 20);
            memcpy(buf + len, mac, 20);
            len += 20;
        }
        size_t pad = 15 - len % 16;
        memset(buf + len, (int)pad, pad + 1);
        len += pad + 1;
        cbc_encrypt("AES-128-CBC", key, iv, buf, len, body + 16);
        len += 16;
        if (p == CID_CBC_ETM) {
            /* the MAC covers the IV and the ciphertext, their length in the header part */
            ad_len = cid_ad(0xfefd, epoch, seq, cid, cid_len, len, ad);
            hmac("SHA1", mac_key, 20, ad, ad_len, body, len, body + len, 20);
            len += 20;
        }
        return len;
    }
    }
    return 0;
}

static void test_dtls12_connection_id(void **state)
{
    (void)state;
    static const struct {
        enum cid_prot prot;
        uint16_t suite;
        int etm;
        size_t kb_len;
    } t[] = {
        {CID_GCM, 0xc02f, 0, 2 * (16 + 4)},
        {CID_CHACHA, 0xcca8, 0, 2 * (32 + 12)},
        {CID_CBC, 0xc013, 0, 2 * (20 + 16)},
        {CID_CBC_ETM, 0xc013, 1, 2 * (20 + 16)},
    };
    uint8_t master[48], cr[32], sr[32], kb[200], cid[20], content[300], body[800];
    fill(master, sizeof master, 0x11);
    fill(cr, sizeof cr, 0x22);
    fill(sr, sizeof sr, 0x33);
    fill(cid, sizeof cid, 0x44);
    fill(content, sizeof content, 0x55);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        print_message("suite 0x%04x%s\n", t[i].suite, t[i].etm ? " encrypt_then_mac" : "");
        prf("SHA256", master, 48, "key expansion", sr, 32, cr, 32, kb, t[i].kb_len);
        struct tsc_rec_cipher *c[2];
        ASSERT_OK(tsc_rec_cipher_tls12(0xfefd, t[i].suite, t[i].etm, master, cr, sr, c));
        static const struct {
            size_t cid_len, n, zeros;
            uint8_t type;
        } r[] = {{8, 200, 0, 23}, {1, 0, 0, 21}, {20, 37, 13, 22}, {4, 2, 100, 21}};
        for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
            uint64_t seq = 0x123456789a + k;
            size_t n = seal_cid(t[i].prot, kb, 1, seq, cid, r[k].cid_len, r[k].type, content, r[k].n, r[k].zeros,
                                body);
            struct tsc_dtls_hdr h = {TSC_REC_TLS12_CID, 0xfefd, 1, seq, cid, (uint8_t)r[k].cid_len};
            uint8_t *plain, inner;
            size_t len;
            ASSERT_OK(open12(c[0], &h, body, n, &plain, &len, &inner));
            assert_int_equal(inner, r[k].type);
            assert_int_equal(len, r[k].n);
            if (len)
                assert_memory_equal(plain, content, len);
            free(plain);
            /* the connection ID is authenticated, and its length */
            uint8_t other[20];
            memcpy(other, cid, sizeof other);
            other[0] ^= 1;
            struct tsc_dtls_hdr bad = h;
            bad.cid = other;
            ASSERT_DECODE_ERROR(open12(c[0], &bad, body, n, &plain, &len, &inner));
            bad = h;
            bad.cid_len = (uint8_t)(h.cid_len - 1);
            ASSERT_DECODE_ERROR(open12(c[0], &bad, body, n, &plain, &len, &inner));
            /* read as a record without one: the MAC input differs */
            bad = h;
            bad.type = 23;
            ASSERT_DECODE_ERROR(open12(c[0], &bad, body, n, &plain, &len, &inner));
        }
        /* all padding, no type: refused with the reason */
        uint8_t zero = 0;
        size_t n = seal_cid(t[i].prot, kb, 1, 9, cid, 4, 0, &zero, 0, 5, body);
        struct tsc_dtls_hdr h = {TSC_REC_TLS12_CID, 0xfefd, 1, 9, cid, 4};
        uint8_t *plain, inner;
        size_t len;
        tsc_result res = open12(c[0], &h, body, n, &plain, &len, &inner);
        ASSERT_DECODE_ERROR(res);
        assert_string_equal(res.why, "no content type (the record is all padding)");
        tsc_rec_cipher_free(c[0]);
        tsc_rec_cipher_free(c[1]);
    }
}

/* ------------------------------------------------------------ DTLS 1.3 */

static void test_dtls_seq_reconstruct(void **state)
{
    (void)state;
    static const struct {
        uint64_t expect, low;
        unsigned bits;
        uint64_t want;
    } t[] = {
        {0, 0, 8, 0},
        {0, 5, 8, 5},
        {0, 0xff, 8, 0xff},          /* nothing below 0 */
        {0x100, 0xff, 8, 0xff},      /* just before what was expected */
        {0x1fe, 0x01, 8, 0x201},     /* past the wrap */
        {0x201, 0xfe, 8, 0x1fe},     /* before the wrap, late */
        {0x180, 0x00, 8, 0x200},     /* half a window either way: the later one */
        {0xffff, 0x0000, 16, 0x10000},
        {0x10003, 0xfffd, 16, 0xfffd},
        {0, 0xfffe, 16, 0xfffe},
        /* RFC 9000 A.3's example (the same rule): largest 0xa82f30ea */
        {0xa82f30eb, 0x9b32, 16, 0xa82f9b32},
        {7, 0x123456789abc, 48, 0x123456789abc},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(tsc_dtls_seq_reconstruct(t[i].expect, t[i].low, t[i].bits), t[i].want);
}

static void test_dtls13_epoch_reconstruct(void **state)
{
    (void)state;
    /* until the handshake is done the bits are the epoch */
    for (uint64_t cur = 0; cur <= 2; cur++)
        for (unsigned low = 0; low < 4; low++)
            assert_int_equal(tsc_dtls13_epoch_reconstruct(cur, low), low);
    /* then the current one, the next, and the two before it */
    static const struct {
        uint64_t cur;
        unsigned low;
        uint64_t want;
    } t[] = {
        {3, 3, 3}, {3, 0, 4}, {3, 1, 1}, {3, 2, 2},
        {4, 0, 4}, {4, 1, 5}, {4, 2, 2}, {4, 3, 3},
        {7, 3, 7}, {7, 0, 8}, {7, 1, 5}, {7, 2, 6},
        {1000, 0, 1000}, {1000, 1, 1001}, {1000, 2, 998}, {1000, 3, 999},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(tsc_dtls13_epoch_reconstruct(t[i].cur, t[i].low), t[i].want);
}

/* captures/keylog.txt of illustrated-dtls (client random e0e1...feff) */
static const char *const illustrated_secret[4] = {
    "33e472fb8d821b0193314626bebee307ccbd1aeb3d3a17ba468888ffc5246da1", /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    "8ad7990b9d249bcbaa0805d8d3f3ad2259e75f3a42c5d84db3ea3c6ee57b3d38", /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    "a9185352f61134f1d24eaa4a930fff2edca40ce8c06420848deb27699e9baf2c", /* CLIENT_TRAFFIC_SECRET */
    "4ab12ae4022fc013eca21abb071e13aa24a150e3876c660fe0ed10a8eebd8f17", /* SERVER_TRAFFIC_SECRET */
};
enum { C_HS, S_HS, C_AP, S_AP };

struct dtls13_rec {
    int secret;
    unsigned epoch;
    uint64_t seq;
    const char *record, *inner; /* the record as sent; content || type as published */
};

static const struct dtls13_rec illustrated[] = {
    /* 03-*-prot: EncryptedExtensions */
    {S_HS, 2, 0,
     "2e79fa002fee9dcff3f8679a4859fe68377fb34ada85df879c673e501d7a4e8f1950e0fcf67fe442e7d7d2b8a3d5fa59"
     "574ffd00",
     "0800001200010000000000120010000a000c000a0017001d00180019010016"},
    /* 06-*-prot: the server's Finished */
    {S_HS, 2, 3,
     "2e0bb8003da44135732a099823b8a5f61a2b35ce921a89abb152f876cd26797dc3ed73d917b299c16928b9cf9e58d1cd"
     "58686b8b90ce9fe6454e0cef9efc40f2397a",
     "1400002000040000000000201d89aa62e5f88a0fc952884715d8acb3798659afb9e7789a8db2b3816ba4524616"},
    /* 07-*-prot: the client's Finished */
    {C_HS, 2, 0,
     "2ec248003d8a2cd52d5000f8786afb47cdf0b8f2b81342b00c43dce64b1d0194d2e201f681750978528bbe26af796124"
     "01c007a2c5f75f7cffb7465bc01d23d8511f",
     "1400002000010000000000206f2801396b0e90ebb4a3ba384abcfc6b24201abd81b316b2391da378377facf516"},
    /* 08-*-prot: ACK */
    {S_AP, 3, 0,
     "2f31500023ea80ab8e08c93895418d243571ea6de7d863ee84230bb6043cb384df94b6da285a3bc4",
     "0010000000000000000200000000000000001a"},
    /* 09-*-prot: "ping" */
    {C_AP, 3, 0,
     "2f683f00157d72278b6c649f1e7b56b3cad411faf7bd518bfb15",
     "70696e6717"},
    /* 10-*-prot: "pong" */
    {S_AP, 3, 1,
     "2fa2580015f5bd33f27b72780e351fa00703fb9f658c689f95ae",
     "706f6e6717"},
    /* 11-*-prot: close_notify */
    {S_AP, 3, 2,
     "2f690c0013dd8cd07daa964fd1ab508825378fc96fa8b1e8",
     "010015"},
};

/* Open one illustrated-dtls record (header, then the rest) and compare. */
static void open_illustrated(struct tsc_rec_cipher *c, const uint8_t *rec, size_t n, size_t hdr_len,
                             uint64_t expect, uint64_t want_seq, const uint8_t *want, size_t want_n)
{
    uint8_t *out = malloc(n);
    assert_non_null(out);
    size_t len = 0;
    uint8_t inner = 0;
    uint64_t seq = 99;
    ASSERT_OK(tsc_rec_open_dtls13(c, rec, hdr_len, expect, rec + hdr_len, n - hdr_len, out, &len, &inner, &seq));
    assert_int_equal(seq, want_seq);
    /* the published plaintext is the content and its type */
    assert_int_equal(len + 1, want_n);
    assert_memory_equal(out, want, len);
    assert_int_equal(inner, want[want_n - 1]);
    free(out);
}

/* Bytes of the unified header: flags, sequence number (1 or 2 bytes), length (0 or 2); no CID here. */
static size_t unified_len(uint8_t flags) { return 1 + (flags & 0x08 ? 2 : 1) + (flags & 0x04 ? 2 : 0); }

static void test_dtls13_illustrated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof illustrated / sizeof illustrated[0]; i++) {
        const struct dtls13_rec *t = &illustrated[i];
        uint8_t secret[32], rec[128], want[128];
        assert_int_equal(unhex(illustrated_secret[t->secret], secret, sizeof secret), 32);
        size_t n = unhex(t->record, rec, sizeof rec), wn = unhex(t->inner, want, sizeof want);
        print_message("record %zu: epoch %u seq %llu\n", i, t->epoch, (unsigned long long)t->seq);
        assert_int_equal(rec[0] & 3, t->epoch & 3);
        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13_labels(0x1301, &tsc_key_labels_dtls13, secret, 32, &c));
        size_t hl = unified_len(rec[0]);
        /* the number is found from what was expected next in the epoch */
        open_illustrated(c, rec, n, hl, t->seq, t->seq, want, wn);
        open_illustrated(c, rec, n, hl, 0, t->seq, want, wn);
        open_illustrated(c, rec, n, hl, t->seq + 100, t->seq, want, wn);
        uint8_t out[128], inner;
        size_t len;
        uint64_t seq;
        /* far from what the epoch expects: another full number, another nonce */
        tsc_result r = tsc_rec_open_dtls13(c, rec, hl, (uint64_t)5 << 16, rec + hl, n - hl, out, &len, &inner, &seq);
        ASSERT_DECODE_ERROR(r);
        assert_string_equal(r.why, "authentication tag does not verify");
        assert_int_equal(seq, ((uint64_t)5 << 16) + t->seq);
        /* every header byte is authenticated */
        for (size_t b = 0; b < hl; b++) {
            for (int bit = 0; bit < 8; bit++) {
                if (b == 0 && bit >= 2)
                    continue; /* C, S, L and the fixed bits change the header's shape */
                rec[b] ^= (uint8_t)(1u << bit);
                ASSERT_DECODE_ERROR(tsc_rec_open_dtls13(c, rec, hl, t->seq, rec + hl, n - hl, out, &len, &inner, &seq));
                rec[b] ^= (uint8_t)(1u << bit);
            }
        }
        /* the TLS 1.3 labels give other keys */
        struct tsc_rec_cipher *tls;
        ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &tls));
        ASSERT_RESULT(tsc_rec_open_dtls13(tls, rec, hl, t->seq, rec + hl, n - hl, out, &len, &inner, &seq),
                      TSC_INTERNAL, TSC_ALERT_NONE);
        tsc_rec_cipher_free(tls);
        tsc_rec_cipher_free(c);
    }
    /* the additional data has the sequence number in the clear: sealed
     * with the encrypted bits (as on the wire) the record would not open;
     * checked by opening the EncryptedExtensions record with the number
     * given directly and each form of its header */
    uint8_t secret[32], rec[128], out[128], inner;
    size_t n, len;
    unhex(illustrated_secret[S_HS], secret, sizeof secret);
    n = unhex(illustrated[0].record, rec, sizeof rec);
    struct tsc_rec_cipher *c;
    ASSERT_OK(tsc_rec_cipher_tls13_labels(0x1301, &tsc_key_labels_dtls13, secret, 32, &c));
    uint8_t clear[5] = {rec[0], 0x00, 0x00, rec[3], rec[4]};
    ASSERT_OK(tsc_rec_open_tls13_at(c, 0, clear, 5, rec + 5, n - 5, out, &len, &inner));
    ASSERT_DECODE_ERROR(tsc_rec_open_tls13_at(c, 0, rec, 5, rec + 5, n - 5, out, &len, &inner));
    /* too short to take the mask from */
    uint64_t seq;
    tsc_result r = tsc_rec_open_dtls13(c, rec, 5, 0, rec + 5, 15, out, &len, &inner, &seq);
    ASSERT_DECODE_ERROR(r);
    assert_string_equal(r.why, "record shorter than the 16 bytes its record number mask is made from");
    /* not a unified header, or one shorter than its flags */
    uint8_t plain_hdr[5] = {0x17, 0xfe, 0xfd, 0x00, 0x01};
    ASSERT_DECODE_ERROR(tsc_rec_open_dtls13(c, plain_hdr, 5, 0, rec + 5, n - 5, out, &len, &inner, &seq));
    ASSERT_DECODE_ERROR(tsc_rec_open_dtls13(c, rec, 4, 0, rec + 5, n - 5, out, &len, &inner, &seq));
    tsc_rec_cipher_free(c);
}

/* Every protected record of the illustrated connection, from the corpus
 * files (skipped without ../shared). */
static void test_dtls13_illustrated_corpus(void **state)
{
    (void)state;
    const char *src = getenv("TSC_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../shared/corpus/illustrated-dtls/captures/caps", src ? src : ".");
    static const struct {
        const char *prot, *plain;
        int secret;
        uint64_t seq;
    } f[] = {
        {"03-encext-shs-prot", "record-encext", S_HS, 0}, {"04-cert-shs-prot", "record-cert", S_HS, 1},
        {"05-cverify-shs-prot", "record-cverify", S_HS, 2}, {"06-fin-shs-prot", "record-sfin", S_HS, 3},
        {"07-fin-chs-prot", "record-cfin", C_HS, 0},       {"08-ack-sap-prot", "record-sack", S_AP, 0},
        {"09-data-cap-prot", "record-cdata", C_AP, 0},     {"10-data-sap-prot", "record-sdata", S_AP, 1},
        {"11-bye-sap-prot", "record-sbye", S_AP, 2},
    };
    uint8_t rec[2048], want[2048];
    size_t n, wn;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, f[i].prot);
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            print_message("%s: not found, corpus check skipped\n", path);
            skip();
        }
        n = fread(rec, 1, sizeof rec, fp);
        fclose(fp);
        snprintf(path, sizeof path, "%s/%s", dir, f[i].plain);
        fp = fopen(path, "rb");
        assert_non_null(fp);
        wn = fread(want, 1, sizeof want, fp);
        fclose(fp);
        uint8_t secret[32];
        unhex(illustrated_secret[f[i].secret], secret, sizeof secret);
        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13_labels(0x1301, &tsc_key_labels_dtls13, secret, 32, &c));
        print_message("%s\n", f[i].prot);
        open_illustrated(c, rec, n, unified_len(rec[0]), f[i].seq, f[i].seq, want, wn);
        tsc_rec_cipher_free(c);
    }
}

/* The mask of the sample, independently of src/crypto. */
static void mask_of(const struct tls13_suite *s, const uint8_t *sn, const uint8_t sample[16], uint8_t mask[16])
{
    static const uint8_t zeros[16];
    const char *name = s->suite == 0x1303 ? "ChaCha20" : s->key_len == 32 ? "AES-256-ECB" : "AES-128-ECB";
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_non_null(x);
    int l = 0;
    if (s->suite == 0x1303) {
        assert_int_equal(EVP_EncryptInit_ex2(x, c, sn, sample, NULL), 1);
        assert_int_equal(EVP_EncryptUpdate(x, mask, &l, zeros, 16), 1);
    } else {
        assert_int_equal(EVP_EncryptInit_ex2(x, c, sn, NULL, NULL), 1);
        assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
        assert_int_equal(EVP_EncryptUpdate(x, mask, &l, sample, 16), 1);
    }
    assert_int_equal(l, 16);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

/* A DTLS 1.3 record as RFC 9147 4 and 4.2.3 say: header with flags
 * (C, S, L), CID, sequence number bits, length; sealed with the header in
 * the clear as AAD, then the number bits masked. Returns the record's
 * length, *hdr_len the header's. */
static size_t seal_dtls13(const struct tls13_suite *s, const uint8_t *secret, unsigned epoch, uint64_t seq, int s16,
                     int with_len, const uint8_t *cid, size_t cid_len, uint8_t inner, const uint8_t *content,
                     size_t n, uint8_t *rec, size_t *hdr_len)
{
    uint8_t key[32], iv[12], sn[32], nonce[12], pt[600], mask[16];
    expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "key", key, s->key_len);
    expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "iv", iv, 12);
    expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "sn", sn, s->key_len);
    size_t h = 0, body = n + 1 + s->tag_len;
    rec[h++] = (uint8_t)(0x20 | (cid_len ? 0x10 : 0) | (s16 ? 0x08 : 0) | (with_len ? 0x04 : 0) | (epoch & 3));
    if (cid_len)
        memcpy(rec + h, cid, cid_len);
    h += cid_len;
    size_t at = h;
    if (s16)
        rec[h++] = (uint8_t)(seq >> 8);
    rec[h++] = (uint8_t)seq;
    if (with_len) {
        rec[h++] = (uint8_t)(body >> 8);
        rec[h++] = (uint8_t)body;
    }
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    memcpy(pt, content, n);
    pt[n] = inner;
    aead_seal(s->cipher, s->ccm, s->tag_len, key, nonce, rec, h, pt, n + 1, rec + h);
    mask_of(s, sn, rec + h, mask);
    for (size_t i = 0; i < (s16 ? 2u : 1u); i++)
        rec[at + i] ^= mask[i];
    *hdr_len = h;
    return h + body;
}

static void test_dtls13_suites(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof tls13_suites / sizeof tls13_suites[0]; k++) {
        const struct tls13_suite *s = &tls13_suites[k];
        print_message("suite 0x%04x\n", s->suite);
        uint8_t secret[48], next[48], content[300], cid[8], rec[400], out[400], inner;
        fill(secret, sizeof secret, (uint8_t)(0x71 + k));
        fill(content, sizeof content, 0x0d);
        fill(cid, sizeof cid, 0xc1);
        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13_labels(s->suite, &tsc_key_labels_dtls13, secret, s->hash_len, &c));
        static const struct {
            uint64_t seq, expect;
            int s16, with_len;
            size_t cid_len, n;
        } t[] = {
            {0, 0, 1, 1, 0, 100},          {1, 1, 0, 1, 0, 15},         {0x1ff, 0x1f0, 0, 0, 0, 300},
            {0x12345, 0x12300, 1, 1, 8, 40}, {0x10001, 0xfff0, 1, 0, 3, 64},
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
            size_t hl, len;
            uint64_t seq;
            size_t n = seal_dtls13(s, secret, 3, t[i].seq, t[i].s16, t[i].with_len, cid, t[i].cid_len, 23, content,
                              t[i].n, rec, &hl);
            ASSERT_OK(tsc_rec_open_dtls13(c, rec, hl, t[i].expect, rec + hl, n - hl, out, &len, &inner, &seq));
            assert_int_equal(seq, t[i].seq);
            assert_int_equal(len, t[i].n);
            assert_int_equal(inner, 23);
            assert_memory_equal(out, content, len);
        }
        /* KeyUpdate: the next epoch's keys, record number key included */
        expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "traffic upd", next, s->hash_len);
        ASSERT_OK(tsc_rec_cipher_update(c));
        size_t hl, len;
        uint64_t seq;
        size_t n = seal_dtls13(s, next, 4, 2, 1, 1, NULL, 0, 22, content, 30, rec, &hl);
        ASSERT_OK(tsc_rec_open_dtls13(c, rec, hl, 0, rec + hl, n - hl, out, &len, &inner, &seq));
        assert_int_equal(seq, 2);
        assert_int_equal(inner, 22);
        tsc_rec_cipher_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtls12_captured),
        cmocka_unit_test(test_dtls12_connection_id),
        cmocka_unit_test(test_dtls_seq_reconstruct),
        cmocka_unit_test(test_dtls13_epoch_reconstruct),
        cmocka_unit_test(test_dtls13_illustrated),
        cmocka_unit_test(test_dtls13_illustrated_corpus),
        cmocka_unit_test(test_dtls13_suites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
