/*
 * Unit tests of config.c: defaults, a valid file (nested and flat keys,
 * kafka.* pass-through in file order), every kind of error with its
 * file:line, environment overrides and their errors, size suffixes, the
 * cross-key checks, the masked dump, the reference table and cleanup.
 * Each test writes its YAML to a mkstemp file and removes it; the
 * environment is passed explicitly, the process environment is not touched.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../worker/config.h"

static char *const no_env[] = {NULL};

/* Writes text to a new temporary file; returns its path (new). */
static char *yaml_file(const char *text)
{
        char *path = strdup("/tmp/docpipe-test-config-XXXXXX");
        int fd;
        FILE *f;

        ck_assert_ptr_nonnull(path);
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        f = fdopen(fd, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

static void yaml_remove(char *path)
{
        unlink(path);
        free(path);
}

/* want with every '$' replaced by path. */
static char *expand(const char *want, const char *path)
{
        size_t n = strlen(want) + 1;
        char *out, *o;

        for (const char *p = want; *p; p++)
                n += *p == '$' ? strlen(path) : 0;
        out = o = malloc(n);
        ck_assert_ptr_nonnull(out);
        for (const char *p = want; *p; p++) {
                if (*p == '$')
                        o += sprintf(o, "%s", path);
                else
                        *o++ = *p;
        }
        *o = '\0';
        return out;
}

static int is_zero(const struct config *cfg)
{
        static const struct config zero;

        return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/* Loads yaml (NULL: no file) with envp and asserts that it fails with
 * exactly want ('$' stands for the file's path), leaving cfg empty. */
static void assert_fails(const char *yaml, char *const *envp, const char *want)
{
        char *path = yaml ? yaml_file(yaml) : NULL;
        char *msg = expand(want, path ? path : "");
        struct config cfg;
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(config_load_env(&cfg, path, envp, &err), -1);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_str_eq(err.msg, msg);
        ck_assert(is_zero(&cfg));
        free(msg);
        if (path)
                yaml_remove(path);
}

/* Loads yaml with envp and asserts success. */
static void load_ok(struct config *cfg, const char *yaml, char *const *envp)
{
        char *path = yaml ? yaml_file(yaml) : NULL;
        struct err err;

        err_clear(&err);
        if (config_load_env(cfg, path, envp, &err) < 0)
                ck_abort_msg("config_load_env: %s", err.msg);
        if (path)
                yaml_remove(path);
}

/* The dump of cfg, new. */
static char *dump(const struct config *cfg)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        config_dump(cfg, f);
        fclose(f);
        return buf;
}

/* ---- defaults ---- */

START_TEST(test_defaults)
{
        struct config cfg;

        load_ok(&cfg, NULL, no_env);
        ck_assert_ptr_null(cfg.path);
        ck_assert_str_eq(cfg.topic_jobs, "docpipe.jobs");
        ck_assert_str_eq(cfg.topic_dlq, "docpipe.jobs.dlq");
        ck_assert_str_eq(cfg.pg_dsn, "host=/tmp port=5432 dbname=postgres");
        ck_assert_int_eq(cfg.pg_batch_max, 64);
        ck_assert_int_eq(cfg.pg_batch_ms, 20);
        ck_assert_int_eq(cfg.max_inflight, 64);
        ck_assert_int_eq(cfg.low_water, 32);
        ck_assert_int_eq(cfg.threads, 2);
        ck_assert_int_eq(cfg.drain_ms, 30000);
        ck_assert_int_eq(cfg.retries, 3);
        ck_assert_int_eq(cfg.retry_backoff_ms, 200);
        ck_assert_str_eq(cfg.log_level, "info");
        ck_assert_int_eq(cfg.max_bytes, 52428800);
        ck_assert_int_eq(cfg.max_pages, 2000);
        ck_assert_int_eq(cfg.max_text_bytes, 16777216);
        ck_assert_int_eq(cfg.max_job_bytes, 67108864);
        ck_assert_str_eq(cfg.file_root, "");
        ck_assert_int_eq(cfg.http_max_bytes, 52428800);
        ck_assert_int_eq(cfg.http_timeout_ms, 30000);
        ck_assert_uint_eq(cfg.classes_n, 8);
        ck_assert_str_eq(cfg.classes[0], "invoice");
        ck_assert_str_eq(cfg.classes[2], "bank_statement");
        ck_assert_str_eq(cfg.classes[7], "other");
        ck_assert_ptr_null(cfg.classes[8]);
        ck_assert_int_eq(cfg.summary_max_chars, 600);
        ck_assert_str_eq(cfg.lang_dir, "");
        ck_assert_uint_eq(cfg.kafka_n, 2);
        ck_assert_str_eq(cfg.kafka[0].key, "bootstrap.servers");
        ck_assert_str_eq(cfg.kafka[0].value, "localhost:9092");
        ck_assert_str_eq(cfg.kafka[1].key, "group.id");
        ck_assert_str_eq(cfg.kafka[1].value, "docpipe");
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));

        /* No environment at all, and an empty or comments-only file. */
        load_ok(&cfg, NULL, NULL);
        ck_assert_int_eq(cfg.threads, 2);
        config_cleanup(&cfg);
        load_ok(&cfg, "", no_env);
        ck_assert_uint_eq(cfg.kafka_n, 2);
        config_cleanup(&cfg);
        load_ok(&cfg, "# nothing here\n---\n", no_env);
        ck_assert_int_eq(cfg.max_inflight, 64);
        config_cleanup(&cfg);
        load_ok(&cfg, "kafka:\nworker: ~\nlimits: {}\n", no_env);
        ck_assert_uint_eq(cfg.kafka_n, 2);
        config_cleanup(&cfg);
}
END_TEST

