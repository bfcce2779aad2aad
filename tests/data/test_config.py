from pathlib import Path

from trygghet.data import config


def test_project_root_holds_pyproject():
    root = config.project_root()
    assert (root / "pyproject.toml").is_file()
    assert (root / "lib" / "trygghet").is_dir()


def test_env_overrides_root(monkeypatch, tmp_path):
    monkeypatch.setenv("TRYGGHET_ROOT", str(tmp_path))
    p = config.paths()
    assert p.root == tmp_path.resolve()
    assert p.raw == tmp_path.resolve() / "data" / "raw"


def test_resource_path_missing_names_the_resource():
    import pytest

    with pytest.raises(FileNotFoundError, match="nope.txt"):
        config.resource_path("nope.txt")


def test_codebooks_ship_with_the_package():
    assert config.resource_path("demo/trygghetsmatning_kodbok.yaml").is_file()
    assert Path(config.resource_path("demo/ungdomsenkat_kodbok.yaml")).is_file()
