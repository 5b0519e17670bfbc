/* rf2ecl.h — the RF2 fixture (tests/fixtures/rf2) with a simple refset added, for the ECL tests. */
#ifndef SAMSVAR_TEST_RF2ECL_H
#define SAMSVAR_TEST_RF2ECL_H

/* The made-up refset concept the copy adds (namespace 9999999, partition 10; passes
 * ../shared/tools/verhoeff.py; NOT a SNOMED CT component). Its members are 36971009 Sinusitis and
 * 32398004 Bronchitis; an inactive row names 15805002 Acute sinusitis and is ignored. */
#define TS_ECL_REFSET "19999999103"

/* Copies the fixture's three files into a new temporary folder (its path into dir[64]), with
 * release date `date` (yyyymmdd) in place of 20200731 when not NULL, adds TS_ECL_REFSET to the
 * concept and description files and writes a der2_Refset_SimpleSnapshot file; fails the test when
 * it cannot. Remove it with ts_rf2ecl_remove(). */
void ts_rf2ecl_make(char *dir, const char *date);

/* Removes the folder made by ts_rf2ecl_make(). */
void ts_rf2ecl_remove(const char *dir);

#endif
