/*
 * json.c - the JSON writer of json.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

#define NSEC_PER_SEC_J	((uint64_t)1000000000)

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there
 * are not one: overlong forms, surrogates and code points above U+10FFFF are
 * refused, as RFC 3629 says.
 */
static size_t
json_utf8_len(const uint8_t *s, size_t len)
{
	uint32_t	cp;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
json_escape(FILE *f, const void *v, size_t len)
{
	const uint8_t	*s = v;
	size_t		 i = 0, n;

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
		if ((n = json_utf8_len(s + i, len - i)) == 0) {
			/* Not UTF-8: say so with the replacement character. */
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		/* U+2028/2029 are valid JSON but end lines in JavaScript. */
		if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			fprintf(f, "\\u%s", s[i + 2] == 0xa8 ? "2028" : "2029");
			i += 3;
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
			fputc(',', j->f);
		j->has_items[j->depth - 1] = true;
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
	if (j->has_items[j->depth]) {
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
json_useconds(struct json *j, const char *key, uint64_t ns)
{
	if (json_prefix(j, key))
		fprintf(j->f, "%" PRIu64 ".%09" PRIu64, ns / NSEC_PER_SEC_J,
		    ns % NSEC_PER_SEC_J);
}

void
json_seconds(struct json *j, const char *key, int64_t ns)
{
	/* Magnitude in unsigned arithmetic: -INT64_MIN does not overflow. */
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	if (json_prefix(j, key))
		fprintf(j->f, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "",
		    mag / NSEC_PER_SEC_J, mag % NSEC_PER_SEC_J);
}

int
json_finish(struct json *j)
{
	if (j->depth != 0)
		j->error = true;
	fputc('\n', j->f);
	return j->error ? -1 : 0;
}
