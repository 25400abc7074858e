#!/usr/bin/env python3
"""Where a .NET process's CPU went, from `perf record -g` and the runtime's perf map.

perf_shares.py PERF_DATA PERF_MAP [REGEX] prints the share of samples per thread kind, the share
spent in a few named stages (inclusive: the stage and everything it called), and the top
functions by inclusive share (those matching REGEX, if given). JIT frames are named from
PERF_MAP (/tmp/perf-PID.map, written with DOTNET_PerfMapEnabled=1)."""
import bisect, collections, re, subprocess, sys

STAGES = [
    ("thread-pool spinning (idle workers)", r"LowLevelSpinWaiter::Wait"),
    ("Push: parse the request", r"PushRequest::pb::Google\.Protobuf\.IBufferMessage\.InternalMergeFrom"),
    ("Push: validate the batch", r"TenantState::Validate\("),
    ("Push: SQLite append (fsync included)", r"SqliteRelayStore::AppendAsync|^fsync$"),
    ("Push: apply to the tenant state", r"TenantState::Apply\("),
    ("streams: OpStreamer (writes into Kestrel)", r"OpStreamer\+<RunAsync>d__\d+::MoveNext"),
    ("streams: serialize PullResponse", r"Wire\.Sync::__Helper_SerializeMessage"),
    ("streams: PullResponse.OfEncodedOp", r"PullResponse::OfEncodedOp"),
    ("pull from cursor 0: snapshots", r"TenantState::BeginStream|DocumentSet::ToSnapshotMessage"),
    ("kernel: sendto", r"__x64_sys_sendto"),
    ("kernel: page faults", r"^asm_exc_page_fault"),
    ("runtime (libcoreclr.so, self)", None),
    ("JIT (libclrjit.so, self)", None),
]


def load_map(path):
    rows = []
    with open(path) as f:
        for line in f:
            addr, size, name = line.rstrip("\n").split(" ", 2)
            rows.append((int(addr, 16), int(size, 16), re.sub(r"\[Optimized\]$", "", name)))
    rows.sort()
    return [r[0] for r in rows], rows


def samples(perf_data, starts, rows):
    """Yields (thread name, [frame names, innermost first])."""
    proc = subprocess.Popen(["perf", "script", "-i", perf_data, "-F", "comm,ip,sym,dso"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    comm, stack = None, []
    for raw in proc.stdout:
        if not raw.strip():
            if stack:
                yield comm, stack
            comm, stack = None, []
            continue
        if not raw[0].isspace():
            comm = raw.strip()
            continue
        parts = raw.strip().split(" ", 1)
        try:
            ip = int(parts[0], 16)
        except ValueError:
            continue
        rest = parts[1] if len(parts) > 1 else ""
        m = re.match(r"(.*) \((.*)\)$", rest)
        sym, dso = (m.group(1), m.group(2)) if m else (rest, "")
        i = bisect.bisect_right(starts, ip) - 1
        if i >= 0 and ip < rows[i][0] + rows[i][1]:
            sym = rows[i][2]
        elif sym.startswith("[unknown]") or re.match(r"^0x[0-9a-f]+$", sym) or not sym:
            sym = "?" + dso.rsplit("/", 1)[-1]
        stack.append(sym)
    if stack:
        yield comm, stack


def main():
    perf_data, perf_map = sys.argv[1], sys.argv[2]
    pattern = re.compile(sys.argv[3]) if len(sys.argv) > 3 else None
    starts, rows = load_map(perf_map)
    total = 0
    threads = collections.Counter()
    inclusive = collections.Counter()
    own = collections.Counter()
    stages = collections.Counter()
    for comm, stack in samples(perf_data, starts, rows):
        total += 1
        threads[re.sub(r"^:\d+$", "(unnamed)", comm or "?")] += 1
        own[stack[0]] += 1
        for name in set(stack):
            inclusive[name] += 1
        for label, regex in STAGES:
            if regex and any(re.search(regex, f) for f in stack):
                stages[label] += 1
        if stack[0] == "?libcoreclr.so":
            stages["runtime (libcoreclr.so, self)"] += 1
        if stack[0] == "?libclrjit.so":
            stages["JIT (libclrjit.so, self)"] += 1
    if total == 0:
        sys.exit("no samples")
    print(f"{total} samples")
    print("by thread:")
    for name, n in threads.most_common(8):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("by stage (inclusive; stages overlap where one calls another):")
    for label, _ in STAGES:
        print(f"  {100 * stages[label] / total:5.1f}%  {label}")
    print("top functions (inclusive, self):")
    shown = 0
    for name, n in inclusive.most_common():
        if pattern and not pattern.search(name):
            continue
        print(f"  {100 * n / total:5.1f}% {100 * own[name] / total:5.1f}%  {name[:160]}")
        shown += 1
        if shown == 40:
            break


if __name__ == "__main__":
    main()
