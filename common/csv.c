/*
 * csv.c - a table written as CSV (csv.h).  Out of memory is fatal: the
 * tables are small (a row per slave per run).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "log.h"

void
csv_table_init(struct csv_table *t)
{
	memset(t, 0, sizeof(*t));
}

size_t
csv_table_row(struct csv_table *t)
{
	struct csv_row *r;

	if ((r = realloc(t->rows, (t->nrows + 1) * sizeof(*r))) == NULL)
		fatal("csv");
	t->rows = r;
	memset(&t->rows[t->nrows], 0, sizeof(*r));
	return t->nrows++;
}

size_t
csv_table_column(const struct csv_table *t, const char *col)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], col) == 0)
			break;
	return i;
}

static size_t
csv_col(struct csv_table *t, const char *col)
{
	char	**c;
	size_t	  i;

	if ((i = csv_table_column(t, col)) < t->ncols)
		return i;
	if ((c = realloc(t->cols, (t->ncols + 1) * sizeof(*c))) == NULL ||
	    (c[t->ncols] = strdup(col)) == NULL)
		fatal("csv");
	t->cols = c;
	return t->ncols++;
}

void
csv_table_set(struct csv_table *t, size_t row, const char *col,
    const char *val)
{
	struct csv_row	*r = &t->rows[row];
	size_t		 i = csv_col(t, col);
	char		**v;

	if (i >= r->nval) {
		if ((v = realloc(r->val, (i + 1) * sizeof(*v))) == NULL)
			fatal("csv");
		memset(v + r->nval, 0, (i + 1 - r->nval) * sizeof(*v));
		r->val = v;
		r->nval = i + 1;
	}
	free(r->val[i]);
	r->val[i] = NULL;
	if (val != NULL && (r->val[i] = strdup(val)) == NULL)
		fatal("csv");
}

void
csv_table_setf(struct csv_table *t, size_t row, const char *col,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*val;

	va_start(ap, fmt);
	if (vasprintf(&val, fmt, ap) == -1)
		fatal("csv");
	va_end(ap);
	csv_table_set(t, row, col, val);
	free(val);
}

/* Two columns' indexes by their names (arg: the names). */
static int
csv_sort_cmp(const void *a, const void *b, void *arg)
{
	char	**names = arg;
	size_t	  x = *(const size_t *)a, y = *(const size_t *)b;

	return strcmp(names[x], names[y]);
}

void
csv_table_sort_columns(struct csv_table *t, size_t from)
{
	size_t	 *idx, i, j;
	char	**cols, **v;

	if (from + 1 >= t->ncols)
		return;
	if ((idx = calloc(t->ncols, sizeof(*idx))) == NULL ||
	    (cols = calloc(t->ncols, sizeof(*cols))) == NULL)
		fatal("csv");
	for (i = 0; i < t->ncols; i++)
		idx[i] = i;
	qsort_r(idx + from, t->ncols - from, sizeof(*idx), csv_sort_cmp,
	    t->cols);
	for (j = 0; j < t->nrows; j++) {
		struct csv_row *r = &t->rows[j];

		if ((v = calloc(t->ncols, sizeof(*v))) == NULL)
			fatal("csv");
		for (i = 0; i < t->ncols; i++)
			v[i] = idx[i] < r->nval ? r->val[idx[i]] : NULL;
		free(r->val);
		r->val = v;
		/* Up to its last value: a sparse table stays small. */
		for (r->nval = t->ncols; r->nval > 0 && v[r->nval - 1] == NULL;
		    r->nval--)
			;
	}
	for (i = 0; i < t->ncols; i++)
		cols[i] = t->cols[idx[i]];
	free(t->cols);
	t->cols = cols;
	free(idx);
}

void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int
csv_table_write(const struct csv_table *t, FILE *f)
{
	size_t i, j;

	for (i = 0; i < t->ncols; i++) {
		if (i > 0)
			fputc(',', f);
		csv_field(f, t->cols[i]);
	}
	fputs("\r\n", f);
	for (j = 0; j < t->nrows; j++) {
		for (i = 0; i < t->ncols; i++) {
			if (i > 0)
				fputc(',', f);
			if (i < t->rows[j].nval)
				csv_field(f, t->rows[j].val[i]);
		}
		fputs("\r\n", f);
	}
	return ferror(f) ? -1 : 0;
}

void
csv_table_free(struct csv_table *t)
{
	size_t i, j;

	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	for (j = 0; j < t->nrows; j++) {
		for (i = 0; i < t->rows[j].nval; i++)
			free(t->rows[j].val[i]);
		free(t->rows[j].val);
	}
	free(t->cols);
	free(t->rows);
	csv_table_init(t);
}
