"""Property: any CSV, however malformed, either loads correctly or fails with a clear InputError."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segprofile.data.readers import open_raw
from segprofile.errors import InputError

CELL = st.text(
    alphabet=st.sampled_from(list('абвгдеёжзАБВ xyz019,.;|\t"\n\r-+ \u00a0№«»\x00\x07\ufeff')),
    max_size=12,
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, int | None]:
    """A CSV as bytes and, when it is well-formed, the number of data rows it holds."""
    width = draw(st.integers(1, 5))
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    header = [f"кол{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=12))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "koi8-r"]))
    data = text.encode(encoding, errors="replace")
    mutation = draw(st.sampled_from(["none", "truncate", "garbage", "drop_delim", "quote"]))
    if mutation == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif mutation == "garbage":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    elif mutation == "drop_delim" and delimiter.encode() in data:
        data = data.replace(delimiter.encode(), b"", 1)
    elif mutation == "quote":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b'"' + data[at:]
    return data, None if mutation != "none" else len(rows)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(csv_files())
def test_malformed_csv_loads_or_fails_clearly(sample: tuple[bytes, int | None]) -> None:
    data, expected_rows = sample
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "случай.csv"
        path.write_bytes(data)
        try:
            with open_raw(path, Path(tmp) / "work") as raw:
                rows = raw.run(lambda: raw.con.execute("SELECT count(*) FROM raw").fetchone())
                columns = raw.columns
        except InputError as err:
            message = str(err)
        else:
            message = ""
    if message:
        assert "случай.csv" in message
        return
    assert rows is not None
    assert len(columns) >= 1
    if expected_rows is not None and expected_rows > 0 and not _blank_rows(data):
        assert rows[0] == expected_rows


def _blank_rows(data: bytes) -> bool:
    """Rows whose every cell is empty are skipped by readers: the count then differs."""
    text = data.decode("utf-8", errors="replace")
    return any(
        set(line) <= {";", ",", "\t", "|", '"', " ", "\r"} for line in text.split("\n")[1:-1]
    )
