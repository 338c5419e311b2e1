/* SPDX-License-Identifier: Apache-2.0 */
/* eseal device add|list|show|retire: physical seals with a chip, registered to a seal (issue 23 §4;
 * include/eseal/device.h, docs/devices.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/device.h"

/* A chip's public key file: a PEM or DER SubjectPublicKeyInfo is a few hundred bytes. */
#define CLI_DEVICE_KEY_FILE_MAX 8192

static const cli_opt_spec opts[] = {{"seal", 0, true, false},          {"device-key", 0, true, false},
                                    {"chip-id", 0, true, false},       {"reason", 0, true, false},
                                    {"server", 0, true, false},        {"request", 0, true, false},
                                    {"impressions", 0, true, false},   {"device", 0, true, false},
                                    {"replay-unlock", 0, false, false}, {"replay-report", 0, false, false},
                                    {"other-key", 0, true, false},     {"late", 0, false, false},
                                    {"extra", 0, false, false},        {NULL, 0, false, false}};

static void print_device_json(const eseal_device *d)
{
    printf("{\"id\": ");
    cli_json_str(d->id);
    printf(", \"org\": ");
    cli_json_str(d->org_id);
    printf(", \"seal\": ");
    cli_json_str(d->seal);
    printf(", \"chip_id\": ");
    cli_json_str(d->chip_id);
    printf(", \"alg\": ");
    cli_json_str(d->alg);
    printf(", \"public_key\": \"");
    for (size_t i = 0; i < d->key_len; i++) {
        printf("%02x", d->key[i]);
    }
    printf("\", \"status\": ");
    cli_json_str(eseal_device_status_name(d->status));
    printf(", \"added_by\": ");
    cli_json_str(d->added_by);
    cli_json_time("added", d->added_ms);
    cli_json_time("retired", d->retired_ms);
    printf("}");
}

static int do_add(cli_args *a)
{
    static const char *const allowed[] = {"seal", "device-key", "chip-id", NULL};
    int rc = cli_options_only(&cli_cmd_device, a, "device add", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1 || cli_get(a, "seal") == NULL || cli_get(a, "device-key") == NULL ||
        cli_get(a, "chip-id") == NULL) {
        return cli_usage_error(&cli_cmd_device, "device add needs --seal ID --device-key PUB.pem --chip-id CHIP");
    }
    eseal_buf key = ESEAL_BUF_INIT;
    if (cli_read_file(cli_get(a, "device-key"), &key, CLI_DEVICE_KEY_FILE_MAX) != CLI_OK) {
        return CLI_ERROR;
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        eseal_buf_dispose(&key);
        return rc;
    }
    eseal_device d;
    int lrc = eseal_device_add(inst, cli_principal(), cli_get(a, "seal"), key.ptr, key.size, cli_get(a, "chip-id"), &d);
    eseal_instance_close(inst);
    eseal_buf_dispose(&key);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_device_json(&d);
        printf("\n");
        return CLI_OK;
    }
    cli_note("device %s: chip %s (%s key) registered to seal %s", d.id, d.chip_id, d.alg, d.seal);
    printf("%s\n", d.id);
    return CLI_OK;
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_device *d, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n++ == 0 ? "" : ",\n");
        print_device_json(d);
        return 0;
    }
    char added[40];
    cli_print_time_s(added, sizeof(added), d->added_ms);
    printf("%-20s  %-24.64s  %-24.64s  %-4s  %-20s  %s\n", d->id, d->seal, d->chip_id, d->alg, added,
           eseal_device_status_name(d->status));
    st->n++;
    return 0;
}

static int do_list(cli_args *a)
{
    static const char *const allowed[] = {"seal", NULL};
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_device, a, "device list", allowed, 1,
                       "device list takes no argument (--seal ID for one seal's)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    list_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-20s  %-24s  %-24s  %-4s  %-20s  %s\n", "ID", "SEAL", "CHIP", "ALG", "ADDED", "STATUS");
    }
    int lrc = eseal_device_list(inst, cli_principal(), cli_get(a, "seal"), list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

static int do_show(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_device, a, "device show", NULL, 2, "device show needs one device ID (dev_...)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_device d;
    int lrc = eseal_device_find(inst, cli_principal(), &d, a->pos[1]);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_device_json(&d);
        printf("\n");
        return CLI_OK;
    }
    char added[40], retired[40] = "-";
    cli_print_time_s(added, sizeof(added), d.added_ms);
    if (d.retired_ms != 0) {
        cli_print_time_s(retired, sizeof(retired), d.retired_ms);
    }
    printf("id:       %s\nseal:     %s\norg:      %s\nchip:     %s\nkey:      %s (%zu bytes of SubjectPublicKeyInfo)\n"
           "status:   %s\nadded:    %s by %s\nretired:  %s\n",
           d.id, d.seal, d.org_id, d.chip_id, d.alg, d.key_len, eseal_device_status_name(d.status), added, d.added_by,
           retired);
    return CLI_OK;
}

static int do_retire(cli_args *a)
{
    static const char *const allowed[] = {"reason", NULL};
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_device, a, "device retire", allowed, 2, "device retire needs one device ID (dev_...)",
                       &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_device_retire(inst, cli_principal(), a->pos[1], cli_get(a, "reason"));
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    cli_note("retired %s: it gets no unlock and its reports are refused from now", a->pos[1]);
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", do_add}, {"list", do_list}, {"show", do_show}, {"retire", do_retire},
                                   {"simulate", cli_device_simulate}};
    return cli_dispatch(&cli_cmd_device, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_device = {
    "device", "register physical seals with a chip (smart seals)",
    "Usage:\n"
    "  eseal device add --seal ID --device-key PUB.pem --chip-id CHIP\n"
    "  eseal device list [--seal ID]\n"
    "  eseal device show ID [--json]\n"
    "  eseal device retire ID [--reason TEXT]\n"
    "  eseal device simulate --device-key KEY --server URL --request ID [--impressions N] [--device ID]\n"
    "                        [--replay-unlock] [--replay-report] [--other-key KEY] [--late] [--extra]\n\n"
    "add: registers a physical seal's chip to seal ID: its public key PUB.pem (PEM or DER\n"
    "SubjectPublicKeyInfo, P-256 or SM2) and its chip id; the device's id (dev_...) is printed on the\n"
    "last line. The device then asks for unlocks for approved stamp requests of that seal and reports\n"
    "each impression, signed by its chip (docs/devices.md).\n"
    "list: the devices (of seal ID), oldest first. show: one device.\n"
    "retire: the device gets no unlock and its reports are refused from then.\n"
    "simulate: plays the device whose chip key is KEY (a plain PEM private key; its id from --device or\n"
    "from this instance) against the server at URL (http://HOST:PORT): asks an unlock for request ID, strikes\n"
    "N times (1) and reports each, printing every answer. The bad cases: --replay-unlock sends the ask twice,\n"
    "--replay-report the first report twice, --other-key signs the reports with another key, --late strikes\n"
    "after the unlock expired, --extra strikes once more than allowed. Exit 0 when the unlock and every\n"
    "report were accepted, 1 when one was refused.\n"
    "The command acts as the local operator; every change is an audit entry.\n",
    opts, run};
