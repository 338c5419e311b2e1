/* SPDX-License-Identifier: Apache-2.0 */
/* eseal trustlist publish|rotate-key and eseal trust add|refresh|list|show|remove: the platform's own
 * signed trust list and the lists of other platforms it recognises (issue 24;
 * include/eseal/recognition.h, docs/trust-lists.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/recognition.h"
#include "eseal/trustlist.h"

static const cli_opt_spec tl_opts[] = {{"output", 'o', true, false}, {"name", 0, true, false},
                                       {"country", 0, true, false},  {"base-url", 0, true, false},
                                       {"operator", 0, true, false}, {"days", 0, true, false},
                                       {"list-of-lists", 0, false, false}, {"seal", 0, true, true},
                                       {NULL, 0, false, false}};

static int tl_publish(cli_args *a)
{
    static const char *const allowed[] = {"output",   "name", "country",       "base-url",
                                          "operator", "days", "list-of-lists", NULL};
    int rc = cli_options_only(&cli_cmd_trustlist, a, "trustlist publish", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1 || cli_get(a, "output") == NULL) {
        return cli_usage_error(&cli_cmd_trustlist, "trustlist publish needs -o FILE (- for standard output)");
    }
    eseal_trustlist_publish_options o;
    (void)eseal_trustlist_publish_options_init(&o, ESEAL_TRUSTLIST_PUBLISH_OPTIONS_VERSION);
    o.name = cli_get(a, "name");
    o.territory = cli_get(a, "country");
    o.base_url = cli_get(a, "base-url");
    o.operator_name = cli_get(a, "operator");
    o.list_of_lists = cli_flag(a, "list-of-lists");
    if (cli_get(a, "days") != NULL) {
        uint64_t d = 0;
        if ((rc = cli_number(&cli_cmd_trustlist, cli_get(a, "days"), "days", 366, &d)) != CLI_OK) {
            return rc;
        }
        o.validity_days = (unsigned int)d;
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, true)) != CLI_OK) {
        return rc;
    }
    eseal_buf jws = ESEAL_BUF_INIT;
    char fp[65];
    int lrc = eseal_instance_trustlist_publish(inst, cli_principal(), &jws, fp, &o);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    rc = cli_write_file(cli_get(a, "output"), jws.ptr, jws.size);
    eseal_buf_dispose(&jws);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(cli_get(a, "output"), "-") != 0) {
        cli_note("wrote %s: the platform's signed trust list; give the key's SHA-256 below to those who import it",
                 cli_get(a, "output"));
        printf("%s\n", fp);
    } else {
        fprintf(stderr, "%s\n", fp); /* the list itself is on standard output */
    }
    return CLI_OK;
}

static int tl_rotate(cli_args *a)
{
    int rc = cli_options_only(&cli_cmd_trustlist, a, "trustlist rotate-key", NULL);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_trustlist, "trustlist rotate-key takes no argument");
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, true)) != CLI_OK) {
        return rc;
    }
    char fp[65];
    int lrc = eseal_instance_trustlist_rotate_key(inst, cli_principal(), fp);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    cli_note("the list key is replaced; publish the list again: it carries the old key's statement for the new one");
    printf("%s\n", fp);
    return CLI_OK;
}

static int tl_bundle(cli_args *a)
{
    static const char *const allowed[] = {"output", "seal", NULL};
    int rc = cli_options_only(&cli_cmd_trustlist, a, "trustlist bundle", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1 || cli_get(a, "output") == NULL) {
        return cli_usage_error(&cli_cmd_trustlist, "trustlist bundle needs -o FILE");
    }
    const char *seals[CLI_MAX_REPEAT];
    size_t n = cli_count(a, "seal");
    for (size_t i = 0; i < n; i++) {
        seals[i] = cli_get_n(a, "seal", i);
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, true)) != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    int lrc = eseal_instance_trustlist_bundle(inst, seals, n, &b);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    rc = cli_write_file(cli_get(a, "output"), b.ptr, b.size);
    eseal_buf_dispose(&b);
    if (rc == CLI_OK) {
        cli_note("wrote %s: this platform's trust list, its CAs' CRLs and %zu registry answer%s", cli_get(a, "output"),
                 n, n == 1 ? "" : "s");
    }
    return rc;
}

