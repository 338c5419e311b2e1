/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the commands that run HTTP services (serve and its aliases, witness serve) and ask TSAs (stamp, extend). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

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
    cli_stop_signals_wait();
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
