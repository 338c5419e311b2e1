/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the commands that run HTTP services (serve and its aliases, witness serve) and ask TSAs (stamp, extend). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void cli_stop_signals_block(void)
{
    /* The signals are waited for, not handled: block them before any thread starts. */
    sigset_t set;
    stop_signals(&set);
    (void)pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void cli_stop_signals_wait(void)
{
    sigset_t set;
    stop_signals(&set);
    int sig = 0;
    (void)sigwait(&set, &sig);
}

/* `eseal serve`'s webhook deliveries (docs/webhooks.md): a thread that queues the events the audit log
 * tells of (eseal_events_pump) and sends the deliveries due, every second (eseal_webhook_backoff_first_ms
 * when shorter), on an instance of its own (its own store connection: the API's calls are not held up
 * by a slow receiver), until the server stops. */
typedef struct {
    eseal_instance *inst;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_t thread;
    bool running;
} deliverer;

static void *deliver_loop(void *p)
{
    deliverer *d = p;
    char last[256] = "";
    /* every second, or as often as the first retry waits when it is shorter (tests shorten it) */
    int64_t every = eseal_webhook_backoff_first_ms() < 1000 ? eseal_webhook_backoff_first_ms() : 1000;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        pthread_mutex_unlock(&d->mu);
        size_t sent = 0, queued = 0;
        int64_t now = eseal_context_now(NULL);
        char said[sizeof(last)] = "";
        /* the events first, so that those of the last second go out in this round; the deliveries
         * already queued go out even when the pump fails */
        if (eseal_events_pump(d->inst, now, &queued) != ESEAL_OK) {
            (void)snprintf(said, sizeof(said), "webhook events: %s", eseal_error_last()->message);
        }
        if (eseal_webhook_deliver_due(d->inst, now, 0, &sent) != ESEAL_OK && said[0] == '\0') {
            (void)snprintf(said, sizeof(said), "webhook deliveries: %s", eseal_error_last()->message);
        }
        if (said[0] != '\0' && strcmp(last, said) != 0) {
            (void)fprintf(stderr, "eseal serve: %s\n", said); /* said once, not every second */
        }
        memcpy(last, said, sizeof(last));
        pthread_mutex_lock(&d->mu);
        if (!d->stop && sent == 0) {
            struct timespec until;
            (void)clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)(every % 1000) * 1000000L;
            until.tv_sec += (time_t)(every / 1000) + until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            (void)pthread_cond_timedwait(&d->cv, &d->mu, &until);
        }
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void deliverer_start(deliverer *d, const cli_args *a)
{
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (cli_open(a, &d->inst, false) != CLI_OK) {
        (void)fprintf(stderr, "eseal serve: webhook deliveries not started\n");
        return;
    }
    d->running = pthread_create(&d->thread, NULL, deliver_loop, d) == 0;
    if (!d->running) {
        (void)fprintf(stderr, "eseal serve: webhook deliveries not started (no thread)\n");
    }
}

static void deliverer_stop(deliverer *d)
{
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    if (d->running) {
        (void)pthread_join(d->thread, NULL); /* an attempt in flight ends within its 5 s timeout */
    }
    if (d->inst != NULL) {
        eseal_instance_close(d->inst);
    }
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
}

int cli_serve(const cli_args *a, const char *name, const eseal_serve_options *o)
{
    cli_stop_signals_block();
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_server *srv = NULL;
    int lrc = eseal_instance_serve(inst, &srv, o);
    if (lrc != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(lrc);
    }
    printf("eseal %s: listening on %s (port %u), %s; stop with Ctrl-C\n", name, o->listen, eseal_server_port(srv),
           eseal_server_routes(srv));
    (void)fflush(stdout);
    deliverer d;
    bool deliver = strcmp(name, "serve") == 0; /* the aliases (tsa, ocsp, log) serve one protocol */
    if (deliver) {
        deliverer_start(&d, a);
    }
    cli_stop_signals_wait();
    if (deliver) {
        deliverer_stop(&d);
    }
    eseal_server_stop(srv);
    eseal_instance_close(inst);
    return CLI_OK;
}

int cli_tsa_options(const cli_args *a, const cli_cmd *cmd, const char *urls[CLI_MAX_REPEAT], size_t *n,
                    unsigned int *timeout_ms)
{
    *n = cli_count(a, "tsa");
    for (size_t i = 0; i < *n; i++) {
        urls[i] = cli_get_n(a, "tsa", i);
    }
    const char *tmo = cli_get(a, "tsa-timeout");
    if (tmo != NULL) {
        char *end = NULL;
        long ms = strtol(tmo, &end, 10); /* !checksrc! allowed: checked below */
        if (end == NULL || *end != '\0' || ms < 1 || ms > CLI_MAX_TIMEOUT_MS) {
            return cli_usage_error(cmd, "--tsa-timeout takes milliseconds (1 to %d), not '%s'", CLI_MAX_TIMEOUT_MS,
                                   tmo);
        }
        *timeout_ms = (unsigned int)ms;
    }
    return CLI_OK;
}

void cli_print_time_line(int64_t time_ms, const char *source)
{
    char tb[40];
    eseal_time_format(tb, sizeof(tb), time_ms);
    printf("time: %s, %s\n", tb, source);
}

void cli_print_time_json(const char *level, int64_t time_ms, const char *source)
{
    char tb[40] = "";
    if (time_ms != 0) {
        eseal_time_format(tb, sizeof(tb), time_ms);
    }
    printf(", \"level\": ");
    cli_json_str(level);
    printf(", \"time\": ");
    cli_json_str(tb);
    printf(", \"time_source\": ");
    cli_json_str(source);
}
