#ifndef GRACE_CLIBYAML_SHIM_H
#define GRACE_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
