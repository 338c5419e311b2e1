/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal agent (agent.c the agent, agent_client.c its clients): one process per instance home
 * holds the instance's key-encryption key (KEK, one scrypt derivation of the passphrase: core.h
 * es_instance_kek) so that later commands of the same user open their keys with no passphrase and
 * no derivation, as ssh-agent and gpg-agent do for their keys (docs/agent.md).
 *
 * Where: a unix stream socket HOME/agent.sock, mode 0600 in a home that must be the user's and
 * not writable by anyone else. Who: both ends check the other with SO_PEERCRED (unix(7)): the
 * agent answers only its own uid (root included: another uid is refused, closed with no answer
 * and logged), a client takes a key only from an agent of its own uid.
 *
 * Protocol (version 1), one request line and one answer line per connection, each at most
 * ES_AGENT_LINE_MAX bytes with its '\n', each read within ES_AGENT_IO_MS:
 *
 *   request  "eseal-agent/1 KEK" | "eseal-agent/1 STATUS" | "eseal-agent/1 STOP"
 *            | "eseal-agent/1 STAMP" with three descriptors (SCM_RIGHTS, unix(7)): the client's
 *              working directory, its root and its mount namespace (/proc/self/ns/mnt); after
 *              the answer "eseal-agent/1 OK READY", the client sends "eseal-agent/1 STAMP JSON"
 *   answer   "eseal-agent/1 OK KEK salt=HEX32 n=N r=R p=P key=HEX64"
 *            "eseal-agent/1 OK STATUS pid=PID timeout=SECONDS left=SECONDS"   (timeout 0: none)
 *            "eseal-agent/1 OK STOP"   (the agent then wipes the KEK, removes the socket and
 *                                       closes this connection last, as it exits)
 *            "eseal-agent/1 OK STAMP JSON"   (the stamp was attempted: JSON says how it went)
 *            "eseal-agent/1 ERR WORDS" (an unknown request or version; for STAMP: not attempted,
 *                                       "ERR busy" (another stamp is running), "ERR elsewhere"
 *                                       (another root or mount namespace), "ERR keys" (the KEK no
 *                                       longer opens the keys): the client stamps by itself)
 *
 * STAMP (agent_stamp.c, docs/agent.md "Stamps by the agent"): the agent stamps one document in its
 * own warm instance (store open, certificates parsed, keys decoded, its TSA pinned), in a thread of
 * its own, one stamp at a time, while it keeps answering KEK, STATUS and STOP. It resolves the
 * request's paths from the client's working directory (fchdir to the descriptor it was given) and
 * creates files under the client's umask; it refuses a client whose root or mount namespace is not
 * its own (the paths would name other files). A request line is at most ES_AGENT_REQUEST_MAX bytes
 * and arrives within ES_AGENT_IO_MS (read by the stamper thread; the first line, like every other
 * request, is at most ES_AGENT_LINE_MAX); the answer comes when the stamp is done. The two steps let
 * an agent that cannot stamp (an older one, a busy one) refuse before the request is sent, so a
 * client never mistakes a request dropped unread for a stamp that may have been made.
 *
 * A client of another protocol version gets "eseal-agent/1 ERR version" and the version it can
 * speak; a client that finds another version in an answer stops (ESEAL_EUNSUPPORTED).
 */
#ifndef ES_AGENT_H
#define ES_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/core.h"
#include "eseal/instance.h"
#include "eseal/platform.h"
#include "util/util.h"

#define ES_AGENT_PROTO "eseal-agent/1"
#define ES_AGENT_SOCKET "agent.sock"
/* The longest line either side sends is the KEK answer: "eseal-agent/1 OK KEK " (21 bytes),
 * "salt=" and 32 hex digits (37), " n=" and 20 digits (23), " r=" and " p=" with 10 digits each
 * (26), " key=" and 64 hex digits (69) and the '\n': 177 bytes with the largest numbers. 256
 * leaves room and bounds what a client can make the agent read. */
#define ES_AGENT_LINE_MAX 256
/* A request or an answer takes at most this long to arrive (a slow or stuck peer is dropped). */
#define ES_AGENT_IO_MS 2000
/* A STAMP request or answer line (the other lines are at most ES_AGENT_LINE_MAX). */
#define ES_AGENT_REQUEST_MAX 65536
/* The descriptors a STAMP request carries: working directory, root, mount namespace. */
#define ES_AGENT_STAMP_FDS 3
/* TSAs in one STAMP request (the CLI's --tsa may be repeated as often). */
#define ES_AGENT_STAMP_MAX_TSA 16
/* How long a client waits for a stamp's answer: the longest stamp (B-LTA through slow TSAs and
 * revocation servers) ends well before; a stuck agent does not hold the client forever. */
