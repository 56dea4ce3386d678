/*
 * replay.c - run a libFuzzer target over files, without libFuzzer.
 *
 *	replay_NAME [DIR|FILE]...
 *
 * Built with the ordinary compiler (and sanitizers under SAN=1), so that
 * `make check` replays every seed and every regression input of each
 * target even where clang is missing.  Without arguments it replays
 * tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME.  Exit 0 when every
 * input ran to its end (a crash is the test's failure), 77 (a skip, with
 * its reason) when the harness itself could not run: fuzz_trouble() in
 * fuzz_peer.h.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the target
#endif
#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int	replay_count;

static int
replay_file(const char *path)
{
	FILE	*f;
	uint8_t	*data;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		perror(path);
		fclose(f);
		return -1;
	}
	/* At least one byte, so that an empty input is a valid pointer. */
	if ((data = malloc((size_t)len + 1)) == NULL ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	replay_count++;
	return 0;
}

static int
replay_path(const char *path, int must_exist)
{
	struct stat	  st;
	struct dirent	**ents;
	char		  sub[4096];
	int		  n, i, rc = 0;

	if (stat(path, &st) == -1) {
		if (!must_exist)
			return 0;
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	/* Sorted, so that a failure names the same input every time. */
	if ((n = scandir(path, &ents, NULL, alphasort)) == -1) {
		perror(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    ents[i]->d_name);
			if (replay_file(sub) == -1)
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i], 1) == -1)
				rc = 1;
	} else {
		if (replay_path(FUZZ_TOP "/tests/fuzz/corpus/" FUZZ_NAME, 1) ==
		    -1 || replay_path(FUZZ_TOP "/tests/fuzz/regress/" FUZZ_NAME,
		    0) == -1)
			rc = 1;
	}
	fprintf(stderr, "replay_%s: %d inputs replayed%s\n", FUZZ_NAME,
	    replay_count, rc ? ", some could not be read" : "");
	return rc;
}
