#!/usr/bin/env python3
"""A markdown table from the JSON bench/rounds.py wrote.

    table.py ROUNDS.json [UNIT]      UNIT: ms (default) or s

One row per command: the median over the rounds of each round's median, the min and
max of those, and the ratio of its median to the first command's (portdex).
"""
import json
import sys

data = json.load(open(sys.argv[1]))
unit = sys.argv[2] if len(sys.argv) > 2 else "ms"
scale = 1000 if unit == "s" else 1
digits = 3 if unit == "s" else 2
print(f"{data['rounds']} rounds of {data['runs_per_round']} run(s) each, the commands' order rotated every round.")
print()
print(f"| command | median [{unit}] | min [{unit}] | max [{unit}] | ratio of medians |")
print("|:---|---:|---:|---:|---:|")
for r in data["results"]:
    f = lambda v: f"{v / scale:.{digits}f}"
    print(f"| `{r['label']}` | {f(r['median_ms'])} | {f(r['min_ms'])} | {f(r['max_ms'])} | {r['ratio_to_first']:.2f} |")
