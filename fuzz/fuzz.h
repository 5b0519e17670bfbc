/* fuzz.h — what every libFuzzer target of samsvar shares; include it once, from the target's .c.
 *
 * It declares libFuzzer's two entry points and, unless the target defines SV_FUZZ_OWN_INIT before
 * including it, defines the common LLVMFuzzerInitialize: the allocation policy main() sets up (cJSON
 * through sv_xmalloc, abort on exhaustion), run once before the first input. */
#ifndef SAMSVAR_FUZZ_H
#define SAMSVAR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "samsvar/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef SV_FUZZ_OWN_INIT
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sv_alloc_init();
	return 0;
}
#endif

#endif
