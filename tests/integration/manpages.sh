#!/bin/bash
# manpages: the manual pages render without a warning, and say what the
# programs do: they are held to each program's option table, which the
# binaries print with the undocumented --dump-options
# (common/opt_cmdline.c).
#   - groff -ww -man (and mandoc -T lint when installed): no warning at all;
#   - every option of the table of synexec_master / synexec_slave (but the
#     hidden dump itself) has an entry in OPTIONS of synexec_master(1) /
#     synexec_slave(8), and is in the SYNOPSIS; every option an entry names
#     is in the table; an entry's "Key:" is the key of its row, and a row
#     with a key says so;
#   - "-h" lists exactly the table's options;
#   - every key of a table has an entry in synexec.conf(5), under the
#     section it belongs to (master, slave, or both), and is in that section
#     of conf.examples/synexec.conf, which has no other key; an entry's
#     "Option" is the option of that key in each program that has it;
#   - README's Usage shows each program's options, and no other;
#   - the settings synexec_slave(8) says SIGHUP cannot change are the rows
#     of its table marked "restart";
#   - the exit codes of "synexec_master -h" are those of EXIT STATUS;
#   - every SYNEXEC_* variable the slave gives its task is in ENVIRONMENT;
#   - synexec_plot(1) documents the options of synexec_plot --help.
# Things documented before they are built are listed in PENDING below, and
# shown; one that turns out built fails the test, so the list cannot rot.
. "$(dirname "$0")/../lib.sh"
require_bins
command -v groff >/dev/null || skip "no groff (apt-get install groff-base)"

top=$SYNEXEC_TOP
pages=("$top/man/synexec_master.1" "$top/man/synexec_slave.8"
    "$top/man/synexec.conf.5" "$top/man/synexec_plot.1")

for p in "${pages[@]}"; do
	name=$(basename "$p")
	[ -f "$p" ] || { fail "$name: missing"; continue; }
	out=$(LC_ALL=C.UTF-8 groff -ww -man -z "$p" 2>&1)
	if [ $? = 0 ] && [ -z "$out" ]; then
		pass "$name: groff -ww -man renders it without a warning"
	else
		fail "$name: groff -ww -man:"
		echo "$out" | sed 's/^/    /'
	fi
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint "$p" 2>&1)
		if [ -z "$out" ]; then
			pass "$name: mandoc -T lint says nothing"
		else
			fail "$name: mandoc -T lint:"
			echo "$out" | sed 's/^/    /'
		fi
	fi
done
command -v mandoc >/dev/null ||
    echo "note: mandoc is not installed: pages checked with groff only"

"$MASTER_BIN" -h >"$TMP/master-h.txt" 2>&1
"$top/tools/synexec_plot" --help >"$TMP/plot-h.txt" 2>&1 ||
    fail "synexec_plot --help: exit $?"
"$SLAVE_BIN" -h >"$TMP/slave-h.txt" 2>&1
for prog in master slave; do
	bin=$MASTER_BIN
	[ $prog = slave ] && bin=$SLAVE_BIN
	"$bin" --dump-options >"$TMP/$prog-table.txt" 2>&1 ||
	    fail "$prog --dump-options: exit $?"
done

# Documented ahead of the code (issue named).  Format: WHAT:ITEM
PENDING=${SYNEXEC_MAN_PENDING-""}

"$PYTHON" - "$top" "$TMP" "$PENDING" \
    >"$TMP/check.txt" 2>&1 <<'EOF'
import glob, os, re, sys

top, tmp, pending = sys.argv[1:4]
pending = set(pending.split())
used_pending = set()
bad = []


def ok(msg):
    print('ok: ' + msg)


def problem(msg):
    bad.append(msg)
    print('FAIL: ' + msg)


def is_pending(what, item):
    key = '%s:%s' % (what, item)
    if key in pending:
        used_pending.add(key)
        return True
    return False


def plain(line):
    """Man source to plain text: \\- to -, no font changes, no quotes."""
    line = line.replace('\\-', '-').replace('\\(em', '--')
    line = line.replace('\\(dq', '"').replace('\\e', '\\')
    line = re.sub(r'\\f[BIRP]', '', line)
    line = re.sub(r'\\[&|^]', '', line)
    return line


