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
#endif
