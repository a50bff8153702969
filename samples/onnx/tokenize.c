/* tokenize.c - shapc's tokenizer for the Python training scripts of this directory.
 *
 *   shapc-onnx-tokenize FILE      one output line per input line: the tokens of the line's
 *                                 text (after a TAB if there is one: corpus.tsv's label
 *                                 column is kept in front, then a TAB), separated by 0x1f
 *
 * The vocabulary of an exported text model must hold words exactly as shapc_text_tokenize makes
 * them at explanation time, so the training script tokenizes with the library itself instead
 * of re-implementing its rules in Python. */
#include <stdio.h>
#include <string.h>

#include <shapc/text.h>

int main(int argc, char **argv)
{
    char line[8192];
    FILE *f;
    size_t lineno = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: shapc-onnx-tokenize FILE\n");
        return 2;
    }
    if (!(f = fopen(argv[1], "r"))) {
        fprintf(stderr, "shapc-onnx-tokenize: %s: cannot open\n", argv[1]);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        char *text = line, *tab = strchr(line, '\t');
        size_t len = strcspn(line, "\r\n"), n = 0;
        shapc_token *tok = NULL;
        shapc_error err = {0};
        lineno++;
        line[len] = '\0';
        if (tab) {
            *tab = '\0';
            printf("%s\t", line);
            text = tab + 1;
        }
        if (shapc_text_tokenize(text, strlen(text), &tok, &n, &err) != SHAPC_OK) {
            fprintf(stderr, "shapc-onnx-tokenize: %s:%zu: %s\n", argv[1], lineno, err.message);
            fclose(f);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            printf(i ? "\x1f%s" : "%s", tok[i].text);
        printf("\n");
        shapc_text_tokens_free(tok, n);
    }
    fclose(f);
    return 0;
}
