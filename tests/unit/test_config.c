/*
 * Unit tests of config.c: defaults, a valid file (nested and flat keys,
 * kafka.* pass-through in file order), every kind of error with its
 * file:line, environment overrides and their errors, size suffixes, the
 * cross-key checks, the masked dump, the reference table and cleanup; the
 * remote-model settings under models: (endpoints, routes, budgets, shadow),
 * their errors, the api_key_env warning and the example files under
 * deploy/examples/; the hostile-input settings of sources.* and Kafka's TLS
 * and SASL properties as librdkafka receives them.
 * Each test writes its YAML to a mkstemp file and removes it; the
 * environment is passed explicitly, the process environment is not touched.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <librdkafka/rdkafka.h>

#include "../../worker/config.h"
#include "../../worker/consumer.h"

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
        ck_assert_int_eq(cfg.max_inflight, 256);
        ck_assert_int_eq(cfg.low_water, 192);
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
        ck_assert_int_eq(cfg.max_inflight, 256);
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
        ck_assert_int_eq(cfg.low_water, 75); /* 3/4 of max_inflight */
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
        ck_assert_int_eq(cfg.low_water, 2); /* 3/4 of 3 */
        config_cleanup(&cfg);
        load_ok(&cfg, "worker:\n  low_water: 63\n", no_env);
        ck_assert_int_eq(cfg.low_water, 63);
        config_cleanup(&cfg);

        assert_fails("worker:\n  max_inflight: 10\n  low_water: 10\n", no_env,
                     "$:3: worker.low_water: 10 must be below "
                     "worker.max_inflight (10)");
        assert_fails("worker.low_water: 256\n", no_env,
                     "$:1: worker.low_water: 256 must be below "
                     "worker.max_inflight (256)");
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
        assert_fails("ocr:\n  languages: 'eng deu'\n", no_env,
                     "$:2: ocr.languages: 'eng deu' is not Tesseract "
                     "language names joined by '+' (eng+deu; at most 63 of "
                     "a-z _ +)");
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
        ck_assert_int_eq(cfg.low_water, 7); /* 3/4 of 10 */
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
        char *low[] = {"DOCPIPE_WORKER_LOW_WATER=256", NULL};
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
                     "env DOCPIPE_WORKER_LOW_WATER: 256 must be below "
                     "worker.max_inflight (256)");
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
        static const char want_fmt[] =
            "topics.jobs: docpipe.jobs\n"
            "topics.dlq: docpipe.jobs.dlq\n"
            "topics.retry: [docpipe.jobs.retry.1m:60s, "
            "docpipe.jobs.retry.10m:600s]\n"
            "postgres.dsn: host=/tmp port=5432 dbname=postgres\n"
            "postgres.batch_max: 64\n"
            "postgres.batch_ms: 20\n"
            "worker.max_inflight: 256\n"
            "worker.low_water: 192\n"
            "worker.threads: 2\n"
            "worker.drain_timeout_ms: 30000\n"
            "worker.retries: 3\n"
            "worker.retry_backoff_ms: 200\n"
            "worker.log_level: info\n"
            "worker.metrics_addr: 0.0.0.0:9090\n"
            "limits.max_bytes: 52428800\n"
            "limits.max_pages: 2000\n"
            "limits.max_text_bytes: 16777216\n"
            "limits.max_job_bytes: 67108864\n"
            "limits.max_page_text_bytes: 1048576\n"
            "limits.extract_memory: 1073741824\n"
            "limits.extract_timeout_ms: 60000\n"
            "limits.extract_page_ms: 10000\n"
            "limits.max_page_pixels: 50000000\n"
            "ocr.languages: eng\n"
            "ocr.vision.endpoint: \"\"\n"
            "ocr.vision.mode: fallback\n"
            "ocr.vision.below_confidence: 60\n"
            "ocr.vision.max_pages: 4\n"
            "ocr.vision.max_side: 2048\n"
            "ocr.vision.max_image_bytes: 4194304\n"
            "ocr.vision.on_failure: ocr\n"
            "sandbox.mode: process\n"
            "sandbox.children: 0\n"
            "sandbox.recycle_after: 200\n"
            "sources.file_root: \"\"\n"
            "sources.http_max_bytes: 52428800\n"
            "sources.http_timeout_ms: 30000\n"
            "sources.http_allow_hosts: []\n"
            "sources.http_allow_private: false\n"
            "model.classes: [invoice, receipt, bank_statement, "
            "annual_report, financial_report, contract, tax_form, other]\n"
            "model.summary_max_chars: 600\n"
            "model.language_data: \"\"\n"
            "model.languages: " CONFIG_LANGUAGES_DEFAULT "\n"
            "models.reference_models: [gpt-5]\n"
            "models.price_map: %s\n"
            "models.endpoints: []\n"
            "models.routes.classify: [{endpoint: builtin}]\n"
            "models.routes.fields: [{endpoint: builtin}]\n"
            "models.routes.summarize: [{endpoint: builtin}]\n"
            "models.budget.per_document_usd: 0\n"
            "models.budget.per_tenant_day_usd: 0\n"
            "models.shadow.rate: 0\n"
            "models.shadow.endpoint: \"\"\n"
            "models.shadow.stages: [classify, fields]\n"
            "kafka.bootstrap.servers: localhost:9092\n"
            "kafka.group.id: docpipe\n";
        char want[sizeof(want_fmt) + 256];
        struct config cfg;
        char *out;

        load_ok(&cfg, NULL, no_env);
        snprintf(want, sizeof(want), want_fmt, cfg.price_map);
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

/* ---- models: endpoints, routes, budgets, shadow ---- */

static char *const key_env[] = {"DEEPSEEK_API_KEY=sk-topsecret8",
                                "OPENAI_API_KEY=sk-topsecret9", NULL};

static const char models_yaml[] =
    "models:\n"                                                      /* 1 */
    "  price_map: /etc/docpipe/prices.json\n"                        /* 2 */
    "  endpoints:\n"                                                 /* 3 */
    "    - name: deepseek\n"                                         /* 4 */
    "      base_url: https://api.deepseek.com/v1\n"                  /* 5 */
    "      model: deepseek-v4-flash\n"                               /* 6 */
    "      api_key_env: DEEPSEEK_API_KEY\n"                          /* 7 */
    "      price_key: deepseek/deepseek-v4-flash\n"                  /* 8 */
    "      prices: {input_per_million: 0.14, output_per_million: 0.28, "
    "cache_read_per_million: 0.0028}\n"                              /* 9 */
    "      context_window: 128000\n"                                 /* 10 */
    "      concurrency: 16\n"                                        /* 11 */
    "      rpm: 600\n"                                               /* 12 */
    "      tpm: 1000000\n"                                           /* 13 */
    "      timeout_ms: 60000\n"                                      /* 14 */
    "      connect_timeout_ms: 5000\n"                               /* 15 */
    "      retries: 2\n"                                             /* 16 */
    "      backoff_ms: 250\n"                                        /* 17 */
    "      max_backoff_ms: 10000\n"                                  /* 18 */
    "      breaker_failures: 0\n"                                    /* 19 */
    "      breaker_cooldown_ms: 15000\n"                             /* 20 */
    "      max_reply_bytes: 4MB\n"                                   /* 21 */
    "      response_format: json_object\n"                           /* 22 */
    "      extra_body:\n"                                            /* 23 */
    "        thinking: {type: disabled}\n"                           /* 24 */
    "        enable_thinking: false\n"                               /* 25 */
    "        n: 1\n"                                                 /* 26 */
    "        top_p: 0.5\n"                                           /* 27 */
    "        temperature: 1.0\n"                                     /* 28 */
    "        seed: '42'\n"                                           /* 29 */
    "        stop: [\"\\n\\n\", END, ~, 0x10, 1e3, -7]\n"            /* 30 */
    "      extra_headers: {X-Team: docs, X-Api-Key: hunter2, X-Num: 5}\n"
    "    - name: local-gpu_1\n"                                      /* 32 */
    "      base_url: http://10.0.0.5:8000/v1/\n"                     /* 33 */
    "      model: Qwen/Qwen3-8B\n"                                   /* 34 */
    "      gpu.usd_per_hour: 2.5\n"                                  /* 35 */
    "      gpu:\n"                                                   /* 36 */
    "        input_tokens_per_s: 2500\n"                             /* 37 */
    "        output_tokens_per_s: 400\n"                             /* 38 */
    "    - {name: gpt5, base_url: \"https://api.openai.com/v1\", model: "
    "gpt-5, api_key_env: OPENAI_API_KEY}\n"                          /* 39 */
    "  routes:\n"                                                    /* 40 */
    "    classify:\n"                                                /* 41 */
    "      - endpoint: builtin\n"                                    /* 42 */
    "        escalate_below: 0.80\n"                                 /* 43 */
    "      - endpoint: deepseek\n"                                   /* 44 */
    "        languages: [en, de]\n"                                  /* 45 */
    "        max_tokens: 100000\n"                                   /* 46 */
    "      - gpt5\n"                                                 /* 47 */
    "    fields:\n"                                                  /* 48 */
    "      - endpoint: local-gpu_1\n"                                /* 49 */
    "        classes: [invoice, receipt]\n"                          /* 50 */
    "      - endpoint: deepseek\n"                                   /* 51 */
    "        classes: contract, other\n"                             /* 52 */
    "      - endpoint: gpt5\n"                                       /* 53 */
    "    summarize: [deepseek, {endpoint: builtin}]\n"               /* 54 */
    "  budget: {per_document_usd: 0.05, per_tenant_day_usd: 250}\n"  /* 55 */
    "  shadow:\n"                                                    /* 56 */
    "    rate: 0.02\n"                                               /* 57 */
    "    endpoint: gpt5\n"                                           /* 58 */
    "    stages: [fields, summarize]\n";                             /* 59 */

