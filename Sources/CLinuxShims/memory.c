#include "CLinuxShims_memory.h"

#include <malloc.h>

void CLinuxShims_configure_allocator(void) {
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    mallopt(M_ARENA_MAX, 2);
}

int CLinuxShims_release_free_memory(void) { return malloc_trim(0); }
