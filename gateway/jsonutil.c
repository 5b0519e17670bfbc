/* jsonutil.c — shared JSON and time helpers. */
#include "samsvar/jsonutil.h"

#include <string.h>
#include <time.h>

const char *sv_jstr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

void sv_now_iso(char *buf, size_t cap)
{
	/* Formatted once a second per thread: answers carry their instant, and gmtime + strftime on
	 * every one showed in the profile of repeated $expand answers. */
	static _Thread_local time_t last = -1;
	static _Thread_local char text[32];
	time_t t = time(NULL);

	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = t;
	}
	if (cap > SV_INSTANT_LEN) {
		memcpy(buf, text, SV_INSTANT_LEN + 1);
	} else if (cap) {
		memcpy(buf, text, cap - 1);
		buf[cap - 1] = '\0';
	}
}