def sections(path):
    """{SECTION: [(tag_line_plain, [body lines plain])]} and raw text."""
    secs, cur, items = {}, None, None
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith('.\\"'):
            i += 1
            continue
        if ln.startswith('.SH '):
            cur = plain(ln[4:]).strip().strip('"')
            secs.setdefault(cur, {'items': [], 'text': []})
        elif ln.startswith('.TP') and cur is not None and i + 1 < len(lines):
            secs[cur]['items'].append([plain(lines[i + 1]), []])
            i += 2
            continue
        elif cur is not None:
            if ln.startswith(('.SS', '.PP', '.IP', '.RS', '.RE')) and \
                    secs[cur]['items']:
                # Ends the body of the last item.
                secs[cur]['items'].append([None, []])
            elif secs[cur]['items'] and secs[cur]['items'][-1][0] is not None:
                secs[cur]['items'][-1][1].append(plain(ln))
            secs[cur]['text'].append(plain(ln))
        i += 1
    for s in secs.values():
        s['items'] = [(t, b) for t, b in s['items'] if t is not None]
    return secs


OPT_RE = re.compile(r'(?<![\w-])(--?[A-Za-z0-9][\w-]*)')


def tag_options(tag):
    """Options named in an entry's tag: '-p, --port port' -> {-p, --port}."""
    words = re.sub(r'^\.[A-Z]+\s*', '', tag)
    return {o for o in OPT_RE.findall(words) if not o[1:].isdigit() or
            len(o) == 2}


def help_options(path):
    """Options of the option list of -h (lines that start with a dash)."""
    opts = set()
    for ln in open(path, encoding='utf-8'):
        m = re.match(r'^\s+(-\w)(?:,\s+(--[\w-]+))?', ln)
        if m:
            opts.add(m.group(1))
            if m.group(2):
                opts.add(m.group(2))
            continue
        m = re.match(r'^\s+(--[\w-]+)', ln)
        if m:
            opts.add(m.group(1))
    return opts


def body_keys(body):
    """'Key: name' (two lines: 'Key:' then '.BR name .')."""
    keys = []
    for j, ln in enumerate(body):
        if ln.strip() == 'Key:' and j + 1 < len(body):
            keys += re.findall(r'^\.BR?\s+(\w+)', body[j + 1])
    return keys


def body_options(body):
    """'Option' followed by '.BR -x .' or '.B --allow'."""
    opts = []
    for j, ln in enumerate(body):
        if ln.strip() == 'Option' and j + 1 < len(body):
            opts += OPT_RE.findall(re.sub(r'^\.[A-Z]+\s*', '', body[j + 1]))[:1]
    return opts


def table(prog):
    """The program's option table: [{name, letter, key, kind, flags}]."""
    rows = []
    for ln in open(os.path.join(tmp, prog + '-table.txt'), encoding='utf-8'):
        f = ln.rstrip('\n').split('\t')
        if len(f) != 7:
            problem('%s --dump-options: bad line %r' % (prog, ln))
            continue
        r = {'name': f[0], 'letter': None if f[1] == '-' else f[1],
             'key': None if f[2] == '-' else f[2], 'kind': f[3],
             'flags': set(f[4].split(','))}
        r['opts'] = {'--' + r['name']} | ({'-' + r['letter']}
                                         if r['letter'] else set())
        rows.append(r)
    return [r for r in rows if 'hidden' not in r['flags']]


tables = {prog: table(prog) for prog in ('master', 'slave')}
prog_keys = {prog: {r['key']: r for r in rows if r['key']}
             for prog, rows in tables.items()}
prog_opts = {prog: set().union(*(r['opts'] for r in rows))
             for prog, rows in tables.items()}
for prog, rows in tables.items():
    if len(rows) < 10:
        problem('%s --dump-options: only %d options' % (prog, len(rows)))

# ---- keys: the tables and the example file
every_key = set(prog_keys['master']) | set(prog_keys['slave'])
home = {}
for k in every_key:
    if k in prog_keys['master'] and k in prog_keys['slave']:
        home[k] = 'KEYS OF BOTH SECTIONS'
    elif k in prog_keys['master']:
        home[k] = 'MASTER SECTION'
    else:
        home[k] = 'SLAVE SECTION'
ex_keys = {'master': set(), 'slave': set()}
sec = None
for ln in open(os.path.join(top, 'conf.examples/synexec.conf'),
               encoding='utf-8'):
    m = re.match(r'^(master|slave)\s*\{', ln)
    if m:
        sec = m.group(1)
        continue
    if ln.startswith('}'):
        sec = None
        continue
    m = re.match(r'^\s+#?(\w+)\s*=', ln)
    if sec and m:
        ex_keys[sec].add(m.group(1))
