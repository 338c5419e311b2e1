/* SPDX-License-Identifier: Apache-2.0 */
/* The unified social credit code's check (eseal/instance.h eseal_uscc_valid): below the rooms that
 * take one (the CA's certificate requests in src/service, the accounts' organisations). */
#include <string.h>

#include "core.h"

int eseal_uscc_valid(const char *code)
{
    /* GB 32100-2015 §4: 18 characters from a 31-symbol alphabet, check character per §5 (ISO 7064 MOD 31-3). */
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (code == NULL || strlen(code) != 18) {
        return 0;
    }
    int sum = 0;
    for (int i = 0; i < 18; i++) {
        const char *pos = strchr(alphabet, code[i]);
        if (pos == NULL || code[i] == '\0') {
            return 0;
        }
        int v = (int)(pos - alphabet);
        if (i < 17) {
            sum += v * weights[i];
        } else {
            int check = 31 - sum % 31;
            if (check == 31) {
                check = 0;
            }
            return v == check;
        }
    }
    return 0;
}
