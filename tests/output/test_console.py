"""The console's log lines: secrets masked, commands quoted to paste into a shell."""

from __future__ import annotations

from taskbelt.output import console


class TestRedact:
    def test_secret_env_values_masked(self) -> None:
        """Values of secret-looking variables never survive."""
        env = {"GITHUB_TOKEN": "ghp_abcdef", "DB_PASSWORD": "hunter22", "HOME": "/root"}
        assert (
            console.redact("token ghp_abcdef pw hunter22 at /root", env)
            == "token *** pw *** at /root"
        )

    def test_url_credentials_masked(self) -> None:
        """user:password in URLs is hidden."""
        assert console.redact("https://bob:pw@osv.example/v1", {}) == "https://***@osv.example/v1"

    def test_commands_are_shell_quoted(self) -> None:
        """Logged commands can be pasted into a shell."""
        assert console.format_command(["ruff", "check", "a b"]) == "ruff check 'a b'"
