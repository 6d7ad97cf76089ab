/* Kore's start-up hooks for the module (see web/app.c). */
#ifndef LAUREL_WEB_APP_H
#define LAUREL_WEB_APP_H

void	kore_parent_configure(int, char **);
void	kore_seccomp_hook(void);
void	kore_worker_teardown(void);
int	app_onload(int);

#endif
