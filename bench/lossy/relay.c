// Userspace link emulator: bridges Ethernet frames between two interfaces with AF_PACKET raw
// sockets and applies, per direction, random loss, a rate limit with a bounded (tail-drop) queue
// and a one-way delay. Used because this kernel has no netem; TCP and QUIC frames go through the
// same code, so both see the same kind of drops.
//
// usage: relay IF_A IF_B DELAY_A2B_US DELAY_B2A_US LOSS_PPM RATE_BPS QUEUE_BYTES SEED [EVENT_LOG]
//   LOSS_PPM: per-frame drop probability in parts per million (IPv4/IPv6 frames only, never ARP)
//   RATE_BPS: bits per second per direction, 0 = unlimited
//   EVENT_LOG: file that gets one line per dropped IPv4 frame and per TCP retransmission seen,
//     at most MAX_EVENTS lines (see log_event for the format); the benchmark marks them on its
//     per-chunk arrival pictures
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
#define MAX_EVENTS 1000000  // lines in EVENT_LOG per run (~60 MB); later events are only counted
#define TCP_FLOWS 64      // TCP flows per direction whose highest sequence number is remembered

struct frame {
  uint64_t due_ns;  // when it leaves the link (after serialization and delay)
  uint32_t len;
  uint8_t data[SLOT_BYTES];
};

// Highest sequence number a TCP flow has sent, to tell a retransmission from new data.
struct tcp_flow {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint32_t next_seq;  // one past the highest byte seen
  uint64_t last_ns;   // for replacing the least recently seen flow when the table is full
  int used;
};

struct direction {
  const char *name;
  int in_fd, out_fd;
  uint64_t delay_ns;
  uint64_t busy_until_ns;  // when the link finishes serializing what it already accepted
  struct frame *ring;
  uint32_t head, count;
  uint64_t rng;
  uint64_t frames_in, ip_frames, lost_random, lost_queue, lost_ring, oversize, forwarded, send_errors, tcp_retransmits;
  struct tcp_flow flows[TCP_FLOWS];
};

static volatile sig_atomic_t stop;
static uint32_t loss_ppm;
static uint64_t rate_bps, queue_bytes;
static FILE *event_log;
static uint64_t events_logged, events_unlogged;

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

// The transport header of an IPv4 frame; proto 0 when the frame is not IPv4 or too short.
struct ip_info {
  uint8_t proto;
  uint32_t src, dst;
  uint16_t sport, dport;
  const uint8_t *l4;  // transport header
  uint32_t l4_len;    // bytes from the transport header to the end of the IP packet
};

static struct ip_info parse_ipv4(const uint8_t *f, uint32_t len) {
  struct ip_info ip = {0};
  if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4) return ip;
  uint32_t ihl = (uint32_t)(f[14] & 0x0f) * 4;
  uint32_t total = (uint32_t)(f[16] << 8 | f[17]);
  if (ihl < 20 || total < ihl || 14 + total > len) return ip;
  ip.proto = f[23];
  memcpy(&ip.src, f + 26, 4);
  memcpy(&ip.dst, f + 30, 4);
  ip.l4 = f + 14 + ihl;
  ip.l4_len = total - ihl;
  if ((ip.proto == IPPROTO_TCP || ip.proto == IPPROTO_UDP) && ip.l4_len >= 4) {
    ip.sport = (uint16_t)(ip.l4[0] << 8 | ip.l4[1]);
    ip.dport = (uint16_t)(ip.l4[2] << 8 | ip.l4[3]);
  }
  return ip;
}

// One event line: DIRECTION (aToB, bToA) KIND AT_NS ARRIVAL_NS PROTO SPORT DPORT
//   KIND: random | queue | ring (the frame was dropped, and why) or retransmit (a TCP segment
//   carrying bytes its flow had sent before); AT_NS: when the relay saw the frame; ARRIVAL_NS:
//   when it reached, or would have reached, the far side (CLOCK_MONOTONIC, as node's hrtime).
static void log_event(const struct direction *d, const char *kind, uint64_t at_ns, uint64_t arrival_ns, const struct ip_info *ip) {
  if (!event_log) return;
  if (events_logged >= MAX_EVENTS) {
    events_unlogged++;
    return;
  }
  events_logged++;
  fprintf(event_log, "%s %s %llu %llu %u %u %u\n", d->name, kind, (unsigned long long)at_ns, (unsigned long long)arrival_ns, ip->proto, ip->sport, ip->dport);
}

