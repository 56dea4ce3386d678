/*
 * text.c - the inert form of untrusted text (text.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

size_t
text_utf8_len(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint32_t	c;
	size_t		n, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;	/* a continuation byte, C0/C1, or F5..FF */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

bool
text_cp_printable(uint32_t cp)
{
	/* C1: CSI (U+009B) and its kin act on terminals as ESC [ does. */
	if (cp < 0xa0)
		return false;
	/*
	 * Invisible characters that reorder, join or break what is shown:
	 * soft hyphen, Arabic letter mark, Mongolian vowel separator,
	 * zero-width and direction marks, line and paragraph separators,
	 * embeddings and overrides, invisible operators and isolates, the
	 * byte order mark, interlinear annotation, tags.
	 */
	if (cp == 0xad || cp == 0x61c || cp == 0x180e ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f))
		return false;
	/* Noncharacters. */
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return false;
	return true;
}

size_t
text_keep(const uint8_t *p, size_t len, unsigned flags)
{
	uint32_t	cp;
	size_t		n;

	if (len == 0)
		return 0;
	if (p[0] == '\\')
		return 0;
	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] == '\t' && (flags & TEXT_TAB))
		return 1;
	if (p[0] < 0x80 || !(flags & TEXT_UTF8))
		return 0;
	if ((n = text_utf8_len(p, len, &cp)) == 0 || !text_cp_printable(cp))
		return 0;
	return n;
}

/* The escape of byte c: "\\" or "\xNN", NUL-terminated; its length. */
static size_t
text_escape(uint8_t c, char esc[5])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		memcpy(esc, "\\\\", 3);
		return 2;
	}
	esc[0] = '\\';
	esc[1] = 'x';
	esc[2] = hex[c >> 4];
	esc[3] = hex[c & 0xf];
	esc[4] = '\0';
	return 4;
}

size_t
text_inert(char *out, size_t outlen, const void *v, size_t len,
    unsigned flags)
{
	const uint8_t	*p = v;
	const void	*src;
	size_t		 i = 0, o = 0, n, used;
	char		 esc[5];

	if (outlen == 0)
		return 0;
	while (i < len) {
		if ((n = text_keep(p + i, len - i, flags)) > 0) {
			src = p + i;
			used = n;
		} else {
			n = text_escape(p[i], esc);
			src = esc;
			used = 1;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, src, n);
		o += n;
		i += used;
	}
	out[o] = '\0';
	return o;
}

void
text_inert_put(FILE *f, const void *v, size_t len, unsigned flags)
{
	const uint8_t	*p = v;
	size_t		 i = 0, n;
	char		 esc[5];

	while (i < len) {
		/* Runs of bytes kept go out in one write. */
		for (n = 0; i + n < len;) {
			size_t k = text_keep(p + i + n, len - i - n, flags);

			if (k == 0)
				break;
			n += k;
		}
		if (n > 0) {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		text_escape(p[i], esc);
		fputs(esc, f);
		i++;
	}
}

/* "UTF-8", "utf8", "en_US.UTF-8@euro": the character set of a locale name. */
static bool
text_locale_utf8(const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot == NULL)
		return false;
	return strncasecmp(dot + 1, "utf-8", 5) == 0 ||
	    strncasecmp(dot + 1, "utf8", 4) == 0;
}

unsigned
text_terminal_flags(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if ((v = getenv(vars[i])) != NULL && v[0] != '\0')
			return text_locale_utf8(v) ? TEXT_UTF8 : 0;
	}
	return 0;
}
