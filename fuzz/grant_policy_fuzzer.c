/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Grants (eseal/governance.h, src/policy/grant.c) over arbitrary bytes: the text an organisation
 * administrator sends (approval policies, document types, templates) and the grant decision.
 * The input is split at NUL bytes into up to six fields: an approval policy, types, templates,
 * a parent id and the declared document type, and a byte of flags.
 * Properties: eseal_approval_policy_parse answers OK or ESEAL_EINVAL; a policy that parses
 * formats to a canonical text that parses to the same policy and formats to itself; a grant
 * built from the fields is checked without a crash and, when it passes eseal_grant_check, its
 * approval text is canonical; eseal_grant_narrows answers OK or ESEAL_EDENIED; the decision over
 * the grant, a delegated child and a copy never reads out of bounds, names a refusal or a grant,
 * and a grant that allows has a chain of at most ESEAL_GRANT_CHAIN_MAX that starts with it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/grant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated field of data (at most cap - 1 bytes). */
static const uint8_t *field(const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
    size_t n = 0;
    while (p < end && *p != 0) {
        if (n + 1 < cap) {
            out[n++] = (char)*p;
        }
        p++;
    }
    out[n] = '\0';
    return p < end ? p + 1 : p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    /* each as large as the grant's field it fills (a longer input field is cut: fed whole elsewhere) */
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1], types[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1)],
        templates[ESEAL_GRANT_TEMPLATES_MAX * 65], parent[ESEAL_GRANT_ID_LEN + 1], doc_type[64], flags[4];
    p = field(p, end, approval, sizeof(approval));
    p = field(p, end, types, sizeof(types));
    p = field(p, end, templates, sizeof(templates));
    p = field(p, end, parent, sizeof(parent));
    p = field(p, end, doc_type, sizeof(doc_type));
    (void)field(p, end, flags, sizeof(flags));

    eseal_approval_policy ap, again;
    int rc = eseal_approval_policy_parse(&ap, approval);
    if (rc != ESEAL_OK && rc != ESEAL_EINVAL) {
        abort();
    }
    char canon[ESEAL_APPROVAL_TEXT_MAX + 1] = "";
    if (rc == ESEAL_OK) {
        char twice[ESEAL_APPROVAL_TEXT_MAX + 1];
        if (eseal_approval_policy_format(canon, sizeof(canon), &ap) != ESEAL_OK ||
            eseal_approval_policy_parse(&again, canon) != ESEAL_OK ||
            memcmp(&ap, &again, sizeof(ap)) != 0 ||
            eseal_approval_policy_format(twice, sizeof(twice), &again) != ESEAL_OK || strcmp(canon, twice) != 0) {
            abort(); /* the canonical form is a fixed point */
        }
    }
    eseal_error_clear();

    eseal_grant g[3];
    memset(g, 0, sizeof(g));
    (void)snprintf(g[0].id, sizeof(g[0].id), "grt_0000000000000001");
    (void)snprintf(g[0].org_id, sizeof(g[0].org_id), "org_00000000000000aa");
    (void)snprintf(g[0].seal, sizeof(g[0].seal), "ES1");
    uint8_t f = (uint8_t)flags[0];
    g[0].holder_kind = (f & 1) ? ESEAL_GRANT_TO_ROLE : ESEAL_GRANT_TO_USER;
    (void)snprintf(g[0].holder, sizeof(g[0].holder), "%s", (f & 1) ? "stamper" : "lena");
    (void)snprintf(g[0].types, sizeof(g[0].types), "%s", types);
    (void)snprintf(g[0].templates, sizeof(g[0].templates), "%s", templates);
    (void)snprintf(g[0].approval, sizeof(g[0].approval), "%s", (f & 2) ? canon : approval);
    g[0].not_before_ms = (f & 4) ? 1000 : 0;
    g[0].not_after_ms = (f & 8) ? 2000 : 0;
    g[0].max_uses = (f & 16) ? 2 : 0;
    g[0].uses = (f & 32) ? 2 : 0;
    g[0].delegable = (f & 64) != 0;
    if (eseal_grant_check(&g[0]) == ESEAL_OK && strcmp(g[0].approval, canon) != 0) {
        abort(); /* a grant that passes carries its approval policy in canonical form */
    }
    eseal_error_clear();
    /* a child named by the input (its parent id may name the grant, itself, or nothing) */
    g[1] = g[0];
    (void)snprintf(g[1].id, sizeof(g[1].id), "grt_0000000000000002");
    (void)snprintf(g[1].parent, sizeof(g[1].parent), "%s", parent);
    (void)snprintf(g[1].holder, sizeof(g[1].holder), "li");
    g[1].holder_kind = ESEAL_GRANT_TO_USER;
    rc = eseal_grant_narrows(&g[1], &g[0]);
    if (rc != ESEAL_OK && rc != ESEAL_EDENIED) {
        abort();
    }
    eseal_error_clear();
    g[2] = g[1];
    (void)snprintf(g[2].id, sizeof(g[2].id), "%s", parent); /* an id the input chose: loops, duplicates */
    const char *roles[] = {"stamper"};
    const char *who_ids[] = {"lena", "li"};
    for (size_t w = 0; w < 2; w++) {
        eseal_principal who = ESEAL_PRINCIPAL_INIT;
        who.kind = ESEAL_PRINCIPAL_USER;
        who.id = who_ids[w];
        who.organization = "org_00000000000000aa";
        who.roles = roles;
        who.role_count = 1;
        es_grant_use u = {.seal = "ES1",
                          .seal_org = "org_00000000000000aa",
                          .doc_type = doc_type[0] != '\0' ? doc_type : NULL,
                          .template_sha256 = templates[0] != '\0' ? templates : NULL,
                          .now_ms = (f & 128) ? 1500 : 3000,
                          .approved_policy = (f & 2) != 0 ? g[(f >> 2) % 3].approval : NULL};
        es_grant_decision d = es_grant_decide(&who, &u, g, 3);
        if (d.reason[0] == '\0' || (d.refusal == NULL && (d.grant == NULL || d.chain_len == 0 ||
                                                          d.chain_len > ESEAL_GRANT_CHAIN_MAX ||
                                                          d.chain[0] != d.grant))) {
            abort();
        }
    }
    return 0;
}
