/*
 * text.h - bytes from elsewhere made inert before a terminal or a log sees
 * them.
 *
 * A peer's text (a task's output, a progress line, a reason, a command) may
 * hold anything: terminal controls (ESC, the C1 byte CSI 0x9b or its UTF-8
 * form C2 9B), a carriage return that starts a fake log line, bytes that
 * are not UTF-8.  text_keep() alone decides what may go out as it is:
 *
 *   - printable ASCII (0x20..0x7e) but the backslash;
 *   - a tab, with TEXT_TAB (a --follow line on the terminal);
 *   - with TEXT_UTF8, a well-formed UTF-8 sequence of a printable character:
 *     not C1 (U+0080..U+009F), not a bidirectional, zero-width or
 *     line-separating format character, not a noncharacter.
 *
 * Everything else is written \xNN, byte by byte (two lowercase hex digits),
 * and a backslash as \\, so every backslash in the result is one of ours.
 * Logs take no TEXT_UTF8: a log line is printable ASCII whatever it quotes.
 * NOTES section 10 describes the form.
 */
#ifndef SYNEXEC_TEXT_H
#define SYNEXEC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TEXT_TAB	0x1	/* keep tabs */
#define TEXT_UTF8	0x2	/* keep printable UTF-8 */

/* Room for the escaped form of len bytes, NUL included: the worst case. */
#define TEXT_INERT_SIZE(len)	(4 * (size_t)(len) + 1)

/*
 * Length (1..4) of the well-formed UTF-8 sequence at p, its code point in
 * *cp; 0 if the bytes there are not one (RFC 3629: no overlong form, no
 * surrogate, nothing above U+10FFFF; a sequence cut short is not one).
 */
size_t	text_utf8_len(const uint8_t *p, size_t len, uint32_t *cp);
/* A code point from U+0080 up that shows as a character of its own. */
bool	text_cp_printable(uint32_t cp);
/* How many bytes at p go out as they are; 0: p[0] is escaped. */
size_t	text_keep(const uint8_t *p, size_t len, unsigned flags);
/*
 * The inert form of p[0..len) into out, NUL-terminated; returns its length.
 * An out too small ends the text at a whole character or escape.
 */
size_t	text_inert(char *out, size_t outlen, const void *p, size_t len,
	    unsigned flags);
/* The same, onto a stream. */
void	text_inert_put(FILE *, const void *p, size_t len, unsigned flags);
/*
 * TEXT_UTF8 if the user's locale says the terminal takes UTF-8 (the first
 * of LC_ALL, LC_CTYPE, LANG that is set names UTF-8), else 0: on a
 * terminal of another character set, bytes of UTF-8 may be C1 controls.
 */
unsigned text_terminal_flags(void);

#endif
