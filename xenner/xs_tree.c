/*
 * Xenner xenstore: the committed tree, path rules, permissions, quotas and
 * the node operations. An operation works on the committed tree directly,
 * or through a transaction's private copy of the nodes it touches.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xs_tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "util/parse.h"

/* ---- paths ---------------------------------------------------------- */

char *xenner_xs_domain_path(uint16_t domid)
{
    return g_strdup_printf("/local/domain/%u", domid);
}

static bool is_special(const char *path)
{
    return !strcmp(path, XS_SPECIAL_INTRODUCE) ||
           !strcmp(path, XS_SPECIAL_RELEASE);
}

/* The characters a path may have: one load a character to check. */
static const bool path_chars[256] = {
    ['a' ... 'z'] = true, ['A' ... 'Z'] = true, ['0' ... '9'] = true,
    ['/'] = true, ['_'] = true, ['-'] = true, ['@'] = true,
};

static bool valid_path_char(char ch)
{
    return path_chars[(unsigned char)ch];
}

static bool valid_path_chars(const char *path)
{
    for (const char *p = path; *p; p++) {
        if (!valid_path_char(*p)) {
            return false;
        }
    }
    return true;
}

/*
 * Xen limits the part of a path below a domain's home, so that a guest
 * with a long domain path is not disadvantaged.
 */
static bool valid_path_length(const char *abs, size_t len)
{
    unsigned domid;
    int home_len = 0;

    /* Within the limit whatever the home: the common case, no parsing. */
    if (len <= XS_REL_PATH_MAX) {
        return true;
    }
    if (sscanf(abs, "/local/domain/%5u/%n", &domid, &home_len) != 1) {
        home_len = 0;
    }
    return len <= (size_t)home_len + XS_REL_PATH_MAX;
}

/*
 * Allowed characters, no empty component, no slash at the end but for
 * "/" itself: one pass, as every request's path comes through here.
 */
static bool valid_abs_path(const char *abs, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!valid_path_char(abs[i]) ||
            (abs[i] == '/' && abs[i + 1] == '/')) {
            return false;
        }
    }
    return len == 1 || abs[len - 1] != '/';
}

/*
 * "/local/domain/DOMID/" into @buf, without the printf machinery, which
 * would cost more than the rest of a relative path's request.
 */
static size_t format_home(char *buf, uint16_t domid)
{
    static const char prefix[] = "/local/domain/";
    char digits[5];
    size_t len = sizeof(prefix) - 1, n = 0;

    memcpy(buf, prefix, len);
    do {
        digits[n++] = '0' + domid % 10;
        domid /= 10;
    } while (domid);
    while (n) {
        buf[len++] = digits[--n];
    }
    buf[len++] = '/';
    return len;
}

/*
 * Turns a client's path into an absolute one. Special names ("@...") stay
 * as they are where @allow_special permits them. Returns NULL for a path
 * Xen would answer EINVAL.
 */
bool xenner_xs_path_canonicalize_into(XsClient *c, const char *path,
                                      bool allow_special,
                                      char abs[XS_ABS_PATH_MAX])
{
    size_t len = strnlen(path, XS_VALUE_MAX + 1), home_len = 0;

    if (!len || len > XS_VALUE_MAX) {
        return false;
    }
    if (path[0] == '@') {
        if (!allow_special || !valid_path_chars(path)) {
            return false;
        }
        memcpy(abs, path, len + 1);
        return true;
    }
    if (path[0] != '/') {
        home_len = format_home(abs, c->domid);
    }
    memcpy(abs + home_len, path, len + 1);
    len += home_len;
    return valid_abs_path(abs, len) && valid_path_length(abs, len);
}

char *xenner_xs_path_canonicalize(XsClient *c, const char *path,
                                  bool allow_special)
{
    char abs[XS_ABS_PATH_MAX];

    return xenner_xs_path_canonicalize_into(c, path, allow_special, abs)
               ? g_strdup(abs)
               : NULL;
}

