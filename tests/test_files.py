"""Atomic writes: a reader never sees half a file, the file is readable as a plainly written one would be, and a
failed write leaves nothing behind."""

import stat

import pytest

from lepreint.files import write_atomic


def test_an_atomic_file_has_the_permissions_of_a_plain_one(tmp_path):
    write_atomic(tmp_path / "a.json", "{}")
    (tmp_path / "b.json").write_text("{}")
    mode = stat.S_IMODE((tmp_path / "a.json").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "b.json").stat().st_mode)


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    class Boom:
        def __str__(self):
            raise RuntimeError

    with pytest.raises(TypeError):
        write_atomic(tmp_path / "a.json", Boom())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
