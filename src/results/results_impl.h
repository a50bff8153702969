/* results_impl.h - the private layout of shapc_results, shared by the files of src/results/:
 * results.c (the object, names, settings, derived views), codec.c (the row codec), write.c
 * and read.c (the directory). */
#ifndef SHAPC_RESULTS_IMPL_H
#define SHAPC_RESULTS_IMPL_H

#include <stddef.h>

#include "shapc/data.h"
#include "shapc/results.h"

/* One token of a document. */
typedef struct shapc__token {
    char *text;
    char *display; /* as written in the document, when that differs from text; else NULL */
    size_t id;
    unsigned char space_before, in_vocab;
} shapc__token;

/* A setting with its own copies of the strings the public view points to. */
typedef struct shapc__setting {
    shapc_setting view;
    char *key, *text;
} shapc__setting;

struct shapc_results {
    shapc_results_layout layout;
    shapc_results_data data;
    shapc_results_meta meta;       /* its pointers alias the owned fields below */
    char *version, *model_path, *model_description, *input_path;
    size_t input_shape[SHAPC_MAX_RANK];
    char *unknown_word;            /* text models: the word unknown words are scored as */
    char **outputs;                /* (k_all) owned */
    char **players;                /* (M) owned, NULL for documents */
    char **argv;                   /* (meta.argc) owned */
    shapc__token **tokens;         /* documents: (n) arrays of row_players[i] tokens */
    struct shapc__setting *settings; /* (n_settings) */
    size_t n_settings, cap_settings;
};

/* Points the meta view at the owned names (after any of them changed). */
void shapc__results_refresh_meta(shapc_results *r);

/* Replaces *slot with a copy of s (NULL stays NULL). SHAPC_ENOMEM leaves it unchanged. */
shapc_status shapc__results_dup(char **slot, const char *s, shapc_error *err);

/* The estimator's name in summary.json ("permutation", ...) and back (-1 if unknown). */
const char *shapc__results_estimator_name(shapc_sampler s);
int shapc__results_estimator_parse(const char *name, shapc_sampler *out);

#endif /* SHAPC_RESULTS_IMPL_H */