/* The parent of an absolute path other than "/", as a new string. */
char *xenner_xs_path_parent(const char *abs)
{
    const char *slash = strrchr(abs, '/');

    return slash == abs ? g_strdup("/") : g_strndup(abs, slash - abs);
}

const char *xenner_xs_path_last(const char *abs)
{
    return strrchr(abs, '/') + 1;
}

/* ---- permissions ------------------------------------------------------ */

static uint16_t *client_target(XsClient *c, uint16_t *target)
{
    XsDomain *d = g_hash_table_lookup(c->tree->domains,
                                      GUINT_TO_POINTER(c->domid));

    if (d && d->has_target) {
        *target = d->target;
        return target;
    }
    return NULL;
}

/* The access a client has to a node with these perms, as xenstored rules. */
unsigned xenner_xs_perm_for(XsClient *c, const XsPerm *perms, unsigned nperms)
{
    const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
    uint16_t target_buf;
    uint16_t *target;

    /* Before the target's lookup: most checks are dom0's or an owner's. */
    if (xenner_xs_client_privileged(c) || perms[0].domid == c->domid) {
        return all;
    }
    target = client_target(c, &target_buf);
    if (target && perms[0].domid == *target) {
        return all;
    }
    for (unsigned i = 1; i < nperms; i++) {
        if (perms[i].domid == c->domid ||
            (target && perms[i].domid == *target)) {
            return perms[i].perms & all;
        }
    }
    return perms[0].perms & all;
}

bool xenner_xs_perm_parse(const char *str, XsPerm *perm)
{
    uint64_t domid;

    switch (str[0]) {
    case 'n':
        perm->perms = XS_PERM_NONE;
        break;
    case 'r':
        perm->perms = XS_PERM_READ;
        break;
    case 'w':
        perm->perms = XS_PERM_WRITE;
        break;
    case 'b':
        perm->perms = XS_PERM_READ | XS_PERM_WRITE;
        break;
    default:
        return false;
    }
    if (!parse_decimal(str + 1, UINT16_MAX, &domid)) {
        return false;
    }
    perm->domid = domid;
    return true;
}

void xenner_xs_perm_format(const XsPerm *perm, char buf[8])
{
    static const char letters[] = { 'n', 'r', 'w', 'b' };

    snprintf(buf, 8, "%c%u", letters[perm->perms & 3], perm->domid);
}

const char *xenner_xs_errno_name(int err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(xsd_errors); i++) {
        if (xsd_errors[i].errnum == err) {
            return xsd_errors[i].errstring;
        }
    }
    return "EIO";
}

/* ---- committed nodes -------------------------------------------------- */

const XsPerm *xenner_xs_node_perms(const XsNode *node)
{
    return node->nperms == 1 ? &node->perms.one : node->perms.many;
}

uint32_t xenner_xs_node_children_len(const XsNode *node)
{
    uint32_t len = 0;

    for (uint32_t i = 0; i < node->nchildren; i++) {
        len += strlen(node->children[i]->name) + 1;
    }
    return len;
}

void xenner_xs_node_append_path(const XsNode *node, GString *out)
{
    if (!node->parent) {
        g_string_append_c(out, '/');
        return;
    }
    xenner_xs_node_append_path(node->parent, out);
    if (node->parent->parent) {
        g_string_append_c(out, '/');
    }
    g_string_append(out, node->name);
}

/* Binary search; *pos is where the name is, or would be inserted. */
static XsNode *find_child(const XsNode *parent, const char *name, size_t len,
                          uint32_t *pos)
{
    uint32_t lo = 0, hi = parent->nchildren;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *child = parent->children[mid]->name;
        int cmp = strncmp(child, name, len);

        if (cmp == 0 && child[len] != '\0') {
            cmp = 1;
        }
        if (cmp == 0) {
            if (pos) {
                *pos = mid;
            }
            return parent->children[mid];
        }
        if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (pos) {
        *pos = lo;
    }
    return NULL;
}

