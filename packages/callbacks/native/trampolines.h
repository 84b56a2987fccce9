// Native entry points: a fixed pool of real functions (templates instantiated once per slot), four per slot, one
// per return class (void, integer register, double, float). Each receives every argument register of the C calling
// convention plus the first stack slots, so one function serves every signature: the integer-class arguments of a
// call arrive in the general registers (then on the stack), the floating-point ones in the vector registers, each
// class filled in order independently of the other (System V x86-64 and AArch64 both work this way). The slot's
// context knows where each declared argument lives and reads only those.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace ffikit {

#if defined(__x86_64__) && !defined(_WIN32)
#define FFIKIT_SUPPORTED 1
constexpr int kGpRegs = 6;
#define FFIKIT_GP_PARAMS uint64_t g0, uint64_t g1, uint64_t g2, uint64_t g3, uint64_t g4, uint64_t g5
#define FFIKIT_GP_LIST g0, g1, g2, g3, g4, g5
#define FFIKIT_GP_ARGS(f) f.gp[0], f.gp[1], f.gp[2], f.gp[3], f.gp[4], f.gp[5]
#elif defined(__aarch64__) && !defined(_WIN32) && !defined(__APPLE__)
#define FFIKIT_SUPPORTED 1
constexpr int kGpRegs = 8;
#define FFIKIT_GP_PARAMS uint64_t g0, uint64_t g1, uint64_t g2, uint64_t g3, uint64_t g4, uint64_t g5, uint64_t g6, uint64_t g7
#define FFIKIT_GP_LIST g0, g1, g2, g3, g4, g5, g6, g7
#define FFIKIT_GP_ARGS(f) f.gp[0], f.gp[1], f.gp[2], f.gp[3], f.gp[4], f.gp[5], f.gp[6], f.gp[7]
#else
#define FFIKIT_SUPPORTED 0
constexpr int kGpRegs = 6;
#define FFIKIT_GP_PARAMS uint64_t g0, uint64_t g1, uint64_t g2, uint64_t g3, uint64_t g4, uint64_t g5
#define FFIKIT_GP_LIST g0, g1, g2, g3, g4, g5
#define FFIKIT_GP_ARGS(f) f.gp[0], f.gp[1], f.gp[2], f.gp[3], f.gp[4], f.gp[5]
#endif
constexpr int kFpRegs = 8;
constexpr int kStackSlots = 8;
/** Slots in the pool: how many threadsafe callbacks can exist at once (closed ones are reused last). */
constexpr unsigned kPoolSize = 1024;

#define FFIKIT_PARAMS                                                                                             \
  FFIKIT_GP_PARAMS, double f0, double f1, double f2, double f3, double f4, double f5, double f6, double f7,     \
      uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3, uint64_t s4, uint64_t s5, uint64_t s6, uint64_t s7
#define FFIKIT_FRAME \
  Frame { {FFIKIT_GP_LIST}, {f0, f1, f2, f3, f4, f5, f6, f7}, { s0, s1, s2, s3, s4, s5, s6, s7 } }

/** Passes a Frame on to a function of the trampolines' shape: the same registers and stack slots. */
#define FFIKIT_FRAME_ARGS(f)                                                                                  \
  FFIKIT_GP_ARGS(f), f.fp[0], f.fp[1], f.fp[2], f.fp[3], f.fp[4], f.fp[5], f.fp[6], f.fp[7], f.stack[0],       \
      f.stack[1], f.stack[2], f.stack[3], f.stack[4], f.stack[5], f.stack[6], f.stack[7]

/** Everything a trampoline received, as raw words. */
struct Frame {
  uint64_t gp[kGpRegs];
  double fp[kFpRegs];
  uint64_t stack[kStackSlots];
};

/** The return classes of the pool. */
enum ReturnClass : int { kRetVoid = 0, kRetInt = 1, kRetDouble = 2, kRetFloat = 3 };

/** Implemented by the addon (dispatch.h): runs one call for pool slot `slot`; integer results returned, float ones in *fp. */
uint64_t Dispatch(unsigned slot, const Frame& frame, double* fp);

/** Whether this thread's caller library was pinned already (see PinCaller in dispatch.h). */
inline thread_local bool tCallerPinned = false;
void PinCaller(void* returnAddress);

/** First call on a thread: pin the library that called (one thread-local test per call afterwards). */
#define FFIKIT_PIN_CALLER() \
  if (__builtin_expect(!tCallerPinned, 0)) PinCaller(__builtin_return_address(0))

template <unsigned I>
void TrampolineVoid(FFIKIT_PARAMS) {
  FFIKIT_PIN_CALLER();
  double d;
  Dispatch(I, FFIKIT_FRAME, &d);
}
template <unsigned I>
uint64_t TrampolineInt(FFIKIT_PARAMS) {
  FFIKIT_PIN_CALLER();
  double d;
  return Dispatch(I, FFIKIT_FRAME, &d);
}
template <unsigned I>
double TrampolineDouble(FFIKIT_PARAMS) {
  FFIKIT_PIN_CALLER();
  double d = 0;
  Dispatch(I, FFIKIT_FRAME, &d);
  return d;
}
template <unsigned I>
float TrampolineFloat(FFIKIT_PARAMS) {
  FFIKIT_PIN_CALLER();
  double d = 0;
  Dispatch(I, FFIKIT_FRAME, &d);
  return static_cast<float>(d);
}

template <std::size_t... I>
std::array<std::array<void*, sizeof...(I)>, 4> MakeTrampolineTable(std::index_sequence<I...>) {
  return {{{reinterpret_cast<void*>(&TrampolineVoid<I>)...},
           {reinterpret_cast<void*>(&TrampolineInt<I>)...},
           {reinterpret_cast<void*>(&TrampolineDouble<I>)...},
           {reinterpret_cast<void*>(&TrampolineFloat<I>)...}}};
}

/** trampolineTable[returnClass][slot]: the address handed to C. */
inline const std::array<std::array<void*, kPoolSize>, 4>& TrampolineTable() {
  static const auto table = MakeTrampolineTable(std::make_index_sequence<kPoolSize>{});
  return table;
}

}  // namespace ffikit
