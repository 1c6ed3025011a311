/**
 * The seccomp filter bwrap loads with --seccomp (see bwrap.ts for why): new user namespaces are refused.
 * Assembled here as classic BPF: the program is fourteen instructions, and it is the security boundary for
 * namespaces, so every instruction is in sight.
 */

/** The descriptor bwrap reads the seccomp filter from (the first after stdio). */
export const SECCOMP_FD = 3;

/** Linux audit architecture and syscall numbers per Node architecture; others get no filter. */
const SYSCALLS: Record<string, { audit: number; clone: number; clone3: number; unshare: number; setns: number; x32Bit: boolean }> = {
  x64: { audit: 0xc000003e, clone: 56, clone3: 435, unshare: 272, setns: 308, x32Bit: true },
  arm64: { audit: 0xc00000b7, clone: 220, clone3: 435, unshare: 97, setns: 268, x32Bit: false },
};
const CLONE_NEWUSER = 0x10000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (args[0]'s low word at 16
// on little-endian machines, which both supported architectures are).
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16;

/**
 * The classic-BPF seccomp program bwrap loads with --seccomp: an array of struct sock_filter (u16 code,
 * u8 jt, u8 jf, u32 k), native byte order. Null for an architecture it does not know.
 */
export function namespaceFilter(arch: string = process.arch): Buffer | null {
  const sc = SYSCALLS[arch];
  if (!sc) return null;
  type Ins = { code: number; k: number; jt?: string; jf?: string; label?: string };
  const prog: Ins[] = [
    { code: LD_W_ABS, k: OFF_ARCH },
    // Another ABI (i386 through int 0x80) numbers its syscalls differently: refuse all of them.
    { code: JEQ_K, k: sc.audit, jf: 'enosys' },
    { code: LD_W_ABS, k: OFF_NR },
    // x32 calls carry the x86_64 audit arch with bit 30 set on the number.
    ...(sc.x32Bit ? [{ code: JGE_K, k: 0x40000000, jt: 'enosys' }] : []),
    { code: JEQ_K, k: sc.clone, jt: 'flags' },
    { code: JEQ_K, k: sc.unshare, jt: 'flags' },
    { code: JEQ_K, k: sc.setns, jt: 'eperm' },
    // clone3's flags are in memory the filter cannot read; C libraries fall back to clone() on ENOSYS.
    { code: JEQ_K, k: sc.clone3, jt: 'enosys' },
    { code: RET_K, k: SECCOMP_RET_ALLOW },
    { label: 'flags', code: LD_W_ABS, k: OFF_ARG0_LO },
    { code: JSET_K, k: CLONE_NEWUSER, jt: 'eperm' },
    { code: RET_K, k: SECCOMP_RET_ALLOW },
    { label: 'eperm', code: RET_K, k: SECCOMP_RET_ERRNO | EPERM },
    { label: 'enosys', code: RET_K, k: SECCOMP_RET_ERRNO | ENOSYS },
  ];
  const at = new Map(prog.flatMap((ins, i) => (ins.label ? [[ins.label, i] as const] : [])));
  const jump = (from: number, label: string | undefined) => {
    if (label === undefined) return 0;
    const to = at.get(label);
    if (to === undefined || to <= from) throw new Error(`bad seccomp jump to ${label}`);
    return to - from - 1;
  };
  // Both supported architectures are little-endian.
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((ins, i) => {
    const o = i * 8;
    out.writeUInt16LE(ins.code, o);
    out[o + 2] = jump(i, ins.jt);
    out[o + 3] = jump(i, ins.jf);
    out.writeUInt32LE(ins.k >>> 0, o + 4);
  });
  return out;
}