XsNode *xenner_xs_node_lookup(XsTree *tree, const char *path)
{
    XsNode *node = tree->root;
    const char *p = path;

    if (p[0] != '/') {
        return NULL;
    }
    while (node && *p == '/' && p[1]) {
        const char *name = p + 1;
        const char *end = strchrnul(name, '/');

        node = find_child(node, name, end - name, NULL);
        p = end;
    }
    return node;
}

static void set_perms_raw(XsNode *node, const XsPerm *perms, unsigned nperms)
{
    if (node->nperms > 1) {
        g_free(node->perms.many);
    }
    node->nperms = nperms;
    if (nperms == 1) {
        node->perms.one = perms[0];
    } else {
        node->perms.many = g_memdup2(perms, nperms * sizeof(*perms));
    }
}

static bool is_pow2(uint32_t n)
{
    return n && !(n & (n - 1));
}

XsNode *xenner_xs_node_create(XsTree *tree, XsNode *parent, const char *name,
                              const XsPerm *perms, unsigned nperms)
{
    size_t len = strlen(name);
    XsNode *node = g_malloc0(sizeof(*node) + len + 1);
    uint32_t pos;

    memcpy(node->name, name, len + 1);
    node->parent = parent;
    set_perms_raw(node, perms, nperms);
    node->generation = ++tree->generation;

    find_child(parent, name, len, &pos);
    if (parent->nchildren == 0 || is_pow2(parent->nchildren)) {
        parent->children = g_renew(XsNode *, parent->children,
                                   parent->nchildren ? parent->nchildren * 2
                                                     : 1);
    }
    memmove(&parent->children[pos + 1], &parent->children[pos],
            (parent->nchildren - pos) * sizeof(XsNode *));
    parent->children[pos] = node;
    parent->nchildren++;
    parent->generation = ++tree->generation;

    tree->node_count++;
    xenner_xs_domain_get(tree, perms[0].domid)->nodes++;
    return node;
}

void xenner_xs_node_set_value(XsTree *tree, XsNode *node, const void *value,
                              size_t len)
{
    g_free(node->value);
    node->value = len ? g_memdup2(value, len) : NULL;
    node->value_len = len;
    node->generation = ++tree->generation;
}

void xenner_xs_node_set_perms(XsTree *tree, XsNode *node, const XsPerm *perms,
                              unsigned nperms)
{
    xenner_xs_domain_get(tree, xenner_xs_node_perms(node)[0].domid)->nodes--;
    xenner_xs_domain_get(tree, perms[0].domid)->nodes++;
    set_perms_raw(node, perms, nperms);
    node->generation = ++tree->generation;
}

static void node_free_subtree(XsTree *tree, XsNode *node)
{
    for (uint32_t i = 0; i < node->nchildren; i++) {
        node_free_subtree(tree, node->children[i]);
    }
    xenner_xs_domain_get(tree, xenner_xs_node_perms(node)[0].domid)->nodes--;
    tree->node_count--;
    g_free(node->children);
    g_free(node->value);
    if (node->nperms > 1) {
        g_free(node->perms.many);
    }
    g_free(node);
}

void xenner_xs_node_remove(XsTree *tree, XsNode *node)
{
    XsNode *parent = node->parent;
    uint32_t pos;

    find_child(parent, node->name, strlen(node->name), &pos);
    memmove(&parent->children[pos], &parent->children[pos + 1],
            (parent->nchildren - pos - 1) * sizeof(XsNode *));
    parent->nchildren--;
    if (parent->nchildren == 0) {
        g_clear_pointer(&parent->children, g_free);
    } else if (is_pow2(parent->nchildren)) {
        parent->children = g_renew(XsNode *, parent->children,
                                   parent->nchildren);
    }
    parent->generation = ++tree->generation;
    node_free_subtree(tree, node);
}

/* ---- the tree --------------------------------------------------------- */

static void domain_free(gpointer p)
{
    g_free(p);
}

