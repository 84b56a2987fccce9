// @ffi-kit/callbacks native side, the N-API binding: create/drain/reply/close/stats/rejected/setRef for the JS side
// (src/native-addon.ts). The parts live by concern:
//   arg-plan.h     where a declared argument arrives (register or stack slot) and how its word is normalized
//   ring.h         the bounded multi-producer queue of one callback (Vyukov's sequence-numbered cells)
//   slot-pool.h    the trampolines' slots: in-flight counts, the closed bit, reservation
//   context.h      one open callback: producing a call, draining, replies, close/discard, the wake-up
//   dispatch.h     the entry of every call through a trampoline
//   trampolines.h  the pool of real C entry points;  futex.h  sleeping and waking producers
//
// A void call copies its arguments into the ring and returns. Cells are consumed in ticket order, so calls of one
// producing thread stay in order. The JS thread is woken through a threadsafe function only when it said it was
// going to sleep (the slot's `sleeping` flag); under load producers never touch the wake path. The JS side drains
// the ring in batches into a plain buffer it reads with typed arrays (src/delivery.ts).
// Non-void calls wait on a futex for the JS answer; on the JS thread itself they run synchronously.
// Lifetime: a pool slot counts the calls inside it; close() sets the slot's closed bit, so later calls return the
// zero value without touching the context, and the context is freed only once no call is inside.
#include <napi.h>

#include <memory>

#include "context.h"
#include "dispatch.h"

namespace ffikit {
namespace {

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

Napi::Value Throw(Napi::Env env, Napi::Error error) {
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

/** Where each declared argument arrives: registers of its class in order, then stack slots. False if they overflow. */
bool PlanArguments(Context& ctx, const Napi::Array& args) {
  int gp = 0, fpn = 0, st = 0;
  for (int j = 0; j < ctx.nargs; j++) {
    int type = args.Get(static_cast<uint32_t>(j)).As<Napi::Number>().Int32Value();
    ArgPlan& p = ctx.plan[j];
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
      return false;
    }
  }
  return true;
}

// create(argTypes: number[], returns: number, capacity: number, policy: number, pump: fn, pumpPtr: number, syncPtr: number)
// Every resource is owned by an object that gives it back if a later step fails: the context (and its ring) by a
// unique_ptr until the threadsafe function takes it, the batch memory by its ArrayBuffer, the pool slot by a
// SlotReservation until it is opened.
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!FFIKIT_SUPPORTED) return Throw(env, Napi::Error::New(env, "unsupported platform"));
  if (info.Length() < 7 || !info[0].IsArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber() ||
      !info[4].IsFunction() || !info[5].IsNumber() || !info[6].IsNumber()) {
    return Throw(env, Napi::TypeError::New(env, "create(): bad arguments"));
  }
  Napi::Array args = info[0].As<Napi::Array>();
  if (args.Length() > static_cast<uint32_t>(kMaxArgs)) return Throw(env, Napi::RangeError::New(env, "too many arguments"));
  auto ctx = std::make_unique<Context>();
  ctx->nargs = static_cast<int>(args.Length());
  if (!PlanArguments(*ctx, args)) return Throw(env, Napi::RangeError::New(env, "too many arguments"));
  ctx->retType = info[1].As<Napi::Number>().Int32Value();
  ctx->retKind = KindOf(ctx->retType);
  ctx->isVoid = ctx->retType == kVoid;
  ctx->retClass = ctx->isVoid ? kRetVoid : ctx->retType == kF64 ? kRetDouble : ctx->retType == kF32 ? kRetFloat : kRetInt;
  ctx->copyStrings = false;
  if (ctx->isVoid)
    for (int j = 0; j < ctx->nargs; j++)
      if (ctx->plan[j].kind == kString) ctx->copyStrings = true;
  ctx->pumpPtr = reinterpret_cast<void*>(static_cast<uintptr_t>(info[5].As<Napi::Number>().Int64Value()));
  ctx->syncPtr = reinterpret_cast<void*>(static_cast<uintptr_t>(info[6].As<Napi::Number>().Int64Value()));
  if (ctx->pumpPtr == nullptr || (!ctx->isVoid && ctx->syncPtr == nullptr)) {
    return Throw(env, Napi::TypeError::New(env, "create(): missing JS-thread entry points"));
  }
  int64_t capacity = info[2].As<Napi::Number>().Int64Value();
  if (capacity < 2 || capacity > (1 << 26)) capacity = 65536;  // the ring needs two cells at least
  ctx->policy = static_cast<Policy>(std::clamp(info[3].As<Napi::Number>().Int32Value(), 0, 2));
  if (!ctx->AllocateCells(static_cast<uint64_t>(capacity), 2 + static_cast<size_t>(ctx->nargs))) {
    return Throw(env, Napi::RangeError::New(env, "cannot allocate the queue"));
  }
  ctx->batchCapacity = static_cast<size_t>(std::min<uint64_t>(ctx->capacity, 4096));
  ctx->batchStride = 1 + static_cast<size_t>(ctx->nargs);
  ctx->batchReplies.assign(ctx->batchCapacity, nullptr);
  size_t batchBytes = ctx->batchCapacity * ctx->batchStride * 8;
  auto* batch = static_cast<uint64_t*>(std::calloc(batchBytes, 1));
  if (batch == nullptr) return Throw(env, Napi::RangeError::New(env, "cannot allocate the batch buffer"));
  // From here the batch memory belongs to its ArrayBuffer (the context only borrows it).
  Napi::ArrayBuffer batchBuffer = Napi::ArrayBuffer::New(env, batch, batchBytes, [](Napi::Env, void* data) { std::free(data); });
  if (env.IsExceptionPending()) return env.Undefined();
  ctx->batch = batch;

