/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal agent in one process (issue #18): the agent served from a thread, its clients from the
 * test. A handle with no passphrase is unlocked by the agent's KEK with no key derivation (counted
 * by the crypto layer's test hook); the line protocol's bounds (another version, an unknown
 * request, a line too long, two lines, a silent client) leave the agent serving; a second agent on
 * the same home is refused; after eseal passwd the agent's KEK is refused (ESEAL_EPASS) and the
 * handle stays locked; stop removes the socket and ends the serving loop.
 * Nothing is timed: a silent client is dropped by the agent's own deadline, and the test only
 * waits for the next answer (with a generous bound of its own).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "crypto/crypto.h"
#include "server/agent.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-agent-XXXXXX";
static char ihome[600];
static const char pass1[] = "agent-passphrase-1";
static const char pass2[] = "agent-passphrase-2";

typedef struct {
    eseal_agent *ag;
    volatile sig_atomic_t stop;
    pthread_t thread;
    int rc;
} served;

static void *serve_thread(void *p)
{
    served *s = p;
    s->rc = eseal_agent_serve(s->ag, &s->stop, NULL, NULL);
    eseal_agent_close(s->ag); /* closes a STOP's connection last: eseal_agent_stop returns then */
    return NULL;
}

/* An agent for ihome, unlocked with `pass`, served from a thread. */
static void agent_start(served *s, const char *pass)
{
    memset(s, 0, sizeof(*s));
    eseal_instance *inst = test_instance_open(ihome, pass);
    assert_int_equal(eseal_agent_open(&s->ag, inst, 0), ESEAL_OK);
    eseal_instance_close(inst); /* the agent keeps the KEK alone */
    assert_int_equal(eseal_agent_prepare(s->ag), ESEAL_OK);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_thread, s), 0);
}

static void agent_join(served *s)
{
    assert_int_equal(pthread_join(s->thread, NULL), 0);
    assert_int_equal(s->rc, ESEAL_OK);
}

/* A key opened and used: a person certificate issued by the p256 issuing CA's key (a new key
 * written under the KEK too). */
static int issue(eseal_instance *inst)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.person = 1;
    q.name = "Li Si";
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record rec;
    int rc = eseal_instance_cert_issue(inst, test_who(), &rec, &q);
    if (rc == ESEAL_OK) {
        eseal_cert_record_dispose(&rec);
    }
    return rc;
}

static void sock_path(char *out, size_t n) { (void)snprintf(out, n, "%s/agent.sock", ihome); }

/* One raw exchange: sends `req` (len bytes), returns what came back before the end of the stream
 * (at most cap - 1 bytes, NUL-terminated); the test's own bound: 10 s. */
static size_t raw(const char *req, size_t len, char *out, size_t cap)
{
    char path[700];
    sock_path(path, sizeof(path));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (len > 0) {
        (void)send(fd, req, len, MSG_NOSIGNAL);
    }
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 10000);
        assert_true(r > 0); /* the agent answers or closes well before 10 s */
        ssize_t got = recv(fd, out + n, cap - 1 - n, 0);
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
        if (n == cap - 1) {
            break;
        }
    }
    out[n] = '\0';
    close(fd);
    return n;
}

static int group_setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

static void no_agent_is_not_found(void **state)
{
    (void)state;
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_use_agent(inst), ESEAL_ENOTFOUND);
    eseal_instance_close(inst);
    eseal_agent_info info;
    assert_int_equal(eseal_agent_status(ihome, &info), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_agent_stop(ihome, &info), ESEAL_ENOTFOUND);
}