XsTree *xenner_xs_tree_new(void)
{
    XsTree *tree = g_new0(XsTree, 1);
    static const XsQuota quota = XS_QUOTA_DEFAULT;
    const XsPerm dom0_none = { XS_DOMID_PRIVILEGED, XS_PERM_NONE };

    tree->quota = quota;
    tree->domains = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                          NULL, domain_free);
    tree->clients = g_ptr_array_new();
    tree->watches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify)g_ptr_array_unref);
    tree->watch_lens = g_new0(unsigned, XS_WATCH_LENS);
    tree->root = g_malloc0(sizeof(XsNode) + 1);
    set_perms_raw(tree->root, &dom0_none, 1);
    tree->root->generation = ++tree->generation;
    tree->node_count = 1;
    xenner_xs_domain_get(tree, XS_DOMID_PRIVILEGED)->nodes = 1;
    xenner_xs_domain_get(tree, XS_DOMID_PRIVILEGED)->introduced = true;
    for (int i = 0; i < 2; i++) {
        tree->special_perms[i] = g_memdup2(&dom0_none, sizeof(dom0_none));
        tree->special_nperms[i] = 1;
    }
    return tree;
}

void xenner_xs_tree_free(XsTree *tree)
{
    if (!tree) {
        return;
    }
    while (tree->clients->len) {
        xenner_xs_client_free(g_ptr_array_index(tree->clients, 0));
    }
    g_ptr_array_free(tree->clients, true);
    node_free_subtree(tree, tree->root);
    g_free(tree->special_perms[0]);
    g_free(tree->special_perms[1]);
    g_hash_table_destroy(tree->watches);
    g_free(tree->watch_lens);
    g_hash_table_destroy(tree->domains);
    g_free(tree);
}

void xenner_xs_tree_get_quota(XsTree *tree, XsQuota *quota)
{
    *quota = tree->quota;
}

void xenner_xs_tree_set_quota(XsTree *tree, const XsQuota *quota)
{
    tree->quota = *quota;
}

unsigned xenner_xs_tree_node_count(XsTree *tree)
{
    return tree->node_count;
}

XsClient *xenner_xs_client_new(XsTree *tree, uint16_t domid,
                               XsWatchEventFn *event_fn, void *opaque)
{
    XsClient *c = g_new0(XsClient, 1);

    c->tree = tree;
    c->domid = domid;
    c->event_fn = event_fn;
    c->opaque = opaque;
    c->watches = g_ptr_array_new();
    c->txns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                    (GDestroyNotify)xenner_xs_txn_free);
    c->next_txn_id = 1;
    g_ptr_array_add(tree->clients, c);
    return c;
}

void xenner_xs_client_set_released_fn(XsClient *c, XsClientReleasedFn *fn)
{
    c->released_fn = fn;
}

void xenner_xs_client_free(XsClient *c)
{
    if (!c) {
        return;
    }
    xenner_xs_client_reset_watches(c);
    g_ptr_array_free(c->watches, true);
    g_hash_table_destroy(c->txns);
    g_ptr_array_remove_fast(c->tree->clients, c);
    g_free(c);
}

uint16_t xenner_xs_client_domid(XsClient *c)
{
    return c->domid;
}

void xenner_xs_client_reset_watches(XsClient *c)
{
    xenner_xs_watch_drop_client(c);
    g_hash_table_remove_all(c->txns);
}

/* ---- one view over the tree or a transaction --------------------------- */

static int special_index(const char *path)
{
    return strcmp(path, XS_SPECIAL_INTRODUCE) ? 1 : 0;
}

/*
 * Fills @v (v->exists false for a missing node); in a transaction, fails
 * with -ENOSPC where xenner_xs_txn_view() does.
 */
static int view_get(XsClient *c, XsTxn *t, const char *path, XsView *v)
{
    XsNode *node;

    memset(v, 0, sizeof(*v));
    if (path[0] == '@') {
        if (is_special(path)) {
            v->exists = true;
            v->perms = c->tree->special_perms[special_index(path)];
            v->nperms = c->tree->special_nperms[special_index(path)];
        }
        return 0;
    }
    if (t) {
        return xenner_xs_txn_view(t, path, v);
    }
    node = xenner_xs_node_lookup(c->tree, path);
    if (node) {
        v->exists = true;
        v->value = node->value;
        v->value_len = node->value_len;
        v->perms = xenner_xs_node_perms(node);
        v->nperms = node->nperms;
        v->generation = node->generation;
        v->node = node;
    }
    return 0;
}

