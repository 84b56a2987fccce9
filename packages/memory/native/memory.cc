// @ffi-kit/memory native addon: external ArrayBuffers over native memory, detaching, calling C deallocators, and
// reporting native memory to V8 (napi_adjust_external_memory) so the GC feels its weight.
//
// Two kinds of buffer:
//   - plain views (view()): no finalizer; their owner (a FinalizationRegistry record in JS) frees the memory.
//   - deallocator buffers (withDeallocator()): the finalizer calls `void (*)(void *bytes, void *context)` once, on
//     the JS thread. Each has an entry, keyed by a JS-assigned id, in a registry shared (shared_ptr) between the
//     addon instance and every entry, so a finalizer that runs during environment teardown never touches freed
//     state. release(id) frees early (dispose / process exit); the entry's `freed` flag makes it exactly once.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace {

using Deallocator = void (*)(void* bytes, void* context);

struct Registry;

struct Entry {
  std::shared_ptr<Registry> registry;
  void* data;
  size_t length;
  void* context;
  Deallocator deallocator;
  double id;
  // Set once the deallocator ran (or must never run). Every path that frees reads it first; nothing frees twice.
  bool freed;
  // True while napi_create_external_arraybuffer runs: a runtime that gives up on the buffer may call the finalizer
  // from inside that call (Node does for a length it cannot create); then the adoption failed and nothing is freed.
  bool creating;
  // The finalizer ran while `creating`: the caller (WithDeallocator) deletes the entry.
  bool finalizedWhileCreating;
};

struct Counters {
  double created = 0;
  double freedByFinalizer = 0;
  double freedByRelease = 0;
  double copied = 0;
  double bytesLive = 0;
};

struct Registry {
  std::unordered_map<double, Entry*> entries;
  Counters counters;
};

struct Instance {
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
};

Instance* GetInstance(Napi::Env env) { return env.GetInstanceData<Instance>(); }

// Reads a pointer given as a number or a bigint. JS validated it already; this only guards the conversion.
bool ToPointer(Napi::Env env, const Napi::Value& value, uintptr_t* out, const char* what) {
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (d < 0 || d >= 18446744073709551616.0 || d != static_cast<double>(static_cast<uint64_t>(d))) {
      Napi::RangeError::New(env, std::string(what) + " is not a valid address").ThrowAsJavaScriptException();
      return false;
    }
    *out = static_cast<uintptr_t>(static_cast<uint64_t>(d));
    return true;
  }
  if (value.IsBigInt()) {
    bool lossless = false;
    uint64_t v = value.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      Napi::RangeError::New(env, std::string(what) + " is not a valid address").ThrowAsJavaScriptException();
      return false;
    }
    *out = static_cast<uintptr_t>(v);
    return true;
  }
  if (value.IsNull() || value.IsUndefined()) {
    *out = 0;
    return true;
  }
  Napi::TypeError::New(env, std::string(what) + " must be a number or bigint").ThrowAsJavaScriptException();
  return false;
}

