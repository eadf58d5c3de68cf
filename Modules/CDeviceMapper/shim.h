#ifndef VIRTSTORAGE_CDEVICEMAPPER_SHIM_H
#define VIRTSTORAGE_CDEVICEMAPPER_SHIM_H
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>

/* libdevmapper's log callback is variadic, which Swift cannot define: this
 * trampoline formats each message and hands it to a non-variadic sink.
 * The sink lives in a function-local static (a file-scope static in a
 * header module is not emitted). */
typedef void (*vs_dm_log_sink_t)(int level, const char *message);

static inline vs_dm_log_sink_t *vs_dm_log_sink_slot(void) {
    static vs_dm_log_sink_t sink;
    return &sink;
}

static inline void vs_dm_log_trampoline(int level, const char *file, int line, int dm_errno_or_class,
                                        const char *format, ...) {
    char buffer[1024];
    va_list ap;
    (void)file;
    (void)line;
    (void)dm_errno_or_class;
    va_start(ap, format);
    vsnprintf(buffer, sizeof buffer, format, ap);
    va_end(ap);
    vs_dm_log_sink_t sink = *vs_dm_log_sink_slot();
    if (sink)
        sink(level, buffer);
}

/* Sends libdevmapper's messages to `sink` instead of stderr; NULL restores
 * its default. `log_init` is libdevmapper's dm_log_with_errno_init, from the
 * table below (the library is opened at run time). */
static inline void vs_dm_set_log_sink(__typeof__(dm_log_with_errno_init) *_Nonnull log_init, vs_dm_log_sink_t sink) {
    *vs_dm_log_sink_slot() = sink;
    log_init(sink ? vs_dm_log_trampoline : NULL);
}
#include "../vs_library_table.h"

/* The libdevmapper entry points VirtStorage calls, opened from libdevmapper.so.1.02.1 on first use. */
#define VS_DEVMAPPER_FUNCTIONS(X) \
    X(dm_get_library_version) X(dm_get_next_target) X(dm_log_with_errno_init) X(dm_task_create)              \
    X(dm_task_destroy) X(dm_task_get_info) X(dm_task_get_names) X(dm_task_no_open_count) X(dm_task_run)                 \
    X(dm_task_set_name)

VS_LIBRARY_TABLE(vs_devmapper_api, VS_DEVMAPPER_FUNCTIONS)
#endif
