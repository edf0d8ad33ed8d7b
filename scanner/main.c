/*
 * fleetscan: for every device of an inventory, can it run Azure IoT Edge in production?
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "scanner/scan.h"

int main(int argc, char **argv)
{
    int status;

    /* A device that hangs up mid-write must not kill the whole scan. */
    signal(SIGPIPE, SIG_IGN);
    /* Name resolution runs on libuv's thread pool: give thousands of host names room. */
    setenv("UV_THREADPOOL_SIZE", "16", 0);
    if (ssh_init() != SSH_OK)
        return FS_EXIT_INTERNAL;
    status = fs_cli_main(argc, argv);
    if (fs_scan_resolver_busy()) {
        /* The reports are written; a resolver thread still waits for a DNS server whose host
         * already timed out. exit() would join it (libuv does at exit), so leave now. */
        fflush(NULL);
        _exit(status);
    }
    ssh_finalize();
    return status;
}
