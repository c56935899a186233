"""``python -m validation``: compute every record, write report.json and report.md, exit 1 on an unexplained
failure (what ``make validate`` runs)."""

import argparse
import sys

from validation import unexplained_failures, validate


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m validation", description=__doc__)
    p.add_argument("--output", default="validation/report", help="report folder")
    p.add_argument("--reference", default=None, help="folder of reference YAML files (default: validation/reference)")
    p.add_argument("--only", default=None, help="only ids starting with this prefix (several: comma-separated)")
    p.add_argument("--quick", action="store_true", help="skip the records that need generated events")
    p.add_argument("--merge", action="store_true", help="keep the report's other records (recompute one section)")
    a = p.parse_args()
    records = validate(a.output, a.reference, a.only, a.quick, a.merge)
    bad = unexplained_failures(records)
    n_pass = sum(r.passed is True for r in records)
    n_known = sum(r.passed is False and bool(r.known_discrepancy) for r in records)
    print(
        f"{len(records)} records: {n_pass} pass, {n_known} known and explained discrepancies, "
        f"{len(bad)} unexplained failures; report in {a.output}/report.md"
    )
    for r in bad:
        print(f"FAIL {r.id}: paper {r.paper}, ours {r.ours} ({r.note})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
