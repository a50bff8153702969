/* journal.c - see journal.h. Plain POSIX file descriptors, no stdio buffering: a record is
 * handed to the kernel with one write() as soon as it is finished, so killing the process
 * never loses it; only a power loss can, and the CRC then tells a torn record from a good one. */
#define _POSIX_C_SOURCE 200809L

#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shapc/data.h>

#include "args.h"
#include "loaders.h"
#include "progress.h"

#define JOURNAL_MAGIC "SHAPCJNL"
#define JOURNAL_VERSION 1u
#define RECORD_MAGIC 0x31434552u /* "REC1" */

/* Header: magic[8] version u32 crc u32 fingerprint n M K k_all record_size (u64 each)
 * settings[SHAPC_CLI_JOURNAL_SETTINGS]. */
#define HDR_CRC_OFF 12
#define HDR_SIZE (8 + 4 + 4 + 6 * 8 + SHAPC_CLI_JOURNAL_SETTINGS)
/* Record: magic u32, crc u32, then the row as the results' codec writes it (index u64 first). */
#define REC_CRC_OFF 4
#define REC_HEAD 8

struct shapc_cli_journal {
    int fd;
    char *path;
    size_t n, record_size;
    unsigned char *buf; /* one record */
    double last_sync;
    int dirty;          /* written since the last fdatasync */
};

/* ============================================================================================
 * Checksums and hashes
 * ========================================================================================== */

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), four bits at a time: a 16-entry constant table is
 * fast enough for records of a few hundred KiB and keeps the file free of mutable state. */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t len)
{
    static const uint32_t t[16] = {
        0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
        0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
        0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
    };
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15];
        crc = (crc >> 4) ^ t[crc & 15];
    }
    return ~crc;
}

/* CRC of buf[0..len) with the 4-byte CRC field at crc_off counted as zeros. */
static uint32_t crc_skipping(const unsigned char *buf, size_t len, size_t crc_off)
{
    static const unsigned char zero[4] = {0, 0, 0, 0};
    uint32_t c = crc32_update(0, buf, crc_off);
    c = crc32_update(c, zero, 4);
    return crc32_update(c, buf + crc_off + 4, len - crc_off - 4);
}

uint64_t shapc_cli_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

