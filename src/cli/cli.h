/*
 * cli.h - the tlsscope command: one cmd_<name>.c per subcommand.
 * Only the CLI calls exit(). Exit codes: 0 done, 1 an input could not be
 * read (probe: the server could not be probed), 2 usage error.
 */
#ifndef TSC_CLI_CLI_H
#define TSC_CLI_CLI_H

#define TSC_EXIT_OK 0
#define TSC_EXIT_INPUT 1
#define TSC_EXIT_USAGE 2
#define TSC_EXIT_FINDINGS 3 /* --fail-on: a finding at or above the severity */

#define TSC_VERSION "0.1.0"

int tsc_cmd_read(int argc, char **argv);
int tsc_cmd_capture(int argc, char **argv);
int tsc_cmd_rules(int argc, char **argv);
int tsc_cmd_client(int argc, char **argv);
int tsc_cmd_server(int argc, char **argv);
int tsc_cmd_demo(int argc, char **argv);
int tsc_cmd_probe(int argc, char **argv);

#endif
