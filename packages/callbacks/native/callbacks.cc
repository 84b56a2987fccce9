// @ffi-kit/callbacks native side: threadsafe callback contexts behind a pool of trampolines (trampolines.h).
//
// A void call copies its arguments into a bounded multi-producer ring (Vyukov's sequence-numbered cells: one
// compare-and-swap to claim a cell, one release store to publish it) and returns. Cells are consumed in ticket
// order, so calls of one producing thread stay in order. The JS thread is woken through a threadsafe function only
// when it said it was going to sleep (the slot's `sleeping` flag); under load producers never touch the wake path.
// The JS side drains the ring in batches into a plain buffer it reads with typed arrays (src/delivery.ts).
//
// Non-void calls wait on a futex for the JS answer; on the JS thread itself they run synchronously.
// Lifetime: a pool slot counts the calls inside it; close() sets the slot's closed bit, so later calls return the
// zero value without touching the context, and the context is freed only once no call is inside.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "futex.h"
#include "trampolines.h"

namespace ffikit {
namespace {

// FFIType numbers (packages/core/src/ffi-type.ts).
enum FFIType : int {
  kChar = 0, kI8 = 1, kU8 = 2, kI16 = 3, kU16 = 4, kI32 = 5, kU32 = 6, kI64 = 7, kU64 = 8, kF64 = 9, kF32 = 10,
  kBool = 11, kPtr = 12, kVoid = 13, kCString = 14, kI64Fast = 15, kU64Fast = 16, kFunction = 17,
};

// How a received word is normalized before JS reads it.
enum Kind : uint8_t { kSignExt8, kZeroExt8, kSignExt16, kZeroExt16, kSignExt32, kZeroExt32, kRaw64, kFloat32, kFloat64, kBoolean, kString };
enum Where : uint8_t { kInGp, kInFp, kOnStack };
enum Policy : int { kBlock = 0, kDrop = 1, kFail = 2 };

struct ArgPlan {
  uint8_t kind;
  uint8_t where;
  uint8_t index;
};

constexpr int kMaxArgs = kGpRegs + kFpRegs + kStackSlots;
/** In-flight counters per slot, one cache line each: a producing thread uses its own, so producers never contend. */
constexpr unsigned kStripes = 8;

Kind KindOf(int type) {
  switch (type) {
    case kChar: case kI8: return kSignExt8;
    case kU8: return kZeroExt8;
    case kI16: return kSignExt16;
    case kU16: return kZeroExt16;
    case kI32: return kSignExt32;
    case kU32: return kZeroExt32;
    case kF64: return kFloat64;
    case kF32: return kFloat32;
    case kBool: return kBoolean;
    case kCString: return kString;
    default: return kRaw64;  // i64, u64, i64_fast, u64_fast, ptr, function
  }
}

inline uint64_t Normalize(uint64_t b, uint8_t kind) {
  switch (kind) {
    case kSignExt8: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(b)));
    case kZeroExt8: return b & 0xff;
    case kSignExt16: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(b)));
    case kZeroExt16: return b & 0xffff;
    case kSignExt32: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(b)));
    case kZeroExt32: return b & 0xffffffffu;
    case kFloat32: {
      uint32_t lo = static_cast<uint32_t>(b);
      float f;
      std::memcpy(&f, &lo, 4);
      double d = f;
      uint64_t out;
      std::memcpy(&out, &d, 8);
      return out;
    }
    case kBoolean: return (b & 0xff) != 0 ? 1 : 0;
    default: return b;
  }
}

inline uint64_t RawArg(const Frame& f, const ArgPlan& p) {
  switch (p.where) {
    case kInGp: return f.gp[p.index];
    case kInFp: {
      uint64_t b;
      std::memcpy(&b, &f.fp[p.index], 8);
      return b;
    }
    default: return f.stack[p.index];
  }
}

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

Slot gSlots[kPoolSize];

uint64_t SlotInFlight(const Slot& s) {
  int64_t sum = 0;
  for (const Stripe& st : s.inflight) sum += st.inside.load(std::memory_order_seq_cst);
  return sum > 0 ? static_cast<uint64_t>(sum) : 0;
}

