/*
 * ffi-kit's SanitizerCoverage runtime (libffikit-sancov.so).
 *
 * A library built with clang's -fsanitize=fuzzer-no-link (or -fsanitize-coverage=inline-8bit-counters,
 * trace-pc-guard, trace-cmp...) or gcc's -fsanitize-coverage=trace-pc[,trace-cmp] calls the __sanitizer_cov_*
 * functions defined here. The fuzzer's child process loads this library first (LD_PRELOAD), so the target's
 * undefined __sanitizer_cov_* symbols resolve to it, then reads what it gathered through the ffikit_cov_*
 * functions at the end:
 * - edge counters, one region per loaded module (inline 8-bit counters, pc-guard counters, or a map of hashed PCs
 *   for gcc's trace-pc), turned into features (edge index x hit-count bucket, as AFL and libFuzzer do);
 * - a bounded table of the operands of the comparisons the target made (trace-cmp, switch, div), and of the
 *   strings it compared (strcmp, strncmp, strcasecmp, memcmp, bcmp, strstr: intercepted here, and libFuzzer's
 *   weak hooks, which AddressSanitizer's interceptors call).
 * Recording happens only while armed (between ffikit_cov_reset and ffikit_cov_collect), so comparisons Node
 * makes for itself are not recorded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_MODULES 256
#define MAX_FEATURES (1u << 20)
#define GUARD_COUNTERS (1u << 20)
#define PC_MAP (1u << 16)
#define MAX_CMPS 256
#define SEEN_SLOTS 1024
#define MAX_STRS 128
#define STR_BYTES 64

typedef struct {
  uint8_t *start;
  uint8_t *stop;
} region_t;

static region_t regions[MAX_MODULES];
static uint32_t region_count;
static uintptr_t pc_low = UINTPTR_MAX, pc_high;
static uint8_t guard_counters[GUARD_COUNTERS];
static uint32_t guard_count;
static uint8_t pc_map[PC_MAP];
static int pc_map_used;
static uint32_t features[MAX_FEATURES];
static volatile int armed;
/* clang's -fsanitize-coverage=stack-depth (part of fuzzer-no-link) keeps the lowest stack pointer seen here. */
EXPORT __thread uintptr_t __sancov_lowest_stack;

typedef struct {
  uint64_t a;
  uint64_t b;
  uint32_t size; /* bytes: 1, 2, 4, 8 */
  uint32_t kind; /* 0 cmp, 1 const cmp (a is the constant), 2 switch case, 3 div */
} cmp_t;
/* A ring: past MAX_CMPS the oldest entries are overwritten (the last compares of a call are the ones that decided
 * where it stopped); ffikit_cov_collect puts them back in call order. */
static cmp_t cmps[MAX_CMPS];
static cmp_t cmps_ordered[MAX_CMPS];
static uint32_t cmp_count;

typedef struct {
  uint32_t len1;
  uint32_t len2;
  uint8_t s1[STR_BYTES];
  uint8_t s2[STR_BYTES];
} str_t;
static str_t strs[MAX_STRS];
static uint32_t str_count;

/* ---- counters ---- */

EXPORT void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop) {
  if (start == stop || region_count >= MAX_MODULES) return;
  for (uint32_t i = 0; i < region_count; i++)
    if (regions[i].start == start) return;
  regions[region_count].start = start;
  regions[region_count].stop = stop;
  region_count++;
}

EXPORT void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end) {
  for (const uintptr_t *p = beg; p < end; p += 2) {
    if (*p < pc_low) pc_low = *p;
    if (*p > pc_high) pc_high = *p;
  }
}

EXPORT void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) {
  if (start == stop || *start) return;
  for (uint32_t *g = start; g < stop; g++) {
    if (guard_count + 1 >= GUARD_COUNTERS) {
      *g = 0;
      continue;
    }
    *g = ++guard_count;
  }
}

EXPORT void __sanitizer_cov_trace_pc_guard(uint32_t *guard) {
  uint32_t g = *guard;
  if (g) guard_counters[g]++;
}

EXPORT void __sanitizer_cov_trace_pc(void) {
  uintptr_t pc = (uintptr_t)__builtin_return_address(0);
  pc_map_used = 1;
  pc_map[(pc ^ (pc >> 16)) & (PC_MAP - 1)]++;
}

/* Indirect calls (clang's fuzzer-no-link asks for them): nothing to record. */
EXPORT void __sanitizer_cov_trace_pc_indir(uintptr_t callee) { (void)callee; }

/* ---- comparisons ---- */

/* Pairs already recorded during this call (open addressing, stamped with the call's generation). */
static uint64_t seen_key[SEEN_SLOTS];
static uint32_t seen_gen[SEEN_SLOTS];

