/*
 * conn.h - one framed TCP connection on a libev loop, used by both sides.
 *
 * TCP delivers bytes, not messages: conn reassembles frames across reads,
 * checks each with proto_decode() and hands whole frames to its owner.  Output
 * is queued in a bounded buffer and written as the socket allows.
 *
 * Errors (EOF, read/write error, malformed frame, full output queue) are
 * reported once through on_error, always from the loop, never from inside
 * conn_send(): the owner then calls conn_close() and may free the struct.
 */
#ifndef SYNEXEC_CONN_H
#define SYNEXEC_CONN_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "auth.h"
#include "buf.h"
#include "net.h"
#include "proto.h"

struct conn;
struct seal;		/* seal.h: a keyed connection's handshake and records */

/* What kind of failure a connection's error is (conn->fault). */
enum conn_fault {
	CONN_FAULT_OTHER = 0,	/* closed, I/O, a bad frame, a full queue */
	CONN_FAULT_KEY,		/* the key handshake failed or never came:
				 * another key, no key, or a 2014 peer */
};

/* Return 0 to go on reading, -1 if the owner closed the connection. */
typedef int	(*conn_frame_cb)(struct conn *, const struct proto_hdr *,
		    const uint8_t *payload);
/*
 * The connection failed; why says how ("connection closed by peer", ...),
 * for people; the connection's fault says what kind, for the owner.
 */
typedef void	(*conn_error_cb)(struct conn *, const char *why);
/* The output queue drained below half its limit: room to stream more. */
typedef void	(*conn_drain_cb)(struct conn *);
/*
 * A frame's header, judged before its payload is awaited: return 0 to take
 * the frame, -1 if the owner refused it and closed the connection.  It may
 * see one header more than once: it must do nothing but refuse.
 */
typedef int	(*conn_header_cb)(struct conn *, const struct proto_hdr *);

struct conn {
	struct ev_loop		*loop;
	int			 fd;
	ev_io			 rio;
	ev_io			 wio;
	struct buf		 in;
	struct buf		 out;
	uint32_t		 session;
	struct net_addr		 peer;
	char			 peer_str[NET_ADDRSTRLEN];
	void			*owner;
	conn_frame_cb		 on_frame;
	conn_error_cb		 on_error;
	conn_drain_cb		 on_drain;	/* may be NULL */
	conn_header_cb		 on_header;	/* conn_on_header(); may be NULL */
	bool			 failed;	/* an error is pending for on_error */
	char			 fail_why[256];
	enum conn_fault		 fault;		/* set with failed */
	/*
	 * With CONN_FAULT_KEY: the failure came from what a peer of ours
	 * sends when its key differs or it has none (a well-formed
	 * AUTH_HELLO of another key id; an AUTH_HELLO to a connection
	 * without a key; a hello-sized REPLY to one with a key), not from a
	 * stray frame, a forged proof or silence.  A master ends discovery
	 * on such a failure only (NOTES section 3).
	 */
	bool			 key_peer;
	uint64_t		 frames_in;
	/* The peer's extension version (hello, WELCOME); 0: not known. */
	uint16_t		 peer_ext_version;
	struct seal		*seal;		/* conn_set_key(); NULL: no key */
	ev_timer		 seal_timer;	/* the key handshake's deadline */
	/* For live.c: loop time of the last read, of the last write progress. */
	ev_tstamp		 last_rx;
	ev_tstamp		 last_tx;
	/*
	 * conn_rx_stamps(): the kernel's receive stamp (CLOCK_REALTIME, ns)
	 * of the last segment the last read took; 0 when there is none.
	 */
	bool			 rx_stamps;
	uint64_t		 rx_real_ns;
	bool			 corked;	/* conn_cork(): hold the writes */
};

/* fd must be a connected, non-blocking socket; conn takes it over. */
void	conn_init(struct conn *, struct ev_loop *, int fd,
	    const struct net_addr *peer, uint32_t session, size_t out_limit,
	    void *owner, conn_frame_cb, conn_error_cb, conn_drain_cb);
/* Stop watchers, close the socket, free the buffers.  Safe to call twice. */
void	conn_close(struct conn *);
/*
 * Queue one frame and try to write at once.  Returns 0, or -1 if the frame
 * does not fit the output limit (the error is then reported via on_error).
 */
int	conn_send(struct conn *, uint8_t command, const void *payload,
	    size_t len);
/*
 * Frames sent back to back between conn_cork(c, true) and conn_cork(c, false)
 * leave in one write: one TCP segment, one wake-up of the peer, instead of
 * one each.  On a host shared by many slaves that is CPU the tasks get.
 */
void	conn_cork(struct conn *, bool on);
/* Bytes waiting to be written. */
static inline size_t conn_pending(const struct conn *c) { return buf_len(&c->out); }
/*
 * Ask the kernel to stamp each segment on arrival (SO_TIMESTAMPNS) and keep
 * the stamp of each read in rx_real_ns, or stop.  The clock sync uses it: a
 * reply's arrival, not the moment a busy loop got round to it.
 */
void	conn_rx_stamps(struct conn *, bool on);
/*
 * Have the owner judge each header of the frames it would see (not the
 * handshake's) before the payload is awaited: a peer not yet trusted can
 * then make us hold no frame we would refuse (NOTES section 10).
 */
void	conn_on_header(struct conn *, conn_header_cb);
/* Stop / resume reading (flow control while a disk write catches up, ...). */
void	conn_pause_read(struct conn *, bool paused);
/*
 * Keyed session (NOTES section 10), right after conn_init: sends AUTH_HELLO
 * now; frames conn_send()s are held until both sides have proved the key,
 * then every frame travels sealed, both ways.  on_frame sees only frames
 * that came sealed and authenticated.  Until then only AUTH_HELLO,
 * AUTH_PROOF and ERROR are taken, each refused by its header if it is
 * anything else, before its payload comes.  A failed or late handshake
 * ("key mismatch: ...") comes through on_error.  A connection without a key
 * refuses a peer that starts a handshake, in the same way.
 */
void	conn_set_key(struct conn *, const struct auth_key *, enum auth_role);
/* The peer proved the key (always false without one). */
bool	conn_authenticated(const struct conn *);

#endif
