/*
 * cmd_kafka: the Kafka tools of the docpipe binary. `broker` runs
 * librdkafka's mock cluster (the real protocol on loopback, for tests and
 * the demo), `submit` produces document jobs, `lag` shows a consumer
 * group's committed offsets against the partitions' high watermarks.
 * Also the small Kafka helpers cmd_demo.c shares (kafka_*). Owns the
 * client handles it creates for one command.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "cmd_kafka.h"
#include "config.h"
#include "consumer.h"
#include "doc.h"
#include "job.h"
#include "log.h"

rd_kafka_t *kafka_mock_new(int brokers, int partitions,
                           const char *const *topics, size_t topics_n,
                           rd_kafka_mock_cluster_t **mcluster, struct err *err)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;

        rd_kafka_conf_set_log_cb(conf, consumer_log_cb);
        /* This handle only hosts the cluster: it connects nowhere, and
         * need not warn that it has no bootstrap.servers. */
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                err_set(err, ERR_FATAL, "mock cluster handle: %s", errstr);
                return NULL;
        }
        *mcluster = rd_kafka_mock_cluster_new(rk, brokers);
        if (!*mcluster) {
                rd_kafka_destroy(rk);
                err_set(err, ERR_FATAL, "cannot create the mock cluster");
                return NULL;
        }
        for (size_t i = 0; i < topics_n; i++) {
                rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(
                        *mcluster, topics[i], partitions, 1);
                if (e) {
                        rd_kafka_mock_cluster_destroy(*mcluster);
                        rd_kafka_destroy(rk);
                        err_set(err, ERR_FATAL, "create topic %s: %s",
                                topics[i], rd_kafka_err2str(e));
                        return NULL;
                }
        }
        return rk;
}

/* Reads a whole file into a new buffer, at most max bytes. */
static unsigned char *read_file(const char *path, size_t max, size_t *len,
                                struct err *err)
{
        FILE *f = fopen(path, "rb");
        unsigned char *buf = NULL;
        struct stat st;

        if (!f) {
                err_set(err, ERR_INPUT, "%s: %s", path, strerror(errno));
                return NULL;
        }
        if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
                err_set(err, ERR_INPUT, "%s: not a regular file", path);
                goto out;
        }
        if ((size_t)st.st_size > max) {
                err_set(err, ERR_INPUT, "%s: %lld bytes, over %zu", path,
                        (long long)st.st_size, max);
                goto out;
        }
        buf = xmalloc((size_t)st.st_size + 1);
        *len = fread(buf, 1, (size_t)st.st_size, f);
        if (*len != (size_t)st.st_size) {
                err_set(err, ERR_INPUT, "%s: short read", path);
                free(buf);
                buf = NULL;
        }
out:
        fclose(f);
        return buf;
}

/* The document id of a file: prefix + its name without the extension. */
static void kafka_file_id(const char *path, const char *prefix, char *id,
                          size_t n)
{
        char tmp[PATH_MAX];
        char *base, *dot;

        snprintf(tmp, sizeof(tmp), "%s", path);
        base = basename(tmp);
        dot = strrchr(base, '.');
        if (dot && dot != base)
                *dot = '\0';
        snprintf(id, n, "%s%s", prefix ? prefix : "", base);
}

int kafka_submit_file(rd_kafka_t *rk, const char *topic, const char *path,
                      const struct submit_opts *o, struct err *err)
{
        unsigned char *bytes = NULL;
        char *envelope = NULL;
        size_t len = 0;
        char id[512];
        rd_kafka_resp_err_t e;

        if (o->id)
                snprintf(id, sizeof(id), "%s", o->id);
        else
                kafka_file_id(path, o->id_prefix, id, sizeof(id));

        if (o->mode == SUBMIT_URI) {
                char real[PATH_MAX], uri[PATH_MAX + 16];
                if (!realpath(path, real))
                        return err_set(err, ERR_INPUT, "%s: %s", path,
                                       strerror(errno));
                snprintf(uri, sizeof(uri), "file://%s", real);
                envelope = job_envelope_new(id, o->tenant, NULL, 0, uri,
                                            o->content_type, o->stages);
        } else {
                bytes = read_file(path, (size_t)64 << 20, &len, err);
                if (!bytes)
                        return -1;
                if (o->mode == SUBMIT_ENVELOPE)
                        envelope = job_envelope_new(id, o->tenant, bytes, len,
                                                    NULL, o->content_type,
                                                    o->stages);
        }

        if (envelope) {
                e = rd_kafka_producev(
                        rk, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_KEY(id, strlen(id)),
                        RD_KAFKA_V_VALUE(envelope, strlen(envelope)),
                        RD_KAFKA_V_HEADER("content-type", JOB_ENVELOPE_TYPE,
                                          -1),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                        RD_KAFKA_V_END);
                if (!e)
                        envelope = NULL; /* now owned by rk */
        } else if (o->content_type) {
                e = rd_kafka_producev(
                        rk, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_KEY(id, strlen(id)),
                        RD_KAFKA_V_VALUE(bytes, len),
                        RD_KAFKA_V_HEADER("content-type", o->content_type, -1),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                        RD_KAFKA_V_END);
                if (!e)
                        bytes = NULL; /* now owned by rk */
        } else {
                e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_KEY(id, strlen(id)),
                                      RD_KAFKA_V_VALUE(bytes, len),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                      RD_KAFKA_V_END);
                if (!e)
                        bytes = NULL; /* now owned by rk */
        }
        free(bytes);
        free(envelope);
        if (e)
                return err_set(err, ERR_RETRY, "%s: produce: %s", path,
                               rd_kafka_err2str(e));
        rd_kafka_poll(rk, 0);
        return 0;
}