START_TEST(test_models_defaults)
{
        struct config cfg;

        load_ok(&cfg, NULL, no_env);
        ck_assert_str_eq(cfg.price_map,
                         access("deploy/prices/model_prices.json", R_OK) == 0
                             ? "deploy/prices/model_prices.json"
                             : "/usr/share/docpipe/model_prices.json");
        ck_assert_ptr_null(cfg.endpoints);
        ck_assert_uint_eq(cfg.endpoints_n, 0);
        for (int s = 0; s < CONFIG_STAGES; s++) {
                const struct config_route *route = &cfg.routes[s];
                ck_assert_uint_eq(route->n, 1);
                ck_assert_str_eq(route->steps[0].endpoint, "builtin");
                ck_assert(route->steps[0].escalate_below < 0);
                ck_assert_uint_eq(route->steps[0].languages_n, 0);
                ck_assert_ptr_null(route->steps[0].languages);
                ck_assert_uint_eq(route->steps[0].classes_n, 0);
                ck_assert_int_eq(route->steps[0].max_tokens, 0);
                ck_assert_int_eq(route->steps[0].line, 0);
        }
        ck_assert(cfg.budget_doc_usd == 0);
        ck_assert(cfg.budget_tenant_day_usd == 0);
        ck_assert(cfg.shadow_rate == 0);
        ck_assert_str_eq(cfg.shadow_endpoint, "");
        ck_assert_uint_eq(cfg.shadow_stages, 1u << CONFIG_STAGE_CLASSIFY |
                                                 1u << CONFIG_STAGE_FIELDS);
        ck_assert_ptr_null(config_endpoint_find(&cfg, "builtin"));
        ck_assert_str_eq(config_stage_name(CONFIG_STAGE_CLASSIFY), "classify");
        ck_assert_str_eq(config_stage_name(CONFIG_STAGE_FIELDS), "fields");
        ck_assert_str_eq(config_stage_name(CONFIG_STAGE_SUMMARIZE),
                         "summarize");
        ck_assert_ptr_null(config_stage_name(CONFIG_STAGES));
        ck_assert_ptr_null(config_stage_name(-1));
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));

        /* Empty sections keep the defaults; "" is the default price map. */
        load_ok(&cfg,
                "models:\n  price_map: ''\n  endpoints: ~\n  routes:\n"
                "  budget: {}\n  shadow: null\n",
                no_env);
        ck_assert_uint_eq(cfg.endpoints_n, 0);
        ck_assert_str_eq(cfg.routes[CONFIG_STAGE_FIELDS].steps[0].endpoint,
                         "builtin");
        ck_assert_str_ne(cfg.price_map, "");
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_models_valid)
{
        const struct config_endpoint *ep;
        const struct config_route *route;
        json_t *want;
        json_error_t jerr;
        struct config cfg;

        load_ok(&cfg, models_yaml, key_env);
        ck_assert_str_eq(cfg.price_map, "/etc/docpipe/prices.json");
        ck_assert_uint_eq(cfg.endpoints_n, 3);

        ep = config_endpoint_find(&cfg, "deepseek");
        ck_assert_ptr_eq(ep, &cfg.endpoints[0]);
        ck_assert_int_eq(ep->line, 4);
        ck_assert_str_eq(ep->base_url, "https://api.deepseek.com/v1");
        ck_assert_str_eq(ep->model, "deepseek-v4-flash");
        ck_assert_str_eq(ep->api_key_env, "DEEPSEEK_API_KEY");
        ck_assert_str_eq(ep->price_key, "deepseek/deepseek-v4-flash");
        ck_assert_int_eq(ep->has_prices, 1);
        ck_assert_double_eq(ep->in_per_m, 0.14);
        ck_assert_double_eq(ep->out_per_m, 0.28);
        ck_assert_double_eq(ep->cache_per_m, 0.0028);
        ck_assert_int_eq(ep->has_gpu, 0);
        ck_assert_int_eq(ep->context_window, 128000);
        ck_assert_int_eq(ep->concurrency, 16);
        ck_assert_int_eq(ep->rpm, 600);
        ck_assert_int_eq(ep->tpm, 1000000);
        ck_assert_int_eq(ep->timeout_ms, 60000);
        ck_assert_int_eq(ep->connect_timeout_ms, 5000);
        ck_assert_int_eq(ep->retries, 2);
        ck_assert_int_eq(ep->backoff_ms, 250);
        ck_assert_int_eq(ep->max_backoff_ms, 10000);
        ck_assert_int_eq(ep->breaker_failures, 0);
        ck_assert_int_eq(ep->breaker_cooldown_ms, 15000);
        ck_assert_int_eq(ep->max_reply_bytes, 4194304);
        ck_assert_str_eq(ep->response_format, "json_object");
        /* extra_body: YAML scalars typed as the JSON they read as. */
        want = json_loads("{\"thinking\": {\"type\": \"disabled\"}, "
                          "\"enable_thinking\": false, \"n\": 1, "
                          "\"top_p\": 0.5, \"temperature\": 1.0, "
                          "\"seed\": \"42\", "
                          "\"stop\": [\"\\n\\n\", \"END\", null, 16, 1000.0, "
                          "-7]}",
                          0, &jerr);
        ck_assert_msg(want != NULL, "%s", jerr.text);
        ck_assert_ptr_nonnull(ep->extra_body);
        ck_assert(json_equal(ep->extra_body, want));
        ck_assert(json_is_integer(json_object_get(ep->extra_body, "n")));
        ck_assert(json_is_real(json_object_get(ep->extra_body, "temperature")));
        json_decref(want);
        want = json_loads("{\"X-Team\": \"docs\", \"X-Api-Key\": \"hunter2\", "
                          "\"X-Num\": \"5\"}",
                          0, &jerr);
        ck_assert(json_equal(ep->extra_headers, want));
        json_decref(want);

        /* Self-hosted, priced from GPU time; dotted and nested keys mix. */
        ep = config_endpoint_find(&cfg, "local-gpu_1");
        ck_assert_ptr_eq(ep, &cfg.endpoints[1]);
        ck_assert_int_eq(ep->line, 32);
        ck_assert_str_eq(ep->base_url, "http://10.0.0.5:8000/v1/");
        ck_assert_str_eq(ep->price_key, "Qwen/Qwen3-8B"); /* = model */
        ck_assert_int_eq(ep->has_prices, 0);
        ck_assert_int_eq(ep->has_gpu, 1);
        ck_assert_double_eq(ep->gpu_usd_per_hour, 2.5);
        ck_assert_double_eq(ep->gpu_in_tps, 2500);
        ck_assert_double_eq(ep->gpu_out_tps, 400);

        /* Every key left out takes its default. */
        ep = config_endpoint_find(&cfg, "gpt5");
        ck_assert_int_eq(ep->line, 39);
        ck_assert_str_eq(ep->api_key_env, "OPENAI_API_KEY");
        ck_assert_str_eq(ep->price_key, "gpt-5");
        ck_assert_int_eq(ep->context_window, 0);
        ck_assert_int_eq(ep->concurrency, 64);
        ck_assert_int_eq(ep->rpm, 0);
        ck_assert_int_eq(ep->tpm, 0);
        ck_assert_int_eq(ep->timeout_ms, 120000);
        ck_assert_int_eq(ep->connect_timeout_ms, 10000);
        ck_assert_int_eq(ep->retries, 4);
        ck_assert_int_eq(ep->backoff_ms, 500);
        ck_assert_int_eq(ep->max_backoff_ms, 30000);
        ck_assert_int_eq(ep->breaker_failures, 5);
        ck_assert_int_eq(ep->breaker_cooldown_ms, 30000);
        ck_assert_int_eq(ep->max_reply_bytes, 8388608);
        ck_assert_str_eq(ep->response_format, "json_schema");
        ck_assert_ptr_null(ep->extra_body);
        ck_assert_ptr_null(ep->extra_headers);
        ck_assert_ptr_null(config_endpoint_find(&cfg, "gpt"));

        route = &cfg.routes[CONFIG_STAGE_CLASSIFY];
        ck_assert_uint_eq(route->n, 3);
        ck_assert_str_eq(route->steps[0].endpoint, "builtin");
        ck_assert_double_eq(route->steps[0].escalate_below, 0.8);
        ck_assert_int_eq(route->steps[0].line, 42);
        ck_assert_str_eq(route->steps[1].endpoint, "deepseek");
        ck_assert(route->steps[1].escalate_below < 0);
        ck_assert_uint_eq(route->steps[1].languages_n, 2);
        ck_assert_str_eq(route->steps[1].languages[0], "en");
        ck_assert_str_eq(route->steps[1].languages[1], "de");
        ck_assert_int_eq(route->steps[1].max_tokens, 100000);
        ck_assert_str_eq(route->steps[2].endpoint, "gpt5"); /* a name */
        ck_assert_int_eq(route->steps[2].line, 47);
        route = &cfg.routes[CONFIG_STAGE_FIELDS];
        ck_assert_uint_eq(route->n, 3);
        ck_assert_uint_eq(route->steps[0].classes_n, 2);
        ck_assert_str_eq(route->steps[0].classes[1], "receipt");
        ck_assert_uint_eq(route->steps[1].classes_n, 2); /* "a, b" */
        ck_assert_str_eq(route->steps[1].classes[0], "contract");
        ck_assert_str_eq(route->steps[1].classes[1], "other");
        route = &cfg.routes[CONFIG_STAGE_SUMMARIZE];
        ck_assert_uint_eq(route->n, 2);
        ck_assert_str_eq(route->steps[0].endpoint, "deepseek");
        ck_assert_str_eq(route->steps[1].endpoint, "builtin");

        ck_assert_double_eq(cfg.budget_doc_usd, 0.05);
        ck_assert_double_eq(cfg.budget_tenant_day_usd, 250);
        ck_assert_double_eq(cfg.shadow_rate, 0.02);
        ck_assert_str_eq(cfg.shadow_endpoint, "gpt5");
        ck_assert_uint_eq(cfg.shadow_stages, 1u << CONFIG_STAGE_FIELDS |
                                                 1u << CONFIG_STAGE_SUMMARIZE);
        config_cleanup(&cfg);
        ck_assert(is_zero(&cfg));

        /* Prices without a cache price: cached tokens at the input price.
         * Routes may name endpoints defined after them, and classes of a
         * taxonomy set after them. */
        load_ok(&cfg,
                "models.routes.fields: [{endpoint: a, classes: [memo]}]\n"
                "models.endpoints:\n"
                "  - {name: a, base_url: 'http://h', model: m,\n"
                "     prices: {input_per_million: 3, output_per_million: 15}}\n"
                "model.classes: [memo, other]\n",
                no_env);
        ck_assert_double_eq(cfg.endpoints[0].cache_per_m, 3);
        ck_assert_str_eq(cfg.routes[CONFIG_STAGE_FIELDS].steps[0].classes[0],
                         "memo");
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_models_dump)
{
        struct config cfg;
        char *out, *again;

        load_ok(&cfg, models_yaml, key_env);
        out = dump(&cfg);
        /* No key, nor a header that looks like a credential. */
        ck_assert_ptr_null(strstr(out, "topsecret"));
        ck_assert_ptr_null(strstr(out, "hunter2"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nmodels.price_map: /etc/docpipe/prices.json\n"
                        "models.endpoints:\n"
                        "  - name: deepseek\n"
                        "    base_url: https://api.deepseek.com/v1\n"
                        "    model: deepseek-v4-flash\n"
                        "    api_key_env: DEEPSEEK_API_KEY\n"
                        "    price_key: deepseek/deepseek-v4-flash\n"
                        "    prices.input_per_million: 0.14\n"
                        "    prices.output_per_million: 0.28\n"
                        "    prices.cache_read_per_million: 0.0028\n"
                        "    context_window: 128000\n"));
        ck_assert_ptr_nonnull(strstr(
            out, "\n    extra_body: {\"thinking\": {\"type\": \"disabled\"}, "
                 "\"enable_thinking\": false, \"n\": 1, \"top_p\": 0.5, "
                 "\"temperature\": 1.0, \"seed\": \"42\", \"stop\": "
                 "[\"\\n\\n\", \"END\", null, 16, 1000.0, -7]}\n"
                 "    extra_headers: {\"X-Team\": \"docs\", \"X-Api-Key\": "
                 "\"***\", \"X-Num\": \"5\"}\n"
                 "  - name: local-gpu_1\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\n    price_key: Qwen/Qwen3-8B\n"
                        "    gpu.usd_per_hour: 2.5\n"
                        "    gpu.input_tokens_per_s: 2500\n"
                        "    gpu.output_tokens_per_s: 400\n"
                        "    context_window: 0\n"));
        ck_assert_ptr_nonnull(strstr(
            out, "\n    response_format: json_schema\n"
                 "models.routes.classify: [{endpoint: builtin, "
                 "escalate_below: 0.8}, {endpoint: deepseek, languages: "
                 "[en, de], max_tokens: 100000}, {endpoint: gpt5}]\n"
                 "models.routes.fields: [{endpoint: local-gpu_1, classes: "
                 "[invoice, receipt]}, {endpoint: deepseek, classes: "
                 "[contract, other]}, {endpoint: gpt5}]\n"
                 "models.routes.summarize: [{endpoint: deepseek}, "
                 "{endpoint: builtin}]\n"
                 "models.budget.per_document_usd: 0.05\n"
                 "models.budget.per_tenant_day_usd: 250\n"
                 "models.shadow.rate: 0.02\n"
                 "models.shadow.endpoint: gpt5\n"
                 "models.shadow.stages: [fields, summarize]\n"
                 "kafka."));
        /* The dump loads back to the same settings. */
        config_cleanup(&cfg);
        load_ok(&cfg, out, key_env);
        again = dump(&cfg);
        ck_assert_str_eq(again, out);
        free(again);
        free(out);
        config_cleanup(&cfg);
}
END_TEST

