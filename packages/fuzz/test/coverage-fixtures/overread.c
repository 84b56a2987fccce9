/*
 * An off-by-one READ of the caller's buffer: one byte past the end. On a JS-owned buffer it does not crash
 * (the byte after it is mapped); in a build with -fsanitize=address, when the fuzzer hands it an exact-size
 * malloc'd copy, ASan reports a heap-buffer-overflow.
 */
#include <stdint.h>

uint32_t checksum_inclusive(const uint8_t *p, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i <= n; i++) s += p[i];
  return s;
}

/* Frees a block twice for one-byte inputs: ASan's report says "attempting double-free". */
#include <stdlib.h>
int32_t free_twice(const uint8_t *p, uint32_t n) {
  char *volatile block = malloc(8); /* volatile: the allocation is not optimised away */
  if (block == NULL) return -1;
  if (n == 1) free(block);
  free(block);
  return 0;
}
