/*
 * quorum-faultfs: a FUSE pass-through file system that can lose everything its user did not sync,
 * the way a power cut or a kernel crash would. See README.md for the model and the commands.
 *
 * BACKING/live is what the mount shows; every operation goes straight to it. BACKING/durable is
 * what survives a crash. fsync/fdatasync of a file copies that file's written ranges (and its
 * size) from live to durable; any fsync (of a file or a directory) first replays the name changes
 * made so far (create, mkdir, unlink, rmdir, rename, link, symlink, chmod) onto durable, which is
 * how a journaling file system such as ext4 (data=ordered) behaves: one journal commit carries
 * every earlier metadata change. Writing "crash" to the hidden control file MOUNT/.quorum-faultfs
 * freezes the file system (every later change fails with EIO) and drops everything unsynced; the
 * next mount starts from a copy of durable. A clean unmount (no crash) makes live durable.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define CONTROL "/.quorum-faultfs"
#define CONTROL_FH UINT64_MAX

/* One file's changes since it was last synced: written byte ranges, and the smallest size it was
 * truncated to (so bytes past it that come back as zeros are not taken from the durable copy). */
struct range {
    off_t start, end;
};

struct dirty {
    ino_t ino;
    struct range *ranges;
    size_t count, capacity;
    off_t min_size; /* -1: never truncated since the last sync */
    int size_changed;
};

/* A name change, replayed onto durable at the next fsync. */
enum op_kind { OP_CREATE, OP_MKDIR, OP_UNLINK, OP_RMDIR, OP_RENAME, OP_LINK, OP_SYMLINK, OP_CHMOD };

struct op {
    enum op_kind kind;
    char *a, *b;
    mode_t mode;
    unsigned int flags;
};

struct handle {
    int fd;
    ino_t ino;
};

static struct {
    char *backing, *live, *durable;
    pthread_mutex_t lock;
    int crashed;
    unsigned int fsync_delay_ms;
    long long capacity; /* 0: unlimited */
    long long used;     /* bytes in live's regular files, kept only when capacity is set */
    struct dirty *dirty;
    size_t dirty_count, dirty_capacity;
    struct op *ops;
    size_t op_count, op_capacity;
    unsigned long long fsyncs, synced_bytes, dropped_files, dropped_ops, crashes;
} fs = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *grow(void *array, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return array;
    *capacity = *capacity ? *capacity * 2 : 16;
    void *bigger = realloc(array, *capacity * size);
    if (!bigger) {
        perror("quorum-faultfs: realloc");
        abort();
    }
    return bigger;
}

static void join(char *out, const char *root, const char *path)
{
    snprintf(out, PATH_MAX, "%s%s", root, path);
}

/* ---- unsynced data, by inode of the live file (called with fs.lock held) ---- */

static struct dirty *find_dirty(ino_t ino, int create)
{
    for (size_t i = 0; i < fs.dirty_count; i++)
        if (fs.dirty[i].ino == ino)
            return &fs.dirty[i];
    if (!create)
        return NULL;
    fs.dirty = grow(fs.dirty, &fs.dirty_capacity, fs.dirty_count, sizeof *fs.dirty);
    struct dirty *d = &fs.dirty[fs.dirty_count++];
    memset(d, 0, sizeof *d);
    d->ino = ino;
    d->min_size = -1;
    return d;
}

static void forget_dirty(ino_t ino)
{
    struct dirty *d = find_dirty(ino, 0);
    if (!d)
        return;
    free(d->ranges);
    *d = fs.dirty[--fs.dirty_count];
}

/* Adds [start, end) to the file's written ranges, merging overlapping and touching ones. */
static void mark_written(ino_t ino, off_t start, off_t end)
{
    if (end <= start)
        return;
    struct dirty *d = find_dirty(ino, 1);
    size_t kept = 0;
    for (size_t i = 0; i < d->count; i++) {
        struct range r = d->ranges[i];
        if (r.end < start || r.start > end) {
            d->ranges[kept++] = r;
        } else {
            start = r.start < start ? r.start : start;
            end = r.end > end ? r.end : end;
        }
    }
    d->count = kept;
    d->ranges = grow(d->ranges, &d->capacity, d->count, sizeof *d->ranges);
    d->ranges[d->count++] = (struct range){start, end};
}

