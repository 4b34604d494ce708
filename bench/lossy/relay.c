// Userspace link emulator: bridges Ethernet frames between two interfaces with AF_PACKET raw
// sockets and applies, per direction, random loss, a rate limit with a bounded (tail-drop) queue
// and a one-way delay. Used because this kernel has no netem; TCP and QUIC frames go through the
// same code, so both see the same kind of drops.
//
// usage: relay IF_A IF_B DELAY_A2B_US DELAY_B2A_US LOSS_PPM RATE_BPS QUEUE_BYTES SEED
//   LOSS_PPM: per-frame drop probability in parts per million (IPv4/IPv6 frames only, never ARP)
//   RATE_BPS: bits per second per direction, 0 = unlimited
// On SIGTERM/SIGINT it prints one JSON line of counters to stdout and exits 0.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define SLOT_BYTES 2048   // frames are <= MTU + header: TSO/GSO/GRO are off on every veth
#define SLOTS 16384       // in flight + queued per direction; a full ring drops like a full queue
#define RECV_BURST 256    // frames read per socket per wake-up, so one direction cannot starve the other

struct frame {
  uint64_t due_ns;  // when it leaves the link (after serialization and delay)
  uint32_t len;
  uint8_t data[SLOT_BYTES];
};

struct direction {
  int in_fd, out_fd;
  uint64_t delay_ns;
  uint64_t busy_until_ns;  // when the link finishes serializing what it already accepted
  struct frame *ring;
  uint32_t head, count;
  uint64_t rng;
  uint64_t frames_in, ip_frames, lost_random, lost_queue, lost_ring, oversize, forwarded, send_errors;
};

static volatile sig_atomic_t stop;
static uint32_t loss_ppm;
static uint64_t rate_bps, queue_bytes;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// xorshift64*: fixed seeds make the drop sequence of a given frame sequence reproducible.
static uint64_t next_random(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

static int open_port(const char *ifname) {
  int ifindex = (int)if_nametoindex(ifname);
  if (ifindex == 0) {
    fprintf(stderr, "relay: no interface %s\n", ifname);
    exit(2);
  }
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) {
    perror("relay: socket(AF_PACKET)");
    exit(2);
  }
  // Our own sends on this port would otherwise be read back and bridged again.
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
    perror("relay: PACKET_IGNORE_OUTGOING");
    exit(2);
  }
  // Large buffers: a kernel-side drop would be loss we did not choose.
  int buf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
  struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("relay: bind");
    exit(2);
  }
  return fd;
}

static int is_ip(const uint8_t *f, uint32_t len) {
  if (len < 14) return 0;
  uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
  return type == ETHERTYPE_IP || type == ETHERTYPE_IPV6;
}

// Accepts one frame into the link: random loss, then the rate limiter's queue, then the delay line.
static void admit(struct direction *d, const uint8_t *buf, uint32_t len, uint64_t now) {
  d->frames_in++;
  if (len > SLOT_BYTES) {
    d->oversize++;
    return;
  }
  int ip = is_ip(buf, len);
  if (ip) {
    d->ip_frames++;
    if (loss_ppm > 0 && next_random(&d->rng) % 1000000u < loss_ppm) {
      d->lost_random++;
      return;
    }
  }
  uint64_t start = d->busy_until_ns > now ? d->busy_until_ns : now;
  uint64_t serialize_ns = rate_bps ? (uint64_t)len * 8ull * 1000000000ull / rate_bps : 0;
  // Bytes still waiting for the wire = backlog time × rate; beyond the queue size: tail drop.
  if (rate_bps && ip && (start - now) * rate_bps / 8ull / 1000000000ull + len > queue_bytes) {
    d->lost_queue++;
    return;
  }
  if (d->count == SLOTS) {
    d->lost_ring++;
    return;
  }
  d->busy_until_ns = start + serialize_ns;
  struct frame *f = &d->ring[(d->head + d->count) % SLOTS];
  f->due_ns = d->busy_until_ns + d->delay_ns;
  f->len = len;
  memcpy(f->data, buf, len);
  d->count++;
}