/* ---- a valid file ---- */

static const char valid_yaml[] =
    "# docpipe test config\n"
    "topics:\n"
    "  jobs: in.jobs\n"
    "  dlq: in.jobs.dlq\n"
    "postgres.dsn: \"host=db user=app\"\n"
    "worker:\n"
    "  max_inflight: 100\n"
    "  threads: 8\n"
    "  log_level: debug\n"
    "  retries: 0\n"
    "limits:\n"
    "  max_bytes: 10MB\n"
    "  max_text_bytes: 1048576\n"
    "sources: {file_root: /srv/docs, http_timeout_ms: 5000}\n"
    "model:\n"
    "  classes:\n"
    "    - invoice\n"
    "    - other\n"
    "  summary_max_chars: 200\n"
    "  language_data: '/usr/share/libexttextcat'\n"
    "kafka:\n"
    "  security.protocol: SASL_SSL\n"
    "  bootstrap.servers: \"b1:9093,b2:9093\"\n"
    "  session.timeout.ms: 6000\n"
    "  enable.auto.commit: false\n"
    "  client.id: '007'\n"
    "  sasl:\n"
    "    mechanism: PLAIN\n"
    "  ssl.ca.location: \"/etc/ssl/ca: #1.pem\"\n"
    "kafka.statistics.interval.ms: 0\n";

START_TEST(test_file_valid)
{
        static const char *const order[][2] = {
            {"security.protocol", "SASL_SSL"},
            {"bootstrap.servers", "b1:9093,b2:9093"},
            {"session.timeout.ms", "6000"},
            {"enable.auto.commit", "false"},
            {"client.id", "007"},
            {"sasl.mechanism", "PLAIN"},
            {"ssl.ca.location", "/etc/ssl/ca: #1.pem"},
            {"statistics.interval.ms", "0"},
            {"group.id", "docpipe"}, /* the default, after the file's */
        };
        char *path = yaml_file(valid_yaml);
        struct config cfg;
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(config_load_env(&cfg, path, no_env, &err), 0);
        ck_assert_str_eq(cfg.path, path);
        ck_assert_str_eq(cfg.topic_jobs, "in.jobs");
        ck_assert_str_eq(cfg.topic_dlq, "in.jobs.dlq");
        ck_assert_str_eq(cfg.pg_dsn, "host=db user=app");
        ck_assert_int_eq(cfg.max_inflight, 100);
        ck_assert_int_eq(cfg.low_water, 50); /* max_inflight / 2 */
        ck_assert_int_eq(cfg.threads, 8);
        ck_assert_str_eq(cfg.log_level, "debug");
        ck_assert_int_eq(cfg.retries, 0);
        ck_assert_int_eq(cfg.max_bytes, 10485760);
        ck_assert_int_eq(cfg.max_text_bytes, 1048576);
        ck_assert_str_eq(cfg.file_root, "/srv/docs");
        ck_assert_int_eq(cfg.http_timeout_ms, 5000);
        ck_assert_uint_eq(cfg.classes_n, 2);
        ck_assert_str_eq(cfg.classes[0], "invoice");
        ck_assert_str_eq(cfg.classes[1], "other");
        ck_assert_int_eq(cfg.summary_max_chars, 200);
        ck_assert_str_eq(cfg.lang_dir, "/usr/share/libexttextcat");
        /* Untouched keys keep their defaults. */
        ck_assert_int_eq(cfg.pg_batch_max, 64);
        ck_assert_int_eq(cfg.http_max_bytes, 52428800);

        ck_assert_uint_eq(cfg.kafka_n, sizeof(order) / sizeof(order[0]));
        for (size_t i = 0; i < cfg.kafka_n; i++) {
                ck_assert_str_eq(cfg.kafka[i].key, order[i][0]);
                ck_assert_str_eq(cfg.kafka[i].value, order[i][1]);
        }
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));
        yaml_remove(path);
}
END_TEST