#define ES_AGENT_STAMP_MS (15 * 60 * 1000)
/* How often the agent looks at its stop flag and whether its socket is still in place. */
#define ES_AGENT_TICK_MS 1000
/* The largest idle timeout accepted (a year); 0 means none. */
#define ES_AGENT_MAX_TIMEOUT_S (366u * 24u * 3600u)

/* The address of HOME/agent.sock. The absolute path when it fits sun_path (108 bytes); else the
 * same file through the home's descriptor, "/proc/self/fd/N/agent.sock", which bind(2) and
 * connect(2) resolve like any path. dirfd stays open (O_DIRECTORY) for fstatat/unlinkat. */
typedef struct {
    struct sockaddr_un sa;
    socklen_t len;
    int dirfd;
} es_agent_addr;

ES_RESULT es_agent_addr_of(es_agent_addr *a, const char *home);
void es_agent_addr_close(es_agent_addr *a);

/* Reads one line ending in '\n' from fd within timeout_ms (the '\n' is replaced by NUL; *len
 * excludes it). ESEAL_ELIMIT for a line of cap bytes or more, ESEAL_EIO for a timeout or an end
 * before the '\n', ESEAL_EMALFORMED when more follows the '\n' in what arrived (one line per
 * connection: a second one is an error, not something to keep for later). */
ES_RESULT es_agent_read_line(int fd, char *buf, size_t cap, int timeout_ms, size_t *len);
/* The same for a request that may carry descriptors (SCM_RIGHTS): up to max_fds of them are put in
 * fds[] (close-on-exec) and counted in *nfds; more are closed by the kernel (MSG_CTRUNC: refused). */
ES_RESULT es_agent_read_request(int fd, char *buf, size_t cap, int timeout_ms, size_t *len, int *fds, size_t max_fds,
                                size_t *nfds);
/* Writes all of p[0..n) (MSG_NOSIGNAL: a peer gone is ESEAL_EIO, never SIGPIPE). */
ES_RESULT es_agent_write_all(int fd, const char *p, size_t n, int timeout_ms);
/* The words of a KEK answer after "eseal-agent/1 OK KEK " ("salt=HEX32 n=N r=R p=P key=HEX64", in
 * that order, nothing else) into out; `words` is edited in place. ESEAL_EMALFORMED otherwise. */
ES_RESULT es_agent_parse_kek(char *words, es_kek *out);
/* The words of a STATUS answer ("pid=PID timeout=S left=S"), the same way. */
ES_RESULT es_agent_parse_info(char *words, eseal_agent_info *out);
/* CLOCK_MONOTONIC in milliseconds: the deadlines of both ends. */
int64_t es_agent_mono_ms(void);
/* The uid and pid of the peer of a connected unix socket (SO_PEERCRED). */
ES_RESULT es_agent_peer(int fd, uid_t *uid, pid_t *pid);

/* ---- STAMP (agent_stamp.c) ---- */

/* A STAMP request as the agent read it: `root` owns the strings. */
typedef struct {
    void *root; /* json_t */
    const char *in_path, *out_path;
    unsigned int umask_bits;
    bool receipt;
    eseal_stamp_request q;
    const char *tsa[ES_AGENT_STAMP_MAX_TSA];
    eseal_principal who;
    char who_id[129];
} es_agent_stamp_req;

/* What the agent answered to a STAMP it attempted. `receipt` is kept across calls (the caller's). */
typedef struct {
    int code;            /* eseal_instance_stamp_pdf's */
    char message[1024];  /* its error, "" when stamped */
    eseal_stamp_result res;
    int receipt_code;    /* eseal_instance_stamp_receipt's, when a receipt was asked for */
    char receipt_message[1024];
    es_buf receipt;
} es_agent_stamp_answer;

/* The client's request (one line of JSON, no newline). */
ES_RESULT es_agent_stamp_request_json(es_buf *out, const char *in_path, const char *out_path,
                                      const eseal_stamp_request *q, bool receipt, unsigned int umask_bits);
/* The agent's reading of it: types, ranges and known fields checked; ESEAL_EMALFORMED otherwise. */
ES_RESULT es_agent_stamp_request_parse(es_agent_stamp_req *r, const char *json, size_t len);
void es_agent_stamp_req_free(es_agent_stamp_req *r);
/* Sets r->q.who: the agent's own user (as the CLI names it) with the request's address and device. */
void es_agent_stamp_principal(es_agent_stamp_req *r);
ES_RESULT es_agent_stamp_answer_json(es_buf *out, int code, const char *message, const eseal_stamp_result *res,
                                     int receipt_code, const char *receipt_message, es_span receipt);
ES_RESULT es_agent_stamp_answer_parse(es_agent_stamp_answer *a, const char *json, size_t len);

#endif
