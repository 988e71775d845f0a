/*
 * qemu-xenpv -help (vl-help.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VL_HELP_H
#define VL_HELP_H

/* The usage text of every option, on stdout. */
void vl_help(void);

#endif /* VL_HELP_H */