START_TEST(test_file_kafka_alias)
{
        struct config cfg;

        /* metadata.broker.list is bootstrap.servers under another name:
         * the default must not be added after it (the last one wins). */
        load_ok(&cfg, "kafka:\n  metadata.broker.list: k:9092\n", no_env);
        ck_assert_ptr_null(config_kafka_get(&cfg, "bootstrap.servers"));
        ck_assert_str_eq(config_kafka_get(&cfg, "metadata.broker.list"),
                         "k:9092");
        ck_assert_str_eq(config_kafka_get(&cfg, "group.id"), "docpipe");
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_file_low_water)
{
        struct config cfg;

        load_ok(&cfg, "worker:\n  max_inflight: 10\n  low_water: 3\n", no_env);
        ck_assert_int_eq(cfg.low_water, 3);
        config_cleanup(&cfg);
        load_ok(&cfg, "worker:\n  max_inflight: 3\n", no_env);
        ck_assert_int_eq(cfg.low_water, 1);
        config_cleanup(&cfg);
        load_ok(&cfg, "worker:\n  low_water: 63\n", no_env);
        ck_assert_int_eq(cfg.low_water, 63);
        config_cleanup(&cfg);

        assert_fails("worker:\n  max_inflight: 10\n  low_water: 10\n", no_env,
                     "$:3: worker.low_water: 10 must be below "
                     "worker.max_inflight (10)");
        assert_fails("worker.low_water: 64\n", no_env,
                     "$:1: worker.low_water: 64 must be below "
                     "worker.max_inflight (64)");
        assert_fails("worker.max_inflight: 1\n", no_env,
                     "$:1: worker.max_inflight: 1 is below the minimum 2");
}
END_TEST

/* ---- errors in the file ---- */

START_TEST(test_error_syntax)
{
        assert_fails("worker:\n  threads: 2\n bad: [\n", no_env,
                     "$:3: did not find expected key (while parsing a block "
                     "mapping at line 1)");
        assert_fails("worker:\n\tthreads: 2\n", no_env,
                     "$:2: found character that cannot start any token "
                     "(while scanning for the next token at line 2)");
        assert_fails("topics: {jobs: a\n", no_env,
                     "$:2: did not find expected ',' or '}' (while parsing "
                     "a flow mapping at line 1)");
        assert_fails("worker.threads: 2\nworker.retries: 3: 4\n", no_env,
                     "$:2: mapping values are not allowed in this context");
        assert_fails("worker.threads: 2\ntopics.jobs: \"abc\n", no_env,
                     "$:3: found unexpected end of stream (while scanning a "
                     "quoted scalar at line 2)");
        /* Reader errors know only the byte offset: the line is counted. */
        assert_fails("worker.threads: 2\n\ntopics.jobs: \xff\n", no_env,
                     "$:3: invalid leading UTF-8 octet");
        assert_fails("topics.jobs: *nope\n", no_env,
                     "$:1: found undefined alias");
        assert_fails("worker.threads: 2\n---\nworker.threads: 3\n", no_env,
                     "$:2: more than one YAML document");
        assert_fails("worker.threads: 2\n---\nworker: [\n", no_env,
                     "$:4: did not find expected node content (while "
                     "parsing a flow node at line 4)");
}
END_TEST

START_TEST(test_error_file_size)
{
        size_t n = 1024 * 1024 + 1;
        char *big = malloc(n + 1);

        ck_assert_ptr_nonnull(big);
        memset(big, '#', n);
        big[n] = '\0';
        assert_fails(big, no_env, "$: larger than 1048576 bytes");
        free(big);
}
END_TEST

START_TEST(test_error_not_found)
{
        struct config cfg;
        struct err err;

        memset(&cfg, 0xff, sizeof(cfg)); /* not zeroed by the caller */
        ck_assert_int_eq(
            config_load_env(&cfg, "/nonexistent/docpipe.yaml", no_env, &err),
            -1);
        ck_assert_str_eq(err.msg, "/nonexistent/docpipe.yaml: cannot open: "
                                  "No such file or directory");
        ck_assert(is_zero(&cfg));
        ck_assert_int_eq(config_load_env(&cfg, "/tmp", no_env, &err), -1);
        ck_assert_str_eq(err.msg, "/tmp: cannot read: Is a directory");
}
END_TEST

START_TEST(test_error_unknown_key)
{
        assert_fails("worker:\n  threads: 2\n  max_inflite: 10\n", no_env,
                     "$:3: unknown key 'worker.max_inflite' "
                     "(did you mean 'worker.max_inflight'?)");
        assert_fails("wroker.threads: 2\n", no_env,
                     "$:1: unknown key 'wroker.threads' "
                     "(did you mean 'worker.threads'?)");
        assert_fails("colour: blue\n", no_env, "$:1: unknown key 'colour'");
        assert_fails("worker:\n  threads: 2\n  speed:\n    max: 3\n", no_env,
                     "$:4: unknown key 'worker.speed.max'");
}
END_TEST