#define EPS "models:\n  endpoints:\n"
#define EP_A "    - name: a\n      base_url: http://h/v1\n      model: m\n"

START_TEST(test_models_error_endpoints)
{
        static const struct {
                const char *yaml, *want;
        } cases[] = {
            {EPS "    - name: a\n",
             "$:3: models.endpoints[0]: base_url is required\n"
             "$:3: models.endpoints[0]: model is required"},
            {EPS "    - {model: m, base_url: 'http://h'}\n",
             "$:3: models.endpoints[0]: name is required"},
            {EPS "    - name: A b\n      base_url: http://h\n      model: m\n",
             "$:3: models.endpoints[0].name: 'A b' is not an endpoint name "
             "(1 to 32 of a-z 0-9 _ -)"},
            {EPS "    - name: builtin\n      base_url: http://h\n"
                 "      model: m\n",
             "$:3: models.endpoints[0].name: 'builtin' is reserved for the "
             "in-process model"},
            {EPS EP_A "    - name: b\n      base_url: http://h\n"
                      "      model: m\n    - name: a\n"
                      "      base_url: http://h\n      model: m\n",
             "$:9: models.endpoints[2].name: duplicate endpoint 'a' (first "
             "at line 3)"},
            {EPS EP_A "      timout_ms: 5\n",
             "$:6: models.endpoints[0]: unknown key 'timout_ms' (did you "
             "mean 'timeout_ms'?)"},
            {EPS EP_A "      colour: red\n",
             "$:6: models.endpoints[0]: unknown key 'colour'"},
            {EPS EP_A "      rpm: 1\n      rpm: 2\n",
             "$:7: duplicate key 'models.endpoints[0].rpm' (first at line "
             "6)"},
            {EPS EP_A "      retries: 21\n",
             "$:6: models.endpoints[0].retries: 21 is above the maximum 20"},
            {EPS EP_A "      concurrency: many\n",
             "$:6: models.endpoints[0].concurrency: expected an integer, "
             "got 'many'"},
            {EPS EP_A "      concurrency: 0\n",
             "$:6: models.endpoints[0].concurrency: 0 is below the minimum "
             "1"},
            {EPS EP_A "      timeout_ms: 50\n",
             "$:6: models.endpoints[0].timeout_ms: 50 is below the minimum "
             "100"},
            {EPS EP_A "      context_window: -1\n",
             "$:6: models.endpoints[0].context_window: -1 is below the "
             "minimum 0"},
            {EPS EP_A "      max_reply_bytes: 2GB\n",
             "$:6: models.endpoints[0].max_reply_bytes: 2GB is above the "
             "maximum 1GiB"},
            {EPS EP_A "      rpm: [1]\n",
             "$:6: models.endpoints[0].rpm: expected an integer, got a list"},
            {EPS EP_A "      response_format: xml\n",
             "$:6: models.endpoints[0].response_format: 'xml' is not one of "
             "json_schema, json_object, none"},
            {EPS "    - name: a\n      base_url: ftp://h/v1\n      model: m\n",
             "$:4: models.endpoints[0].base_url: 'ftp://h/v1' is not an "
             "http:// or https:// URL"},
            {EPS "    - name: a\n      base_url: http://\n      model: m\n",
             "$:4: models.endpoints[0].base_url: 'http://' is not an "
             "http:// or https:// URL"},
            {EPS "    - name: a\n      base_url: http://h/v1?k=1\n"
                 "      model: m\n",
             "$:4: models.endpoints[0].base_url: 'http://h/v1?k=1' has a "
             "query or fragment; /chat/completions is appended to it"},
            {EPS "    - name: a\n      base_url: 'http://h /v1'\n"
                 "      model: m\n",
             "$:4: models.endpoints[0].base_url: 'http://h /v1' holds a "
             "space or control character"},
            {EPS "    - name: a\n      base_url: http://h\n      model: ''\n",
             "$:5: models.endpoints[0].model: expected 1 to 256 bytes"},
            /* A key where its variable's name belongs is not repeated. */
            {EPS EP_A "      api_key_env: sk-abc123\n",
             "$:6: models.endpoints[0].api_key_env: not the name of an "
             "environment variable ([A-Z_][A-Z0-9_]*, at most 128); the key "
             "itself goes in that variable, not in this file"},
            {EPS "  - a\n",
             "$:3: models.endpoints[0]: expected a mapping, got a value"},
            {"models:\n  endpoints: {a: 1}\n",
             "$:2: models.endpoints: expected a list of endpoints, got a "
             "mapping"},
            {"models.endpoint: []\n",
             "$:1: unknown key 'models.endpoint' (did you mean "
             "'models.endpoints'?)"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_fails(cases[i].yaml, no_env, cases[i].want);
}
END_TEST

START_TEST(test_models_error_prices)
{
        char yaml[16384] = "models:\n  endpoints:\n";

        assert_fails(EPS EP_A "      prices: {input_per_million: 1, "
                              "output_per_million: 2}\n"
                              "      gpu: {usd_per_hour: 1, "
                              "input_tokens_per_s: 1, output_tokens_per_s: 1}"
                              "\n",
                     no_env,
                     "$:7: models.endpoints[0]: prices and gpu are mutually "
                     "exclusive (prices at line 6)");
        assert_fails(EPS EP_A "      gpu.usd_per_hour: 1\n"
                              "      prices.input_per_million: 1\n"
                              "      prices.output_per_million: 1\n",
                     no_env,
                     "$:7: models.endpoints[0]: prices and gpu are mutually "
                     "exclusive (gpu at line 6)");
        assert_fails(EPS EP_A "      prices: {input_per_million: 1}\n", no_env,
                     "$:6: models.endpoints[0].prices: output_per_million is "
                     "required");
        assert_fails(EPS EP_A "      gpu.usd_per_hour: 1\n", no_env,
                     "$:6: models.endpoints[0].gpu: input_tokens_per_s is "
                     "required\n"
                     "$:6: models.endpoints[0].gpu: output_tokens_per_s is "
                     "required");
        assert_fails(EPS EP_A "      prices: {input_per_million: -1, "
                              "output_per_million: 1}\n",
                     no_env,
                     "$:6: models.endpoints[0].prices.input_per_million: -1 "
                     "is below the minimum 0");
        assert_fails(EPS EP_A "      gpu: {usd_per_hour: 1, "
                              "input_tokens_per_s: 0, output_tokens_per_s: 1}"
                              "\n",
                     no_env,
                     "$:6: models.endpoints[0].gpu.input_tokens_per_s: 0 is "
                     "below the minimum 0.001");
        assert_fails(EPS EP_A "      prices: {input_per_million: cheap, "
                              "output_per_million: 1}\n",
                     no_env,
                     "$:6: models.endpoints[0].prices.input_per_million: "
                     "expected a number, got 'cheap'");
        assert_fails(EPS EP_A "      prices: 5\n", no_env,
                     "$:6: models.endpoints[0].prices: expected a mapping, "
                     "got a value");
        assert_fails(EPS EP_A "      prices: {input: 1}\n", no_env,
                     "$:6: models.endpoints[0]: unknown key 'prices.input'");
        /* At most CONFIG_MAX_ENDPOINTS. */
        for (int i = 0; i <= CONFIG_MAX_ENDPOINTS; i++)
                sprintf(yaml + strlen(yaml),
                        "    - {name: e%d, base_url: 'http://h', model: m}\n",
                        i);
        assert_fails(yaml, no_env,
                     "$:67: models.endpoints: more than 64 endpoints");
}
END_TEST

START_TEST(test_models_error_json)
{
        assert_fails(EPS EP_A "      extra_body: [1]\n", no_env,
                     "$:6: models.endpoints[0].extra_body: expected a "
                     "mapping, got a list");
        assert_fails(EPS EP_A "      extra_body: {a: .inf}\n", no_env,
                     "$:6: models.endpoints[0].extra_body: .inf has no JSON "
                     "form");
        assert_fails(EPS EP_A "      extra_body: {a: [1, -.NaN]}\n", no_env,
                     "$:6: models.endpoints[0].extra_body: -.NaN has no "
                     "JSON form");
        assert_fails(EPS EP_A "      extra_body: {a: 99999999999999999999}\n",
                     no_env,
                     "$:6: models.endpoints[0].extra_body: "
                     "99999999999999999999 is out of range");
        assert_fails(EPS EP_A "      extra_body: {a: 1e999}\n", no_env,
                     "$:6: models.endpoints[0].extra_body: 1e999 is out of "
                     "range");
        assert_fails(EPS EP_A "      extra_body:\n        a: 1\n"
                              "        b: {c: 2, c: 3}\n",
                     no_env,
                     "$:8: models.endpoints[0].extra_body: duplicate key 'c' "
                     "(first at line 8)");
        assert_fails(EPS EP_A "      extra_body: {[a]: 1}\n", no_env,
                     "$:6: models.endpoints[0].extra_body: expected a key, "
                     "got a list");
        /* Aliases: a cycle is cut by depth, a bomb by the node count. */
        assert_fails(EPS EP_A "      extra_body: &x {a: *x}\n", no_env,
                     "$:6: models.endpoints[0].extra_body: nested deeper "
                     "than 8 levels");
        {
                char *path = yaml_file(
                    EPS EP_A "      extra_body:\n"
                             "        l0: &l0 [1, 2, 3, 4, 5, 6, 7, 8]\n"
                             "        l1: &l1 [*l0, *l0, *l0, *l0, *l0]\n"
                             "        l2: &l2 [*l1, *l1, *l1, *l1, *l1]\n"
                             "        l3: &l3 [*l2, *l2, *l2, *l2, *l2]\n"
                             "        l4: &l4 [*l3, *l3, *l3, *l3, *l3]\n"
                             "        l5: [*l4, *l4, *l4, *l4, *l4]\n");
                struct config cfg;
                struct err err;
                ck_assert_int_eq(config_load_env(&cfg, path, no_env, &err), -1);
                ck_assert_msg(strstr(err.msg, ": more than 1000 keys"), "%s",
                              err.msg);
                ck_assert(is_zero(&cfg));
                yaml_remove(path);
        }

        assert_fails(EPS EP_A "      extra_headers: [a]\n", no_env,
                     "$:6: models.endpoints[0].extra_headers: expected a "
                     "mapping, got a list");
        assert_fails(EPS EP_A "      extra_headers: {Authorization: "
                              "Bearer sk-x}\n",
                     no_env,
                     "$:6: models.endpoints[0].extra_headers: Authorization "
                     "is made from api_key_env: the key goes in that "
                     "variable, not in this file");
        assert_fails(EPS EP_A "      extra_headers: {authorization: x}\n",
                     no_env,
                     "$:6: models.endpoints[0].extra_headers: Authorization "
                     "is made from api_key_env: the key goes in that "
                     "variable, not in this file");
        assert_fails(EPS EP_A "      extra_headers: {'bad name': x}\n", no_env,
                     "$:6: models.endpoints[0].extra_headers: 'bad name' is "
                     "not a header name (an HTTP token of 1 to 128 "
                     "characters)");
        assert_fails(EPS EP_A "      extra_headers:\n        X-A: 1\n"
                              "        x-a: 2\n",
                     no_env,
                     "$:8: models.endpoints[0].extra_headers: duplicate "
                     "header 'x-a' (first at line 7)");
        assert_fails(EPS EP_A "      extra_headers: {X: [1]}\n", no_env,
                     "$:6: models.endpoints[0].extra_headers: X: expected a "
                     "string, got a list");
        assert_fails(EPS EP_A "      extra_headers: {X: \"a\\r\\nY: b\"}\n",
                     no_env,
                     "$:6: models.endpoints[0].extra_headers: X: expected "
                     "one line of text, at most 1021 bytes with the name");
}
END_TEST

START_TEST(test_models_error_routes)
{
        char yaml[4096] = "models:\n  routes:\n    classify:\n";

        assert_fails("models:\n  routes:\n    classify: []\n", no_env,
                     "$:3: models.routes.classify: at least one step is "
                     "required");
        assert_fails("models:\n  routes:\n    fields:\n    summarize: ~\n",
                     no_env,
                     "$:3: models.routes.fields: at least one step is "
                     "required\n"
                     "$:4: models.routes.summarize: at least one step is "
                     "required");
        assert_fails("models:\n  routes:\n    classify: {endpoint: builtin}\n",
                     no_env,
                     "$:3: models.routes.classify: expected a list of steps, "
                     "got a mapping");
        assert_fails("models:\n  routes: [builtin]\n", no_env,
                     "$:2: models.routes: expected a mapping, got a list");
        assert_fails("models:\n  routes:\n    clasify: [builtin]\n", no_env,
                     "$:3: unknown key 'models.routes.clasify' (did you mean "
                     "'models.routes.classify'?)");
        assert_fails("models:\n  routes:\n    ocr: [builtin]\n", no_env,
                     "$:3: unknown key 'models.routes.ocr'");
        assert_fails("models:\n  routes:\n    classify: [builtin]\n"
                     "models.routes.classify: [builtin]\n",
                     no_env,
                     "$:4: duplicate key 'models.routes.classify' (first at "
                     "line 3)");
        /* Escalating is the builtin step's, and needs a next step. */
        assert_fails(EPS EP_A "  routes:\n    classify:\n"
                              "      - endpoint: a\n"
                              "        escalate_below: 0.5\n"
                              "      - builtin\n",
                     no_env,
                     "$:9: models.routes.classify[0].escalate_below: only a "
                     "builtin step escalates, this one is 'a'");
        assert_fails("models.routes.fields:\n  - endpoint: builtin\n"
                     "    escalate_below: 0.5\n",
                     no_env,
                     "$:3: models.routes.fields[0].escalate_below: the last "
                     "step has no next step to escalate to");
        assert_fails("models.routes.fields:\n  - endpoint: builtin\n"
                     "    escalate_below: 1.5\n  - builtin\n",
                     no_env,
                     "$:3: models.routes.fields[0].escalate_below: 1.5 is "
                     "above the maximum 1");
        assert_fails("models.routes.classify:\n  - endpoint: builtin\n"
                     "    classes: [invoice]\n",
                     no_env,
                     "$:3: models.routes.classify[0].classes: only fields "
                     "and summarize steps take classes (classify finds the "
                     "class)");
        assert_fails("models.routes.fields: [{languages: [en]}]\n", no_env,
                     "$:1: models.routes.fields[0]: endpoint is required");
        assert_fails("models.routes.fields: [{endpoint: builtin, "
                     "escalate_belw: 0.5}]\n",
                     no_env,
                     "$:1: models.routes.fields[0]: unknown key "
                     "'escalate_belw' (did you mean 'escalate_below'?)");
        assert_fails("models.routes.fields: [{endpoint: Builtin}]\n", no_env,
                     "$:1: models.routes.fields[0].endpoint: 'Builtin' is not "
                     "an endpoint name (1 to 32 of a-z 0-9 _ -)");
        assert_fails("models.routes.fields:\n  - endpoint: builtin\n"
                     "    languages:\n      - EN\n      - eng\n      - de\n"
                     "      - de\n      - [x]\n",
                     no_env,
                     "$:4: models.routes.fields[0].languages: 'EN' is not an "
                     "ISO 639-1 language code (two letters a-z)\n"
                     "$:5: models.routes.fields[0].languages: 'eng' is not an "
                     "ISO 639-1 language code (two letters a-z)\n"
                     "$:7: models.routes.fields[0].languages: 'de' is listed "
                     "twice\n"
                     "$:8: models.routes.fields[0].languages: expected a "
                     "language name, got a list");
        assert_fails("models.routes.fields: [{endpoint: builtin, languages: "
                     "[]}]\n",
                     no_env,
                     "$:1: models.routes.fields[0].languages: at least one "
                     "language is required");
        assert_fails("models.routes.fields: [{endpoint: builtin, classes: "
                     "[Invoice]}]\n",
                     no_env,
                     "$:1: models.routes.fields[0].classes: 'Invoice' is not "
                     "a class name (1 to 63 of a-z 0-9 _)");
        assert_fails("models.routes.fields: [{endpoint: builtin, max_tokens: "
                     "0}]\n",
                     no_env,
                     "$:1: models.routes.fields[0].max_tokens: 0 is below "
                     "the minimum 1");
        assert_fails("models.routes.fields:\n  - [builtin]\n  -\n", no_env,
                     "$:2: models.routes.fields[0]: expected a mapping or an "
                     "endpoint name, got a list\n"
                     "$:3: models.routes.fields[1]: expected a mapping or an "
                     "endpoint name, got nothing");
        for (int i = 0; i <= CONFIG_MAX_STEPS; i++)
                strcat(yaml, "      - builtin\n");
        assert_fails(yaml, no_env,
                     "$:20: models.routes.classify: more than 16 steps");
}
END_TEST

/* The checks that name another key run when all of the file is in. */
START_TEST(test_models_error_refs)
{
        char *classes[] = {"DOCPIPE_MODEL_CLASSES=a,b", NULL};
        char *rate[] = {"DOCPIPE_MODELS_SHADOW_RATE=0.02", NULL};

        assert_fails("models:\n  endpoints:\n"
                     "    - {name: deepseek, base_url: 'http://h', model: m}\n"
                     "  routes:\n    classify:\n      - endpoint: bultin\n"
                     "      - deepsek\n      - nope\n",
                     no_env,
                     "$:6: models.routes.classify[0].endpoint: 'bultin' is "
                     "not in models.endpoints (did you mean 'builtin'?)\n"
                     "$:7: models.routes.classify[1].endpoint: 'deepsek' is "
                     "not in models.endpoints (did you mean 'deepseek'?)\n"
                     "$:8: models.routes.classify[2].endpoint: 'nope' is not "
                     "in models.endpoints");
        assert_fails("models:\n  endpoints:\n"
                     "    - {name: a, base_url: 'http://h', model: m, "
                     "context_window: 8192}\n"
                     "  routes.summarize:\n    - endpoint: a\n"
                     "      max_tokens: 8193\n    - builtin\n",
                     no_env,
                     "$:6: models.routes.summarize[0].max_tokens: 8193 is "
                     "above the context_window of 'a' (8192)");
        assert_fails("models.routes.summarize:\n  - endpoint: builtin\n"
                     "    classes: [invoice, invoce]\n",
                     no_env,
                     "$:3: models.routes.summarize[0].classes: 'invoce' is "
                     "not in model.classes");
        /* The taxonomy as it is after the environment. */
        assert_fails("models.routes.fields: [{endpoint: builtin, classes: "
                     "[a, invoice]}]\n",
                     classes,
                     "$:1: models.routes.fields[0].classes: 'invoice' is not "
                     "in model.classes");
        assert_fails("models:\n  shadow:\n    rate: 0.5\n", no_env,
                     "$:3: models.shadow.rate: 0.5 needs "
                     "models.shadow.endpoint");
        assert_fails(NULL, rate,
                     "env DOCPIPE_MODELS_SHADOW_RATE: 0.02 needs "
                     "models.shadow.endpoint");
        assert_fails("models.shadow.endpoint: gpt5\n", no_env,
                     "$:1: models.shadow.endpoint: 'gpt5' is not in "
                     "models.endpoints");
        assert_fails("models.shadow: {rate: 1, endpoint: builtin}\n", no_env,
                     "$:1: models.shadow.endpoint: 'builtin' is not in "
                     "models.endpoints");
        assert_fails("models.shadow.stages: [ocr, fields, fields]\n", no_env,
                     "$:1: models.shadow.stages: 'ocr' is not one of "
                     "classify, fields, summarize\n"
                     "$:1: models.shadow.stages: 'fields' is listed twice");
        assert_fails("models.shadow.stages: []\n", no_env,
                     "$:1: models.shadow.stages: at least one stage is "
                     "required");
        assert_fails("models:\n  budget: {per_document_usd: -1, "
                     "per_tenant_day_usd: lots}\n",
                     no_env,
                     "$:2: models.budget.per_document_usd: -1 is below the "
                     "minimum 0\n"
                     "$:2: models.budget.per_tenant_day_usd: expected a "
                     "number, got 'lots'");
}
END_TEST

START_TEST(test_models_env)
{
        char *env[] = {
            "DOCPIPE_MODELS_PRICE_MAP=/srv/prices.json",
            "DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD=0.5",
            "DOCPIPE_MODELS_BUDGET_PER_TENANT_DAY_USD=1e3",
            "DOCPIPE_MODELS_SHADOW_RATE=.25",
            "DOCPIPE_MODELS_SHADOW_ENDPOINT=a",
            "DOCPIPE_MODELS_SHADOW_STAGES=summarize, classify",
            NULL,
        };
        char *unset[] = {"DOCPIPE_MODELS_PRICE_MAP=",
                         "DOCPIPE_MODELS_SHADOW_RATE=0", NULL};
        static const struct {
                const char *var, *want;
        } bad[] = {
            {"DOCPIPE_MODELS_SHADOW_RATE=1.5",
             "env DOCPIPE_MODELS_SHADOW_RATE: 1.5 is above the maximum 1"},
            {"DOCPIPE_MODELS_SHADOW_RATE=abc",
             "env DOCPIPE_MODELS_SHADOW_RATE: expected a number, got 'abc'"},
            {"DOCPIPE_MODELS_SHADOW_RATE=nan",
             "env DOCPIPE_MODELS_SHADOW_RATE: expected a number, got 'nan'"},
            {"DOCPIPE_MODELS_SHADOW_RATE=0x1p-3",
             "env DOCPIPE_MODELS_SHADOW_RATE: expected a number, got "
             "'0x1p-3'"},
            {"DOCPIPE_MODELS_SHADOW_RATE=",
             "env DOCPIPE_MODELS_SHADOW_RATE: expected a number, got ''"},
            {"DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD=-0.01",
             "env DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD: -0.01 is below the "
             "minimum 0"},
            {"DOCPIPE_MODELS_BUDGET_PER_TENANT_DAY_USD=1e300",
             "env DOCPIPE_MODELS_BUDGET_PER_TENANT_DAY_USD: 1e300 is above "
             "the maximum 1000000000"},
            {"DOCPIPE_MODELS_SHADOW_STAGES=ocr",
             "env DOCPIPE_MODELS_SHADOW_STAGES: 'ocr' is not one of "
             "classify, fields, summarize"},
            /* Endpoints and routes come from the file only. */
            {"DOCPIPE_MODELS_ENDPOINTS=x",
             "env DOCPIPE_MODELS_ENDPOINTS: models.endpoints is read from "
             "the file only"},
            {"DOCPIPE_MODELS_ROUTES_CLASSIFY=builtin",
             "env DOCPIPE_MODELS_ROUTES_CLASSIFY: models.routes.classify is "
             "read from the file only"},
        };
        struct config cfg;

        load_ok(&cfg,
                "models:\n  price_map: /etc/p.json\n  endpoints:\n"
                "    - {name: a, base_url: 'http://h', model: m}\n"
                "  budget.per_document_usd: 2\n",
                env);
        ck_assert_str_eq(cfg.price_map, "/srv/prices.json"); /* over file */
        ck_assert_double_eq(cfg.budget_doc_usd, 0.5);
        ck_assert_double_eq(cfg.budget_tenant_day_usd, 1000);
        ck_assert_double_eq(cfg.shadow_rate, 0.25);
        ck_assert_str_eq(cfg.shadow_endpoint, "a");
        ck_assert_uint_eq(cfg.shadow_stages, 1u << CONFIG_STAGE_CLASSIFY |
                                                 1u << CONFIG_STAGE_SUMMARIZE);
        config_cleanup(&cfg);

        /* An empty price map is the default one, also from the env. */
        load_ok(&cfg,
                "models.price_map: /etc/p.json\nmodels.shadow.rate: 0.5\n"
                "models.shadow.endpoint: a\nmodels.endpoints:\n"
                "  - {name: a, base_url: 'http://h', model: m}\n",
                unset);
        ck_assert_str_ne(cfg.price_map, "/etc/p.json");
        ck_assert_str_ne(cfg.price_map, "");
        ck_assert(cfg.shadow_rate == 0);
        config_cleanup(&cfg);

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *one[] = {(char *)bad[i].var, NULL};
                assert_fails(NULL, one, bad[i].want);
        }
}
END_TEST

/* Runs a successful load with stderr (the log) captured; returns what was
 * logged (new). */
static char *load_logged(struct config *cfg, const char *yaml,
                         char *const *envp)
{
        char path[] = "/tmp/docpipe-test-log-XXXXXX", *buf;
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        FILE *f;
        long len;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        load_ok(cfg, yaml, envp);
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        f = fdopen(fd, "r");
        ck_assert_ptr_nonnull(f);
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)len + 1);
        ck_assert_ptr_nonnull(buf);
        ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        unlink(path);
        return buf;
}

