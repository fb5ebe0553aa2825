/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor of `make bench` (issue 7): one process that reads every file the
 * reader needs, and nothing else, as cheaply as the kernel allows.
 *
 * stdin names them up front, one per line, grouped by directory: "dir/name"
 * for a file whose contents the reader reads, "L<TAB>dir/name" for a link
 * whose target it reads. Each directory is opened once, and then each file
 * costs openat + read + close and each link one readlinkat: no directory
 * listing, no stat, no path walked twice. Output is what the reader prints
 * for the same records ("dir/name:value", "L<TAB>dir/name<TAB>target").
 *
 * Built by test/bench/bench.ts with `cc -O2`. */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char line[8192], dir[8192], buf[65536];
    int dirfd = -1;

    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    dir[0] = '\0';
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        int link = line[0] == 'L' && line[1] == '\t';
        char *path = link ? line + 2 : line;
        char *slash = strrchr(path, '/');
        if (!slash)
            continue;
        *slash = '\0';
        if (strcmp(dir, path) != 0) {
            if (dirfd >= 0)
                close(dirfd);
            strcpy(dir, path);
            dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        *slash = '/';
        if (dirfd < 0)
            continue;
        if (link) {
            ssize_t k = readlinkat(dirfd, slash + 1, buf, sizeof buf - 1);
            if (k >= 0) {
                buf[k] = '\0';
                printf("L\t%s\t%s\n", path, buf);
            }
        } else {
            int fd = openat(dirfd, slash + 1, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            ssize_t k = read(fd, buf, sizeof buf);
            close(fd);
            if (k > 0) {
                fputs(path, stdout);
                putchar(':');
                fwrite(buf, 1, (size_t) k, stdout);
            }
        }
    }
    return 0;
}