/*
 * A missing node is reported as EACCES when the client lacks the access
 * it asked for on the nearest existing ancestor, as xenstored does, so
 * that it cannot probe what exists there.
 */
static int errno_from_parents(XsClient *c, XsTxn *t, const char *path,
                              int err, unsigned perm)
{
    g_autofree char *p = g_strdup(path);
    XsView v;

    while (p[0] == '/' && strcmp(p, "/")) {
        char *parent = xenner_xs_path_parent(p);
        int ret;

        g_free(p);
        p = parent;
        ret = view_get(c, t, p, &v);
        if (ret) {
            /* The quota is told, as xenstored does. */
            return ret;
        }
        if (v.exists) {
            return (xenner_xs_perm_for(c, v.perms, v.nperms) & perm) ? err
                                                                     : -EACCES;
        }
    }
    return err;
}

/* get_node()'s checks, on a view of @path taken already. */
static int view_check(XsClient *c, XsTxn *t, const char *path, unsigned perm,
                      const XsView *v)
{
    if (!v->exists) {
        return errno_from_parents(c, t, path, -ENOENT, perm);
    }
    if ((xenner_xs_perm_for(c, v->perms, v->nperms) & perm) != perm) {
        return errno_from_parents(c, t, path, -EACCES, perm);
    }
    return 0;
}

static int get_node(XsClient *c, XsTxn *t, const char *path, unsigned perm,
                    XsView *v)
{
    int ret = view_get(c, t, path, v);

    return ret ? ret : view_check(c, t, path, perm, v);
}

/*
 * Reports a change of @path, whose perms are now (or, for a removal, were)
 * @perms; @old are the perms a permission change replaced. @pnode is the
 * committed parent where the caller has it, else NULL: looked up here.
 */
static void emit(XsClient *c, XsTxn *t, const char *path, XsNode *pnode,
                 bool recursive, const XsPerm *perms, unsigned nperms,
                 const XsPerm *old, unsigned nold)
{
    XsChange ev = {
        .path = (char *)path,
        .recursive = recursive,
        .node = {(XsPerm *)perms, nperms},
        .old = {(XsPerm *)old, nold},
    };

    /*
     * The parent's perms come from the committed tree even in a
     * transaction: reading the parent there would make the transaction
     * conflict with every change to its siblings.
     */
    if (!pnode) {
        g_autofree char *parent = xenner_xs_path_parent(path);

        pnode = xenner_xs_node_lookup(c->tree, parent);
    }
    if (pnode) {
        ev.parent = (XsChangePerms){(XsPerm *)xenner_xs_node_perms(pnode),
                                    pnode->nperms};
    }
    if (t) {
        xenner_xs_txn_add_event(t, &ev);
    } else {
        xenner_xs_watch_fire(c->tree, &ev);
    }
}

/*
 * Resolves the transaction id and the path of an operation, into @abs on
 * the caller's stack: most requests need no allocation for it.
 */
static int op_begin(XsClient *c, uint32_t tx, const char *path,
                    bool allow_special, XsTxn **t, char abs[XS_ABS_PATH_MAX])
{
    *t = NULL;
    abs[0] = '\0';
    if (c->released) {
        return -EBADF;
    }
    if (tx) {
        *t = xenner_xs_txn_find(c, tx);
        if (!*t) {
            return -ENOENT;
        }
    }
    return xenner_xs_path_canonicalize_into(c, path, allow_special, abs)
               ? 0
               : -EINVAL;
}

/*
 * What a node weighs against the quota: value, perms and child names.
 * Walking the child names costs, so only quota checks ask for it.
 */
