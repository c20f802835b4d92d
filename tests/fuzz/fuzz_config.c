/*
 * libFuzzer target: config_load_env on arbitrary YAML written to a
 * temporary file. Owns the file for one input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../worker/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char path[] = "/tmp/docpipe-fuzz-config.XXXXXX";
        struct config cfg;
        struct err err;
        int fd = mkstemp(path);

        if (fd < 0)
                return 0;
        if (write(fd, data, size) != (ssize_t)size) {
                close(fd);
                unlink(path);
                return 0;
        }
        close(fd);
        memset(&cfg, 0, sizeof(cfg));
        err_clear(&err);
        if (config_load_env(&cfg, path, NULL, &err) == 0)
                config_cleanup(&cfg);
        unlink(path);
        return 0;
}
