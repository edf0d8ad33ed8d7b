/*
 * slow_resolver: an LD_PRELOAD shim for test_fleet_dns. getaddrinfo() of any name ending in
 * ".slow.invalid" waits SLOW_RESOLVER_SECONDS (default 20) and then fails as a DNS server that
 * never answered would; every other name goes to the real getaddrinfo(). It stands in for a
 * resolver whose server does not answer, which this machine's resolver never is.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    static const char suffix[] = ".slow.invalid";
    size_t n = node != NULL ? strlen(node) : 0;
    getaddrinfo_fn real;

    if (n >= sizeof suffix && strcmp(node + n - (sizeof suffix - 1), suffix) == 0) {
        const char *env = getenv("SLOW_RESOLVER_SECONDS");
        sleep(env != NULL ? (unsigned)atoi(env) : 20u);
        return EAI_AGAIN;
    }
    real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    return real != NULL ? real(node, service, hints, res) : EAI_SYSTEM;
}