START_TEST(test_error_type)
{
        assert_fails("worker:\n  threads: two\n", no_env,
                     "$:2: worker.threads: expected an integer, got 'two'");
        assert_fails("worker.threads: 2.5\n", no_env,
                     "$:1: worker.threads: expected an integer, got '2.5'");
        assert_fails("worker.threads: ''\n", no_env,
                     "$:1: worker.threads: expected an integer, got ''");
        assert_fails("limits:\n  max_bytes: lots\n", no_env,
                     "$:2: limits.max_bytes: expected a size (bytes, or "
                     "with KB, MB, GB), got 'lots'");
        /* A mapping or list where one value is expected. */
        assert_fails("worker:\n  threads:\n    n: 2\n", no_env,
                     "$:2: worker.threads: expected an integer, got a "
                     "mapping");
        assert_fails("topics:\n  jobs: [a, b]\n", no_env,
                     "$:2: topics.jobs: expected a string, got a list");
        assert_fails("kafka:\n  bootstrap.servers: [a, b]\n", no_env,
                     "$:2: kafka.bootstrap.servers: expected a value, got a "
                     "list");
        assert_fails("worker: 5\n", no_env,
                     "$:1: worker: expected a mapping, got a value");
        assert_fails("kafka: [a]\n", no_env,
                     "$:1: kafka: expected a mapping, got a list");
        assert_fails("- a\n- b\n", no_env,
                     "$:1: expected a mapping of keys, got a list");
        assert_fails("[a]: 1\n", no_env, "$:1: expected a key, got a list");
}
END_TEST

START_TEST(test_error_bounds)
{
        assert_fails("worker:\n  threads: 0\n", no_env,
                     "$:2: worker.threads: 0 is below the minimum 1");
        assert_fails("worker:\n  threads: 300\n", no_env,
                     "$:2: worker.threads: 300 is above the maximum 256");
        assert_fails("worker.retries: -1\n", no_env,
                     "$:1: worker.retries: -1 is below the minimum 0");
        assert_fails("worker.retries: 99999999999999999999999\n", no_env,
                     "$:1: worker.retries: 99999999999999999999999 is above "
                     "the maximum 100");
        assert_fails("model.summary_max_chars: 10\n", no_env,
                     "$:1: model.summary_max_chars: 10 is below the minimum "
                     "80");
        assert_fails("limits.max_bytes: 512\n", no_env,
                     "$:1: limits.max_bytes: 512 is below the minimum 1KiB");
        assert_fails("limits.max_bytes: 2GB\n", no_env,
                     "$:1: limits.max_bytes: 2GB is above the maximum 1GiB");
}
END_TEST

START_TEST(test_error_values)
{
        assert_fails("worker:\n  log_level: verbose\n", no_env,
                     "$:2: worker.log_level: 'verbose' is not one of debug, "
                     "info, warn, error");
        assert_fails("topics.jobs: 'my jobs'\n", no_env,
                     "$:1: topics.jobs: 'my jobs' is not a valid topic name "
                     "(1 to 249 of a-z A-Z 0-9 . _ -)");
        assert_fails("sources.file_root: data\n", no_env,
                     "$:1: sources.file_root: 'data' is not an absolute path "
                     "(empty refuses file://)");
        assert_fails("topics:\n  dlq: docpipe.jobs\n", no_env,
                     "$:2: topics.dlq: 'docpipe.jobs' is also topics.jobs");
        assert_fails("topics:\n  jobs: docpipe.jobs.dlq\n", no_env,
                     "$:2: topics.jobs: 'docpipe.jobs.dlq' is also "
                     "topics.dlq");
}
END_TEST

START_TEST(test_error_classes)
{
        char yaml[1024] = "model:\n  classes:\n";

        assert_fails("model:\n  classes:\n    - invoice\n    - Receipt\n"
                     "    - invoice\n    - [x]\n",
                     no_env,
                     "$:4: model.classes: 'Receipt' is not a class name (1 to "
                     "63 of a-z 0-9 _)\n"
                     "$:5: model.classes: 'invoice' is listed twice\n"
                     "$:6: model.classes: expected a class name, got a list");
        assert_fails("model.classes: []\n", no_env,
                     "$:1: model.classes: at least one class is required");
        assert_fails("model:\n  classes: {a: 1}\n", no_env,
                     "$:2: model.classes: expected a list, got a mapping");
        for (int i = 0; i < 33; i++)
                sprintf(yaml + strlen(yaml), "    - c%d\n", i);
        assert_fails(yaml, no_env, "$:35: model.classes: more than 32 classes");
}
END_TEST

START_TEST(test_error_classes_scalar)
{
        struct config cfg;

        /* A comma-separated scalar is the list too, as in the env. */
        load_ok(&cfg, "model.classes: invoice, other\n", no_env);
        ck_assert_uint_eq(cfg.classes_n, 2);
        ck_assert_str_eq(cfg.classes[1], "other");
        config_cleanup(&cfg);
        assert_fails("model.classes: a,,b\n", no_env,
                     "$:1: model.classes: '' is not a class name (1 to 63 of "
                     "a-z 0-9 _)");
}
END_TEST

