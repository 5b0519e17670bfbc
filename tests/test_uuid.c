/* test_uuid.c — sv_uuid_urn(): the RFC 4122 version 4 form, no repeats, several threads at once. */
#include "samsvar/uuid.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PER_THREAD 2000
#define THREADS 4

static int well_formed(const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (strlen(s) != SV_UUID_URN_SIZE - 1 || strncmp(s, "urn:uuid:", 9) != 0)
		return 0;
	s += 9;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (s[i] == '\0' || !strchr(hex, s[i])) {
			return 0;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

Test(uuid, version_4_form)
{
	char u[SV_UUID_URN_SIZE];

	for (int i = 0; i < 100; i++) {
		sv_uuid_urn(u, sizeof(u));
		cr_assert(well_formed(u), "%s", u);
	}
}

Test(uuid, short_buffer_is_terminated)
{
	char u[12];

	sv_uuid_urn(u, sizeof(u));
	cr_assert_eq(strlen(u), sizeof(u) - 1);
	cr_assert_eq(strncmp(u, "urn:uuid:", 9), 0);
}

static char ids[THREADS * PER_THREAD][SV_UUID_URN_SIZE];

static void *make(void *arg)
{
	char (*mine)[SV_UUID_URN_SIZE] = arg;

	for (int i = 0; i < PER_THREAD; i++)
		sv_uuid_urn(mine[i], SV_UUID_URN_SIZE);
	return NULL;
}

Test(uuid, unique_across_threads)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, make, ids[i * PER_THREAD]), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	qsort(ids, THREADS * PER_THREAD, sizeof(ids[0]), cmp);
	for (int i = 0; i < THREADS * PER_THREAD; i++) {
		cr_assert(well_formed(ids[i]), "%s", ids[i]);
		if (i > 0)
			cr_assert_str_neq(ids[i], ids[i - 1], "no identifier repeats");
	}
}
