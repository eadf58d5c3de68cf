#ifndef VIRTSTORAGE_CLIBXML2_SHIM_H
#define VIRTSTORAGE_CLIBXML2_SHIM_H
/* Debian's libxml2 defines LIBXML_ICU_ENABLED, which pulls the system ICU
 * headers; they clash with Foundation's bundled ICU. Nothing here needs ICU. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemastypes.h>

/* xmlFree is a mutable global function pointer; Swift 6 refuses to touch it. */
static inline void cxml_free(void *p) { xmlFree(p); }
#endif
