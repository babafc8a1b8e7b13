"""Configuration from the environment (and a `.env` file), in one typed object.

Every setting is prefixed `CRATEDEX_`. The object is built by `get_settings()` and
passed down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cratedex import __version__

MIB = 1024 * 1024


def _default_user_agent() -> str:
    return f"cratedex/{__version__} (+https://github.com/cratedex/cratedex)"


class Settings(BaseSettings):
    """Typed settings; see the README's configuration table for each one."""

    model_config = SettingsConfigDict(env_prefix="CRATEDEX_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Any PostgreSQL URL; unset means the embedded server under data_dir.",
    )
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("cratedex")))

    docsrs_url: HttpUrl = HttpUrl("https://docs.rs")
    cratesio_url: HttpUrl = HttpUrl("https://crates.io")
    index_url: HttpUrl = HttpUrl("https://index.crates.io")

    rate_limit: float = Field(
        default=1.0,
        ge=0,
        description="Requests per second per upstream host across every worker; 0 turns it off.",
    )
    user_agent: str = Field(default_factory=_default_user_agent, min_length=1)
    request_timeout: float = Field(default=30.0, gt=0)
    max_response_bytes: int = Field(
        default=64 * MIB,
        gt=0,
        description="Largest body accepted from upstream (compressed rustdoc JSON included).",
    )
    max_json_bytes: int = Field(
        default=768 * MIB,
        gt=0,
        description="Largest decompressed rustdoc JSON; bigger crates fall back to HTML pages.",
    )
    fetch_retries: int = Field(default=4, ge=0, le=20)
    retry_backoff: float = Field(
        default=1.0,
        ge=0,
        description="First retry delay in seconds; doubles each retry, with jitter.",
    )
    max_retry_after: float = Field(
        default=300.0,
        gt=0,
        description="Longest Retry-After honoured before a fetch gives up.",
    )
    html_concurrency: int = Field(default=8, ge=1, le=64)
    mcp_token: SecretStr | None = Field(
        default=None,
        description="Bearer token the MCP HTTP server requires; mandatory off loopback.",
    )
    mcp_host: str = "127.0.0.1"
    mcp_port: int = Field(default=8765, ge=1, le=65535)
    prefect_port: int = Field(
        default=4200, ge=1, le=65535, description="Port of the Prefect server `up` starts."
    )
    worker_concurrency: int = Field(
        default=4,
        ge=0,
        description="Flow runs the work pool runs at once, across workers; 0 means no cap.",
    )
    worker_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often the worker asks for new runs."
    )
    job_heartbeat_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often a running flow touches its job; 3 missed beats mean it died.",
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str | None) -> str | None:
        """Accept the usual spellings and use the psycopg 3 driver for all of them."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith("postgresql+psycopg://"):
            raise ValueError(
                "CRATEDEX_DATABASE_URL must be a PostgreSQL URL (postgresql://user@host/db)"
            )
        return value


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