static void mark_truncated(ino_t ino, off_t size)
{
    struct dirty *d = find_dirty(ino, 1);
    d->size_changed = 1;
    if (d->min_size < 0 || size < d->min_size)
        d->min_size = size;
}

/* ---- name changes (called with fs.lock held) ---- */

static void record(enum op_kind kind, const char *a, const char *b, mode_t mode, unsigned int flags)
{
    fs.ops = grow(fs.ops, &fs.op_capacity, fs.op_count, sizeof *fs.ops);
    fs.ops[fs.op_count++] = (struct op){kind, strdup(a), b ? strdup(b) : NULL, mode, flags};
}

/* Records a name change if it succeeded on live (result 0), else returns -errno (fs.lock held). */
static int recorded(int result, enum op_kind kind, const char *a, const char *b, mode_t mode)
{
    if (result != 0)
        return -errno;
    record(kind, a, b, mode, 0);
    return 0;
}

static void free_ops(void)
{
    for (size_t i = 0; i < fs.op_count; i++) {
        free(fs.ops[i].a);
        free(fs.ops[i].b);
    }
    fs.op_count = 0;
}

/* Replays every recorded name change onto durable, in order: a journal commit. */
static void commit_names(void)
{
    char a[PATH_MAX], b[PATH_MAX];
    for (size_t i = 0; i < fs.op_count; i++) {
        struct op *op = &fs.ops[i];
        join(a, fs.durable, op->a);
        if (op->b)
            join(b, fs.durable, op->b);
        int rc = 0;
        switch (op->kind) {
        case OP_CREATE: {
            int fd = open(a, O_WRONLY | O_CREAT, op->mode);
            rc = fd < 0 ? -1 : close(fd);
            break;
        }
        case OP_MKDIR:
            rc = mkdir(a, op->mode);
            break;
        case OP_UNLINK:
            rc = unlink(a);
            break;
        case OP_RMDIR:
            rc = rmdir(a);
            break;
        case OP_RENAME:
            rc = (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, op->flags);
            break;
        case OP_LINK:
            rc = link(a, b);
            break;
        case OP_SYMLINK: /* a: the link's path, b: its target as given */
            rc = symlink(op->b, a);
            break;
        case OP_CHMOD:
            rc = chmod(a, op->mode);
            break;
        }
        if (rc != 0)
            fprintf(stderr, "quorum-faultfs: replaying change %d on %s: %s\n", op->kind, op->a, strerror(errno));
    }
    free_ops();
}

/* Copies a live file's unsynced ranges and size to its durable copy at the same path. */
static int sync_file(const char *path, int live_fd, ino_t ino)
{
    struct dirty *d = find_dirty(ino, 0);
    if (!d)
        return 0;
    if (!path) { /* unlinked while open: nothing of it survives a crash */
        forget_dirty(ino);
        return 0;
    }
    char target[PATH_MAX];
    join(target, fs.durable, path);
    int out = open(target, O_WRONLY);
    if (out < 0) {
        int e = errno;
        fprintf(stderr, "quorum-faultfs: syncing %s: %s\n", path, strerror(e));
        return -e;
    }
    struct stat st;
    int rc = fstat(live_fd, &st);
    if (rc == 0 && d->min_size >= 0)
        rc = ftruncate(out, d->min_size);
    static char buffer[1 << 20];
    for (size_t i = 0; rc == 0 && i < d->count; i++) {
        for (off_t at = d->ranges[i].start; rc == 0 && at < d->ranges[i].end;) {
            size_t want = (size_t)(d->ranges[i].end - at) < sizeof buffer ? (size_t)(d->ranges[i].end - at) : sizeof buffer;
            ssize_t n = pread(live_fd, buffer, want, at);
            if (n <= 0) { /* past the end (truncated since): nothing more to copy */
                rc = n < 0 ? -1 : 0;
                break;
            }
            if (pwrite(out, buffer, (size_t)n, at) != n)
                rc = -1;
            at += n;
            fs.synced_bytes += (unsigned long long)n;
        }
    }
    if (rc == 0)
        rc = ftruncate(out, st.st_size);
    int e = rc ? (errno ? errno : EIO) : 0;
    close(out);
    if (e)
        return -e;
    forget_dirty(ino);
    return 0;
}