/* Counts failed deliveries; the opaque is an int counter. */
static void kafka_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque)
{
        (void)rk;
        if (rkm->err) {
                (*(int *)opaque)++;
                log_error("submit", "delivery failed: %s",
                          rd_kafka_err2str(rkm->err));
        }
}

rd_kafka_t *kafka_submitter_new(const struct config *cfg, int *failed,
                                struct err *err)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;

        rd_kafka_conf_set(conf, "message.max.bytes", "67108864", NULL, 0);
        rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
        rd_kafka_conf_set(conf, "linger.ms", "5", NULL, 0);
        for (size_t i = 0; i < cfg->kafka_n; i++) {
                /* Consumer-only properties would only make noise. */
                if (strcmp(cfg->kafka[i].key, "group.id") == 0 ||
                    strncmp(cfg->kafka[i].key, "session.", 8) == 0 ||
                    strncmp(cfg->kafka[i].key, "auto.", 5) == 0 ||
                    strncmp(cfg->kafka[i].key, "enable.auto", 11) == 0)
                        continue;
                if (rd_kafka_conf_set(conf, cfg->kafka[i].key,
                                      cfg->kafka[i].value, errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        rd_kafka_conf_destroy(conf);
                        err_set(err, ERR_FATAL, "kafka.%s: %s",
                                cfg->kafka[i].key, errstr);
                        return NULL;
                }
        }
        rd_kafka_conf_set_log_cb(conf, consumer_log_cb);
        rd_kafka_conf_set_dr_msg_cb(conf, kafka_dr_cb);
        rd_kafka_conf_set_opaque(conf, failed);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                err_set(err, ERR_FATAL, "kafka producer: %s", errstr);
                return NULL;
        }
        return rk;
}

/* Shared by the tools: -c FILE and -b BROKERS into a loaded config. */
static int kafka_tool_config(struct config *cfg, const char *path,
                             const char *brokers)
{
        struct err err;

        err_clear(&err);
        if (config_load(cfg, path, &err) < 0) {
                fprintf(stderr, "docpipe: %s\n", err.msg);
                return -1;
        }
        if (brokers)
                config_kafka_set(cfg, "bootstrap.servers", brokers);
        return 0;
}

size_t kafka_config_topics(const struct config *cfg, const char **topics,
                           size_t max)
{
        size_t n = 0;

        if (n < max)
                topics[n++] = cfg->topic_jobs;
        if (n < max)
                topics[n++] = cfg->topic_dlq;
        for (size_t i = 0; i < cfg->retry_n && n < max; i++)
                topics[n++] = cfg->retry[i].topic;
        return n;
}

static void broker_usage(FILE *f)
{
        fputs("usage: docpipe broker [-c FILE] [-n BROKERS] "
              "[-p PARTITIONS] [-t TOPIC]...\n\n"
              "Runs librdkafka's mock Kafka cluster on loopback until "
              "SIGTERM or\nSIGINT, and prints its bootstrap address on the "
              "first line of stdout.\nIt speaks the real protocol: the "
              "worker, submit and kcat use it\nlike a real cluster. Topics "
              "(default: those of the configuration, -c FILE\nand "
              "DOCPIPE_*: topics.jobs, topics.dlq, the topics.retry tiers)\n"
              "are created "
              "with PARTITIONS partitions (default 4). Each mock\npartition "
              "keeps only about 5 MB: use file:// jobs for big corpora.\n"
              "SIGUSR1 takes every broker down, SIGUSR2 brings them back, "
              "SIGHUP makes\nthe next fetch, commit and heartbeat requests "
              "fail (tests).\n",
              f);
}

