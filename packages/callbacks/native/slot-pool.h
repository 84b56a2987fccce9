// The pool of trampoline slots (trampolines.h): one per open callback. A slot counts the calls inside it (striped, so
// producers never contend), holds the closed bit every call reads first, and outlives its context, so a late call
// through a closed callback's pointer returns the zero value without touching freed memory. Dispatch (dispatch.h)
// is the entry of every call.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>

#include "trampolines.h"

namespace ffikit {

struct Context;

/** In-flight counters per slot, one cache line each: a producing thread uses its own, so producers never contend. */
constexpr unsigned kStripes = 8;

struct alignas(64) Stripe {
  std::atomic<int64_t> inside{0};
};

struct Slot {
  // Calls inside the slot, spread over stripes (a thread may leave through another stripe than it entered: only
  // the sum means something).
  Stripe inflight[kStripes];
  alignas(64) std::atomic<uint32_t> closed{1};  // read by every call, written at open/close only
  // Set by the JS thread when it found the ring empty and went to sleep; a producer that clears it wakes it. In the
  // slot (static memory), so a producer can read it after it left the slot (see Dispatch).
  alignas(64) std::atomic<uint32_t> sleeping{0};
  std::atomic<Context*> ctx{nullptr};
  std::atomic<uint64_t> rejected{0};        // calls that found the slot closed
  uint32_t generation = 0;
  bool used = false;
  uint64_t closedAt = 0;
};

inline Slot gSlots[kPoolSize];

inline uint64_t SlotInFlight(const Slot& s) {
  int64_t sum = 0;
  for (const Stripe& st : s.inflight) sum += st.inside.load(std::memory_order_seq_cst);
  return sum > 0 ? static_cast<uint64_t>(sum) : 0;
}

inline std::atomic<unsigned> gNextStripe{0};
inline unsigned MyStripe() {
  static thread_local unsigned stripe = gNextStripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}
inline std::mutex gSlotMutex;
inline uint64_t gCloseClock = 0;

/**
 * A slot reserved for a callback being created: given back on destruction unless Open() handed it to the context.
 * The pool prefers slots never used, then the one closed longest ago whose context is gone.
 */
class SlotReservation {
 public:
  SlotReservation() {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    for (unsigned i = 0; i < kPoolSize; i++)
      if (!gSlots[i].used) {
        index_ = i;
        break;
      }
    if (index_ == kPoolSize) {
      uint64_t oldest = UINT64_MAX;
      for (unsigned i = 0; i < kPoolSize; i++) {
        Slot& s = gSlots[i];
        if (s.closed.load(std::memory_order_seq_cst) != 0 && SlotInFlight(s) == 0 && s.ctx.load(std::memory_order_acquire) == nullptr &&
            s.closedAt < oldest) {
          oldest = s.closedAt;
          index_ = i;
        }
      }
    }
    if (index_ != kPoolSize) gSlots[index_].used = true;
  }
  SlotReservation(const SlotReservation&) = delete;
  SlotReservation& operator=(const SlotReservation&) = delete;
  ~SlotReservation() {
    if (index_ == kPoolSize || opened_) return;
    std::lock_guard<std::mutex> lock(gSlotMutex);
    gSlots[index_].used = gSlots[index_].generation != 0;
  }

  bool ok() const { return index_ != kPoolSize; }
  unsigned index() const { return index_; }

  /** Opens the slot for `ctx`: calls through its trampolines reach the context from now on. Returns the generation. */
  uint32_t Open(Context* ctx) {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    Slot& s = gSlots[index_];
    s.generation++;
    s.rejected.store(0, std::memory_order_relaxed);
    s.sleeping.store(1, std::memory_order_relaxed);
    s.ctx.store(ctx, std::memory_order_release);
    s.closed.store(0, std::memory_order_seq_cst);
    opened_ = true;
    return s.generation;
  }

 private:
  unsigned index_ = kPoolSize;
  bool opened_ = false;
};

/** At process exit, native threads that still call get the zero value without touching any context. */
inline void CloseAllSlotsAtExit() {
  for (auto& s : gSlots) s.closed.store(1, std::memory_order_seq_cst);
}

}  // namespace ffikit
