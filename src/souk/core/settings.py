"""One Settings object for the whole process.

Values come from (highest first): explicit keyword arguments, ``SOUK_*`` environment variables
(nested with ``__``, e.g. ``SOUK_JANUS__MODE=external``), an optional TOML file named by
``SOUK_CONFIG`` or passed to :func:`load_settings`, then the defaults below.
Nothing here runs at import time; entry points call :func:`load_settings` and pass the result down.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from souk.core.embedsettings import EmbedSettings
from souk.core.errors import ConfigError
from souk.core.logsettings import LoggingSettings
from souk.core.metricsettings import MetricsSettings


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # e.g. https://souk.example.com; defaults to http://host:port
    max_ws_message_bytes: int = 64 * 1024
    max_body_bytes: int = 1024 * 1024  # REST request bodies; larger ones answer 413 body_too_large
    max_json_depth: int = 32  # nesting of REST JSON bodies; deeper ones answer 400 bad_json

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"


class AuthSettings(BaseModel):
    # Signing key for access tokens. Generated into data_dir on first start when empty.
    token_secret: SecretStr = SecretStr("")
    token_ttl_s: int = 3600
    max_token_ttl_s: int = 24 * 3600
    issuer: str = "souk"
    # The operator's secret for /v1/operator (create merchants, their keys, their stores): sent as
    # ``Authorization: Bearer <operator_token>``. Empty = the operator API is disabled (answers 404).
    operator_token: SecretStr = SecretStr("")


class JanusSettings(BaseModel):
    mode: Literal["embedded", "external"] = "embedded"
    binary: str = "janus"
    # external mode: the Janus WebSocket API URLs of every node (first one is the default node)
    urls: list[str] = Field(default_factory=list)
    ws_port: int = 0  # embedded: 0 picks a free port
    admin_ws_port: int = 0
    api_secret: SecretStr = SecretStr("")  # generated when empty
    admin_key: SecretStr = SecretStr("")  # generated when empty
    admin_secret: SecretStr = SecretStr("")  # generated when empty
    rtp_port_range: str = "20000-40000"
    # where this node's audience-relay mountpoints listen for rtp_forward from origins ("" = Janus's own
    # streaming default, 10000-60000); keep it apart from rtp_port_range and open it between media nodes
    relay_port_range: str = ""
    event_loops: int = 0  # 0 = number of cores
    # how long Janus keeps sent video for retransmission (ms, at least; it grows to RTT + 100 up to 1000).
    # Janus's 200 ms allows one NACK at most on a 150 ms RTT link, and a lost NACK or retransmission then
    # freezes the picture until the next keyframe: keep room for a few retries on cross-border links.
    min_nack_queue_ms: int = Field(default=1000, ge=200, le=1000)
    ice_enforce_list: str = ""  # e.g. "eth0" or the veth end carrying 127.0.0.2 in tests
    nat_1_1_mapping: str = ""
    stun_server: str = ""
    turn_server: str = ""
    turn_user: str = ""
    turn_password: SecretStr = SecretStr("")
    region: str = "local"
    # external mode, one entry per url (same order; empty = region above / no admin API / 127.0.0.1):
    # each node's region, admin WebSocket URL, and the address other nodes rtp_forward to (its relay host)
    regions: list[str] = Field(default_factory=list)
    admin_urls: list[str] = Field(default_factory=list)
    relay_hosts: list[str] = Field(default_factory=list)
    # audience cascade (souk.media.cascade): how long an edge relay outlives its last viewer, and the TTL of
    # this Souk process's load entries in the shared registry (Redis when redis_url is set)
    relay_grace_s: float = Field(default=5.0, ge=0)
    registry_ttl_s: float = Field(default=15.0, gt=0)
    request_timeout_s: float = 10.0
    keepalive_s: float = 25.0
    restart_backoff_s: float = 0.5

    @field_validator("rtp_port_range", "relay_port_range")
    @classmethod
    def _check_range(cls, v: str) -> str:
        if not v:
            return v  # only relay_port_range may be empty: rtp_port_range has a non-empty default
        try:
            lo, hi = (int(x) for x in v.split("-"))
        except ValueError as exc:
            raise ValueError(f"rtp_port_range must look like 20000-40000, got {v!r}") from exc
        if not (1024 <= lo < hi <= 65535):
            raise ValueError(f"rtp_port_range out of bounds: {v!r}")
        return v

    @model_validator(mode="after")
    def _check_per_url_lists(self) -> JanusSettings:
        for name in ("regions", "admin_urls", "relay_hosts"):
            if len(getattr(self, name)) > len(self.urls):
                raise ValueError(f"janus.{name} has more entries than janus.urls")
        return self


TurnTransport = Literal["udp", "tcp", "tls"]


class TurnSettings(BaseModel):
    """TURN relay for browsers behind UDP-blocking networks (docs/turn.md).

    embedded: Souk runs Debian's coturn (``turnserver``) beside its embedded media plane; external: a coturn
    (or any TURN server with the REST-API shared secret scheme) at ``urls``; off: none (the static
    ``janus.turn_*`` entry, if set, is handed out as before). Clients get per-token credentials:
    username ``<expiry>:<merchant>:<identity>``, password base64(HMAC-SHA1(secret, username)).
    """

    mode: Literal["embedded", "external", "off"] = "embedded"
    binary: str = "turnserver"
    secret: SecretStr = SecretStr("")  # embedded: generated into <data_dir>/turn/secret when empty
    # coturn refuses an allocation's refresh once its credentials expired: a relayed call lasts at most this
    # long after the welcome that carried them, so keep it above calls.max_call_s (2 h)
    credential_ttl_s: int = Field(default=3 * 3600, ge=10, le=7 * 24 * 3600)
    realm: str = "souk"
    # external: the TURN URLs handed to clients, e.g. "turn:turn.example.com:3478?transport=udp",
    # "turns:turn.example.com:5349?transport=tcp"
    urls: list[str] = Field(default_factory=list)
    # embedded: listen address, the host clients dial (default: listen_ip), relay address (default:
    # listen_ip; must reach Janus's candidates), and coturn's external-ip behind 1:1 NAT
    listen_ip: str = "127.0.0.1"
    public_host: str = ""
    relay_ip: str = ""
    external_ip: str = ""
    port: int = Field(default=0, ge=0, le=65535)  # UDP and TCP; 0 picks a free port
    tls_port: int = Field(default=0, ge=0, le=65535)  # TLS over TCP; 0 picks a free port
    transports: list[TurnTransport] = Field(default_factory=lambda: list(get_args(TurnTransport)))
    relay_port_range: str = "49152-65535"
    # the peers the relay may reach (coturn allowed-peer-ip, "a.b.c.d" or "a.b.c.d-e.f.g.h"); every other
    # address is denied. Empty: relay_ip alone (the embedded Janus on this host)
    allowed_peer_ips: list[str] = Field(default_factory=list)
    tls_cert: str = ""  # PEM paths; empty: a self-signed pair Souk generates into <data_dir>/turn
    tls_key: str = ""
    restart_backoff_s: float = Field(default=0.5, gt=0)

    @field_validator("relay_port_range")
    @classmethod
    def _check_relay_range(cls, v: str) -> str:
        try:
            lo, hi = (int(x) for x in v.split("-"))
        except ValueError as exc:
            raise ValueError(f"turn.relay_port_range must look like 49152-65535, got {v!r}") from exc
        if not (1024 <= lo < hi <= 65535):
            raise ValueError(f"turn.relay_port_range out of bounds: {v!r}")
        return v

    @model_validator(mode="after")
    def _check_mode(self) -> TurnSettings:
        if self.mode == "external" and not self.urls:
            raise ValueError("turn.mode is external but turn.urls is empty")
        if self.mode == "external" and not self.secret.get_secret_value():
            raise ValueError("turn.mode is external but turn.secret (coturn's static-auth-secret) is empty")
        if not self.transports:
            raise ValueError("turn.transports is empty")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("turn.tls_cert and turn.tls_key go together")
        return self


class CallSettings(BaseModel):
    ring_timeout_s: float = 30.0
    max_call_s: float = 2 * 3600
    # the AI joins a consult ringing this long (0: at once) and talks with the shopper until a person answers;
    # needs the voice engine (souk.consult.attendant)
    ai_attendant: bool = True
    ai_join_after_s: float = Field(default=2.0, ge=0.0)


class AgentSettings(BaseModel):
    models_dir: str = ""  # default: <data_dir>/models
    llm_base_url: str = ""  # OpenAI-compatible; empty = offline brain
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    llm_timeout_s: float = 20.0
    stt_base_url: str = ""
    tts_base_url: str = ""
    end_of_turn_silence_ms: int = 300  # without the end-of-turn model (smart_turn off or not installed)
    # semantic end of turn (Smart Turn v3.2, docs/agent.md): asked after smart_turn_check_ms of silence, a
    # finished sentence ends the turn; an unfinished one waits, up to end_of_turn_max_silence_ms
    smart_turn: bool = True
    smart_turn_check_ms: int = Field(default=64, ge=32, le=2000)
    smart_turn_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    end_of_turn_max_silence_ms: int = Field(default=1200, ge=200, le=5000)
    cpu_threads: int = 1
    # photo questions (docs/agent.md): an OpenAI-compatible vision model describes the shopper's photo; empty
    # = no photo search (the assistant says so and asks for words)
    vision_base_url: str = ""
    vision_model: str = ""
    vision_api_key: SecretStr = SecretStr("")
    vision_timeout_s: float = Field(default=15.0, gt=0, le=120)
    # photos sent to POST /v1/agent/sessions/{id}/photo: bytes, longest side, pixels (413 beyond)
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    photo_max_side: int = Field(default=10_000, ge=64)
    photo_max_pixels: int = Field(default=50_000_000, ge=4096)


class RtmSettings(BaseModel):
    port: int = 0  # 0 = served on the API port only
    tick_ms: int = 15
    history_on_join: int = 50
    max_message_bytes: int = 4096
    queue_limit: int = 2000
    max_frame_bytes: int = 16 * 1024  # one client frame
    high_water: int = 256 * 1024  # socket buffer bytes above which a client counts as slow
    user_rate_per_s: float = 5.0
    user_burst: float = 10.0
    channel_rate_per_s: float = 500.0
    channel_burst: float = 1000.0
    heartbeat_s: float = 5.0  # presence heartbeat; entries expire after presence_ttl_s
    presence_ttl_s: float = 15.0


class LiveSettings(BaseModel):
    """Live shows: the stage, the audience beyond one media node, recording."""

    # stage (souk.live.stage)
    max_cohosts: int = Field(default=8, ge=0, le=8)
    # audience placement and cascading (souk.media.cascade): past this many viewers on a room's origin node,
    # new viewers go to other nodes fed by rtp_forward
    viewers_per_node: int = Field(default=300, ge=1)
    # recording (souk.live.recording)
    record_by_default: bool = False
    pp_rec_binary: str = "janus-pp-rec"
    ffmpeg_binary: str = "ffmpeg"


class WebhookSettings(BaseModel):
    """Merchant webhooks (docs/webhooks.md): who may receive them, how long an attempt waits, the retries."""

    # http://127.0.0.1 / localhost / [::1] receivers (tests, a local demo); otherwise https only
    allow_local_http: bool = False
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    max_endpoints: int = Field(default=20, ge=1, le=50)  # per merchant (storage holds at most 50)
    # retries: min(retry_cap_s, retry_base_s * 2**(n-1)) after the n-th failure, +-20 % jitter, for give_up_after_s
    retry_base_s: float = Field(default=10.0, gt=0)
    retry_cap_s: float = Field(default=3600.0, gt=0)
    give_up_after_s: float = Field(default=86400.0, gt=0)


class DeskServiceSettings(BaseModel):
    """The customer-service desk (docs/desk.md); the merchant's own rules are DeskSettings, kept in storage."""

    # a staff member whose last desk socket closed keeps their conversations this long, then they are requeued
    agent_grace_s: float = Field(default=15.0, gt=0, le=3600)


