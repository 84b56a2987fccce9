// ffi-kit's fast-call engine: one JS function per C signature shape whose V8 Fast API entry calls a C function
// straight from optimised code, with an ordinary (slow) entry of the same semantics for the interpreter and for
// calls V8 does not optimise.
//
// The first argument of every entry is the target address (a number, already validated by core); the others are
// the already-converted arguments (core's generated wrapper does every JS-side conversion first). Entries never
// run JS, never allocate on the JS heap in the fast path and never throw there.
//
// This is not a Node-API addon: V8's Fast API has no stable ABI, so the addon is built per Node major against the
// running Node's headers. Node does not ship V8's fast-call header with its addon headers, so the few types the
// engine needs are declared in fast_api_abi.h, per V8 version, and checked against V8 at load time (see Probe()).
#include <node.h>
#include <v8.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "fast_api_abi.h"

namespace ffi_kit_fast {

using v8::Context;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::Isolate;
using v8::Local;
using v8::Object;
using v8::Value;

// How many calls took the fast entry, and how many the slow one (tests read them to see which path ran).
static uint64_t fast_calls = 0;
static uint64_t slow_calls = 0;
// Set at load time: whether the declared Fast API layout is the running V8's (see LayoutMatches()).
static bool layout_ok = false;

template <typename T>
struct Arg;  // how a C argument type reaches the engine from V8
template <>
struct Arg<int32_t> {
  using V8 = int32_t;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kInt32;
  static int32_t FromValue(Local<Value> v, Local<Context> c) { return v->Int32Value(c).FromMaybe(0); }
};
template <>
struct Arg<uint32_t> {
  using V8 = uint32_t;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kUint32;
  static uint32_t FromValue(Local<Value> v, Local<Context> c) { return v->Uint32Value(c).FromMaybe(0); }
};
template <>
struct Arg<float> {
  using V8 = float;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat32;
  static float FromValue(Local<Value> v, Local<Context> c) { return static_cast<float>(v->NumberValue(c).FromMaybe(0)); }
};
template <>
struct Arg<double> {
  using V8 = double;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat64;
  static double FromValue(Local<Value> v, Local<Context> c) { return v->NumberValue(c).FromMaybe(0); }
};

template <>
struct Arg<void*> {  // an address core has already checked (a non-negative integer below 2^53)
  using V8 = double;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat64;
  static void* FromValue(Local<Value> v, Local<Context> c) { return FromV8(v->NumberValue(c).FromMaybe(0)); }
  static void* FromV8(double d) { return reinterpret_cast<void*>(static_cast<uintptr_t>(d)); }
};
// 64-bit integer arguments (i64, u64, i64_fast, u64_fast; one C type: the bits are the same) reach the engine as
// a double that core's wrapper has already checked to be a safe integer (|v| < 2^53, or -0), so the conversion is
// exact; BigInts and other numbers take koffi. Declaring them kFloat64 keeps V8's own int64 conversions (which
// differ between majors) out of the way: V8 passes the double as is, on every version.
template <>
struct Arg<int64_t> {
  using V8 = double;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat64;
  static int64_t FromValue(Local<Value> v, Local<Context> c) { return FromV8(v->NumberValue(c).FromMaybe(0)); }
  static int64_t FromV8(double d) {
    // Defined for every double (the wrapper only passes safe integers): out of range and NaN give INT64_MIN,
    // what x86-64's cvttsd2si gives.
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? static_cast<int64_t>(d) : INT64_MIN;
  }
};
template <typename T>
static inline T FromV8(typename Arg<T>::V8 v) {
  if constexpr (std::is_same_v<T, void*> || std::is_same_v<T, int64_t>) return Arg<T>::FromV8(v);
  else return v;
}

template <typename R>
struct Ret;  // how a C return type (Ret<R>::C) goes back to V8 (narrow integers widen to 32 bits)
#define FFI_KIT_INT_RET(C, W, T)                                                                      \
  template <>                                                                                         \
  struct Ret<C> {                                                                                     \
    using V8 = W;                                                                                     \
    static W ToV8(C r) { return static_cast<W>(r); }                                                  \
    static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::T;                                  \
    static void Set(const FunctionCallbackInfo<Value>& info, C r) { info.GetReturnValue().Set(static_cast<W>(r)); } \
  };
FFI_KIT_INT_RET(int8_t, int32_t, kInt32)
FFI_KIT_INT_RET(uint8_t, uint32_t, kUint32)
FFI_KIT_INT_RET(int16_t, int32_t, kInt32)
FFI_KIT_INT_RET(uint16_t, uint32_t, kUint32)
FFI_KIT_INT_RET(int32_t, int32_t, kInt32)
FFI_KIT_INT_RET(uint32_t, uint32_t, kUint32)
#undef FFI_KIT_INT_RET
template <>
struct Ret<float> {
  using V8 = float;
  static float ToV8(float r) { return r; }
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat32;
  static void Set(const FunctionCallbackInfo<Value>& info, float r) { info.GetReturnValue().Set(static_cast<double>(r)); }
};
template <>
struct Ret<double> {
  using V8 = double;
  static double ToV8(double r) { return r; }
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat64;
  static void Set(const FunctionCallbackInfo<Value>& info, double r) { info.GetReturnValue().Set(r); }
};
template <>
struct Ret<bool> {
  using V8 = bool;
  static bool ToV8(bool r) { return r; }
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kBool;
  static void Set(const FunctionCallbackInfo<Value>& info, bool r) { info.GetReturnValue().Set(r); }
};

// 64-bit returns come back as a BigInt (bun:ffi's i64/u64), which V8's Fast API does from V8 12 on
// (CFunctionInfo's Int64Representation::kBigInt): on older V8 the engine has no such entries.
#if V8_MAJOR_VERSION >= 12
#define FFI_KIT_BIGINT_RETURNS 1
template <>
struct Ret<int64_t> {
  using V8 = int64_t;
  static int64_t ToV8(int64_t r) { return r; }
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kInt64;
  static void Set(const FunctionCallbackInfo<Value>& info, int64_t r) { info.GetReturnValue().Set(v8::BigInt::New(info.GetIsolate(), r)); }
};
template <>
struct Ret<uint64_t> {
  using V8 = uint64_t;
  static uint64_t ToV8(uint64_t r) { return r; }
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kUint64;
  static void Set(const FunctionCallbackInfo<Value>& info, uint64_t r) {
    info.GetReturnValue().Set(v8::BigInt::NewFromUnsigned(info.GetIsolate(), r));
  }
};
template <typename R>
constexpr bool kIs64 = std::is_same_v<R, int64_t> || std::is_same_v<R, uint64_t>;
#define FFI_KIT_REPR(R) , (kIs64<R> ? v8::CFunctionInfo::Int64Representation::kBigInt : v8::CFunctionInfo::Int64Representation::kNumber)
#else
#define FFI_KIT_REPR(R)
#endif

// 64-bit integer returns as a double: the value when it is a safe integer (|r| <= 2^53 - 1), else NaN with the
// value written to the calling thread's slot, an 8-byte ArrayBuffer core reads as a BigInt64Array or
// BigUint64Array (slot[0]) when the result is NaN. The wrapper makes of that what bun:ffi returns: for i64_fast and
// u64_fast the number, or the BigInt from the slot.
static thread_local int64_t slot = 0;
constexpr int64_t kMaxSafe = 9007199254740991;  // 2^53 - 1
// A 64-bit return through the slot: kAlways puts every result there (the entry then always returns NaN), else only
// the results that are not safe integers.
template <typename T, bool kAlways>
struct SlotRet {
  using C = T;
  using V8 = double;
  static constexpr ffi_kit_abi::Type kType = ffi_kit_abi::Type::kFloat64;
  static double ToV8(T r) {
    if (!kAlways && IsSafe(r)) return static_cast<double>(r);
    slot = static_cast<int64_t>(r);
    return std::numeric_limits<double>::quiet_NaN();
  }
  static void Set(const FunctionCallbackInfo<Value>& info, T r) { info.GetReturnValue().Set(ToV8(r)); }