static size_t entry_size(XsClient *c, XsTxn *t, const char *path,
                         const XsView *v)
{
    uint32_t children_len = t ? xenner_xs_txn_children_len(t, path)
                              : xenner_xs_node_children_len(v->node);

    return v->value_len + children_len + v->nperms * sizeof(XsPerm);
}

static void node_set_value(XsClient *c, XsTxn *t, const char *path,
                           const XsView *v, const void *value, size_t len)
{
    if (t) {
        xenner_xs_txn_set_value(t, path, value, len);
    } else {
        xenner_xs_node_set_value(c->tree, v->node, value, len);
    }
}

/*
 * Creates @abs, which the caller has viewed and found missing, and any
 * missing ancestors. Write access to the nearest
 * existing ancestor is needed; new nodes inherit its permissions, and a
 * node an unprivileged domain creates is owned by that domain. @value_len
 * is the size of the value @abs is about to get, for the entry quota.
 */
static int create_path(XsClient *c, XsTxn *t, const char *abs,
                       size_t value_len)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
    g_autofree XsPerm *perms = NULL;
    g_autofree char *anc_path = NULL;
    char *p = xenner_xs_path_parent(abs);
    XsNode *node;
    XsView anc;
    unsigned nperms;
    int ret;

    /*
     * Walk up to the nearest existing ancestor: "/" is always there, or
     * the quota stops the walk before it reaches it. @abs itself was
     * viewed by the caller (so is held in a transaction).
     */
    g_ptr_array_add(missing, g_strdup(abs));
    while (!(ret = view_get(c, t, p, &anc)) && !anc.exists) {
        g_ptr_array_insert(missing, 0, p);
        p = xenner_xs_path_parent(p);
    }
    anc_path = p;
    if (ret) {
        return ret;
    }
    ret = view_check(c, t, anc_path, XS_PERM_WRITE, &anc);
    if (ret) {
        return ret;
    }

    ret = xenner_xs_quota_check_nodes(c, t, missing->len);
    if (ret) {
        return ret;
    }
    if (xenner_xs_quota_entry_limited(c)) {
        const char *first = g_ptr_array_index(missing, 0);

        if (!xenner_xs_quota_entry_fits(c, entry_size(c, t, anc_path, &anc) +
                                               strlen(xenner_xs_path_last(
                                                   first)) + 1) ||
            /* The new node carries every inherited entry, not just one. */
            !xenner_xs_quota_entry_fits(c, value_len +
                                               anc.nperms * sizeof(XsPerm))) {
            return -ENOSPC;
        }
    }

    nperms = anc.nperms;
    perms = g_memdup2(anc.perms, nperms * sizeof(XsPerm));
    if (!xenner_xs_client_privileged(c)) {
        perms[0].domid = c->domid;
    }
    /* Outside a transaction, each new node is the next one's parent. */
    node = anc.node;
    for (unsigned i = 0; i < missing->len; i++) {
        const char *path = g_ptr_array_index(missing, i);

        if (t) {
            xenner_xs_txn_create(t, path, perms, nperms);
        } else {
            node = xenner_xs_node_create(c->tree, node,
                                         xenner_xs_path_last(path), perms,
                                         nperms);
        }
    }
    return 0;
}

/* ---- the operations ----------------------------------------------------- */

int xenner_xs_client_read_ref(XsClient *c, uint32_t tx, const char *path,
                              const void **value, size_t *len)
{
    char abs[XS_ABS_PATH_MAX];
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret || (ret = get_node(c, t, abs, XS_PERM_READ, &v))) {
        return ret;
    }
    *value = v.value;
    *len = v.value_len;
    return 0;
}

int xenner_xs_client_read(XsClient *c, uint32_t tx, const char *path,
                          GByteArray *value)
{
    const void *data;
    size_t len;
    int ret = xenner_xs_client_read_ref(c, tx, path, &data, &len);

    if (!ret) {
        g_byte_array_append(value, data, len);
    }
    return ret;
}

