/*
 * Start-up: the hooks Kore calls in the parent and in each worker. The
 * parent checks everything an operator can get wrong (settings,
 * templates) so that a bad configuration stops the start with one log
 * line instead of workers crashing in a loop.
 */

#include <kore/kore.h>
#include <kore/seccomp.h>

#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/totp.h"
#include "web/app.h"
#include "web/assets.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/passwords.h"
#include "web/pubcache.h"
#include "web/settings.h"
#include "web/webmail.h"

#define APP_MMAP_BYTES	(256 * 1024)

/*
 * glibc 2.36 and libpq need these beyond Kore's own filter (KORE.md #3);
 * clone3 is refused so glibc falls back to clone, which tasks may use.
 * mremap: glibc's realloc of a large block (a page query's result of a
 * megabyte or more: the assignments of a full round).
 */
static struct sock_filter filter_laurel[] = {
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getrandom),
	KORE_SYSCALL_ALLOW(sendto),
	KORE_SYSCALL_ALLOW(recvfrom),
	KORE_SYSCALL_ALLOW(poll),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(shutdown),
	/* web/gate.c: room for an upload's temporary file. */
	KORE_SYSCALL_ALLOW(statfs),
	KORE_SYSCALL_ALLOW(fallocate),
	/* Task threads (Argon2id) under glibc and the sanitizers. */
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sched_yield),	/* work.c, waiting to start */
	KORE_SYSCALL_DENY(clone3, ENOSYS),
};

static int
app_init(void)
{
	if (sodium_init() == -1) {
		kore_log(LOG_ERR, "libsodium failed to initialise");
		return (-1);
	}
	if (totp_init() == -1) {
		kore_log(LOG_ERR, "liboath failed to initialise");
		return (-1);
	}
	if (settings_load() == -1)
		return (-1);
	if (keys_init() == -1)
		return (-1);
	if (page_init() == -1)
		return (-1);
	if (assets_init() == -1)
		return (-1);
	if (passwords_init() == -1)
		return (-1);
	if (webmail_init() == -1)
		return (-1);

	return (0);
}

/*
 * Stops the start after the line that says why. Nothing is running yet
 * that needs an orderly exit, and library destructors can hang on the
 * way out (p11-kit's, under the sanitizers, on glibc's locale lock):
 * leave at once, with the status systemd and the tests look at.
 */
static void
app_refuse(void)
{
	kore_log(LOG_ERR, "laurel: start-up refused, see the line above");
	(void)fflush(stdout);
	(void)fflush(stderr);
	_exit(1);
}

/*
 * Kore's own body limit must let documents through to the gate's; an
 * upload would otherwise end in Kore's bare 413.
 */
static int
app_check_kore(void)
{
	if (http_body_max < settings.upload_max ||
	    http_body_max < settings.body_max) {
		kore_log(LOG_ERR, "config: http_body_max (%zu) in the Kore "
		    "configuration is below LAUREL_UPLOAD_MAX (%zu) or "
		    "LAUREL_BODY_MAX (%zu); raise it", http_body_max,
		    settings.upload_max, settings.body_max);
		return (-1);
	}

	return (0);
}

/*
 * Uploads over http_body_disk_offload wait in temporary files; a worker
 * killed mid-upload leaves its file behind (KORE.md #8). Nothing else
 * may hold a plaintext document on disk, so empty the directory now.
 */
static void
app_clean_uploads(void)
{
	DIR		*dir;
	struct dirent	*de;
	char		 base[PATH_MAX], path[PATH_MAX];
	int		 n, removed;

	if (!skip_chroot && kore_root_path != NULL &&
	    http_body_disk_path[0] == '/')
		n = snprintf(base, sizeof(base), "%s%s", kore_root_path,
		    http_body_disk_path);
	else
		n = snprintf(base, sizeof(base), "%s", http_body_disk_path);
	if (n < 0 || (size_t)n >= sizeof(base))
		return;

	if ((dir = opendir(base)) == NULL)
		return;
	removed = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "http_body.", 10) != 0)
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (n > 0 && (size_t)n < sizeof(path) && unlink(path) == 0)
			removed++;
	}
	closedir(dir);

	if (removed > 0)
		kore_log(LOG_NOTICE, "laurel: removed %d upload(s) left in %s "
		    "by an earlier run", removed, base);
}

void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	if (app_init() == -1 || app_check_kore() == -1 ||
	    handler_check_routes() == -1)
		app_refuse();
	app_clean_uploads();
	if (db_register() == -1)
		app_refuse();

	kore_log(LOG_NOTICE, "laurel: ready, serving %s", settings.base_url);
}

void
kore_seccomp_hook(void)
{
	kore_seccomp_filter("laurel", filter_laurel,
	    KORE_FILTER_LEN(filter_laurel));
}

/*
 * glibc raises its mmap threshold to the size of each large block freed
 * (up to 32 MiB), after which blocks that large come from the heap and
 * stay there, scattered, once freed: a worker that had served a few
 * large pages at once kept a hundred MiB (issue 16). A fixed threshold
 * turns that off: a block of APP_MMAP_BYTES or more is mapped for itself
 * and given back when freed.
 */
static void
app_malloc(void)
{
	if (mallopt(M_MMAP_THRESHOLD, APP_MMAP_BYTES) != 1)
		kore_log(LOG_NOTICE, "laurel: malloc keeps its own threshold");
}

/*
 * A SIGHUP reload maps the module anew with every global zeroed
 * (KORE.md #7): build the state again here rather than serve without it.
 */
int
app_onload(int action)
{
	if (action == KORE_MODULE_UNLOAD)
		pubcache_stop();
	if (action != KORE_MODULE_LOAD)
		return (KORE_RESULT_OK);

	if (app_init() == -1)
		fatalx("laurel: cannot initialise the worker");
	app_malloc();
	pubcache_start();

	return (KORE_RESULT_OK);
}

/*
 * A worker that ends frees Kore's memory (kore_mem_cleanup) while its
 * task threads still wait on condition variables inside that memory;
 * they then crash on the way out. Nothing is left to flush at this
 * point (PostgreSQL sees its sockets close), so leave at once.
 */
void
kore_worker_teardown(void)
{
	_exit(0);
}
