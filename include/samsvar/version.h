/* version.h — the release of samsvar. */
#ifndef SAMSVAR_VERSION_H
#define SAMSVAR_VERSION_H
#define SAMSVAR_VERSION "0.1.0"
/* The date this version was released (CapabilityStatement/TerminologyCapabilities software.releaseDate). */
#define SAMSVAR_RELEASE_DATE "2026-11-26"
#endif
