"""A script floods the class wall while a hall sends: what each gets, and what a send costs.

    python bench/wall_flood.py [--students 200] [--script-sessions 2000] [--database URL]

Drives the wall's store and limits (classwall/sending.py) the way the page does, without a
browser: a script behind the hall's one NAT address makes new sessions as fast as it can (each a
new browser, no cookie kept: a newcomer) and sends from each until refused, interleaved with the
students, whose pages are older than a minute and who each send once. Prints how many of each were
taken, the refusals the students saw, and the time of one send (checks and insert). The default
database is a throwaway SQLite file, as deploy/local.sh uses; --database takes any SQLAlchemy URL.
"""

import argparse
import sys
import tempfile
import time
from collections import Counter

from common import REPO, summary_ms

sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from classwall.clients import Client  # noqa: E402
from classwall.sending import MAX_PER_MINUTE, Refused, send, wall_drawing  # noqa: E402
from classwall.store import WallStore  # noqa: E402

HALL = "203.0.113.7"
DIGIT = np.zeros((28, 28), dtype=np.float32)
DIGIT[6:22, 12:16] = 0.9  # a 1, as the network's input; the canvas is ten times that
CANVAS = np.kron(DIGIT, np.ones((10, 10), dtype=np.float32))


def a_drawing(session: Client):
    return wall_drawing(DIGIT, CANVAS, 1, 1, 0.95, "bench", session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--script-sessions", type=int, default=2000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='wall-flood-')}/wall.sqlite"
    store = WallStore(url)
    script_taken = script_tries = students_taken = 0
    student_refusals: Counter = Counter()
    send_seconds = []
    started = time.time()
    per_student = max(1, args.script_sessions // max(1, args.students))
    student = 0
    for session in range(args.script_sessions):
        script = Client(f"script-{session}", f"{session:016x}", HALL, newcomer=True)
        for _ in range(MAX_PER_MINUTE):
            script_tries += 1
            try:
                begun = time.perf_counter()
                send(store, a_drawing(session=script))
                send_seconds.append(time.perf_counter() - begun)
                script_taken += 1
            except Refused:
                break
        if session % per_student == 0 and student < args.students:
            honest = Client(f"student-{student}", f"{10**9 + student:016x}", HALL, newcomer=False)
            try:
                send(store, a_drawing(session=honest))
                students_taken += 1
            except Refused as refusal:
                student_refusals[str(refusal).split(";")[0]] += 1
            student += 1
    seconds = time.time() - started
    print(f"database: {store.describe()}")
    rate = args.script_sessions / seconds
    print(f"{args.script_sessions} script sessions in {seconds:.1f} s ({rate:.0f}/s, faster than Streamlit makes them)")
    print(f"  {script_tries} sends tried, {script_taken} taken (the window is a minute: longer runs take more)")
    print(f"{student} students behind the same address sent once each: {students_taken} taken")
    for reason, count in student_refusals.most_common():
        print(f"  refused {count}: {reason}")
    print(f"one send taken (limits checked, then stored): {summary_ms(send_seconds)}")


if __name__ == "__main__":
    main()