static void unlocks_without_derivation(void **state)
{
    (void)state;
    served s;
    agent_start(&s, pass1);
    eseal_agent_info info;
    assert_int_equal(eseal_agent_status(ihome, &info), ESEAL_OK);
    assert_int_equal(info.pid, (long)getpid());
    assert_int_equal(info.timeout_s, 0);

    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_false(es_instance_unlocked(inst));
    size_t derived = es_kdf_derivations;
    assert_int_equal(eseal_instance_use_agent(inst), ESEAL_OK);
    assert_true(es_instance_unlocked(inst));
    size_t opened = es_keyfile_opens;
    assert_int_equal(issue(inst), ESEAL_OK);
    assert_int_equal(es_kdf_derivations - derived, 0); /* the agent's KEK, no scrypt here */
    assert_true(es_keyfile_opens - opened >= 1);      /* and a key file was opened with it */
    eseal_instance_close(inst);

    /* A second agent on the same home is refused while this one listens. */
    eseal_instance *other = test_instance_open(ihome, pass1);
    eseal_agent *ag2 = NULL;
    assert_int_equal(eseal_agent_open(&ag2, other, 0), ESEAL_EEXISTS);
    assert_null(ag2);
    eseal_instance_close(other);

    assert_int_equal(eseal_agent_stop(ihome, &info), ESEAL_OK);
    agent_join(&s);
    char path[700];
    sock_path(path, sizeof(path));
    struct stat st;
    assert_int_equal(lstat(path, &st), -1); /* removed */
    assert_int_equal(eseal_agent_status(ihome, &info), ESEAL_ENOTFOUND);
}

static void protocol_bounds(void **state)
{
    (void)state;
    served s;
    agent_start(&s, pass1);
    char ans[512];
    raw("eseal-agent/2 KEK\n", 18, ans, sizeof(ans));
    assert_true(strncmp(ans, "eseal-agent/1 ERR version", 25) == 0);
    assert_null(strstr(ans, "key="));
    raw("eseal-agent/1 GIVE\n", 19, ans, sizeof(ans));
    assert_true(strncmp(ans, "eseal-agent/1 ERR unknown request", 33) == 0);
    char big[400];
    memset(big, 'A', sizeof(big));
    assert_int_equal(raw(big, sizeof(big), ans, sizeof(ans)), 0); /* too long: closed unanswered */
    const char two[] = "eseal-agent/1 STATUS\neseal-agent/1 KEK\n";
    assert_int_equal(raw(two, sizeof(two) - 1, ans, sizeof(ans)), 0); /* two lines: closed unanswered */
    /* A silent client is dropped at the agent's deadline; then the next one is answered. */
    char path[700];
    sock_path(path, sizeof(path));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int silent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(silent, (struct sockaddr *)&sa, sizeof(sa)), 0);
    raw("eseal-agent/1 STATUS\n", 21, ans, sizeof(ans));
    assert_true(strncmp(ans, "eseal-agent/1 OK STATUS pid=", 28) == 0);
    char b;
    assert_int_equal(recv(silent, &b, 1, 0), 0); /* the agent closed the silent one, unanswered */
    close(silent);
    /* Still serving the real client. */
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_use_agent(inst), ESEAL_OK);
    eseal_instance_close(inst);
    s.stop = 1; /* as a signal would: the loop ends within its tick, the socket removed */
    agent_join(&s);
    struct stat st;
    assert_int_equal(lstat(path, &st), -1);
}

static void stale_kek_refused(void **state)
{
    (void)state;
    served s;
    agent_start(&s, pass1);
    eseal_instance *inst = test_instance_open(ihome, pass1);
    assert_int_equal(eseal_instance_passwd(inst, test_who(), pass2, strlen(pass2)), ESEAL_OK);
    eseal_instance_close(inst);
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_use_agent(inst), ESEAL_EPASS);
    assert_false(es_instance_unlocked(inst)); /* left as it was */
    assert_int_equal(eseal_instance_set_passphrase(inst, pass2, strlen(pass2)), ESEAL_OK);
    assert_int_equal(eseal_instance_passphrase_check(inst), ESEAL_OK);
    eseal_instance_close(inst);
    assert_int_equal(eseal_agent_stop(ihome, NULL), ESEAL_OK);
    agent_join(&s);
    /* A new agent with the new passphrase opens the re-encrypted keys. */
    agent_start(&s, pass2);
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_use_agent(inst), ESEAL_OK);
    assert_int_equal(issue(inst), ESEAL_OK);
    eseal_instance_close(inst);
    assert_int_equal(eseal_agent_stop(ihome, NULL), ESEAL_OK);
    agent_join(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_agent_is_not_found),
        cmocka_unit_test(unlocks_without_derivation),
        cmocka_unit_test(protocol_bounds),
        cmocka_unit_test(stale_kek_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
