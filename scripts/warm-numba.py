"""`make install`: compile the clustering kernels once, so the first profile is as fast as the
second.

numba compiles the k-prototypes kernels on their first call and keeps the machine code in its
cache (beside their source, or in $NUMBA_CACHE_DIR). Without this step the user's first profile
pays that compilation. Here a small profile of the built-in example runs on its generated data,
with a data home, key store and staging area of its own in a temporary folder that is deleted
afterwards: the kernels are compiled for the arrays a real profile passes them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = "child-benefit"
ROWS = 3_000


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="segprofile-warm-") as tmp:
        root = Path(tmp)
        for name, folder in (
            ("SEGPROFILE_HOME", "home"),
            ("SEGPROFILE_KEYS", "keys"),
            ("SEGPROFILE_STAGING", "staging"),
        ):
            os.environ[name] = str(root / folder)
        from segprofile import pipeline
        from segprofile.analysis import _kproto_numba

        if not _kproto_numba.AVAILABLE:
            print("numba не установлена: кластеризация работает без компиляции.")
            return 0
        started = time.perf_counter()
        study = pipeline.example_study(EXAMPLE)
        pipeline.generate_demo_data(EXAMPLE, root / "data", rows=ROWS, seed=1)
        profile = pipeline.profile_study(study, root / "data")
        if profile.clusters is None:
            print("Ядра кластеризации не скомпилированы: пример не дал кластеров.", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - started
    print(
        f"Ядра кластеризации скомпилированы за {elapsed:.0f} с: первый профиль будет так же "
        "быстр, как следующие."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