static int tl_run(cli_args *a)
{
    static const cli_sub subs[] = {{"publish", tl_publish}, {"rotate-key", tl_rotate}, {"bundle", tl_bundle}};
    return cli_dispatch(&cli_cmd_trustlist, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_trustlist = {
    "trustlist", "publish this platform's signed trust list",
    "Usage:\n"
    "  eseal trustlist publish -o FILE [--name NAME] [--country CC] [--base-url URL] [--operator NAME]\n"
    "                          [--days N] [--list-of-lists]\n"
    "  eseal trustlist rotate-key\n"
    "  eseal trustlist bundle -o FILE [--seal ESID]...\n\n"
    "publish: writes the platform's trust list to FILE (- for standard output): its CAs, seal makers,\n"
    "TSAs and OCSP responders of every hierarchy with their certificates and status (a revoked one is\n"
    "withdrawn from its revocation), and the audit log's key, with the next sequence number, valid for N\n"
    "days (30). It is the JSON of ETSI TS 119 602 signed as a JWS (ES256) by the list key, which is made\n"
    "the first time (keys/trust-list-p256.key). The name, country and base URL default to eseal.conf's\n"
    "organization, country and base_url. The last line is the SHA-256 of the list key (hex): give it, by\n"
    "another channel, to the platforms that import the list (eseal trust add --pin). `eseal serve` answers\n"
    "the list published last at /.well-known/eseal/trust-list.\n"
    "With --list-of-lists it writes a scheme operator's list of lists instead (NAME: the scheme's): one\n"
    "entry for each platform this instance imported from a URL under its pin (eseal trust add URL --pin),\n"
    "with that list's key and URL, signed by the same list key, with sequence numbers of its own; served\n"
    "at /.well-known/eseal/list-of-lists. A platform that imports it recognises those platforms.\n"
    "rotate-key: makes a new list key and prints its SHA-256. The lists published from then are signed by\n"
    "it and carry a statement signed by the old key, so that those who pinned the old one follow.\n"
    "bundle: writes, for verifiers without network, the list published last, the latest CRL of each CA\n"
    "and the registry's signed answer, now, for each --seal (at most 16): they import the file with\n"
    "eseal trust add FILE --pin (each part checked there).\n"
    "See docs/trust-lists.md. Publish and rotate-key are audit entries (trustlist.published,\n"
    "trustlist.key-rotated).\n",
    tl_opts, tl_run};

static const cli_opt_spec tr_opts[] = {{"pin", 0, true, false}, {"from", 0, true, false},
                                       {"output", 'o', true, false}, {NULL, 0, false, false}};

static void print_record_json(const eseal_trusted_list_record *r)
{
    printf("{\"name\": ");
    cli_json_str(r->name);
    printf(", \"list_of_lists\": %s, \"sequence\": %llu, \"source\": ", r->list_of_lists ? "true" : "false",
           (unsigned long long)r->sequence);
    cli_json_str(r->source);
    printf(", \"pin\": ");
    cli_json_str(r->pin);
    printf(", \"key_sha256\": ");
    cli_json_str(r->key_sha256);
    printf(", \"via\": ");
    if (r->via[0] != '\0') {
        cli_json_str(r->via);
    } else {
        printf("null");
    }
    cli_json_time("issued", r->issued_ms);
    cli_json_time("next_update", r->next_update_ms);
    cli_json_time("fetched", r->fetched_ms);
    cli_json_time("added", r->added_ms);
    printf("}");
}

static void print_record_text(const eseal_trusted_list_record *r)
{
    char issued[40], next[40], fetched[40], added[40];
    cli_print_time_s(issued, sizeof(issued), r->issued_ms);
    cli_print_time_s(next, sizeof(next), r->next_update_ms);
    cli_print_time_s(fetched, sizeof(fetched), r->fetched_ms);
    cli_print_time_s(added, sizeof(added), r->added_ms);
    printf("name:        %s\nkind:        %s\nsequence:    %llu\nissued:      %s\nnext update: %s\nsource:      %s\n"
           "key:         %s\npinned:      %s\nvia:         %s\nfetched:     %s\nadded:       %s\n",
           r->name, r->list_of_lists ? "list of lists" : "platform trust list", (unsigned long long)r->sequence,
           issued, next, r->source, r->key_sha256, r->pin, r->via[0] != '\0' ? r->via : "(added directly)", fetched,
           added);
}

static int tr_add(cli_args *a)
{
    static const char *const allowed[] = {"pin", NULL};
    int rc = cli_options_only(&cli_cmd_trust, a, "trust add", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2 || cli_get(a, "pin") == NULL) {
        return cli_usage_error(&cli_cmd_trust, "trust add needs FILE or URL and --pin SHA256 (the list key's, hex)");
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    eseal_trusted_list_record r;
    int lrc = eseal_instance_trust_add(inst, cli_principal(), NULL, 0, a->pos[1], cli_get(a, "pin"), &r);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_record_json(&r);
        printf("\n");
    } else {
        cli_note("recognised %s: %s %llu, key %s", r.name, r.list_of_lists ? "list of lists" : "trust list",
                 (unsigned long long)r.sequence, r.key_sha256);
        printf("%s\n", r.name);
    }
    eseal_trusted_list_record_dispose(&r);
    return CLI_OK;
}

typedef struct {
    char names[256][ESEAL_TRUSTLIST_MAX_STRING + 1];
    size_t n;
    bool json;
} names;

static int collect(const eseal_trusted_list_record *r, void *payload)
{
    names *x = payload;
    if (x->n < sizeof(x->names) / sizeof(x->names[0]) && r->via[0] == '\0') {
        (void)snprintf(x->names[x->n++], sizeof(x->names[0]), "%s", r->name);
    }
    return 0;
}

static int tr_refresh(cli_args *a)
{
    static const char *const allowed[] = {"from", NULL};
    int rc = cli_options_only(&cli_cmd_trust, a, "trust refresh", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos > 2) {
        return cli_usage_error(&cli_cmd_trust, "trust refresh takes at most one NAME (none: every list)");
    }
    const char *from = cli_get(a, "from");
    if (from != NULL && a->npos != 2) {
        return cli_usage_error(&cli_cmd_trust, "trust refresh --from FILE needs the NAME of the list it holds");
    }
    eseal_buf given = ESEAL_BUF_INIT;
    if (from != NULL && (rc = cli_read_file(from, &given, ESEAL_TRUST_BUNDLE_MAX_BYTES)) != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        eseal_buf_dispose(&given);
        return rc;
    }
    static names x;
    memset(&x, 0, sizeof(x));
    int lrc = ESEAL_OK;
    if (a->npos == 2) {
        (void)snprintf(x.names[0], sizeof(x.names[0]), "%s", a->pos[1]);
        x.n = 1;
    } else {
        lrc = eseal_instance_trust_each(inst, collect, &x);
    }
    int failed = 0;
    for (size_t i = 0; lrc == ESEAL_OK && i < x.n; i++) {
        eseal_trusted_list_record r;
        eseal_trusted_list_record before;
        int one = eseal_instance_trust_get(inst, &before, NULL, x.names[i]);
        uint64_t seq = one == ESEAL_OK ? before.sequence : 0;
        if (one == ESEAL_OK) {
            eseal_trusted_list_record_dispose(&before);
            one = eseal_instance_trust_refresh(inst, cli_principal(), x.names[i], given.ptr, given.size, &r);
        }
        if (one != ESEAL_OK) {
            (void)cli_fail(one);
            failed++;
            continue;
        }
        cli_note("%s: sequence %llu%s, key %s", r.name, (unsigned long long)r.sequence,
                 r.sequence == seq ? " (unchanged)" : "", r.key_sha256);
        bool lol = r.list_of_lists != 0;
        eseal_trusted_list_record_dispose(&r);
        size_t asked = 0;
        size_t bad = 0;
        one = lol ? ESEAL_OK : eseal_instance_trust_refresh_answers(inst, x.names[i], &asked, &bad);
        if (one != ESEAL_OK) {
            (void)cli_fail(one);
            failed++;
        } else if (asked + bad > 0) {
            cli_note("%s: the registry asked again about %zu seal%s, %zu answered", x.names[i], asked + bad,
                     asked + bad == 1 ? "" : "s", asked);
            failed += bad > 0 ? 1 : 0;
        }
    }
    eseal_instance_close(inst);
    eseal_buf_dispose(&given);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    return failed == 0 ? CLI_OK : CLI_ERROR;
}

static int tr_bundle(cli_args *a)
{
    static const char *const allowed[] = {"output", NULL};
    int rc = cli_options_only(&cli_cmd_trust, a, "trust bundle", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2 || cli_get(a, "output") == NULL) {
        return cli_usage_error(&cli_cmd_trust, "trust bundle needs NAME and -o FILE");
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    int lrc = eseal_instance_trust_bundle(inst, a->pos[1], &b);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    eseal_trust_bundle *parsed = NULL;
    size_t ncrls = 0, nanswers = 0;
    if (eseal_trust_bundle_parse(&parsed, b.ptr, b.size) == ESEAL_OK) {
        ncrls = eseal_trust_bundle_crl_count(parsed);
        nanswers = eseal_trust_bundle_answer_count(parsed);
    }
    eseal_trust_bundle_free(parsed);
    rc = cli_write_file(cli_get(a, "output"), b.ptr, b.size);
    eseal_buf_dispose(&b);
    if (rc == CLI_OK) {
        cli_note("wrote %s: the trust list of %s, %zu CRL%s and %zu registry answer%s", cli_get(a, "output"),
                 a->pos[1], ncrls, ncrls == 1 ? "" : "s", nanswers, nanswers == 1 ? "" : "s");
    }
    return rc;
}

static int list_one(const eseal_trusted_list_record *r, void *payload)
{
    names *x = payload;
    if (x->json) {
        printf("%s", x->n++ == 0 ? "" : ",\n");
        print_record_json(r);
        return 0;
    }
    char next[40];
    cli_print_time_s(next, sizeof(next), r->next_update_ms);
    printf("%-32.64s  %-5s  %8llu  %-20s  %.16s  %s\n", r->name, r->list_of_lists ? "lists" : "list",
           (unsigned long long)r->sequence, next, r->key_sha256, r->via[0] != '\0' ? r->via : "-");
    x->n++;
    return 0;
}

static int tr_list(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_trust, a, "trust list", NULL, 1, "trust list takes no argument", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    static names x;
    memset(&x, 0, sizeof(x));
    x.json = a->json;
    if (a->json) {
        printf("[");
    } else {
        printf("%-32s  %-5s  %8s  %-20s  %-16s  %s\n", "NAME", "KIND", "SEQUENCE", "NEXT UPDATE", "KEY", "VIA");
    }
    int lrc = eseal_instance_trust_each(inst, list_one, &x);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

static int tr_show(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_trust, a, "trust show", NULL, 2, "trust show needs one NAME", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_trusted_list_record r;
    eseal_buf jws = ESEAL_BUF_INIT;
    int lrc = eseal_instance_trust_get(inst, &r, &jws, a->pos[1]);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    eseal_trustlist *tl = NULL;
    lrc = eseal_trustlist_parse(&tl, jws.ptr, jws.size); /* checked again: what is shown is what verifies */
    eseal_buf_dispose(&jws);
    if (lrc != ESEAL_OK) {
        eseal_trusted_list_record_dispose(&r);
        return cli_fail(lrc);
    }
    if (a->json) {
        print_record_json(&r);
        printf("\n");
    } else {
        print_record_text(&r);
        for (size_t e = 0; e < eseal_trustlist_entity_count(tl); e++) {
            const eseal_tl_entity *ent = eseal_trustlist_entity(tl, e);
            printf("entity:      %s%s%s\n", ent->name, ent->info_uri != NULL ? " " : "",
                   ent->info_uri != NULL ? ent->info_uri : "");
            for (size_t k = 0; k < ent->service_count; k++) {
                const eseal_tl_service *v = &ent->services[k];
                char since[40];
                cli_print_time_s(since, sizeof(since), v->status.since_ms);
                printf("  %-10s  %-40.80s  %-9s since %s\n", eseal_tl_service_type_name(v->type), v->name,
                       v->status.withdrawn ? "withdrawn" : "granted", since);
            }
        }
    }
    eseal_trustlist_free(tl);
    eseal_trusted_list_record_dispose(&r);
    return CLI_OK;
}

static int tr_remove(cli_args *a)
{
    int rc = cli_options_only(&cli_cmd_trust, a, "trust remove", NULL);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_trust, "trust remove needs one NAME");
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    int lrc = eseal_instance_trust_remove(inst, cli_principal(), a->pos[1]);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    cli_note("%s is no longer recognised", a->pos[1]);
    return CLI_OK;
}

static int tr_run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", tr_add},   {"refresh", tr_refresh}, {"bundle", tr_bundle},
                                   {"list", tr_list}, {"show", tr_show},       {"remove", tr_remove}};
    return cli_dispatch(&cli_cmd_trust, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_trust = {
    "trust", "recognise other platforms through their trust lists",
    "Usage:\n"
    "  eseal trust add FILE|URL --pin SHA256 [--json]\n"
    "  eseal trust refresh [NAME] | eseal trust refresh NAME --from FILE\n"
    "  eseal trust bundle NAME -o FILE\n"
    "  eseal trust list [--json]\n"
    "  eseal trust show NAME [--json]\n"
    "  eseal trust remove NAME\n\n"
    "add: imports another platform's trust list, or a scheme operator's list of lists, from a file or an\n"
    "http(s) URL. Its signature must verify and its key's SHA-256 must be SHA256, given by the platform\n"
    "by another channel (eseal trustlist publish prints it); a list of lists also brings the platforms\n"
    "it names, each fetched and checked under the key the scheme names. Otherwise nothing is changed.\n"
    "refresh: reads each list (or NAME) again from where it was added; a newer list is taken when its\n"
    "sequence number is higher and it is signed by the key held, or by a new key the held one vouched\n"
    "for (a key rotation); a replayed or older list, another key, or a stale list is refused; the list\n"
    "held, unchanged, is fine. Then the platform's registry is asked again about each of its seals whose\n"
    "answers verifications kept (eseal verify --online asks it and keeps them), so that a seal it\n"
    "revoked since verifies as revoked without network.\n"
    "--from FILE: the newer list (or bundle) from a file instead, as an air-gapped verifier gets it.\n"
    "bundle: writes, for a verifier without network, the list of NAME as held, the CRLs kept with it and\n"
    "the answers of its registry kept here; that verifier gives the file to trust add (under the\n"
    "platform's pin) or trust refresh NAME --from. Each CRL and answer is checked there, against the\n"
    "list's CAs and registry key; one that does not verify refuses the whole file.\n"
    "list, show: the imported lists; show checks the list again and names its services.\n"
    "remove: forgets a list. See docs/trust-lists.md. Each change is an audit entry (trust.added,\n"
    "trust.refreshed, trust.removed).\n",
    tr_opts, tr_run};