 private:
  static bool IsSafe(int64_t r) { return r >= -kMaxSafe && r <= kMaxSafe; }
  static bool IsSafe(uint64_t r) { return r <= static_cast<uint64_t>(kMaxSafe); }
};
// i64_fast/u64_fast returns: the number when it is a safe integer, else the slot.
struct SignedSafe;
struct UnsignedSafe;
template <>
struct Ret<SignedSafe> : SlotRet<int64_t, false> {};
template <>
struct Ret<UnsignedSafe> : SlotRet<uint64_t, false> {};
// i64/u64 returns (always a BigInt) where V8 has no BigInt results (V8 11, Node 20): every result goes to the slot
// and the entry returns NaN, so that the wrapper reads the BigInt from the slot (a BigInt64Array load, cheaper in
// optimised code than BigInt(number)).
struct SignedSlot;
struct UnsignedSlot;
template <>
struct Ret<SignedSlot> : SlotRet<int64_t, true> {};
template <>
struct Ret<UnsignedSlot> : SlotRet<uint64_t, true> {};
// The C type of a return: R itself, or the 64-bit type of a sentinel return.
template <typename R, typename = void>
struct CType {
  using T = R;
};
template <typename R>
struct CType<R, std::void_t<typename Ret<R>::C>> {
  using T = typename Ret<R>::C;
};

template <typename Fn>
static inline Fn Target(double address) {
  return reinterpret_cast<Fn>(static_cast<uintptr_t>(address));
}

template <typename R, typename... A>
struct Entry {
  using CR = typename CType<R>::T;
  using Fn = CR (*)(A...);
  static typename Ret<R>::V8 Fast(Local<Value> /* receiver */, double target, typename Arg<A>::V8... a) {
    ++fast_calls;
    return Ret<R>::ToV8(Target<Fn>(target)(FromV8<A>(a)...));
  }
  template <size_t... I>
  static CR CallSlow(const FunctionCallbackInfo<Value>& info, Local<Context> c, double target, std::index_sequence<I...>) {
    return Target<Fn>(target)(Arg<A>::FromValue(info[I + 1], c)...);
  }
  static void Slow(const FunctionCallbackInfo<Value>& info) {
    ++slow_calls;
    Local<Context> c = info.GetIsolate()->GetCurrentContext();
    double target = info[0]->NumberValue(c).FromMaybe(0);
    Ret<R>::Set(info, CallSlow(info, c, target, std::index_sequence_for<A...>()));
  }
  static const ffi_kit_abi::FunctionInfo& Info() {
    static const ffi_kit_abi::TypeInfo args[] = {ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kV8Value),
                                                 ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kFloat64),
                                                 ffi_kit_abi::TypeInfo(Arg<A>::kType)...};
    static const ffi_kit_abi::FunctionInfo info(ffi_kit_abi::TypeInfo(Ret<R>::kType), 2 + sizeof...(A), args FFI_KIT_REPR(R));
    return info;
  }
};

