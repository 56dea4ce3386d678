/*
 * csv.h - a table written as CSV, RFC 4180: a header of the column names,
 * then one record per row, each ended by CRLF; a field that holds a comma,
 * a double quote, CR or LF is quoted and its double quotes doubled.
 *
 * Columns come as rows first use them, in that order: a table that gains
 * a column at its tenth row (a figure later runs have) writes it for every
 * row, empty where a row has no value.  An empty field is also how a value
 * that does not apply (JSON's null) is written.
 */
#ifndef SYNEXEC_CSV_H
#define SYNEXEC_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv_row {
	char	**val;		/* by column; NULL: empty */
	size_t	  nval;
};

struct csv_table {
	char		**cols;
	size_t		  ncols;
	struct csv_row	 *rows;
	size_t		  nrows;
};

void	csv_table_init(struct csv_table *);
/* A new row at the end: its index. */
size_t	csv_table_row(struct csv_table *);
/* Row's value in column col (added if new); val NULL: empty. */
void	csv_table_set(struct csv_table *, size_t row, const char *col,
	    const char *val);
void	csv_table_setf(struct csv_table *, size_t row, const char *col,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Column col's index, or t->ncols if the table has none of that name. */
size_t	csv_table_column(const struct csv_table *, const char *col);
/*
 * The columns from the from-th on put in the order of their names
 * (strcmp), each row's values with them; those before stay as they came.
 */
void	csv_table_sort_columns(struct csv_table *, size_t from);
/* Header and rows on f: 0, or -1 if f has an error. */
int	csv_table_write(const struct csv_table *, FILE *f);
/* One field, quoted where it must be. */
void	csv_field(FILE *, const char *);
void	csv_table_free(struct csv_table *);

#endif
