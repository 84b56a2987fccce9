// A library with thirteen planted bugs, for measuring how fast @ffi-kit/fuzz finds them, black-box and
// coverage-guided. The fuzzer was not written for it: each bug sits in an ordinary exported function whose
// signature `fuzzLibrary` takes as it is (scalars, a buffer with its length through `lengthOf`, a C string).
//
// Every bug faults without a sanitizer too (a signal, a glibc abort, a hang or a wrong result), so the plain
// build and the coverage build are judged alike; an AddressSanitizer build names the memory bugs.
// bench/planted/bugs.mjs lists each function's signature, the kind of its bug, the property that catches the
// wrong result, and the minimal failing input where one exists. Do not fix the bugs: the benchmark and
// test/planted-coverage.test.ts depend on them.
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

static uint64_t load_le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

// 1. Heap overflow at one narrow length. Decodes a frame: the byte 'F', a 4-byte header, then 8-byte cells,
// into a fresh array of cells and returns their sum. Bug: a 45-byte frame (five cells) is taken for a frame
// with a trailer cell, whose index is computed as (cells - 5) - 1: it writes 8 bytes before the array, over
// malloc's chunk header, and free() aborts (SIGABRT; ASan: heap-buffer-overflow).
// Minimal failing input: 'F' followed by 44 zero bytes (length 45).
int64_t frame_decode(const uint8_t *data, uint32_t len) {
  if (len < 5 || data[0] != 'F') return -1;
  size_t cells = (len - 5) / 8;
  uint64_t *out = malloc((cells + 1) * sizeof *out);
  if (out == NULL) return -1;
  int64_t sum = 0;
  for (size_t i = 0; i < cells; i++) {
    out[i] = load_le(data + 5 + 8 * i, 8);
    sum += (int64_t)out[i];
  }
  if (len == 45) {
    size_t trailer = (cells - 5) - 1;  // should be `cells`
    ((volatile uint64_t *)out)[trailer] = (uint64_t)sum;
  }
  free(out);
  return sum;
}

// 2. Signed/unsigned comparison. Copies `count` 4-byte items from `data` into a 64-byte record. Bug: `count` is
// signed and only its upper bound is checked, so a negative count becomes a huge size_t for memcpy (SIGSEGV).
// Minimal failing input: (empty buffer, 0, -1).
int32_t copy_items(const uint8_t *data, uint32_t len, int32_t count) {
  uint8_t record[64];
  if (count > (int32_t)(sizeof record / 4) || (int64_t)count * 4 > (int64_t)len) return -1;  // no lower bound
  memcpy(record, data, (size_t)count * 4);  // (size_t)-1 * 4: the copy runs off the end of the stack
  int32_t sum = 0;
  for (int i = 0; i < (int)sizeof record && i < count * 4; i++) sum += record[i];
  return sum;
}

// 3. Size overflow. Fills a rows x cols matrix of 32-bit cells with their index. Bug: the cell count is
// computed in 32 bits, so a product that wraps to a small value passes the size check, the allocation is small,
// and the fill loop (which counts rows and columns separately) writes far past it (SIGSEGV; ASan:
// heap-buffer-overflow). Failing inputs: any pair whose product is above 2^32 and wraps to 1..4096, e.g.
// (2^31 + 1, 2), (2^24 + 1, 256) or (2^32 - 1, 2^32 - 1); there is no single minimal one.
int32_t matrix_fill(uint32_t rows, uint32_t cols) {
  uint32_t cells = rows * cols;  // wraps
  if (cells == 0 || cells > 4096) return -1;
  uint32_t *m = malloc((size_t)cells * sizeof *m);
  if (m == NULL) return -1;
  for (uint64_t r = 0; r < rows; r++)
    for (uint64_t c = 0; c < cols; c++) ((volatile uint32_t *)m)[r * cols + c] = (uint32_t)(r * cols + c);
  int32_t last = (int32_t)m[cells - 1];
  free(m);
  return last;
}

// 4. Division fault that needs one exact operand pair. Scales a sensor reading; the calibration reading 104729
// divides by the distance of `reference` from the calibration point 7919, on either side. Bug: no side handles
// reference == 7919, which divides by zero (SIGFPE). Minimal failing input: (104729, 7919).
int32_t calibrate(int32_t reading, int32_t reference) {
  if (reading != 104729) return reading / ((reference & 0xff) | 1);
  volatile int32_t distance;
  if (reference > 7919) distance = reference - 7919;
  else distance = 7919 - reference;  // zero when reference == 7919
  return 1000000 / distance;
}

