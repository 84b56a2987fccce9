// Callback thunks: the C function pointers of core's JSCallbacks when the fast engine is loaded.
//
// A thunk is a fixed entry point in this addon's code that jumps through its own slot: while the JSCallback is open
// the slot holds koffi's trampoline (which runs the JavaScript function), and once it is closed, the address of a
// stub that returns zero. The jump keeps every argument register and the stack as the caller left them, so one thunk
// serves every signature, and the zero stub clears both integer and floating-point return registers, which is the
// zero value of every scalar return type (and harmless for void).
//
// So C calling the pointer of a closed JSCallback never runs JavaScript: closing a callback gives the fast engine
// back (see src/fast-engine.ts). A closed slot is never reused (C may still hold and call the old pointer, which
// must keep returning zero), so the table is a fixed budget of kThunks callbacks per process; past it, core hands
// out koffi's own trampoline, as without thunks.
//
// Slots are shared by every thread and every copy of core that loads this file: they are allocated with an atomic
// counter and written with atomic stores (a thread may be jumping through a slot while it changes).
#include <node.h>
#include <v8.h>

#include <atomic>
#include <cstdint>

#if defined(__GNUC__)
#define FFI_KIT_THUNKS_HIDDEN __attribute__((visibility("hidden")))
#else
#define FFI_KIT_THUNKS_HIDDEN
#endif