START_TEST(test_error_duplicate)
{
        assert_fails("worker:\n  threads: 2\n  threads: 3\n", no_env,
                     "$:3: duplicate key 'worker.threads' (first at line 2)");
        assert_fails("worker:\n  threads: 2\nworker.threads: 3\n", no_env,
                     "$:3: duplicate key 'worker.threads' (first at line 2)");
        assert_fails("worker:\n  threads: 2\nworker:\n  retries: 1\n", no_env,
                     "$:3: duplicate key 'worker' (first at line 1)");
        assert_fails("kafka:\n  group.id: a\nkafka.group.id: b\n", no_env,
                     "$:3: duplicate key 'kafka.group.id' (first at line 2)");
}
END_TEST

START_TEST(test_error_limits)
{
        /* An alias cycle is cut by the depth limit. */
        assert_fails("a: &x {b: *x}\n", no_env,
                     "$:1: a.b.b.b.b.b.b.b: nested deeper than 8 levels");
        /* So is an alias bomb, by the number of keys visited: kafka.*
         * would take them all. */
        {
                static const char bomb[] =
                    "kafka:\n"
                    "  l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1}\n"
                    "  l1: &l1 {a: *l0, b: *l0, c: *l0, d: *l0, e: *l0}\n"
                    "  l2: &l2 {a: *l1, b: *l1, c: *l1, d: *l1, e: *l1}\n"
                    "  l3: &l3 {a: *l2, b: *l2, c: *l2, d: *l2, e: *l2}\n"
                    "  l4: &l4 {a: *l3, b: *l3, c: *l3, d: *l3, e: *l3}\n"
                    "  l5: &l5 {a: *l4, b: *l4, c: *l4, d: *l4, e: *l4}\n"
                    "  l6: &l6 {a: *l5, b: *l5, c: *l5, d: *l5, e: *l5}\n"
                    "  l7: &l7 {a: *l6, b: *l6, c: *l6, d: *l6, e: *l6}\n";
                char *path = yaml_file(bomb);
                struct config cfg;
                struct err err;
                ck_assert_int_eq(config_load_env(&cfg, path, no_env, &err), -1);
                ck_assert_msg(strstr(err.msg, ": more than 1000 keys"), "%s",
                              err.msg);
                ck_assert(is_zero(&cfg));
                yaml_remove(path);
        }
}
END_TEST

START_TEST(test_error_all_reported)
{
        char yaml[4096] = "";

        /* Every error is reported, file order, one per line. */
        assert_fails(
            "worker:\n  threads: 0\n  retries: x\nlimits.max_pages: 0\n",
            no_env,
            "$:2: worker.threads: 0 is below the minimum 1\n"
            "$:3: worker.retries: expected an integer, got 'x'\n"
            "$:4: limits.max_pages: 0 is below the minimum 1");
        /* Those that do not fit are counted. */
        for (int i = 0; i < 40; i++)
                sprintf(yaml + strlen(yaml), "k%d: 1\n", i);
        {
                char *path = yaml_file(yaml);
                struct config cfg;
                struct err err;
                ck_assert_int_eq(config_load_env(&cfg, path, no_env, &err), -1);
                ck_assert_ptr_nonnull(strstr(err.msg, "unknown key 'k0'"));
                ck_assert_ptr_nonnull(strstr(err.msg, " more errors)"));
                ck_assert_uint_lt(strlen(err.msg), sizeof(err.msg) - 1);
                yaml_remove(path);
        }
}
END_TEST

/* ---- environment ---- */

