"""Checks that Inspect reads the .eval logs `assurai report --inspect-log`
writes: every log opens with inspect_ai.log.read_eval_log, its samples carry
the 1-5 safety score (or NaN for blocked/unscored) and the header's mean
equals the mean of the scored samples.

    python check_inspect.py LOG.eval...
"""
import math
import sys

from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries


def check(path):
    log = read_eval_log(path)
    assert log.status == "success", log.status
    values = [s.scores["assurai_safety"].value for s in log.samples]
    scored = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    assert all(isinstance(v, int) and 1 <= v <= 5 for v in scored), scored[:5]
    mean = log.results.scores[0].metrics["mean"].value
    assert abs(mean - sum(scored) / len(scored)) < 1e-9, (mean, sum(scored) / len(scored))
    summaries = read_eval_log_sample_summaries(path)
    assert len(summaries) == len(log.samples)
    print(f"ok {path}: model {log.eval.model}, {len(log.samples)} samples, "
          f"{len(scored)} scored, mean {mean:.4f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: check_inspect.py LOG.eval...")
    for p in sys.argv[1:]:
        check(p)
