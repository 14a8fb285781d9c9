"""Start-up configuration, through the real `calanque` command."""

import os
import subprocess
import sys

import pytest


def calanque(tmp_path, *args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALANQUE_")}
    environment.update(CALANQUE_HOME=str(tmp_path / "home"), **env)
    return subprocess.run(
        [sys.executable, "-m", "calanque", *args], env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CALANQUE_HTTP_PORT", "huit-mille", "CALANQUE_HTTP_PORT doit être un entier positif"),
        ("CALANQUE_SMTP_PORT", "70000", "CALANQUE_SMTP_PORT doit être entre 1 et 65535"),
        ("CALANQUE_DEBUG", "oui", "CALANQUE_DEBUG doit valoir true ou false"),
        ("CALANQUE_DATABASE_URL", "mysql://x/y", "CALANQUE_DATABASE_URL doit être une URL"),
        ("CALANQUE_DOMAIN", "pas un domaine", "CALANQUE_DOMAIN doit être un nom de domaine"),
        ("CALANQUE_REDIS_URL", "localhost:6379", "CALANQUE_REDIS_URL doit être une URL"),
        ("CALANQUE_DATABASE_URL", "postgresql://u@h:notaport/db", "CALANQUE_DATABASE_URL doit être une URL"),
        ("CALANQUE_SMTP_RELAY", "smtp://relais:99999", "CALANQUE_SMTP_RELAY doit être une URL"),
        ("CALANQUE_PUBLIC_URL", "http://[::1", "CALANQUE_PUBLIC_URL doit être une URL"),
        ("CALANQUE_ALLOWED_HOSTS", ",", "CALANQUE_ALLOWED_HOSTS doit contenir au moins une valeur"),
    ],
)
def test_a_malformed_variable_stops_start_up_with_one_line_naming_it(tmp_path, variable, value, expected):
    result = calanque(tmp_path, "check", **{variable: value})
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_secret_key_is_generated_once_into_the_home_and_kept(tmp_path):
    assert calanque(tmp_path, "check").returncode == 0
    secret = (tmp_path / "home" / "secrets" / "secret_key").read_text()
    assert len(secret.strip()) >= 50
    assert oct((tmp_path / "home" / "secrets" / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert calanque(tmp_path, "check").returncode == 0
    assert (tmp_path / "home" / "secrets" / "secret_key").read_text() == secret


def test_the_documented_production_variables_pass_the_deployment_check(tmp_path):
    result = calanque(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING",
        CALANQUE_PUBLIC_URL="https://messagerie.ac-aix-marseille.fr",
        CALANQUE_SECRET_KEY="x" * 20 + "une-longue-cle-secrete-de-production-0123456789",
        CALANQUE_BEHIND_PROXY="true",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout or "aucun problème" in result.stdout


def test_the_deployment_check_refuses_a_plain_http_public_address(tmp_path):
    result = calanque(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                      CALANQUE_PUBLIC_URL="http://messagerie.ac-aix-marseille.fr")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr or "security.W008" in result.stderr
