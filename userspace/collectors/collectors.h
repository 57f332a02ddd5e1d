/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The collectors of this build: main.c's command table and record take them from here. */
#ifndef TAILTRACE_COLLECTORS_H
#define TAILTRACE_COLLECTORS_H

#include "core/collector.h"

extern const struct collector func_collector, sched_collector, net_collector, profile_collector;

#endif
