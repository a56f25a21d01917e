#!/usr/bin/env python3
"""Turns bench/run.sh's JSON lines into the issue-17 table: medians over rounds, the peer's CPU per operation beside
every throughput figure, Sockway's ratios to direct/nginx/HAProxy of the same run, and every target met or not.
usage: report.py results.jsonl fixed_rate label maxconn nofile"""
import json
import statistics
import sys

path, fixed_rate, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
maxconn, nofile = int(sys.argv[4]), int(sys.argv[5])
rows = [json.loads(line) for line in open(path) if line.strip()]
PEERS = ["direct", "nginx", "haproxy", "sockway", "sockway-epoll", "baseline"]
present = [p for p in PEERS if any(r["peer"] == p for r in rows)]
NAMES = {"direct": "direct", "nginx": "nginx", "haproxy": "HAProxy", "sockway": "Sockway", "sockway-epoll": "Sockway epoll", "baseline": "Sockway (baseline)"}


def median(case, peer, key):
    values = [r[key] for r in rows if r["case"] == case and r["peer"] == peer and r.get(key) is not None]
    return statistics.median(values) if values else None


def rounds(case, peer):
    return len([r for r in rows if r["case"] == case and r["peer"] == peer])


# (label, case, key, scale, higher is better, decimals)
FIGURES = [
    ("Echo msgs/s, 50 conns, 64 B, closed loop", "echo64", "msgs_per_s", 1, True, 0),
    ("  proxy CPU µs per echoed message (64 B)", "echo64", "cpu_us_per_msg", 1, False, 1),
    ("Echo msgs/s, 50 conns, 4 KiB, closed loop", "echo4k", "msgs_per_s", 1, True, 0),
    ("  proxy CPU µs per echoed message (4 KiB)", "echo4k", "cpu_us_per_msg", 1, False, 1),
    ("1 conn round trip p50, µs", "rt1", "p50_ms", 1000, False, 0),
    ("  1 conn msgs/s (closed loop)", "rt1", "msgs_per_s", 1, True, 0),
    ("  proxy CPU µs per message (1 conn)", "rt1", "cpu_us_per_msg", 1, False, 1),
    (f"Fixed {fixed_rate:,.0f} msgs/s over 50 conns: p99, ms", "fixed", "p99_ms", 1, False, 2),
    ("  fixed rate: p50, ms", "fixed", "p50_ms", 1, False, 2),
    ("  fixed rate: p99.9, ms", "fixed", "p999_ms", 1, False, 2),
    ("  proxy CPU µs per message (fixed rate)", "fixed", "cpu_us_per_msg", 1, False, 1),
    ("New WebSockets/s (connect, 1 echo, clean close; 16 workers)", "upgrades", "upgrades_per_s", 1, True, 0),
    ("  proxy CPU µs per upgrade", "upgrades", "cpu_us_per_upgrade", 1, False, 0),
    ("  new WebSockets/s after 30 s of warm-up (1 round)", "upgradeswarm", "upgrades_per_s", 1, True, 0),
    ("  proxy CPU µs per upgrade after 30 s of warm-up", "upgradeswarm", "cpu_us_per_upgrade", 1, False, 0),
    ("RSS per idle tunnel, KiB (slope over the steps): just opened", "idle", "kib_per_connection_opened", 1, False, 2),
    ("  same, after the hold (after Sockway's memory trim)", "idle", "kib_per_connection", 1, False, 2),
]


def fmt(value, decimals):
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}"


def value(case, peer, key, scale):
    v = median(case, peer, key)
    return None if v is None else v * scale


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


