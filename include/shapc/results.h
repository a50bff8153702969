/* results.h - explanations of many rows, in memory and as a results directory.
 *
 * A shapc_results holds, for n explained rows (images, table rows or text documents), the
 * Shapley values phi and their standard errors per player and explained output, the base
 * values, f(x), the model's raw outputs, which output each column explains, the explained
 * inputs, the player map, and per row the estimator, exactness, model rows evaluated and
 * samples drawn; plus the names (model, outputs, players or each document's tokens), the
 * settings and the timings that describe the run. It is the one hand-over between computing
 * and everything after: `shapc explain` fills it row by row (shapc_results_set_row, or the
 * row codec for rows journaled or sent from another process), writes it with
 * shapc_results_write_dir, and `shapc plot` / `shapc report` read it back with
 * shapc_results_read_dir.
 *
 * Layout: n rows, M players (phi columns per row: the largest row's count; a row with fewer -
 * its own superpixels, a shorter document - leaves the rest 0), K explained columns, k_all
 * model outputs, d input features per row. A text document's players are its tokens: token t
 * of document i is phi[i, t, :], and its inputs row holds the tokens' vocabulary ids, -1
 * past its end (the input a text model takes), so inputs[i] >= 0 marks its tokens.
 *
 * Directory (docs/cli.md, "Output files"; docs/text.md): shap_values.npy, stderr.npy
 * (float32 (n, M, K)), base_values.npy (float32 (n, K)), predictions.npy (float32 (n, k_all)),
 * classes.npy (int32 (n, K)), inputs.npy (float32 (n, d)), groups.npy (int32 (d) or (n, d);
 * not for documents), summary.json (names, settings, per-row summary, timings) and, for
 * documents, text_values.json and vocab_importance.json. Every file is written atomically,
 * summary.json last; reading back gives the arrays, names and settings bit for bit (numbers in
 * JSON are written with the digits that read back exactly). JSON is a private detail of this
 * module: read and write through these functions.
 *
 * Thread-safety: a results object is not locked; distinct rows may be written from distinct
 * threads (set_row, decode), anything else from one thread at a time. */
#ifndef SHAPC_RESULTS_H
#define SHAPC_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/export.h"
#include "shapc/kernel.h"
#include "shapc/model.h"
#include "shapc/status.h"
#include "shapc/text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shapc_results shapc_results; /* opaque */

typedef struct shapc_results_layout {
    size_t size;        /* sizeof(shapc_results_layout): set by shapc_results_layout_default() */
    size_t n_rows;      /* n >= 1 */
    size_t n_players;   /* M >= 1 */
    size_t n_columns;   /* K >= 1 */
    size_t n_outputs;   /* k_all >= 1 */
    size_t n_features;  /* d >= 1; documents: M (the token-id slots) */
    int groups_per_row; /* groups.npy is (n, d): each row its own players (superpixels) */
    int documents;      /* rows are text documents, players their tokens (no groups.npy) */
} shapc_results_layout;

SHAPC_API shapc_results_layout shapc_results_layout_default(void); /* zeros, size set */

/* Creates empty results: arrays zeroed, groups the identity, row i numbered i, no names.
 * Errors: SHAPC_EINVAL (a zero size, documents with d != M), SHAPC_ERANGE, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_results_create(const shapc_results_layout *layout,
                                            shapc_results **out, shapc_error *err);
SHAPC_API void shapc_results_free(shapc_results *results); /* NULL allowed */
SHAPC_API const shapc_results_layout *shapc_results_get_layout(const shapc_results *results);

/* The arrays, row-major, owned by the results (valid until shapc_results_free). A program
 * fills predictions, classes, inputs, groups and rows directly before it explains; the
 * per-row parts after it are what shapc_results_set_row and the codec write. */
typedef struct shapc_results_data {
    float *phi, *se;           /* (n, M, K) link units; se 0 exact, inf undetermined */
    float *base;               /* (n, K) link(E f(background)) per row and column */
    double *fx;                /* (n, K) link(f(x)) */
    float *pred;               /* (n, k_all) raw model outputs */
    int32_t *classes;          /* (n, K) the model output each column explains */
    float *inputs;             /* (n, d) raw input units (documents: token ids, -1 padding) */
    int32_t *groups;           /* (d), or (n, d) with groups_per_row; NULL for documents */
    size_t *rows;              /* (n) each row's index in the input (file row, line) */
    size_t *row_players;       /* (n) players of each row, <= M (M unless per-row) */
    shapc_kernel_info *info;   /* (n) */
    double *seconds;           /* (n) time spent explaining each row */
} shapc_results_data;

