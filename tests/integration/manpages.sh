#!/bin/bash
# manpages: the manual pages render without a warning and say what the
# programs do.
#   - groff -ww -man (and mandoc -T lint when installed): no warning at all;
#   - every option that "synexec_master -h" / "synexec_slave -h" lists has an
#     entry in OPTIONS of synexec_master(1) / synexec_slave(8), and is in the
#     SYNOPSIS; every entry there is an option of the program;
#   - every key of common/conf.c and of conf.examples/synexec.conf has an
#     entry in synexec.conf(5), under the section it belongs to (master,
#     slave, or both); each entry's "Option" exists in the right programs,
#     and each option entry's "Key:" is a key of that program's section;
#   - the exit codes of "synexec_master -h" are those of EXIT STATUS;
#   - every SYNEXEC_* variable the slave gives its task is in ENVIRONMENT.
# Things documented before they are built are listed in PENDING below, and
# shown; one that turns out built fails the test, so the list cannot rot.
. "$(dirname "$0")/../lib.sh"
require_bins
command -v groff >/dev/null || skip "no groff (apt-get install groff-base)"

top=$SYNEXEC_TOP
pages=("$top/man/synexec_master.1" "$top/man/synexec_slave.8"
    "$top/man/synexec.conf.5")

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
"$SLAVE_BIN" -h >"$TMP/slave-h.txt" 2>&1

# Documented ahead of the code (issue named).  Format: WHAT:ITEM
PENDING=${SYNEXEC_MAN_PENDING-""}

"$PYTHON" - "$top" "$TMP/master-h.txt" "$TMP/slave-h.txt" "$PENDING" \
    >"$TMP/check.txt" 2>&1 <<'EOF'
import glob, os, re, sys

top, master_h, slave_h, pending = sys.argv[1:5]
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


# ---- keys: conf.c and the example file
conf_c = open(os.path.join(top, 'common/conf.c'), encoding='utf-8').read()
conf_keys = set(re.findall(
    r'CFG_(?:STR|BOOL|INT|FLOAT|STR_LIST|INT_LIST|BOOL_CB|STR_CB|INT_CB)'
    r'\(\s*"(\w+)"', conf_c))
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
every_key = ex_keys['master'] | ex_keys['slave']
for k in sorted(conf_keys - every_key):
    problem('key %s of common/conf.c is not in conf.examples/synexec.conf' % k)
for k in sorted(every_key - conf_keys):
    problem('key %s of conf.examples/synexec.conf is not in common/conf.c' % k)
if conf_keys and conf_keys <= every_key:
    ok('all %d keys of common/conf.c are in conf.examples/synexec.conf'
       % len(conf_keys))
home = {}
for k in every_key:
    if k in ex_keys['master'] and k in ex_keys['slave']:
        home[k] = 'KEYS OF BOTH SECTIONS'
    elif k in ex_keys['master']:
        home[k] = 'MASTER SECTION'
    else:
        home[k] = 'SLAVE SECTION'
prog_keys = {'master': ex_keys['master'], 'slave': ex_keys['slave']}

# ---- programs
progs = {
    'master': ('synexec_master.1', master_h),
    'slave': ('synexec_slave.8', slave_h),
}
prog_opts = {}
for prog, (page, helpfile) in progs.items():
    secs = sections(os.path.join(top, 'man', page))
    hopts = help_options(helpfile)
    prog_opts[prog] = set(hopts)
    if len(hopts) < 10:
        problem('%s -h: only %d options found: %s' % (prog, len(hopts),
                sorted(hopts)))
    items = secs.get('OPTIONS', {'items': []})['items']
    documented = set()
    for tag, body in items:
        documented |= tag_options(tag)
        for k in body_keys(body):
            if k not in prog_keys[prog]:
                problem('%s: entry %s says "Key: %s", not a key of the %s '
                        'section' % (page, tag.strip(), k, prog))
    synopsis = ' '.join(secs.get('SYNOPSIS', {'text': []})['text'])
    synopsis = re.sub(r'\.[A-Z]+\s', ' ', synopsis).replace('"', '')
    bundles = ''.join(re.findall(r'\[\s*-([A-Za-z0-9]+)\s*\]', synopsis))
    for o in sorted(hopts):
        if o in documented:
            ok('%s: %s -h lists %s, OPTIONS has it' % (page, prog, o))
        else:
            problem('%s: %s -h lists %s, OPTIONS has no entry for it'
                    % (page, prog, o))
    for o in sorted(documented):
        if o not in hopts and not is_pending(prog + '-option', o):
            problem('%s: OPTIONS documents %s, which %s -h does not list'
                    % (page, o, prog))
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

# ---- synexec.conf(5)
secs = sections(os.path.join(top, 'man', 'synexec.conf.5'))
seen = {}
for sname in ('KEYS OF BOTH SECTIONS', 'MASTER SECTION', 'SLAVE SECTION'):
    for tag, body in secs.get(sname, {'items': []})['items']:
        k = re.sub(r'^\.[A-Z]+\s+', '', tag).split()[0]
        seen[k] = sname
        for o in body_options(body):
            want = {'KEYS OF BOTH SECTIONS': ['master', 'slave'],
                    'MASTER SECTION': ['master'],
                    'SLAVE SECTION': ['slave']}[sname]
            for prog in want:
                if o not in prog_opts[prog]:
                    problem('synexec.conf.5: key %s says "Option %s", which '
                            '%s -h does not list' % (k, o, prog))
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
	pass "pages agree with -h, common/conf.c and conf.examples/synexec.conf"
else
	fail "pages disagree with the programs ($(grep -c '^FAIL' "$TMP/check.txt") problems above)"
fi

finish
