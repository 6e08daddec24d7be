import shutil
from pathlib import Path

import pytest

from genomenb import cli
from genomenb.data import DataError, registry


def test_every_bundled_file_matches_its_checksum():
    files = registry.verify_all()
    assert len(files) == sum(len(ds.files) for ds in registry.datasets()) >= 5
    assert all(f.is_file() for f in files)


def test_data_readme_lists_every_file_and_checksum():
    readme = (registry.data_dir() / "README.md").read_text(encoding="utf-8")
    for ds in registry.datasets():
        for f in ds.files:
            assert f.sha256 in readme, f"data/README.md does not give the sha256 of {f.relpath}"
            assert Path(f.relpath).name in readme


def test_unknown_dataset_lists_known_ones():
    with pytest.raises(KeyError, match="ecoli_k12"):
        registry.get("no_such_dataset")


@pytest.fixture()
def corrupted_data(tmp_path, monkeypatch):
    """A copy of the data folder with one byte of the E. coli FASTA flipped."""
    src = registry.data_dir()
    dst = tmp_path / "data"
    dst.mkdir()
    for item in src.rglob("*"):
        target = dst / item.relative_to(src)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif item.name == "ecoli_k12_mg1655.fa.gz":
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = bytearray(item.read_bytes())
            blob[len(blob) // 2] ^= 0x01
            target.write_bytes(bytes(blob))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(item)
    monkeypatch.setenv("GENOMENB_DATA_DIR", str(dst))
    return dst


def test_flipped_byte_is_reported_by_name(corrupted_data):
    with pytest.raises(DataError, match=r"ecoli_k12_mg1655\.fa\.gz.*checksum mismatch"):
        registry.verify_all()
    with pytest.raises(DataError, match="ecoli_k12_mg1655"):
        registry.path("ecoli_k12")
    # files that are intact are still served
    assert registry.path("pfalciparum_3d7").is_file()


def test_missing_file_is_reported(tmp_path, monkeypatch):
    dst = tmp_path / "data"
    dst.mkdir()
    shutil.copy(registry.data_dir() / "registry.json", dst / "registry.json")
    monkeypatch.setenv("GENOMENB_DATA_DIR", str(dst))
    with pytest.raises(DataError, match="missing"):
        registry.verify_all()


def test_run_stops_before_any_work_on_corrupted_data(corrupted_data, tmp_path, capsys):
    out = tmp_path / "results"
    rc = cli.main(["run", "00_data_tour", "--profile", "smoke", "--output-root", str(out), "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "ecoli_k12_mg1655.fa.gz" in err and "checksum" in err
    assert not out.exists(), "no output may be written before the data check"
