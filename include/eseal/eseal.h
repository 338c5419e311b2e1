/* SPDX-License-Identifier: Apache-2.0 */
/* eseal — umbrella header: the whole public C API. */
#ifndef ESEAL_H
#define ESEAL_H

#include "accounts.h"
#include "audit.h"
#include "cert.h"
#include "cms.h"
#include "common.h"
#include "context.h"
#include "errors.h"
#include "governance.h"
#include "device.h"
#include "imprint.h"
#include "instance.h"
#include "platform.h"
#include "key.h"
#include "limits.h"
#include "log.h"
#include "ocsp.h"
#include "ofd.h"
#include "report.h"
#include "seal.h"
#include "records.h"
#include "server.h"
#include "trust.h"
#include "trustlist.h"
#include "tsa.h"
#include "witness.h"

#endif
