#!/usr/bin/env python3
"""Turns bench/run.sh's JSON lines into the markdown table of docs/benchmarks.md, with Sockway's ratios."""
import json, sys

results = [json.loads(l) for l in open(sys.argv[1])]
rate, mode = sys.argv[2], sys.argv[3]
peers = ["direct", "nginx", "haproxy", "sockway"]

def pick(scenario, peer, key, mode_=None):
    for r in results:
        if r["scenario"] == scenario and r["peer"] == peer and (mode_ is None or r.get("mode") == mode_):
            return r.get(key)
    return None

def fmt(v):
    if v is None: return "—"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"

def ratio(a, b):
    return "—" if a is None or b in (None, 0) else f"{a / b:.2f}"

rows = [
    ("Echo throughput, msgs/s (closed loop, 50 conns, 512 B) ↑", "echo", "msgs_per_s", "closed"),
    ("Echo round trip p50, ms (closed loop) ↓", "echo", "p50_ms", "closed"),
    ("Echo round trip p99, ms (closed loop) ↓", "echo", "p99_ms", "closed"),
    (f"Fixed rate {rate} msgs/s (50% of nginx max): p50, ms ↓", "echo", "p50_ms", "fixed"),
    (f"Fixed rate {rate} msgs/s: p99, ms ↓", "echo", "p99_ms", "fixed"),
    (f"Fixed rate {rate} msgs/s: p99.9, ms ↓", "echo", "p999_ms", "fixed"),
    ("New connections/s (connect + clean close, 32 concurrent) ↑", "upgrades", "upgrades_per_s", None),
    ("Proxy RSS per idle connection, KiB ↓", "idle", "kib_per_connection", None),
    ("Idle connections held in the run", "idle", "held", None),
]
print(f"| figure ({mode} run) | direct | nginx | HAProxy | Sockway | Sockway/direct | Sockway/nginx | Sockway/HAProxy |")
print("|---|---|---|---|---|---|---|---|")
for title, scenario, key, m in rows:
    v = {p: pick(scenario, p, key, m) for p in peers}
    print(f"| {title} | {fmt(v['direct'])} | {fmt(v['nginx'])} | {fmt(v['haproxy'])} | {fmt(v['sockway'])} | "
          f"{ratio(v['sockway'], v['direct'])} | {ratio(v['sockway'], v['nginx'])} | {ratio(v['sockway'], v['haproxy'])} |")
# A fixed-rate message never answered would otherwise vanish from the percentiles; say so when it happens.
lost = {p: pick("echo", p, "unanswered", "fixed") for p in peers}
if any(lost.values()):
    print()
    print("Fixed rate, messages never answered: " + ", ".join(f"{p} {lost[p]}" for p in peers if lost[p] is not None) + ".")
churn = next((r for r in results if r["scenario"] == "churn"), None)
if churn:
    print()
    print(f"Churn (Sockway, route file rewritten every 500 ms): {churn['sessions']} sessions, {churn['abnormal']} abnormal closes, "
          f"{churn['config_changes']} config changes.")

def get(s, p, k, m=None): return pick(s, p, k, m) or 0
print()
print("Targets:")
t = [
    ("echo msgs/s ≥ nginx", get("echo", "sockway", "msgs_per_s", "closed") >= get("echo", "nginx", "msgs_per_s", "closed"),
     ratio(pick("echo", "sockway", "msgs_per_s", "closed"), pick("echo", "nginx", "msgs_per_s", "closed"))),
    ("echo msgs/s ≥ HAProxy", get("echo", "sockway", "msgs_per_s", "closed") >= get("echo", "haproxy", "msgs_per_s", "closed"),
     ratio(pick("echo", "sockway", "msgs_per_s", "closed"), pick("echo", "haproxy", "msgs_per_s", "closed"))),
    ("p99 at 50% of max rate ≤ nginx's", get("echo", "sockway", "p99_ms", "fixed") <= get("echo", "nginx", "p99_ms", "fixed"),
     ratio(pick("echo", "sockway", "p99_ms", "fixed"), pick("echo", "nginx", "p99_ms", "fixed"))),
    ("≤ 8 KiB gateway RSS per idle connection", 0 < get("idle", "sockway", "kib_per_connection") <= 8,
     f"{get('idle', 'sockway', 'kib_per_connection'):.2f} KiB"),
    ("100k idle connections held by one gateway", get("idle", "sockway", "held") >= 100000, f"{get('idle', 'sockway', 'held'):,.0f} held in this run"),
]
for name, met, figure in t:
    print(f"- {'MET' if met else 'NOT MET'}: {name} ({figure})")
