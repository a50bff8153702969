/* explain.h - `shapc explain` in three steps, one file each:
 *
 *   explain_opts.c   the options: one table for every kind of model, parsed once;
 *   explain_table.c  setup for array inputs (images, tables): rows, background or baseline,
 *   explain_text.c   setup for text models: documents, each a row with its tokens as players;
 *   explain_run.c    the run both share: directory, lock, journal, signals, the scheduler
 *                    (one process or MPI), the results directory, the plots.
 *
 * A setup fills the results object (shapc/results.h: names, settings, inputs, predictions,
 * classes, the player map) and says how to explain a block of rows into it; everything after
 * that - resuming, distributing, writing - is the same for images, tables and documents.
 * Helpers return a shapc_status with the message in a shapc_error; cmd_explain.c alone prints
 * and picks the exit status. */
#ifndef SHAPC_CLI_EXPLAIN_H
#define SHAPC_CLI_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include <shapc/kernel.h>
#include <shapc/model.h>
#include <shapc/results.h>
#include <shapc/status.h>
#include <shapc/text.h>

#include "args.h"
#include "csv_drop.h"
#include "journal.h"
#include "lock.h"
#include "schedule.h"

/* What absent players are replaced by (--mask). */
typedef enum shapc_cli_mask {
    SHAPC_CLI_MASK_BACKGROUND = 0, /* the background rows (KernelSHAP's default) */
    SHAPC_CLI_MASK_ZERO,           /* one all-zero row */
    SHAPC_CLI_MASK_MEAN,           /* one row: the (weighted) background mean */
    SHAPC_CLI_MASK_BLUR            /* one row per instance: a Gaussian-blurred copy of it */
} shapc_cli_mask;

#define SHAPC_CLI_EXPLAIN_OUT_DIR "shapc-out" /* -o default */

/* The command line of `shapc explain`, parsed (explain_opts.c). */
typedef struct shapc_cli_explain_args {
    const char *model_path, *input_path, *out_dir;
    const char *class_text;  /* resolved against the model's outputs later */
    shapc_cli_range rows;
    size_t nsamples;         /* 0 = auto */
    size_t max_evals;        /* model rows per explained row; 0 = shap's budget in rows */
    uint64_t seed;
    shapc_link link;
    size_t batches;
    shapc_sampler sampler;
    double tol;              /* stop sampling once every SE < tol x range (0 = off) */
    size_t threads;          /* 0 = all online cores */
    size_t max_memory_mb;    /* masked rows per thread and chunk */
    int no_plots, quiet, resume;
    /* array inputs */
    const char *bg_path;
    shapc_cli_range bg_rows;
    size_t bg_sample;        /* --background-sample N, 0 = every row */
    size_t bg_kmeans;        /* --background-kmeans K, 0 = off */
    shapc_cli_csv_drop drop; /* --target COL, --drop-columns A,B (CSV files) */
    size_t segments;         /* --segments N, 0 = off */
    int share_design;
    int grouped;             /* --groups HxW or FILE.json */
    size_t gh, gw;
    const char *groups_json;
    shapc_cli_mask mask;
    const char *model_cmd, *plugin_path, *plugin_arg; /* black-box models instead of MODEL */
    size_t batch;
    int timeout_ms;
    /* text models */
    shapc_text_mask text_mask;
    /* the options given, so a kind can refuse those that do not apply to it */
    const char *given_background, *given_groups, *given_segments, *given_mask,
        *given_share_design, *given_text_mask;
} shapc_cli_explain_args;

/* Parses argv (argv[0] = "explain"). Returns -1 to go on, or an exit status after printing
 * the usage error or the help. */
int shapc_cli_explain_parse(int argc, char **argv, shapc_cli_explain_args *a);
const char *shapc_cli_mask_name(shapc_cli_mask mask);

/* One run of `shapc explain`. */
typedef struct shapc_cli_run {
    shapc_cli_explain_args a;
    int argc;
    char **argv;
    double t_start;
    shapc_cli_scheduler sched;
    shapc_model *model;
    shapc_cli_class target;   /* --class resolved */
    shapc_kernel_options ko;  /* the options every explanation of the run uses */
    shapc_results *res;
    int usage;                /* the failure is a usage error (exit 2) */
    /* set by the setup */
    size_t block;             /* rows per explain call in one process */
    shapc_status (*explain)(void *kind, size_t i0, size_t nb, shapc_error *err);
    void (*release)(void *kind);
    void *kind;               /* the setup's state */
    /* continues the journal's fingerprint with what the rows are explained against (the
     * background, ...), after the model and the rows; NULL: nothing more */
    uint64_t (*hash_more)(void *kind, uint64_t h);
    char groups_text[64];      /* the journal's --groups= */
    char tail_text[128];       /* the setup's last words of the journal's settings text */
    const char *noun;          /* "row" or "document", for the closing line */
    /* the run */
    shapc_cli_lock lock;
    shapc_cli_journal *journal;
    size_t n_done;
    int interrupted;
} shapc_cli_run;

/* Setups: fill x->res and the explain function, or fail with a message (x->usage set for a
 * usage error). x->model is open and x->ko holds the options. */
shapc_status shapc_cli_explain_setup_table(shapc_cli_run *x, shapc_error *err);
shapc_status shapc_cli_explain_setup_text(shapc_cli_run *x, shapc_error *err);

/* Attaches the setup's state (size bytes, zeroed; freed by release) and its explain
 * function to the run; NULL when out of memory. */
void *shapc_cli_explain_attach(shapc_cli_run *x, size_t size,
                               shapc_status (*explain)(void *, size_t, size_t, shapc_error *),
                               void (*release)(void *), const char *noun);

/* Records a usage error: x->usage = 1, the message as shapc_cli_usage_error words it. */
shapc_status shapc_cli_explain_usage(shapc_cli_run *x, shapc_error *err, const char *fmt,
                                     ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Creates x->res for n rows of M players and d features, the run's explained columns and
 * the model's outputs; flags: groups per row, rows that are documents. */
shapc_status shapc_cli_explain_results(shapc_cli_run *x, size_t n, size_t M, size_t d,
                                       int groups_per_row, int documents, shapc_error *err);

/* Records the settings: those of every kind (sampler, nsamples, max_evals, seed, link,
 * class), then the kind's own (n), then the explained rows. */
shapc_status shapc_cli_explain_settings(shapc_cli_run *x, const shapc_setting *own, size_t n,
                                        shapc_error *err);

/* The output each column explains, from the predictions the setup stored. */
void shapc_cli_explain_classes(shapc_cli_run *x);

/* Points the options' progress callback at the CLI's signal flag: Ctrl-C or SIGTERM cancels
 * the explanation in flight (SHAPC_ECANCELED). */
void shapc_cli_explain_cancel_on_signal(shapc_kernel_options *ko);

/* Rows above this relative standard error are noise-dominated: explain warns about them. */
#define SHAPC_CLI_NOISY_REL_SE 0.5

/* Rows per model call when predicting the explained rows. */
#define SHAPC_CLI_PREDICT_CHUNK 1024

/* Journals, explains and keeps every row (explain_run.c): the directory is created and locked,
 * an unfinished run resumed with --resume, the rows scheduled. On return x->interrupted is the
 * signal that stopped the run (or 0). */
shapc_status shapc_cli_explain_run(shapc_cli_run *x, shapc_error *err);

/* Writes the results directory, drops the journal and draws the default plots. */
shapc_status shapc_cli_explain_finish(shapc_cli_run *x, shapc_error *err);

void shapc_cli_explain_free(shapc_cli_run *x);

#endif
