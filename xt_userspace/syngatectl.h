/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syngatectl: what its files share. syngatectl.c has the key files and the
 * module's /proc/net/syngate_key, syngatectl_xdp.c the XDP program's
 * attach, detach and status, syngatectl_xdpkey.c its key map,
 * syngatectl_scope.c its scope map.
 */
#ifndef SYNGATECTL_H
#define SYNGATECTL_H

#include <stdbool.h>
#include <stdint.h>

#include "syngate_xdp.h"
#include "xdp_maps.h"

#define KEY_BYTES	16
#define KEY_HEX		(2 * KEY_BYTES)

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* How the module holds a key whose fingerprint the XDP map also has. */
enum module_role { MODULE_CURRENT, MODULE_PREVIOUS, MODULE_NEITHER,
		   MODULE_UNKNOWN };

/* syngatectl.c */
void __attribute__((noreturn)) usage(const char *msg);
void __attribute__((noreturn, format(printf, 1, 2))) usagef(const char *fmt,
							     ...);
int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...);
int read_key(const char *name, char hex[KEY_HEX + 1]);
void key_raw(const char hex[KEY_HEX + 1], uint8_t raw[KEY_BYTES]);
void key_hex(const uint8_t raw[KEY_BYTES], char hex[KEY_HEX + 1]);
uint64_t fingerprint_raw(const uint8_t raw[KEY_BYTES]);
const char *proc_path(void);
int proc_error(int err);
int module_key(const char *verb, const char hex[KEY_HEX + 1]);
enum module_role module_role(uint64_t fp);

/* syngatectl_xdp.c */
void xdp_libbpf_quiet(void);
int cmd_xdp(int argc, char **argv);
int xdp_maps_error(int err);

/* syngatectl_xdpkey.c */
int xdp_key_get(int fd, struct syngate_xdp_key *k);
int xdp_key_put(int fd, const uint8_t raw[KEY_BYTES]);
uint64_t xdp_key_fp(const struct syngate_xdp_key *k);
const char *xdp_key_role(enum module_role role);
int xdp_key_status(int fd);
int xdp_key_open(struct xdp_maps *m);
int xdp_key_follow(struct xdp_maps *m, const uint8_t raw[KEY_BYTES]);

/* syngatectl_scope.c */
int cmd_scope(int argc, char **argv);
int scope_print(int fd);

#endif /* SYNGATECTL_H */
