/* journal.h - the explain journal: every finished instance of `shapc explain` is appended to
 * DIR/.shapc-journal as it completes, so an interrupted run (Ctrl-C, kill, power loss) keeps
 * its finished work and `--resume` continues from it (docs/reliability.md, "Resumable runs").
 *
 * File layout (host byte order; the journal is scratch state of one machine, not an exchange
 * format):
 *   header  (SHAPC_CLI_JOURNAL_HEADER bytes): magic "SHAPCJNL", version, CRC-32 of the header,
 *           fingerprint of model + input + background + settings, n, M, K, k_all, record size,
 *           and the settings as readable text (to say which one differs on a mismatch);
 *   records (fixed size, one per instance, in row order): magic, CRC-32 of the record, then
 *           the row in the results' row codec (shapc_results_row_encode: index, seconds, kernel
 *           info, phi (M, K) f32, se (M, K) f32, base (K) f32, fx (K) f64, predictions
 *           (k_all) f32, classes (K) i32) - the bytes an MPI rank sends for a row, too.
 * The header is created atomically (temporary + rename); records are appended with one write
 * each. A record whose bytes are incomplete or whose CRC fails (a torn write at power loss)
 * ends the journal: it and anything after it are dropped and the file is truncated there. */
#ifndef SHAPC_CLI_JOURNAL_H
#define SHAPC_CLI_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <shapc/results.h>
#include <shapc/status.h>

#define SHAPC_CLI_JOURNAL_NAME ".shapc-journal"
#define SHAPC_CLI_JOURNAL_SETTINGS 256 /* bytes of readable settings text, NUL included */

/* What a journal belongs to, besides the results' shape (n, M, K, k_all), which the header
 * records too. Two runs may share a journal only if all of it is equal. */
typedef struct shapc_cli_journal_layout {
    uint64_t fingerprint;                          /* shapc_cli_hash over everything relevant */
    char settings[SHAPC_CLI_JOURNAL_SETTINGS];     /* "--seed=7 --nsamples=auto ..." */
} shapc_cli_journal_layout;

typedef struct shapc_cli_journal shapc_cli_journal; /* opaque */

/* 1 if DIR holds a journal file (an unfinished run), else 0. */
int shapc_cli_journal_exists(const char *dir);

/* Opens DIR's journal for appending. If one exists and resume is set, its header must match
 * layout and the shape of rows (SHAPC_EINVAL with a message naming what differs otherwise);
 * its valid records are decoded into rows (rows 0..*n_done-1), a torn tail is cut off and its
 * size put in *dropped_bytes. Otherwise a new journal with no records is created (*n_done = 0). An
 * existing journal without resume is SHAPC_EINVAL. Errors: SHAPC_EIO, SHAPC_ENOMEM, SHAPC_EINVAL,
 * SHAPC_EFORMAT (a damaged header). */
shapc_status shapc_cli_journal_open(const char *dir, const shapc_cli_journal_layout *layout,
                                    int resume, shapc_results *rows, size_t *n_done,
                                    size_t *dropped_bytes, shapc_cli_journal **out,
                                    shapc_error *err);

/* Appends row i of rows (i must be the next row). Flushed to the kernel at once (survives a
 * kill); forced to disk (fdatasync) at most every SHAPC_CLI_JOURNAL_SYNC_S seconds and by
 * shapc_cli_journal_sync. Errors: SHAPC_EIO. */
#define SHAPC_CLI_JOURNAL_SYNC_S 0.2
shapc_status shapc_cli_journal_append(shapc_cli_journal *j, const shapc_results *rows,
                                      size_t i, shapc_error *err);
shapc_status shapc_cli_journal_sync(shapc_cli_journal *j, shapc_error *err);

/* Closes the file and frees j, keeping the journal on disk (NULL is fine). */
void shapc_cli_journal_close(shapc_cli_journal *j);
/* Closes, frees and deletes the journal: call once the final files are written. */
void shapc_cli_journal_finish(shapc_cli_journal *j);

/* FNV-1a 64-bit over len bytes, continuing from h (start with SHAPC_CLI_HASH_INIT). */
#define SHAPC_CLI_HASH_INIT 0xcbf29ce484222325ULL
uint64_t shapc_cli_hash(uint64_t h, const void *data, size_t len);
/* Hashes the bytes of the file at path into *h. Errors: SHAPC_EIO. */
shapc_status shapc_cli_hash_file(uint64_t *h, const char *path, shapc_error *err);

#endif
