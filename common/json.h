/*
 * json.h - a small JSON writer for the results file (no parser, no DOM).
 *
 * Values are written as they come, onto a stdio stream, indented two spaces
 * per level.  Every string is escaped: quote, backslash and control bytes
 * (C1 too: U+0080..U+009F, and the invisible characters text.h names, as
 * \uXXXX), and any byte that is not part of valid UTF-8 becomes U+FFFD, so
 * the output is always valid JSON whatever bytes a file name or a slave
 * holds, and no value acts on a terminal that prints it.
 *
 * Each writer takes a key: the member's name inside an object, NULL inside
 * an array or at the top.  Nesting is bounded by JSON_DEPTH_MAX; deeper
 * calls set the error flag and write nothing.
 */
#ifndef SYNEXEC_JSON_H
#define SYNEXEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX	16

struct json {
	FILE	*f;
	int	 depth;
	bool	 flat;				/* items on one line (json_flat) */
	bool	 error;				/* too deep, or unbalanced */
	bool	 has_items[JSON_DEPTH_MAX];	/* a comma is due */
};

void	json_init(struct json *, FILE *);
void	json_begin_object(struct json *, const char *key);
void	json_end_object(struct json *);
void	json_begin_array(struct json *, const char *key);
void	json_end_array(struct json *);
/* s NULL writes null. */
void	json_string(struct json *, const char *key, const char *s);
void	json_string_len(struct json *, const char *key, const void *s,
	    size_t len);
void	json_u64(struct json *, const char *key, uint64_t);
void	json_i64(struct json *, const char *key, int64_t);
void	json_bool(struct json *, const char *key, bool);
void	json_null(struct json *, const char *key);
/*
 * A double as the shortest of %.15g and %.17g that reads back the same
 * (0.1, not 0.10000000000000001); NaN and infinities (not JSON) as null.
 */
void	json_double(struct json *, const char *key, double);
/* The same number as text (another format: the CSV file); NULL for NaN
 * and infinities, buf untouched then. */
const char *json_double_text(double, char *buf, size_t len);
/*
 * On: the items of what is opened next go on its line ({"t": 1, "x": 2}),
 * for long arrays of small objects; off again after it is closed.
 */
void	json_flat(struct json *, bool on);
/* Nanoseconds as seconds with nine decimals: 1.500000000, -0.000000002. */
void	json_seconds(struct json *, const char *key, int64_t ns);
/* The same number as text, for another format (the CSV file). */
const char *json_seconds_text(int64_t ns, char *buf, size_t len);
/*
 * A value written already, whole and valid (a document json_finish()
 * ended), put in as it is but for its indentation.
 */
void	json_raw(struct json *, const char *key, const char *text,
	    size_t len);
void	json_useconds(struct json *, const char *key, uint64_t ns);
/* Ends the document with a newline.  0, or -1 if it was unbalanced/too deep. */
int	json_finish(struct json *);

/* The string escaper alone: writes "..." for len bytes of s. */
void	json_escape(FILE *, const void *s, size_t len);

#endif
