/*
 * json.c - the JSON writer of json.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

#define NSEC_PER_SEC_J	((uint64_t)1000000000)

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void
json_escape(FILE *f, const void *v, size_t len)
{
	const uint8_t	*s = v;
	size_t		 i = 0, n;
	uint32_t	 cp;

	fputc('"', f);
	while (i < len) {
		uint8_t c = s[i];

		switch (c) {
		case '"':	fputs("\\\"", f); i++; continue;
		case '\\':	fputs("\\\\", f); i++; continue;
		case '\b':	fputs("\\b", f); i++; continue;
		case '\f':	fputs("\\f", f); i++; continue;
		case '\n':	fputs("\\n", f); i++; continue;
		case '\r':	fputs("\\r", f); i++; continue;
		case '\t':	fputs("\\t", f); i++; continue;
		default:	break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		if ((n = text_utf8_len(s + i, len - i, &cp)) == 0) {
			/* Not UTF-8: say so with the replacement character. */
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		/*
		 * Valid JSON, but C1 controls act on a terminal that shows
		 * a value (jq -r), U+2028/2029 end lines in JavaScript, and
		 * the other invisible ones (text.c) mislead a reader: named
		 * by their number (above U+FFFF, as a surrogate pair).
		 */
		if (cp >= 0x80 && !text_cp_printable(cp)) {
			if (cp > 0xffff)
				fprintf(f, "\\u%04x\\u%04x",
				    (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
				    (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
			else
				fprintf(f, "\\u%04x", (unsigned)cp);
			i += n;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

/* Comma, newline, indentation and "key": before a value. */
static bool
json_prefix(struct json *j, const char *key)
{
	int i;

	if (j->error)
		return false;
	if (j->depth > 0) {
		if (j->has_items[j->depth - 1])
			fputs(j->flat ? ", " : ",", j->f);
		j->has_items[j->depth - 1] = true;
	}
	if (j->depth > 0 && !j->flat) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key != NULL) {
		json_escape(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
	return true;
}

static void
json_open(struct json *j, const char *key, char c)
{
	if (!json_prefix(j, key))
		return;
	if (j->depth >= JSON_DEPTH_MAX) {
		j->error = true;
		return;
	}
	fputc(c, j->f);
	j->has_items[j->depth++] = false;
}

static void
json_close(struct json *j, char c)
{
	int i;

	if (j->error)
		return;
	if (j->depth == 0) {
		j->error = true;
		return;
	}
	j->depth--;
	if (j->has_items[j->depth] && !j->flat) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void
json_begin_object(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void
json_end_object(struct json *j)
{
	json_close(j, '}');
}

void
json_begin_array(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void
json_end_array(struct json *j)
{
	json_close(j, ']');
}

void
json_string_len(struct json *j, const char *key, const void *s, size_t len)
{
	if (!json_prefix(j, key))
		return;
	if (s == NULL)
		fputs("null", j->f);
	else
		json_escape(j->f, s, len);
}

void
json_string(struct json *j, const char *key, const char *s)
{
	json_string_len(j, key, s, s != NULL ? strlen(s) : 0);
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	if (json_prefix(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

void
json_i64(struct json *j, const char *key, int64_t v)
{
	if (json_prefix(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	if (json_prefix(j, key))
		fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	if (json_prefix(j, key))
		fputs("null", j->f);
}

void
json_flat(struct json *j, bool on)
{
	j->flat = on;
}

const char *
json_double_text(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		return NULL;
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
	return buf;
}

void
json_double(struct json *j, const char *key, double v)
{
	char	buf[40];

	if (!json_prefix(j, key))
		return;
	fputs(json_double_text(v, buf, sizeof(buf)) != NULL ? buf : "null",
	    j->f);
}

void
json_useconds(struct json *j, const char *key, uint64_t ns)
{
	if (json_prefix(j, key))
		fprintf(j->f, "%" PRIu64 ".%09" PRIu64, ns / NSEC_PER_SEC_J,
		    ns % NSEC_PER_SEC_J);
}

const char *
json_seconds_text(int64_t ns, char *buf, size_t len)
{
	/* Magnitude in unsigned arithmetic: -INT64_MIN does not overflow. */
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "",
	    mag / NSEC_PER_SEC_J, mag % NSEC_PER_SEC_J);
	return buf;
}

void
json_seconds(struct json *j, const char *key, int64_t ns)
{
	char buf[32];

	if (json_prefix(j, key))
		fputs(json_seconds_text(ns, buf, sizeof(buf)), j->f);
}

void
json_raw(struct json *j, const char *key, const char *text, size_t len)
{
	size_t	i;
	int	k;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	if (!json_prefix(j, key))
		return;
	/* Indented as a value at this depth would be. */
	for (i = 0; i < len; i++) {
		fputc(text[i], j->f);
		if (text[i] == '\n')
			for (k = 0; k < j->depth; k++)
				fputs("  ", j->f);
	}
}

int
json_finish(struct json *j)
{
	if (j->depth != 0)
		j->error = true;
	fputc('\n', j->f);
	return j->error ? -1 : 0;
}
