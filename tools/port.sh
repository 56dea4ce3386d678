# tools/port.sh - a loopback port for a test run, that no other run takes
# (source it; bash).  Used by tests/lib.sh and tools/demo; bench/run does the
# same in Python.
#
#   pick_port VAR	sets VAR to a port, or says why not and returns 1
#
# The port is below the ephemeral range (no outgoing connection is given
# it), unused over TCP and UDP when chosen, and reserved until this shell and
# every process it started that still holds the lock are gone: an flock on
# $SYNEXEC_PORT_LOCKS/PORT (default /tmp/synexec-test-ports, one directory
# for every checkout on the host), taken on a descriptor the shell keeps
# open.  Two runs, from one checkout or two, cannot both hold a port; a run
# that was killed leaves no lock behind (the kernel drops it with the last
# holder), and a process it left bound to its port keeps that port out of
# the next run's choice both ways (lock and ss).  Without flock(1), ports
# are only checked, not reserved.

SYNEXEC_PORT_LOCKS=${SYNEXEC_PORT_LOCKS:-/tmp/synexec-test-ports}

# True if nothing uses port $1 over TCP or UDP on this host.
port_free() {
	if command -v ss >/dev/null 2>&1; then
		[ -z "$(ss -Htuan "( sport = :$1 )" 2>/dev/null)" ]
	else
		"${PYTHON:-python3}" - "$1" <<-'EOF'
		import socket, sys
		p = int(sys.argv[1])
		for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
		    s = socket.socket(socket.AF_INET, t)
		    try:
		        s.bind(('', p))
		    except OSError:
		        sys.exit(1)
		    finally:
		        s.close()
		EOF
	fi
}

# port_lock PORT: hold PORT's lock on a new descriptor of this shell
# ($PORT_LOCK_FD); false if another run holds it (or the lock file cannot be
# opened).  True at once where there is no flock(1) or no lock directory.
port_lock() {
	local f=$SYNEXEC_PORT_LOCKS/$1
	PORT_LOCK_FD=
	command -v flock >/dev/null 2>&1 && [ -d "$SYNEXEC_PORT_LOCKS" ] ||
	    return 0
	# Another user's lock file can still be opened for reading.
	{ exec {PORT_LOCK_FD}>>"$f"; } 2>/dev/null ||
	    { exec {PORT_LOCK_FD}<"$f"; } 2>/dev/null || return 1
	flock -n "$PORT_LOCK_FD" && return 0
	port_unlock
	return 1
}

port_unlock() {
	[ -n "${PORT_LOCK_FD:-}" ] && exec {PORT_LOCK_FD}>&-
	PORT_LOCK_FD=
}

pick_port() {
	local i p
	if [ ! -d "$SYNEXEC_PORT_LOCKS" ]; then
		mkdir -p "$SYNEXEC_PORT_LOCKS" 2>/dev/null &&
		    chmod 1777 "$SYNEXEC_PORT_LOCKS" 2>/dev/null
	fi
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 12000))
		port_lock "$p" || continue
		# Locked: no run of ours uses it; does anything else?
		if port_free "$p"; then
			printf -v "$1" %s "$p"
			return 0
		fi
		port_unlock
	done
	echo "no free port found in 200 tries (locks in $SYNEXEC_PORT_LOCKS)" >&2
	return 1
}
