/* adapters_child.c - a fake model server for tests/test_adapters.c, speaking the process
 * protocol (src/model/protocol.h) on stdin/stdout, with ways to misbehave:
 *
 *   adapters_child MODE [N [D K]]
 *     linear      serve the linear model of adapters_linear.h (well-behaved)
 *     die N       serve N batches, then exit(3) after reading the next request's header
 *     crash       abort() on the first request (killed by SIGABRT)
 *     short       answer the first request with a header and half the values, then exit(0)
 *     hang        read requests, never answer
 *     hang-term   like hang, but ignore SIGTERM (the parent must escalate to SIGKILL)
 *     garbage     print a log line to stdout, then the handshake
 *     version     announce protocol version 99
 *     silent      exit(7) before the handshake
 *     nan         answer with NaN in row 0, column 0
 *     rows        answer with one row fewer than asked
 *     error       answer every request with an error reply
 *     chatty      print text to stdout instead of the first reply
 *   N defaults to 0, D and K to 5 and 2. */
#define _POSIX_C_SOURCE 200809L /* pause, read, write */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters_linear.h"
#include "model/protocol.h"
#include "util/alloc.h"

static int read_all(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = read(0, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void write_all(const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            exit(9);
        p += w;
        n -= (size_t)w;
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "linear";
    int limit = argc > 2 ? atoi(argv[2]) : 0;
    uint32_t d = argc > 4 ? (uint32_t)atoi(argv[3]) : 5, k = argc > 4 ? (uint32_t)atoi(argv[4]) : 2;
    uint8_t hello[SHAPC__PROTO_HELLO_SIZE], hdr[SHAPC__PROTO_HEADER_SIZE], *hs_bytes;
    uint32_t max_batch, n;
    size_t hs_len;
    shapc__proto_handshake hs;
    char n0[] = "no", n1[] = "yes", *names[2] = {n0, n1};
    int served = 0;

    if (strcmp(mode, "silent") == 0)
        return 7;
    if (strcmp(mode, "hang-term") == 0)
        signal(SIGTERM, SIG_IGN);
    if (read_all(hello, sizeof hello) != 0 || shapc__proto_decode_hello(hello, &max_batch, NULL))
        return 2;
    memset(&hs, 0, sizeof hs);
    hs.d = d;
    hs.k = k;
    hs.rank = 1;
    hs.shape[0] = d;
    hs.names = k == 2 ? names : NULL;
    if (shapc__proto_encode_handshake(&hs, &hs_bytes, &hs_len, NULL) != SHAPC_OK)
        return 2;
    if (strcmp(mode, "version") == 0)
        shapc__proto_put_u32(hs_bytes + 8, 99);
    if (strcmp(mode, "garbage") == 0)
        write_all("Loading weights...\n", 19);
    write_all(hs_bytes, hs_len);
    shapc__free(hs_bytes);

    for (;;) {
        float *x, *y;
        uint8_t *buf;
        if (read_all(hdr, sizeof hdr) != 0)
            return 0; /* EOF: the parent is done */
        if (shapc__proto_decode_request(hdr, max_batch, &n, NULL) != SHAPC_OK)
            return 4;
        if (strcmp(mode, "die") == 0 && served >= limit)
            return 3;
        if (strcmp(mode, "crash") == 0)
            abort(); /* not SIGSEGV: AddressSanitizer would turn that into exit(1) */
        x = malloc((size_t)n * d * sizeof *x);
        y = malloc((size_t)n * k * sizeof *y);
        buf = malloc(8 + (size_t)n * (d > k ? d : k) * 4);
        if (!x || !y || !buf || read_all(buf, (size_t)n * d * 4) != 0)
            return 5;
        shapc__proto_get_f32s(x, buf, (size_t)n * d);
        if (strncmp(mode, "hang", 4) == 0) {
            for (;;)
                pause();
        }
        if (strcmp(mode, "error") == 0) {
            static const char msg[] = "weights not loaded";
            shapc__proto_encode_reply(hdr, SHAPC__PROTO_REPLY_ERROR, sizeof msg - 1);
            write_all(hdr, sizeof hdr);
            write_all(msg, sizeof msg - 1);
            free(x), free(y), free(buf);
            continue;
        }
        if (strcmp(mode, "chatty") == 0) {
            write_all("Predicting 64 rows\n", 19);
            for (;;)
                pause();
        }
        test_linear_predict(x, n, d, k, y);
        if (strcmp(mode, "nan") == 0)
            y[0] = (float)NAN;
        shapc__proto_encode_reply(hdr, SHAPC__PROTO_REPLY_OK,
                                  strcmp(mode, "rows") == 0 ? n - 1 : n);
        shapc__proto_put_f32s(buf, y, (size_t)n * k);
        write_all(hdr, sizeof hdr);
        if (strcmp(mode, "short") == 0) {
            write_all(buf, (size_t)n * k * 2);
            return 0;
        }
        write_all(buf, (size_t)n * k * 4);
        free(x), free(y), free(buf);
        served++;
    }
}
