"""docker-compose.yml and its Caddyfile, read without a Docker engine: the services are there,
their commands parse with the real `quartier` parser, every QUARTIER_* variable is a real setting,
and the pieces point at each other (database host, proxy target, trusted proxy network)."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from pathlib import Path

import yaml

from node.cli import build_parser
from node.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def filled(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, as compose fills them from .env."""
    return VARIABLE.sub(lambda m: env.get(m.group(1), ""), value.replace("$$", "$"))


def example_env() -> dict[str, str]:
    env = {}
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip() or "x"
    return env


def quartier_argv(service: dict, env: dict[str, str]) -> list[str]:
    """The `quartier …` arguments a service runs (entrypoint then command, wrappers skipped)."""
    argv = [filled(str(a), env) for a in service.get("entrypoint", []) + service.get("command", [])]
    assert "quartier" in argv, argv
    return argv[argv.index("quartier") + 1 :]


def test_the_services_of_a_larger_node_are_all_there():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "web", "worker", "caddy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["caddy"]["image"].startswith("caddy:")
    assert services["worker"]["deploy"]["replicas"] == "${QUARTIER_WORKERS:-2}"


def test_every_command_parses_with_the_real_cli_and_does_what_the_layout_says():
    services, env = compose()["services"], example_env()
    parser = build_parser()
    parsed = {
        name: parser.parse_args(quartier_argv(services[name], env))
        for name in ("migrate", "web", "worker")
    }
    assert parsed["migrate"].command == "migrate"
    web = parsed["web"]
    assert (web.command, web.processes, web.no_workers) == ("serve", 2, True)
    assert web.host == "0.0.0.0"
    assert parsed["worker"].command == "worker"
    # the migrations run once, before web and workers
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_quartier_variable_is_a_real_setting_and_every_variable_is_in_the_example():
    services = compose()["services"]
    settings = {env_name(f.name) for f in dataclasses.fields(Settings)}
    example = example_env()
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name in ("migrate", "web", "worker"):
        environment = services[name]["environment"]
        unknown = {k for k in environment if k.startswith("QUARTIER_")} - settings
        assert unknown == set(), f"{name}: not settings: {unknown}"
        assert "PROMETHEUS_MULTIPROC_DIR" in environment
    required = {m.group(1) for m in VARIABLE.finditer(text) if "?" in (m.group(0) or "")}
    assert required <= set(example), required - set(example)
    for key in example:  # the example names compose variables only
        assert f"${{{key}" in text or key in ("ACME_EMAIL",), key


def test_the_pieces_point_at_each_other():
    data = compose()
    services, env = data["services"], example_env()
    web_env = {k: filled(str(v), env) for k, v in services["web"]["environment"].items()}
    # the database URL names the db service and its role, password and database
    db = services["db"]["environment"]
    url = web_env["QUARTIER_DATABASE_URL"]
    assert url == (
        f"postgresql://{db['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert web_env["QUARTIER_PUBLIC_URL"] == f"https://{env['QUARTIER_DOMAIN']}"
    # Caddy proxies to the web service's port and hides /metrics from the world
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    web = build_parser().parse_args(quartier_argv(services["web"], env))
    assert f"reverse_proxy web:{web.port}" in caddyfile
    assert re.search(r"@metrics path /metrics\b.*\n\s*respond @metrics 404", caddyfile)
    mounts = [v.split(":")[:2] for v in services["caddy"]["volumes"]]
    assert ["./deploy/Caddyfile", "/etc/caddy/Caddyfile"] in mounts
    # …and the node believes X-Forwarded-For from Caddy's address only
    trusted = ipaddress.ip_network(web_env["QUARTIER_TRUSTED_PROXIES"])
    caddy_ip = services["caddy"]["networks"]["quartier"]["ipv4_address"]
    assert trusted == ipaddress.ip_network(caddy_ip)
    subnet = data["networks"]["quartier"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(caddy_ip) in ipaddress.ip_network(subnet)
    # web and workers share the data volume (photos fetched by a worker are served by web)
    for name in ("web", "worker"):
        assert "quartier-data:/data" in services[name]["volumes"]
    # the image has the folders the volumes are mounted on, owned by its user
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "chown quartier:quartier /data /metrics" in dockerfile
