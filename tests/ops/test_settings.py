"""Settings: invalid values stop the node naming the variable; every setting is documented."""

import dataclasses
import re
from pathlib import Path

import pytest

from node.settings import Settings, SettingsError, env_name, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("QUARTIER_SMTP_PORT", "twenty-five"),
        ("QUARTIER_OPEN_REGISTRATIONS", "perhaps"),
        ("QUARTIER_PUBLIC_URL", "ftp://quartier.example"),
        ("QUARTIER_PUBLIC_URL", "https://quartier.example/sub/path"),
        ("QUARTIER_DATABASE_URL", "mysql://x@y/z"),
        ("QUARTIER_DEFAULT_LANGUAGE", "xx"),
        ("QUARTIER_DEFAULT_REACH", "everyone"),
        ("QUARTIER_MAX_UPLOAD_BYTES", "0"),
    ],
)
def test_invalid_environment_value_names_the_variable(variable, value):
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


def test_valid_environment_values_are_converted():
    settings = load_settings(
        {
            "QUARTIER_SMTP_PORT": "587",
            "QUARTIER_OPEN_REGISTRATIONS": "no",
            "QUARTIER_PUBLIC_URL": "https://quartier.example",
            "UNRELATED": "ignored",
        }
    )
    assert settings.smtp_port == 587
    assert settings.open_registrations is False
    assert settings.cookies_secure


def test_toml_file_values_and_errors(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('smtp_host = "mail.example"\nsmtp_port = 2525\nrun_workers = false\n')
    settings = load_settings({"QUARTIER_SMTP_PORT": "26"}, good)
    assert settings.smtp_host == "mail.example"
    assert settings.smtp_port == 26  # the environment wins over the file
    assert settings.run_workers is False

    bad_type = tmp_path / "bad.toml"
    bad_type.write_text('smtp_port = "lots"\n')
    with pytest.raises(SettingsError, match="smtp_port"):
        load_settings({}, bad_type)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('smtp_hots = "x"\n')
    with pytest.raises(SettingsError, match="smtp_hots"):
        load_settings({}, unknown)
    broken = tmp_path / "broken.toml"
    broken.write_text("smtp_port = \n")
    with pytest.raises(SettingsError, match="invalid TOML"):
        load_settings({}, broken)
    with pytest.raises(SettingsError, match="no such file"):
        load_settings({}, tmp_path / "missing.toml")


def test_every_setting_has_help_and_a_row_in_the_readme():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(QUARTIER_[A-Z0-9_]+)` \|", text, flags=re.M))
    names = {env_name(f.name) for f in dataclasses.fields(Settings)}
    assert names - documented == set(), "settings missing from README's table"
    assert documented - names == set(), "README documents settings that do not exist"
    for f in dataclasses.fields(Settings):
        assert f.metadata.get("help"), f.name
