/* SPDX-License-Identifier: Apache-2.0 */
/* eseal org add|list: the organisations of the platform (issue 19 §1; include/eseal/accounts.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/accounts.h"

static const cli_opt_spec opts[] = {
    {"name", 0, true, false}, {"uscc", 0, true, false}, {"id", 0, true, false}, {NULL, 0, false, false}};

/* A JSON string, or null for "". */
static void json_str_or_null(const char *s)
{
    if (s[0] != '\0') {
        cli_json_str(s);
    } else {
        printf("null");
    }
}

/* {"id": ..., "name": ..., "uscc": ... or null, "identifier": ... or null, "created": ...} */
static void print_org_json(const eseal_org *o)
{
    char created[40];
    cli_print_time(created, sizeof(created), o->created_ms);
    printf("{\"id\": ");
    cli_json_str(o->id);
    printf(", \"name\": ");
    cli_json_str(o->name);
    printf(", \"uscc\": ");
    json_str_or_null(o->uscc);
    printf(", \"identifier\": ");
    json_str_or_null(o->identifier);
    printf(", \"created\": ");
    cli_json_str(created);
    printf("}");
}

static int do_add(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_org, "unexpected argument '%s' (the name is given with --name)", a->pos[1]);
    }
    const char *name = cli_get(a, "name");
    if (name == NULL) {
        return cli_usage_error(&cli_cmd_org, "org add needs --name NAME");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_org org;
    rc = eseal_org_add_ext(inst, cli_principal(), &org, name, cli_get(a, "uscc"), cli_get(a, "id"));
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        print_org_json(&org);
        printf("\n");
    } else {
        cli_note("organisation '%s'%s%s%s%s added", org.name, org.uscc[0] != '\0' ? " with code " : "", org.uscc,
                 org.identifier[0] != '\0' ? " with identifier " : "", org.identifier);
        /* the id alone on the last line: scripts take it with tail -1 */
        printf("%s\n", org.id);
    }
    return CLI_OK;
}

/* Columns a code point takes on a terminal: 2 for the East Asian wide and fullwidth ranges
 * (Unicode UAX #11: Hangul Jamo, CJK, Hangul syllables, compatibility ideographs, fullwidth
 * forms), 1 otherwise. Chinese names are the common case: their columns must line up. */
static int cp_width(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                   (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD)
               ? 2
               : 1;
}

/* Prints the UTF-8 string s padded with spaces to `cols` terminal columns (not bytes). */
static void print_padded(const char *s, int cols)
{
    int used = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        unsigned cp = *p;
        int extra = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
        cp &= extra == 3 ? 0x07u : extra == 2 ? 0x0Fu : extra == 1 ? 0x1Fu : 0xFFu;
        p++;
        for (int k = 0; k < extra && (*p & 0xC0) == 0x80; k++, p++) {
            cp = (cp << 6) | (*p & 0x3Fu);
        }
        used += cp_width(cp);
    }
    printf("%s%*s", s, used < cols ? cols - used : 0, "");
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_org *o, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n == 0 ? "" : ",\n");
        print_org_json(o);
    } else {
        char created[40];
        cli_print_time_s(created, sizeof(created), o->created_ms);
        /* an organisation has a code or an identifier, never both: one column (a long identifier pushes the row) */
        printf("%-20s  %-18s  ", o->id, o->uscc[0] != '\0' ? o->uscc : o->identifier[0] != '\0' ? o->identifier : "-");
        print_padded(o->name, 32);
        printf("  %s\n", created);
    }
    st->n++;
    return 0;
}

static int do_list(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_org, "unexpected argument '%s'", a->pos[1]);
    }
    int rc = cli_options_only(&cli_cmd_org, a, "org list", NULL);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    list_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-20s  %-18s  %-32s  %s\n", "ID", "CODE", "NAME", "CREATED");
    }
    rc = eseal_org_list(inst, cli_principal(), list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", do_add}, {"list", do_list}};
    return cli_dispatch(&cli_cmd_org, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_org = {
    "org", "add and list the organisations of the platform",
    "Usage:\n"
    "  eseal org add --name NAME [--uscc CODE | --id IDENTIFIER]\n"
    "  eseal org list\n\n"
    "add: a new organisation named NAME (1 to 200 bytes of UTF-8, no control character), with\n"
    "its unified social credit code when it is a Chinese one (18 characters, the check\n"
    "character checked: GB 32100-2015), or its organisation identifier when it is not (ETSI\n"
    "EN 319 412-1 §5.1.4, as `cert issue --org-id` takes it: VATDE-123456789, NTRGB-01234567,\n"
    "LEIXG-<LEI>, PSDBE-NBB-0123456789, a national XX:CC-...). Not both; NTRCN-<USCC> is given\n"
    "as --uscc. A name, code or identifier already taken is refused. The certificates whose\n"
    "organizationIdentifier is NTRCN-<its code>, or exactly its identifier, are the\n"
    "organisation's, and so are the seals made with them. Prints the new organisation's id\n"
    "(org_ and 16 hex digits) on its last line; other commands also take the code, the\n"
    "identifier or the exact name in its place.\n"
    "list: the organisations, oldest first: id, code (the USCC or the identifier, '-' for\n"
    "none), name, creation time; with --json an array of {\"id\", \"name\", \"uscc\",\n"
    "\"identifier\", \"created\"} (null for none).\n"
    "The command acts as the local operator (the platform administrator of the instance);\n"
    "every change is an audit entry.\n",
    opts, run};