class QualitySettings(BaseModel):
    """Call-quality telemetry and the ops page (docs/quality.md)."""

    # orders count for a participant's quality this long after their call or show ended (quality joined to sales)
    attribution_s: float = Field(default=86400.0, gt=0)
    # Janus's event handler (sampleevh) posts to /v1/quality/janus-events with this secret (Authorization:
    # Basic, user "janus"); empty: generated into data_dir. External Janus: configure its sampleevh the same way.
    janus_events_secret: str = ""
    janus_events: bool = True  # embedded Janus: enable its sampleevh pointed at this server
    # alerts (webhook quality.alert): checked every alert_check_s over the last alert_window_s of joins
    alert_check_s: float = Field(default=60.0, gt=0)
    alert_window_s: float = Field(default=900.0, gt=0)
    alert_connect_p95_ms: float = Field(default=3000.0, gt=0)  # join -> first frame p95 above this
    alert_failure_rate: float = Field(default=0.10, gt=0, le=1)  # failed joins above this share
    alert_min_participants: int = Field(default=10, ge=1)  # fewer joins in the window: no alert
    alert_repeat_s: float = Field(default=3600.0, gt=0)  # the same alert again at most this often
    # how long records are kept: [privacy] quality_records_days (the one retention purge, souk.privacy.retention)


