// A seccomp filter for sandboxed programs (bwrap --seccomp FD): no new user
// namespaces. In one, an unprivileged program is "root" over namespaces of its
// own: it gains nothing outside, but reaches much more of the kernel (mounts,
// netfilter, ...), where most local privilege escalations start. Flatpak
// blocks them the same way. Everything else is allowed.
//
// A classic BPF program, written out here (8 bytes an instruction) rather
// than pulled in from libseccomp: it is a dozen instructions.
//   unshare(flags) and clone(flags, ...) with CLONE_NEWUSER  → EPERM
//   clone3(...)  → ENOSYS (its flags sit in memory a filter cannot read; libc falls back to clone)
import os from 'node:os';

const CLONE_NEWUSER = 0x10000000;
const EPERM = 1;
const ENOSYS = 38;

/** Syscall numbers per architecture (seccomp_data.arch). */
const ARCHES: Record<string, { audit: number; unshare: number; clone: number; clone3: number }> = {
  x64: { audit: 0xc000003e, unshare: 272, clone: 56, clone3: 435 },
  arm64: { audit: 0xc00000b7, unshare: 97, clone: 220, clone3: 435 },
};

// Opcodes (linux/bpf_common.h) and return values (linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JSET_K = 0x45;
const JGE_K = 0x35;
const RET_K = 0x06;
const ALLOW = 0x7fff0000;
const errno = (e: number) => 0x00050000 | e;

// Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[0] (its low 32 bits: little-endian).
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;
const X32_BIT = 0x40000000;

type Insn = [code: number, jt: number, jf: number, k: number];

/** The filter for this machine's architecture, or undefined where it has none (then nothing is filtered). */
export function noUserNamespacesFilter(arch = os.arch()): Buffer | undefined {
  const a = ARCHES[arch];
  if (!a || os.endianness() !== 'LE') return undefined;
  // Jumps count instructions skipped: jt/jf = target - (this + 1).
  const prog: Insn[] = [
    /*  0 */ [LD_W_ABS, 0, 0, ARCH],
    /*  1 */ [JEQ_K, 1, 0, a.audit],
    /*  2 */ [RET_K, 0, 0, errno(ENOSYS)], // another ABI (i386 on x86-64): its numbers differ, refuse it
    /*  3 */ [LD_W_ABS, 0, 0, NR],
    /*  4 */ [JGE_K, 6, 0, X32_BIT], // x32 numbers alias the ones below: refused → 11
    /*  5 */ [JEQ_K, 5, 0, a.clone3], // → 11
    /*  6 */ [JEQ_K, 1, 0, a.unshare], // → 8
    /*  7 */ [JEQ_K, 0, 4, a.clone], // → 8, else → 12
    /*  8 */ [LD_W_ABS, 0, 0, ARG0_LOW],
    /*  9 */ [JSET_K, 3, 0, CLONE_NEWUSER], // → 13
    /* 10 */ [RET_K, 0, 0, ALLOW],
    /* 11 */ [RET_K, 0, 0, errno(ENOSYS)],
    /* 12 */ [RET_K, 0, 0, ALLOW],
    /* 13 */ [RET_K, 0, 0, errno(EPERM)],
  ];
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
