/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eseal agent client's answer parsers (src/server/agent_client.c) over arbitrary bytes: the
 * words of a KEK answer and of a STATUS answer, as they arrive after "eseal-agent/1 OK KEK " (at
 * most ES_AGENT_LINE_MAX bytes, cut at the first NUL as the line reader's buffer is).
 * Properties: no crash or sanitizer report; a KEK answer that parses is exactly the agent's own
 * format of what it parsed (lower-case hex, decimal without leading zeros), so nothing else is
 * taken; a STATUS answer that parses formats back to the same words.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[ES_AGENT_LINE_MAX];
    size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
    memcpy(in, data, n);
    in[n] = '\0';
    char words[ES_AGENT_LINE_MAX];

    memcpy(words, in, sizeof(in));
    es_kek k;
    if (es_ok(es_agent_parse_kek(words, &k))) {
        char salt[2 * ES_KEK_SALT + 1];
        char key[2 * sizeof(k.key) + 1];
        es_hex_lower(salt, k.salt, sizeof(k.salt));
        es_hex_lower(key, k.key, sizeof(k.key));
        char again[ES_AGENT_LINE_MAX * 2];
        (void)snprintf(again, sizeof(again), "salt=%s n=%" PRIu64 " r=%" PRIu32 " p=%" PRIu32 " key=%s", salt, k.n, k.r,
                       k.p, key);
        if (strcmp(again, in) != 0) {
            abort(); /* something was taken that the agent does not write */
        }
    }
    memcpy(words, in, sizeof(in));
    eseal_agent_info info;
    if (es_ok(es_agent_parse_info(words, &info))) {
        char again[ES_AGENT_LINE_MAX * 2];
        (void)snprintf(again, sizeof(again), "pid=%ld timeout=%u left=%u", info.pid, info.timeout_s, info.left_s);
        if (strcmp(again, in) != 0) {
            abort();
        }
    }
    eseal_error_clear();
    return 0;
}
