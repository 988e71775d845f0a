/*
 * LD_PRELOAD shim for xl 4.17: its config parser numbers channels from
 * 0, the primary console's devid, so libxl refuses every channel=[...]
 * ("Primary console has invalid configuration"). Upstream xl now leaves
 * the devid at -1 for libxl to number channels from 1; this does the
 * same to the parsed config on its way into libxl, so the rig can test
 * channels the way a guest config asks for them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libxl.h>

typedef int CreateNewFn(libxl_ctx *ctx, libxl_domain_config *d_config,
                        uint32_t *domid, const libxl_asyncop_how *ao_how,
                        const libxl_asyncprogress_how *aop_console_how);

int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config,
                            uint32_t *domid, const libxl_asyncop_how *ao_how,
                            const libxl_asyncprogress_how *aop_console_how)
{
    CreateNewFn *real = (CreateNewFn *)dlsym(RTLD_NEXT,
                                             "libxl_domain_create_new");

    for (int i = 0; i < d_config->num_channels; i++) {
        if (d_config->channels[i].devid == i) {
            d_config->channels[i].devid = -1;
        }
    }
    return real(ctx, d_config, domid, ao_how, aop_console_how);
}