  SlotReservation slot;
  if (!slot.ok()) {
    Napi::Error e = Napi::Error::New(env, "all threadsafe callback slots are in use");
    e.Set("code", Napi::String::New(env, "ERR_FFI_CALLBACK_LIMIT"));
    return Throw(env, e);
  }
  ctx->slot = slot.index();
  ctx->env = env;
  ctx->jsThread = std::this_thread::get_id();
  napi_value name;
  napi_create_string_utf8(env, "ffi-kit threadsafe callback", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, info[4], nullptr, name, 0, 1, ctx.get(), TsfnFinalize, ctx.get(), WakeCallJs, &ctx->tsfn) != napi_ok) {
    return Throw(env, Napi::Error::New(env, "napi_create_threadsafe_function failed"));
  }
  // The threadsafe function owns the context now: TsfnFinalize deletes it.
  Context* c = ctx.release();
  napi_add_env_cleanup_hook(env, EnvCleanup, c);
  c->cleanupHook = true;
  auto* handle = new Handle();
  handle->ctx = c;
  c->handle = handle;
  c->generation = slot.Open(c);
  void* address = TrampolineTable()[c->retClass][c->slot];

  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", Napi::External<Handle>::New(env, handle, [](Napi::Env, Handle* h) {
            h->jsAlive = false;
            if (h->ctx == nullptr) delete h;
          }));
  out.Set("ptr", Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(address))));
  out.Set("slot", Napi::Number::New(env, c->slot));
  out.Set("generation", Napi::Number::New(env, c->generation));
  out.Set("batch", batchBuffer);
  out.Set("stride", Napi::Number::New(env, static_cast<double>(c->batchStride)));
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
  // Where arguments can go: JS decides which signatures fit from these, and says so in its error message.
  exports.Set("maxArgs", Napi::Number::New(env, kMaxArgs));
  exports.Set("gpRegisters", Napi::Number::New(env, kGpRegs));
  exports.Set("fpRegisters", Napi::Number::New(env, kFpRegs));
  exports.Set("stackSlots", Napi::Number::New(env, kStackSlots));
  return exports;
}

}  // namespace ffikit

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ffikit::Init(env, exports); }
NODE_API_MODULE(ffi_kit_callbacks, InitModule)