std::atomic<unsigned> gNextStripe{0};
inline unsigned MyStripe() {
  static thread_local unsigned stripe = gNextStripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}
std::mutex gSlotMutex;
uint64_t gCloseClock = 0;

void WakeCallJs(napi_env env, napi_value jsCallback, void* context, void* data);
void TsfnFinalize(napi_env env, void* data, void* hint);
void EnvCleanup(void* arg);

struct Context {
  unsigned slot = 0;
  uint32_t generation = 0;
  int nargs = 0;
  ArgPlan plan[kMaxArgs];
  int retType = kVoid;
  uint8_t retKind = kRaw64;
  bool isVoid = true;
  bool copyStrings = false;
  Policy policy = kBlock;

  // Ring: capacity cells of cellWords words: [sequence, reply pointer, args...].
  uint64_t capacity = 0;
  uint64_t mask = 0;
  bool pow2 = false;
  size_t cellWords = 0;
  uint64_t* cells = nullptr;

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

  inline uint64_t* CellAt(uint64_t pos) const { return cells + (pow2 ? (pos & mask) : (pos % capacity)) * cellWords; }
  static inline std::atomic<uint64_t>* SeqOf(uint64_t* cell) { return reinterpret_cast<std::atomic<uint64_t>*>(cell); }
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
    std::free(cells);
    cells = nullptr;
    if (cleanupHook) {
      cleanupHook = false;
      napi_remove_env_cleanup_hook(env, EnvCleanup, this);
    }
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  }
};

void WakeCallJs(napi_env env, napi_value jsCallback, void* context, void* data) {
  Context* ctx = static_cast<Context*>(context);
  if (env == nullptr || ctx == nullptr || ctx->finished || jsCallback == nullptr) return;
  napi_value recv, result;
  if (napi_get_undefined(env, &recv) != napi_ok) return;
  if (napi_call_function(env, recv, jsCallback, 0, nullptr, &result) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
  }
}

void TsfnFinalize(napi_env env, void* data, void* hint) {
  Context* ctx = static_cast<Context*>(data);
  {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    gSlots[ctx->slot].ctx.store(nullptr, std::memory_order_release);
  }
  if (ctx->handle != nullptr) {
    ctx->handle->ctx = nullptr;
    if (!ctx->handle->jsAlive) delete ctx->handle;
  }
  std::free(ctx->cells);
  delete ctx;
}

/** The environment is going away (process exit, worker termination): discard and release. */
void EnvCleanup(void* arg) {
  Context* ctx = static_cast<Context*>(arg);
  ctx->cleanupHook = false;
  // From 0: a terminated worker may have stopped in the middle of a batch; its unanswered producers are released.
  ctx->Discard(0);
}

/** At process exit, native threads that still call get the zero value without touching any context. */
void CloseAllSlotsAtExit() {
  for (auto& s : gSlots) s.closed.store(1, std::memory_order_seq_cst);
}

// The functions the JS side calls while delivering never throw: a worker being terminated cannot take an exception
// (node-addon-api would abort the process), so failures to create a result give `undefined`.
Napi::Value Num(napi_env env, double v) {
  napi_value r;
  return napi_create_double(env, v, &r) == napi_ok ? Napi::Value(env, r) : Napi::Value();
}
Napi::Value Bool(napi_env env, bool v) {
  napi_value r;
  return napi_get_boolean(env, v, &r) == napi_ok ? Napi::Value(env, r) : Napi::Value();
}
bool ArgTrue(const Napi::CallbackInfo& info, size_t i) {
  bool v = false;
  return info.Length() > i && napi_get_value_bool(info.Env(), info[i], &v) == napi_ok && v;
}
bool ArgNumber(const Napi::CallbackInfo& info, size_t i, int64_t* out) {
  return info.Length() > i && napi_get_value_int64(info.Env(), info[i], out) == napi_ok;
}

