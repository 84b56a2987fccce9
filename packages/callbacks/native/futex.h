// Sleeping and waking on a 32-bit word: the slow path of a producer that waits for room in the queue or for the
// JS thread's answer. Linux uses the futex syscall directly; elsewhere a short sleep loop stands in.
#pragma once
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <thread>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ffikit {

/** Blocks while `*word == expected` (spurious returns are allowed: callers loop). */
inline void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
  if (word->load(std::memory_order_acquire) == expected) std::this_thread::sleep_for(std::chrono::microseconds(50));
#endif
}

/** Wakes every thread blocked in FutexWait on `word`. */
inline void FutexWakeAll(std::atomic<uint32_t>* word) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)word;
#endif
}

}  // namespace ffikit
