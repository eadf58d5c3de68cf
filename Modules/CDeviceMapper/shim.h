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

/* Sends libdevmapper's messages to `sink` instead of stderr; NULL restores its default. */
static inline void vs_dm_set_log_sink(vs_dm_log_sink_t sink) {
    *vs_dm_log_sink_slot() = sink;
    dm_log_with_errno_init(sink ? vs_dm_log_trampoline : NULL);
}
#endif
