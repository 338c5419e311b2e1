/* SPDX-License-Identifier: Apache-2.0 */
/* eseal init: create an instance (CA hierarchies, store, config). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"org", 0, true, false},
                                    {"country", 0, true, false},
                                    {"base-url", 0, true, false},
                                    {"token", 0, true, false},
                                    {"pkcs11-module", 0, true, false},
                                    {NULL, 0, false, false}};

/* Key generation takes seconds (RSA 3072 most): say what is being made, on stderr. */
static void init_progress(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "generating %s ...\n", what);
    (void)fflush(stderr);
}

static int run(cli_args *a)
{
    if (a->npos != 0) {
        return cli_usage_error(&cli_cmd_init, "init takes no arguments");
    }
    char pass[1024];
    size_t len = 0;
    int rc = cli_passphrase(a, pass, sizeof(pass), &len, true);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = len;
    o.organization = cli_get(a, "org");
    o.country = cli_get(a, "country");
    o.base_url = cli_get(a, "base-url");
    o.progress = init_progress;
    o.who = cli_principal(); /* the local operator: the actor of the set-up entries */
    /* --token: the CA keys made in that PKCS#11 token (its PIN as for every token command). */
    char pin[260];
    size_t pin_len = 0;
    bool ask = false;
    o.token = cli_get(a, "token");
    o.pkcs11_module = cli_get(a, "pkcs11-module");
    if (o.pkcs11_module != NULL && o.token == NULL) {
        explicit_bzero(pass, sizeof(pass));
        return cli_usage_error(&cli_cmd_init, "--pkcs11-module goes with --token");
    }
    if (o.token != NULL) {
        rc = cli_token_pin_read(a, pin, sizeof(pin), &pin_len, &ask);
        if (rc != CLI_OK) {
            explicit_bzero(pass, sizeof(pass));
            return rc;
        }
        o.token_pin = ask ? NULL : pin;
        o.token_pin_len = pin_len;
        o.token_pin_cb = ask ? cli_tty_token_pin : NULL;
    }
    const char *home = cli_home(a);
    rc = eseal_instance_init(home, &o);
    explicit_bzero(pass, sizeof(pass));
    explicit_bzero(pin, sizeof(pin));
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"home\": ");
        cli_json_str(home);
        printf(", \"hierarchies\": [\"sm2\", \"p256\", \"rsa\"]");
        if (o.token != NULL) {
            printf(", \"token\": ");
            cli_json_str(o.token);
            printf(", \"in_token\": [\"p256\", \"rsa\"]");
        }
        printf("}\n");
    } else {
        /* A confirmation (stderr, silenced by --quiet): init has no result to print. */
        cli_note("initialised eseal instance in %s\n"
                 "  CA hierarchies: sm2 (SM2/SM3), p256 (ECDSA P-256), rsa (RSA 3072)\n"
                 "  each with a root and an issuing CA; sm2 and p256 also have seal-maker and TSA certificates\n"
                 "next: eseal cert issue --org NAME --uscc CODE --alg sm2",
                 home);
        if (o.token != NULL) {
            cli_note("  the p256 and rsa root CA, issuing CA, seal-maker, TSA and OCSP responder keys are in\n"
                     "  token %s (the sm2 hierarchy and the audit log keep key files)",
                     o.token);
        }
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_init = {
    "init", "create an instance: CA hierarchies, store, configuration",
    "Usage: eseal init [--home DIR] [--org NAME] [--country CC] [--base-url URL]\n"
    "                  [--token LABEL [--pkcs11-module PATH] [--pin-file F]]\n\n"
    "Creates a new instance in DIR (default $ESEAL_HOME, else $XDG_DATA_HOME/eseal, else\n"
    "~/.local/share/eseal; a service uses /var/lib/eseal): eseal.conf, the\n"
    "SQLite store eseal.db, and keys/ with every private key encrypted (PKCS#8, scrypt,\n"
    "AES-256) under the instance passphrase. Three CA hierarchies are made: sm2 and p256\n"
    "(root, issuing CA, seal-maker and TSA certificates) and rsa (root and issuing CA).\n"
    "Each certificate and first CRL is an audit log entry whose actor is you (the login name).\n"
    "The passphrase comes from --pass-file, --pass-fd, $ESEAL_PASSPHRASE, or a prompt (asked\n"
    "twice; change it later with 'eseal passwd');\n"
    "it must have at least 8 characters.\n\n"
    "  --org NAME       the platform operator, as named in CA certificates\n"
    "  --country CC     two-letter country code (default CN)\n"
    "  --base-url URL   public URL for CRL, OCSP and verification links\n"
    "  --token LABEL    make the CA keys in this PKCS#11 token: the p256 and rsa root CA, issuing\n"
    "                   CA, seal-maker, TSA and OCSP responder keys are generated in it (never\n"
    "                   extractable) and stay there (renewals too). The sm2 hierarchy keeps key\n"
    "                   files (PKCS#11 has no SM2), as does the audit log. The PIN comes from\n"
    "                   --pin-file, $ESEAL_TOKEN_PIN or a prompt; every later CA signature needs it.\n"
    "  --pkcs11-module PATH  the token's PKCS#11 module, written to eseal.conf as pkcs11_module\n"
    "                   (default: SoftHSM2's when installed)\n",
    opts, run};