/* Kafka protocol API keys (the protocol's numbers; librdkafka does not
 * install its names). */
enum { API_FETCH = 1, API_OFFSET_COMMIT = 8, API_HEARTBEAT = 12 };

/* The next requests of a few kinds fail with errors a client must ride
 * out: fetches from a partition leader that moved, commits to a
 * coordinator still loading, heartbeats during a rebalance (which makes
 * the member rejoin). */
static void broker_request_errors(rd_kafka_mock_cluster_t *mcluster)
{
        rd_kafka_mock_push_request_errors(
                mcluster, API_FETCH, 5,
                RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
        rd_kafka_mock_push_request_errors(
                mcluster, API_OFFSET_COMMIT, 3,
                RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
        rd_kafka_mock_push_request_errors(
                mcluster, API_HEARTBEAT, 2,
                RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS);
        log_info("broker", "request errors queued: 5 fetch, 3 commit, "
                           "2 heartbeat");
}

int cmd_broker(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"brokers", required_argument, NULL, 'n'},
                {"partitions", required_argument, NULL, 'p'},
                {"topic", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *topics[16], *path = NULL;
        size_t topics_n = 0;
        int brokers = 1, partitions = 4, c, sig;
        rd_kafka_mock_cluster_t *mcluster = NULL;
        struct config cfg;
        rd_kafka_t *rk;
        sigset_t set;
        struct err err;

        optind = 1;
        memset(&cfg, 0, sizeof(cfg));
        while ((c = getopt_long(argc, argv, "c:n:p:t:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'n':
                        brokers = atoi(optarg);
                        break;
                case 'p':
                        partitions = atoi(optarg);
                        break;
                case 't':
                        if (topics_n < 16)
                                topics[topics_n++] = optarg;
                        break;
                case 'h':
                        broker_usage(stdout);
                        return 0;
                default:
                        broker_usage(stderr);
                        return 2;
                }
        }
        if (brokers < 1 || partitions < 1 || optind != argc) {
                broker_usage(stderr);
                return 2;
        }
        if (topics_n == 0) {
                if (kafka_tool_config(&cfg, path, NULL) < 0)
                        return 2;
                topics_n = kafka_config_topics(&cfg, topics, 16);
        }
        /* Block the signals before librdkafka starts its threads, so
         * that sigwait below gets them. */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGUSR2);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, NULL);

        err_clear(&err);
        rk = kafka_mock_new(brokers, partitions, topics, topics_n, &mcluster,
                            &err);
        if (!rk) {
                fprintf(stderr, "docpipe broker: %s\n", err.msg);
                config_cleanup(&cfg);
                return 1;
        }
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);
        log_info("broker",
                 "mock cluster up: %d brokers at %s, %zu topics "
                 "of %d partitions",
                 brokers, rd_kafka_mock_cluster_bootstraps(mcluster), topics_n,
                 partitions);
        /* Fault injection for the tests: SIGUSR1 takes every broker
         * down (connections closed, new ones refused), SIGUSR2 brings
         * them back, SIGHUP makes the next requests fail (see
         * broker_request_errors). */
        while (sigwait(&set, &sig) == 0 &&
               (sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGHUP)) {
                if (sig == SIGHUP) {
                        broker_request_errors(mcluster);
                        continue;
                }
                for (int id = 1; id <= brokers; id++) {
                        rd_kafka_resp_err_t e =
                                sig == SIGUSR1 ? rd_kafka_mock_broker_set_down(
                                                         mcluster, id)
                                               : rd_kafka_mock_broker_set_up(
                                                         mcluster, id);
                        if (e)
                                log_warn("broker", "broker %d: %s", id,
                                         rd_kafka_err2str(e));
                }
                log_info("broker", "brokers %s",
                         sig == SIGUSR1 ? "down" : "up");
        }
        log_info("broker", "signal %d: stopping", sig);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        config_cleanup(&cfg);
        return 0;
}

static void submit_usage(FILE *f)
{
        fputs("usage: docpipe submit [OPTIONS] FILE...\n\n"
              "Produces one job per FILE onto the jobs topic and waits for "
              "delivery.\nBy default a job is a JSON envelope with the "
              "document inline (base64).\n\n"
              "  -c, --config FILE     configuration (kafka.*, topics.jobs)\n"
              "  -b, --brokers LIST    bootstrap servers (overrides the "
              "config)\n"
              "  -t, --topic NAME      topic (default topics.jobs)\n"
              "      --tenant NAME     tenant (default \"default\")\n"
              "      --id ID           document id (one FILE only)\n"
              "      --id-prefix P     id = P + file name without extension\n"
              "      --content-type T  declared content type\n"
              "      --stages LIST     e.g. classify,fields (default all; "
              "none:\n"
              "                        extraction only)\n"
              "      --raw             the raw bytes, key = id "
              "(like kcat -k ID)\n"
              "      --uri             a file:// uri instead of the bytes\n",
              f);
}

