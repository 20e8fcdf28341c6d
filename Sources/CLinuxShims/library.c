#define _GNU_SOURCE
#include "CLinuxShims_library.h"

#include <dlfcn.h>

const char *CLinuxShims_library_file(const void *address) {
    Dl_info info;
    if (dladdr(address, &info) == 0) return 0;
    return info.dli_fname;
}