class RateRule(BaseModel):
    """``count`` actions at once, and ``count`` more every ``per_s`` seconds (a token bucket)."""

    count: int = Field(ge=1)
    per_s: float = Field(gt=0)


class LimitsSettings(BaseModel):
    """Abuse limits (docs/limits.md). Buckets are kept per merchant and identity and per merchant and client
    address, in Redis when redis_url is set (shared by every node), else in this process."""

    # ringing a seller console (POST /v1/calls): a shopper, and one address (demo shoppers mint identities)
    ring_identity: RateRule = Field(default_factory=lambda: RateRule(count=5, per_s=60))
    ring_address: RateRule = Field(default_factory=lambda: RateRule(count=60, per_s=60))
    # opening an assistant conversation (REST and the agent socket)
    assistant_open_identity: RateRule = Field(default_factory=lambda: RateRule(count=20, per_s=60))
    assistant_open_address: RateRule = Field(default_factory=lambda: RateRule(count=120, per_s=60))
    # open conversations one identity may hold; the next open is refused (never evicts another shopper's)
    assistant_sessions_per_identity: int = Field(default=5, ge=1)
    # assistant messages (REST, agent socket, typed voice turns)
    assistant_message_identity: RateRule = Field(default_factory=lambda: RateRule(count=30, per_s=60))
    assistant_message_address: RateRule = Field(default_factory=lambda: RateRule(count=300, per_s=60))
    assistant_message_chars: int = Field(default=20_000, ge=1)
    # proving an order with its e-mail (anonymous shoppers): a lockout after repeated wrong guesses
    verify_failures: int = Field(default=5, ge=1)
    verify_window_s: float = Field(default=600.0, gt=0)
    verify_lockout_s: float = Field(default=900.0, gt=0)
    # minting access tokens: per merchant API key holder, and per address (demo tokens have no key)
    mint_merchant: RateRule = Field(default_factory=lambda: RateRule(count=600, per_s=60))
    mint_address: RateRule = Field(default_factory=lambda: RateRule(count=600, per_s=60))
    # call-quality reports (POST /v1/quality/reports): a browser sends one every 5 s per join
    quality_report_identity: RateRule = Field(default_factory=lambda: RateRule(count=30, per_s=60))
    quality_report_address: RateRule = Field(default_factory=lambda: RateRule(count=600, per_s=60))
    # reading messages in another language (POST .../translations): a page in auto mode asks every 0.4 s at most
    translate_identity: RateRule = Field(default_factory=lambda: RateRule(count=300, per_s=60))
    translate_address: RateRule = Field(default_factory=lambda: RateRule(count=3000, per_s=60))
    # how often each node re-reads the revoked token ids from the shared store
    revocation_poll_s: float = Field(default=1.0, gt=0)


