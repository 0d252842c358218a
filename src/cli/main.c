/*
 * main.c - subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs("usage: tlsscope COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "See inside TLS: every handshake in a capture, in four phases.\n"
          "\n"
          "commands:\n"
          "  read FILE...     decode every TLS/SSL connection in pcap/pcapng files\n"
          "  capture -i IF    the same, live from an interface\n"
          "  client HOST[:PORT]  a TLS or DTLS (--dtls) client (OpenSSL) showing its own handshake\n"
          "  server           a TLS or DTLS (--dtls) server showing each client's handshake\n"
          "  demo             a client and server on the loopback, their handshake explained\n"
          "  probe HOST[:PORT]   ask a server what it accepts (versions, suites, groups, ...)\n"
          "  rules            the rules behind findings (weak choices flagged)\n"
          "  help [COMMAND]   this text (also -h, --help), or a command's own help\n"
          "  version          print the version (also --version)\n"
          "\n"
          "'tlsscope COMMAND --help' lists the options of a command.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TSC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "read") == 0)
        return tsc_cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "capture") == 0)
        return tsc_cmd_capture(argc - 1, argv + 1);
    if (strcmp(cmd, "client") == 0)
        return tsc_cmd_client(argc - 1, argv + 1);
    if (strcmp(cmd, "server") == 0)
        return tsc_cmd_server(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return tsc_cmd_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "probe") == 0)
        return tsc_cmd_probe(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return tsc_cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("tlsscope %s\n", TSC_VERSION);
        return TSC_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2) {
            static const struct {
                const char *name;
                int (*fn)(int, char **);
            } cmds[] = {{"read", tsc_cmd_read},     {"capture", tsc_cmd_capture}, {"client", tsc_cmd_client},
                        {"server", tsc_cmd_server}, {"demo", tsc_cmd_demo},       {"probe", tsc_cmd_probe},
                        {"rules", tsc_cmd_rules}};
            for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
                if (strcmp(argv[2], cmds[i].name) == 0) {
                    char *av[] = {argv[2], "--help", NULL};
                    return cmds[i].fn(2, av);
                }
            }
            fprintf(stderr, "tlsscope: help: unknown command '%s'\n", argv[2]);
            return TSC_EXIT_USAGE;
        }
        usage(stdout);
        return TSC_EXIT_OK;
    }
    fprintf(stderr, "tlsscope: unknown command '%s' (try 'tlsscope help')\n", cmd);
    return TSC_EXIT_USAGE;
}
