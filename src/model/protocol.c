/* protocol.c - encoding and decoding of the external-process protocol's frames
 * (protocol.h, docs/protocol.md). Byte-order independent: every scalar goes through
 * put/get helpers, and float arrays are copied directly only on little-endian hosts. */
#include "model/protocol.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/* ---- scalars ---- */

void shapc__proto_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t shapc__proto_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int host_is_le(void)
{
    const uint32_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

void shapc__proto_put_f32s(uint8_t *dst, const float *src, size_t count)
{
    if (host_is_le()) {
        memcpy(dst, src, count * sizeof(float));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        shapc__proto_put_u32(dst + 4 * i, u);
    }
}

void shapc__proto_get_f32s(float *dst, const uint8_t *src, size_t count)
{
    if (host_is_le()) {
        memcpy(dst, src, count * sizeof(float));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t u = shapc__proto_get_u32(src + 4 * i);
        memcpy(&dst[i], &u, 4);
    }
}

void shapc__proto_excerpt(const uint8_t *bytes, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    if (cap < 8) {
        if (cap)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        char esc[8];
        unsigned c = bytes[i];
        if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (c == '\r')
            snprintf(esc, sizeof esc, "\\r");
        else if (c == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", (char)c);
        else if (c < 0x20 || c >= 0x7f)
            snprintf(esc, sizeof esc, "\\x%02x", c);
        else
            snprintf(esc, sizeof esc, "%c", (char)c);
        if (o + strlen(esc) + 2 > cap)
            break;
        memcpy(out + o, esc, strlen(esc));
        o += strlen(esc);
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* 1 when the bytes look like text someone printed (so the message can suggest it). */
static int looks_like_text(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') || b[i] >= 0x7f)
            return 0;
    return len > 0;
}

/* ---- hello ---- */

void shapc__proto_encode_hello(uint8_t out[SHAPC__PROTO_HELLO_SIZE], uint32_t max_batch)
{
    memcpy(out, SHAPC__PROTO_MAGIC, SHAPC__PROTO_MAGIC_SIZE);
    shapc__proto_put_u32(out + 8, SHAPC__PROTO_VERSION);
    shapc__proto_put_u32(out + 12, max_batch);
}

shapc_status shapc__proto_decode_hello(const uint8_t in[SHAPC__PROTO_HELLO_SIZE],
                                       uint32_t *max_batch, shapc_error *err)
{
    uint32_t version;
    if (memcmp(in, SHAPC__PROTO_MAGIC, SHAPC__PROTO_MAGIC_SIZE) != 0)
        return shapc_error_set(err, SHAPC_EMODEL, "hello: bad magic");
    version = shapc__proto_get_u32(in + 8);
    if (version == 0)
        return shapc_error_set(err, SHAPC_EMODEL, "hello: version 0");
    if (version > SHAPC__PROTO_VERSION)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "hello: protocol version %u", version);
    *max_batch = shapc__proto_get_u32(in + 12);
    if (*max_batch == 0)
        return shapc_error_set(err, SHAPC_EMODEL, "hello: max_batch 0");
    return SHAPC_OK;
}

/* ---- handshake ---- */

void shapc__proto_handshake_clear(shapc__proto_handshake *hs)
{
    if (hs->names) {
        for (uint32_t i = 0; i < hs->k; i++)
            shapc__free(hs->names[i]);
        shapc__free(hs->names);
    }
    memset(hs, 0, sizeof *hs);
}

/* Checks d, k, rank and shape; shared by the encoder and the parser. */
static shapc_status check_dims(uint32_t d, uint32_t k, uint32_t rank, const uint32_t *shape,
                               shapc_error *err)
{
    uint64_t prod = 1;
    if (d == 0 || d > SHAPC__PROTO_MAX_D)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: input dimension d = %u is not in "
                               "1..%u", d, SHAPC__PROTO_MAX_D);
    if (k == 0 || k > SHAPC__PROTO_MAX_K)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: output count k = %u is not in "
                               "1..%u", k, SHAPC__PROTO_MAX_K);
    if (rank > SHAPC__PROTO_MAX_RANK)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: input rank %u is not in 0..%d",
                               rank, SHAPC__PROTO_MAX_RANK);
    for (uint32_t i = 0; i < rank; i++) {
        prod *= shape[i]; /* each <= 2^32 - 1: four factors could overflow, so stop early */
        if (shape[i] == 0 || prod > d)
            break;
    }
    if (rank > 0 && prod != d)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: input shape does not have d = %u "
                               "elements", d);
    return SHAPC_OK;
}

