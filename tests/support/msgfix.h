/* msgfix.h — a sample function report for the message tests. */
#ifndef SAMSVAR_TEST_MSGFIX_H
#define SAMSVAR_TEST_MSGFIX_H

#include "samsvar/message.h"

/* Fills the zeroed *m with a valid message of event `ev`: the fictitious sender, receiver and patient
 * of the official e-helse example Innleggelsesrapport_v1-6_Ny.xml (Alvdal Kommune HER 99387, ST OLAVS
 * HOSPITAL HF HER 59, Line Danser 13116900216), three items (variables 1, 7 and 13 with scores 3, 4
 * and 9; the first with a note holding XML special characters). Release with sv_message_release(). */
void ts_message_sample(struct sv_message *m, enum sv_msg_event ev);

/* Asserts that the header fields, patient and items (variable, score, note) of a and b are equal. */
void ts_message_assert_same(const struct sv_message *a, const struct sv_message *b);

#endif