class TranslateSettings(BaseModel):
    """Translation for people (docs/translation.md): chat, desk messages, catalog drafts."""

    # apertium: offline, Debian's installed pairs only; libretranslate / openai: a remote server at base_url;
    # none: every text is shown as written (marked untranslated)
    provider: Literal["apertium", "libretranslate", "openai", "none"] = "apertium"
    apertium_binary: str = "apertium"
    # a direction with no Apertium pair of its own goes through this language in two hops (en->es->pt); "" = off
    apertium_pivot: str = "es"
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    model: str = ""  # openai provider: the chat model
    languages: list[str] = Field(default_factory=lambda: ["en", "es", "zh", "ar", "id", "pt", "fr"])  # openai
    timeout_s: float = Field(default=5.0, gt=0, le=120)  # one remote request
    budget_s: float = Field(default=3.0, gt=0, le=120)  # one reader's request, all batches together
    max_chars: int = Field(default=2000, ge=1, le=20_000)
    cache_entries: int = Field(default=10_000, ge=1)  # per process, in front of the shared table


class PrivacySettings(BaseModel):
    """Retention defaults per data kind in days (docs/privacy.md); a merchant may set its own."""

    chat_history_days: int = Field(default=365, ge=1, le=36500)
    transcripts_days: int = Field(default=365, ge=1, le=36500)
    recordings_days: int = Field(default=180, ge=1, le=36500)
    quality_records_days: int = Field(default=400, ge=1, le=36500)
    desk_conversations_days: int = Field(default=730, ge=1, le=36500)
    audit_log_days: int = Field(default=2190, ge=1, le=36500)  # six years
    purge_every_s: float = Field(default=3600.0, gt=0)  # the retention purge runs this often on each API node
    purge: bool = True  # False: no scheduled purge on this node (run `souk privacy purge` from cron instead)
    # e-mails, phone numbers, card numbers and addresses replaced in every message sent to a remote LLM
    # (the assistant's OpenAI-compatible endpoint); the model then answers without seeing them
    redact_llm_prompts: bool = False
    redact_logs: bool = False  # the same in every log line the `souk` command writes (souk.privacy.logs)
    # stored transcripts (desk voice conversations' lines, live captions) redacted before they are written;
    # the default for merchants without their own choice (`souk privacy redaction set`)
    redact_transcripts: bool = False
    # Encryption at rest (souk.privacy.keys, docs/privacy.md "Encryption"): recordings and transcripts under
    # per-merchant data keys, wrapped by the master key: base64 of 32 bytes here or in master_key_file (keep it
    # off the data disk); both empty: generated once into <data_dir>/master_key (protects copies of the
    # database and recordings, not a stolen whole disk). previous_master_keys still unwrap during a rotation.
    encrypt_at_rest: bool = True
    master_key: SecretStr = SecretStr("")
    master_key_file: str = ""
    previous_master_keys: list[SecretStr] = Field(default_factory=list)

    def retention_days(self) -> dict[str, int]:
        return {name.removesuffix("_days"): int(getattr(self, name))
                for name in type(self).model_fields if name.endswith("_days")}


