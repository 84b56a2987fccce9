// The N-API floor: the functions of test/fixtures/bench.c written as a hand-written node-addon-api addon, so the
// suite can show what a native call costs on Node without any FFI layer in between.
#include <napi.h>
#include <cstdint>
#include <ctime>

namespace {

Napi::Value Noop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

Napi::Value AddI32(const Napi::CallbackInfo& info) {
  int32_t a = info[0].As<Napi::Number>().Int32Value();
  int32_t b = info[1].As<Napi::Number>().Int32Value();
  return Napi::Number::New(info.Env(), static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)));
}

Napi::Value AddF64(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), info[0].As<Napi::Number>().DoubleValue() + info[1].As<Napi::Number>().DoubleValue());
}

Napi::Value RetI64(const Napi::CallbackInfo& info) { return Napi::BigInt::New(info.Env(), static_cast<int64_t>(1234567890123LL)); }

Napi::Value SumBuf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "sumBuf(view, n): argument 1 must be a TypedArray and argument 2 a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray view = info[0].As<Napi::TypedArray>();
  uint32_t n = info[1].As<Napi::Number>().Uint32Value();
  size_t length = view.ByteLength();
  if (n > length) n = static_cast<uint32_t>(length);
  const uint8_t* p = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += p[i];
  return Napi::Number::New(env, s);
}

Napi::Value GetHello(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), "hello, world"); }

Napi::Value CallCbN(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "callCbN(fn, n): argument 1 must be a function and argument 2 a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Function cb = info[0].As<Napi::Function>();
  int32_t n = info[1].As<Napi::Number>().Int32Value();
  int32_t s = 0;
  for (int32_t i = 0; i < n; i++) {
    Napi::Value r = cb.Call({Napi::Number::New(env, i)});
    if (env.IsExceptionPending()) return env.Undefined();
    s += r.ToNumber().Int32Value();
  }
  return Napi::Number::New(env, s);
}

// process.hrtime-compatible clock over this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): hrtime() gives
// [seconds, nanoseconds]; hrtime(previous) the difference. Time the thread spends descheduled does not count, which
// is what makes samples on a shared machine comparable.
Napi::Value ThreadCpuHrtime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    Napi::Error::New(env, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t ns = static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  if (info.Length() > 0 && info[0].IsArray()) {
    Napi::Array prev = info[0].As<Napi::Array>();
    Napi::Value s = prev.Get(0u), n = prev.Get(1u);
    if (!s.IsNumber() || !n.IsNumber()) {
      Napi::TypeError::New(env, "threadCpuHrtime(previous): argument 1 must be a [seconds, nanoseconds] array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    ns -= static_cast<int64_t>(s.As<Napi::Number>().DoubleValue()) * 1000000000LL + static_cast<int64_t>(n.As<Napi::Number>().DoubleValue());
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(ns / 1000000000LL)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(ns % 1000000000LL)));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("noop", Napi::Function::New(env, Noop, "noop"));
  exports.Set("addI32", Napi::Function::New(env, AddI32, "addI32"));
  exports.Set("addF64", Napi::Function::New(env, AddF64, "addF64"));
  exports.Set("retI64", Napi::Function::New(env, RetI64, "retI64"));
  exports.Set("sumBuf", Napi::Function::New(env, SumBuf, "sumBuf"));
  exports.Set("getHello", Napi::Function::New(env, GetHello, "getHello"));
  exports.Set("callCbN", Napi::Function::New(env, CallCbN, "callCbN"));
  exports.Set("threadCpuHrtime", Napi::Function::New(env, ThreadCpuHrtime, "threadCpuHrtime"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ffi_kit_bench_floor, Init)