int xenner_xs_client_write(XsClient *c, uint32_t tx, const char *path,
                           const void *value, size_t len)
{
    char abs[XS_ABS_PATH_MAX];
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret) {
        return ret;
    }
    if (len > XS_VALUE_MAX) {
        return -E2BIG;
    }
    ret = view_get(c, t, abs, &v);
    if (ret) {
        return ret;
    }
    if (v.exists) {
        ret = view_check(c, t, abs, XS_PERM_WRITE, &v);
        if (ret) {
            return ret;
        }
        if (xenner_xs_quota_entry_limited(c) &&
            !xenner_xs_quota_entry_fits(c, entry_size(c, t, abs, &v) -
                                               v.value_len + len)) {
            return -ENOSPC;
        }
    } else {
        ret = create_path(c, t, abs, len);
        if (ret) {
            return ret;
        }
        /* Viewed above, so held in a transaction: this cannot fail. */
        view_get(c, t, abs, &v);
    }
    /* Setting the value leaves the view's perms as they are. */
    node_set_value(c, t, abs, &v, value, len);
    emit(c, t, abs, v.node ? v.node->parent : NULL, false, v.perms, v.nperms,
         NULL, 0);
    return 0;
}

int xenner_xs_client_mkdir(XsClient *c, uint32_t tx, const char *path)
{
    char abs[XS_ABS_PATH_MAX];
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret) {
        return ret;
    }
    ret = get_node(c, t, abs, XS_PERM_WRITE, &v);
    if (ret != -ENOENT) {
        return ret;
    }
    ret = create_path(c, t, abs, 0);
    if (ret) {
        return ret;
    }
    /* Viewed above, so held in a transaction: this cannot fail. */
    view_get(c, t, abs, &v);
    emit(c, t, abs, v.node ? v.node->parent : NULL, false, v.perms, v.nperms,
         NULL, 0);
    return 0;
}

int xenner_xs_client_rm(XsClient *c, uint32_t tx, const char *path)
{
    char abs[XS_ABS_PATH_MAX];
    g_autofree char *parent = NULL;
    g_autofree XsPerm *perms = NULL;
    XsNode *pnode = NULL;
    XsTxn *t;
    XsView v;
    unsigned nperms;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret) {
        return ret;
    }
    ret = get_node(c, t, abs, XS_PERM_WRITE, &v);
    if (ret == -ENOENT) {
        /* Already gone is fine, as long as the parent is there. */
        parent = xenner_xs_path_parent(abs);
        ret = view_get(c, t, parent, &v);
        return ret ? ret : v.exists ? 0 : -ENOENT;
    }
    if (ret) {
        return ret;
    }
    if (!strcmp(abs, "/")) {
        return -EINVAL;
    }
    nperms = v.nperms;
    perms = g_memdup2(v.perms, nperms * sizeof(XsPerm));
    if (t) {
        ret = xenner_xs_txn_remove(t, abs);
        if (ret) {
            return ret;
        }
    } else {
        pnode = v.node->parent;
        xenner_xs_node_remove(c->tree, v.node);
    }
    emit(c, t, abs, pnode, true, perms, nperms, NULL, 0);
    return 0;
}

static void append_children(XsClient *c, XsTxn *t, const char *abs,
                            GByteArray *names)
{
    XsNode *node;

    if (t) {
        xenner_xs_txn_children(t, abs, names);
        return;
    }
    node = xenner_xs_node_lookup(c->tree, abs);
    for (uint32_t i = 0; i < node->nchildren; i++) {
        const char *name = node->children[i]->name;

        g_byte_array_append(names, (const guint8 *)name, strlen(name) + 1);
    }
}

int xenner_xs_client_directory(XsClient *c, uint32_t tx, const char *path,
                               GByteArray *names)
{
    char abs[XS_ABS_PATH_MAX];
    guint start;
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret || (ret = get_node(c, t, abs, XS_PERM_READ, &v))) {
        return ret;
    }
    start = names->len;
    append_children(c, t, abs, names);
    if (names->len - start > XS_VALUE_MAX) {
        g_byte_array_set_size(names, start);
        return -E2BIG;
    }
    return 0;
}