for prog in ('master', 'slave'):
    for k in sorted(set(prog_keys[prog]) - ex_keys[prog]):
        problem('key %s of the %s table is not in section %s of '
                'conf.examples/synexec.conf' % (k, prog, prog))
    for k in sorted(ex_keys[prog] - set(prog_keys[prog])):
        problem('key %s of section %s of conf.examples/synexec.conf is not '
                'in the %s table' % (k, prog, prog))
    if ex_keys[prog] == set(prog_keys[prog]):
        ok('the %d keys of the %s table are in conf.examples/synexec.conf'
           % (len(ex_keys[prog]), prog))

# ---- programs
progs = {
    'master': ('synexec_master.1', os.path.join(tmp, 'master-h.txt')),
    'slave': ('synexec_slave.8', os.path.join(tmp, 'slave-h.txt')),
}
for prog, (page, helpfile) in progs.items():
    secs = sections(os.path.join(top, 'man', page))
    topts = prog_opts[prog]
    hopts = help_options(helpfile)
    if hopts == topts:
        ok('%s -h lists the %d options of its table' % (prog, len(topts)))
    else:
        problem('%s -h lists %s, its table has %s' % (
            prog, sorted(hopts - topts), sorted(topts - hopts)))
    items = secs.get('OPTIONS', {'items': []})['items']
    documented = set()
    for tag, body in items:
        named = tag_options(tag)
        documented |= named
        rows = [r for r in tables[prog] if r['opts'] & named]
        keys = body_keys(body)
        for r in rows:
            if r['key'] and r['key'] not in keys:
                problem('%s: entry %s does not say "Key: %s"'
                        % (page, tag.strip(), r['key']))
        for k in keys:
            if k not in [r['key'] for r in rows]:
                problem('%s: entry %s says "Key: %s", not the key of its '
                        'option in the %s table' % (page, tag.strip(), k,
                                                    prog))
    synopsis = ' '.join(secs.get('SYNOPSIS', {'text': []})['text'])
    synopsis = re.sub(r'\.[A-Z]+\s', ' ', synopsis).replace('"', '')
    bundles = ''.join(re.findall(r'\[\s*-([A-Za-z0-9]+)\s*\]', synopsis))
    for o in sorted(topts):
        if o in documented:
            ok('%s: the %s table has %s, OPTIONS has it' % (page, prog, o))
        else:
            problem('%s: the %s table has %s, OPTIONS has no entry for it'
                    % (page, prog, o))
    for o in sorted(documented):
        if o not in topts and not is_pending(prog + '-option', o):
            problem('%s: OPTIONS documents %s, which the %s table does not '
                    'have' % (page, o, prog))
        if o.startswith('--'):
            # The long form of a lettered option need not be in SYNOPSIS.
            twin = [t for t, _ in items if o in tag_options(t)]
            has_short = twin and any(len(x) == 2 for x in
                                     tag_options(twin[0]))
            if not has_short and not re.search(
                    r'(?<![\w-])' + re.escape(o) + r'(?![\w-])', synopsis):
                problem('%s: %s is not in SYNOPSIS' % (page, o))
        elif o[1] not in bundles and not re.search(
                r'(?<![\w-])' + re.escape(o) + r'(?![\w-])', synopsis):
            problem('%s: %s is not in SYNOPSIS' % (page, o))
    if prog == 'master':
        codes = set()
        on = False
        for ln in open(helpfile, encoding='utf-8'):
            if ln.startswith('exit:'):
                on = True
            if on:
                codes |= set(re.findall(r'(?:^\s*|[:,]\s*)(\d+)\s+[a-z]', ln))
        man_codes = {re.sub(r'^\.B\s+', '', t).strip() for t, _ in
                     secs.get('EXIT STATUS', {'items': []})['items']}
        if codes and codes == man_codes:
            ok('%s: exit codes %s as in -h' % (page, ' '.join(sorted(codes))))
        else:
            problem('%s: EXIT STATUS has %s, -h says %s'
                    % (page, sorted(man_codes), sorted(codes)))
    if prog == 'slave':
        # SIGHUP: the keys it says take a restart are the table's.
        hup = [b for t, b in secs.get('SIGNALS', {'items': []})['items']
               if 'SIGHUP' in t]
        said = {m.group(1) for b in hup for ln in b
                for m in [re.match(r'^\.BR?\s+(\w+)', ln)] if m}
        restart = {r['key'] for r in tables[prog]
                   if 'restart' in r['flags']}
        if hup and said == restart:
            ok('%s: SIGHUP takes a restart for %s, as the table says'
               % (page, ' '.join(sorted(said))))
        else:
            problem('%s: SIGHUP says %s take a restart, the table %s'
                    % (page, sorted(said), sorted(restart)))
        src = ''.join(open(f, encoding='utf-8').read()
                      for f in glob.glob(os.path.join(top, 'slave/*.c')))
        given = set(re.findall(r'"(SYNEXEC_[A-Z_]+)', src))
        env = {re.sub(r'^\.B\s+', '', t).strip() for t, _ in
               secs.get('ENVIRONMENT', {'items': []})['items']}
        for v in sorted(given):
            if v in env:
                ok('%s: ENVIRONMENT has %s' % (page, v))
            else:
                problem('%s: the slave gives tasks %s; ENVIRONMENT does not '
                        'say so' % (page, v))
        for v in sorted(env - given):
            if not is_pending('slave-env', v):
                problem('%s: ENVIRONMENT has %s, which slave/*.c never sets'
                        % (page, v))

