/* The kernel's floor for `portdex ls --tcp`: only the system calls its answer needs.
 *
 *   gcc -O2 -o /tmp/ls_floor bench/ls_floor.c
 *   /tmp/ls_floor            # listeners and their owners (like `portdex ls --tcp`)
 *   /tmp/ls_floor -n         # listeners only (like `portdex ls --tcp --no-owners`)
 *
 * 1. One netlink sock_diag dump of the TCP listeners per family (IPv4, IPv6), read with
 *    a 64 KiB buffer (the kernel then fills its largest dump datagrams, 32 KiB).
 * 2. One pass over /proc/ *\/fd: openat+getdents64 on each process's fd directory and
 *    one readlinkat per descriptor, relative to the directory's fd; a socket whose inode
 *    is a listener's gives its owner.
 * 3. What the answer shows of an owner: its name (/proc/PID/comm, read once per owning
 *    process) and the listener's user name (/etc/passwd, read once).
 * It prints the number of listeners and how many have an owner. Nothing is formatted
 * beyond that: the difference between this and portdex is portdex's own work (and its
 * start-up), not the kernel's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct listener {
	uint32_t inode, uid;
	int owner; /* index into owners, or -1 */
};

static struct listener *ls;
static size_t nls, capls;

/* Open-addressing table inode -> listener index. */
static uint32_t *tab_key;
static int32_t *tab_val;
static size_t tab_mask;

static void tab_build(void)
{
	size_t cap = 16;
	while (cap < nls * 2)
		cap <<= 1;
	tab_mask = cap - 1;
	tab_key = calloc(cap, sizeof *tab_key);
	tab_val = malloc(cap * sizeof *tab_val);
	for (size_t i = 0; i < nls; i++) {
		size_t h = (ls[i].inode * 2654435761u) & tab_mask;
		while (tab_key[h] && tab_key[h] != ls[i].inode)
			h = (h + 1) & tab_mask;
		tab_key[h] = ls[i].inode;
		tab_val[h] = (int32_t)i;
	}
}

static int32_t tab_find(uint32_t inode)
{
	size_t h = (inode * 2654435761u) & tab_mask;
	while (tab_key[h]) {
		if (tab_key[h] == inode)
			return tab_val[h];
		h = (h + 1) & tab_mask;
	}
	return -1;
}

static int dump(int family)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
		.r = {.sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
		      .idiag_states = 1u << 10 /* LISTEN */},
	};
	if (send(fd, &req, sizeof req, 0) < 0)
		return -1;
	static char buf[64 * 1024] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -1;
			}
			struct inet_diag_msg *m = NLMSG_DATA(h);
			if (nls == capls) {
				capls = capls ? capls * 2 : 1024;
				ls = realloc(ls, capls * sizeof *ls);
			}
			ls[nls++] = (struct listener){m->idiag_inode, m->idiag_uid, -1};
		}
	}
	close(fd);
	return 0;
}

struct owner {
	int pid;
	char comm[32];
};
static struct owner *owners;
static size_t nowners;

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void owners_pass(void)
{
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return;
	static char pbuf[32 * 1024], fbuf[64 * 1024];
	char path[64], link[64];
	long n;
	while ((n = syscall(SYS_getdents64, proc, pbuf, sizeof pbuf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(pbuf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "%s/fd", d->d_name);
			int fdd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fdd < 0)
				continue;
			int pid = atoi(d->d_name), owner = -1;
			long m;
			while ((m = syscall(SYS_getdents64, fdd, fbuf, sizeof fbuf)) > 0) {
				for (long o = 0; o < m;) {
					struct linux_dirent64 *e = (struct linux_dirent64 *)(fbuf + o);
					o += e->d_reclen;
					if (e->d_name[0] == '.')
						continue;
					ssize_t k = readlinkat(fdd, e->d_name, link, sizeof link - 1);
					if (k < 9 || memcmp(link, "socket:[", 8) != 0)
						continue;
					link[k] = 0;
					int32_t i = tab_find((uint32_t)strtoul(link + 8, NULL, 10));
					if (i < 0)
						continue;
					if (owner < 0) {
						owners = realloc(owners, (nowners + 1) * sizeof *owners);
						owner = (int)nowners++;
						owners[owner].pid = pid;
						snprintf(path, sizeof path, "%d/comm", pid);
						int c = openat(proc, path, O_RDONLY | O_CLOEXEC);
						ssize_t r = c < 0 ? 0 : read(c, owners[owner].comm, 31);
						owners[owner].comm[r > 0 ? r : 0] = 0;
						if (c >= 0)
							close(c);
					}
					ls[i].owner = owner;
				}
			}
			close(fdd);
		}
	}
	close(proc);
}

int main(int argc, char **argv)
{
	int with_owners = !(argc > 1 && strcmp(argv[1], "-n") == 0);
	if (dump(AF_INET) < 0 || dump(AF_INET6) < 0) {
		perror("sock_diag");
		return 1;
	}
	/* User names: /etc/passwd, read once (portdex reads it for each distinct uid). */
	static char pw[1 << 16];
	int p = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (p >= 0) {
		ssize_t r = read(p, pw, sizeof pw - 1);
		pw[r > 0 ? r : 0] = 0;
		close(p);
	}
	size_t owned = 0;
	if (with_owners) {
		tab_build();
		owners_pass();
		for (size_t i = 0; i < nls; i++)
			owned += ls[i].owner >= 0;
	}
	printf("%zu listeners, %zu with an owner (%zu processes)\n", nls, owned, nowners);
	return 0;
}
