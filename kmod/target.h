/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SYNGATE_TARGET_H
#define _SYNGATE_TARGET_H

int syngate_target_register(void);
void syngate_target_unregister(void);

#endif /* _SYNGATE_TARGET_H */