/*
 * Value profile (as libFuzzer's -use_value_profile, for compares with a constant only): two features per compare
 * site, the number of differing bits and the bit length of the distance |a - b| (at the compare's width), so an
 * input that gets closer to a constant is kept even before it reaches a new edge: a value that must reach a
 * bound through arithmetic (a decoded number, a sum) gets a gradient. Deduplicated per call with generation
 * stamps.
 */
#define VP_SITES 4096u
#define VP_PER_SITE 130u
#define VP_SLOTS (VP_SITES * VP_PER_SITE)
#define MAX_VP 4096
static uint32_t vp_gen[VP_SLOTS];
static uint32_t vp[MAX_VP];
static uint32_t vp_count;
static uint32_t generation = 1;

static void add_vp(uint32_t slot) {
  if (vp_gen[slot] == generation || vp_count >= MAX_VP) return;
  vp_gen[slot] = generation;
  vp[vp_count++] = slot;
}

static void record_vp(uintptr_t pc, uint64_t a, uint64_t b, uint32_t size) {
  if (!armed || vp_count >= MAX_VP) return;
  uint32_t site = (uint32_t)((pc * 0x9e3779b97f4a7c15ull) >> 40) % VP_SITES;
  add_vp(site * VP_PER_SITE + (uint32_t)__builtin_popcountll(a ^ b));
  uint64_t mask = size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
  uint64_t d = a > b ? a - b : b - a;
  d &= mask;
  add_vp(site * VP_PER_SITE + 65u + (d == 0 ? 0u : 64u - (uint32_t)__builtin_clzll(d)));
}

static void record_cmp(uint64_t a, uint64_t b, uint32_t size, uint32_t kind) {
  if (!armed || a == b) return;
  if (cmp_count >= UINT32_MAX - 1) return;
  uint64_t key = (a * 0x9e3779b97f4a7c15ull) ^ (b + 0x632be59bd9b4e019ull + (b << 6)) ^ size;
  uint32_t slot = (uint32_t)(key ^ (key >> 29)) & (SEEN_SLOTS - 1);
  for (uint32_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (SEEN_SLOTS - 1)) {
    if (seen_gen[slot] != generation) {
      seen_gen[slot] = generation;
      seen_key[slot] = key;
      break;
    }
    if (seen_key[slot] == key) return;
  }
  uint32_t i = cmp_count % MAX_CMPS;
  cmp_count++;
  cmps[i].a = a;
  cmps[i].b = b;
  cmps[i].size = size;
  cmps[i].kind = kind;
}

EXPORT void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b) { record_cmp(a, b, 1, 0); }
EXPORT void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b) { record_cmp(a, b, 2, 0); }
EXPORT void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b) { record_cmp(a, b, 4, 0); }
EXPORT void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b) { record_cmp(a, b, 8, 0); }
EXPORT void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b) {
  record_vp((uintptr_t)__builtin_return_address(0), a, b, 1);
  record_cmp(a, b, 1, 1);
}
EXPORT void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b) {
  record_vp((uintptr_t)__builtin_return_address(0), a, b, 2);
  record_cmp(a, b, 2, 1);
}
EXPORT void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b) {
  record_vp((uintptr_t)__builtin_return_address(0), a, b, 4);
  record_cmp(a, b, 4, 1);
}
EXPORT void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b) {
  record_vp((uintptr_t)__builtin_return_address(0), a, b, 8);
  record_cmp(a, b, 8, 1);
}

EXPORT void __sanitizer_cov_trace_switch(uint64_t val, uint64_t *cases) {
  if (!armed) return;
  uint64_t n = cases[0];
  uint32_t size = (uint32_t)(cases[1] / 8);
  if (size == 0 || size > 8) size = 8;
  uintptr_t pc = (uintptr_t)__builtin_return_address(0);
  for (uint64_t i = 0; i < n && i < 64; i++) {
    record_vp(pc + i, cases[2 + i], val, size);
    record_cmp(cases[2 + i], val, size, 2);
  }
}

EXPORT void __sanitizer_cov_trace_div4(uint32_t val) { record_cmp(0, val, 4, 3); }
EXPORT void __sanitizer_cov_trace_div8(uint64_t val) { record_cmp(0, val, 8, 3); }
EXPORT void __sanitizer_cov_trace_gep(uintptr_t idx) { (void)idx; }

/* ---- strings ---- */