START_TEST(test_env_overrides)
{
        char *env[] = {
            "PATH=/usr/bin",
            "DOCPIPE_POSTGRES_DSN=host=pg password=x dbname=docs",
            "DOCPIPE_WORKER_MAX_INFLIGHT=10",
            "DOCPIPE_WORKER_THREADS=8",
            "DOCPIPE_LIMITS_MAX_BYTES=1GiB",
            "DOCPIPE_MODEL_CLASSES= a, b_2 ,c",
            "DOCPIPE_SOURCES_FILE_ROOT=",
            "DOCPIPE_KAFKA_BOOTSTRAP_SERVERS=broker:9092",
            "DOCPIPE_KAFKA_SASL_PASSWORD=pw",
            "DOCPIPE_KAFKA_LOG__LEVEL=7",
            "DOCPIPE_SERVICE_HOST=10.0.0.1",
            "DOCPIPE_KAFKA_SERVICE_PORT=9092",
            "DOCPIPE_KAFKA_PORT=tcp://10.0.0.2:9092",
            "DOCPIPE_KAFKA_PORT_9092_TCP_ADDR=10.0.0.2",
            "DOCPIPE_WORKER_MAX_INFLITE=5", /* warned about, ignored */
            NULL,
        };
        struct config cfg;

        load_ok(&cfg,
                "sources.file_root: /srv\nworker:\n  threads: 4\n"
                "kafka:\n  client.id: c\n  bootstrap.servers: file:9092\n",
                env);
        ck_assert_str_eq(cfg.pg_dsn, "host=pg password=x dbname=docs");
        ck_assert_int_eq(cfg.max_inflight, 10);
        ck_assert_int_eq(cfg.low_water, 5);
        ck_assert_int_eq(cfg.threads, 8); /* env over file */
        ck_assert_int_eq(cfg.max_bytes, 1073741824);
        ck_assert_uint_eq(cfg.classes_n, 3);
        ck_assert_str_eq(cfg.classes[0], "a");
        ck_assert_str_eq(cfg.classes[1], "b_2");
        ck_assert_str_eq(cfg.classes[2], "c");
        ck_assert_str_eq(cfg.file_root, "");
        /* The file's properties keep their place; new ones follow. */
        ck_assert_uint_eq(cfg.kafka_n, 5);
        ck_assert_str_eq(cfg.kafka[0].key, "client.id");
        ck_assert_str_eq(cfg.kafka[1].key, "bootstrap.servers");
        ck_assert_str_eq(cfg.kafka[1].value, "broker:9092");
        ck_assert_str_eq(cfg.kafka[2].key, "sasl.password");
        ck_assert_str_eq(cfg.kafka[2].value, "pw");
        ck_assert_str_eq(cfg.kafka[3].key, "log_level");
        ck_assert_str_eq(cfg.kafka[3].value, "7");
        ck_assert_str_eq(cfg.kafka[4].key, "group.id");
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_env_errors)
{
        char *threads[] = {"DOCPIPE_WORKER_THREADS=two", NULL};
        char *two[] = {"DOCPIPE_WORKER_LOG_LEVEL=loud",
                       "DOCPIPE_LIMITS_MAX_BYTES=1.5GB", NULL};
        char *low[] = {"DOCPIPE_WORKER_LOW_WATER=64", NULL};
        char *max[] = {"DOCPIPE_WORKER_MAX_INFLIGHT=8", NULL};
        char *dlq[] = {"DOCPIPE_TOPICS_DLQ=docpipe.jobs", NULL};
        char *classes[] = {"DOCPIPE_MODEL_CLASSES=", NULL};

        assert_fails(NULL, threads,
                     "env DOCPIPE_WORKER_THREADS: expected an integer, got "
                     "'two'");
        assert_fails(NULL, two,
                     "env DOCPIPE_WORKER_LOG_LEVEL: 'loud' is not one of "
                     "debug, info, warn, error\n"
                     "env DOCPIPE_LIMITS_MAX_BYTES: expected a size (bytes, "
                     "or with KB, MB, GB), got '1.5GB'");
        assert_fails(NULL, low,
                     "env DOCPIPE_WORKER_LOW_WATER: 64 must be below "
                     "worker.max_inflight (64)");
        /* The error is where low_water was set, whatever lowered max. */
        assert_fails("worker:\n  low_water: 10\n", max,
                     "$:2: worker.low_water: 10 must be below "
                     "worker.max_inflight (8)");
        assert_fails(NULL, dlq,
                     "env DOCPIPE_TOPICS_DLQ: 'docpipe.jobs' is also "
                     "topics.jobs");
        assert_fails(NULL, classes,
                     "env DOCPIPE_MODEL_CLASSES: at least one class is "
                     "required");
        /* File errors first, then the environment's. */
        assert_fails("worker.threads: 0\n", threads,
                     "$:1: worker.threads: 0 is below the minimum 1\n"
                     "env DOCPIPE_WORKER_THREADS: expected an integer, got "
                     "'two'");
}
END_TEST

/* ---- sizes ---- */

START_TEST(test_sizes)
{
        static const struct {
                const char *text;
                long long bytes;
        } ok[] = {
            {"2048", 2048},     {"4k", 4096},       {"512KB", 524288},
            {"512kb", 524288},  {"512KiB", 524288}, {"50MB", 52428800},
            {"1 MiB", 1048576}, {"1g", 1073741824}, {"1GiB", 1073741824},
            {"1024B", 1024},    {"+8MB", 8388608},
        };
        static const char *const bad[] = {"1.5GB", "50XB",  "MB",   "",
                                          "1 000", "1  MB", " 1MB", "0x10"};

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                char var[64];
                char *env[] = {var, NULL};
                struct config cfg;
                snprintf(var, sizeof(var), "DOCPIPE_SOURCES_HTTP_MAX_BYTES=%s",
                         ok[i].text);
                load_ok(&cfg, NULL, env);
                ck_assert_msg(cfg.http_max_bytes == ok[i].bytes, "%s: %lld",
                              ok[i].text, (long long)cfg.http_max_bytes);
                config_cleanup(&cfg);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char var[64], want[160];
                char *env[] = {var, NULL};
                snprintf(var, sizeof(var), "DOCPIPE_LIMITS_MAX_JOB_BYTES=%s",
                         bad[i]);
                snprintf(want, sizeof(want),
                         "env DOCPIPE_LIMITS_MAX_JOB_BYTES: expected a size "
                         "(bytes, or with KB, MB, GB), got '%s'",
                         bad[i]);
                assert_fails(NULL, env, want);
        }
        {
                char *neg[] = {"DOCPIPE_LIMITS_MAX_BYTES=-1MB", NULL};
                char *huge[] = {"DOCPIPE_LIMITS_MAX_BYTES=99999999999GB", NULL};
                assert_fails(NULL, neg,
                             "env DOCPIPE_LIMITS_MAX_BYTES: -1MB is below the "
                             "minimum 1KiB");
                assert_fails(NULL, huge,
                             "env DOCPIPE_LIMITS_MAX_BYTES: 99999999999GB is "
                             "above the maximum 1GiB");
        }
}
END_TEST

