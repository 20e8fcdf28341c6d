#pragma once
// dladdr and Dl_info are GNU extensions of <dlfcn.h> (_GNU_SOURCE), which Swift's Glibc module
// does not import.

/// The path of the shared object that holds `address` (dladdr's dli_fname), or NULL when no
/// loaded object holds it. The string belongs to the loader.
const char *CLinuxShims_library_file(const void *address);