static int submit_parse_stages(const char *s, unsigned *mask)
{
        char buf[128], *tok, *save = NULL;

        *mask = 0;
        snprintf(buf, sizeof(buf), "%s", s);
        for (tok = strtok_r(buf, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "classify") == 0)
                        *mask |= STAGE_CLASSIFY;
                else if (strcmp(tok, "fields") == 0)
                        *mask |= STAGE_FIELDS;
                else if (strcmp(tok, "summarize") == 0)
                        *mask |= STAGE_SUMMARIZE;
                else if (strcmp(tok, "none") != 0)
                        return -1;
        }
        return 0;
}

int cmd_submit(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"brokers", required_argument, NULL, 'b'},
                {"topic", required_argument, NULL, 't'},
                {"tenant", required_argument, NULL, 'T'},
                {"id", required_argument, NULL, 'i'},
                {"id-prefix", required_argument, NULL, 'P'},
                {"content-type", required_argument, NULL, 'C'},
                {"stages", required_argument, NULL, 'S'},
                {"raw", no_argument, NULL, 'r'},
                {"uri", no_argument, NULL, 'u'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct submit_opts o = {.tenant = "default",
                                .stages = STAGE_ALL,
                                .mode = SUBMIT_ENVELOPE};
        const char *path = NULL, *brokers = NULL, *topic = NULL;
        struct config cfg;
        rd_kafka_t *rk;
        struct err err;
        int c, failed = 0, sent = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:b:t:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'b':
                        brokers = optarg;
                        break;
                case 't':
                        topic = optarg;
                        break;
                case 'T':
                        o.tenant = optarg;
                        break;
                case 'i':
                        o.id = optarg;
                        break;
                case 'P':
                        o.id_prefix = optarg;
                        break;
                case 'C':
                        o.content_type = optarg;
                        break;
                case 'S':
                        if (submit_parse_stages(optarg, &o.stages) < 0) {
                                fprintf(stderr,
                                        "docpipe submit: bad "
                                        "--stages '%s'\n",
                                        optarg);
                                return 2;
                        }
                        break;
                case 'r':
                        o.mode = SUBMIT_RAW;
                        break;
                case 'u':
                        o.mode = SUBMIT_URI;
                        break;
                case 'h':
                        submit_usage(stdout);
                        return 0;
                default:
                        submit_usage(stderr);
                        return 2;
                }
        }
        if (optind == argc || (o.id && argc - optind > 1)) {
                submit_usage(stderr);
                return 2;
        }
        memset(&cfg, 0, sizeof(cfg));
        if (kafka_tool_config(&cfg, path, brokers) < 0)
                return 2;
        err_clear(&err);
        rk = kafka_submitter_new(&cfg, &failed, &err);
        if (!rk) {
                fprintf(stderr, "docpipe submit: %s\n", err.msg);
                config_cleanup(&cfg);
                return 1;
        }
        for (int i = optind; i < argc; i++) {
                err_clear(&err);
                if (kafka_submit_file(rk, topic ? topic : cfg.topic_jobs,
                                      argv[i], &o, &err) < 0) {
                        fprintf(stderr, "docpipe submit: %s\n", err.msg);
                        failed++;
                        continue;
                }
                sent++;
        }
        if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                fprintf(stderr,
                        "docpipe submit: %d messages not delivered "
                        "in 60 s\n",
                        rd_kafka_outq_len(rk));
                failed += rd_kafka_outq_len(rk);
        }
        rd_kafka_destroy(rk);
        fprintf(stderr, "docpipe submit: %d sent, %d failed\n", sent - failed,
                failed);
        config_cleanup(&cfg);
        return failed ? 1 : 0;
}

static void lag_usage(FILE *f)
{
        fputs("usage: docpipe lag [-c FILE] [-b BROKERS] [-g GROUP] "
              "[-t TOPIC]\n\n"
              "Prints, per partition of TOPIC (default: topics.jobs and the "
              "topics.retry\ntiers, which the group consumes too), the "
              "offset committed by GROUP\n(default kafka.group.id), the "
              "high watermark and the lag, then a total\nline.\n",
              f);
}

