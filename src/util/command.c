/* command.c - splitting a command line into words the way a POSIX shell quotes them, for the
 * process adapter's command (include/shapc/command.h). No expansion of any kind: the words
 * go to posix_spawn as they are. */
#include "shapc/command.h"

#include <string.h>

#include "util/alloc.h"

void shapc_command_free(char **argv)
{
    if (!argv)
        return;
    for (size_t i = 0; argv[i]; i++)
        shapc__free(argv[i]);
    shapc__free(argv);
}

shapc_status shapc_command_split(const char *cmd, char ***argv_out, size_t *argc_out,
                                 shapc_error *err)
{
    char **argv = NULL, *word = NULL;
    size_t argc = 0, cap = 0, wlen = 0, len;
    int in_word = 0;
    shapc_status st = SHAPC_EINVAL;
    const char *s;

    if (!argv_out)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_command_split: argv_out is NULL");
    *argv_out = NULL;
    if (argc_out)
        *argc_out = 0;
    if (!cmd)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_command_split: cmd is NULL");
    len = strlen(cmd);
    /* No word is longer than the command, so one buffer of len + 1 holds any word. */
    word = shapc__malloc(len + 1);
    if (!word)
        return shapc_error_set(err, SHAPC_ENOMEM, "command '%s': out of memory", cmd);
    for (s = cmd;; s++) {
        char c = *s;
        if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                char *w;
                if (argc + 2 > cap) {
                    size_t ncap = cap ? cap * 2 : 8;
                    char **na = shapc__realloc(argv, ncap * sizeof *na);
                    if (!na)
                        goto oom;
                    argv = na;
                    cap = ncap;
                }
                word[wlen] = '\0';
                w = shapc__strdup(word);
                if (!w)
                    goto oom;
                argv[argc++] = w;
                argv[argc] = NULL;
                wlen = 0;
                in_word = 0;
            }
            if (c == '\0')
                break;
            continue;
        }
        if (c == '\\' && s[1] == '\n') {
            s++; /* line continuation: joins, never starts a word */
            continue;
        }
        in_word = 1;
        if (c == '\'') {
            const char *end = strchr(s + 1, '\'');
            if (!end) {
                shapc_error_set(err, SHAPC_EINVAL, "command '%s': unterminated ' quote", cmd);
                goto fail;
            }
            memcpy(word + wlen, s + 1, (size_t)(end - s - 1));
            wlen += (size_t)(end - s - 1);
            s = end;
        } else if (c == '"') {
            for (s++;; s++) {
                if (*s == '\0') {
                    shapc_error_set(err, SHAPC_EINVAL, "command '%s': unterminated \" quote",
                                    cmd);
                    goto fail;
                }
                if (*s == '"')
                    break;
                if (*s == '\\' && (s[1] == '\\' || s[1] == '"' || s[1] == '$' || s[1] == '`')) {
                    word[wlen++] = s[1];
                    s++;
                } else if (*s == '\\' && s[1] == '\n') {
                    s++; /* line continuation */
                } else {
                    word[wlen++] = *s;
                }
            }
        } else if (c == '\\') {
            if (s[1] == '\0') {
                shapc_error_set(err, SHAPC_EINVAL, "command '%s': trailing backslash", cmd);
                goto fail;
            }
            s++;
            word[wlen++] = *s;
        } else {
            word[wlen++] = c;
        }
    }
    shapc__free(word);
    if (argc == 0) {
        shapc_command_free(argv);
        return shapc_error_set(err, SHAPC_EINVAL, "command '%s': no program given", cmd);
    }
    *argv_out = argv;
    if (argc_out)
        *argc_out = argc;
    return SHAPC_OK;
oom:
    st = shapc_error_set(err, SHAPC_ENOMEM, "command '%s': out of memory", cmd);
fail:
    shapc__free(word);
    shapc_command_free(argv);
    return st;
}