START_TEST(test_models_api_key_unset)
{
        static const char yaml[] =
            "models.endpoints:\n"
            "  - {name: ds, base_url: 'http://h', model: m, api_key_env: "
            "DEEPSEEK_API_KEY}\n"
            "  - {name: oa, base_url: 'http://h', model: m, api_key_env: "
            "OPENAI_API_KEY}\n"
            "  - {name: local, base_url: 'http://h', model: m}\n";
        char *empty[] = {"DEEPSEEK_API_KEY=", "OPENAI_API_KEY=sk-x", NULL};
        struct config cfg;
        char *log;

        /* Not an error: a warning that names the variable, not a value. */
        log = load_logged(&cfg, yaml, no_env);
        ck_assert_uint_eq(cfg.endpoints_n, 3);
        ck_assert_ptr_nonnull(
            strstr(log, "endpoint ds: api_key_env DEEPSEEK_API_KEY is not "
                        "set: its calls will fail (401) and its routes fall "
                        "back"));
        ck_assert_ptr_nonnull(
            strstr(log, "endpoint oa: api_key_env OPENAI_API_KEY is not set"));
        ck_assert_ptr_null(strstr(log, "endpoint local"));
        free(log);
        config_cleanup(&cfg);

        log = load_logged(&cfg, yaml, empty);
        ck_assert_ptr_nonnull(
            strstr(log, "endpoint ds: api_key_env DEEPSEEK_API_KEY is empty"));
        ck_assert_ptr_null(strstr(log, "endpoint oa"));
        ck_assert_ptr_null(strstr(log, "sk-x"));
        free(log);
        config_cleanup(&cfg);

        log = load_logged(&cfg, yaml, key_env);
        ck_assert_str_eq(log, "");
        free(log);
        config_cleanup(&cfg);
}
END_TEST