/* ---- whole-tree helpers for mount and unmount ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int remove_tree(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static const char *copy_from;
static const char *copy_to;

static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s%s", copy_to, path + strlen(copy_from));
    if (flag == FTW_D)
        return mkdir(target, st->st_mode & 07777) == 0 || errno == EEXIST ? 0 : -1;
    if (flag == FTW_SL) {
        char link[PATH_MAX];
        ssize_t n = readlink(path, link, sizeof link - 1);
        if (n < 0)
            return -1;
        link[n] = 0;
        return symlink(link, target);
    }
    if (!S_ISREG(st->st_mode))
        return 0;
    int in = open(path, O_RDONLY), out = open(target, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 07777);
    int rc = in < 0 || out < 0 ? -1 : 0;
    static char buffer[1 << 20];
    ssize_t n;
    while (rc == 0 && (n = read(in, buffer, sizeof buffer)) != 0)
        rc = n < 0 || write(out, buffer, (size_t)n) != n ? -1 : 0;
    if (rc == 0) /* keep holes' size */
        rc = ftruncate(out, st->st_size);
    fs.used += st->st_size;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

static int copy_tree(const char *from, const char *to)
{
    copy_from = from;
    copy_to = to;
    return nftw(from, copy_entry, 32, FTW_PHYS);
}

/* ---- the control file ---- */

static int control(const char *text)
{
    char command[64] = {0};
    long long value = 0;
    int fields = sscanf(text, "%63s %lld", command, &value);
    if (fields >= 1 && strcmp(command, "crash") == 0) {
        pthread_mutex_lock(&fs.lock);
        fs.crashed = 1;
        fs.crashes++;
        fs.dropped_files += fs.dirty_count;
        fs.dropped_ops += fs.op_count;
        while (fs.dirty_count)
            forget_dirty(fs.dirty[0].ino);
        free_ops();
        pthread_mutex_unlock(&fs.lock);
        fprintf(stderr, "quorum-faultfs: crashed; unsynced changes dropped, every change now fails with EIO\n");
        return 0;
    }
    if (fields == 2 && strcmp(command, "fsync-delay-ms") == 0 && value >= 0) {
        __atomic_store_n(&fs.fsync_delay_ms, (unsigned int)value, __ATOMIC_RELAXED);
        return 0;
    }
    if (fields == 2 && strcmp(command, "capacity") == 0 && value >= 0) {
        pthread_mutex_lock(&fs.lock);
        fs.capacity = value;
        pthread_mutex_unlock(&fs.lock);
        return 0;
    }
    return -EINVAL;
}

static int status(char *out, size_t size)
{
    pthread_mutex_lock(&fs.lock);
    int n = snprintf(out, size,
                     "crashed %d\nunsynced-files %zu\nunsynced-name-changes %zu\nfsyncs %llu\nsynced-bytes %llu\n"
                     "crashes %llu\ndropped-files %llu\ndropped-name-changes %llu\nfsync-delay-ms %u\ncapacity %lld\nused %lld\n",
                     fs.crashed, fs.dirty_count, fs.op_count, fs.fsyncs, fs.synced_bytes, fs.crashes, fs.dropped_files,
                     fs.dropped_ops, fs.fsync_delay_ms, fs.capacity, fs.used);
    pthread_mutex_unlock(&fs.lock);
    return n;
}

/* ---- FUSE operations ---- */

#define LIVE(var, path) \
    char var[PATH_MAX]; \
    join(var, fs.live, path)

/* Takes the lock for a change; fails with EIO once crashed. */
#define BEGIN_CHANGE() \
    do { \
        pthread_mutex_lock(&fs.lock); \
        if (fs.crashed) { \
            pthread_mutex_unlock(&fs.lock); \
            return -EIO; \
        } \
    } while (0)
#define END_CHANGE() pthread_mutex_unlock(&fs.lock)

