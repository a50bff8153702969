/* commands.h - the CLI's subcommands; each lives in src/cli/cmd_<name>.c and returns the
 * process exit status (0 ok, 1 failure, 2 usage error). The CLI uses only <shapc/...>.
 *
 * A command receives argv with argv[0] = the command name ("explain") and its own arguments
 * after it; "--help" anywhere among the options prints its usage and returns 0. To add a
 * command, declare it here and add a row to the table in main.c. */
#ifndef SHAPC_CLI_COMMANDS_H
#define SHAPC_CLI_COMMANDS_H

int shapc_cli_explain(int argc, char **argv);
int shapc_cli_info(int argc, char **argv);
int shapc_cli_predict(int argc, char **argv);
int shapc_cli_plot(int argc, char **argv);
int shapc_cli_report(int argc, char **argv);

#endif
