// How a callback's declared arguments are found in what a trampoline received (registers, stack slots) and
// normalized to the 64-bit words the JS side reads. FFIType numbers are those of packages/core/src/ffi-type.ts.
#pragma once
#include <cstdint>
#include <cstring>

#include "trampolines.h"

namespace ffikit {

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

inline Kind KindOf(int type) {
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

}  // namespace ffikit
