#ifndef VIRTSTORAGE_CLIBXML2_SHIM_H
#define VIRTSTORAGE_CLIBXML2_SHIM_H
/* Debian's libxml2 defines LIBXML_ICU_ENABLED, which pulls the system ICU
 * headers; they clash with Foundation's bundled ICU. Nothing here needs ICU. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/relaxng.h>
#include <libxml/xpath.h>
#include <libxml/xmlschemastypes.h>
#include <stdio.h>

/* xmlFree is a mutable global function pointer; Swift 6 refuses to touch it. */
static inline void cxml_free(void *p) { xmlFree(p); }

/* xmlCtxtReadMemory for documents without an XML declaration, as UTF-8
 * (no encoding converter), with an input that knows it holds the whole
 * document: libxml2 2.9's memory input has a no-op reader that the parser
 * calls again and again to look for more. (Its static, copy-free input is
 * not used: 2.9 loses its place in one when it discards parsed text.)
 * Returns the document, or NULL with ctxt->lastError set. */
static inline xmlDocPtr cxml_read_whole(xmlParserCtxtPtr ctxt, const char *text, int length, const char *url,
                                        int options) {
    xmlCtxtReset(ctxt);
    xmlParserInputBufferPtr input = xmlParserInputBufferCreateMem(text, length, XML_CHAR_ENCODING_NONE);
    if (input == NULL) return NULL;
    input->readcallback = NULL;
    xmlParserInputPtr stream = xmlNewIOInputStream(ctxt, input, XML_CHAR_ENCODING_NONE);
    if (stream == NULL) {
        xmlFreeParserInputBuffer(input);
        return NULL;
    }
    inputPush(ctxt, stream);
    xmlCtxtUseOptions(ctxt, options);
    if (url != NULL && ctxt->input->filename == NULL) ctxt->input->filename = (char *)xmlStrdup((const xmlChar *)url);
    xmlParseDocument(ctxt);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (!ctxt->wellFormed && doc != NULL) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}
/* The first fatal error of a parse, worded as libvirt 9.0's XML error
 * handler words it: "FILE:LINE: MESSAGE" (libxml2's message ends in a
 * newline), the document's line where the parser stood, and a pointer line
 * under the place. Set ctxt->_private to one before a parse and this as the
 * context's structured error handler. */
typedef struct {
    int seen;
    char text[2048];
} cxml_first_error;

static inline void cxml_catch_first_error(void *data, xmlErrorPtr err) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)data;
    if (ctxt == NULL || ctxt->_private == NULL) return;
    cxml_first_error *first = (cxml_first_error *)ctxt->_private;
    if (first->seen || ctxt->input == NULL || err == NULL || err->level != XML_ERR_FATAL || err->message == NULL)
        return;
    first->seen = 1;
    const xmlChar *base = ctxt->input->base, *cur = ctxt->input->cur;
    while (cur > base && (*cur == '\n' || *cur == '\r')) cur--;
    while (cur > base && *cur != '\n' && *cur != '\r') cur--;
    if (*cur == '\n' || *cur == '\r') cur++;
    size_t col = (size_t)(ctxt->input->cur - cur);
    const xmlChar *end = cur;
    while (*end != 0 && *end != '\n' && *end != '\r') end++;
    size_t length = (size_t)(end - cur);
    char pointer[512];
    size_t n = 0;
    for (; n < col && n < length && n < sizeof pointer - 2; n++) pointer[n] = cur[n] == '\t' ? '\t' : '-';
    pointer[n++] = '^';
    pointer[n] = 0;
    /* An empty line is printed as glibc prints a NULL string: libvirt's
     * buffer is NULL then. */
    const char *line = length == 0 ? "(null)" : (const char *)cur;
    int shown = length == 0 ? 6 : (int)length;
    if (err->file != NULL)
        snprintf(first->text, sizeof first->text, "%s:%d: %s%.*s\n%s", err->file, err->line, err->message, shown, line,
                 pointer);
    else
        snprintf(first->text, sizeof first->text, "at line %d: %s%.*s\n%s", err->line, err->message, shown, line,
                 pointer);
}
#endif
