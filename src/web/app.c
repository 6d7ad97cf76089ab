/*
 * Start-up: the hooks Kore calls in the parent and in each worker. The
 * parent checks everything an operator can get wrong (settings,
 * templates) so that a bad configuration stops the start with one log
 * line instead of workers crashing in a loop.
 */

#include <kore/kore.h>
#include <kore/seccomp.h>

#include <sodium.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "accounts.h"
#include "core/totp.h"
#include "web/app.h"
#include "web/assets.h"
#include "web/db.h"
#include "web/page.h"
#include "web/settings.h"

/*
 * glibc 2.36 and libpq need these beyond Kore's own filter (KORE.md #3);
 * clone3 is refused so glibc falls back to clone, which tasks may use.
 */
static struct sock_filter filter_laurel[] = {
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
	/* Task threads (Argon2id) under glibc and the sanitizers. */
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
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
	if (page_init() == -1)
		return (-1);
	if (assets_init() == -1)
		return (-1);
	if (accounts_init() == -1)
		return (-1);

	return (0);
}

void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	if (app_init() == -1)
		fatal("laurel: start-up refused, see the line above");
	if (db_register() == -1)
		fatal("laurel: start-up refused, see the line above");

	kore_log(LOG_NOTICE, "laurel: ready, serving %s", settings.base_url);
}

void
kore_seccomp_hook(void)
{
	kore_seccomp_filter("laurel", filter_laurel,
	    KORE_FILTER_LEN(filter_laurel));
}

/*
 * A SIGHUP reload maps the module anew with every global zeroed
 * (KORE.md #7): build the state again here rather than serve without it.
 */
int
app_onload(int action)
{
	if (action != KORE_MODULE_LOAD)
		return (KORE_RESULT_OK);

	if (app_init() == -1)
		fatalx("laurel: cannot initialise the worker");

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
