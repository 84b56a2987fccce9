// One open callback: its argument plan, its ring, the JS thread's side of delivery (drain into the batch buffer,
// replies to non-void calls, close, discard) and the N-API threadsafe function that wakes the JS thread.
#pragma once
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "arg-plan.h"
#include "futex.h"
#include "ring.h"
#include "slot-pool.h"

namespace ffikit {

/** The answer to a non-void call, on the producing thread's stack. */
struct Answer {
  std::atomic<uint32_t> done{0};
  uint64_t value = 0;
  double fvalue = 0;
};

struct Context;

/** What the JS object holds: outlives the context, so a late JS call finds `ctx == nullptr` instead of freed memory. */
struct Handle {
  Context* ctx = nullptr;
  bool jsAlive = true;
};

inline void WakeCallJs(napi_env env, napi_value jsCallback, void* context, void* data);
inline void TsfnFinalize(napi_env env, void* data, void* hint);
inline void EnvCleanup(void* arg);

struct Context : Ring {
  unsigned slot = 0;
  uint32_t generation = 0;
  int nargs = 0;
  ArgPlan plan[kMaxArgs];
  int retType = kVoid;
  uint8_t retKind = kRaw64;
  bool isVoid = true;
  bool copyStrings = false;
  Policy policy = kBlock;

  // The ring (capacity, cells, CellAt, SeqOf) is the Ring base, which owns the cells.

