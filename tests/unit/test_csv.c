/*
 * test_csv.c - the CSV writer (common/csv.c): RFC 4180 quoting (a comma, a
 * double quote, CR or LF quote the field, a quote is doubled), CRLF after
 * every record, columns as rows first use them (earlier rows empty there),
 * a value set again replaced, NULL written empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static char *
render(const struct csv_table *t)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(csv_table_write(t, f), 0);
	fclose(f);
	return buf;
}

static void
test_quoting(void **state)
{
	struct csv_table	 t;
	size_t			 r;
	char			*out;

	(void)state;
	csv_table_init(&t);
	r = csv_table_row(&t);
	csv_table_set(&t, r, "plain", "vm1");
	csv_table_set(&t, r, "comma", "a,b");
	csv_table_set(&t, r, "quote", "say \"hi\"");
	csv_table_set(&t, r, "newline", "two\nlines");
	csv_table_set(&t, r, "cr", "x\ry");
	csv_table_set(&t, r, "empty", "");
	csv_table_set(&t, r, "null", NULL);
	csv_table_set(&t, r, "spaces", " padded ");
	out = render(&t);
	assert_string_equal(out,
	    "plain,comma,quote,newline,cr,empty,null,spaces\r\n"
	    "vm1,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"x\ry\",,, "
	    "padded \r\n");
	free(out);
	csv_table_free(&t);
}

static void
test_columns(void **state)
{
	struct csv_table	 t;
	size_t			 r;
	char			*out;

	(void)state;
	csv_table_init(&t);
	r = csv_table_row(&t);
	csv_table_set(&t, r, "run", "0");
	csv_table_set(&t, r, "name", "a");
	r = csv_table_row(&t);
	csv_table_setf(&t, r, "run", "%d", 1);
	csv_table_set(&t, r, "name", "b");
	/* A figure the second run brings: a column for every row. */
	csv_table_set(&t, r, "iops", "1234");
	csv_table_set(&t, r, "name", "b2");	/* set again: replaced */
	r = csv_table_row(&t);
	csv_table_set(&t, r, "iops", "5");
	out = render(&t);
	assert_string_equal(out, "run,name,iops\r\n0,a,\r\n1,b2,1234\r\n"
	    ",,5\r\n");
	free(out);
	csv_table_free(&t);
	/* Empty: the header line alone (none here). */
	out = render(&t);
	assert_string_equal(out, "\r\n");
	free(out);
}

/* Columns after the first ones sorted by name, their values with them. */
static void
test_sort_columns(void **state)
{
	struct csv_table	 t;
	size_t			 r;
	char			*out;

	(void)state;
	csv_table_init(&t);
	r = csv_table_row(&t);
	csv_table_set(&t, r, "run", "0");
	csv_table_set(&t, r, "metric:z", "z0");
	csv_table_set(&t, r, "metric:b", "b0");
	r = csv_table_row(&t);
	csv_table_set(&t, r, "run", "1");
	csv_table_set(&t, r, "metric:b", "b1");
	csv_table_set(&t, r, "metric:a", "a1");
	csv_table_sort_columns(&t, 1);
	out = render(&t);
	assert_string_equal(out, "run,metric:a,metric:b,metric:z\r\n"
	    "0,,b0,z0\r\n1,a1,b1,\r\n");
	free(out);
	assert_int_equal(csv_table_column(&t, "metric:b"), 2);
	assert_int_equal(csv_table_column(&t, "metric:x"), t.ncols);
	assert_int_equal(t.rows[1].nval, 3);	/* up to its last value */
	/* A row after the sort lands in the sorted columns; a new one last. */
	r = csv_table_row(&t);
	csv_table_set(&t, r, "metric:z", "z2");
	csv_table_set(&t, r, "metric:c", "c2");
	csv_table_sort_columns(&t, 1);
	csv_table_sort_columns(&t, 9);		/* beyond: nothing */
	out = render(&t);
	assert_string_equal(out, "run,metric:a,metric:b,metric:c,metric:z\r\n"
	    "0,,b0,,z0\r\n1,a1,b1,,\r\n,,,c2,z2\r\n");
	free(out);
	csv_table_free(&t);
	csv_table_sort_columns(&t, 0);		/* empty: nothing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_sort_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