static struct handle *handle_of(struct fuse_file_info *fi)
{
    return (struct handle *)(uintptr_t)fi->fh;
}

static int is_control(const char *path)
{
    return path && strcmp(path, CONTROL) == 0;
}

/* Refuses growth past the capacity (called with fs.lock held). */
static int reserve(long long growth)
{
    if (fs.capacity > 0 && growth > 0 && fs.used + growth > fs.capacity)
        return -ENOSPC;
    fs.used += growth;
    return 0;
}

static void *ffs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->use_ino = 1;
    cfg->hard_remove = 1; /* no .fuse_hidden files: an unlinked open file has no path */
    cfg->nullpath_ok = 0; /* fsync needs the path of the file (NULL only once it is unlinked) */
    return NULL;
}

static void ffs_destroy(void *data)
{
    (void)data;
    pthread_mutex_lock(&fs.lock);
    if (!fs.crashed) { /* a clean unmount: the kernel syncs everything, so live becomes durable */
        if (remove_tree(fs.durable) != 0 || rename(fs.live, fs.durable) != 0)
            perror("quorum-faultfs: making live durable on unmount");
    }
    pthread_mutex_unlock(&fs.lock);
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (is_control(path) || (fi && fi->fh == CONTROL_FH)) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFREG | 0600;
        st->st_nlink = 1;
        return 0;
    }
    if (fi && fi->fh != CONTROL_FH)
        return fstat(handle_of(fi)->fd, st) == 0 ? 0 : -errno;
    LIVE(p, path);
    return lstat(p, st) == 0 ? 0 : -errno;
}

static int ffs_readlink(const char *path, char *buf, size_t size)
{
    LIVE(p, path);
    ssize_t n = readlink(p, buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

/* Directories are opened on open, not by path on each read: with nullpath_ok the path may be missing. */
static int ffs_opendir(const char *path, struct fuse_file_info *fi)
{
    LIVE(p, path);
    DIR *dir = opendir(p);
    if (!dir)
        return -errno;
    fi->fh = (uint64_t)(uintptr_t)dir;
    return 0;
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags)
{
    (void)path, (void)offset, (void)flags;
    DIR *dir = (DIR *)(uintptr_t)fi->fh;
    rewinddir(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        struct stat st = {.st_ino = e->d_ino, .st_mode = (mode_t)(e->d_type << 12)};
        if (fill(buf, e->d_name, &st, 0, 0))
            break;
    }
    return 0;
}

static int ffs_releasedir(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    closedir((DIR *)(uintptr_t)fi->fh);
    return 0;
}

static int ffs_mkdir(const char *path, mode_t mode)
{
    LIVE(p, path);
    BEGIN_CHANGE();
    int rc = recorded(mkdir(p, mode), OP_MKDIR, path, NULL, mode);
    END_CHANGE();
    return rc;
}

static int ffs_unlink(const char *path)
{
    LIVE(p, path);
    BEGIN_CHANGE();
    struct stat st;
    int known = lstat(p, &st) == 0;
    int rc = unlink(p) == 0 ? 0 : -errno;
    if (rc == 0) {
        record(OP_UNLINK, path, NULL, 0, 0);
        if (known && st.st_nlink == 1) {
            forget_dirty(st.st_ino);
            if (S_ISREG(st.st_mode))
                fs.used -= st.st_size;
        }
    }
    END_CHANGE();
    return rc;
}

static int ffs_rmdir(const char *path)
{
    LIVE(p, path);
    BEGIN_CHANGE();
    int rc = recorded(rmdir(p), OP_RMDIR, path, NULL, 0);
    END_CHANGE();
    return rc;
}

static int ffs_symlink(const char *target, const char *path)
{
    LIVE(p, path);
    BEGIN_CHANGE();
    int rc = recorded(symlink(target, p), OP_SYMLINK, path, target, 0);
    END_CHANGE();
    return rc;
}

static int ffs_rename(const char *from, const char *to, unsigned int flags)
{
    LIVE(a, from);
    LIVE(b, to);
    BEGIN_CHANGE();
    struct stat st;
    int replaced = lstat(b, &st) == 0 && !(flags & RENAME_EXCHANGE);
    int rc = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags) == 0 ? 0 : -errno;
    if (rc == 0) {
        record(OP_RENAME, from, to, 0, flags);
        if (replaced && st.st_nlink == 1 && !S_ISDIR(st.st_mode)) {
            forget_dirty(st.st_ino);
            if (S_ISREG(st.st_mode))
                fs.used -= st.st_size;
        }
    }
    END_CHANGE();
    return rc;
}

static int ffs_link(const char *from, const char *to)
{
    LIVE(a, from);
    LIVE(b, to);
    BEGIN_CHANGE();
    int rc = recorded(link(a, b), OP_LINK, from, to, 0);
    END_CHANGE();
    return rc;
}

static int ffs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (is_control(path) || (fi && fi->fh == CONTROL_FH))
        return 0;
    if (!path) /* unlinked while open: the change cannot outlive a crash */
        return fchmod(handle_of(fi)->fd, mode) == 0 ? 0 : -errno;
    LIVE(p, path);
    BEGIN_CHANGE();
    int rc = recorded(chmod(p, mode), OP_CHMOD, path, NULL, mode);
    END_CHANGE();
    return rc;
}

