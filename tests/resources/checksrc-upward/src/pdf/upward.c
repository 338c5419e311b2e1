/* SPDX-License-Identifier: Apache-2.0 */
/* checksrc must refuse this tree: the formats layer reaching up to the service. */
#include "service/service.h"