shapc_status shapc_cli_hash_file(uint64_t *h, const char *path, shapc_error *err)
{
    unsigned char buf[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return shapc_error_set(err, SHAPC_EIO, "%s: %s", path, strerror(errno));
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            return shapc_error_set(err, SHAPC_EIO, "%s: read failed: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        *h = shapc_cli_hash(*h, buf, (size_t)got);
    }
    close(fd);
    return SHAPC_OK;
}

/* ============================================================================================
 * Serialisation
 * ========================================================================================== */

/* The header's words at their offsets: the six sizes are u64 from HDR_WORDS on. */
enum { HDR_VERSION = 8, HDR_FINGERPRINT = 16, HDR_WORDS = 24, HDR_SETTINGS = 64 };

static void word_at(unsigned char *h, size_t index, size_t v)
{
    const uint64_t u = v;
    memcpy(h + HDR_WORDS + 8 * index, &u, 8);
}

static uint64_t read_word(const unsigned char *h, size_t index)
{
    uint64_t u;
    memcpy(&u, h + HDR_WORDS + 8 * index, 8);
    return u;
}

/* Record size: magic and CRC, then the results' row codec (results.h). */
static size_t record_size(const shapc_results *res)
{
    return REC_HEAD + shapc_results_row_bytes(res);
}

static void encode_header(unsigned char *h, const shapc_cli_journal_layout *l,
                          const shapc_results_layout *rl, size_t rec)
{
    const uint32_t version = JOURNAL_VERSION;
    memset(h, 0, HDR_SIZE);
    memcpy(h, JOURNAL_MAGIC, 8);
    memcpy(h + HDR_VERSION, &version, 4);
    memcpy(h + HDR_FINGERPRINT, &l->fingerprint, 8);
    word_at(h, 0, rl->n_rows);
    word_at(h, 1, rl->n_players);
    word_at(h, 2, rl->n_columns);
    word_at(h, 3, rl->n_outputs);
    word_at(h, 4, rec);
    memcpy(h + HDR_SETTINGS, l->settings, strnlen(l->settings, SHAPC_CLI_JOURNAL_SETTINGS - 1));
    const uint32_t crc = crc_skipping(h, HDR_SIZE, HDR_CRC_OFF);
    memcpy(h + HDR_CRC_OFF, &crc, 4);
}

static void encode_record(const shapc_cli_journal *j, const shapc_results *res, size_t i)
{
    uint32_t magic = RECORD_MAGIC, crc;
    memcpy(j->buf, &magic, 4);
    memset(j->buf + REC_CRC_OFF, 0, 4);
    shapc_results_row_encode(res, i, j->buf + REC_HEAD);
    crc = crc_skipping(j->buf, j->record_size, REC_CRC_OFF);
    memcpy(j->buf + REC_CRC_OFF, &crc, 4);
}

/* Decodes the record in j->buf as row i into res; 0 if it is not a valid record for row i. */
static int decode_record(const shapc_cli_journal *j, shapc_results *res, size_t i)
{
    uint32_t magic, crc;
    uint64_t index;
    memcpy(&magic, j->buf, 4);
    memcpy(&crc, j->buf + REC_CRC_OFF, 4);
    memcpy(&index, j->buf + REC_HEAD, 8);
    if (magic != RECORD_MAGIC || crc != crc_skipping(j->buf, j->record_size, REC_CRC_OFF) ||
        index != i)
        return 0;
    return shapc_results_row_decode(res, j->buf + REC_HEAD, j->record_size - REC_HEAD, NULL,
                                    NULL) == SHAPC_OK;
}

/* ============================================================================================
 * File I/O
 * ========================================================================================== */

static shapc_status write_all(int fd, const unsigned char *p, size_t len, const char *path,
                              shapc_error *err)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return shapc_error_set(err, SHAPC_EIO, "%s: write failed: %s", path,
                                   strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    return SHAPC_OK;
}

/* Reads up to len bytes; returns the count read (short only at end of file) or -1. */
static ssize_t read_full(int fd, unsigned char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int shapc_cli_journal_exists(const char *dir)
{
    char *path = shapc_cli_path_join(dir, SHAPC_CLI_JOURNAL_NAME);
    struct stat st;
    int found = path && lstat(path, &st) == 0;
    free(path);
    return found;
}

/* First "key=value" word of a that differs from b, as "seed=7, now seed=8" into out. */
static void describe_difference(const char *a, const char *b, char *out, size_t cap)
{
    while (*a || *b) {
        size_t la = strcspn(a, " "), lb = strcspn(b, " ");
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(out, cap, "%.*s, now %.*s", (int)(la > 80 ? 80 : la), a,
                     (int)(lb > 80 ? 80 : lb), b);
            return;
        }
        a += la + (a[la] == ' ');
        b += lb + (b[lb] == ' ');
    }
    snprintf(out, cap, "a different model, input or background");
}

/* Checks an existing header against the layout. */
static shapc_status check_header(const unsigned char *h, const shapc_cli_journal_layout *l,
                                 const shapc_results_layout *rl, const char *path,
                                 shapc_error *err)
{
    uint32_t version, crc;
    uint64_t fp;
    char old[SHAPC_CLI_JOURNAL_SETTINGS], why[200];
    memcpy(&version, h + HDR_VERSION, 4);
    memcpy(&crc, h + HDR_CRC_OFF, 4);
    if (memcmp(h, JOURNAL_MAGIC, 8) != 0 || version != JOURNAL_VERSION ||
        crc != crc_skipping(h, HDR_SIZE, HDR_CRC_OFF))
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: not a shapc journal or a damaged "
                               "header; remove it to start over", path);
    memcpy(&fp, h + HDR_FINGERPRINT, 8);
    const uint64_t n = read_word(h, 0), M = read_word(h, 1), K = read_word(h, 2);
    const uint64_t k_all = read_word(h, 3);
    memcpy(old, h + HDR_SETTINGS, sizeof old);
    old[sizeof old - 1] = '\0';
    if (fp == l->fingerprint && n == rl->n_rows && M == rl->n_players && K == rl->n_columns &&
        k_all == rl->n_outputs)
        return SHAPC_OK;
    describe_difference(old, l->settings, why, sizeof why);
    return shapc_error_set(err, SHAPC_EINVAL, "%s: --resume: the unfinished run used %s; rerun "
                           "it with the same model, input and options, or remove the journal "
                           "to start over", path, why);
}

static void journal_free(shapc_cli_journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    free(j->path);
    free(j->buf);
    free(j);
}

/* Reads the records after the header into rows and cuts a torn tail off. */
static shapc_status load_records(shapc_cli_journal *j, shapc_results *rows, size_t *n_done,
                                 size_t *dropped, shapc_error *err)
{
    struct stat st;
    size_t i = 0;
    if (fstat(j->fd, &st) != 0)
        return shapc_error_set(err, SHAPC_EIO, "%s: %s", j->path, strerror(errno));
    for (; i < j->n; i++) {
        ssize_t got = read_full(j->fd, j->buf, j->record_size);
        if (got < 0)
            return shapc_error_set(err, SHAPC_EIO, "%s: read failed: %s", j->path,
                                   strerror(errno));
        if ((size_t)got < j->record_size || !decode_record(j, rows, i))
            break;
    }
    off_t good = (off_t)(HDR_SIZE + i * j->record_size);
    *n_done = i;
    *dropped = st.st_size > good ? (size_t)(st.st_size - good) : 0;
    if (*dropped > 0 && (ftruncate(j->fd, good) != 0 || fdatasync(j->fd) != 0))
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot cut off its torn end: %s", j->path,
                               strerror(errno));
    if (lseek(j->fd, good, SEEK_SET) < 0)
        return shapc_error_set(err, SHAPC_EIO, "%s: %s", j->path, strerror(errno));
    return SHAPC_OK;
}

