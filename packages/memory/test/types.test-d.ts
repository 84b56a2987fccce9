// Type-level tests: own() returns the view type asked for, always disposable.
import { describe, it, expectTypeOf } from "vitest";
import { own, withScope, MemoryScope, type OwnedView } from "@ffi-kit/memory";

declare const p: number;
declare const free: (address: number, byteLength: number) => void;

describe("own() types", () => {
  it("maps options.as to the view type", () => {
    expectTypeOf(own(p, 8, free)).toEqualTypeOf<Uint8Array<ArrayBuffer> & Disposable>();
    expectTypeOf(own(p, 8, free, { as: Float64Array })).toEqualTypeOf<Float64Array<ArrayBuffer> & Disposable>();
    expectTypeOf(own(p, 8, free, { as: Uint8ClampedArray })).toEqualTypeOf<Uint8ClampedArray<ArrayBuffer> & Disposable>();
    // DataView's generic constructor defeats expect-type's deep equality: check assignability both ways.
    const dv = own(p, 8, free, { as: DataView });
    expectTypeOf(dv).toExtend<DataView<ArrayBuffer> & Disposable>();
    expectTypeOf<DataView<ArrayBuffer> & Disposable>().toExtend<typeof dv>();
    expectTypeOf(own(p, 8, free, { as: "buffer" })).toEqualTypeOf<Buffer & Disposable>();
    expectTypeOf(own(p, 8, free, { as: "arraybuffer" })).toEqualTypeOf<ArrayBuffer & Disposable>();
    expectTypeOf<OwnedView<BigInt64ArrayConstructor>>().toEqualTypeOf<BigInt64Array<ArrayBuffer> & Disposable>();
  });

  it("accepts native pointers and rejects other free values", () => {
    expectTypeOf(own(p, 8, 4096)).toEqualTypeOf<Uint8Array<ArrayBuffer> & Disposable>();
    expectTypeOf(own(p, 8, 4096n, { context: 0 })).toEqualTypeOf<Uint8Array<ArrayBuffer> & Disposable>();
    // @ts-expect-error a string is not a free function
    own(p, 8, "free");
  });

  it("scopes pass the block's result through", () => {
    expectTypeOf(withScope(() => 5)).toEqualTypeOf<number>();
    expectTypeOf(withScope(async () => "x")).toEqualTypeOf<Promise<string>>();
    expectTypeOf(new MemoryScope().own(p, 8, free, { as: Int32Array })).toEqualTypeOf<Int32Array<ArrayBuffer> & Disposable>();
  });
});
