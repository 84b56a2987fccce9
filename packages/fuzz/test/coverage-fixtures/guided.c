/*
 * Targets of the coverage-guided mode's tests, compiled by the test with clang -fsanitize=fuzzer-no-link (and
 * once with plain cc, for the black-box comparison). Each hides its failure behind a condition that random
 * inputs practically never meet, but comparison feedback does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts for one exact operand pair. */
int magic_pair(int32_t a, int32_t b) {
  if (a == 0x5eed1234 && b == -77) abort();
  return a ^ b;
}

/* Aborts for one exact string. */
int magic_str(const char *s) {
  if (!strcmp(s, "FUZZ-ME")) abort();
  return (int)strlen(s);
}

/* Hangs for one value of x. */
uint32_t hang_on(uint32_t x) {
  if (x == 0xdeadbeefu) {
    volatile int spin = 1;
    while (spin) {
    }
  }
  return x + 1;
}

/* Correct: a sum of bytes. */
uint32_t sum(const uint8_t *p, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += p[i];
  return s;
}
