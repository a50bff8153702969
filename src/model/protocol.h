/* protocol.h - frames of the external-process model protocol (docs/protocol.md).
 *
 * Pure encoding and decoding on byte buffers, no I/O, so the parent (process.c), test children
 * and fuzzers share one definition of every byte. All integers and floats are little-endian.
 *
 *   parent -> child  hello      16 bytes: magic "SHAPCPIP", u32 version, u32 max_batch
 *   child -> parent  handshake  magic, u32 version, u32 flags, u32 d, u32 k, u32 rank,
 *                               u32 dims[rank], u32 n_names, n_names x (u32 len, bytes)
 *   parent -> child  request    u32 kind (1 = predict), u32 n, then n*d f32
 *   child -> parent  reply      u32 status (0 ok, 1 error), u32 n, then n*k f32 (ok)
 *                               or n bytes of UTF-8 message (error)
 *
 * Decoders return messages without a prefix; the caller adds the command's name. */
#ifndef SHAPC_MODEL_PROTOCOL_H
#define SHAPC_MODEL_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/status.h"

#define SHAPC__PROTO_MAGIC "SHAPCPIP"
#define SHAPC__PROTO_MAGIC_SIZE 8
#define SHAPC__PROTO_VERSION 1u
#define SHAPC__PROTO_HELLO_SIZE 16
#define SHAPC__PROTO_HEADER_SIZE 8          /* request and reply headers */
#define SHAPC__PROTO_HANDSHAKE_FIXED 28     /* bytes before the dims */
#define SHAPC__PROTO_MAX_D 0x7fffffffu
#define SHAPC__PROTO_MAX_K 0x100000u        /* 1,048,576 outputs */
#define SHAPC__PROTO_MAX_RANK 4
#define SHAPC__PROTO_MAX_NAME 4096          /* bytes per output name */
#define SHAPC__PROTO_MAX_MESSAGE 4096       /* bytes of an error reply */

enum { SHAPC__PROTO_REQ_PREDICT = 1 };
enum { SHAPC__PROTO_REPLY_OK = 0, SHAPC__PROTO_REPLY_ERROR = 1 };

typedef struct shapc__proto_handshake {
    uint32_t version;
    uint32_t d, k;
    uint32_t rank;                            /* 0 = no shape given */
    uint32_t shape[SHAPC__PROTO_MAX_RANK];
    char **names;                             /* (k) NUL-terminated, or NULL */
} shapc__proto_handshake;

/* ---- scalars ---- */
void shapc__proto_put_u32(uint8_t *p, uint32_t v);
uint32_t shapc__proto_get_u32(const uint8_t *p);
/* count floats <-> little-endian bytes (4 * count). */
void shapc__proto_put_f32s(uint8_t *dst, const float *src, size_t count);
void shapc__proto_get_f32s(float *dst, const uint8_t *src, size_t count);

/* ---- hello (parent -> child) ---- */
void shapc__proto_encode_hello(uint8_t out[SHAPC__PROTO_HELLO_SIZE], uint32_t max_batch);
/* SHAPC_EMODEL for bad magic or version 0, SHAPC_EUNSUPPORTED for a newer version. */
shapc_status shapc__proto_decode_hello(const uint8_t in[SHAPC__PROTO_HELLO_SIZE],
                                       uint32_t *max_batch, shapc_error *err);

/* ---- handshake (child -> parent) ---- */
/* Encodes hs (version ignored: always SHAPC__PROTO_VERSION) into a new buffer *out (free with
 * shapc__free) of *len bytes. Validates like the parser. */
shapc_status shapc__proto_encode_handshake(const shapc__proto_handshake *hs, uint8_t **out,
                                           size_t *len, shapc_error *err);
/* Incremental parser over the first len bytes received. Returns
 *   SHAPC_OK with *need == 0: complete; hs filled (names owned: shapc__proto_handshake_clear)
 *       and *used = the handshake's size in bytes;
 *   SHAPC_OK with *need > len: call again once *need bytes are available;
 *   an error: SHAPC_EMODEL when malformed - text where the magic belongs is reported as soon
 *       as the first differing byte arrives - or SHAPC_EUNSUPPORTED (newer version, flags).
 * A handshake is at most SHAPC__PROTO_MAX_HANDSHAKE bytes. */
#define SHAPC__PROTO_MAX_HANDSHAKE ((size_t)64 << 20)
shapc_status shapc__proto_parse_handshake(const uint8_t *buf, size_t len,
                                          shapc__proto_handshake *hs, size_t *need,
                                          size_t *used, shapc_error *err);
void shapc__proto_handshake_clear(shapc__proto_handshake *hs);

/* ---- request (parent -> child) ---- */
void shapc__proto_encode_request(uint8_t out[SHAPC__PROTO_HEADER_SIZE], uint32_t kind,
                                 uint32_t n);
/* Checks kind == predict and 1 <= n <= max_rows. */
shapc_status shapc__proto_decode_request(const uint8_t in[SHAPC__PROTO_HEADER_SIZE],
                                         uint32_t max_rows, uint32_t *n, shapc_error *err);

/* ---- reply (child -> parent) ---- */
void shapc__proto_encode_reply(uint8_t out[SHAPC__PROTO_HEADER_SIZE], uint32_t status,
                               uint32_t n);
/* Decodes a reply header to a request of `rows` rows with k outputs: *payload gets the bytes
 * that follow, *is_error 1 for an error reply (payload = message length). A header that is
 * neither, or an OK reply with n != rows, is SHAPC_EMODEL (text-looking headers are quoted). */
shapc_status shapc__proto_decode_reply(const uint8_t in[SHAPC__PROTO_HEADER_SIZE], size_t rows,
                                       size_t k, size_t *payload, int *is_error,
                                       shapc_error *err);

/* Writes up to `len` bytes as a quoted, escaped excerpt ("Loading\n") into out (cap >= 8). */
void shapc__proto_excerpt(const uint8_t *bytes, size_t len, char *out, size_t cap);

#endif /* SHAPC_MODEL_PROTOCOL_H */
