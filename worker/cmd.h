/*
 * cmd: the subcommands of the docpipe binary, one function each, called by
 * main.c with the arguments after the command name (argv[0] is the command
 * name). Each returns the process exit status. Owns nothing.
 */
#ifndef DOCPIPE_CMD_H
#define DOCPIPE_CMD_H

int cmd_worker(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_broker(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_lag(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_config(int argc, char **argv);
/* `config check FILE`: argv[0] is "check" (cmd_config.c). */
int cmd_config_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_dlq(int argc, char **argv);

/* Returns 1 when argv has -h or --help (before any "--"). */
int cmd_wants_help(int argc, char **argv);

#endif