// Whether a TCP segment carries bytes its flow sent before (RFC 9293 sequence space, modulo 2^32).
static int tcp_retransmission(struct direction *d, const struct ip_info *ip, uint64_t now) {
  if (ip->proto != IPPROTO_TCP || ip->l4_len < 20) return 0;
  const uint8_t *h = ip->l4;
  uint32_t header = (uint32_t)(h[12] >> 4) * 4;
  if (header < 20 || header > ip->l4_len) return 0;
  uint32_t payload = ip->l4_len - header;
  int syn = h[13] & 0x02;
  uint32_t seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
  struct tcp_flow *flow = NULL, *oldest = &d->flows[0];
  for (int i = 0; i < TCP_FLOWS; i++) {
    struct tcp_flow *c = &d->flows[i];
    if (c->used && c->src == ip->src && c->dst == ip->dst && c->sport == ip->sport && c->dport == ip->dport) flow = c;
    if (!c->used || (oldest->used && c->last_ns < oldest->last_ns)) oldest = c;
  }
  uint32_t end = seq + payload + (syn ? 1u : 0u);
  if (!flow || syn) {
    // A new flow (or a port reused by a new connection): its first segment sets the mark.
    flow = oldest;
    *flow = (struct tcp_flow){.src = ip->src, .dst = ip->dst, .sport = ip->sport, .dport = ip->dport, .next_seq = end, .last_ns = now, .used = 1};
    return 0;
  }
  flow->last_ns = now;
  if (payload == 0) return 0;
  if ((int32_t)(seq - flow->next_seq) < 0) {
    if ((int32_t)(end - flow->next_seq) > 0) flow->next_seq = end;
    return 1;
  }
  flow->next_seq = end;
  return 0;
}

// Accepts one frame into the link: random loss, then the rate limiter's queue, then the delay line.
static void admit(struct direction *d, const uint8_t *buf, uint32_t len, uint64_t now) {
  d->frames_in++;
  if (len > SLOT_BYTES) {
    d->oversize++;
    return;
  }
  int ip = is_ip(buf, len);
  struct ip_info info = event_log ? parse_ipv4(buf, len) : (struct ip_info){0};
  uint64_t start = d->busy_until_ns > now ? d->busy_until_ns : now;
  uint64_t serialize_ns = rate_bps ? (uint64_t)len * 8ull * 1000000000ull / rate_bps : 0;
  // When this frame reaches the far side if it is admitted (for the event log).
  uint64_t arrival_ns = start + serialize_ns + d->delay_ns;
  if (info.proto && tcp_retransmission(d, &info, now)) {
    d->tcp_retransmits++;
    log_event(d, "retransmit", now, arrival_ns, &info);
  }
  if (ip) {
    d->ip_frames++;
    if (loss_ppm > 0 && next_random(&d->rng) % 1000000u < loss_ppm) {
      d->lost_random++;
      if (info.proto) log_event(d, "random", now, arrival_ns, &info);
      return;
    }
  }
  // Bytes still waiting for the wire = backlog time × rate; beyond the queue size: tail drop.
  if (rate_bps && ip && (start - now) * rate_bps / 8ull / 1000000000ull + len > queue_bytes) {
    d->lost_queue++;
    if (info.proto) log_event(d, "queue", now, arrival_ns, &info);
    return;
  }
  if (d->count == SLOTS) {
    d->lost_ring++;
    if (info.proto) log_event(d, "ring", now, arrival_ns, &info);
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
         "\"oversize\":%llu,\"forwarded\":%llu,\"sendErrors\":%llu,\"tcpRetransmits\":%llu}%s",
         name, (unsigned long long)d->frames_in, (unsigned long long)d->ip_frames, (unsigned long long)d->lost_random,
         (unsigned long long)d->lost_queue, (unsigned long long)d->lost_ring, (unsigned long long)d->oversize,
         (unsigned long long)d->forwarded, (unsigned long long)d->send_errors, (unsigned long long)d->tcp_retransmits, last ? "" : ",");
}

int main(int argc, char **argv) {
  if (argc != 9 && argc != 10) {
    fprintf(stderr, "usage: relay IF_A IF_B DELAY_A2B_US DELAY_B2A_US LOSS_PPM RATE_BPS QUEUE_BYTES SEED [EVENT_LOG]\n");
    return 2;
  }
  if (argc == 10) {
    event_log = fopen(argv[9], "w");
    if (!event_log) {
      perror("relay: EVENT_LOG");
      return 2;
    }
    setvbuf(event_log, NULL, _IOFBF, 1 << 20);
  }
  int fd_a = open_port(argv[1]);
  int fd_b = open_port(argv[2]);
  loss_ppm = (uint32_t)strtoul(argv[5], NULL, 10);
  rate_bps = strtoull(argv[6], NULL, 10);
  queue_bytes = strtoull(argv[7], NULL, 10);
  uint64_t seed = strtoull(argv[8], NULL, 10) | 1;
  struct direction dirs[2] = {
      {.name = "aToB", .in_fd = fd_a, .out_fd = fd_b, .delay_ns = strtoull(argv[3], NULL, 10) * 1000ull, .rng = seed * 0x9E3779B97F4A7C15ull | 1},
      {.name = "bToA", .in_fd = fd_b, .out_fd = fd_a, .delay_ns = strtoull(argv[4], NULL, 10) * 1000ull, .rng = (seed + 1) * 0xD1B54A32D192ED03ull | 1},
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
  if (event_log) fclose(event_log);
  printf("{");
  print_counters("aToB", &dirs[0], 0);
  print_counters("bToA", &dirs[1], 1);
  printf(",\"eventsLogged\":%llu,\"eventsUnlogged\":%llu}\n", (unsigned long long)events_logged, (unsigned long long)events_unlogged);
  fflush(stdout);
  return 0;
}
