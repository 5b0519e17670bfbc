/* fuzz.h — what every libFuzzer target of samsvar shares; include it once, from the target's .c.
 *
 * It declares libFuzzer's two entry points and, unless the target defines SV_FUZZ_OWN_INIT before
 * including it, defines the common LLVMFuzzerInitialize: the allocation policy main() sets up (cJSON
 * through sv_xmalloc, abort on exhaustion), run once before the first input; a target that reads XML
 * defines SV_FUZZ_XML first to have libxml2 set up there too. */
#ifndef SAMSVAR_FUZZ_H
#define SAMSVAR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "samsvar/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef SV_FUZZ_XML
#include "samsvar/fhirxml.h"
#endif

#ifndef SV_FUZZ_OWN_INIT
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sv_alloc_init();
#ifdef SV_FUZZ_XML
	sv_fhirxml_init();   /* libxml2's global set-up, once, before any input */
#endif
	return 0;
}
#endif

#endif