template <typename... A>
struct Entry<void, A...> {
  using Fn = void (*)(A...);
  static void Fast(Local<Value> /* receiver */, double target, typename Arg<A>::V8... a) {
    ++fast_calls;
    Target<Fn>(target)(FromV8<A>(a)...);
  }
  template <size_t... I>
  static void CallSlow(const FunctionCallbackInfo<Value>& info, Local<Context> c, double target, std::index_sequence<I...>) {
    Target<Fn>(target)(Arg<A>::FromValue(info[I + 1], c)...);
  }
  static void Slow(const FunctionCallbackInfo<Value>& info) {
    ++slow_calls;
    Local<Context> c = info.GetIsolate()->GetCurrentContext();
    double target = info[0]->NumberValue(c).FromMaybe(0);
    CallSlow(info, c, target, std::index_sequence_for<A...>());
  }
  static const ffi_kit_abi::FunctionInfo& Info() {
    static const ffi_kit_abi::TypeInfo args[] = {ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kV8Value),
                                                 ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kFloat64),
                                                 ffi_kit_abi::TypeInfo(Arg<A>::kType)...};
    static const ffi_kit_abi::FunctionInfo info(ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kVoid), 2 + sizeof...(A), args);
    return info;
  }
};

constexpr int kMaxArity = 3;

