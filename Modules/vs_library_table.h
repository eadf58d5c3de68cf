#ifndef VIRTSTORAGE_LIBRARY_TABLE_H
#define VIRTSTORAGE_LIBRARY_TABLE_H
/* A native backend's C library is opened when its first pool needs it, not
 * when the process starts: an embedder that never uses the backend never maps
 * the library (librbd alone is about 10 MB resident) and runs on hosts that
 * lack it. Each shim lists the entry points it uses and declares
 *
 *     VS_LIBRARY_TABLE(vs_rados_api, VS_RADOS_FUNCTIONS)
 *
 * which gives a struct with one non-null function pointer per entry point,
 * typed from the library's own header, and vs_rados_api_resolve(handle, table),
 * which fills it from a dlopen handle and returns NULL, or the name of the
 * first entry point the library lacks. Swift calls `table.rbd_open(...)`. */
#include <dlfcn.h>
#include <stddef.h>

#define VS_LIBRARY_FIELD(function) __typeof__(function) *_Nonnull function;
#define VS_LIBRARY_RESOLVE(function)                                                                                   \
    if ((*(void **)&table->function = dlsym(handle, #function)) == NULL)                                               \
        return #function;

#define VS_LIBRARY_TABLE(name, FUNCTIONS)                                                                              \
    struct name {                                                                                                      \
        FUNCTIONS(VS_LIBRARY_FIELD)                                                                                    \
    };                                                                                                                 \
    static inline const char *_Nullable name##_resolve(void *_Nonnull handle, struct name *_Nonnull table) {           \
        FUNCTIONS(VS_LIBRARY_RESOLVE)                                                                                  \
        return NULL;                                                                                                   \
    }
#endif