class RegionSettings(BaseModel):
    """One data region's backend (souk.privacy.residency, docs/privacy.md "Residency")."""

    database_url: str = ""  # empty: sqlite under data_dir
    data_dir: str = ""  # recordings, the embedded database, logs of merchants of this region


class ResidencySettings(BaseModel):
    """The data region this node serves (one of [regions.*]); empty: residency off, one backend for all."""

    region: str = ""
    refresh_s: float = Field(default=30.0, gt=0)  # how often the merchants' regions are re-read


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SOUK_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: str = "./var"
    database_url: str = ""  # default: sqlite+aiosqlite:///<data_dir>/souk.db
    redis_url: str = ""  # empty = in-process bus
    log_level: str = "INFO"
    node_id: str = ""
    demo: bool = False

    server: ServerSettings = Field(default_factory=ServerSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    janus: JanusSettings = Field(default_factory=JanusSettings)
    turn: TurnSettings = Field(default_factory=TurnSettings)
    calls: CallSettings = Field(default_factory=CallSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    rtm: RtmSettings = Field(default_factory=RtmSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    desk: DeskServiceSettings = Field(default_factory=DeskServiceSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    translate: TranslateSettings = Field(default_factory=TranslateSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    # data residency (issue 17): each region's backend, and the one this node serves; a node serving a region
    # keeps its database and data_dir there (the region's values replace database_url and data_dir)
    regions: dict[str, RegionSettings] = Field(default_factory=dict)
    residency: ResidencySettings = Field(default_factory=ResidencySettings)

    @model_validator(mode="after")
    def _served_region(self) -> Settings:
        name = self.residency.region
        if not name:
            return self
        if name not in self.regions:
            raise ValueError(f"residency.region {name!r} is not one of [regions.*]: {sorted(self.regions) or 'none'}")
        region = self.regions[name]
        for field, value in (("database_url", region.database_url), ("data_dir", region.data_dir)):
            mine = getattr(self, field)
            if value and field in self.model_fields_set and mine != value:
                raise ValueError(f"{field} {mine!r} differs from regions.{name}.{field} {value!r}: set one")
            if value:
                object.__setattr__(self, field, value)
        return self
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)  # [logging]: format, levels per logger
    embed: EmbedSettings = Field(default_factory=EmbedSettings)  # [embed]: shop origins per merchant (CORS)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_path / 'souk.db'}"

    @property
    def models_path(self) -> Path:
        return Path(self.agent.models_dir).expanduser().resolve() if self.agent.models_dir else (
            self.data_path / "models"
        )


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from an optional TOML file, the environment and keyword overrides."""
    path = config_file or os.environ.get("SOUK_CONFIG")
    file_values: dict[str, Any] = {}
    if path:
        try:
            file_values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        # The TOML file is the lowest-priority layer: the environment overrides it, keywords override both.
        env_only = Settings()
        merged = _deep_merge(file_values, _explicit(env_only))
        merged = _deep_merge(merged, overrides)
        return Settings(**merged)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


def _explicit(model: BaseModel) -> dict[str, Any]:
    """The fields that were actually set (from the environment), recursively."""
    out: dict[str, Any] = {}
    for name in model.model_fields_set:
        value = getattr(model, name)
        out[name] = _explicit(value) if isinstance(value, BaseModel) else value
    return out


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
