/*
 * check.c - what a start would find wrong on this host, found without
 * starting: -n does only this, a start does it first.  Every fault is said,
 * one line each naming the option (or the file's key and line) and the
 * path, not only the first.
 *
 * The places the master writes are checked as the start will use them:
 * the results file (-r) is written beside and renamed, so its directory
 * must be writable; -O's directory may be made, in a writable parent; the
 * log and the pidfile are opened where they are.  Nothing is made or
 * opened here.  The session file and the key are checked by main.c, with
 * sessfile_open() and auth_key_load() as a start does.
 */
#include <stdio.h>

#include "master.h"
#include "place.h"

/* A place of row key (value NULL: not given), checked as kind. */
static int
check_place(const struct opt_origin *org, const char *key, const char *value,
    enum place_kind kind)
{
	char err[512];

	if (value == NULL || place_check(value, kind, err, sizeof(err)) == 0)
		return 0;
	opt_complain(opt_master, opt_by_key(opt_master, key), org, value,
	    "%s", err);
	return 1;
}

int
check_local(const struct master_opts *o, const struct opt_origin *org)
{
	struct net_iface ifc;
	char		err[512];
	int		bad = 0;

	/* What discovery_open() will ask of it: there, with an address. */
	if (o->c.interface != NULL && net_iface_lookup(o->c.interface, &ifc,
	    err, sizeof(err)) == -1) {
		opt_complain(opt_master, opt_by_key(opt_master, "interface"),
		    org, NULL, "%s", err);
		bad++;
	}
	bad += check_place(org, "results", o->results_file, PLACE_FILE_BESIDE);
	bad += check_place(org, "csv", o->csv_file, PLACE_FILE_BESIDE);
	/* --plot: written beside and renamed, as -r; its name says its format. */
	if (o->plot_file != NULL && plot_name_ok(o->plot_file, err,
	    sizeof(err)) == -1) {
		opt_complain(opt_master, opt_by_key(opt_master, "plot"), org,
		    o->plot_file, "%s", err);
		bad++;
	} else
		bad += check_place(org, "plot", o->plot_file,
		    PLACE_FILE_BESIDE);
	bad += check_place(org, "output_dir", o->output_dir, PLACE_DIR_OR_NEW);
	bad += check_place(org, "log", o->c.log_file, PLACE_FILE);
	bad += check_place(org, "pidfile", o->c.pidfile, PLACE_FILE);
	return bad;
}