static void receive(struct direction *d, uint64_t now) {
  static uint8_t buf[65536];
  for (int i = 0; i < RECV_BURST; i++) {
    ssize_t n = recv(d->in_fd, buf, sizeof buf, MSG_TRUNC);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) perror("relay: recv");
      return;
    }
    admit(d, buf, (uint32_t)n, now);
  }
}

// Sends every frame whose time has come; frames are due in FIFO order (constant delay, serial link).
static void deliver(struct direction *d, uint64_t now) {
  while (d->count > 0) {
    struct frame *f = &d->ring[d->head];
    if (f->due_ns > now) return;
    if (send(d->out_fd, f->data, f->len, 0) < 0) d->send_errors++;
    else d->forwarded++;
    d->head = (d->head + 1) % SLOTS;
    d->count--;
  }
}

static uint64_t next_due(const struct direction *d, uint64_t fallback) {
  return d->count > 0 ? d->ring[d->head].due_ns : fallback;
}

static void print_counters(const char *name, const struct direction *d, int last) {
  printf("\"%s\":{\"framesIn\":%llu,\"ipFrames\":%llu,\"lostRandom\":%llu,\"lostQueue\":%llu,\"lostRing\":%llu,"
         "\"oversize\":%llu,\"forwarded\":%llu,\"sendErrors\":%llu}%s",
         name, (unsigned long long)d->frames_in, (unsigned long long)d->ip_frames, (unsigned long long)d->lost_random,
         (unsigned long long)d->lost_queue, (unsigned long long)d->lost_ring, (unsigned long long)d->oversize,
         (unsigned long long)d->forwarded, (unsigned long long)d->send_errors, last ? "" : ",");
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: relay IF_A IF_B DELAY_A2B_US DELAY_B2A_US LOSS_PPM RATE_BPS QUEUE_BYTES SEED\n");
    return 2;
  }
  int fd_a = open_port(argv[1]);
  int fd_b = open_port(argv[2]);
  loss_ppm = (uint32_t)strtoul(argv[5], NULL, 10);
  rate_bps = strtoull(argv[6], NULL, 10);
  queue_bytes = strtoull(argv[7], NULL, 10);
  uint64_t seed = strtoull(argv[8], NULL, 10) | 1;
  struct direction dirs[2] = {
      {.in_fd = fd_a, .out_fd = fd_b, .delay_ns = strtoull(argv[3], NULL, 10) * 1000ull, .rng = seed * 0x9E3779B97F4A7C15ull | 1},
      {.in_fd = fd_b, .out_fd = fd_a, .delay_ns = strtoull(argv[4], NULL, 10) * 1000ull, .rng = (seed + 1) * 0xD1B54A32D192ED03ull | 1},
  };
  for (int i = 0; i < 2; i++) {
    dirs[i].ring = malloc(sizeof(struct frame) * SLOTS);
    if (!dirs[i].ring) {
      fprintf(stderr, "relay: out of memory\n");
      return 2;
    }
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fprintf(stderr, "relay: ready\n");

  struct pollfd fds[2] = {{.fd = fd_a, .events = POLLIN}, {.fd = fd_b, .events = POLLIN}};
  while (!stop) {
    uint64_t now = now_ns();
    uint64_t idle = now + 100000000ull;  // wake at least every 100 ms to notice signals
    uint64_t due = next_due(&dirs[0], idle);
    uint64_t due_b = next_due(&dirs[1], idle);
    if (due_b < due) due = due_b;
    struct timespec timeout = {0, 0};
    if (due > now) {
      timeout.tv_sec = (time_t)((due - now) / 1000000000ull);
      timeout.tv_nsec = (long)((due - now) % 1000000000ull);
    }
    if (ppoll(fds, 2, &timeout, NULL) < 0 && errno != EINTR) {
      perror("relay: ppoll");
      return 1;
    }
    now = now_ns();
    if (fds[0].revents & POLLIN) receive(&dirs[0], now);
    if (fds[1].revents & POLLIN) receive(&dirs[1], now);
    deliver(&dirs[0], now);
    deliver(&dirs[1], now);
  }
  printf("{");
  print_counters("aToB", &dirs[0], 0);
  print_counters("bToA", &dirs[1], 1);
  printf("}\n");
  fflush(stdout);
  return 0;
}