int xenner_xs_client_directory_part(XsClient *c, uint32_t tx, const char *path,
                                    size_t offset, GByteArray *reply)
{
    char abs[XS_ABS_PATH_MAX];
    g_autoptr(GByteArray) names = NULL;
    char gen[24];
    size_t genlen, end;
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, false, &t, abs);

    if (ret || (ret = get_node(c, t, abs, XS_PERM_READ, &v))) {
        return ret;
    }
    genlen = snprintf(gen, sizeof(gen), "%" G_GUINT64_FORMAT,
                      v.generation) + 1;
    g_byte_array_append(reply, (const guint8 *)gen, genlen);

    names = g_byte_array_new();
    append_children(c, t, abs, names);
    if (offset >= names->len) {
        g_byte_array_append(reply, (const guint8 *)"", 1);
        return 0;
    }
    /* Whole names only, leaving room for the terminating empty one. */
    end = offset;
    while (end < names->len) {
        size_t n = strlen((const char *)names->data + end) + 1;

        if (genlen + (end - offset) + n + 1 > XS_VALUE_MAX) {
            break;
        }
        end += n;
    }
    g_byte_array_append(reply, names->data + offset, end - offset);
    if (end == names->len) {
        g_byte_array_append(reply, (const guint8 *)"", 1);
    }
    return 0;
}

int xenner_xs_client_get_perms(XsClient *c, uint32_t tx, const char *path,
                               XsPerm **perms, unsigned *nperms)
{
    char abs[XS_ABS_PATH_MAX];
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, true, &t, abs);

    if (ret || (ret = get_node(c, t, abs, XS_PERM_READ, &v))) {
        return ret;
    }
    *perms = g_memdup2(v.perms, v.nperms * sizeof(XsPerm));
    *nperms = v.nperms;
    return 0;
}

int xenner_xs_client_set_perms(XsClient *c, uint32_t tx, const char *path,
                               const XsPerm *perms, unsigned nperms)
{
    char abs[XS_ABS_PATH_MAX];
    g_autofree XsPerm *old_perms = NULL;
    unsigned nold;
    XsTxn *t;
    XsView v;
    int ret = op_begin(c, tx, path, true, &t, abs);

    if (ret) {
        return ret;
    }
    if (nperms == 0 || nperms > UINT16_MAX) {
        return -EINVAL;
    }
    ret = xenner_xs_quota_check_perms(c, nperms);
    if (ret) {
        return ret;
    }
    ret = get_node(c, t, abs, XS_PERM_WRITE | XS_PERM_OWNER, &v);
    if (ret) {
        return ret;
    }
    /* Unprivileged domains may not give their nodes away. */
    if (!xenner_xs_client_privileged(c) && perms[0].domid != v.perms[0].domid) {
        return -EPERM;
    }
    /* Fewer entries than before must not wrap around. */
    if (xenner_xs_quota_entry_limited(c) && abs[0] != '@' &&
        !xenner_xs_quota_entry_fits(c, entry_size(c, t, abs, &v) -
                                           v.nperms * sizeof(XsPerm) +
                                           nperms * sizeof(XsPerm))) {
        return -ENOSPC;
    }
    if (abs[0] == '@') {
        int i = special_index(abs);

        g_free(c->tree->special_perms[i]);
        c->tree->special_perms[i] = g_memdup2(perms, nperms * sizeof(XsPerm));
        c->tree->special_nperms[i] = nperms;
        return 0;
    }
    /* Whoever could read the node before is told it changed. */
    old_perms = g_memdup2(v.perms, v.nperms * sizeof(XsPerm));
    nold = v.nperms;
    if (t) {
        xenner_xs_txn_set_perms(t, abs, perms, nperms);
    } else {
        xenner_xs_node_set_perms(c->tree, v.node, perms, nperms);
    }
    emit(c, t, abs, v.node ? v.node->parent : NULL, false, perms, nperms,
         old_perms, nold);
    return 0;
}
