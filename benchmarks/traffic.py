"""Traffic percentiles: analytic against simulated, and what a percentile costs per point.

1. The issue 26 contract scenario (tests/fixtures/traffic_contract.yaml: LLaMA 3-70B fp8
   on H100, TP 4, a disaggregated pool of 4 prefill replicas, prompts lognormal with
   mean 2048) at prefill utilisation 0.3-0.9 and prompt CV 0-2: ``ttft_p50/p90/p99`` of
   the formulas against the numpy M/G/c simulation of tests/queue_sim.py, driven by
   the graph's own per-length service times (200,000 requests, the first 10 % dropped).
   Printed as a Markdown table (docs/traffic.md).
2. Per-point cost, each against a baseline measured in the same run: the fast
   evaluator (scalar calls and a 10^5-point grid over request_rate) for ``ttft_p99``
   against ``total_chips`` (the rest of the graph's answer to a request rate: Little's
   law through the max_batch solve, which ttft_p99 also reads) and ``tpot_p99`` against
   ``tpot``; ``calcgraph sweep`` of 10^5 request rates to CSV for ``--only ttft_p99``
   against ``--only total_chips``; the page's engine in node (``cg.evaluate`` limited
   to one quantity) for ``ttft_p99`` against ``total_chips``.
   Best of several rounds (the machine is shared).
Usage: ``python benchmarks/traffic.py [REQUESTS]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from queue_sim import compare  # noqa: E402

import calcgraph  # noqa: E402
from calcgraph.cli import main as cli  # noqa: E402

CONTRACT = ROOT / "tests" / "fixtures" / "traffic_contract.yaml"


def table(model, requests: int) -> None:
    """The analytic-against-simulated table (Markdown)."""
    service = model.value("prefill_service_time", "s")
    servers = model.value("queue_servers")
    print("| CV | utilisation | p50 analytic / simulated | p90 analytic / simulated | p99 analytic / simulated |")
    print("|---|---|---|---|---|")
    for cv in (0.0, 0.5, 1.0, 2.0):
        for utilisation in (0.3, 0.5, 0.8, 0.9):
            result = compare(model, utilisation * servers / service, cv, n=requests)
            cells = []
            for name in ("ttft_p50", "ttft_p90", "ttft_p99"):
                a, s = result["analytic"][name], result["simulated"][name]
                cells.append(f"{a:.3f} / {s:.3f} s ({a / s - 1:+.0%})")
            print(f"| {cv:g} | {utilisation:g} | " + " | ".join(cells) + " |")


def best_of(function, rounds: int = 5) -> float:
    """Best-of-``rounds`` seconds of ``function()``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def evaluator_costs(model) -> None:
    rates = np.linspace(1.0, 18.0, 100_000)
    scalars = rates[:2000].tolist()
    for base, name in (("total_chips", "ttft_p99"), ("tpot", "tpot_p99")):
        row = []
        for what in (base, name):
            speed = model.evaluator([what], ["request_rate"])
            one = best_of(lambda s=speed: [s(r) for r in scalars]) / len(scalars)
            grid = best_of(lambda s=speed: s(rates)) / len(rates)
            row.append((one, grid))
        (b1, bg), (n1, ng) = row
        print(f"fast evaluator, {name} against {base}: scalar {n1 * 1e6:.1f} us against {b1 * 1e6:.1f} us "
              f"({n1 / b1:.2f}x); 10^5-point grid {ng * 1e9:.0f} ns against {bg * 1e9:.0f} ns per point "
              f"({ng / bg:.2f}x)")


def sweep_costs() -> None:
    with tempfile.TemporaryDirectory() as folder:
        times = {}
        for name in ("total_chips", "ttft_p99"):
            def run(name=name):
                out = Path(folder) / f"{name}-{time.perf_counter_ns()}.csv"
                status = cli(["sweep", str(CONTRACT), "--vary", "request_rate=1:18:0.00017", "--only", name,
                              "--csv", str(out)])
                assert status == 0
            times[name] = best_of(run, 3)
        print(f"calcgraph sweep of 100,001 request rates to CSV: --only ttft_p99 {times['ttft_p99']:.3f} s "
              f"against --only total_chips {times['total_chips']:.3f} s "
              f"({times['ttft_p99'] / times['total_chips']:.2f}x)")


def page_costs(model) -> None:
    node = shutil.which("node")
    if node is None:
        print("page: node not found, not measured")
        return
    from calcgraph.render.page.html import engine_script
    script = "(function () {\n" + engine_script(model) + """
  var values = Object.create(null);
  CG_DATA.inputs.forEach(function (i) { values[i.name] = i.value === null ? NaN : i.value; });
  function time(names) {
    var best = Infinity;
    for (var r = 0; r < 5; r++) {
      var start = process.hrtime.bigint();
      for (var k = 0; k < 2000; k++) { cg.evaluate(values, names); }
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 2000 / 1000);
    }
    return best;
  }
  process.stdout.write(JSON.stringify({base: time(["total_chips"]), p99: time(["ttft_p99"])}));
})();"""
    done = subprocess.run([node, "-"], input=script, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print("page: node failed:", done.stderr[:400])
        return
    got = json.loads(done.stdout)
    print(f"page engine (node), one evaluation limited to ttft_p99: {got['p99']:.1f} us against total_chips "
          f"{got['base']:.1f} us ({got['p99'] / got['base']:.2f}x)")


def main(requests: int = 200_000) -> None:
    model = calcgraph.load(CONTRACT)
    if requests:
        table(model, requests)
        print()
    evaluator_costs(model)
    sweep_costs()
    page_costs(model)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