/* path relative to the repository, found from this file's path (new). */
static char *repo_path(const char *rel)
{
        const char *me = __FILE__, *tail = strstr(me, "tests/unit/");
        size_t head = tail ? (size_t)(tail - me) : 0;
        char *path = malloc(head + strlen(rel) + 1);

        ck_assert_ptr_nonnull(path);
        memcpy(path, me, head);
        strcpy(path + head, rel);
        return path;
}

/* Every deploy/examples/ *.yaml loads, and its dump loads back the same. */
START_TEST(test_models_examples)
{
        char *env[] = {"DEEPSEEK_API_KEY=k", "OPENAI_API_KEY=k",
                       "DASHSCOPE_API_KEY=k", NULL};
        char *dir = repo_path("deploy/examples");
        DIR *d = opendir(dir);
        struct dirent *de;
        int files = 0;

        ck_assert_msg(d != NULL, "%s", dir);
        while ((de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);
                char *path, *out, *again;
                struct config cfg;
                struct err err;
                if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
                        continue;
                path = malloc(strlen(dir) + len + 2);
                ck_assert_ptr_nonnull(path);
                sprintf(path, "%s/%s", dir, de->d_name);
                if (config_load_env(&cfg, path, env, &err) < 0)
                        ck_abort_msg("%s", err.msg);
                ck_assert_msg(cfg.endpoints_n >= 1, "%s", path);
                if (strcmp(de->d_name, "routing.yaml") == 0) {
                        const struct config_route *r =
                            &cfg.routes[CONFIG_STAGE_CLASSIFY];
                        ck_assert_str_eq(r->steps[0].endpoint, "builtin");
                        ck_assert(r->steps[0].escalate_below > 0);
                        ck_assert_str_eq(r->steps[r->n - 1].endpoint, "gpt5");
                        ck_assert_double_eq(cfg.shadow_rate, 0.02);
                        ck_assert_str_eq(cfg.shadow_endpoint, "gpt5");
                        ck_assert(cfg.budget_doc_usd > 0);
                        ck_assert(cfg.budget_tenant_day_usd > 0);
                        ck_assert_str_eq(
                            config_endpoint_find(&cfg, "deepseek")->model,
                            "deepseek-v4-flash");
                }
                out = dump(&cfg);
                config_cleanup(&cfg);
                load_ok(&cfg, out, env);
                again = dump(&cfg);
                ck_assert_str_eq(again, out);
                free(again);
                free(out);
                config_cleanup(&cfg);
                free(path);
                files++;
        }
        closedir(d);
        free(dir);
        ck_assert_int_ge(files, 8);
}
END_TEST

