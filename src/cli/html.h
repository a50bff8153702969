/* html.h - a growable HTML buffer and the embedding helpers `shapc report` writes with:
 * escaping, base64 PNG data URIs, shell-quoted words, rounded seconds. An allocation failure
 * sets failed and later calls do nothing; the caller reports out of memory. */
#ifndef SHAPC_CLI_HTML_H
#define SHAPC_CLI_HTML_H

#include <stddef.h>

typedef struct shapc_cli_html {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed; the caller reports out of memory */
} shapc_cli_html;

void shapc_cli_html_put_n(shapc_cli_html *b, const char *s, size_t n);
void shapc_cli_html_put(shapc_cli_html *b, const char *s);
void shapc_cli_html_putf(shapc_cli_html *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* HTML-escaped text (< > & "); NULL writes nothing. */
void shapc_cli_html_esc_n(shapc_cli_html *b, const char *s, size_t n);
void shapc_cli_html_esc(shapc_cli_html *b, const char *s);
int shapc_cli_html_file_exists(const char *dir, const char *name);
/* <img> with DIR/NAME inlined as a data URI; a note instead when the file is missing. */
void shapc_cli_html_png(shapc_cli_html *b, const char *dir, const char *name, const char *alt);
/* One argument as a POSIX shell reads it back, HTML-escaped. */
void shapc_cli_html_shell_word(shapc_cli_html *b, const char *s);
/* Seconds rounded for a reader: 3 significant digits at most, minutes and hours past 60 s. */
void shapc_cli_html_seconds(shapc_cli_html *b, double s);

#endif /* SHAPC_CLI_HTML_H */