bool ToLength(Napi::Env env, const Napi::Value& value, size_t* out) {
  if (!value.IsNumber()) {
    Napi::TypeError::New(env, "byteLength must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d))) {
    Napi::RangeError::New(env, "byteLength is out of range").ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<size_t>(d);
  return true;
}

void Adjust(napi_env env, double delta) {
  if (delta == 0) return;
  int64_t ignored;
  napi_adjust_external_memory(env, static_cast<int64_t>(delta), &ignored);
}

/** Throws "what failed" unless the failed call left an exception pending already (then that one propagates). */
void ThrowUnlessPending(Napi::Env env, const char* what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  Napi::Error::New(env, what).ThrowAsJavaScriptException();
}

// view(address, byteLength, adjust): an external ArrayBuffer without finalizer, or null when the runtime refuses
// external buffers (Electron's memory cage). `adjust` is the change to report to V8 (bytes adopted minus bytes
// freed since the last report).
Napi::Value View(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uintptr_t address;
  size_t length;
  if (!ToPointer(env, info[0], &address, "address") || !ToLength(env, info[1], &length)) return env.Undefined();
  napi_value result;
  napi_status status = napi_create_external_arraybuffer(env, reinterpret_cast<void*>(address), length, nullptr, nullptr, &result);
  if (status == napi_no_external_buffers_allowed) return env.Null();
  if (status != napi_ok) {
    ThrowUnlessPending(env, "napi_create_external_arraybuffer failed");
    return env.Undefined();
  }
  if (info.Length() > 2 && info[2].IsNumber()) Adjust(env, info[2].As<Napi::Number>().DoubleValue());
  return Napi::Value(env, result);
}

// copy(address, byteLength): a new, GC-owned ArrayBuffer holding a copy of the bytes.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uintptr_t address;
  size_t length;
  if (!ToPointer(env, info[0], &address, "address") || !ToLength(env, info[1], &length)) return env.Undefined();
  napi_value result;
  void* data = nullptr;
  if (napi_create_arraybuffer(env, length, &data, &result) != napi_ok) {
    ThrowUnlessPending(env, "cannot allocate the copy");
    return env.Undefined();
  }
  if (length > 0) std::memcpy(data, reinterpret_cast<const void*>(address), length);
  return Napi::Value(env, result);
}

// detach(arrayBuffer): detaches it (byteLength becomes 0). Returns false if it was already detached.
Napi::Value Detach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) return Napi::Boolean::New(env, false);
  bool detached = false;
  napi_is_detached_arraybuffer(env, info[0], &detached);
  if (detached) return Napi::Boolean::New(env, false);
  napi_status status = napi_detach_arraybuffer(env, info[0]);
  if (status != napi_ok) {
    Napi::Error::New(env, "this ArrayBuffer cannot be detached").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Boolean::New(env, true);
}