/* ---- security: http(s) sources, Kafka TLS and SASL, Postgres sslmode ---- */

START_TEST(test_sources_security)
{
        char *env[] = {"DOCPIPE_SOURCES_HTTP_ALLOW_HOSTS=docs.example.com, "
                       ".cdn.example.net",
                       "DOCPIPE_SOURCES_HTTP_ALLOW_PRIVATE=true", NULL};
        char *bad_bool[] = {"DOCPIPE_SOURCES_HTTP_ALLOW_PRIVATE=yes", NULL};
        struct config cfg;
        char *out;

        /* Refused by default: no allowlist, no private addresses. */
        load_ok(&cfg, NULL, no_env);
        ck_assert_uint_eq(cfg.http_allow_hosts_n, 0);
        ck_assert_int_eq(cfg.http_allow_private, 0);
        config_cleanup(&cfg);

        load_ok(&cfg,
                "sources:\n"
                "  http_allow_hosts:\n"
                "    - .example.com\n"
                "    - '[2001:db8::1]'\n"
                "    - 10.0.0.7\n"
                "  http_allow_private: true\n",
                no_env);
        ck_assert_uint_eq(cfg.http_allow_hosts_n, 3);
        ck_assert_str_eq(cfg.http_allow_hosts[0], ".example.com");
        ck_assert_str_eq(cfg.http_allow_hosts[1], "[2001:db8::1]");
        ck_assert_int_eq(cfg.http_allow_private, 1);
        out = dump(&cfg);
        ck_assert_ptr_nonnull(strstr(
            out, "\nsources.http_allow_hosts: [.example.com, \"[2001:db8::1]\","
                 " 10.0.0.7]\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nsources.http_allow_private: true\n"));
        free(out);
        config_cleanup(&cfg);

        load_ok(&cfg, "sources.http_allow_hosts: a.example.com\n", env);
        ck_assert_uint_eq(cfg.http_allow_hosts_n, 2);
        ck_assert_str_eq(cfg.http_allow_hosts[0], "docs.example.com");
        ck_assert_str_eq(cfg.http_allow_hosts[1], ".cdn.example.net");
        ck_assert_int_eq(cfg.http_allow_private, 1);
        config_cleanup(&cfg);

        assert_fails("sources:\n  http_allow_private: maybe\n", no_env,
                     "$:2: sources.http_allow_private: expected true or "
                     "false, got 'maybe'");
        assert_fails("sources:\n  http_allow_private: [true]\n", no_env,
                     "$:2: sources.http_allow_private: expected true or "
                     "false, got a list");
        assert_fails(NULL, bad_bool,
                     "env DOCPIPE_SOURCES_HTTP_ALLOW_PRIVATE: expected true "
                     "or false, got 'yes'");
        assert_fails("sources:\n  http_allow_hosts:\n    - ok.example.com\n"
                     "    - 'evil.com/x'\n",
                     no_env,
                     "$:4: sources.http_allow_hosts: 'evil.com/x' is not a "
                     "host name, a .domain or an IP address");
        assert_fails("sources.http_allow_hosts: a..b, .\n", no_env,
                     "$:1: sources.http_allow_hosts: 'a..b' is not a host "
                     "name, a .domain or an IP address");
}
END_TEST