template <typename R, typename... A>
static Local<v8::Function> Build(Isolate* isolate, Local<Context> context) {
  using E = Entry<R, A...>;
  static const v8::CFunction fast(reinterpret_cast<const void*>(&E::Fast), ffi_kit_abi::AsV8(&E::Info()));
  Local<FunctionTemplate> t = FunctionTemplate::New(isolate, E::Slow, Local<Value>(), v8::Local<v8::Signature>(),
                                                    1 + sizeof...(A), v8::ConstructorBehavior::kThrow,
                                                    v8::SideEffectType::kHasSideEffect, &fast);
  return t->GetFunction(context).ToLocalChecked();
}

// Walks the argument codes ("i" int32, "u" uint32, "f" float, "d" double, "p" address as a number, "q" 64-bit
// integer as a safe-integer double) to the matching instantiation.
template <typename R, typename... A>
static Local<v8::Function> Pick(Isolate* isolate, Local<Context> context, const char* codes) {
  if (*codes == 0) return Build<R, A...>(isolate, context);
  if constexpr (sizeof...(A) < kMaxArity) {
    switch (*codes) {
      case 'i': return Pick<R, A..., int32_t>(isolate, context, codes + 1);
      case 'u': return Pick<R, A..., uint32_t>(isolate, context, codes + 1);
      case 'f': return Pick<R, A..., float>(isolate, context, codes + 1);
      case 'd': return Pick<R, A..., double>(isolate, context, codes + 1);
      case 'p': return Pick<R, A..., void*>(isolate, context, codes + 1);
      case 'q': return Pick<R, A..., int64_t>(isolate, context, codes + 1);
      default: break;
    }
  }
  return Local<v8::Function>();
}

static Local<v8::Function> PickReturn(Isolate* isolate, Local<Context> context, char ret, const char* codes) {
  switch (ret) {
    case 'v': return Pick<void>(isolate, context, codes);
    case 'b': return Pick<bool>(isolate, context, codes);
    case 'c': return Pick<int8_t>(isolate, context, codes);
    case 'C': return Pick<uint8_t>(isolate, context, codes);
    case 's': return Pick<int16_t>(isolate, context, codes);
    case 'S': return Pick<uint16_t>(isolate, context, codes);
    case 'i': return Pick<int32_t>(isolate, context, codes);
    case 'u': return Pick<uint32_t>(isolate, context, codes);
    case 'f': return Pick<float>(isolate, context, codes);
    case 'd': return Pick<double>(isolate, context, codes);
#ifdef FFI_KIT_BIGINT_RETURNS
    case 'l': return Pick<int64_t>(isolate, context, codes);
    case 'L': return Pick<uint64_t>(isolate, context, codes);
#else
    case 'm': return Pick<SignedSlot>(isolate, context, codes);
    case 'M': return Pick<UnsignedSlot>(isolate, context, codes);
#endif
    case 'n': return Pick<SignedSafe>(isolate, context, codes);
    case 'N': return Pick<UnsignedSafe>(isolate, context, codes);
    default: return Local<v8::Function>();
  }
}

// entry(...codes): Function | undefined. The codes are character codes: the return type, then the argument types
// ("iii" is int32_t(int32_t, int32_t)). undefined for a shape the engine does not have.
static void MakeEntry(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  if (!layout_ok) return;
  if (info.Length() < 1 || info.Length() > kMaxArity + 1) return;
  char shape[kMaxArity + 2] = {0};
  for (int i = 0; i < info.Length(); i++) {
    if (!info[i]->IsInt32()) return;
    int32_t code = info[i].As<v8::Int32>()->Value();
    if (code <= 0 || code > 127) return;
    shape[i] = static_cast<char>(code);
  }
  Local<v8::Function> fn = PickReturn(isolate, context, shape[0], shape + 1);
  if (!fn.IsEmpty()) info.GetReturnValue().Set(fn);
}

