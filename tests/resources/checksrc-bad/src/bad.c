/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
int f(char *d, const char *s);
int f(char *d, const char *s) { sprintf(d, "%s", s); return atoi(s); }