/* TLS and SASL for Kafka reach librdkafka as they are, from the
 * environment too; their secrets never reach the dump. sslmode stays in
 * the DSN, which libpq reads. */
START_TEST(test_kafka_security)
{
        char *env[] = {
            "DOCPIPE_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
            "DOCPIPE_KAFKA_SASL_MECHANISMS=SCRAM-SHA-512",
            "DOCPIPE_KAFKA_SASL_USERNAME=docpipe",
            "DOCPIPE_KAFKA_SASL_PASSWORD=Mk-sasl-7c1e",
            "DOCPIPE_KAFKA_SSL_CA_LOCATION=/etc/ssl/certs/ca-certificates.crt",
            "DOCPIPE_KAFKA_SSL_KEY_PASSWORD=Mk-key-55aa",
            "DOCPIPE_POSTGRES_DSN=host=db user=app password=Mk-pg-0b0b "
            "sslmode=verify-full sslrootcert=/etc/docpipe/pg-ca.pem",
            NULL};
        static const struct {
                const char *key, *value;
        } want[] = {
            {"security.protocol", "sasl_ssl"},
            {"sasl.mechanisms", "SCRAM-SHA-512"},
            {"sasl.username", "docpipe"},
            {"sasl.password", "Mk-sasl-7c1e"},
            {"ssl.ca.location", "/etc/ssl/certs/ca-certificates.crt"},
            {"ssl.key.password", "Mk-key-55aa"},
        };
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        struct config cfg;
        struct err err;
        char *out;

        load_ok(&cfg, NULL, env);
        ck_assert_str_eq(config_kafka_get(&cfg, "sasl.password"),
                         "Mk-sasl-7c1e");
        err_clear(&err);
        ck_assert_int_eq(consumer_conf_apply(conf, &cfg, &err), 0);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                char value[256];
                size_t n = sizeof(value);
                ck_assert_int_eq(
                    rd_kafka_conf_get(conf, want[i].key, value, &n),
                    RD_KAFKA_CONF_OK);
                ck_assert_msg(g_ascii_strcasecmp(value, want[i].value) == 0,
                              "%s: %s", want[i].key, value);
        }
        rd_kafka_conf_destroy(conf);

        out = dump(&cfg);
        ck_assert_ptr_null(strstr(out, "Mk-"));
        ck_assert_ptr_nonnull(
            strstr(out, "\nkafka.security.protocol: SASL_SSL\n"));
        ck_assert_ptr_nonnull(strstr(out, "\nkafka.sasl.username: docpipe\n"));
        ck_assert_ptr_nonnull(strstr(out, "\nkafka.sasl.password: \"***\"\n"));
        ck_assert_ptr_nonnull(
            strstr(out, "\npostgres.dsn: host=db user=app password=*** "
                        "sslmode=verify-full "
                        "sslrootcert=/etc/docpipe/pg-ca.pem\n"));
        free(out);
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
                        "`DOCPIPE_WORKER_THREADS` | CPU thread pool "
                        "(fetching, plain text, builtin model) |\n"));
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
        ck_assert_ptr_nonnull(strstr(
            buf, "\n| `models.shadow.rate` | number 0..1 | `0` | "
                 "`DOCPIPE_MODELS_SHADOW_RATE` |"));
        ck_assert_ptr_nonnull(strstr(
            buf, "\n| `models.budget.per_document_usd` | number 0..1000 | "
                 "`0` | `DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD` |"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `models.endpoints` | list of 0..64 endpoints | "
                        "`[]` | file only |"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `models.routes.classify` | list of 1..16 steps "
                        "| `[builtin]` | file only |"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `models.shadow.stages` | list of `classify`, "
                        "`fields`, `summarize` | `[classify, fields]` | "
                        "`DOCPIPE_MODELS_SHADOW_STAGES` |"));
        /* The keys of one endpoint and of one step, in their own tables. */
        ck_assert_ptr_nonnull(
            strstr(buf, "\n\nEach entry of `models.endpoints`"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `name` | string | required | unique,"));
        ck_assert_ptr_nonnull(strstr(
            buf, "\n| `timeout_ms` | integer 100..3600000 | `120000` |"));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `max_reply_bytes` | size 1KiB..1GiB | `8MiB` |"));
        ck_assert_ptr_nonnull(strstr(buf, "\n\nEach step of "));
        ck_assert_ptr_nonnull(
            strstr(buf, "\n| `escalate_below` | number 0..1 | unset |"));
        /* The main table: header, keys, kafka; then the two others. */
        for (char *p = buf; *p && !(p[0] == '\n' && p[1] == '\n'); p++)
                rows += *p == '\n';
        /* (+ 2: sources.http_allow_hosts and http_allow_private; + 7:
         * limits.max_page_text_bytes, extract_*, sandbox.*; + 1:
         * topics.retry; + 2: worker.metrics_addr,
         * models.reference_models; + 2: limits.max_page_pixels,
         * ocr.languages; + 7: ocr.vision.*) */
        ck_assert_uint_eq(rows + 1, 2 + 33 + 2 + 7 + 1 + 3 + 2 + 2 + 7);
        rows = 0;
        for (char *p = buf; *p; p++)
                rows += strncmp(p, "\n| `", 4) == 0;
        ck_assert_uint_eq(rows, 33 + 2 + 7 + 1 + 3 + 2 + 2 + 27 + 5 + 7);
        free(buf);
}
END_TEST

START_TEST(test_example_file)
{
        char *path = repo_path("deploy/docpipe.yaml"), *want, *got;
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
        /* And endpoints with their JSON, routes with their lists. */
        assert_fails(EPS EP_A "      extra_body: {a: [1, {b: c}]}\n"
                              "      extra_headers: {X-A: b}\n"
                              "  routes:\n"
                              "    fields: [{endpoint: a, languages: [en], "
                              "classes: [p]}]\n"
                              "  shadow: {endpoint: a, stages: [fields]}\n"
                              "worker.threads: 0\n",
                     no_env, "$:11: worker.threads: 0 is below the minimum 1");
}
END_TEST


/* ocr.vision.*: defaults, a valid route, the endpoint checked against
 * models.endpoints with its line (and a near name), bounds and choices,
 * the environment. */
START_TEST(test_models_vision)
{
        struct config cfg;
        char *const env[] = {"DOCPIPE_OCR_VISION_BELOW_CONFIDENCE=40", NULL};

        load_ok(&cfg, NULL, no_env);
        ck_assert_str_eq(cfg.vision_endpoint, "");
        ck_assert_str_eq(cfg.vision_mode, "fallback");
        ck_assert_int_eq(cfg.vision_below, 60);
        ck_assert_int_eq(cfg.vision_max_pages, 4);
        ck_assert_int_eq(cfg.vision_max_side, 2048);
        ck_assert_int_eq(cfg.vision_max_bytes, 4 << 20);
        ck_assert_str_eq(cfg.vision_on_failure, "ocr");
        config_cleanup(&cfg);
        load_ok(&cfg,
                EPS EP_A "ocr:\n  vision:\n    endpoint: a\n    mode: always\n"
                         "    max_pages: 16\n    max_image_bytes: 1MiB\n"
                         "    on_failure: retry\n",
                env);
        ck_assert_str_eq(cfg.vision_endpoint, "a");
        ck_assert_str_eq(cfg.vision_mode, "always");
        ck_assert_int_eq(cfg.vision_below, 40);
        ck_assert_int_eq(cfg.vision_max_pages, 16);
        ck_assert_int_eq(cfg.vision_max_bytes, 1 << 20);
        ck_assert_str_eq(cfg.vision_on_failure, "retry");
        config_cleanup(&cfg);
        assert_fails(EPS EP_A "ocr.vision.endpoint: b\n", no_env,
                     "$:6: ocr.vision.endpoint: 'b' is not in "
                     "models.endpoints (did you mean 'a'?)");
        assert_fails("ocr:\n  vision:\n    endpoint: builtin\n", no_env,
                     "$:3: ocr.vision.endpoint: 'builtin' is not in "
                     "models.endpoints");
        assert_fails(EPS EP_A "ocr.vision: {endpoint: a, max_pages: 17}\n",
                     no_env,
                     "$:6: ocr.vision.max_pages: 17 is above the maximum "
                     "16");
        assert_fails("ocr.vision.mode: sometimes\n", no_env,
                     "$:1: ocr.vision.mode: 'sometimes' is not one of "
                     "fallback, always");
        assert_fails("ocr.vision.below_confidence: 101\n", no_env,
                     "$:1: ocr.vision.below_confidence: 101 is above the "
                     "maximum 100");
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
            {"models",
             {test_models_defaults, test_models_valid, test_models_dump,
              test_models_error_endpoints, test_models_error_prices,
              test_models_error_json, test_models_error_routes,
              test_models_error_refs, test_models_env,
              test_models_api_key_unset, test_models_examples,
              test_models_vision}},
            {"sizes", {test_sizes}},
            {"kafka", {test_kafka_get_set}},
            {"security", {test_sources_security, test_kafka_security}},
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