static void Counters(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<v8::Array> a = v8::Array::New(isolate, 2);
  Local<Context> c = isolate->GetCurrentContext();
  a->Set(c, 0, v8::Number::New(isolate, static_cast<double>(fast_calls))).Check();
  a->Set(c, 1, v8::Number::New(isolate, static_cast<double>(slow_calls))).Check();
  info.GetReturnValue().Set(a);
}

// Whether V8's own code sees the declared layout: its exported constructor stored the return type, the argument
// count and the argument array where the declarations put them, and its exported ArgumentInfo() strides the
// array by the declared size. When not, the addon serves no entries (core then uses koffi).
static bool LayoutMatches() {
#if !((V8_MAJOR_VERSION == 11 && V8_MINOR_VERSION >= 3) || V8_MAJOR_VERSION == 12 || V8_MAJOR_VERSION == 13 || \
      V8_MAJOR_VERSION == 14)
  // The type numbers are those of V8 11.3 to 14.x (Node 20 to 26): a V8 this engine was not tested on gets none.
  return false;
#endif
  static const ffi_kit_abi::TypeInfo args[] = {ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kV8Value),
                                               ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kFloat64),
                                               ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kInt32)};
  static const ffi_kit_abi::FunctionInfo info(ffi_kit_abi::TypeInfo(ffi_kit_abi::Type::kUint32), 3, args);
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&info);
  unsigned int count;
  const void* array;
  std::memcpy(&count, bytes + 4, sizeof count);
  std::memcpy(&array, bytes + 8, sizeof array);
  return bytes[0] == static_cast<unsigned char>(ffi_kit_abi::Type::kUint32) && count == 3 && array == args &&
         &info.ArgumentInfo(1) == &args[1] && &info.ArgumentInfo(2) == &args[2] &&
         info.ArgumentInfo(2).type() == ffi_kit_abi::Type::kInt32;
}

}  // namespace ffi_kit_fast

// Callback thunks (native/callback_thunks.cc): thunkOpen, thunkClose, thunkStats.
namespace ffi_kit_thunks {
#if defined(__GNUC__)
__attribute__((visibility("hidden")))
#endif
void Export(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> exports);
}

NODE_MODULE_INIT(/* exports, module, context */) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  auto set = [&](const char* name, v8::FunctionCallback fn) {
    exports
        ->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(),
              v8::FunctionTemplate::New(isolate, fn)->GetFunction(context).ToLocalChecked())
        .Check();
  };
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "layoutMatches").ToLocalChecked(),
            v8::Boolean::New(isolate, ffi_kit_fast::layout_ok = ffi_kit_fast::LayoutMatches()))
      .Check();
  set("entry", ffi_kit_fast::MakeEntry);
  set("counters", ffi_kit_fast::Counters);
  ffi_kit_thunks::Export(isolate, context, exports);
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "v8").ToLocalChecked(),
            v8::String::NewFromUtf8(isolate, V8_VERSION_STRING_FOR_FFI_KIT).ToLocalChecked())
      .Check();
  // The slot of 64-bit results that are not safe integers (see SlotRet): this thread's, over addon memory.
  {
    auto store = v8::ArrayBuffer::NewBackingStore(&ffi_kit_fast::slot, sizeof ffi_kit_fast::slot,
                                                  [](void*, size_t, void*) {}, nullptr);
    exports
        ->Set(context, v8::String::NewFromUtf8(isolate, "slot").ToLocalChecked(),
              v8::ArrayBuffer::New(isolate, std::move(store)))
        .Check();
  }
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "bigintReturns").ToLocalChecked(),
#ifdef FFI_KIT_BIGINT_RETURNS
            v8::True(isolate))
#else
            v8::False(isolate))
#endif
      .Check();
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, "maxArity").ToLocalChecked(),
            v8::Integer::New(isolate, ffi_kit_fast::kMaxArity))
      .Check();
}
