/* systems.h — the code system URLs samsvar knows by name, in one place. Only system URLs live here;
 * codes within them belong with the module that reads them.
 *
 * The systems without an official URL are published under the canonical base (`canonical_base` in
 * the configuration, "{base}" in mappings/): a SV_SYS_BASE_* path is appended to that base. */
#ifndef SAMSVAR_SYSTEMS_H
#define SAMSVAR_SYSTEMS_H

#define SV_SYS_IPLOS_9111 "urn:oid:2.16.578.1.12.4.1.1.9111" /* IPLOS function variables (Volven 9111) */
#define SV_SYS_IPLOS_9151 "urn:oid:2.16.578.1.12.4.1.1.9151" /* IPLOS service types (Volven 9151) */
#define SV_SYS_ICF "http://hl7.org/fhir/sid/icf"               /* WHO ICF */
#define SV_SYS_SNOMED "http://snomed.info/sct"                 /* SNOMED CT, any edition */
#define SV_SYS_FSIII "urn:oid:1.2.208.176.2.21"                /* Faelles Sprog III */

#define SV_SYS_BASE_IPLOS_SCORE "/CodeSystem/iplos-score"      /* IPLOS scores 1-5 and 9 */
#define SV_SYS_BASE_ICF_QUALIFIER "/CodeSystem/icf-qualifier"  /* ICF generic qualifiers */

#endif