SHAPC_API const shapc_results_data *shapc_results_get_data(shapc_results *results);
SHAPC_API const shapc_results_data *shapc_results_view(const shapc_results *results);

/* One explained row as the explainer returns it (shapc_kernel_explain and friends): every
 * model output; set_row keeps the K columns that classes[i] names, as float32. */
typedef struct shapc_results_row {
    const double *phi;    /* (m, k_all) */
    const double *se;     /* (m, k_all) or NULL (zeros) */
    size_t m;             /* the row's players, <= M; columns m..M-1 become 0 */
    const double *base;   /* (k_all) */
    const double *fx;     /* (k_all) link(f(x)) */
    shapc_kernel_info info;
    double seconds;
} shapc_results_row;

/* Stores row i (< n) from an explanation; classes[i] must be set. SHAPC_EINVAL for i or m out
 * of range or a class outside 0..k_all-1. */
SHAPC_API shapc_status shapc_results_set_row(shapc_results *results, size_t i,
                                             const shapc_results_row *row, shapc_error *err);

/* ---- the row codec: one explained row as bytes (the journal's records, MPI messages) ----
 * [u64 i][f64 seconds][u64 n_players][u64 n_coalitions][u64 n_evals][u32 exact][u32 sampler]
 * [phi (M, K) f32][se (M, K) f32][base (K) f32][fx (K) f64][pred (k_all) f32]
 * [classes (K) i32], host byte order (a record is scratch of one machine, or of the ranks of
 * one job running one binary). */
SHAPC_API size_t shapc_results_row_bytes(const shapc_results *results);
/* Writes row i into buf (shapc_results_row_bytes). */
SHAPC_API void shapc_results_row_encode(const shapc_results *results, size_t i,
                                        unsigned char *buf);
/* Reads a record into its row; *i (may be NULL) gets the row. SHAPC_EFORMAT when len is not
 * the record size, the row is out of range or the estimator unknown (the row is untouched). */
SHAPC_API shapc_status shapc_results_row_decode(shapc_results *results, const unsigned char *buf,
                                                size_t len, size_t *i, shapc_error *err);

/* ---- what the run was: names, settings, timings ---- */

/* Model path (as given), description, input shape, output names (k_all must match) and, for
 * a text model, its vocabulary size and unknown word. SHAPC_EINVAL, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_results_set_model(shapc_results *results, const shapc_model *model,
                                               const char *path, shapc_error *err);
/* The input's path and the command line (argv[0] the program), copied. */
SHAPC_API shapc_status shapc_results_set_source(shapc_results *results, const char *input_path,
                                                int argc, const char *const *argv,
                                                shapc_error *err);
/* Player names (M strings), copied; not for documents. */
SHAPC_API shapc_status shapc_results_set_players(shapc_results *results,
                                                 const char *const *names, shapc_error *err);
/* Document i's tokens (n <= M), their vocabulary ids and known-word flags, copied; also sets
 * its inputs row (ids, -1 after) and row_players[i] = n. Documents only. */
SHAPC_API shapc_status shapc_results_set_tokens(shapc_results *results, size_t i,
                                                const shapc_token *tokens, const size_t *ids,
                                                const int *in_vocab, size_t n,
                                                shapc_error *err);

/* Document i's tokens as written in it (n = its token count; no leading spaces: that is the
 * tokens' space_before), for plots; copied, after shapc_results_set_tokens. Written to
 * text_values.json as "display" when some token differs. SHAPC_EINVAL (wrong count, NULL). */
SHAPC_API shapc_status shapc_results_set_token_display(shapc_results *results, size_t i,
                                                       const char *const *display, size_t n,
                                                       shapc_error *err);

typedef enum shapc_setting_type {
    SHAPC_SETTING_NULL = 0,
    SHAPC_SETTING_STRING,
    SHAPC_SETTING_UINT,
    SHAPC_SETTING_NUMBER,
    SHAPC_SETTING_RANGE /* a half-open [begin, end) pair */
} shapc_setting_type;

/* One setting of the run, as summary.json's "settings" shows it. A key "group.name" puts the
 * setting in the object "group"; the settings of one group must be added one after another. */
typedef struct shapc_setting {
    const char *key;
    shapc_setting_type type;
    const char *text;  /* STRING */
    uint64_t uint;     /* UINT */
    double number;     /* NUMBER */
    uint64_t range[2]; /* RANGE */
} shapc_setting;

