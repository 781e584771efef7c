#!/usr/bin/env python3
"""Times commands against each other in alternating rounds, with hyperfine.

    rounds.py OUT.json ROUNDS RUNS WARMUP LABEL=COMMAND [LABEL=COMMAND ...]

Each round runs hyperfine once over every command (RUNS runs each, no shell), the order
of the commands rotated from one round to the next, so that a drift of the machine
(another job starting, the CPU clocking down) falls on every command alike. A command's
figure for a round is the median of its RUNS times; over the rounds this prints and
writes the median, min and max of those figures, and the ratio of each command's median
to the first command's. The first command is portdex, the rest are its peers.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def main() -> None:
    out, rounds, runs, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    labels, commands = [], []
    for arg in sys.argv[5:]:
        label, _, command = arg.partition("=")
        labels.append(label)
        commands.append(command)
    per_round = {label: [] for label in labels}
    order = list(range(len(commands)))
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            this = order[r % len(order):] + order[: r % len(order)]
            path = os.path.join(tmp, f"{r}.json")
            subprocess.run(
                ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                 "--export-json", path]
                + [commands[i] for i in this],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            results = json.load(open(path))["results"]
            for i, res in zip(this, results):
                per_round[labels[i]].append(statistics.median(res["times"]) * 1000)
            sys.stderr.write(f"\r  round {r + 1}/{rounds}")
        sys.stderr.write("\n")
    summary = []
    base = statistics.median(per_round[labels[0]])
    for label, command in zip(labels, commands):
        ms = per_round[label]
        med = statistics.median(ms)
        summary.append({
            "label": label,
            "command": command,
            "median_ms": med,
            "min_ms": min(ms),
            "max_ms": max(ms),
            "ratio_to_first": med / base,
            "rounds_ms": ms,
        })
    json.dump({"rounds": rounds, "runs_per_round": runs, "results": summary}, open(out, "w"), indent=1)
    for s in summary:
        print(f"{s['label']:40} median {s['median_ms']:9.2f} ms  min {s['min_ms']:9.2f}  max {s['max_ms']:9.2f}"
              f"  ratio {s['ratio_to_first']:.2f}")


if __name__ == "__main__":
    main()
