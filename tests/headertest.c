/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled with -std=c11 -pedantic -Werror: the public API stands on its own. */
#include <eseal/eseal.h>
#include <eseal/sys/key_backend.h>
#include <eseal/sys/log_writer.h>
#include <eseal/sys/store.h>
#include <eseal/sys/store_backend.h>

int headertest_symbol(void);
int headertest_symbol(void) { return ESEAL_OK; }
