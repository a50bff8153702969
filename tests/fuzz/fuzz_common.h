/* fuzz_common.h - helpers shared by the libFuzzer harnesses in this directory.
 *
 * The IDX and NPY readers take a path (they stat the file to prove sizes before allocating,
 * and IDX goes through zlib's gz* file API), so those harnesses hand each input to the real
 * reader through one scratch file per process, preferably on tmpfs.
 *
 * Every harness also replays each input with one library allocation made to fail: the
 * out-of-memory paths must return an error, hand back nothing and leak nothing (LeakSanitizer
 * checks the last part). */
#ifndef SHAPC_FUZZ_COMMON_H
#define SHAPC_FUZZ_COMMON_H

#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

#define FUZZ_SLOTS 2
static char fuzz_paths[FUZZ_SLOTS][512];

static inline void fuzz_cleanup(void)
{
    for (int i = 0; i < FUZZ_SLOTS; i++)
        if (fuzz_paths[i][0])
            unlink(fuzz_paths[i]);
}

/* Writes size bytes to "<dir>/shapc-fuzz-<pid>-<slot>" and returns that path; slot (0 or 1)
 * lets one input be written in two forms. The files are removed at exit. Aborts on I/O
 * failure: that is the harness's environment failing, not the parser. */
static inline const char *fuzz_write_temp(const uint8_t *data, size_t size, int slot)
{
    char *path = fuzz_paths[slot];
    const char *dir;
    struct stat sb;
    size_t done = 0;
    int fd;

    if (!path[0]) {
        dir = getenv("SHAPC_FUZZ_TMP");
        if (!dir || !*dir)
            dir = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof fuzz_paths[slot], "%s/shapc-fuzz-%ld-%d", dir, (long)getpid(),
                 slot);
        atexit(fuzz_cleanup);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)n;
    }
    close(fd);
    return path;
}

/* An invariant of the parser's contract; unlike assert it survives -DNDEBUG. */
#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Which library allocation the out-of-memory replay of an input fails (1..32), a function of
 * the input so every run of it is reproducible. The fuzz library is built with
 * SHAPC_ALLOC_FAILPOINTS; shapc__alloc_fail_after(0) must follow the replayed call. */
static inline size_t fuzz_fail_nth(const uint8_t *data, size_t size)
{
    return 1 + (size ? (size_t)(data[0] ^ data[size - 1] ^ (uint8_t)size) : 0) % 32;
}

/* Reads every byte of a buffer the parser returned, so ASan sees an undersized allocation. */
static inline unsigned fuzz_touch(const void *p, size_t n)
{
    const volatile unsigned char *b = p;
    unsigned acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += b[i];
    return acc;
}

#endif /* SHAPC_FUZZ_COMMON_H */
