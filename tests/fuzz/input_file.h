/* input_file.h — the fuzz targets' one temporary file: each input is written to it before a
 * reader opens it by name (the readers take paths). Header-only, fuzz targets only. */
#ifndef SYMFLOW_FUZZ_INPUT_FILE_H
#define SYMFLOW_FUZZ_INPUT_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char sf_fuzz_path[64];

/* Write the input to the process's temporary file (made once, name ending in suffix);
 * 0 on success. */
static int sf_fuzz_put_input(const char *suffix, const uint8_t *data, size_t size)
{
    if (!sf_fuzz_path[0]) {
        snprintf(sf_fuzz_path, sizeof sf_fuzz_path, "/tmp/sf_fuzz_XXXXXX%s", suffix);
        int fd = mkstemps(sf_fuzz_path, (int)snprintf(NULL, 0, "%s", suffix));
        if (fd < 0) abort();
        close(fd);
    }
    FILE *f = fopen(sf_fuzz_path, "wb");
    if (!f) return -1;
    size_t put = fwrite(data, 1, size, f);
    return (fclose(f) != 0 || put != size) ? -1 : 0;
}

#endif