shapc_status shapc__proto_encode_handshake(const shapc__proto_handshake *hs, uint8_t **out,
                                           size_t *len, shapc_error *err)
{
    size_t total = SHAPC__PROTO_HANDSHAKE_FIXED + 4 * (size_t)hs->rank + 4;
    shapc_status st;
    uint8_t *b, *p;
    *out = NULL;
    *len = 0;
    if ((st = check_dims(hs->d, hs->k, hs->rank, hs->shape, err)) != SHAPC_OK)
        return st;
    if (hs->names) {
        for (uint32_t i = 0; i < hs->k; i++) {
            size_t n = strlen(hs->names[i]);
            if (n > SHAPC__PROTO_MAX_NAME)
                return shapc_error_set(err, SHAPC_EINVAL, "handshake: name %u is too long", i);
            total += 4 + n;
        }
    }
    if (total > SHAPC__PROTO_MAX_HANDSHAKE)
        return shapc_error_set(err, SHAPC_ERANGE, "handshake: %zu bytes is too large", total);
    b = shapc__malloc(total);
    if (!b)
        return shapc_error_set(err, SHAPC_ENOMEM, "handshake: out of memory");
    memcpy(b, SHAPC__PROTO_MAGIC, SHAPC__PROTO_MAGIC_SIZE);
    shapc__proto_put_u32(b + 8, SHAPC__PROTO_VERSION);
    shapc__proto_put_u32(b + 12, 0);
    shapc__proto_put_u32(b + 16, hs->d);
    shapc__proto_put_u32(b + 20, hs->k);
    shapc__proto_put_u32(b + 24, hs->rank);
    p = b + SHAPC__PROTO_HANDSHAKE_FIXED;
    for (uint32_t i = 0; i < hs->rank; i++, p += 4)
        shapc__proto_put_u32(p, hs->shape[i]);
    shapc__proto_put_u32(p, hs->names ? hs->k : 0);
    p += 4;
    if (hs->names) {
        for (uint32_t i = 0; i < hs->k; i++) {
            size_t n = strlen(hs->names[i]);
            shapc__proto_put_u32(p, (uint32_t)n);
            memcpy(p + 4, hs->names[i], n);
            p += 4 + n;
        }
    }
    *out = b;
    *len = total;
    return SHAPC_OK;
}

shapc_status shapc__proto_parse_handshake(const uint8_t *buf, size_t len,
                                          shapc__proto_handshake *hs, size_t *need,
                                          size_t *used, shapc_error *err)
{
    shapc__proto_handshake h;
    size_t off, n_cmp = len < SHAPC__PROTO_MAGIC_SIZE ? len : SHAPC__PROTO_MAGIC_SIZE;
    uint32_t flags, n_names;
    shapc_status st;
    memset(&h, 0, sizeof h);
    *need = 0;
    *used = 0;
    if (memcmp(buf, SHAPC__PROTO_MAGIC, n_cmp) != 0) {
        char ex[64];
        shapc__proto_excerpt(buf, len < 24 ? len : 24, ex, sizeof ex);
        return shapc_error_set(err, SHAPC_EMODEL,
                               "handshake: expected the magic \"%s\", read %s%s",
                               SHAPC__PROTO_MAGIC, ex,
                               looks_like_text(buf, n_cmp)
                                   ? " (text printed to stdout before the handshake? print "
                                     "logs to stderr)"
                                   : "");
    }
    if (len < SHAPC__PROTO_HANDSHAKE_FIXED) {
        *need = SHAPC__PROTO_HANDSHAKE_FIXED;
        return SHAPC_OK;
    }
    h.version = shapc__proto_get_u32(buf + 8);
    flags = shapc__proto_get_u32(buf + 12);
    h.d = shapc__proto_get_u32(buf + 16);
    h.k = shapc__proto_get_u32(buf + 20);
    h.rank = shapc__proto_get_u32(buf + 24);
    if (h.version == 0)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: protocol version 0");
    if (h.version > SHAPC__PROTO_VERSION)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "handshake: protocol version %u, this "
                               "shapc speaks version %u", h.version, SHAPC__PROTO_VERSION);
    if (flags != 0)
        return shapc_error_set(err, SHAPC_EUNSUPPORTED, "handshake: unknown flags 0x%x", flags);
    if (h.rank > SHAPC__PROTO_MAX_RANK)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: input rank %u is not in 0..%d",
                               h.rank, SHAPC__PROTO_MAX_RANK);
    off = SHAPC__PROTO_HANDSHAKE_FIXED + 4 * (size_t)h.rank + 4;
    if (len < off) {
        *need = off;
        return SHAPC_OK;
    }
    for (uint32_t i = 0; i < h.rank; i++)
        h.shape[i] = shapc__proto_get_u32(buf + SHAPC__PROTO_HANDSHAKE_FIXED + 4 * i);
    if ((st = check_dims(h.d, h.k, h.rank, h.shape, err)) != SHAPC_OK)
        return st;
    n_names = shapc__proto_get_u32(buf + off - 4);
    if (n_names != 0 && n_names != h.k)
        return shapc_error_set(err, SHAPC_EMODEL, "handshake: %u output names for k = %u "
                               "outputs (expected 0 or k)", n_names, h.k);
    /* Walk the name records first, asking for more bytes before allocating anything. */
    for (uint32_t i = 0; i < n_names; i++) {
        uint32_t nl;
        if (len < off + 4) {
            *need = off + 4;
            return SHAPC_OK;
        }
        nl = shapc__proto_get_u32(buf + off);
        if (nl > SHAPC__PROTO_MAX_NAME)
            return shapc_error_set(err, SHAPC_EMODEL, "handshake: output name %u has %u bytes "
                                   "(at most %d)", i, nl, SHAPC__PROTO_MAX_NAME);
        if (off + 4 + nl > SHAPC__PROTO_MAX_HANDSHAKE)
            return shapc_error_set(err, SHAPC_EMODEL, "handshake: longer than %zu bytes",
                                   SHAPC__PROTO_MAX_HANDSHAKE);
        if (len < off + 4 + nl) {
            *need = off + 4 + nl;
            return SHAPC_OK;
        }
        if (memchr(buf + off + 4, '\0', nl))
            return shapc_error_set(err, SHAPC_EMODEL, "handshake: output name %u contains a NUL "
                                   "byte", i);
        off += 4 + nl;
    }
    if (n_names > 0) {
        size_t p = SHAPC__PROTO_HANDSHAKE_FIXED + 4 * (size_t)h.rank + 4;
        h.names = shapc__calloc(h.k, sizeof *h.names);
        if (!h.names)
            return shapc_error_set(err, SHAPC_ENOMEM, "handshake: out of memory");
        for (uint32_t i = 0; i < n_names; i++) {
            uint32_t nl = shapc__proto_get_u32(buf + p);
            h.names[i] = shapc__malloc((size_t)nl + 1);
            if (!h.names[i]) {
                shapc__proto_handshake_clear(&h);
                return shapc_error_set(err, SHAPC_ENOMEM, "handshake: out of memory");
            }
            memcpy(h.names[i], buf + p + 4, nl);
            h.names[i][nl] = '\0';
            p += 4 + (size_t)nl;
        }
    }
    *hs = h;
    *used = off;
    return SHAPC_OK;
}

