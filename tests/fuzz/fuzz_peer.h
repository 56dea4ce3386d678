/*
 * fuzz_peer.h - the other end of a fuzzed connection.
 *
 * The frame-handling harnesses (fuzz_master_conn.c, fuzz_slave_conn.c) run
 * the real master or slave code on a real libev loop, connected over
 * loopback TCP to a fake peer written here.  The peer sends what the fuzzer
 * chose, reads what the program answers (to echo a PING's time, or to know
 * the session ended), and with a key does the handshake for real and seals
 * the fuzzer's bytes, so that fuzzing reaches the frame handlers behind the
 * sealing too.
 *
 * Input format shared by both harnesses: one byte of flags, then records
 *	u8 ctl, u16 len (little-endian), len bytes (cut at the input's end)
 * ctl's low bits pick a connection, FUZZ_CTL_* bits say what to do around it.
 */
#ifndef SYNEXEC_FUZZ_PEER_H
#define SYNEXEC_FUZZ_PEER_H

#include <netinet/in.h>

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"

#define FUZZ_CTL_ECHO	0x80	/* patch a PONG's t1 with the last PING's */
#define FUZZ_CTL_CLOSE	0x40	/* close this connection after the bytes */
#define FUZZ_CTL_WAIT	0x20	/* let a few milliseconds pass (timers) */
#define FUZZ_WAIT_MS	4	/* what one FUZZ_CTL_WAIT lets pass, at most */
#define FUZZ_MAX_WAITS	250	/* per input: later FUZZ_CTL_WAITs are ignored */

/*
 * The harness's own trouble (its sockets, files, descriptors), not a
 * finding: fuzz_trouble() prints "NAME: SKIP: harness trouble ..." with the
 * errno text and ends the process with this code, without libFuzzer's
 * crash report or a saved input (tests/integration/fuzz.sh shows the line).
 */
#define FUZZ_TROUBLE_EXIT	77

struct fuzz_peer {
	int			 fd;
	bool			 keyed;
	bool			 raw;		/* keyed, but send bytes unsealed */
	enum auth_role		 role;		/* ours: the fake peer's */
	struct auth_session	 as;
	bool			 hello_sent;
	bool			 proof_sent;
	struct buf		 rx;		/* partial outer frame */
	struct buf		 inner;		/* opened, partial inner frame */
	uint64_t		 last_ping;	/* t1 of the last PING seen */
	bool			 got_ping;
	bool			 closed;	/* by us or by the program */
	bool			 stuck;		/* a send found no room: no more */
	unsigned		 frames;	/* frames received */
};

/* The fixed key of the harnesses (both sides of a keyed run use it). */
extern struct auth_key	fuzz_key;
void	fuzz_peer_global_init(const char *name);

void	fuzz_trouble(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * A non-blocking TCP connection to sin, retried while the machine is short
 * of something (bounded); -1 with errno when it could not be made.
 */
int	fuzz_connect(const struct sockaddr_in *sin);
/* Close a TCP socket with a reset: no FIN, so no TIME_WAIT on either side. */
void	fuzz_close_reset(int fd);
/* Accepted connections waiting on lfd, reset: none is left for the next. */
void	fuzz_drain(int lfd);
/* How many descriptors the process has open (a leak check per input). */
int	fuzz_fd_count(void);
/* CLOCK_MONOTONIC in milliseconds (the harnesses' deadlines). */
uint64_t fuzz_now_ms(void);

/* Run the program's loop until nothing is pending (bounded). */
typedef void (*fuzz_pump_fn)(void);

void	fuzz_peer_init(struct fuzz_peer *, int fd, bool keyed, bool raw,
	    enum auth_role, uint32_t session);
/* The peer hangs up (a FIN), leaving no TIME_WAIT on either side. */
void	fuzz_peer_close(struct fuzz_peer *);
void	fuzz_peer_reset(struct fuzz_peer *);	/* close with RST */
/* Read and digest whatever the program sent (handshake answers too). */
void	fuzz_peer_read(struct fuzz_peer *);
/* Keyed: drive the handshake to its end (bounded); false if it failed. */
bool	fuzz_peer_handshake(struct fuzz_peer *, fuzz_pump_fn);
/* Send len bytes (sealed when keyed and not raw), pumping as needed. */
void	fuzz_peer_send(struct fuzz_peer *, const uint8_t *, size_t,
	    fuzz_pump_fn);
/* PONG's echo: overwrite bytes 11..18 with the last PING's t1. */
void	fuzz_peer_echo(struct fuzz_peer *, uint8_t *, size_t);

/* Parse the harness input's records; returns the next offset, 0 at end. */
size_t	fuzz_record(const uint8_t *data, size_t size, size_t off,
	    uint8_t *ctl, const uint8_t **bytes, size_t *len);

/* Run loop once with a guard timer: at most ms milliseconds. */
void	fuzz_loop_wait(struct ev_loop *, double ms);

#endif
