/*
 * The floor under any one-threaded device model on taps (bench/net.sh's
 * "tap floor" column): two taps opened as -netdev tap opens them
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, the 10-byte header, checksum and
 * TSO offloads on as a frontend with all offloads negotiates), and every
 * frame read from one written to the other, both ways, by one thread:
 * poll, read, write, nothing else. What the EMULATE path does on top
 * (rings, grants, the guest's bridge) can only cost more.
 *
 *   tap-forward IFNAME-A IFNAME-B
 *
 * Creates both taps in the caller's namespace (the bench moves them) and
 * forwards until SIGTERM or SIGINT, then prints what it forwarded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

/* A 64 KiB GSO frame and its header. */
#define FRAME_MAX (sizeof(struct virtio_net_hdr) + 65535 + 14 + 4)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int tap_open(const char *name)
{
    struct ifreq ifr = { 0 };
    int len = sizeof(struct virtio_net_hdr);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0) {
        perror("/dev/net/tun");
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
        ioctl(fd, TUNSETVNETHDRSZ, &len) < 0 ||
        ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Moves what @from has to @to until @from is empty; false on an error. */
static bool forward(int from, int to, uint8_t *buf, uint64_t *frames,
                    uint64_t *dropped)
{
    for (;;) {
        ssize_t n = read(from, buf, FRAME_MAX);

        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        if (write(to, buf, n) == n) {
            (*frames)++;
        } else {
            (*dropped)++;
        }
    }
}

int main(int argc, char **argv)
{
    struct sigaction sa = { .sa_handler = on_signal };
    uint64_t frames[2] = { 0 }, dropped = 0;
    struct pollfd p[2];
    uint8_t *buf;

    if (argc != 3) {
        fprintf(stderr, "usage: %s IFNAME-A IFNAME-B\n", argv[0]);
        return 2;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    buf = malloc(FRAME_MAX);
    p[0] = (struct pollfd) { .fd = tap_open(argv[1]), .events = POLLIN };
    p[1] = (struct pollfd) { .fd = tap_open(argv[2]), .events = POLLIN };
    if (!buf || p[0].fd < 0 || p[1].fd < 0) {
        return 1;
    }
    while (!stop) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("poll");
            return 1;
        }
        for (int i = 0; i < 2; i++) {
            if ((p[i].revents & POLLIN) &&
                !forward(p[i].fd, p[!i].fd, buf, &frames[i], &dropped)) {
                perror("read");
                return 1;
            }
        }
    }
    printf("tap-forward: %llu frames A->B, %llu B->A, %llu not written\n",
           (unsigned long long)frames[0], (unsigned long long)frames[1],
           (unsigned long long)dropped);
    free(buf);
    close(p[0].fd);
    close(p[1].fd);
    return 0;
}
