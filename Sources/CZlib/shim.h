#pragma once
#include <zlib.h>

// `deflateInit2` and `inflateInit2` are macros that pass the library's version and the stream's
// size; Swift cannot call macros, so these inline functions make the same calls.
static inline int CZlib_deflateInit2(z_streamp stream, int level, int method, int windowBits, int memLevel,
                                     int strategy) {
    return deflateInit2_(stream, level, method, windowBits, memLevel, strategy, ZLIB_VERSION, (int)sizeof(z_stream));
}

static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2_(stream, windowBits, ZLIB_VERSION, (int)sizeof(z_stream));
}