/* Appends a setting (copied). SHAPC_EINVAL (empty key, a group split by another key). */
SHAPC_API shapc_status shapc_results_add_setting(shapc_results *results,
                                                 const shapc_setting *setting,
                                                 shapc_error *err);
SHAPC_API size_t shapc_results_n_settings(const shapc_results *results);
SHAPC_API const shapc_setting *shapc_results_setting(const shapc_results *results, size_t i);
/* The setting with this key, or NULL. */
SHAPC_API const shapc_setting *shapc_results_find_setting(const shapc_results *results,
                                                          const char *key);

/* Seconds the whole command took up to writing (timings.total_s); explain_s is the sum of
 * the rows' seconds. */
SHAPC_API void shapc_results_set_total_seconds(shapc_results *results, double seconds);

/* The names and timings, borrowed (valid while the results live; NULL or 0 when unset). */
typedef struct shapc_results_meta {
    const char *version;           /* the shapc version that wrote them */
    const char *model_path, *model_description, *input_path;
    size_t input_rank;             /* 0 when unknown */
    const size_t *input_shape;     /* (input_rank) */
    size_t vocab_size;             /* text models */
    const char *const *outputs;    /* (k_all) output names ("0", "1", ... when unset) */
    const char *const *players;    /* (M) player names ("Feature i" when unset); NULL for
                                    * documents: see shapc_results_player_name */
    int argc;
    const char *const *argv;       /* (argc) */
    double total_s, explain_s;
} shapc_results_meta;

SHAPC_API const shapc_results_meta *shapc_results_get_meta(const shapc_results *results);

/* The name of player g of row i: a document's token, else the players' name g. NULL when g
 * is not one of the row's players. */
SHAPC_API const char *shapc_results_player_name(const shapc_results *results, size_t i,
                                                size_t g);

/* Token t of document i as written in the document (its case, e.g. "Good" for the lookup
 * token "good"): the display string set for it, else the token itself; NULL past the
 * document's end. */
SHAPC_API const char *shapc_results_token_display(const shapc_results *results, size_t i,
                                                  size_t t);

/* Token t of document i, with whether whitespace preceded it, whether the vocabulary knows
 * it and its vocabulary id; NULL past the document's end. */
SHAPC_API const char *shapc_results_token(const shapc_results *results, size_t i, size_t t,
                                          int *space_before, int *in_vocab, size_t *id);

/* ---- derived views ---- */

/* ||se|| / ||phi|| over the players of row i, column c: the row's relative standard error
 * (0 when exact, infinite when phi is all 0 but se is not). */
SHAPC_API double shapc_results_rel_se(const shapc_results *results, size_t i, size_t c);

/* Up to max players of row i with the largest |phi| in column c, largest first (ties: the
 * lower player first), zeros left out, into players; returns how many. */
SHAPC_API size_t shapc_results_top(const shapc_results *results, size_t i, size_t c,
                                   size_t *players, size_t max);

/* Documents: per vocabulary word seen, its occurrences and mean |phi| and mean phi per
 * column over them, most important first (mean |phi| of column 0; ties by id). Words outside
 * the vocabulary count as the unknown word. *words (owned, shapc_results_vocabulary_free)
 * and *n receive them. SHAPC_EINVAL when the rows are not documents, SHAPC_ENOMEM. */
typedef struct shapc_results_word {
    const char *word;         /* borrowed from the results */
    size_t id, count;
    double *mean_abs_phi;     /* (K) */
    double *mean_phi;         /* (K) */
} shapc_results_word;

SHAPC_API shapc_status shapc_results_vocabulary(const shapc_results *results,
                                                shapc_results_word **words, size_t *n,
                                                shapc_error *err);
SHAPC_API void shapc_results_vocabulary_free(shapc_results_word *words, size_t n);

/* ---- the directory ---- */

/* Creates dir (and missing parents) and writes every file (above), each atomically,
 * summary.json last; on failure removes the files this call wrote, so the directory never
 * holds a mix of two runs. Errors name the file: SHAPC_EIO, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_results_write_dir(const shapc_results *results, const char *dir,
                                               shapc_error *err);

/* Reads a results directory written by shapc_results_write_dir (or an earlier shapc: a text
 * run's documents come from text_values.json, which is then required). Every shape is checked
 * against the others; one error names the file and the reason ("out/text_values.json:
 * truncated: byte 300: unexpected end"). A tabular directory without summary.json reads with
 * default names. Errors: SHAPC_EIO (a missing file), SHAPC_EFORMAT, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_results_read_dir(const char *dir, shapc_results **out,
                                              shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_RESULTS_H */
