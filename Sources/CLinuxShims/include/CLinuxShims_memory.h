#pragma once
// glibc's allocator controls (<malloc.h>, which Swift's Glibc module does not import).

/// Makes glibc's allocator give memory back promptly: blocks of 128 KiB and more are mapped and
/// unmapped on their own (the threshold no longer grows after a large block is freed), free
/// memory above 128 KiB at the top of the main heap is returned, and threads share two arenas
/// (glibc makes up to eight a core, one a thread: the daemon's dozen threads each kept a
/// partly used heap, 1 MB more after 10,000 sales). Call once, early, in a daemon.
void CLinuxShims_configure_allocator(void);

/// Returns the free pages of every malloc arena to the system (malloc_trim(0)). Returns 1 if
/// memory was released, 0 if none could be.
int CLinuxShims_release_free_memory(void);