static int ffs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    if (is_control(path) || (fi && fi->fh == CONTROL_FH))
        return 0;
    if (fi)
        return fchown(handle_of(fi)->fd, uid, gid) == 0 ? 0 : -errno;
    LIVE(p, path);
    return lchown(p, uid, gid) == 0 ? 0 : -errno;
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    if (is_control(path) || (fi && fi->fh == CONTROL_FH))
        return 0;
    BEGIN_CHANGE();
    struct stat st;
    int fd = fi && fi->fh != CONTROL_FH ? handle_of(fi)->fd : -1;
    int rc;
    if (fd >= 0) {
        rc = fstat(fd, &st) == 0 ? 0 : -errno;
    } else {
        LIVE(p, path);
        rc = lstat(p, &st) == 0 ? 0 : -errno;
    }
    if (rc == 0)
        rc = reserve(size - st.st_size);
    if (rc == 0) {
        if (fd >= 0) {
            rc = ftruncate(fd, size) == 0 ? 0 : -errno;
        } else {
            LIVE(p, path);
            rc = truncate(p, size) == 0 ? 0 : -errno;
        }
        if (rc == 0)
            mark_truncated(st.st_ino, size);
        else
            fs.used -= size - st.st_size;
    }
    END_CHANGE();
    return rc;
}

static int ffs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    if (is_control(path) || (fi && fi->fh == CONTROL_FH))
        return 0;
    if (fi)
        return futimens(handle_of(fi)->fd, tv) == 0 ? 0 : -errno;
    LIVE(p, path);
    return utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

/* The backing descriptor can read (fsync copies through it) and writes where the kernel says (the
 * kernel has already turned O_APPEND into an offset). */
static int backing_flags(int flags)
{
    flags &= ~(O_CREAT | O_EXCL | O_APPEND);
    if ((flags & O_ACCMODE) == O_WRONLY)
        flags = (flags & ~O_ACCMODE) | O_RDWR;
    return flags;
}

static int open_handle(int fd, struct fuse_file_info *fi, ino_t *ino)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct handle *h = malloc(sizeof *h);
    h->fd = fd;
    h->ino = st.st_ino;
    fi->fh = (uint64_t)(uintptr_t)h;
    if (ino)
        *ino = st.st_ino;
    return 0;
}