// detachAndFree(arrayBuffer, fn, address, context, adjust): dispose() of an own() view with a native free, in one
// call: detaches the buffer (if not detached yet), calls `fn(address, context)`, reports `adjust` to V8.
Napi::Value DetachAndFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uintptr_t fn, address, context;
  if (!ToPointer(env, info[1], &fn, "free") || !ToPointer(env, info[2], &address, "address") ||
      !ToPointer(env, info[3], &context, "context")) {
    return env.Undefined();
  }
  if (fn == 0) {
    Napi::TypeError::New(env, "free is NULL").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info[0].IsArrayBuffer()) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, info[0], &detached);
    if (!detached && napi_detach_arraybuffer(env, info[0]) != napi_ok) {
      Napi::Error::New(env, "this ArrayBuffer cannot be detached").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  reinterpret_cast<Deallocator>(fn)(reinterpret_cast<void*>(address), reinterpret_cast<void*>(context));
  if (info.Length() > 4 && info[4].IsNumber()) Adjust(env, info[4].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// adjust(delta): napi_adjust_external_memory.
Napi::Value AdjustExternal(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) Adjust(info.Env(), info[0].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

void FinalizeEntry(napi_env env, void* /*data*/, void* hint) {
  Entry* entry = static_cast<Entry*>(hint);
  if (entry->creating) {
    // The runtime refused the buffer inside napi_create_external_arraybuffer: the memory was never adopted, so it
    // still belongs to the caller. Free nothing; WithDeallocator deletes the entry.
    entry->finalizedWhileCreating = true;
    return;
  }
  Registry& registry = *entry->registry;
  if (!entry->freed) {
    entry->freed = true;
    entry->deallocator(entry->data, entry->context);
    registry.counters.freedByFinalizer++;
    registry.counters.bytesLive -= static_cast<double>(entry->length);
    Adjust(env, -static_cast<double>(entry->length));
  }
  registry.entries.erase(entry->id);
  delete entry;
}

/** The arguments shared by withDeallocator() and copyAndDeallocate(): (address, byteLength, context, deallocator). */
struct DeallocatorArgs {
  uintptr_t address;
  size_t length;
  uintptr_t context;
  Deallocator deallocator;
};

bool ReadDeallocatorArgs(const Napi::CallbackInfo& info, DeallocatorArgs* out) {
  Napi::Env env = info.Env();
  uintptr_t fn;
  if (!ToPointer(env, info[0], &out->address, "address") || !ToLength(env, info[1], &out->length) ||
      !ToPointer(env, info[2], &out->context, "deallocatorContext") || !ToPointer(env, info[3], &fn, "deallocator")) {
    return false;
  }
  if (fn == 0) {
    Napi::TypeError::New(env, "deallocator is NULL").ThrowAsJavaScriptException();
    return false;
  }
  out->deallocator = reinterpret_cast<Deallocator>(fn);
  return true;
}

// withDeallocator(address, byteLength, context, deallocator, id): an external ArrayBuffer whose finalizer calls
// `deallocator(address, context)` once. Returns null if external buffers are refused, and throws if the runtime
// cannot create the buffer: in both cases nothing was adopted and nothing is freed (the memory stays the caller's).
Napi::Value WithDeallocator(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DeallocatorArgs args;
  if (!ReadDeallocatorArgs(info, &args)) return env.Undefined();
  if (!info[4].IsNumber()) {
    Napi::TypeError::New(env, "withDeallocator(): invalid id").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Instance* instance = GetInstance(env);
  Entry* entry = new Entry{instance->registry, reinterpret_cast<void*>(args.address), args.length,
                           reinterpret_cast<void*>(args.context), args.deallocator, info[4].As<Napi::Number>().DoubleValue(),
                           false, true, false};
  napi_value result;
  napi_status status = napi_create_external_arraybuffer(env, entry->data, args.length, FinalizeEntry, entry, &result);
  entry->creating = false;
  if (status != napi_ok) {
    // Adoption failed: the memory stays the caller's, nothing is freed. The entry goes now if the finalizer already
    // ran (or the runtime never took it); a runtime that kept the finalizer for later finds `freed` set and only
    // deletes the entry.
    if (entry->finalizedWhileCreating || status == napi_no_external_buffers_allowed || status == napi_invalid_arg) {
      delete entry;
    } else {
      entry->freed = true;
    }
    if (status == napi_no_external_buffers_allowed) return env.Null();
    ThrowUnlessPending(env, "napi_create_external_arraybuffer failed");
    return env.Undefined();
  }
  Registry& registry = *instance->registry;
  registry.entries[entry->id] = entry;
  registry.counters.created++;
  registry.counters.bytesLive += static_cast<double>(args.length);
  Adjust(env, static_cast<double>(args.length));
  return Napi::Value(env, result);
}

// release(id, arrayBuffer?): frees a deallocator buffer now (dispose, process exit): detaches the buffer if given,
// calls the deallocator, and leaves the finalizer nothing to do. Returns whether this call freed it.
Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) return Napi::Boolean::New(env, false);
  Registry& registry = *GetInstance(env)->registry;
  auto it = registry.entries.find(info[0].As<Napi::Number>().DoubleValue());
  if (it == registry.entries.end() || it->second->freed) return Napi::Boolean::New(env, false);
  Entry* entry = it->second;
  // Everything the free needs is taken, and the entry marked freed, before the buffer is detached: some runtimes
  // (Bun) run the buffer's finalizer inside the detach, and that finalizer deletes the entry. After the detach the
  // entry is not touched again.
  entry->freed = true;
  void* data = entry->data;
  void* context = entry->context;
  Deallocator deallocator = entry->deallocator;
  double length = static_cast<double>(entry->length);
  if (info.Length() > 1 && info[1].IsArrayBuffer()) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, info[1], &detached);
    if (!detached && napi_detach_arraybuffer(env, info[1]) != napi_ok) {
      // Not detachable (cannot happen for our own external buffers): free nothing rather than leave a view over
      // freed memory; the finalizer frees it later.
      entry->freed = false;
      ThrowUnlessPending(env, "this ArrayBuffer cannot be detached");
      return env.Undefined();
    }
  }
  deallocator(data, context);
  registry.counters.freedByRelease++;
  registry.counters.bytesLive -= length;
  Adjust(env, -length);
  return Napi::Boolean::New(env, true);
}

