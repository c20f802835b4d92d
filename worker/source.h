/*
 * source: fetches a document's bytes from its uri: `file://` confined to
 * the configured root (no `..`, no symlink escape, opened without
 * following symlinks), `http(s)://` through libcurl with size and time
 * limits, a host allowlist and no private addresses unless configured.
 * Synchronous and thread-safe (runs on the thread pool). Owns nothing
 * beyond one call.
 */
#ifndef DOCPIPE_SOURCE_H
#define DOCPIPE_SOURCE_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "doc.h"
#include "err.h"

/* When doc->bytes is NULL, reads doc->source into doc->bytes/len. Then sets
 * doc->sha256 and, when doc->content_type is NULL, sniffs it. Returns 0, or
 * -1 with err: ERR_INPUT for a uri outside the root, a missing file, over
 * the size cap, an unsupported scheme, an HTTP 4xx, a host not in
 * sources.http_allow_hosts, an address refused without
 * sources.http_allow_private (the message names the setting), a redirect
 * that fails those checks or one too many; ERR_RETRY for network failures,
 * time outs and HTTP 5xx/429. */
int source_fetch(struct doc *doc, const struct config *cfg, struct err *err);

/* Why the address sa (AF_INET or AF_INET6; borrowed) is no public
 * address: "unspecified", "loopback", "private", "link-local",
 * "multicast", "reserved" (documentation, benchmarking, broadcast, outside
 * IPv6 global unicast...), "not an IP" for another family; NULL for a
 * public address. IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) and
 * 6to4 IPv6 addresses are judged by the IPv4 address they carry. Static
 * strings. */
const char *source_addr_private(const struct sockaddr *sa);

/* Does host (as curl's URL parser gives it: IPv6 in brackets, maybe a
 * final dot) match one of hosts[0..n-1] (borrowed): equal, ignoring case,
 * or for an entry ".example.com", example.com or any name ending in
 * ".example.com"? n == 0 allows every host. */
int source_host_allowed(const char *host, char *const *hosts, size_t n);

/* Opens rel, a relative path without "." or ".." components (as realpath
 * writes them, less the root), below the directory dirfd with open flags
 * flags (O_NOFOLLOW and O_CLOEXEC added), following no symlink anywhere on
 * the way. openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS when
 * use_openat2 and the kernel has it, else one O_NOFOLLOW openat per
 * component. Returns a new descriptor, or -1 with errno: ELOOP, ENOTDIR or
 * EXDEV where a symlink or ".." stands in the way. */
int source_open_beneath(int dirfd, const char *rel, int flags, int use_openat2);

#endif
