// The part of V8's Fast API the engine uses, declared by ffi-kit: Node ships V8's headers for addons without the
// fast-call header. Only what the engine needs is declared: CTypeInfo (type, sequence type and flags up to V8 13;
// type and flags from V8 14), CFunctionInfo (built by V8's exported constructor) and CFunction (likewise). The
// addon checks the layout against the running V8 when it loads (see LayoutMatches() in fast_engine.cc) and
// refuses to serve entries when it differs. The entry types
// used are plain scalars; the receiver is declared as a V8 value. The tests check that V8 really takes these
// entries (the addon counts fast and slow calls) on every supported Node major.
#ifndef FFI_KIT_FAST_API_ABI_H_
#define FFI_KIT_FAST_API_ABI_H_

#include <v8.h>
#include <v8-version.h>

#include <cstdint>

#if V8_MAJOR_VERSION < 11 || (V8_MAJOR_VERSION == 11 && V8_MINOR_VERSION < 3)
#error "ffi-kit's fast engine needs V8 11.3 or later (Node 20 or later)"
#endif

#define FFI_KIT_STR2(x) #x
#define FFI_KIT_STR(x) FFI_KIT_STR2(x)
#define V8_VERSION_STRING_FOR_FFI_KIT FFI_KIT_STR(V8_MAJOR_VERSION) "." FFI_KIT_STR(V8_MINOR_VERSION)

namespace v8 {

class CTypeInfo {
 public:
  // The values V8 11.3 to 14.x give the scalar types (the order has only grown at the end since 11.x).
  enum class Type : uint8_t {
    kVoid = 0,
    kBool = 1,
    kUint8 = 2,
    kInt32 = 3,
    kUint32 = 4,
    kInt64 = 5,
    kUint64 = 6,
    kFloat32 = 7,
    kFloat64 = 8,
    kPointer = 9,
    kV8Value = 10,
  };
#if V8_MAJOR_VERSION >= 14
  explicit constexpr CTypeInfo(Type type) : type_(type), flags_(0) {}
#else
  explicit constexpr CTypeInfo(Type type) : type_(type), sequence_type_(0), flags_(0) {}
#endif
  Type type() const { return type_; }

 private:
  Type type_;
#if V8_MAJOR_VERSION < 14
  uint8_t sequence_type_;
#endif
  uint8_t flags_;
};

class V8_EXPORT CFunctionInfo {
 public:
#if V8_MAJOR_VERSION >= 12
  enum class Int64Representation : uint8_t { kNumber = 0, kBigInt = 1 };
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info,
                Int64Representation repr = Int64Representation::kNumber);
#else
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info);
#endif
  // Exported by V8 (not inline): used to check the layout at load time.
  const CTypeInfo& ArgumentInfo(unsigned int index) const;

 private:
  // Storage for V8's fields (return type, 64-bit representation, argument count, argument types), which only
  // V8's own constructor and accessors touch.
  const CTypeInfo return_info_;
  const uint8_t repr_or_padding_ = 0;
  const unsigned int arg_count_ = 0;
  const CTypeInfo* arg_info_ = nullptr;
};
static_assert(sizeof(CFunctionInfo) == 16, "CFunctionInfo is 16 bytes on 64-bit targets");

class V8_EXPORT CFunction {
 public:
  CFunction(const void* address, const CFunctionInfo* type_info);

 private:
  const void* address_;
  const CFunctionInfo* type_info_;
};

}  // namespace v8

namespace ffi_kit_abi {
using Type = v8::CTypeInfo::Type;
using TypeInfo = v8::CTypeInfo;
using FunctionInfo = v8::CFunctionInfo;
inline const v8::CFunctionInfo* AsV8(const FunctionInfo* info) { return info; }
}  // namespace ffi_kit_abi

#endif  // FFI_KIT_FAST_API_ABI_H_