print(f"\n## Results ({label})\n")
print("Medians over the rounds; CPU is the peer's own (utime + stime of its processes over the measured window).\n")
# Ratios for Sockway and, when present, its epoll transport (against every other peer of the run, each other included).
subjects = [p for p in ("sockway", "sockway-epoll") if p in present]
columns = [NAMES[p] for p in present] + [f"{NAMES[x]}/{NAMES[p]}" for x in subjects for p in present if p != x]
print("| figure | " + " | ".join(columns) + " |")
print("|---|" + "---|" * len(columns))
for name, case, key, scale, higher, decimals in FIGURES:
    if not any(r["case"] == case for r in rows):
        continue
    values = {p: value(case, p, key, scale) for p in present}
    cells = [fmt(values[p], decimals) for p in present]
    cells += [fmt(ratio(values.get(x), values[p]), 2) for x in subjects for p in present if p != x]
    print(f"| {name} {'↑' if higher else '↓'} | " + " | ".join(cells) + " |")

round_counts = sorted({rounds(c, p) for c in ("echo64", "echo4k", "rt1", "fixed", "upgrades") for p in present if rounds(c, p)})
print(f"\nRounds per figure: {', '.join(map(str, round_counts)) or '—'}.")
for r in rows:
    if r["case"] == "fixed" and r.get("unanswered"):
        print(f"- fixed rate, {r['peer']} round {r['round']}: {r['unanswered']} of {r['sent']} messages never answered")
    if r["case"] == "upgrades" and r.get("failed"):
        print(f"- upgrades, {r['peer']} round {r['round']}: {r['failed']} failed")

# Scale curve: CPU per message over the number of connections.
scale_cases = [("rt1", 1), ("echo64", 50)] + sorted(
    {(r["case"], int(r["case"][5:])) for r in rows if r["case"].startswith("scale")}, key=lambda c: c[1])
if len(scale_cases) > 2:
    proxies = [p for p in present if p != "direct"]
    print("\nScale curve: proxy CPU µs per message (64 B echo, closed loop) by open connections; msgs/s in brackets\n")
    print("| connections | " + " | ".join(NAMES[p] for p in proxies) + " | Sockway/nginx | Sockway/HAProxy |")
    print("|---|" + "---|" * (len(proxies) + 2))
    for case, count in scale_cases:
        cpu = {p: median(case, p, "cpu_us_per_msg") for p in proxies}
        rate = {p: median(case, p, "msgs_per_s") for p in proxies}
        cells = [f"{fmt(cpu[p], 1)} ({fmt(rate[p], 0)})" for p in proxies]
        print(f"| {count:,} | " + " | ".join(cells) + f" | {fmt(ratio(cpu.get('sockway'), cpu.get('nginx')), 2)} | {fmt(ratio(cpu.get('sockway'), cpu.get('haproxy')), 2)} |")

# Idle tunnels: steps, the most one process holds, extrapolation.
idle = {r["peer"]: r for r in rows if r["case"] == "idle"}
if idle:
    print("\nIdle tunnels: count: RSS just opened / after the hold (KiB), per step\n")
    for peer, r in idle.items():
        steps = ", ".join(f"{c}: {o} / {h}" for c, o, h in (s.split(":") for s in r.get("steps", "").split()))
        print(f"- {NAMES[peer]}: process before any tunnel {r.get('base_kib')} KiB; {steps}")
    sw = idle.get("sockway")
    if sw:
        print(f"\nMost tunnels one Sockway process held here: {sw.get('max_held'):,} (asked for {maxconn:,}; descriptor limit {nofile:,}, "
              f"two per tunnel){'; stopped by: ' + sw['stopped_by'] if sw.get('stopped_by') else ''}.")
        slope = sw.get("kib_per_connection")
        if slope:
            steps = [s.split(":") for s in sw.get("steps", "").split()]
            last_count, last_rss = int(steps[-1][0]), int(steps[-1][2])
            for n in (100_000, 1_000_000):
                est = last_rss + (n - last_count) * slope
                print(f"- Estimate (extrapolated from the slope, not measured): {n:,} idle tunnels ≈ {est / 1024 / 1024:.2f} GiB RSS, "
                      f"{2 * n + 200:,} descriptors (nofile ≥ {2 * n + 200:,} needed on that node).")