/* ---- request and reply headers ---- */

void shapc__proto_encode_request(uint8_t out[SHAPC__PROTO_HEADER_SIZE], uint32_t kind,
                                 uint32_t n)
{
    shapc__proto_put_u32(out, kind);
    shapc__proto_put_u32(out + 4, n);
}

shapc_status shapc__proto_decode_request(const uint8_t in[SHAPC__PROTO_HEADER_SIZE],
                                         uint32_t max_rows, uint32_t *n, shapc_error *err)
{
    uint32_t kind = shapc__proto_get_u32(in);
    *n = shapc__proto_get_u32(in + 4);
    if (kind != SHAPC__PROTO_REQ_PREDICT)
        return shapc_error_set(err, SHAPC_EMODEL, "request: unknown kind %u", kind);
    if (*n == 0 || *n > max_rows)
        return shapc_error_set(err, SHAPC_EMODEL, "request: %u rows is not in 1..%u", *n,
                               max_rows);
    return SHAPC_OK;
}

void shapc__proto_encode_reply(uint8_t out[SHAPC__PROTO_HEADER_SIZE], uint32_t status,
                               uint32_t n)
{
    shapc__proto_put_u32(out, status);
    shapc__proto_put_u32(out + 4, n);
}

shapc_status shapc__proto_decode_reply(const uint8_t in[SHAPC__PROTO_HEADER_SIZE], size_t rows,
                                       size_t k, size_t *payload, int *is_error,
                                       shapc_error *err)
{
    uint32_t status = shapc__proto_get_u32(in), n = shapc__proto_get_u32(in + 4);
    *payload = 0;
    *is_error = 0;
    if (status == SHAPC__PROTO_REPLY_OK) {
        if (n != rows)
            return shapc_error_set(err, SHAPC_EMODEL, "reply has %u rows for a request of %zu "
                                   "rows", n, rows);
        if (!shapc__mul_size(rows, k, payload) || !shapc__mul_size(*payload, 4, payload))
            return shapc_error_set(err, SHAPC_ERANGE, "reply of %zu x %zu values overflows",
                                   rows, k);
        return SHAPC_OK;
    }
    if (status == SHAPC__PROTO_REPLY_ERROR) {
        if (n > SHAPC__PROTO_MAX_MESSAGE)
            return shapc_error_set(err, SHAPC_EMODEL, "error reply of %u bytes (at most %d)", n,
                                   SHAPC__PROTO_MAX_MESSAGE);
        *payload = n;
        *is_error = 1;
        return SHAPC_OK;
    }
    {
        char ex[48];
        shapc__proto_excerpt(in, SHAPC__PROTO_HEADER_SIZE, ex, sizeof ex);
        return shapc_error_set(err, SHAPC_EMODEL, "reply header %s has unknown status 0x%08x%s",
                               ex, status,
                               looks_like_text(in, SHAPC__PROTO_HEADER_SIZE)
                                   ? " (text printed to stdout? print logs to stderr)"
                                   : "");
    }
}
