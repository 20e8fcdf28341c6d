#pragma once
// glibc's allocator controls (<malloc.h>, which Swift's Glibc module does not import).

/// Makes glibc's allocator give memory back promptly: blocks of 128 KiB and more are mapped and
/// unmapped on their own (the threshold no longer grows after a large block is freed), and free
/// memory above 128 KiB at the top of the main heap is returned. Call once, early, in a daemon.
void CLinuxShims_configure_allocator(void);

/// Returns the free pages of every malloc arena to the system (malloc_trim(0)). Returns 1 if
/// memory was released, 0 if none could be.
int CLinuxShims_release_free_memory(void);