static size_t bounded_len(const char *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

static void record_str(const void *s1, size_t n1, const void *s2, size_t n2) {
  if (!armed || s1 == NULL || s2 == NULL) return;
  if (n1 == 0 && n2 == 0) return;
  uint32_t i = str_count;
  if (i >= MAX_STRS) return;
  str_count = i + 1;
  strs[i].len1 = (uint32_t)(n1 < STR_BYTES ? n1 : STR_BYTES);
  strs[i].len2 = (uint32_t)(n2 < STR_BYTES ? n2 : STR_BYTES);
  memcpy(strs[i].s1, s1, strs[i].len1);
  memcpy(strs[i].s2, s2, strs[i].len2);
}

static void record_cstrs(const char *s1, const char *s2, size_t max) {
  if (!armed || s1 == NULL || s2 == NULL) return;
  if (max > STR_BYTES) max = STR_BYTES;
  record_str(s1, bounded_len(s1, max), s2, bounded_len(s2, max));
}

/* libFuzzer's weak hooks: AddressSanitizer's interceptors call them. */
EXPORT void __sanitizer_weak_hook_strcmp(void *pc, const char *s1, const char *s2, int result) {
  (void)pc;
  if (result != 0) record_cstrs(s1, s2, STR_BYTES);
}
EXPORT void __sanitizer_weak_hook_strncmp(void *pc, const char *s1, const char *s2, size_t n, int result) {
  (void)pc;
  if (result != 0) record_cstrs(s1, s2, n);
}
EXPORT void __sanitizer_weak_hook_strcasecmp(void *pc, const char *s1, const char *s2, int result) {
  (void)pc;
  if (result != 0) record_cstrs(s1, s2, STR_BYTES);
}
EXPORT void __sanitizer_weak_hook_strncasecmp(void *pc, const char *s1, const char *s2, size_t n, int result) {
  (void)pc;
  if (result != 0) record_cstrs(s1, s2, n);
}
EXPORT void __sanitizer_weak_hook_memcmp(void *pc, const void *s1, const void *s2, size_t n, int result) {
  (void)pc;
  if (result != 0) record_str(s1, n, s2, n);
}
EXPORT void __sanitizer_weak_hook_strstr(void *pc, const char *s1, const char *s2, char *result) {
  (void)pc;
  if (result == NULL) record_cstrs(s1, s2, STR_BYTES);
}

/*
 * Interceptors of the string compares, for targets built without AddressSanitizer (whose own interceptors call
 * the hooks above). They compare by themselves (no call into libc: nothing to resolve while libraries load) and
 * record only while armed.
 */
static int cmp_bytes(const unsigned char *a, const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

static int cmp_cstr(const unsigned char *a, const unsigned char *b, size_t n, int fold) {
  for (size_t i = 0; i < n; i++) {
    unsigned ca = a[i], cb = b[i];
    if (fold) {
      if (ca >= 'A' && ca <= 'Z') ca += 32;
      if (cb >= 'A' && cb <= 'Z') cb += 32;
    }
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca == 0) return 0;
  }
  return 0;
}

EXPORT int strcmp(const char *a, const char *b) {
  int r = cmp_cstr((const unsigned char *)a, (const unsigned char *)b, SIZE_MAX, 0);
  if (r != 0 && armed) record_cstrs(a, b, STR_BYTES);
  return r;
}
EXPORT int strncmp(const char *a, const char *b, size_t n) {
  int r = cmp_cstr((const unsigned char *)a, (const unsigned char *)b, n, 0);
  if (r != 0 && armed) record_cstrs(a, b, n);
  return r;
}
EXPORT int strcasecmp(const char *a, const char *b) {
  int r = cmp_cstr((const unsigned char *)a, (const unsigned char *)b, SIZE_MAX, 1);
  if (r != 0 && armed) record_cstrs(a, b, STR_BYTES);
  return r;
}
EXPORT int strncasecmp(const char *a, const char *b, size_t n) {
  int r = cmp_cstr((const unsigned char *)a, (const unsigned char *)b, n, 1);
  if (r != 0 && armed) record_cstrs(a, b, n);
  return r;
}
EXPORT int memcmp(const void *a, const void *b, size_t n) {
  int r = cmp_bytes(a, b, n);
  if (r != 0 && armed) record_str(a, n, b, n);
  return r;
}
EXPORT int bcmp(const void *a, const void *b, size_t n) {
  int r = cmp_bytes(a, b, n);
  if (r != 0 && armed) record_str(a, n, b, n);
  return r;
}
EXPORT char *strstr(const char *hay, const char *needle) {
  size_t n = 0;
  while (needle[n]) n++;
  if (n == 0) return (char *)hay;
  for (const char *p = hay; *p; p++)
    if (*p == needle[0] && cmp_bytes((const unsigned char *)p, (const unsigned char *)needle, n) == 0) return (char *)p;
  if (armed) record_cstrs(hay, needle, STR_BYTES);
  return NULL;
}

/* ---- what the fuzzer reads ---- */

/** Instrumented edges registered so far (counters of every module, or the size of the PC map for trace-pc). */
EXPORT uint32_t ffikit_cov_total(void) {
  uint64_t n = guard_count;
  for (uint32_t i = 0; i < region_count; i++) n += (uint64_t)(regions[i].stop - regions[i].start);
  if (pc_map_used && n == 0) n = PC_MAP;
  return (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
}

/** Modules that registered counters (0 when the target is not instrumented, or only uses trace-pc). */
EXPORT uint32_t ffikit_cov_modules(void) { return region_count + (guard_count ? 1 : 0); }

/** 1 when some instrumented code ran gcc's trace-pc callback. */
EXPORT uint32_t ffikit_cov_trace_pc_seen(void) { return (uint32_t)pc_map_used; }

/** Clears the counters and the comparison tables, and starts recording comparisons. */
EXPORT void ffikit_cov_reset(void) {
  for (uint32_t i = 0; i < region_count; i++) memset(regions[i].start, 0, (size_t)(regions[i].stop - regions[i].start));
  if (guard_count) memset(guard_counters, 0, guard_count + 1);
  if (pc_map_used) memset(pc_map, 0, PC_MAP);
  cmp_count = 0;
  str_count = 0;
  vp_count = 0;
  generation++;
  armed = 1;
}

static inline uint32_t bucket(uint8_t v) {
  if (v <= 3) return v - 1; /* 1, 2, 3 -> 0, 1, 2 */
  if (v <= 7) return 3;
  if (v <= 15) return 4;
  if (v <= 31) return 5;
  if (v <= 127) return 6;
  return 7;
}

static uint32_t scan(const uint8_t *c, size_t n, uint32_t base, uint32_t at) {
  for (size_t i = 0; i < n && at < MAX_FEATURES; i++) {
    /* Skip zero words quickly. */
    if ((i & 7) == 0 && i + 8 <= n) {
      uint64_t w;
      memcpy(&w, c + i, 8);
      if (w == 0) {
        i += 7;
        continue;
      }
    }
    if (c[i]) features[at++] = (base + (uint32_t)i) * 8u + bucket(c[i]);
  }
  return at;
}

/**
 * Stops recording and turns the counters into features (edge index * 8 + hit-count bucket; value-profile
 * features have the top bit set) in the table
 * ffikit_cov_features() points to; returns how many.
 */
EXPORT uint32_t ffikit_cov_collect(void) {
  armed = 0;
  uint32_t at = 0, base = 0;
  for (uint32_t r = 0; r < region_count; r++) {
    size_t n = (size_t)(regions[r].stop - regions[r].start);
    at = scan(regions[r].start, n, base, at);
    base += (uint32_t)n;
  }
  if (guard_count) {
    at = scan(guard_counters + 1, guard_count, base, at);
    base += guard_count;
  }
  if (pc_map_used) at = scan(pc_map, PC_MAP, base, at);
  /* Value-profile features, marked by the top bit (they are not edges). */
  for (uint32_t i = 0; i < vp_count && at < MAX_FEATURES; i++) features[at++] = 0x80000000u | vp[i];
  /* The ring of compares wrapped: oldest first. */
  if (cmp_count > MAX_CMPS) {
    uint32_t start = cmp_count % MAX_CMPS;
    memcpy(cmps_ordered, cmps + start, (MAX_CMPS - start) * sizeof(cmp_t));
    memcpy(cmps_ordered + (MAX_CMPS - start), cmps, start * sizeof(cmp_t));
  }
  return at;
}

EXPORT const uint32_t *ffikit_cov_features(void) { return features; }
/** Comparison operands recorded during the last call (the last 256 distinct ones, in call order): ffikit_cov_cmp_count() entries of 24 bytes (a, b: u64; size, kind: u32). */
EXPORT uint32_t ffikit_cov_cmp_count(void) { return cmp_count < MAX_CMPS ? cmp_count : MAX_CMPS; }
EXPORT const cmp_t *ffikit_cov_cmps(void) { return cmp_count <= MAX_CMPS ? cmps : cmps_ordered; }
/** Compared strings recorded during the last call: entries of 136 bytes (len1, len2: u32; s1, s2: 64 bytes each). */
EXPORT uint32_t ffikit_cov_str_count(void) { return str_count; }
EXPORT const str_t *ffikit_cov_strs(void) { return strs; }
/** The lowest and highest PC of the instrumented code (from the PC tables), or 0. */
EXPORT uintptr_t ffikit_cov_pc_low(void) { return pc_low == UINTPTR_MAX ? 0 : pc_low; }
EXPORT uintptr_t ffikit_cov_pc_high(void) { return pc_high; }
/** 1: this is ffi-kit's coverage runtime (the child checks it was preloaded). */
EXPORT uint32_t ffikit_cov_version(void) { return 1; }
