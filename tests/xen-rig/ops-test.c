/*
 * xen-ops-test: every op of the real-Xen services (xen_operations.c)
 * against dom0 itself, as TAP on stdout. Run as root in a dom0 with
 * xenstored up (tests/xen-rig/ops.sh does that under the rig); the peer
 * side of each check uses the Xen libraries directly, so a bug in the
 * wrapper cannot hide behind itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* xenctrl.h (for dom0's shared_info frame) wants the tools' view of xen/. */
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "hw/xen/xen_operations.h"

#define PAGE 4096

static int test_no;
static int failures;

static void ok(bool cond, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void ok(bool cond, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", cond ? "ok" : "not ok", ++test_no);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failures += !cond;
}

static void skip(const char *what, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void skip(const char *what, const char *fmt, ...)
{
    va_list ap;

    printf("ok %d - %s # SKIP ", ++test_no, what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static EventLoop *loop;

/*
 * How long to wait for an event that should come: dom0 under TCG on a
 * loaded host can take seconds to deliver one. Waits for an event that
 * must not come stay short: there, waiting longer proves little more.
 */
#define WAIT_MS 30000

/* Runs the loop until *counter reaches @want or @ms pass. */
static void run_until(const int *counter, int want, int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (*counter < want && g_get_monotonic_time() < end) {
        event_loop_run_once(loop, 50, NULL);
    }
}

/* Waits for @fd to become readable; a port that fired does that. */
static bool wait_readable(int fd, int ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, ms) == 1;
}

/* ---- xenstore --------------------------------------------------------- */

typedef struct WatchCount {
    int fired;
    char *last_path;
} WatchCount;

static void watch_cb(void *opaque, const char *path)
{
    WatchCount *wc = opaque;

    wc->fired++;
    g_free(wc->last_path);
    wc->last_path = g_strdup(path);
}

static void test_xenstore(const XenServices *s)
{
    const XenXenstoreOps *xs = s->xenstore;
    Error *err = NULL;
    XenXsHandle *h = xs->open(s->provider, &err);
    char *value = NULL, **names = NULL, *dom_path;
    size_t len = 0;
    XenXsPerm set[2] = { { 0, XEN_XS_PERM_NONE }, { 1, XEN_XS_PERM_READ } };
    XenXsPerm *perms = NULL;
    unsigned nperms = 0;
    uint32_t tx;
    XenXsWatch *watch;
    WatchCount wc = { 0 };
    int ret, after;

    ok(h != NULL, "xenstore open%s%s", err ? ": " : "",
       err ? error_get_pretty(err) : "");
    if (!h) {
        error_free(err);
        return;
    }

    dom_path = xs->get_domain_path(h, 0);
    ok(dom_path && !strcmp(dom_path, "/local/domain/0"),
       "xenstore get_domain_path(0) = %s", dom_path ? dom_path : "(null)");
    g_free(dom_path);

    xs->rm(h, XEN_XS_TXN_NULL, "/ops-test");
    ret = xs->write(h, XEN_XS_TXN_NULL, "/ops-test/a", "hello", 5);
    ok(ret == 0, "xenstore write (%d)", ret);
    ret = xs->read(h, XEN_XS_TXN_NULL, "/ops-test/a", &value, &len);
    ok(ret == 0 && len == 5 && !strcmp(value, "hello"),
       "xenstore read back (%d)", ret);
    g_free(value);
    value = NULL;

    ret = xs->mkdir(h, XEN_XS_TXN_NULL, "/ops-test/d");
    ok(ret == 0, "xenstore mkdir (%d)", ret);
    ret = xs->directory(h, XEN_XS_TXN_NULL, "/ops-test", &names);
    ok(ret == 0 && g_strv_length(names) == 2 &&
       g_strv_contains((const char * const *)names, "a") &&
       g_strv_contains((const char * const *)names, "d"),
       "xenstore directory lists a and d (%d)", ret);
    g_strfreev(names);

    ret = xs->set_perms(h, XEN_XS_TXN_NULL, "/ops-test/a", set, 2);
    ok(ret == 0, "xenstore set_perms (%d)", ret);
    ret = xs->get_perms(h, XEN_XS_TXN_NULL, "/ops-test/a", &perms, &nperms);
    ok(ret == 0 && nperms == 2 && perms[0].domid == 0 &&
       perms[0].perms == XEN_XS_PERM_NONE && perms[1].domid == 1 &&
       perms[1].perms == XEN_XS_PERM_READ,
       "xenstore get_perms returns what was set (%d, %u entries)", ret,
       nperms);
    g_free(perms);

    ret = xs->rm(h, XEN_XS_TXN_NULL, "/ops-test/d");
    ok(ret == 0, "xenstore rm (%d)", ret);
    ret = xs->read(h, XEN_XS_TXN_NULL, "/ops-test/d", &value, &len);
    ok(ret == -ENOENT, "xenstore read of removed node: -ENOENT (%d)", ret);

    /* A transaction: invisible outside until committed; abort drops it. */
    ret = xs->transaction_start(h, &tx);
    ok(ret == 0 && tx != XEN_XS_TXN_NULL, "xenstore transaction_start (%d)",
       ret);
    xs->write(h, tx, "/ops-test/t", "1", 1);
    ret = xs->read(h, XEN_XS_TXN_NULL, "/ops-test/t", &value, &len);
    ok(ret == -ENOENT, "xenstore write in transaction invisible outside (%d)",
       ret);
    ret = xs->transaction_end(h, tx, false);
    ok(ret == 0, "xenstore transaction commit (%d)", ret);
    ret = xs->read(h, XEN_XS_TXN_NULL, "/ops-test/t", &value, &len);
    ok(ret == 0 && !strcmp(value, "1"), "xenstore committed write visible (%d)",
       ret);
    g_free(value);
    value = NULL;
    xs->transaction_start(h, &tx);
    xs->write(h, tx, "/ops-test/u", "1", 1);
    ret = xs->transaction_end(h, tx, true);
    ok(ret == 0, "xenstore transaction abort (%d)", ret);
    ret = xs->read(h, XEN_XS_TXN_NULL, "/ops-test/u", &value, &len);
    ok(ret == -ENOENT, "xenstore aborted write dropped (%d)", ret);

    /* Watches: once at registration, from the loop, then per write. */
    ret = xs->watch(h, "/ops-test/w", watch_cb, &wc, &watch);
    ok(ret == 0 && wc.fired == 0,
       "xenstore watch registered, not delivered inside the call (%d)", ret);
    run_until(&wc.fired, 1, WAIT_MS);
    ok(wc.fired == 1 && !g_strcmp0(wc.last_path, "/ops-test/w"),
       "xenstore watch fires once at registration (%d)", wc.fired);
    xs->write(h, XEN_XS_TXN_NULL, "/ops-test/w", "x", 1);
    run_until(&wc.fired, 2, WAIT_MS);
    ok(wc.fired == 2 && !g_strcmp0(wc.last_path, "/ops-test/w"),
       "xenstore watch fires on a write (%d)", wc.fired);
    /* Unwatch with an event queued but not yet dispatched: it is dropped. */
    xs->write(h, XEN_XS_TXN_NULL, "/ops-test/w", "y", 1);
    xs->unwatch(h, watch);
    xs->write(h, XEN_XS_TXN_NULL, "/ops-test/w", "z", 1);
    after = wc.fired;
    run_until(&wc.fired, after + 1, 1000);
    ok(wc.fired == 2, "xenstore no event after unwatch (%d)", wc.fired);
    g_free(wc.last_path);

    xs->rm(h, XEN_XS_TXN_NULL, "/ops-test");
    xs->close(h);
}

/* ---- event channels --------------------------------------------------- */

static void test_evtchn(const XenServices *s)
{
    const XenEvtchnOps *ev = s->evtchn;
    Error *err = NULL;
    XenEvtchnHandle *h = ev->open(s->provider, &err);
    xenevtchn_handle *peer = xenevtchn_open(NULL, 0);
    xenevtchn_port_or_error_t peer_port, p;
    int local, ret;

    ok(h != NULL, "evtchn open%s%s", err ? ": " : "",
       err ? error_get_pretty(err) : "");
    if (!h || !peer) {
        ok(peer != NULL, "peer xenevtchn_open (%s)", strerror(errno));
        error_free(err);
        return;
    }
    peer_port = xenevtchn_bind_unbound_port(peer, 0);
    ok(peer_port >= 0, "peer alloc_unbound port %d", peer_port);
    local = ev->bind_interdomain(h, 0, peer_port);
    ok(local > 0, "evtchn bind_interdomain(0, %d) = %d", peer_port, local);
    if (local <= 0) {
        goto out;
    }
    /*
     * Xen sets a port pending when binding it interdomain, in case the
     * remote end notified before there was anyone to hear: drain that.
     */
    if (wait_readable(ev->get_fd(h), WAIT_MS)) {
        ret = ev->pending(h);
        ok(ret == local, "evtchn pending after bind = local port (%d)", ret);
        ret = ev->unmask(h, local);
        ok(ret == 0, "evtchn unmask (%d)", ret);
    }
    ret = ev->pending(h);
    ok(ret == -EAGAIN, "evtchn pending with nothing fired: -EAGAIN (%d)",
       ret);

    ret = ev->notify(h, local);
    ok(ret == 0 && wait_readable(xenevtchn_fd(peer), WAIT_MS),
       "evtchn notify reaches the peer (%d)", ret);
    p = xenevtchn_pending(peer);
    ok(p == peer_port, "peer sees its port pending (%d)", p);
    xenevtchn_unmask(peer, p);

    ok(xenevtchn_notify(peer, peer_port) == 0 &&
       wait_readable(ev->get_fd(h), WAIT_MS),
       "evtchn get_fd readable after the peer notifies");
    ret = ev->pending(h);
    ok(ret == local, "evtchn pending = local port (%d)", ret);
    ret = ev->pending(h);
    ok(ret == -EAGAIN, "evtchn pending drained: -EAGAIN (%d)", ret);
    ret = ev->unmask(h, local);
    ok(ret == 0, "evtchn unmask (%d)", ret);
    /* Unmasked, a second notification is delivered again. */
    xenevtchn_notify(peer, peer_port);
    ok(wait_readable(ev->get_fd(h), WAIT_MS) && ev->pending(h) == local,
       "evtchn delivers again after unmask");
    ev->unmask(h, local);

    ret = ev->unbind(h, local);
    ok(ret == 0, "evtchn unbind (%d)", ret);
    ret = ev->notify(h, local);
    ok(ret < 0, "evtchn notify on unbound port fails (%d)", ret);
out:
    xenevtchn_unbind(peer, peer_port);
    xenevtchn_close(peer);
    ev->close(h);
}

/* ---- grant tables ----------------------------------------------------- */

static void test_gnttab(const XenServices *s)
{
    const XenGnttabOps *gt = s->gnttab;
    Error *err = NULL;
    XenGnttabHandle *h = gt->open(s->provider, &err);
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    uint32_t refs[2];
    uint8_t *shared, *map = NULL, buf[64];
    XenGrantCopySeg seg;
    void *addr = NULL;
    int ret, i;

    ok(h != NULL, "gnttab open%s%s", err ? ": " : "",
       err ? error_get_pretty(err) : "");
    if (!h || !gs) {
        ok(gs != NULL, "xengntshr_open (%s)", strerror(errno));
        error_free(err);
        return;
    }
    shared = xengntshr_share_pages(gs, 0, 2, refs, 1);
    ok(shared != NULL, "xengntshr_share_pages to dom0: refs %u %u",
       shared ? refs[0] : 0, shared ? refs[1] : 0);
    if (!shared) {
        goto out;
    }
    for (i = 0; i < 2 * PAGE; i++) {
        shared[i] = i * 7 + 3;
    }
    ret = gt->set_max_grants(h, 16);
    ok(ret == 0, "gnttab set_max_grants (%d)", ret);

    ret = gt->map_refs(h, 0, 2, refs, true, &addr);
    ok(ret == 0, "gnttab map_refs of 2 refs (%d)", ret);
    if (ret == 0) {
        map = addr;
        ok(!memcmp(map, shared, 2 * PAGE),
           "gnttab mapping shows the granted pages, contiguous");
        map[PAGE + 5] = 0xa5;
        shared[10] = 0x5a;
        ok(shared[PAGE + 5] == 0xa5 && map[10] == 0x5a,
           "gnttab writes visible both ways");
        ret = gt->unmap(h, addr, refs, 2);
        ok(ret == 0, "gnttab unmap (%d)", ret);
    }

    memset(&seg, 0, sizeof(seg));
    seg.ref = refs[1];
    seg.offset = 100;
    seg.len = sizeof(buf);
    seg.buf = buf;
    ret = gt->grant_copy(h, 0, false, &seg, 1);
    ok(ret == 0 && seg.status == 0 && !memcmp(buf, shared + PAGE + 100,
                                             sizeof(buf)),
       "gnttab grant_copy from the domain (%d, status %d)", ret, seg.status);
    memset(buf, 0xc3, sizeof(buf));
    seg.ref = refs[0];
    seg.offset = 200;
    ret = gt->grant_copy(h, 0, true, &seg, 1);
    ok(ret == 0 && seg.status == 0 && shared[200] == 0xc3 &&
       shared[200 + sizeof(buf) - 1] == 0xc3 && shared[199] != 0xc3,
       "gnttab grant_copy to the domain (%d, status %d)", ret, seg.status);
    seg.ref = 0xfffff;
    ret = gt->grant_copy(h, 0, true, &seg, 1);
    ok(ret < 0 && seg.status < 0,
       "gnttab grant_copy with a bad ref fails (%d, status %d)", ret,
       seg.status);

    xengntshr_unshare(gs, shared, 2);
out:
    xengntshr_close(gs);
    gt->close(h);
}

/* ---- foreign memory --------------------------------------------------- */

/* Maps one frame of ours read-only through the ops; NULL on failure. */
static void *map_self(const XenServices *s, uint64_t mfn, int *ret)
{
    void *addr = NULL;

    *ret = s->foreignmem->map(s->provider, DOMID_SELF, false, 1, &mfn,
                              &addr);
    return *ret < 0 ? NULL : addr;
}

/*
 * Xen refuses a domain naming itself by its domid as the foreign domain,
 * but takes DOMID_SELF. A PV dom0 maps machine frames, so first find our
 * page's MFN the way the toolstack does: shared_info's frame list list,
 * each level mapped through the ops under test.
 */
static void test_foreignmem_self(const XenServices *s)
{
    const char *what = "foreignmem map of our own page via DOMID_SELF";
    const size_t per = PAGE / sizeof(xen_pfn_t);
    uint8_t *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    xc_dominfo_t info;
    shared_info_t *shinfo = NULL;
    xen_pfn_t *fll = NULL, *fl = NULL, *p2m = NULL;
    uint64_t entry = 0, pfn, mfn;
    void *addr;
    int fd = -1, ret = 0;

    if (page == MAP_FAILED || !xch) {
        skip(what, "mmap or xc_interface_open: %s", strerror(errno));
        goto out;
    }
    memset(page, 0x3c, PAGE);
    strcpy((char *)page, "ops-test foreignmem self");
    fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)page / PAGE * 8) != 8 ||
        !(entry & (1ULL << 63))) {
        skip(what, "no frame from pagemap");
        goto out;
    }
    pfn = entry & ((1ULL << 55) - 1);
    if (xc_domain_getinfo(xch, 0, 1, &info) != 1 || info.domid != 0) {
        skip(what, "xc_domain_getinfo(0): %s", strerror(errno));
        goto out;
    }
    shinfo = map_self(s, info.shared_info_frame, &ret);
    if (!shinfo) {
        skip(what, "shared_info frame %#lx: %s", info.shared_info_frame,
             strerror(-ret));
        goto out;
    }
    if (shinfo->arch.pfn_to_mfn_frame_list_list == 0 ||
        shinfo->arch.pfn_to_mfn_frame_list_list == ~(xen_pfn_t)0) {
        skip(what, "dom0 publishes no p2m frame list list");
        goto out;
    }
    fll = map_self(s, shinfo->arch.pfn_to_mfn_frame_list_list, &ret);
    fl = fll ? map_self(s, fll[pfn / per / per], &ret) : NULL;
    p2m = fl ? map_self(s, fl[pfn / per % per], &ret) : NULL;
    if (!p2m) {
        skip(what, "walking the p2m of pfn %#" PRIx64 ": %s", pfn,
             strerror(-ret));
        goto out;
    }
    mfn = p2m[pfn % per];
    addr = map_self(s, mfn, &ret);
    ok(addr && !memcmp(addr, page, PAGE),
       "foreignmem map of our own page: pfn %#" PRIx64 " = mfn %#" PRIx64
       " via DOMID_SELF (%d)", pfn, mfn, ret);
    if (addr) {
        ret = s->foreignmem->unmap(s->provider, addr, 1);
        ok(ret == 0, "foreignmem unmap (%d)", ret);
    }
out:
    if (p2m) {
        s->foreignmem->unmap(s->provider, p2m, 1);
    }
    if (fl) {
        s->foreignmem->unmap(s->provider, fl, 1);
    }
    if (fll) {
        s->foreignmem->unmap(s->provider, fll, 1);
    }
    if (shinfo) {
        s->foreignmem->unmap(s->provider, shinfo, 1);
    }
    if (xch) {
        xc_interface_close(xch);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (page != MAP_FAILED) {
        munmap(page, PAGE);
    }
}


static void test_foreignmem(const XenServices *s)
{
    const XenForeignMemOps *fm = s->foreignmem;
    uint8_t *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    uint64_t entry = 0, gfn;
    void *addr;
    int fd, ret;

    if (page == MAP_FAILED) {
        skip("foreignmem map naming dom0 by domid 0", "mmap: %s", strerror(errno));
        return;
    }
    memset(page, 0x77, PAGE);
    strcpy((char *)page, "ops-test foreignmem");
    /* Our page's frame number, as the kernel knows it. */
    fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)page / PAGE * 8) != 8 ||
        !(entry & (1ULL << 63))) {
        skip("foreignmem map naming dom0 by domid 0", "no frame from pagemap");
        goto out;
    }
    gfn = entry & ((1ULL << 55) - 1);
    ret = fm->map(s->provider, 0, false, 1, &gfn, &addr);
    if (ret < 0) {
        skip("foreignmem map naming dom0 by domid 0",
             "Xen refuses a domain naming itself, frame %#" PRIx64 ": %s", gfn,
             strerror(-ret));
        goto out;
    }
    /*
     * A PV dom0's kernel frame numbers are pseudo-physical while the
     * mapping takes machine frames, so the page may well be another one.
     */
    if (memcmp(addr, page, PAGE)) {
        skip("foreignmem map naming dom0 by domid 0",
             "frame %#" PRIx64 " mapped, but is not our page (PV: PFN != MFN)",
             gfn);
    } else {
        ok(true, "foreignmem map of our own page %#" PRIx64, gfn);
    }
    ret = fm->unmap(s->provider, addr, 1);
    ok(ret == 0, "foreignmem unmap (%d)", ret);
out:
    test_foreignmem_self(s);
    if (fd >= 0) {
        close(fd);
    }
    munmap(page, PAGE);
}

int main(void)
{
    Error *err = NULL;
    const XenServices *s;

    if (geteuid() != 0) {
        printf("1..0 # SKIP needs root in dom0\n");
        return 0;
    }
    loop = event_loop_new(&err);
    if (!loop) {
        printf("Bail out! event loop: %s\n", error_get_pretty(err));
        return 1;
    }
    s = xen_real_services(loop, &err);
    if (!s) {
        printf("1..0 # SKIP not on Xen: %s\n", error_get_pretty(err));
        error_free(err);
        return 0;
    }
    test_xenstore(s);
    test_evtchn(s);
    test_gnttab(s);
    test_foreignmem(s);
    printf("1..%d\n", test_no);
    xen_real_services_free(s);
    event_loop_free(loop);
    return failures ? 1 : 0;
}
