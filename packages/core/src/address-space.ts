import { readFileSync } from "node:fs";

/**
 * The rules for what a pointer can be: one place, used by every reader of native memory in ffi-kit.
 *
 * A user-space address is at least {@link MIN_VALID_ADDRESS} (the first page is never mapped) and below
 * {@link USER_ADDRESS_LIMIT}, the end of the user half of this machine's virtual address space. Anything else is a
 * non-canonical or kernel-half address: dereferencing it crashes the process, so ffi-kit refuses it.
 */

/** Addresses below this are never valid memory: reading them would crash the process. */
export const MIN_VALID_ADDRESS = 4096;

function detectUserAddressLimit(): number {
  if (process.platform === "linux" || process.platform === "darwin" || process.platform === "freebsd") {
    if (process.arch === "x64") {
      // 4-level paging: 47-bit user space. With 5-level paging (la57) the kernel can map up to 2^56.
      if (process.platform === "linux") {
        try {
          if (/^flags\s*:.*\bla57\b/m.test(readFileSync("/proc/cpuinfo", "latin1"))) return 2 ** 56;
        } catch {
          return 2 ** 56; // cannot tell: allow the larger canonical range
        }
      }
      return 2 ** 47;
    }
    // AArch64: 48-bit VA by default; 52-bit VA kernels hand out higher addresses only to mmap hints above 2^48.
    if (process.arch === "arm64") return 2 ** 52;
  }
  // Elsewhere: everything a double can hold exactly.
  return 2 ** 53;
}

/** One past the highest user-space address on this machine (2^47 on x86-64 with 4-level paging). */
export const USER_ADDRESS_LIMIT: number = detectUserAddressLimit();

/** {@link USER_ADDRESS_LIMIT} as a bigint, for checks of bigint pointers. */
export const USER_ADDRESS_LIMIT_BIGINT: bigint = BigInt(USER_ADDRESS_LIMIT);

/** True when `address` is an integer that can be a user-space address on this machine. */
export function isUserAddress(address: number): boolean {
  return address >= MIN_VALID_ADDRESS && address < USER_ADDRESS_LIMIT && Math.trunc(address) === address;
}