shapc_status shapc_cli_journal_open(const char *dir, const shapc_cli_journal_layout *layout,
                                    int resume, shapc_results *rows, size_t *n_done,
                                    size_t *dropped_bytes, shapc_cli_journal **out,
                                    shapc_error *err)
{
    unsigned char hdr[HDR_SIZE];
    shapc_status st;
    const shapc_results_layout *rl = shapc_results_get_layout(rows);
    shapc_cli_journal *j = calloc(1, sizeof *j);
    *out = NULL;
    *n_done = 0;
    *dropped_bytes = 0;
    if (!j)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for the journal");
    j->fd = -1;
    j->n = rl->n_rows;
    j->record_size = record_size(rows);
    j->path = shapc_cli_path_join(dir, SHAPC_CLI_JOURNAL_NAME);
    if (SIZE_MAX / j->record_size < j->n) {
        journal_free(j);
        return shapc_error_set(err, SHAPC_ERANGE, "%s/%s: results too large for a journal",
                               dir, SHAPC_CLI_JOURNAL_NAME);
    }
    j->buf = malloc(j->record_size);
    if (!j->path || !j->buf) {
        journal_free(j);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for the journal");
    }

    j->fd = open(j->path, O_RDWR);
    if (j->fd >= 0) {
        if (!resume) {
            st = shapc_error_set(err, SHAPC_EINVAL, "%s holds an unfinished run (%s): pass "
                                 "--resume to continue it or remove the file to start over",
                                 dir, SHAPC_CLI_JOURNAL_NAME);
            journal_free(j);
            return st;
        }
        ssize_t got = read_full(j->fd, hdr, HDR_SIZE);
        if (got < 0)
            st = shapc_error_set(err, SHAPC_EIO, "%s: read failed: %s", j->path,
                                 strerror(errno));
        else if ((size_t)got < HDR_SIZE)
            st = shapc_error_set(err, SHAPC_EFORMAT, "%s: not a shapc journal or a damaged "
                                 "header; remove it to start over", j->path);
        else
            st = check_header(hdr, layout, rl, j->path, err);
        if (st == SHAPC_OK)
            st = load_records(j, rows, n_done, dropped_bytes, err);
        if (st != SHAPC_OK) {
            journal_free(j);
            return st;
        }
    } else if (errno != ENOENT) {
        st = shapc_error_set(err, SHAPC_EIO, "%s: %s", j->path, strerror(errno));
        journal_free(j);
        return st;
    } else {
        /* The header appears atomically: a crash can leave no journal or a whole header,
         * never a half-written one that would block the next run. */
        encode_header(hdr, layout, rl, j->record_size);
        if ((st = shapc_file_write_atomic(j->path, hdr, HDR_SIZE, err)) != SHAPC_OK) {
            journal_free(j);
            return st;
        }
        j->fd = open(j->path, O_WRONLY | O_APPEND);
        if (j->fd < 0) {
            st = shapc_error_set(err, SHAPC_EIO, "%s: %s", j->path, strerror(errno));
            journal_free(j);
            return st;
        }
    }
    j->last_sync = shapc_cli_now();
    *out = j;
    return SHAPC_OK;
}

shapc_status shapc_cli_journal_sync(shapc_cli_journal *j, shapc_error *err)
{
    if (!j->dirty)
        return SHAPC_OK;
    if (fdatasync(j->fd) != 0)
        return shapc_error_set(err, SHAPC_EIO, "%s: fdatasync failed: %s", j->path,
                               strerror(errno));
    j->dirty = 0;
    j->last_sync = shapc_cli_now();
    return SHAPC_OK;
}

shapc_status shapc_cli_journal_append(shapc_cli_journal *j, const shapc_results *rows, size_t i,
                                      shapc_error *err)
{
    encode_record(j, rows, i);
    shapc_status st = write_all(j->fd, j->buf, j->record_size, j->path, err);
    if (st != SHAPC_OK)
        return st;
    j->dirty = 1;
    /* Syncing every record would cost a disk flush per instance on fast models; a power loss
     * loses at most the last SHAPC_CLI_JOURNAL_SYNC_S seconds of work. */
    if (shapc_cli_now() - j->last_sync >= SHAPC_CLI_JOURNAL_SYNC_S)
        return shapc_cli_journal_sync(j, err);
    return SHAPC_OK;
}

void shapc_cli_journal_close(shapc_cli_journal *j)
{
    if (j && j->dirty)
        (void)fdatasync(j->fd);
    journal_free(j);
}

void shapc_cli_journal_finish(shapc_cli_journal *j)
{
    if (!j)
        return;
    unlink(j->path);
    journal_free(j);
}
