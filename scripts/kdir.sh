#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the default kernel build directory: the running kernel's when it
# exists, else the newest installed Debian linux-headers-*-amd64.
b=/lib/modules/$(uname -r)/build
if [ -d "$b" ]; then
	echo "$b"
	exit 0
fi
ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1
