/* version.h — the release of samsvar. */
#ifndef SAMSVAR_VERSION_H
#define SAMSVAR_VERSION_H
#define SAMSVAR_VERSION "0.1.0"
#endif