Context* ContextOf(const Napi::CallbackInfo& info) {
  void* data = nullptr;
  if (info.Length() < 1 || napi_get_value_external(info.Env(), info[0], &data) != napi_ok || data == nullptr) return nullptr;
  return static_cast<Handle*>(data)->ctx;
}

// create(argTypes: number[], returns: number, capacity: number, policy: number, pump: fn, pumpPtr: number, syncPtr: number)
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!FFIKIT_SUPPORTED) {
    Napi::Error::New(env, "unsupported platform").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 7 || !info[0].IsArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber() ||
      !info[4].IsFunction() || !info[5].IsNumber() || !info[6].IsNumber()) {
    Napi::TypeError::New(env, "create(): bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array args = info[0].As<Napi::Array>();
  auto ctx = new Context();
  ctx->nargs = static_cast<int>(args.Length());
  if (ctx->nargs > kMaxArgs) {
    delete ctx;
    Napi::RangeError::New(env, "too many arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int gp = 0, fpn = 0, st = 0;
  for (int j = 0; j < ctx->nargs; j++) {
    int type = args.Get(static_cast<uint32_t>(j)).As<Napi::Number>().Int32Value();
    ArgPlan& p = ctx->plan[j];
    p.kind = KindOf(type);
    bool isFloat = type == kF32 || type == kF64;
    if (isFloat && fpn < kFpRegs) {
      p.where = kInFp;
      p.index = static_cast<uint8_t>(fpn++);
    } else if (!isFloat && gp < kGpRegs) {
      p.where = kInGp;
      p.index = static_cast<uint8_t>(gp++);
    } else if (st < kStackSlots) {
      p.where = kOnStack;
      p.index = static_cast<uint8_t>(st++);
    } else {
      delete ctx;
      Napi::RangeError::New(env, "too many arguments").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  ctx->retType = info[1].As<Napi::Number>().Int32Value();
  ctx->retKind = KindOf(ctx->retType);
  ctx->isVoid = ctx->retType == kVoid;
  ctx->copyStrings = false;
  if (ctx->isVoid)
    for (int j = 0; j < ctx->nargs; j++)
      if (ctx->plan[j].kind == kString) ctx->copyStrings = true;
  int64_t capacity = info[2].As<Napi::Number>().Int64Value();
  if (capacity < 2 || capacity > (1 << 26)) capacity = 65536;  // the ring needs two cells at least
  ctx->capacity = static_cast<uint64_t>(capacity);
  ctx->pow2 = (ctx->capacity & (ctx->capacity - 1)) == 0;
  ctx->mask = ctx->capacity - 1;
  ctx->policy = static_cast<Policy>(std::clamp(info[3].As<Napi::Number>().Int32Value(), 0, 2));
  ctx->cellWords = 2 + static_cast<size_t>(ctx->nargs);
  ctx->cells = static_cast<uint64_t*>(std::calloc(ctx->capacity * ctx->cellWords, 8));
  if (ctx->cells == nullptr) {
    delete ctx;
    Napi::RangeError::New(env, "cannot allocate the queue").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (uint64_t i = 0; i < ctx->capacity; i++) Context::SeqOf(ctx->cells + i * ctx->cellWords)->store(i, std::memory_order_relaxed);
  ctx->batchCapacity = static_cast<size_t>(std::min<uint64_t>(ctx->capacity, 4096));
  ctx->batchStride = 1 + static_cast<size_t>(ctx->nargs);
  ctx->batchReplies.assign(ctx->batchCapacity, nullptr);
  size_t batchBytes = ctx->batchCapacity * ctx->batchStride * 8;
  auto* batch = static_cast<uint64_t*>(std::calloc(batchBytes, 1));
  if (batch == nullptr) {
    std::free(ctx->cells);
    delete ctx;
    Napi::RangeError::New(env, "cannot allocate the batch buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ctx->batch = batch;
  auto freeBuffer = [](Napi::Env, void* data) { std::free(data); };
  Napi::ArrayBuffer batchBuffer = Napi::ArrayBuffer::New(env, batch, batchBytes, freeBuffer);

  // A pool slot: never used first, else the one closed longest ago whose context is gone.
  unsigned slot = kPoolSize;
  {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    for (unsigned i = 0; i < kPoolSize; i++)
      if (!gSlots[i].used) {
        slot = i;
        break;
      }
    if (slot == kPoolSize) {
      uint64_t oldest = UINT64_MAX;
      for (unsigned i = 0; i < kPoolSize; i++) {
        Slot& s = gSlots[i];
        if (s.closed.load(std::memory_order_seq_cst) != 0 && SlotInFlight(s) == 0 && s.ctx.load(std::memory_order_acquire) == nullptr &&
            s.closedAt < oldest) {
          oldest = s.closedAt;
          slot = i;
        }
      }
    }
    if (slot != kPoolSize) gSlots[slot].used = true;
  }
  if (slot == kPoolSize) {
    std::free(ctx->cells);
    delete ctx;
    Napi::Error e = Napi::Error::New(env, "all threadsafe callback slots are in use");
    e.Set("code", Napi::String::New(env, "ERR_FFI_CALLBACK_LIMIT"));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ctx->slot = slot;
  ctx->env = env;
  ctx->jsThread = std::this_thread::get_id();
  ctx->pumpPtr = reinterpret_cast<void*>(static_cast<uintptr_t>(info[5].As<Napi::Number>().Int64Value()));
  ctx->syncPtr = reinterpret_cast<void*>(static_cast<uintptr_t>(info[6].As<Napi::Number>().Int64Value()));
  ctx->retClass = ctx->isVoid ? kRetVoid : ctx->retType == kF64 ? kRetDouble : ctx->retType == kF32 ? kRetFloat : kRetInt;
  if (ctx->pumpPtr == nullptr || (!ctx->isVoid && ctx->syncPtr == nullptr)) {
    std::free(ctx->cells);
    {
      std::lock_guard<std::mutex> lock(gSlotMutex);
      gSlots[slot].used = gSlots[slot].generation != 0;
    }
    delete ctx;
    Napi::TypeError::New(env, "create(): missing JS-thread entry points").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_value name;
  napi_create_string_utf8(env, "ffi-kit threadsafe callback", NAPI_AUTO_LENGTH, &name);
  napi_status status = napi_create_threadsafe_function(env, info[4], nullptr, name, 0, 1, ctx, TsfnFinalize, ctx, WakeCallJs, &ctx->tsfn);
  if (status != napi_ok) {
    std::free(ctx->cells);
    {
      std::lock_guard<std::mutex> lock(gSlotMutex);
      gSlots[slot].used = gSlots[slot].generation != 0;
    }
    delete ctx;
    Napi::Error::New(env, "napi_create_threadsafe_function failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_add_env_cleanup_hook(env, EnvCleanup, ctx);
  ctx->cleanupHook = true;

  auto* handle = new Handle();
  handle->ctx = ctx;
  ctx->handle = handle;
  {
    std::lock_guard<std::mutex> lock(gSlotMutex);
    Slot& s = gSlots[slot];
    s.generation++;
    ctx->generation = s.generation;
    s.rejected.store(0, std::memory_order_relaxed);
    s.sleeping.store(1, std::memory_order_relaxed);
    s.ctx.store(ctx, std::memory_order_release);
    s.closed.store(0, std::memory_order_seq_cst);
  }
  void* address = TrampolineTable()[ctx->retClass][slot];

  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", Napi::External<Handle>::New(env, handle, [](Napi::Env, Handle* h) {
            h->jsAlive = false;
            if (h->ctx == nullptr) delete h;
          }));
  out.Set("ptr", Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(address))));
  out.Set("slot", Napi::Number::New(env, slot));
  out.Set("generation", Napi::Number::New(env, ctx->generation));
  out.Set("batch", batchBuffer);
  out.Set("stride", Napi::Number::New(env, static_cast<double>(ctx->batchStride)));
  return out;
}

Napi::Value Drain(const Napi::CallbackInfo& info) {
  Context* ctx = ContextOf(info);
  if (ctx == nullptr) return Num(info.Env(), -1);
  return Num(info.Env(), static_cast<double>(ctx->Drain(ArgTrue(info, 1))));
}

Napi::Value ReplyJs(const Napi::CallbackInfo& info) {
  Context* ctx = ContextOf(info);
  int64_t i = -1;
  if (ctx != nullptr && ArgNumber(info, 1, &i) && i >= 0) ctx->ReplyTo(static_cast<size_t>(i));
  return Napi::Value();
}

// close(handle, discard, fromIndex)
Napi::Value Close(const Napi::CallbackInfo& info) {
  Context* ctx = ContextOf(info);
  if (ctx == nullptr || ctx->finished) return Bool(info.Env(), true);
  if (ArgTrue(info, 1)) {
    int64_t from = 0;
    if (!ArgNumber(info, 2, &from)) from = 0;
    ctx->Discard(static_cast<size_t>(std::max<int64_t>(from, 0)));
  } else if (!ctx->closed) {
    ctx->StopAccepting();
  }
  return Bool(info.Env(), ctx->finished);
}

// stats(handle, Float64Array(5)): dropped, failed, discarded, highWater, batches
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Context* ctx = ContextOf(info);
  if (ctx == nullptr || info.Length() < 2) return Bool(info.Env(), false);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[1], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || length < 6 || data == nullptr)
    return Bool(info.Env(), false);
  double* out = static_cast<double*>(data);
  out[0] = static_cast<double>(ctx->dropped.load(std::memory_order_relaxed));
  out[1] = static_cast<double>(ctx->failed.load(std::memory_order_relaxed));
  out[2] = static_cast<double>(ctx->discarded);
  out[3] = static_cast<double>(ctx->highWater);
  out[4] = static_cast<double>(ctx->batches);
  out[5] = ctx->cells == nullptr ? 0 : static_cast<double>(ctx->enqueuePos.load(std::memory_order_relaxed) - ctx->dequeuePos);
  return Bool(info.Env(), true);
}

// rejected(slot, generation): calls that found the slot closed, or -1 once the slot serves another callback
Napi::Value Rejected(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t slot = -1;
  int64_t generation = -1;
  if (!ArgNumber(info, 0, &slot) || !ArgNumber(info, 1, &generation)) return Num(env, -1);
  if (slot < 0 || slot >= static_cast<int64_t>(kPoolSize)) return Num(env, -1);
  std::lock_guard<std::mutex> lock(gSlotMutex);
  const Slot& s = gSlots[slot];
  if (s.generation != static_cast<uint32_t>(generation)) return Num(env, -1);
  return Num(env, static_cast<double>(s.rejected.load(std::memory_order_relaxed)));
}

Napi::Value SetRef(const Napi::CallbackInfo& info) {
  Context* ctx = ContextOf(info);
  if (ctx != nullptr && !ctx->finished) {
    if (ArgTrue(info, 1))
      napi_ref_threadsafe_function(info.Env(), ctx->tsfn);
    else
      napi_unref_threadsafe_function(info.Env(), ctx->tsfn);
  }
  return Napi::Value();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static std::once_flag atExit;
  std::call_once(atExit, [] { std::atexit(CloseAllSlotsAtExit); });
  exports.Set("create", Napi::Function::New(env, Create, "create"));
  exports.Set("drain", Napi::Function::New(env, Drain, "drain"));
  exports.Set("reply", Napi::Function::New(env, ReplyJs, "reply"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("rejected", Napi::Function::New(env, Rejected, "rejected"));
  exports.Set("setRef", Napi::Function::New(env, SetRef, "setRef"));
  exports.Set("supported", Napi::Boolean::New(env, FFIKIT_SUPPORTED != 0));
  exports.Set("poolSize", Napi::Number::New(env, kPoolSize));
  exports.Set("maxArgs", Napi::Number::New(env, kMaxArgs));
  return exports;
}

uint64_t Dispatch(unsigned index, const Frame& frame, double* fp) {
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
  // seq_cst RMW: a full barrier between the publishing store (in Call) and the `sleeping` load below.
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

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ffikit::Init(env, exports); }
NODE_API_MODULE(ffi_kit_callbacks, InitModule)