// 5. Assertion on a rule. Counts the code points of UTF-8 text, asserting that each is at most U+10FFFF. Bug:
// after a 0xF4 lead byte, the second byte is checked against 0x80..0xBF instead of 0x80..0x8F, so F4 90 80 80
// decodes to U+110000 and the assertion aborts (SIGABRT). Minimal failing input: the bytes F4 90 80 80.
int32_t utf8_count(const uint8_t *data, uint32_t len) {
  int32_t count = 0;
  uint32_t i = 0;
  while (i < len) {
    uint8_t b = data[i];
    uint32_t cp, need;
    if (b < 0x80) { cp = b; need = 0; }
    else if (b >= 0xC2 && b <= 0xDF) { cp = b & 0x1f; need = 1; }
    else if (b >= 0xE0 && b <= 0xEF) { cp = b & 0x0f; need = 2; }
    else if (b >= 0xF0 && b <= 0xF4) { cp = b & 0x07; need = 3; }
    else return -1;
    if (need > len - i - 1) return -1;
    for (uint32_t k = 1; k <= need; k++) {
      uint8_t c = data[i + k];
      uint8_t hi = 0xBF;  // should be 0x8F after F4 (and the lower bound 0x90 after F0)
      if (c < 0x80 || c > hi) return -1;
      cp = (cp << 6) | (c & 0x3f);
    }
    assert(cp <= 0x10FFFF);
    if (cp > 0x10FFFF) abort();  // the same rule in builds with NDEBUG
    i += need + 1;
    count++;
  }
  return count;
}

// 6. Hang for a specific value. Waits for a device's ready bit, simulated by a countdown. Bug: tokens whose
// low 16 bits are 0xBEEF select the "slow device" path, which polls a bit the countdown never sets: the call
// never returns. Minimal failing input: 48879 (0xBEEF).
int32_t wait_ready(uint32_t token) {
  volatile uint32_t status = 0;
  uint32_t wanted = (token & 0xffffu) == 0xbeefu ? 0x100u : 0x1u;
  for (uint32_t tick = 0;; tick++) {
    if (tick == 3) status |= 0x1u;
    if (status & wanted) return (int32_t)tick;
  }
}

// 7. Deep recursion. Counts the steps of Euclid's algorithm by subtraction, recursively. Bug: subtraction
// takes a / b steps, so a large a with a small b recurses millions deep (SIGSEGV: stack overflow). Failing
// inputs: a / b above the stack's depth (about 10^5 frames); there is no single minimal one.
NOINLINE uint32_t gcd_steps(uint32_t a, uint32_t b) {
  volatile uint32_t frame[8];  // keeps each call's frame (no tail-call or accumulator rewrite)
  if (a == 0 || b == 0) return 0;
  if (a < b) { uint32_t t = a; a = b; b = t; }
  if (a == b) return 1;
  frame[0] = a;
  uint32_t steps = gcd_steps(a - b, b);
  return steps + 1 + (frame[0] & 0u);
}

// 8. Double free on one path. Parses a message: 0x7E, then a 7-byte header, then a body; it copies the input
// first. Bug: a truncated message (0x7E and fewer than 8 bytes) frees the copy on its error path and again in
// the shared cleanup: glibc aborts (SIGABRT; ASan: attempting double-free). Minimal failing input: the byte 7E.
int32_t message_parse(const uint8_t *data, uint32_t len) {
  if (len == 0) return -1;
  uint8_t *copy = malloc(len);
  if (copy == NULL) return -1;
  memcpy(copy, data, len);
  int32_t result = -1;
  if (copy[0] == 0x7E) {
    if (len < 8) {
      free(copy);  // error path frees...
      goto done;   // ...and the cleanup frees again
    }
    result = (int32_t)load_le(copy + 1, 4) + (int32_t)(len - 8);
  } else {
    result = 0;
  }
done:
  free(copy);
  return result;
}

