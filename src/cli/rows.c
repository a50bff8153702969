/* rows.c - row selections (rows.h). */
#include "rows.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

/* One item: rows begin, begin + step, ... below end (or below the file's end: !has_end). */
typedef struct item {
    size_t begin, end, step;
    int has_end;
} item;

/* Parses s[0..len) as one item. */
static int parse_item(const char *s, size_t len, item *it)
{
    const char *c1 = memchr(s, ':', len);
    it->begin = 0;
    it->end = 0;
    it->step = 1;
    it->has_end = 1;
    if (!c1) {
        if (shapc_cli_parse_size_span(s, len, &it->begin) != 0 || it->begin == SIZE_MAX)
            return -1;
        it->end = it->begin + 1;
        return 0;
    }
    const char *rest = c1 + 1, *stop = s + len;
    const char *c2 = memchr(rest, ':', (size_t)(stop - rest));
    const char *end_stop = c2 ? c2 : stop;
    if (c1 > s && shapc_cli_parse_size_span(s, (size_t)(c1 - s), &it->begin) != 0)
        return -1;
    if (end_stop > rest) {
        if (shapc_cli_parse_size_span(rest, (size_t)(end_stop - rest), &it->end) != 0)
            return -1;
    } else {
        it->has_end = 0;
    }
    if (c2 && shapc_cli_parse_size_span(c2 + 1, (size_t)(stop - c2 - 1), &it->step) != 0)
        return -1; /* "A:B:" has no step: say one or drop the colon */
    if (c1 == s && !it->has_end && !c2)
        return -1; /* ":" alone says nothing; omit the option instead */
    if (it->step == 0 || (it->has_end && it->end <= it->begin))
        return SHAPC_CLI_ROWS_EMPTY;
    return 0;
}

/* The last row of a closed item. */
static size_t last_row(const item *it)
{
    return it->begin + (it->end - 1 - it->begin) / it->step * it->step;
}

/* Walks the items of spec, calling visit(item, last, user) for each; the first non-zero code
 * of parse_item or visit. */
static int walk(const char *spec, int (*visit)(const item *, int last, void *), void *user)
{
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        item it;
        int rc = parse_item(p, len, &it);
        if (rc == 0)
            rc = visit(&it, comma == NULL, user);
        if (rc != 0)
            return rc;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

typedef struct check {
    size_t items, next; /* next: the smallest row the following item may start at */
    item first;
} check;

static int check_item(const item *it, int last, void *user)
{
    check *c = user;
    if (c->items > 0 && it->begin < c->next)
        return SHAPC_CLI_ROWS_NOT_UP;
    if (!it->has_end && !last)
        return SHAPC_CLI_ROWS_OPEN_INSIDE;
    if (c->items == 0)
        c->first = *it;
    c->items++;
    if (it->has_end)
        c->next = last_row(it) + 1;
    return 0;
}

int shapc_cli_parse_range(const char *s, shapc_cli_range *out)
{
    check c;
    memset(&c, 0, sizeof c);
    if (!s)
        return -1;
    const int rc = walk(s, check_item, &c);
    if (rc != 0)
        return rc;
    shapc_cli_range r = {c.first.begin, c.first.end, c.first.has_end, 1, 0, s};
    r.simple = c.items == 1 && c.first.step == 1;
    *out = r;
    return 0;
}

typedef struct expand {
    size_t n, count, cap, *rows;
    int status; /* 0, -1 beyond the file, -2 no memory */
} expand;

static int add_item(const item *it, int last, void *user)
{
    (void)last;
    expand *e = user;
    const size_t end = it->has_end ? it->end : e->n;
    if (it->begin >= e->n || end > e->n) {
        e->status = -1;
        return -1;
    }
    for (size_t row = it->begin; row < end; row += it->step) {
        if (e->count == e->cap) {
            const size_t cap = e->cap ? 2 * e->cap : 64;
            size_t *grown = realloc(e->rows, cap * sizeof *grown);
            if (!grown) {
                e->status = -2;
                return -1;
            }
            e->rows = grown;
            e->cap = cap;
        }
        e->rows[e->count++] = row;
        if (end - row <= it->step)
            break; /* row + step would pass end (or overflow) */
    }
    return 0;
}

int shapc_cli_range_rows(const shapc_cli_range *r, size_t n, size_t **rows, size_t *count)
{
    *rows = NULL;
    *count = 0;
    if (n == 0)
        return -1;
    expand e = {n, 0, 0, NULL, 0};
    if (!r || !r->given) {
        item all = {0, n, 1, 1};
        add_item(&all, 1, &e);
    } else if (walk(r->spec, add_item, &e) != 0 && e.status == 0) {
        e.status = -1; /* changed since it was parsed: cannot happen with argv */
    }
    if (e.status == 0 && e.count == 0)
        e.status = -1;
    if (e.status != 0) {
        free(e.rows);
        return e.status;
    }
    *rows = e.rows;
    *count = e.count;
    return 0;
}

const char *shapc_cli_range_why(int rc)
{
    switch (rc) {
    case SHAPC_CLI_ROWS_EMPTY:
        return "an item selects no rows (A:B needs A < B, a step S >= 1)";
    case SHAPC_CLI_ROWS_NOT_UP:
        return "items must go up, each after the last row of the one before";
    case SHAPC_CLI_ROWS_OPEN_INSIDE:
        return "only the last item may run to the end of the file (A:)";
    default:
        return "use A, A:B, A:, :B, A:B:S or a list of them such as 0,5,10:20";
    }
}

int shapc_cli_rows_contiguous(const size_t *rows, size_t count)
{
    for (size_t i = 1; i < count; i++)
        if (rows[i] != rows[0] + i)
            return 0;
    return 1;
}
