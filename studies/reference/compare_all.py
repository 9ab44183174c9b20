"""Compare the committed magnum.np submissions with the shipped references.

Prints, for every reference problem, the table of ``ubhop compare``
(``studies/reference/magnumnp/<problem>`` against the reference in the
package) and a one-line summary per problem; exits 1 if any problem fails.
No engine runs (about 20 s). The submissions were written by

    ubhop reference write-submission --engine magnumnp --threads 1 \\
        --out studies/reference/magnumnp

    python studies/reference/compare_all.py
"""

import argparse
import sys
from pathlib import Path

from ubhop.reference import compare, problem_names

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=str(HERE / "magnumnp"),
                        help="directory of one submission per problem")
    args = parser.parse_args()
    summary = []
    for name in problem_names():
        result = compare(Path(args.dir) / name, name)
        print(result.table())
        print()
        judged = sum(r.judged for r in result.rows)
        summary.append(f"{name}: {'PASS' if result.passed else 'FAIL'} "
                       f"({judged - len(result.failed)}/{judged} quantities)")
    print("\n".join(summary))
    return 0 if all("PASS" in s for s in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