// isLive(id): whether the entry exists and its deallocator has not run. Its finalizer can run before the JS registry
// sees the buffer collected; then the address may already be in use again.
Napi::Value IsLive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) return Napi::Boolean::New(env, false);
  Registry& registry = *GetInstance(env)->registry;
  auto it = registry.entries.find(info[0].As<Napi::Number>().DoubleValue());
  return Napi::Boolean::New(env, it != registry.entries.end() && !it->second->freed);
}

// releaseAll(): frees every deallocator buffer not freed yet (process exit). JS detached the reachable ones first;
// the rest are unreachable, their finalizers still pending. Returns how many it freed.
Napi::Value ReleaseAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Registry& registry = *GetInstance(env)->registry;
  double released = 0;
  for (auto& pair : registry.entries) {
    Entry* entry = pair.second;
    if (entry->freed) continue;
    entry->freed = true;
    entry->deallocator(entry->data, entry->context);
    registry.counters.freedByRelease++;
    registry.counters.bytesLive -= static_cast<double>(entry->length);
    released++;
  }
  return Napi::Number::New(env, released);
}

// copyAndDeallocate(address, byteLength, context, deallocator): the copying mode of the deallocator path: copies
// the bytes into a GC-owned ArrayBuffer and calls the deallocator at once.
Napi::Value CopyAndDeallocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DeallocatorArgs args;
  if (!ReadDeallocatorArgs(info, &args)) return env.Undefined();
  napi_value result;
  void* data = nullptr;
  // On failure the memory stays the caller's: the deallocator is called only once the copy exists.
  if (napi_create_arraybuffer(env, args.length, &data, &result) != napi_ok) {
    ThrowUnlessPending(env, "cannot allocate the copy");
    return env.Undefined();
  }
  if (args.length > 0) std::memcpy(data, reinterpret_cast<const void*>(args.address), args.length);
  args.deallocator(reinterpret_cast<void*>(args.address), reinterpret_cast<void*>(args.context));
  GetInstance(env)->registry->counters.copied++;
  return Napi::Value(env, result);
}

// externalBuffersAllowed(): false where the runtime refuses external ArrayBuffers (Electron's memory cage).
Napi::Value ExternalBuffersAllowed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static char probe[8];
  napi_value result;
  napi_status status = napi_create_external_arraybuffer(env, probe, sizeof probe, nullptr, nullptr, &result);
  return Napi::Boolean::New(env, status != napi_no_external_buffers_allowed);
}

// stats(): counters of the deallocator path.
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Registry& registry = *GetInstance(env)->registry;
  Napi::Object out = Napi::Object::New(env);
  out.Set("created", registry.counters.created);
  out.Set("freedByFinalizer", registry.counters.freedByFinalizer);
  out.Set("freedByRelease", registry.counters.freedByRelease);
  out.Set("copied", registry.counters.copied);
  out.Set("live", registry.counters.created - registry.counters.freedByFinalizer - registry.counters.freedByRelease);
  out.Set("bytesLive", registry.counters.bytesLive);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Instance());
  exports.Set("view", Napi::Function::New(env, View, "view"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("detach", Napi::Function::New(env, Detach, "detach"));
  exports.Set("detachAndFree", Napi::Function::New(env, DetachAndFree, "detachAndFree"));
  exports.Set("adjust", Napi::Function::New(env, AdjustExternal, "adjust"));
  exports.Set("withDeallocator", Napi::Function::New(env, WithDeallocator, "withDeallocator"));
  exports.Set("release", Napi::Function::New(env, Release, "release"));
  exports.Set("isLive", Napi::Function::New(env, IsLive, "isLive"));
  exports.Set("releaseAll", Napi::Function::New(env, ReleaseAll, "releaseAll"));
  exports.Set("copyAndDeallocate", Napi::Function::New(env, CopyAndDeallocate, "copyAndDeallocate"));
  exports.Set("externalBuffersAllowed", Napi::Function::New(env, ExternalBuffersAllowed, "externalBuffersAllowed"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ffi_kit_memory, Init)
