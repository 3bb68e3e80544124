//! Valgrind's client requests to callgrind, written out for x86-64 (what `callgrind.h`
//! expands to): the instruction-count bench switches counting on around the measured
//! calls only, and names each dump after its row. Outside valgrind each request is a
//! few no-op instructions that return the default.

/// `VG_USERREQ_TOOL_BASE('C', 'T')` and the callgrind requests that follow it.
const CALLGRIND_BASE: usize = (b'C' as usize) << 24 | (b'T' as usize) << 16;
const TOGGLE_COLLECT: usize = CALLGRIND_BASE + 2;
const DUMP_STATS_AT: usize = CALLGRIND_BASE + 3;
const START_INSTRUMENTATION: usize = CALLGRIND_BASE + 4;
/// Valgrind's core request `RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: usize = 0x1001;

/// One client request: the magic preamble (rotations of `rdi` by 128 bits in all, a no-op
/// on a real CPU), then `xchg rbx, rbx`; valgrind answers in `rdx`.
#[cfg(target_arch = "x86_64")]
fn client_request(default: usize, request: usize, arg1: usize) -> usize {
    let args: [usize; 6] = [request, arg1, 0, 0, 0, 0];
    let result;
    // SAFETY: the instructions only rotate `rdi` back to its value, exchange `rbx` with
    // itself, and read `args`; valgrind, when present, writes only `rdx`.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") default => result,
            in("rax") args.as_ptr(),
            inout("rdi") 0usize => _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
fn client_request(_default: usize, _request: usize, _arg1: usize) -> usize {
    panic!("the instruction-count bench issues valgrind client requests for x86-64 only");
}

/// True when the process runs under valgrind.
pub fn running_on_valgrind() -> bool {
    client_request(0, RUNNING_ON_VALGRIND, 0) != 0
}

/// Starts instrumenting (the run starts with `--instr-atstart=no`, so set-up runs fast).
pub fn start_instrumentation() {
    client_request(0, START_INSTRUMENTATION, 0);
}

/// Switches counting on or off (the run starts with `--collect-atstart=no`).
pub fn toggle_collect() {
    client_request(0, TOGGLE_COLLECT, 0);
}

/// Writes what was counted since the last dump into a new dump file whose trigger line
/// names `row`, and starts counting from zero.
pub fn dump_stats_at(row: &str) {
    let name = std::ffi::CString::new(row).expect("row ids have no NUL");
    client_request(0, DUMP_STATS_AT, name.as_ptr() as usize);
}
