// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hot/cold workload as a program of its own, built without
 * sanitizers so that tests act on a process that looks like any other.
 */
#include "workload/hotcold.h"

int main(int argc, char **argv)
{
	return udamos_workload_exec_main(argc, argv);
}