namespace ffi_kit_thunks {

#if defined(__x86_64__) && defined(__ELF__)
#define FFI_KIT_THUNKS 8192  // 16 bytes of code and 8 of data each: 192 KiB, paged in as used
#define FFI_KIT_THUNK_STRIDE 16
#define FFI_KIT_STR2(x) #x
#define FFI_KIT_STR(x) FFI_KIT_STR2(x)
constexpr uint32_t kThunks = FFI_KIT_THUNKS;

extern "C" {
// Read by the thunks' code (RIP-relative, so hidden: it must not be preempted by another object's symbol).
__attribute__((visibility("hidden"))) void* ffi_kit_thunk_slots[FFI_KIT_THUNKS];
__attribute__((visibility("hidden"))) extern const unsigned char ffi_kit_thunk_table[];
__attribute__((visibility("hidden"))) void ffi_kit_thunk_zero();
}

// Thunk i: `endbr64` (a landing pad for indirect branches when CET is on, a no-op otherwise), then
// `jmp *ffi_kit_thunk_slots[i]`, padded with int3 to 16 bytes. The zero stub follows the table.
asm(R"(
  .pushsection .text.ffi_kit_thunks,"ax",@progbits
  .balign 16
  .globl ffi_kit_thunk_table
  .hidden ffi_kit_thunk_table
  .type ffi_kit_thunk_table, @function
ffi_kit_thunk_table:
  .set ffi_kit_thunk_i, 0
  .rept )" FFI_KIT_STR(FFI_KIT_THUNKS) R"(
  endbr64
  jmp *ffi_kit_thunk_slots + 8 * ffi_kit_thunk_i(%rip)
  .balign )" FFI_KIT_STR(FFI_KIT_THUNK_STRIDE) R"(, 0xcc
  .set ffi_kit_thunk_i, ffi_kit_thunk_i + 1
  .endr
  .size ffi_kit_thunk_table, . - ffi_kit_thunk_table
  .globl ffi_kit_thunk_zero
  .hidden ffi_kit_thunk_zero
  .type ffi_kit_thunk_zero, @function
ffi_kit_thunk_zero:
  endbr64
  xorl %eax, %eax
  xorl %edx, %edx
  pxor %xmm0, %xmm0
  pxor %xmm1, %xmm1
  ret
  .size ffi_kit_thunk_zero, . - ffi_kit_thunk_zero
  .popsection
)");

static std::atomic<uint32_t> next_slot{0};

static uintptr_t TableStart() { return reinterpret_cast<uintptr_t>(ffi_kit_thunk_table); }
static void* Zero() { return reinterpret_cast<void*>(&ffi_kit_thunk_zero); }

static void InitSlots() {
  // Every slot starts at the zero stub, so that no thunk ever jumps to address 0.
  static const bool done = [] {
    for (uint32_t i = 0; i < kThunks; i++) __atomic_store_n(&ffi_kit_thunk_slots[i], Zero(), __ATOMIC_RELEASE);
    return true;
  }();
  (void)done;
}
#else
constexpr uint32_t kThunks = 0;  // no thunks on this platform: core hands out koffi's trampolines
static void InitSlots() {}
#endif

using v8::FunctionCallbackInfo;
using v8::Value;

// A non-zero address below 2^53 (what core passes), or 0.
static uintptr_t AddressArg(const FunctionCallbackInfo<Value>& info) {
  if (info.Length() < 1 || !info[0]->IsNumber()) return 0;
  double d = info[0].As<v8::Number>()->Value();
  if (!(d > 0 && d < 9007199254740992.0) || d != static_cast<double>(static_cast<uint64_t>(d))) return 0;
  return static_cast<uintptr_t>(d);
}

// thunkOpen(target): the address of a fresh thunk that jumps to `target`, or undefined when the table is used up.
static void Open(const FunctionCallbackInfo<Value>& info) {
  uintptr_t target = AddressArg(info);
  if (target == 0) return;
#if FFI_KIT_THUNKS
  uint32_t i = next_slot.load(std::memory_order_relaxed);
  do {
    if (i >= kThunks) return;
  } while (!next_slot.compare_exchange_weak(i, i + 1, std::memory_order_relaxed));
  __atomic_store_n(&ffi_kit_thunk_slots[i], reinterpret_cast<void*>(target), __ATOMIC_RELEASE);
  info.GetReturnValue().Set(static_cast<double>(TableStart() + static_cast<uintptr_t>(i) * FFI_KIT_THUNK_STRIDE));
#endif
}

// thunkClose(address): points an open thunk at the zero stub for good; returns whether `address` was an open thunk.
static void Close(const FunctionCallbackInfo<Value>& info) {
  bool closed = false;
#if FFI_KIT_THUNKS
  uintptr_t a = AddressArg(info);
  uintptr_t start = TableStart();
  if (a >= start && (a - start) % FFI_KIT_THUNK_STRIDE == 0) {
    uintptr_t i = (a - start) / FFI_KIT_THUNK_STRIDE;
    if (i < next_slot.load(std::memory_order_relaxed)) {
      void* old = __atomic_exchange_n(&ffi_kit_thunk_slots[i], Zero(), __ATOMIC_ACQ_REL);
      closed = old != Zero();
    }
  }
#endif
  info.GetReturnValue().Set(closed);
}

// thunkStats(): [thunks handed out so far, table size].
static void Stats(const FunctionCallbackInfo<Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> c = isolate->GetCurrentContext();
  v8::Local<v8::Array> a = v8::Array::New(isolate, 2);
#if FFI_KIT_THUNKS
  uint32_t used = next_slot.load(std::memory_order_relaxed);
#else
  uint32_t used = 0;
#endif
  a->Set(c, 0, v8::Number::New(isolate, used)).Check();
  a->Set(c, 1, v8::Number::New(isolate, kThunks)).Check();
  info.GetReturnValue().Set(a);
}

// Adds thunkOpen, thunkClose and thunkStats to the addon's exports.
FFI_KIT_THUNKS_HIDDEN void Export(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> exports) {
  InitSlots();
  auto set = [&](const char* name, v8::FunctionCallback fn) {
    exports
        ->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(),
              v8::FunctionTemplate::New(isolate, fn)->GetFunction(context).ToLocalChecked())
        .Check();
  };
  set("thunkOpen", Open);
  set("thunkClose", Close);
  set("thunkStats", Stats);
}

}  // namespace ffi_kit_thunks