  alignas(64) std::atomic<uint64_t> enqueuePos{0};
  alignas(64) std::atomic<uint32_t> spaceWaiters{0};
  std::atomic<uint32_t> spaceEpoch{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> failed{0};

  // Owned by the JS thread.
  alignas(64) uint64_t dequeuePos = 0;
  uint64_t discarded = 0;
  uint64_t highWater = 0;
  uint64_t batches = 0;
  napi_env env = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  void* pumpPtr = nullptr;  // koffi callback: void pump()
  void* syncPtr = nullptr;  // koffi callback with this signature (non-void only)
  int retClass = kRetVoid;
  std::thread::id jsThread;
  uint64_t* batch = nullptr;  // owned by its ArrayBuffer
  size_t batchCapacity = 0;
  size_t batchStride = 0;
  size_t batchCount = 0;
  std::vector<Answer*> batchReplies;
  std::vector<char*> copiesToFree;
  int jsDepth = 0;
  bool closed = false;
  bool finished = false;
  bool cleanupHook = false;
  Handle* handle = nullptr;

  uint64_t InFlight() const { return SlotInFlight(gSlots[slot]); }
  bool SlotClosed() const { return gSlots[slot].closed.load(std::memory_order_seq_cst) != 0; }
  bool OnJsThread() const { return std::this_thread::get_id() == jsThread; }

  void WriteArgs(const Frame& f, uint64_t* out, bool copy) {
    for (int j = 0; j < nargs; j++) {
      const ArgPlan& p = plan[j];
      uint64_t v = Normalize(RawArg(f, p), p.kind);
      if (copy && p.kind == kString && v != 0) {
        const char* s = reinterpret_cast<const char*>(v);
        size_t len = std::strlen(s);
        char* c = static_cast<char*>(std::malloc(len + 1));
        if (c != nullptr) std::memcpy(c, s, len + 1);
        v = reinterpret_cast<uint64_t>(c);
      }
      out[j] = v;
    }
  }

  void FreeCopies(const uint64_t* args) {
    for (int j = 0; j < nargs; j++)
      if (plan[j].kind == kString && args[j] != 0) std::free(reinterpret_cast<void*>(args[j]));
  }

  /** The JS function's converted result, as the delivery code wrote it into a record's word 0. */
  uint64_t ReadResult(const uint64_t* w, double* fp) const {
    if (retType == kF64 || retType == kF32) {
      std::memcpy(fp, w, 8);
      return 0;
    }
    return Normalize(*w, retKind);
  }

  /** Runs the JS pump on this thread (the JS thread), through its koffi-registered pointer (see CallSync). */
  void RunPump() { reinterpret_cast<void (*)()>(pumpPtr)(); }

  /** Full ring under the block policy: waits for room. False when the callback was closed meanwhile. */
  bool WaitForRoom(uint64_t pos) {
    if (OnJsThread()) {
      // The JS thread cannot wait for itself: it delivers what is queued, then retries.
      if (closed || finished) return false;
      jsDepth++;
      RunPump();
      jsDepth--;
      return !SlotClosed();
    }
    uint32_t epoch = spaceEpoch.load(std::memory_order_acquire);
    spaceWaiters.fetch_add(1, std::memory_order_seq_cst);
    uint64_t s = SeqOf(CellAt(pos))->load(std::memory_order_seq_cst);
    if (static_cast<int64_t>(s - pos) < 0 && !SlotClosed()) FutexWait(&spaceEpoch, epoch);
    spaceWaiters.fetch_sub(1, std::memory_order_relaxed);
    return !SlotClosed();
  }

  /** Claims a cell; false when the call must not be queued (full under drop/fail, or closed while blocked). */
  bool Claim(uint64_t& pos, uint64_t*& cell) {
    pos = enqueuePos.load(std::memory_order_relaxed);
    for (;;) {
      cell = CellAt(pos);
      uint64_t s = SeqOf(cell)->load(std::memory_order_acquire);
      int64_t dif = static_cast<int64_t>(s - pos);
      if (dif == 0) {
        if (enqueuePos.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) return true;
      } else if (dif < 0) {
        if (policy == kDrop) {
          dropped.fetch_add(1, std::memory_order_relaxed);
          return false;
        }
        if (policy == kFail) {
          failed.fetch_add(1, std::memory_order_relaxed);
          errno = EAGAIN;
          return false;
        }
        if (!WaitForRoom(pos)) {
          gSlots[slot].rejected.fetch_add(1, std::memory_order_relaxed);
          return false;
        }
        pos = enqueuePos.load(std::memory_order_relaxed);
      } else {
        pos = enqueuePos.load(std::memory_order_relaxed);
      }
    }
  }

  /** Wakes the JS thread if it went to sleep. Needs a full barrier between the publishing store and this. */
  void WakeIfSleeping() {
    std::atomic<uint32_t>& sleeping = gSlots[slot].sleeping;
    if (sleeping.load(std::memory_order_seq_cst) != 0 && sleeping.exchange(0, std::memory_order_acq_rel) != 0) {
      napi_call_threadsafe_function(tsfn, nullptr, napi_tsfn_nonblocking);
    }
  }

  /**
   * A non-void call on the JS thread runs synchronously, through a koffi-registered callback of the same signature
   * (core's JSCallback): the call may come from inside a koffi call, which runs C on koffi's own stack, and only
   * koffi's trampoline knows how to get back to V8's stack. The original registers and stack slots are passed on
   * unchanged, so that callback receives exactly the arguments this one did.
   */
  uint64_t CallSync(const Frame& f, double* fp) {
    jsDepth++;
    uint64_t r = 0;
    switch (retClass) {
      case kRetDouble: *fp = reinterpret_cast<double (*)(FFIKIT_PARAMS)>(syncPtr)(FFIKIT_FRAME_ARGS(f)); break;
      case kRetFloat: *fp = reinterpret_cast<float (*)(FFIKIT_PARAMS)>(syncPtr)(FFIKIT_FRAME_ARGS(f)); break;
      default: r = Normalize(reinterpret_cast<uint64_t (*)(FFIKIT_PARAMS)>(syncPtr)(FFIKIT_FRAME_ARGS(f)), retKind); break;
    }
    jsDepth--;
    return r;
  }

  /**
   * Runs one call. A void call that queued something sets *published and leaves the wake-up check to Dispatch,
   * after the in-flight decrement: that locked instruction is the barrier the check needs, one fence less per call.
   */
  uint64_t Call(const Frame& f, double* fp, bool* published) {
    if (!isVoid && OnJsThread()) return CallSync(f, fp);
    uint64_t pos;
    uint64_t* cell;
    if (!Claim(pos, cell)) return 0;
    Answer reply;
    cell[1] = isVoid ? 0 : reinterpret_cast<uint64_t>(&reply);
    WriteArgs(f, cell + 2, copyStrings);
    SeqOf(cell)->store(pos + 1, std::memory_order_release);
    if (isVoid) {
      *published = true;
      return 0;
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    WakeIfSleeping();
    while (reply.done.load(std::memory_order_acquire) == 0) FutexWait(&reply.done, 0);
    *fp = reply.fvalue;
    return reply.value;
  }

  static void Settle(Answer* r, uint64_t value, double fvalue) {
    r->value = value;
    r->fvalue = fvalue;
    r->done.store(1, std::memory_order_release);
    FutexWakeAll(&r->done);
  }

  void WakeSpaceWaiters() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (spaceWaiters.load(std::memory_order_relaxed) != 0) {
      spaceEpoch.fetch_add(1, std::memory_order_release);
      FutexWakeAll(&spaceEpoch);
    }
  }

  void FreeBatchCopies() {
    for (char* c : copiesToFree) std::free(c);
    copiesToFree.clear();
  }

  bool Empty() const { return enqueuePos.load(std::memory_order_acquire) == dequeuePos; }

  /**
   * Moves ready cells into the batch buffer. >0 records; 0 idle (asleep: a producer will wake the JS thread);
   * -1 finished; -2 closing, calls still in flight; -3 empty but not asleep (only when !maySleep: the JS side
   * looks again on the next turn of the event loop, which spares producers the wake-up while they keep coming).
   */
  int64_t Drain(bool maySleep) {
    if (finished) return -1;
    FreeBatchCopies();
    batchCount = 0;
    for (;;) {
      uint64_t pos = dequeuePos;
      uint64_t depth = enqueuePos.load(std::memory_order_relaxed) - pos;
      if (depth > capacity) depth = capacity;
      if (depth > highWater) highWater = depth;
      size_t n = 0;
      while (n < batchCapacity) {
        uint64_t* cell = CellAt(pos);
        if (SeqOf(cell)->load(std::memory_order_acquire) != pos + 1) break;
        uint64_t* out = batch + n * batchStride;
        out[0] = 0;
        std::memcpy(out + 1, cell + 2, static_cast<size_t>(nargs) * 8);
        batchReplies[n] = reinterpret_cast<Answer*>(cell[1]);
        if (copyStrings)
          for (int j = 0; j < nargs; j++)
            if (plan[j].kind == kString && cell[2 + j] != 0) copiesToFree.push_back(reinterpret_cast<char*>(cell[2 + j]));
        SeqOf(cell)->store(pos + capacity, std::memory_order_release);
        pos++;
        n++;
      }
      dequeuePos = pos;
      if (n > 0) {
        batches++;
        batchCount = n;
        // Producers blocked on a full ring are woken once it is half empty, not after every batch: fewer futex
        // wake-ups and context switches while a flood lasts. Their cells are free by then (depth < capacity).
        if (enqueuePos.load(std::memory_order_relaxed) - dequeuePos <= capacity / 2) WakeSpaceWaiters();
        return static_cast<int64_t>(n);
      }
      if (closed) {
        if (InFlight() <= static_cast<uint64_t>(jsDepth) && Empty()) {
          Finish();
          return -1;
        }
        return -2;
      }
      if (!maySleep) return -3;
      std::atomic<uint32_t>& sleeping = gSlots[slot].sleeping;
      sleeping.store(1, std::memory_order_seq_cst);
      if (SeqOf(CellAt(pos))->load(std::memory_order_seq_cst) == pos + 1) {
        sleeping.store(0, std::memory_order_relaxed);
        continue;
      }
      return 0;
    }
  }

  void ReplyTo(size_t i) {
    if (i >= batchCount) return;
    Answer* r = batchReplies[i];
    if (r == nullptr) return;
    batchReplies[i] = nullptr;
    double d = 0;
    uint64_t v = ReadResult(batch + i * batchStride, &d);
    Settle(r, v, d);
  }

  void StopAccepting() {
    closed = true;
    gSlots[slot].closed.store(1, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lock(gSlotMutex);
      gSlots[slot].closedAt = ++gCloseClock;
    }
    spaceEpoch.fetch_add(1, std::memory_order_release);
    FutexWakeAll(&spaceEpoch);
  }

  /** Close with discard: answers and drops everything queued, waits for calls inside to leave, finishes. */
  void Discard(size_t fromIndex) {
    if (finished) return;
    if (!closed) StopAccepting();
    for (size_t i = fromIndex; i < batchCount; i++) {
      discarded++;
      if (batchReplies[i] != nullptr) {
        Settle(batchReplies[i], 0, 0);
        batchReplies[i] = nullptr;
      }
    }
    if (fromIndex < batchCount) batchCount = fromIndex;
    for (;;) {
      uint64_t pos = dequeuePos;
      for (;;) {
        uint64_t* cell = CellAt(pos);
        if (SeqOf(cell)->load(std::memory_order_acquire) != pos + 1) break;
        if (cell[1] != 0) Settle(reinterpret_cast<Answer*>(cell[1]), 0, 0);
        if (copyStrings) FreeCopies(cell + 2);
        SeqOf(cell)->store(pos + capacity, std::memory_order_release);
        pos++;
        discarded++;
      }
      dequeuePos = pos;
      if (InFlight() <= static_cast<uint64_t>(jsDepth) && Empty()) break;
      std::this_thread::yield();
    }
    Finish();
  }

  void Finish() {
    if (finished) return;
    finished = true;
    FreeBatchCopies();
    ReleaseCells();
    if (cleanupHook) {
      cleanupHook = false;
      napi_remove_env_cleanup_hook(env, EnvCleanup, this);
    }
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  }
};

inline void WakeCallJs(napi_env env, napi_value jsCallback, void* context, void* data) {
  Context* ctx = static_cast<Context*>(context);
  if (env == nullptr || ctx == nullptr || ctx->finished || jsCallback == nullptr) return;
  napi_value recv, result;
  if (napi_get_undefined(env, &recv) != napi_ok) return;
  if (napi_call_function(env, recv, jsCallback, 0, nullptr, &result) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
  }
}

inline void TsfnFinalize(napi_env env, void* data, void* hint) {
  Context* ctx = static_cast<Context*>(data);
  {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    gSlots[ctx->slot].ctx.store(nullptr, std::memory_order_release);
  }
  if (ctx->handle != nullptr) {
    ctx->handle->ctx = nullptr;
    if (!ctx->handle->jsAlive) delete ctx->handle;
  }
  delete ctx;  // frees the cells if Finish() did not
}

/** The environment is going away (process exit, worker termination): discard and release. */
inline void EnvCleanup(void* arg) {
  Context* ctx = static_cast<Context*>(arg);
  ctx->cleanupHook = false;
  // From 0: a terminated worker may have stopped in the middle of a batch; its unanswered producers are released.
  ctx->Discard(0);
}

}  // namespace ffikit
