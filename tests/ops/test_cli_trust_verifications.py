"""`quartier admin trust-verifications`: the nodes whose quarters' attestations count here."""

from test_cli import cli_env, quartier  # noqa: F401 - the fixture is used by name


def test_trust_and_distrust_a_node(cli_env):  # noqa: F811
    added = quartier(cli_env, "admin", "trust-verifications", "--host", "Quartier.Example:8443")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().endswith("quartier.example:8443")
    listed = quartier(cli_env, "admin", "trust-verifications")
    assert "quartier.example:8443" in listed.stdout
    removed = quartier(
        cli_env, "admin", "trust-verifications", "--host", "quartier.example:8443", "--remove"
    )
    assert removed.stdout.strip().endswith("none")