# ---- synexec_plot(1): the options its --help lists, and no other
secs = sections(os.path.join(top, 'man', 'synexec_plot.1'))
documented = set()
for tag, _ in secs.get('OPTIONS', {'items': []})['items']:
    documented |= tag_options(tag)
hopts = help_options(os.path.join(tmp, 'plot-h.txt'))
if hopts and hopts == documented:
    ok('synexec_plot.1: OPTIONS has the %d options of synexec_plot --help'
       % len(hopts))
else:
    problem('synexec_plot.1: OPTIONS has %s, synexec_plot --help lists %s'
            % (sorted(documented), sorted(hopts)))

# ---- README's Usage: each program's options, and no other
readme = open(os.path.join(top, 'README'), encoding='utf-8').read()
m = re.search(r'\nUsage\n-+\n(.*?)\n\n\n', readme, re.S)
usage = {'master': set(), 'slave': set()}
prog = None
for ln in (m.group(1) if m else '').split('\n'):
    w = re.match(r'^    (synexec_master|synexec_slave) \[', ln)
    if w:
        prog = w.group(1).split('_')[1]
    elif prog and re.match(r'^    {1,5}-', ln):
        usage[prog] |= set(OPT_RE.findall(re.split(r'\s{2,}', ln.strip())[0]))
for prog in ('master', 'slave'):
    if not usage[prog]:
        problem('README: no Usage block for synexec_%s' % prog)
    for o in sorted(usage[prog] - prog_opts[prog]):
        problem('README: Usage shows %s for synexec_%s, which its table '
                'does not have' % (o, prog))
    missing = [r['name'] for r in tables[prog] if not r['opts'] & usage[prog]]
    if missing:
        problem('README: Usage lacks synexec_%s --%s'
                % (prog, ', --'.join(missing)))
    elif usage[prog]:
        ok('README: Usage shows the %d options of synexec_%s'
           % (len(tables[prog]), prog))

# ---- synexec.conf(5)
secs = sections(os.path.join(top, 'man', 'synexec.conf.5'))
seen = {}
for sname in ('KEYS OF BOTH SECTIONS', 'MASTER SECTION', 'SLAVE SECTION'):
    for tag, body in secs.get(sname, {'items': []})['items']:
        k = re.sub(r'^\.[A-Z]+\s+', '', tag).split()[0]
        seen[k] = sname
        if k in every_key and not body_options(body):
            problem('synexec.conf.5: key %s does not say "Option"' % k)
        for o in body_options(body):
            want = {'KEYS OF BOTH SECTIONS': ['master', 'slave'],
                    'MASTER SECTION': ['master'],
                    'SLAVE SECTION': ['slave']}[sname]
            for prog in want:
                r = prog_keys[prog].get(k)
                if r is None or o not in r['opts']:
                    problem('synexec.conf.5: key %s says "Option %s", which '
                            'is not its option in the %s table'
                            % (k, o, prog))
for k in sorted(every_key):
    if seen.get(k) == home[k]:
        ok('synexec.conf.5: %s under %s' % (k, home[k]))
    elif k in seen:
        problem('synexec.conf.5: %s is under %s, belongs under %s'
                % (k, seen[k], home[k]))
    else:
        problem('synexec.conf.5: key %s (%s) has no entry' % (k, home[k]))
for k in sorted(set(seen) - every_key):
    problem('synexec.conf.5: documents key %s, which does not exist' % k)

for p in sorted(pending - used_pending):
    problem('PENDING lists %s, but it is no longer pending (built, or the '
            'page dropped it): remove it from tests/integration/manpages.sh'
            % p)
for p in sorted(used_pending):
    print('note: documented ahead of the code: %s' % p)
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$TMP/check.txt"
if [ $rc = 0 ]; then
	pass "pages agree with the option tables, -h and conf.examples/synexec.conf"
else
	fail "pages disagree with the programs ($(grep -c '^FAIL' "$TMP/check.txt") problems above)"
fi

finish
