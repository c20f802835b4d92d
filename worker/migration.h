/*
 * migration: the SQL migrations of schemas/, embedded at build time by
 * schemas/embed.sh. Owns nothing: static data.
 */
#ifndef DOCPIPE_MIGRATION_H
#define DOCPIPE_MIGRATION_H

struct migration {
        int version;
        const char *name;
        const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_n;

#endif