static int ffs_open(const char *path, struct fuse_file_info *fi)
{
    if (is_control(path)) {
        fi->fh = CONTROL_FH;
        fi->direct_io = 1;
        return 0;
    }
    LIVE(p, path);
    int truncating = (fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY;
    if (truncating)
        BEGIN_CHANGE();
    struct stat before;
    int had = truncating && stat(p, &before) == 0;
    int fd = open(p, backing_flags(fi->flags));
    int rc = fd < 0 ? -errno : 0;
    ino_t ino = 0;
    if (rc == 0)
        rc = open_handle(fd, fi, &ino);
    if (truncating) {
        if (rc == 0) {
            mark_truncated(ino, 0);
            if (had)
                fs.used -= before.st_size;
        }
        END_CHANGE();
    }
    return rc;
}

static int ffs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    LIVE(p, path);
    BEGIN_CHANGE();
    int fd = open(p, backing_flags(fi->flags) | O_CREAT | O_EXCL, mode);
    int created = fd >= 0;
    struct stat before;
    int had = 0;
    if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL)) {
        had = stat(p, &before) == 0;
        fd = open(p, backing_flags(fi->flags));
    }
    int rc = fd < 0 ? -errno : 0;
    ino_t ino = 0;
    if (rc == 0)
        rc = open_handle(fd, fi, &ino);
    if (rc == 0 && created) {
        forget_dirty(ino); /* a new file may reuse the inode number of a deleted one */
        record(OP_CREATE, path, NULL, mode, 0);
    } else if (rc == 0 && (fi->flags & O_TRUNC)) {
        mark_truncated(ino, 0);
        if (had)
            fs.used -= before.st_size;
    }
    END_CHANGE();
    return rc;
}

static int ffs_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CONTROL_FH) {
        char text[1024];
        int n = status(text, sizeof text);
        if (offset >= n)
            return 0;
        size_t left = (size_t)(n - offset) < size ? (size_t)(n - offset) : size;
        memcpy(buf, text + offset, left);
        return (int)left;
    }
    ssize_t n = pread(handle_of(fi)->fd, buf, size, offset);
    return n < 0 ? -errno : (int)n;
}

static int ffs_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CONTROL_FH) {
        char text[256];
        size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
        memcpy(text, buf, n);
        text[n] = 0;
        int rc = control(text);
        return rc < 0 ? rc : (int)size;
    }
    struct handle *h = handle_of(fi);
    BEGIN_CHANGE();
    int rc = 0;
    long long growth = 0;
    if (fs.capacity > 0) {
        struct stat st;
        if (fstat(h->fd, &st) == 0 && offset + (off_t)size > st.st_size)
            growth = offset + (long long)size - st.st_size;
        rc = reserve(growth);
    }
    if (rc == 0) {
        ssize_t n = pwrite(h->fd, buf, size, offset);
        rc = n < 0 ? -errno : (int)n;
        if (n >= 0)
            mark_written(h->ino, offset, offset + n);
        else
            fs.used -= growth;
    }
    END_CHANGE();
    return rc;
}

static int ffs_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    if (statvfs(fs.live, st) != 0)
        return -errno;
    pthread_mutex_lock(&fs.lock);
    if (fs.capacity > 0 && st->f_frsize > 0) {
        st->f_blocks = (fsblkcnt_t)(fs.capacity / (long long)st->f_frsize);
        long long free_bytes = fs.capacity > fs.used ? fs.capacity - fs.used : 0;
        st->f_bfree = st->f_bavail = (fsblkcnt_t)(free_bytes / (long long)st->f_frsize);
    }
    pthread_mutex_unlock(&fs.lock);
    return 0;
}

static int ffs_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh != CONTROL_FH) {
        close(handle_of(fi)->fd);
        free(handle_of(fi));
    }
    return 0;
}

static void delay_fsync(void)
{
    unsigned int ms = __atomic_load_n(&fs.fsync_delay_ms, __ATOMIC_RELAXED);
    if (ms) {
        struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
    }
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)datasync; /* fdatasync makes the size durable too, so it is treated as fsync */
    if (fi->fh == CONTROL_FH)
        return 0;
    delay_fsync();
    BEGIN_CHANGE();
    fs.fsyncs++;
    commit_names();
    int rc = sync_file(path, handle_of(fi)->fd, handle_of(fi)->ino);
    END_CHANGE();
    if (rc != 0)
        fprintf(stderr, "quorum-faultfs: fsync of %s failed: %s\n", path ? path : "(unlinked)", strerror(-rc));
    return rc;
}

static int ffs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path, (void)datasync, (void)fi;
    delay_fsync();
    BEGIN_CHANGE();
    fs.fsyncs++;
    commit_names();
    END_CHANGE();
    return 0;
}

