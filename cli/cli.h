/*
 * Every cli header at once, for a file not yet moved to the headers of the
 * modules it uses.
 */
#ifndef BTPAIR_CLI_H
#define BTPAIR_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mgmt/client.h"
#include "mgmt/wire.h"

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/common.h"
#include "cli/trace.h"
#include "cli/pin.h"
#include "cli/pair.h"
#include "cli/keys.h"
#include "cli/scan.h"
#include "cli/rfcomm.h"
#include "cli/serial.h"

#endif
