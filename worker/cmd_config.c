/*
 * cmd_config: `docpipe config check FILE`, for CI jobs and editors: every
 * error as FILE:LINE: message on stderr (the loader's, then librdkafka's
 * verdict on each kafka.* property, which the loader passes through
 * unread), exit 2; or the effective settings with secrets masked on
 * stdout, exit 0. `docpipe config [-c FILE]` and `--reference` stay in
 * cmd_worker.c. Owns nothing between calls.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

static void check_usage(FILE *f)
{
        fputs("usage: docpipe config check FILE\n\n"
              "Validates a configuration file as the worker loads it (the\n"
              "file, then DOCPIPE_* variables), and each kafka.* property\n"
              "with librdkafka. Errors go to stderr, one per line as\n"
              "FILE:LINE: message, exit status 2; otherwise the effective\n"
              "settings, secrets masked, go to stdout, exit status 0.\n",
              f);
}

/* librdkafka's verdict on each kafka.* property; returns the errors. */
static int check_kafka(const struct config *cfg, const char *path)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        int errors = 0;

        for (size_t i = 0; i < cfg->kafka_n; i++) {
                const struct config_kv *kv = &cfg->kafka[i];

                if (rd_kafka_conf_set(conf, kv->key, kv->value, errstr,
                                      sizeof(errstr)) == RD_KAFKA_CONF_OK)
                        continue;
                if (kv->line > 0)
                        fprintf(stderr, "%s:%d: kafka.%s: %s\n", path, kv->line,
                                kv->key, errstr);
                else
                        fprintf(stderr,
                                "%s: kafka.%s (from the environment): %s\n",
                                path, kv->key, errstr);
                errors++;
        }
        rd_kafka_conf_destroy(conf);
        return errors;
}

int cmd_config_check(int argc, char **argv)
{
        struct config cfg;
        struct err err;
        int errors;

        if (cmd_wants_help(argc, argv)) {
                check_usage(stdout);
                return 0;
        }
        if (argc != 2 || argv[1][0] == '-') {
                check_usage(stderr);
                return 2;
        }
        err_clear(&err);
        if (config_load(&cfg, argv[1], &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return 2;
        }
        errors = check_kafka(&cfg, argv[1]);
        if (errors == 0) {
                config_dump(&cfg, stdout);
                fprintf(stderr, "docpipe config check: %s is valid\n", argv[1]);
        }
        config_cleanup(&cfg);
        return errors ? 2 : 0;
}
