"""The package keeps the shape ARCHITECTURE.md describes: small modules, one epoch loop, one forward pass."""

import re

import pytest

from genomenb import runner

ROOT = runner.project_root()
PACKAGE = ROOT / "genomenb"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 640  # "no module over ~600 lines"; data/deepsea.py is the largest


def _rel(path):
    return path.relative_to(PACKAGE).as_posix()


@pytest.mark.parametrize("module", MODULES, ids=_rel)
def test_no_module_is_too_long(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_rel(module)} has {lines} lines: split it by responsibility"


def _files_matching(pattern):
    return {_rel(p) for p in MODULES if re.search(pattern, p.read_text(encoding="utf-8"), re.MULTILINE)}


def test_exactly_one_batched_forward_pass():
    assert _files_matching(r"\.predict_on_batch\(") == {"predict.py"}
    assert _files_matching(r"\.predict\(\s*[a-z_]+\s*,?\s*(batch_size|verbose)") == set()  # no keras Model.predict


def test_exactly_one_epoch_loop():
    keras_users = _files_matching(r"^import keras|^from keras")
    assert keras_users & _files_matching(r"\.fit\(") == {"training/loop.py"}  # Keras' fit, once
    assert _files_matching(r"\.fit\(batches") == {"training/loop.py"}
    assert _files_matching(r"for epoch in range\(") == {"training/loop.py"}


def test_architecture_map_names_every_module():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for module in MODULES:
        rel = _rel(module)
        if module.name == "__init__.py":
            continue
        folder, _, name = rel.rpartition("/")
        stem = name[:-3]
        if rel not in text and f"`{stem}`" not in text:
            missing.append(rel)
    assert not missing, f"ARCHITECTURE.md does not mention {missing}"


def test_data_does_not_import_training_or_interpretation():
    for module in MODULES:
        rel = _rel(module)
        if rel.startswith("data/"):
            text = module.read_text(encoding="utf-8")
            assert not re.search(r"from genomenb\.(training|predict|interpret|plots)", text), rel
