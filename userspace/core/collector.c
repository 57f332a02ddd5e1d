// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "core/collector.h"

int collector_no_args(char **args, int nargs)
{
	(void)args;
	if (!nargs)
		return 0;
	usage_error("unexpected argument '%s' (a command to run goes after '--')", args[0]);
	return SETUP_USAGE;
}
