// The bounded multi-producer queue of one callback: Vyukov's sequence-numbered cells. A cell is `cellWords` words:
// [sequence, reply pointer, args...]. A producer claims cell `pos` when its sequence is `pos` (one compare-and-swap
// on the enqueue position, in Context::Claim), fills it and publishes it by storing `pos + 1`; the consumer takes it
// when it reads `pos + 1` and frees it for the next lap by storing `pos + capacity`.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace ffikit {

struct Ring {
  uint64_t capacity = 0;
  uint64_t mask = 0;
  bool pow2 = false;
  size_t cellWords = 0;
  uint64_t* cells = nullptr;  // owned: freed by ReleaseCells() or the destructor

  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() { ReleaseCells(); }

  /** Allocates `capacity` cells of `words` words, each free for its first lap. False if out of memory. */
  bool AllocateCells(uint64_t cap, size_t words) {
    capacity = cap;
    pow2 = (cap & (cap - 1)) == 0;
    mask = cap - 1;
    cellWords = words;
    cells = static_cast<uint64_t*>(std::calloc(cap * words, 8));
    if (cells == nullptr) return false;
    for (uint64_t i = 0; i < cap; i++) SeqOf(cells + i * words)->store(i, std::memory_order_relaxed);
    return true;
  }

  void ReleaseCells() {
    std::free(cells);
    cells = nullptr;
  }

  inline uint64_t* CellAt(uint64_t pos) const { return cells + (pow2 ? (pos & mask) : (pos % capacity)) * cellWords; }
  static inline std::atomic<uint64_t>* SeqOf(uint64_t* cell) { return reinterpret_cast<std::atomic<uint64_t>*>(cell); }
};

}  // namespace ffikit
