/*
 * pattern.h - slaves chosen by name, as pdsh and clush choose hosts, and
 * the one natural order of names.
 *
 * A list is comma-separated patterns (commas inside brackets belong to the
 * bracket).  A pattern is a shell glob: '*' any run of characters, '?' one
 * character, '[abc]', '[a-z]', '[!a-z]' (or '[^...]') one character of a
 * class; and a bracket that holds only digits, '-' and ',' is a numeric
 * range as pdsh writes it: "[1-4,7]" is 1, 2, 3, 4 and 7, "[01-16]" is 01
 * to 16, zero-padded to the width of its first bound when that starts with
 * a 0; digits alone are one number, as in pdsh ("vm[12]" is vm12: a class
 * of digits is "[1,2]" or "[1-2]").  A range matches exactly the numbers it
 * would be written out as:
 * "vm[01-16]" matches vm07 and vm16, not vm7 or vm17; "vm[1-16]" matches
 * vm7, not vm07.  Outside brackets a pattern holds the characters of a
 * slave's name (PROTO_NAME_CHARS), '*' and '?'.
 *
 * A list without '*', '?' or a glob class names its slaves one by one: it
 * can be expanded to every name it matches (pattern_expand), in the order
 * written.
 *
 * Pure code: no I/O; unit-tested (tests/unit/test_pattern.c).
 */
#ifndef SYNEXEC_PATTERN_H
#define SYNEXEC_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#define PATTERN_LEN_MAX		1024	/* one pattern, bytes */
#define PATTERN_LIST_MAX	4096	/* patterns in a list */
#define PATTERN_NUM_DIGITS	9	/* a bound of a range: 0..999999999 */

struct pattern;

struct pattern_list {
	struct pattern	**pat;
	size_t		  n;
	bool		  wild;		/* some pattern has '*', '?' or a class */
};

/*
 * Parse text into list (empty on entry, or freed).  0, or -1 with the
 * fault in err, naming the pattern ("pattern 'vm[1-': '[' without ']'").
 */
int	pattern_list_parse(struct pattern_list *, const char *text, char *err,
	    size_t errlen);
void	pattern_list_free(struct pattern_list *);
/* Does name match one of the list's patterns?  An empty list: no. */
bool	pattern_list_match(const struct pattern_list *, const char *name);
/*
 * Every name the list (which must have no wildcards) stands for, each once,
 * in the order written; less those exclude (may be NULL) matches.  At most
 * max: more is an error.  0 and a malloc'ed array of malloc'ed names, or -1
 * with err.
 */
int	pattern_expand(const struct pattern_list *,
	    const struct pattern_list *exclude, size_t max, char ***names,
	    size_t *n, char *err, size_t errlen);
void	pattern_names_free(char **names, size_t n);

/*
 * The natural order of names: runs of digits compare as numbers, the rest
 * byte by byte, so vm2 comes before vm10 and rack2-vm10 before rack10-vm2.
 * Equal numbers with other zero padding (vm1, vm01) come fewer zeros
 * first; a total order: 0 only for the same string.
 */
int	natural_cmp(const char *a, const char *b);

#endif