/* ---- kafka properties ---- */

START_TEST(test_kafka_get_set)
{
        struct config cfg;

        memset(&cfg, 0, sizeof(cfg));
        ck_assert_ptr_null(config_kafka_get(&cfg, "group.id"));
        config_kafka_set(&cfg, "group.id", "a");
        config_kafka_set(&cfg, "client.id", "c");
        config_kafka_set(&cfg, "group.id", "b"); /* replaced in place */
        ck_assert_uint_eq(cfg.kafka_n, 2);
        ck_assert_str_eq(cfg.kafka[0].key, "group.id");
        ck_assert_str_eq(config_kafka_get(&cfg, "group.id"), "b");
        /* Setting a value to itself (a borrowed pointer) is safe. */
        config_kafka_set(&cfg, "client.id",
                         config_kafka_get(&cfg, "client.id"));
        ck_assert_str_eq(config_kafka_get(&cfg, "client.id"), "c");
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));
}
END_TEST

/* ---- dump ---- */

START_TEST(test_dump_masks)
{
        char *env[] = {
            "DOCPIPE_POSTGRES_DSN=host=db password = 'top se\\'cret0' user=app",
            "DOCPIPE_KAFKA_SASL_PASSWORD=topsecret1",
            "DOCPIPE_KAFKA_SSL_KEY_PASSWORD=topsecret2",
            "DOCPIPE_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET=topsecret3",
            "DOCPIPE_KAFKA_SSL_KEY_PEM=topsecret4",
            "DOCPIPE_KAFKA_MY_SECRET_THING=topsecret5",
            NULL,
        };
        char *uri[] = {"DOCPIPE_POSTGRES_DSN=postgresql://app:topsecret6@db:"
                       "5432/docs?sslmode=require&password=topsecret7",
                       NULL};
        struct config cfg;
        char *out;

        load_ok(&cfg, NULL, env);
        out = dump(&cfg);
        ck_assert_ptr_null(strstr(out, "topsecret"));
        ck_assert_ptr_null(strstr(out, "cret0"));
        ck_assert_ptr_nonnull(
            strstr(out, "\npostgres.dsn: host=db password = *** user=app\n"));
        ck_assert_ptr_nonnull(strstr(out, "\nkafka.sasl.password: \"***\"\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nkafka.ssl.key.password: \"***\"\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nkafka.sasl.oauthbearer.client.secret: \"***\"\n"));
        ck_assert_ptr_nonnull(strstr(out, "\nkafka.ssl.key.pem: \"***\"\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nkafka.my.secret.thing: \"***\"\n"));
        /* The values themselves are untouched. */
        ck_assert_str_eq(config_kafka_get(&cfg, "sasl.password"), "topsecret1");
        free(out);
        config_cleanup(&cfg);

        load_ok(&cfg, NULL, uri);
        out = dump(&cfg);
        ck_assert_ptr_null(strstr(out, "topsecret"));
        ck_assert_ptr_nonnull(
            strstr(out, "\npostgres.dsn: postgresql://app:***@db:5432/"
                        "docs?sslmode=require&password=***\n"));
        free(out);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_dump_defaults)
{
        static const char want[] =
            "topics.jobs: docpipe.jobs\n"
            "topics.dlq: docpipe.jobs.dlq\n"
            "postgres.dsn: host=/tmp port=5432 dbname=postgres\n"
            "postgres.batch_max: 64\n"
            "postgres.batch_ms: 20\n"
            "worker.max_inflight: 64\n"
            "worker.low_water: 32\n"
            "worker.threads: 2\n"
            "worker.drain_timeout_ms: 30000\n"
            "worker.retries: 3\n"
            "worker.retry_backoff_ms: 200\n"
            "worker.log_level: info\n"
            "limits.max_bytes: 52428800\n"
            "limits.max_pages: 2000\n"
            "limits.max_text_bytes: 16777216\n"
            "limits.max_job_bytes: 67108864\n"
            "sources.file_root: \"\"\n"
            "sources.http_max_bytes: 52428800\n"
            "sources.http_timeout_ms: 30000\n"
            "model.classes: [invoice, receipt, bank_statement, "
            "annual_report, financial_report, contract, tax_form, other]\n"
            "model.summary_max_chars: 600\n"
            "model.language_data: \"\"\n"
            "kafka.bootstrap.servers: localhost:9092\n"
            "kafka.group.id: docpipe\n";
        struct config cfg;
        char *out;

        load_ok(&cfg, NULL, no_env);
        out = dump(&cfg);
        ck_assert_str_eq(out, want);
        free(out);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_dump_round_trip)
{
        struct config cfg;
        char *out, *again;

        /* The dump is a config file that loads to the same settings. */
        load_ok(&cfg, valid_yaml, no_env);
        config_kafka_set(&cfg, "odd.value", " lead: #x\"\\\n");
        config_kafka_set(&cfg, "empty", "");
        out = dump(&cfg);
        config_cleanup(&cfg);
        load_ok(&cfg, out, no_env);
        ck_assert_str_eq(config_kafka_get(&cfg, "odd.value"),
                         " lead: #x\"\\\n");
        again = dump(&cfg);
        ck_assert_str_eq(again, out);
        free(out);
        free(again);
        config_cleanup(&cfg);
}
END_TEST

