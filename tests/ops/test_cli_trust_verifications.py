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


def test_duplicates_junk_and_unknown_hosts_are_refused(cli_env):  # noqa: F811
    assert (
        quartier(cli_env, "admin", "trust-verifications", "--host", "aachen.example").returncode
        == 0
    )
    again = quartier(cli_env, "admin", "trust-verifications", "--host", "https://AACHEN.example/")
    assert again.returncode == 1 and "aachen.example is already trusted." in again.stderr
    junk = quartier(cli_env, "admin", "trust-verifications", "--host", "javascript:alert(1)")
    assert junk.returncode == 1 and "no scheme, path or address" in junk.stderr
    gone = quartier(cli_env, "admin", "trust-verifications", "--host", "rome.example", "--remove")
    assert gone.returncode == 1 and "rome.example is not among the trusted nodes" in gone.stderr
    assert (
        quartier(cli_env, "admin", "trust-verifications")
        .stdout.strip()
        .endswith(": aachen.example")
    )


async def test_the_page_and_the_command_line_agree(cli_env, aiohttp_client, make_settings):  # noqa: F811
    """One table, one set of rules: what the page adds the command lists, and the other way."""
    from helpers import login, make_quarter, make_resident, node_of, post_form

    from node.app import create_app

    settings = make_settings()
    client = await aiohttp_client(create_app(settings))
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    await login(client, "root")
    assert (await post_form(client, "/admin/trusted-nodes", host="Köln.example")).status == 303
    env = {
        **cli_env,
        "QUARTIER_DATABASE_URL": settings.database_url,
        "QUARTIER_DATA_DIR": settings.data_dir,
        "QUARTIER_PUBLIC_URL": settings.public_url,
        "QUARTIER_SECRET_KEY": settings.secret_key,
    }
    listed = quartier(env, "admin", "trust-verifications")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip().endswith(": xn--kln-sna.example")
    added = quartier(env, "admin", "trust-verifications", "--host", "rome.example", "--note", "CLI")
    assert added.returncode == 0, added.stderr
    ours = quartier(env, "admin", "trust-verifications", "--host", "127.0.0.1:8080")
    assert ours.returncode == 1 and "This is this node itself" in ours.stderr
    text = await (await client.get("/admin/trusted-nodes")).text()
    assert "xn--kln-sna.example" in text and "rome.example" in text
    assert "the command line" in text and "@root" in text
    removed = quartier(
        env, "admin", "trust-verifications", "--host", "XN--KLN-SNA.example", "--remove"
    )
    assert removed.returncode == 0 and removed.stdout.strip().endswith(": rome.example")
    assert "xn--kln-sna.example" not in await (await client.get("/admin/trusted-nodes")).text()