pauses = [r["pause_ms"] for r in rows if r["case"] == "trim" and r["peer"] == "sockway"]
print(f"\nMemory trim pauses (Sockway's log, whole run): {', '.join(f'{p:g} ms' for p in pauses) if pauses else 'none ran'}.")
epoll_pauses = [r["pause_ms"] for r in rows if r["case"] == "trim" and r["peer"] == "sockway-epoll"]
if "sockway-epoll" in present:
    print(f"Memory trim pauses (Sockway epoll): {', '.join(f'{p:g} ms' for p in epoll_pauses) if epoll_pauses else 'none ran'}.")
    if "sockway-epoll" in idle:
        r = idle["sockway-epoll"]
        print(f"Sockway epoll: most tunnels held {r.get('max_held'):,}; RSS per idle tunnel {r.get('kib_per_connection_opened')} KiB just opened, {r.get('kib_per_connection')} KiB after the hold.")
churn = [r for r in rows if r["case"] == "churn"]
for r in churn:
    print(f"Churn (route file rewritten every 500 ms): {r['sessions']} sessions, {r['abnormal']} abnormal closes, {r['config_changes']} config changes.")

# Targets (issue 17), each with its ratio.
def target(text, measured, limit, higher):
    if measured is None:
        print(f"- NOT MEASURED: {text}")
        return
    ok = measured >= limit if higher else measured <= limit
    print(f"- {'MET' if ok else 'NOT MET'}: {text} ({measured:.2f}, target {'≥' if higher else '≤'} {limit:g})")


n, h = "nginx", "haproxy"
for s in subjects or ["sockway"]:
    print(f"\nTargets ({NAMES[s]}):")
    pauses = [r["pause_ms"] for r in rows if r["case"] == "trim" and r["peer"] == s]
    target(f"new WebSockets/s ≥ nginx's ({NAMES[s]}/nginx)", ratio(median("upgrades", s, "upgrades_per_s"), median("upgrades", n, "upgrades_per_s")), 1.0, True)
    target(f"CPU per upgrade ≤ 1.2× nginx's ({NAMES[s]}/nginx)", ratio(median("upgrades", s, "cpu_us_per_upgrade"), median("upgrades", n, "cpu_us_per_upgrade")), 1.2, False)
    target(f"the same two after 30 s of warm-up: new WebSockets/s ≥ nginx's ({NAMES[s]}/nginx)", ratio(median("upgradeswarm", s, "upgrades_per_s"), median("upgradeswarm", n, "upgrades_per_s")), 1.0, True)
    target(f"the same two after 30 s of warm-up: CPU per upgrade ≤ 1.2× nginx's ({NAMES[s]}/nginx)", ratio(median("upgradeswarm", s, "cpu_us_per_upgrade"), median("upgradeswarm", n, "cpu_us_per_upgrade")), 1.2, False)
    for case, size in (("echo64", "64 B"), ("echo4k", "4 KiB")):
        target(f"echo msgs/s ≥ 1.05× nginx, {size} ({NAMES[s]}/nginx)", ratio(median(case, s, "msgs_per_s"), median(case, n, "msgs_per_s")), 1.05, True)
        target(f"echo msgs/s ≥ 1.0× HAProxy, {size} ({NAMES[s]}/HAProxy)", ratio(median(case, s, "msgs_per_s"), median(case, h, "msgs_per_s")), 1.0, True)
        target(f"CPU per message ≤ nginx's, {size} ({NAMES[s]}/nginx)", ratio(median(case, s, "cpu_us_per_msg"), median(case, n, "cpu_us_per_msg")), 1.0, False)
    target(f"fixed-rate p99 ≤ nginx's ({NAMES[s]}/nginx)", ratio(median("fixed", s, "p99_ms"), median("fixed", n, "p99_ms")), 1.0, False)
    target("≤ 4 KiB RSS per idle tunnel up to 9,000 tunnels, after the hold (KiB, slope)", median("idle", s, "kib_per_connection"), 4.0, False)
    target("memory trim pause ≤ 20 ms (longest, ms; none ran counts as met)", max(pauses) if pauses else (0.0 if s in idle else None), 20, False)
