// The entry of every call through a trampoline: enter the slot (or answer the zero value if it is closed), run the
// call on the slot's context, leave, and wake the JS thread if a void call published while it slept.
#pragma once
#include <dlfcn.h>

#include <atomic>
#include <cstdint>

#include "context.h"
#include "slot-pool.h"
#include "trampolines.h"

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "Dispatch's memory ordering is argued for x86-64 and AArch64 only (see the void path below)"
#endif

namespace ffikit {

/**
 * Keeps the library whose code called a trampoline mapped for the rest of the process (RTLD_NODELETE), once per
 * calling thread: its threads may still be running that code when JS closes the library or the process exits, and
 * they must not return into unmapped memory. (The addon itself is linked with -z nodelete: the trampolines live in
 * it.)
 */
inline void PinCaller(void* returnAddress) {
  tCallerPinned = true;
  Dl_info info;
  if (dladdr(returnAddress, &info) != 0 && info.dli_fname != nullptr && info.dli_fname[0] != '\0') {
    // RTLD_NOLOAD: only the library already loaded (never a second copy); the handle is kept on purpose.
    (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

inline uint64_t Dispatch(unsigned index, const Frame& frame, double* fp) {
  Slot& s = gSlots[index];
  *fp = 0;
  // Closed for good: answer without entering, so a flood after close() never keeps the in-flight count up.
  if (s.closed.load(std::memory_order_relaxed) != 0) {
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  // Enter, then check again (Dekker with close(): it sets `closed`, then waits for the in-flight sum to be 0).
  std::atomic<int64_t>& inside = s.inflight[MyStripe()].inside;
  inside.fetch_add(1, std::memory_order_seq_cst);
  if (s.closed.load(std::memory_order_seq_cst) != 0) {
    inside.fetch_sub(1, std::memory_order_release);
    s.rejected.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  Context* ctx = s.ctx.load(std::memory_order_acquire);
  bool published = false;
  uint64_t r = ctx->Call(frame, fp, &published);
  // The void path's publication (Context::Call stores the cell's sequence with release order) must be ordered before
  // the `sleeping` load below, or a producer and the JS thread going to sleep (Drain: store `sleeping`, then load
  // the cell) could each miss the other: a lost wake-up. C++ asks for a seq_cst fence here; this seq_cst RMW, which
  // we need anyway, gives the same order on both architectures the trampolines support, without a second barrier:
  //   x86-64:  `lock xadd` is a full barrier (no load moves before an earlier store across a locked instruction);
  //   AArch64: the release store is STLR and the `sleeping` load LDAR, which are never reordered (RCsc), and the
  //            RMW (LDADDAL, or an LDAXR/STLXR loop) sits between them in program order.
  // A port to another architecture must add std::atomic_thread_fence(std::memory_order_seq_cst) here.
  inside.fetch_sub(1, std::memory_order_seq_cst);
  if (published && s.sleeping.load(std::memory_order_seq_cst) != 0) {
    // The JS thread is asleep: enter again to wake it (the context may have been closed since: then close() has
    // scheduled the delivery itself and there is nothing to do).
    inside.fetch_add(1, std::memory_order_seq_cst);
    if (s.closed.load(std::memory_order_seq_cst) == 0) s.ctx.load(std::memory_order_acquire)->WakeIfSleeping();
    inside.fetch_sub(1, std::memory_order_release);
  }
  return r;
}

}  // namespace ffikit
