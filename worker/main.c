/*
 * main: the docpipe binary. Git-style subcommands, each in its own file
 * (cmd_*.c); this file only dispatches and prints the overview. The only
 * place that exits the process. Owns nothing.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../stages/sandbox.h"
#include "../stages/sandbox_proto.h"
#include "cmd.h"

static const struct command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} commands[] = {
        {"worker", cmd_worker, "consume jobs from Kafka and process them"},
        {"submit", cmd_submit, "produce document jobs onto the jobs topic"},
        {"broker", cmd_broker, "run librdkafka's mock Kafka cluster"},
        {"migrate", cmd_migrate, "apply the PostgreSQL migrations"},
        {"demo", cmd_demo, "run the whole pipeline on the sample documents"},
        {"lag", cmd_lag, "show a group's committed offsets and lag"},
        {"config", cmd_config, "check a configuration file, print settings"},
        {"eval", cmd_eval, "score routes on a labeled set of documents"},
        {"dlq", cmd_dlq, "list, show and replay dead letters"},
};

static void usage(FILE *f)
{
        fputs("usage: docpipe COMMAND [OPTIONS]\n\n"
              "A document-processing worker: Kafka jobs in, text extracted,\n"
              "classified, fields extracted, summarized, results and costs\n"
              "in PostgreSQL.\n\ncommands:\n",
              f);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-8s %s\n", commands[i].name,
                        commands[i].summary);
        fputs("\nRun 'docpipe COMMAND --help' for a command's options.\n", f);
}

int cmd_wants_help(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        break;
                if (strcmp(argv[i], "-h") == 0 ||
                    strcmp(argv[i], "--help") == 0)
                        return 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        signal(SIGPIPE, SIG_IGN);
        /* An extraction child, exec'd by the worker's sandbox: a hidden
         * command, and nothing else of the worker is set up in it. */
        if (argc >= 2 && strcmp(argv[1], SANDBOX_CHILD_CMD) == 0)
                return sandbox_child_main(argc - 1, argv + 1);
        /* Before any thread: libcurl's global init is not thread-safe. */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(argv[1], commands[i].name) == 0) {
                        int rc = commands[i].run(argc - 1, argv + 1);
                        curl_global_cleanup();
                        return rc;
                }
        }
        fprintf(stderr, "docpipe: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
}