/* ---- reference, example file, cleanup ---- */

START_TEST(test_reference)
{
        static const char head[] = "| key | type | default | environment | "
                                   "description |\n|---|---|---|---|---|\n";
        char *buf = NULL;
        size_t len = 0, rows = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        config_reference(f);
        fclose(f);
        ck_assert(strncmp(buf, head, strlen(head)) == 0);
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `worker.threads` | integer 1..256 | `2` | "
                        "`DOCPIPE_WORKER_THREADS` | CPU thread pool (parsing, "
                        "builtin model) |\n"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `limits.max_bytes` | size 1KiB..1GiB | `50MiB` | "
                        "`DOCPIPE_LIMITS_MAX_BYTES` | largest document |\n"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `worker.log_level` | one of `debug`, `info`, "
                        "`warn`, `error` | `info` |"));
        ck_assert_ptr_nonnull(
            strstr(buf, "| `sources.file_root` | string | `\"\"` |"));
        ck_assert_ptr_nonnull(strstr(
            buf, "\n| `kafka.bootstrap.servers` | string | "
                 "`localhost:9092` | `DOCPIPE_KAFKA_BOOTSTRAP_SERVERS` |"));
        ck_assert_ptr_nonnull(strstr(buf, "\n| `kafka.<property>` |"));
        for (char *p = buf; *p; p++)
                rows += *p == '\n';
        ck_assert_uint_eq(rows, 2 + 22 + 3); /* header, keys, kafka */
        free(buf);
}
END_TEST

/* deploy/docpipe.yaml, found from this file's path. */
static char *example_path(void)
{
        const char *me = __FILE__, *tail = strstr(me, "tests/unit/");
        size_t head = tail ? (size_t)(tail - me) : 0;
        char *path = malloc(head + sizeof("deploy/docpipe.yaml"));

        ck_assert_ptr_nonnull(path);
        memcpy(path, me, head);
        memcpy(path + head, "deploy/docpipe.yaml",
               sizeof("deploy/docpipe.yaml"));
        return path;
}

START_TEST(test_example_file)
{
        char *path = example_path(), *want, *got;
        struct config cfg;
        struct err err;

        /* The example lists every key with its default. */
        load_ok(&cfg, NULL, no_env);
        want = dump(&cfg);
        config_cleanup(&cfg);
        if (config_load_env(&cfg, path, no_env, &err) < 0)
                ck_abort_msg("%s", err.msg);
        got = dump(&cfg);
        ck_assert_str_eq(got, want);
        free(want);
        free(got);
        free(path);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_cleanup)
{
        struct config cfg;

        memset(&cfg, 0, sizeof(cfg));
        config_cleanup(&cfg); /* zeroed: nothing to free */
        config_cleanup(NULL);
        load_ok(&cfg, valid_yaml, no_env);
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));
        config_cleanup(&cfg); /* twice */
        /* Failing late, after the file set strings, kafka properties and
         * classes, frees them all (valgrind and ASan check the rest). */
        assert_fails("topics.jobs: a\nkafka.x: y\nmodel.classes: [p, q]\n"
                     "worker.threads: 0\n",
                     no_env, "$:4: worker.threads: 0 is below the minimum 1");
}
END_TEST

static Suite *config_suite(void)
{
        Suite *s = suite_create("config");
        struct {
                const char *name;
                const TTest *tests[12];
        } cases[] = {
            {"defaults", {test_defaults}},
            {"file",
             {test_file_valid, test_file_kafka_alias, test_file_low_water}},
            {"errors",
             {test_error_syntax, test_error_file_size, test_error_not_found,
              test_error_unknown_key, test_error_type, test_error_bounds,
              test_error_values, test_error_classes, test_error_classes_scalar,
              test_error_duplicate, test_error_limits,
              test_error_all_reported}},
            {"env", {test_env_overrides, test_env_errors}},
            {"sizes", {test_sizes}},
            {"kafka", {test_kafka_get_set}},
            {"dump",
             {test_dump_masks, test_dump_defaults, test_dump_round_trip}},
            {"reference", {test_reference, test_example_file}},
            {"cleanup", {test_cleanup}},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                TCase *tc = tcase_create(cases[i].name);
                for (size_t j = 0; j < 12 && cases[i].tests[j]; j++)
                        tcase_add_test(tc, cases[i].tests[j]);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(config_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