/* Adds the partitions of topic to the sums (committed, high, lag) and
 * prints them to out (may be NULL). */
static int kafka_lag_topic(rd_kafka_t *rk, const char *topic, FILE *out,
                           int64_t sums[3], struct err *err)
{
        rd_kafka_topic_partition_list_t *parts = NULL;
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t e;
        int rc = -1;

        e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
        if (e || md->topic_cnt != 1 || md->topics[0].err) {
                err_set(err, ERR_RETRY, "metadata of %s: %s", topic,
                        rd_kafka_err2str(e ? e : md->topics[0].err));
                goto out;
        }
        parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
                rd_kafka_topic_partition_list_add(
                        parts, topic, md->topics[0].partitions[i].id);
        e = rd_kafka_committed(rk, parts, 10000);
        if (e) {
                err_set(err, ERR_RETRY, "committed offsets: %s",
                        rd_kafka_err2str(e));
                goto out;
        }
        for (int i = 0; i < parts->cnt; i++) {
                int64_t low = 0, high = 0, committed = parts->elems[i].offset;
                e = rd_kafka_query_watermark_offsets(rk, topic,
                                                     parts->elems[i].partition,
                                                     &low, &high, 10000);
                if (e) {
                        err_set(err, ERR_RETRY, "watermarks: %s",
                                rd_kafka_err2str(e));
                        goto out;
                }
                int64_t l = high - (committed >= 0 ? committed : low);
                if (out)
                        fprintf(out, "%-24s %9d %12lld %12lld %10lld\n", topic,
                                (int)parts->elems[i].partition,
                                (long long)committed, (long long)high,
                                (long long)l);
                sums[0] += committed >= 0 ? committed : 0;
                sums[1] += high;
                sums[2] += l;
        }
        rc = 0;
out:
        if (parts)
                rd_kafka_topic_partition_list_destroy(parts);
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        return rc;
}

int kafka_lag(const struct config *cfg, const char *group,
              const char *const *topics, size_t topics_n, FILE *out,
              int64_t *total_lag, struct err *err)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        int64_t sums[3] = {0, 0, 0};
        char errstr[512];
        rd_kafka_t *rk;
        int rc = 0;

        if (consumer_conf_apply(conf, cfg, err) < 0) {
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                return err_set(err, ERR_FATAL, "kafka: %s", errstr);
        }
        if (out)
                fprintf(out, "%-24s %9s %12s %12s %10s\n", "topic", "partition",
                        "committed", "high", "lag");
        for (size_t i = 0; i < topics_n && rc == 0; i++)
                rc = kafka_lag_topic(rk, topics[i], out, sums, err);
        if (rc == 0 && out)
                fprintf(out, "total committed=%lld high=%lld lag=%lld\n",
                        (long long)sums[0], (long long)sums[1],
                        (long long)sums[2]);
        if (rc == 0)
                *total_lag = sums[2];
        rd_kafka_destroy(rk);
        return rc;
}

int cmd_lag(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"brokers", required_argument, NULL, 'b'},
                {"group", required_argument, NULL, 'g'},
                {"topic", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *path = NULL, *brokers = NULL, *group = NULL, *topic = NULL;
        struct config cfg;
        struct err err;
        int64_t lag = 0;
        int c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:b:g:t:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'b':
                        brokers = optarg;
                        break;
                case 'g':
                        group = optarg;
                        break;
                case 't':
                        topic = optarg;
                        break;
                case 'h':
                        lag_usage(stdout);
                        return 0;
                default:
                        lag_usage(stderr);
                        return 2;
                }
        }
        memset(&cfg, 0, sizeof(cfg));
        if (kafka_tool_config(&cfg, path, brokers) < 0)
                return 2;
        if (!group)
                group = config_kafka_get(&cfg, "group.id");
        err_clear(&err);
        if (topic) {
                rc = kafka_lag(&cfg, group ? group : "docpipe", &topic, 1,
                               stdout, &lag, &err);
        } else {
                /* The jobs topic and the retry topics, not the DLQ. */
                const char *topics[1 + CONFIG_MAX_RETRY_TIERS];
                size_t n = 0;
                topics[n++] = cfg.topic_jobs;
                for (size_t i = 0; i < cfg.retry_n; i++)
                        topics[n++] = cfg.retry[i].topic;
                rc = kafka_lag(&cfg, group ? group : "docpipe", topics, n,
                               stdout, &lag, &err);
        }
        if (rc < 0)
                fprintf(stderr, "docpipe lag: %s\n", err.msg);
        config_cleanup(&cfg);
        return rc < 0 ? 1 : 0;
}
