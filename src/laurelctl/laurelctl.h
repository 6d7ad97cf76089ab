/* laurelctl: the operator's tool. One file per subcommand group. */
#ifndef LAUREL_CTL_H
#define LAUREL_CTL_H

#include <libpq-fe.h>

/* Connects with LAUREL_DB; NULL after printing why. */
PGconn	*ctl_connect(void);

int	ctl_migrate(int, char **);

#endif