static int ffs_fallocate(const char *path, int mode, off_t offset, off_t length, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CONTROL_FH)
        return -EOPNOTSUPP;
    struct handle *h = handle_of(fi);
    BEGIN_CHANGE();
    struct stat st;
    int rc = fstat(h->fd, &st) == 0 ? 0 : -errno;
    long long growth = 0;
    if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && offset + length > st.st_size)
        growth = offset + length - st.st_size;
    if (rc == 0)
        rc = reserve(growth);
    if (rc == 0) {
        rc = fallocate(h->fd, mode, offset, length) == 0 ? 0 : -errno;
        if (rc == 0)
            mark_written(h->ino, offset, offset + length); /* zeros or holes: copied as they read */
        else
            fs.used -= growth;
    }
    END_CHANGE();
    return rc;
}

static const struct fuse_operations operations = {
    .init = ffs_init,
    .destroy = ffs_destroy,
    .getattr = ffs_getattr,
    .readlink = ffs_readlink,
    .opendir = ffs_opendir,
    .readdir = ffs_readdir,
    .releasedir = ffs_releasedir,
    .mkdir = ffs_mkdir,
    .unlink = ffs_unlink,
    .rmdir = ffs_rmdir,
    .symlink = ffs_symlink,
    .rename = ffs_rename,
    .link = ffs_link,
    .chmod = ffs_chmod,
    .chown = ffs_chown,
    .truncate = ffs_truncate,
    .utimens = ffs_utimens,
    .open = ffs_open,
    .create = ffs_create,
    .read = ffs_read,
    .write = ffs_write,
    .statfs = ffs_statfs,
    .release = ffs_release,
    .fsync = ffs_fsync,
    .fsyncdir = ffs_fsyncdir,
    .fallocate = ffs_fallocate,
};

/* ---- command line ---- */

struct options {
    unsigned int fsync_delay_ms;
    long long capacity;
    int help;
};

static const struct fuse_opt option_spec[] = {
    {"--fsync-delay-ms=%u", offsetof(struct options, fsync_delay_ms), 0},
    {"--capacity=%lld", offsetof(struct options, capacity), 0},
    {"--help", offsetof(struct options, help), 1},
    {"-h", offsetof(struct options, help), 1},
    FUSE_OPT_END,
};

static int take_backing(void *data, const char *arg, int key, struct fuse_args *args)
{
    (void)data, (void)args;
    if (key == FUSE_OPT_KEY_NONOPT && !fs.backing) {
        fs.backing = realpath(arg, NULL);
        if (!fs.backing) {
            fprintf(stderr, "quorum-faultfs: backing directory %s: %s\n", arg, strerror(errno));
            exit(2);
        }
        return 0;
    }
    return 1;
}

static char *child(const char *name)
{
    char *path = malloc(PATH_MAX);
    snprintf(path, PATH_MAX, "%s/%s", fs.backing, name);
    return path;
}

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct options options = {0};
    if (fuse_opt_parse(&args, &options, option_spec, take_backing) != 0)
        return 2;
    if (options.help || !fs.backing) {
        fprintf(stderr,
                "usage: quorum-faultfs [--fsync-delay-ms=N] [--capacity=BYTES] [FUSE options, e.g. -f -o allow_other] BACKING MOUNTPOINT\n"
                "Control: write 'crash', 'fsync-delay-ms N' or 'capacity BYTES' to MOUNTPOINT" CONTROL "; read it for counters.\n");
        return options.help ? 0 : 2;
    }
    fs.fsync_delay_ms = options.fsync_delay_ms;
    fs.capacity = options.capacity;
    fs.live = child("live");
    fs.durable = child("durable");

    /* Start from what survived: live is a fresh copy of durable. */
    if ((mkdir(fs.durable, 0755) != 0 && errno != EEXIST) || remove_tree(fs.live) != 0 || copy_tree(fs.durable, fs.live) != 0) {
        perror("quorum-faultfs: preparing the backing directory");
        return 1;
    }
    int rc = fuse_main(args.argc, args.argv, &operations, NULL);
    fuse_opt_free_args(&args);
    return rc;
}