// 9. Off-by-one string handling. Stores a name into a label of 12 characters followed by a check word, and
// verifies the word afterwards. Bug: the length check is `n > 12` instead of `n >= 12`, so a name of exactly 12
// characters writes its NUL terminator over the check word, and the verification aborts (SIGABRT). Minimal
// failing input: a C string of 12 bytes 0x01.
struct label {
  char text[12];
  uint32_t check;
};
int32_t set_label(const char *name) {
  volatile struct label l;
  l.check = 0x4c42454cu;
  size_t n = strlen(name);
  if (n > 12) return -1;  // should be n >= 12
  for (size_t i = 0; i < n; i++) l.text[i] = name[i];
  ((volatile char *)&l)[n] = 0;
  if (l.check != 0x4c42454cu) abort();
  return (int32_t)n;
}

// 10. Magic string compare (memcmp). Reads the size of a GIF image. Bug: a file that is only a "GIF89a"
// signature, or is cut before the end of its 13-byte screen descriptor, leaves the descriptor pointer NULL,
// and the size is read through it (SIGSEGV). Minimal failing input: the 6 bytes "GIF89a".
int32_t gif_size(const uint8_t *data, uint32_t len) {
  const uint8_t *descriptor = NULL;
  if (len < 6 || memcmp(data, "GIF89a", 6) != 0) return -1;
  if (len >= 13) descriptor = data + 6;
  volatile const uint8_t *d = descriptor;
  return (int32_t)(d[0] | (d[1] << 8));
}

// 11. Switch on a magic integer. Runs one opcode of a small interpreter through a handler table. Bug: the
// undocumented opcode 0x5EED07 maps to handler slot 6, which is empty (NULL): the call jumps to address 0
// (SIGSEGV). Minimal failing input: (6221063, 0) (0x5EED07 and any operand).
typedef int32_t (*handler)(int32_t);
static int32_t op_neg(int32_t x) { return -x; }
static int32_t op_inc(int32_t x) { return x + 1; }
static int32_t op_dec(int32_t x) { return x - 1; }
static int32_t op_dbl(int32_t x) { return (int32_t)((uint32_t)x * 2u); }
static int32_t op_not(int32_t x) { return ~x; }
static int32_t op_id(int32_t x) { return x; }
static handler volatile handlers[8] = { op_neg, op_inc, op_dec, op_dbl, op_not, op_id, NULL, NULL };
int32_t run_opcode(uint32_t opcode, int32_t operand) {
  unsigned slot;
  switch (opcode) {
    case 0x00: slot = 0; break;
    case 0x01: slot = 1; break;
    case 0x02: slot = 2; break;
    case 0x10: slot = 3; break;
    case 0x11: slot = 4; break;
    case 0x5EED07: slot = 6; break;  // no handler was ever written for it
    default: slot = 5; break;
  }
  return handlers[slot](operand);
}

// 12. Wrong result for a sparse set of values, caught by a property: the result must equal the number of set
// bits of x (property `result === popcount(x)`). Bug: a memoised "hot" low half, 0xA5C3, carries a stale count
// (7 instead of 8), so every x whose low 16 bits are 0xA5C3 (1 value in 65536) is counted one short.
// Minimal failing input: 42435 (0xA5C3).
static uint32_t popcount_slow(uint32_t x) {
  uint32_t n = 0;
  while (x) { n += x & 1u; x >>= 1; }
  return n;
}
uint32_t bit_count(uint32_t x) {
  if ((x & 0xffffu) == 0xa5c3u) return popcount_slow(x >> 16) + 7u;  // stale: popcount(0xA5C3) is 8
  return popcount_slow(x);
}

// 13. Magic string compare (strcmp). Runs a named command from a table. Bug: "reboot" is in the table but its
// handler was never written (NULL), and it is called (SIGSEGV). Minimal failing input: the C string "reboot".
static int32_t cmd_status(void) { return 1; }
static int32_t cmd_help(void) { return 2; }
struct command {
  const char *name;
  int32_t (*run)(void);
};
static const struct command commands[] = { { "status", cmd_status }, { "help", cmd_help }, { "reboot", NULL } };
int32_t run_command(const char *name) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) == 0) {
      int32_t (*volatile run)(void) = commands[i].run;
      return run();
    }
  }
  return -1;
}

// No bug: the reference of a correct function (nothing to find).
int32_t add_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
