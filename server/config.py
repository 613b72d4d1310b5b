"""Configuration read from the environment, with safe defaults for the embedded mode.

Every setting can be overridden by an environment variable of the same name; tests pass a
mapping to ``create_app`` instead. Nothing secret is a constant in the code: the secret key
is generated on first run and kept in the instance folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_file_secret(instance_path: Path, name: str) -> str:
    """Return the secret kept in ``instance/<name>``, creating it on first use."""
    path = instance_path / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _served_url(env) -> str:
    """http://HOST:PORT of this server; a wildcard HOST (0.0.0.0, ::) reads as localhost."""
    host = env.get("HOST") or "localhost"
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    return f"http://{host}:{env.get('PORT') or '5000'}"


def _json_file(path: str | None) -> dict:
    if not path:
        return {}
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


def _incident_levels(thresholds: str) -> list[dict]:
    """Seed 001's three-level plan with the report counts that reach each level."""
    counts = [int(n) for n in thresholds.split(",")]
    if len(counts) != 3 or not 0 < counts[0] < counts[1] < counts[2]:
        raise ValueError("INCIDENT_THRESHOLDS must be three increasing counts, e.g. 10,51,201")
    return [
        {"level": 1, "min_reports": counts[0], "owner": "regional_manager",
         "deadlines": [{"kind": "compensation_plan", "hours": 48}],
         "checklist": ["inspect_affected_units", "compensation_plan_to_customers"]},
        {"level": 2, "min_reports": counts[1], "owner": "hq_technical",
         "deadlines": [{"kind": "explanation", "hours": 72}],
         "checklist": ["explanation_to_customers", "free_upgrade", "extended_warranty"]},
        {"level": 3, "min_reports": counts[2], "owner": "executive",
         "deadlines": [{"kind": "public_apology", "hours": 12},
                       {"kind": "recall_plan", "hours": 48}],
         "checklist": ["public_apology", "recall_plan", "dedicated_service_channel"]},
    ]


def _batch_rules(text: str) -> dict[str, dict[str, int]]:
    """Serial rules per model; refuses anything but positive start and length."""
    if not text.strip():
        return {}
    import json

    rules = json.loads(text)
    for model, rule in rules.items():
        if not (isinstance(rule, dict) and set(rule) == {"start", "length"}
                and all(isinstance(v, int) and v > 0 for v in rule.values())):
            raise ValueError(f"INCIDENT_BATCH_RULES[{model!r}] must be "
                             '{"start": <1-based position>, "length": <characters>}')
    return rules


def load_config(instance_path: Path) -> dict:
    """Build the configuration mapping from environment variables."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'doorstep.db'}"
    # Heroku-style URLs say postgres://; SQLAlchemy wants an explicit driver.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    engine_options: dict = {"pool_pre_ping": True}
    # Behind PgBouncer in transaction mode (before 1.21) a server-side prepared statement
    # may land on another server connection: DATABASE_PREPARED_STATEMENTS=0 turns them off.
    if database_url.startswith("postgresql") and \
            env.get("DATABASE_PREPARED_STATEMENTS", "1") == "0":
        engine_options["connect_args"] = {"prepare_threshold": None}
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_file_secret(instance_path, "secret_key"),
        "BLOB_DIR": env.get("BLOB_DIR") or str(instance_path / "blobs"),
        # Object storage instead of the BLOB_DIR folder: BLOB_URL=s3://bucket/prefix, with
        # S3_ENDPOINT_URL for a server that is not AWS (credentials: the AWS_* variables).
        # BLOB_DIR then only holds scratch files. BLOB_PRESIGN_SECONDS > 0 answers downloads
        # with a redirect to a link valid that long instead of streaming them.
        "BLOB_URL": env.get("BLOB_URL") or None,
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("S3_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        "BLOB_PRESIGN_SECONDS": int(env.get("BLOB_PRESIGN_SECONDS", "0")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "HUEY_SQLITE_PATH": env.get("HUEY_SQLITE_PATH") or str(instance_path / "queue.db"),
        "DOORSTEP_LOCALE": env.get("DOORSTEP_LOCALE", "en"),
        "DOORSTEP_TIMEZONE": env.get("DOORSTEP_TIMEZONE", "Asia/Shanghai"),
        "DOORSTEP_CURRENCY": env.get("DOORSTEP_CURRENCY", "CNY"),
        "DOORSTEP_COMPANY_NAME": env.get("DOORSTEP_COMPANY_NAME", "Doorstep Home Services"),
        # Working calendar for SLA clocks: ISO weekdays (1 = Monday) and hours.
        "WORK_DAYS": [int(d) for d in env.get("WORK_DAYS", "1,2,3,4,5").split(",") if d],
        "WORK_HOURS": env.get("WORK_HOURS", "08:00-18:00"),
        "HOLIDAYS": [d for d in env.get("HOLIDAYS", "").split(",") if d],
        # Out-of-warranty charges (minor units of DOORSTEP_CURRENCY): labour per job type.
        "LABOUR_CENTS": {"repair": int(env.get("LABOUR_REPAIR_CENTS", "8000")),
                         "install": int(env.get("LABOUR_INSTALL_CENTS", "15000")),
                         "maintenance": int(env.get("LABOUR_MAINTENANCE_CENTS", "6000")),
                         "inspection": int(env.get("LABOUR_INSPECTION_CENTS", "5000")),
                         "return_exchange": 0},
        "TRAVEL_CENTS": int(env.get("TRAVEL_CENTS", "3000")),
        # What a customer who declines the quote of an out-of-warranty job pays (diagnosis).
        "DIAGNOSTIC_FEE_CENTS": int(env.get("DIAGNOSTIC_FEE_CENTS", "5000")),
        # Out of warranty, refuse a phone's parts before an approved quote and its
        # completion before a decided one (docs/sync-protocol.md §4a). On since the
        # technician app has its quote and payment screens; QUOTE_BEFORE_WORK=0 turns it off.
        "QUOTE_BEFORE_WORK": env.get("QUOTE_BEFORE_WORK", "1") == "1",
        # Intake: an earlier visit to the same appliance this recent makes a repeat repair.
        "REPEAT_WINDOW_DAYS": int(env.get("REPEAT_WINDOW_DAYS", "30")),
        # Usual whole-unit warranty (months from purchase) per product category, assumed at
        # intake when the customer has no warranty card date: WARRANTY_MONTHS=category=n,…
        "WARRANTY_MONTHS": {**{"air_conditioner": 72, "washing_machine": 36,
                               "water_heater": 36, "refrigerator": 36, "range_hood": 24},
                            **{k: int(v) for k, v in (
                                item.split("=", 1) for item in
                                env.get("WARRANTY_MONTHS", "").split(",") if "=" in item)}},
        # Escalation: a missed deadline goes to the owner's supervisor at once, and to the
        # supervisor's manager if it is still missed this many minutes later.
        "ESCALATE_TO_MANAGER_AFTER_MINUTES": int(env.get("ESCALATE_TO_MANAGER_AFTER_MINUTES",
                                                         "60")),
        # Complaints (server.complaints), in working days of the working calendar: the
        # customer is answered within 1 ("24 h"), the facts are verified within 3; a green
        # complaint is closed within 1, a yellow one reports progress within 2 ("48 h").
        "COMPLAINT_RESPOND_DAYS": float(env.get("COMPLAINT_RESPOND_DAYS", "1")),
        "COMPLAINT_VERIFY_DAYS": float(env.get("COMPLAINT_VERIFY_DAYS", "3")),
        "COMPLAINT_GREEN_CLOSE_DAYS": float(env.get("COMPLAINT_GREEN_CLOSE_DAYS", "1")),
        "COMPLAINT_YELLOW_PROGRESS_DAYS": float(env.get("COMPLAINT_YELLOW_PROGRESS_DAYS", "2")),
        # Follow-up calls (server.followups): due this many working days after the signature;
        # a survey answer at or below FOLLOWUP_RATING_THRESHOLD (or a negative comment) is
        # still called, first; a call outcome at or below FOLLOWUP_COMPLAINT_RATING proposes
        # a complaint; "no answer" is tried again FOLLOWUP_RETRY_HOURS later.
        "FOLLOWUP_DUE_DAYS": float(env.get("FOLLOWUP_DUE_DAYS", "2")),
        "FOLLOWUP_RATING_THRESHOLD": int(env.get("FOLLOWUP_RATING_THRESHOLD", "3")),
        "FOLLOWUP_COMPLAINT_RATING": int(env.get("FOLLOWUP_COMPLAINT_RATING", "2")),
        "FOLLOWUP_RETRY_HOURS": float(env.get("FOLLOWUP_RETRY_HOURS", "4")),
        # Quality control (server.qc): the weekly sample draws this share of last week's
        # signed visits (at least one per technician who had any); a failed checklist item
        # opens a corrective action due this many days later.
        "QC_SAMPLE_SHARE": float(env.get("QC_SAMPLE_SHARE", "0.1")),
        "QC_ACTION_DUE_DAYS": int(env.get("QC_ACTION_DUE_DAYS", "7")),
        # Maintenance plans: calls and visits are generated this many days ahead.
        "PLAN_LEAD_DAYS": int(env.get("PLAN_LEAD_DAYS", "7")),
        # The board lists plans whose next call or visit falls within this many days.
        "PLAN_BOARD_DAYS": int(env.get("PLAN_BOARD_DAYS", "30")),
        # At most this many escalations per sweep (per minute); the rest wait a minute.
        "ESCALATION_BATCH": int(env.get("ESCALATION_BATCH", "2000")),
        # Batch-failure incidents (server/incidents): reports of one product model with one
        # symptom within INCIDENT_WINDOW_DAYS open an incident at the first threshold and
        # raise it at the next ones (INCIDENT_THRESHOLDS=level1,level2,level3). Each level
        # names its owner, its deadlines (hours from reaching the level) and its checklist.
        "INCIDENT_WINDOW_DAYS": int(env.get("INCIDENT_WINDOW_DAYS", "30")),
        "INCIDENT_LEVELS": _incident_levels(env.get("INCIDENT_THRESHOLDS", "10,51,201")),
        # Production batch of an asset without a recorded one, per model, from its serial:
        # JSON {"E60VN3": {"start": 3, "length": 4}} (1-based start) reads S/N "E62509xxxx"
        # as batch "2509". Detection groups by batch only where a batch is known.
        "INCIDENT_BATCH_RULES": _batch_rules(env.get("INCIDENT_BATCH_RULES", "")),
        # Intake: lines read to a caller with an emergency, per symptom code and language,
        # replacing the defaults in server/intake/emergency.py (a JSON file).
        "EMERGENCY_INSTRUCTIONS": _json_file(env.get("EMERGENCY_INSTRUCTIONS_FILE")),
        "SYNC_MAX_BATCH": int(env.get("SYNC_MAX_BATCH", "500")),
        "SYNC_MAX_PUSH_BYTES": int(env.get("SYNC_MAX_PUSH_BYTES", str(2 * 1024 * 1024))),
        "SYNC_PAGE_SIZE": int(env.get("SYNC_PAGE_SIZE", "500")),
        # Oldest sync protocol a device may pull with; older ones may still push.
        "SYNC_MIN_PROTOCOL": int(env.get("SYNC_MIN_PROTOCOL", "1")),
        "MAX_BLOB_BYTES": int(env.get("MAX_BLOB_BYTES", str(20 * 1024 * 1024))),
        # Photos: refused above this many pixels (checked from the header, before decoding);
        # originals kept beside the renditions only when KEEP_PHOTO_ORIGINALS=1.
        "MAX_PHOTO_PIXELS": int(env.get("MAX_PHOTO_PIXELS", "50000000")),
        "KEEP_PHOTO_ORIGINALS": env.get("KEEP_PHOTO_ORIGINALS", "0") == "1",
        # Service reports. The PDF is signed with this key and certificate (PEM); when
        # neither path is set, a self-signed development certificate is made in instance/
        # on first use. REPORT_TRUSTED_CERTS (paths joined by ":") lists earlier
        # certificates whose reports still verify after a key change.
        "REPORT_SIGNING_CERT": env.get("REPORT_SIGNING_CERT")
        or str(instance_path / "report-signing-cert.pem"),
        "REPORT_SIGNING_KEY": env.get("REPORT_SIGNING_KEY")
        or str(instance_path / "report-signing-key.pem"),
        "REPORT_SIGNING_KEY_PASSWORD": env.get("REPORT_SIGNING_KEY_PASSWORD") or None,
        "REPORT_SIGNING_DEV_CERT": not (env.get("REPORT_SIGNING_CERT")
                                        or env.get("REPORT_SIGNING_KEY")),
        "REPORT_TRUSTED_CERTS": [p for p in env.get("REPORT_TRUSTED_CERTS", "").split(":") if p],
        # Customer links to a report's PDF expire after this many days.
        "REPORT_LINK_MAX_AGE_DAYS": int(env.get("REPORT_LINK_MAX_AGE_DAYS", "30")),
        # The public verification page reads at most this much of an uploaded PDF.
        "REPORT_VERIFY_MAX_BYTES": int(env.get("REPORT_VERIFY_MAX_BYTES", str(10 * 1024 * 1024))),
        # Where customers reach this server: links in reports and e-mails are made from it.
        # Unset, it is the address this server listens on (HOST and PORT, as `make run` and
        # the Procfile pass them); `make run` sets it for the web and the worker alike.
        "DOORSTEP_PUBLIC_URL": (env.get("DOORSTEP_PUBLIC_URL") or _served_url(env)).rstrip("/"),
        # The report's letterhead: address and phone as printed, and a logo file (PNG,
        # JPEG or SVG).
        "DOORSTEP_COMPANY_ADDRESS": env.get("DOORSTEP_COMPANY_ADDRESS", ""),
        "DOORSTEP_COMPANY_PHONE": env.get("DOORSTEP_COMPANY_PHONE", ""),
        "DOORSTEP_COMPANY_LOGO": env.get("DOORSTEP_COMPANY_LOGO") or None,
        # Customer messages (server/messaging): e-mail over SMTP, SMS over an HTTP gateway.
        # Unset, a channel only records the message in the outbox (development).
        "SMTP_URL": env.get("SMTP_URL") or None,
        "SMTP_FROM": env.get("SMTP_FROM") or "Doorstep <no-reply@localhost>",
        # The name e-mails come from; empty: the company's name (an admin may set it).
        "MAIL_SENDER_NAME": env.get("MAIL_SENDER_NAME", ""),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "20")),
        "SMS_GATEWAY_URL": env.get("SMS_GATEWAY_URL") or None,
        "SMS_GATEWAY_TOKEN": env.get("SMS_GATEWAY_TOKEN") or None,
        "SMS_SENDER": env.get("SMS_SENDER", "Doorstep"),
        "SMS_DEFAULT_REGION": env.get("SMS_DEFAULT_REGION", "CN"),
        "MESSAGE_MAX_ATTEMPTS": int(env.get("MESSAGE_MAX_ATTEMPTS", "6")),
        # "On the way": straight-line distance at this average speed gives the ETA.
        "ETA_SPEED_KMH": float(env.get("ETA_SPEED_KMH", "25")),
        # The customer's page /c/<token> (server/portal).
        "CUSTOMER_LINK_MAX_AGE_DAYS": int(env.get("CUSTOMER_LINK_MAX_AGE_DAYS", "90")),
        "CUSTOMER_PAGE_RATE_LIMIT": env.get("CUSTOMER_PAGE_RATE_LIMIT", "20/minute"),
        "DEVICE_TOKEN_TTL_DAYS": int(env.get("DEVICE_TOKEN_TTL_DAYS", "30")),
        # Sign-in throttling (API and console): failed attempts allowed per account and per
        # client address in a window ("10/15 minutes"); counted in Redis when REDIS_URL or
        # RATELIMIT_STORAGE_URI is set, otherwise in the database (accounts.throttle).
        "SIGN_IN_THROTTLE": env.get("SIGN_IN_THROTTLE", "1") == "1",
        "SIGN_IN_LIMIT_PER_ACCOUNT": env.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10/15 minutes"),
        "SIGN_IN_LIMIT_PER_ADDRESS": env.get("SIGN_IN_LIMIT_PER_ADDRESS", "30/15 minutes"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "BABEL_DEFAULT_LOCALE": env.get("DOORSTEP_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": env.get("DOORSTEP_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": {"en": "English", "zh": "简体中文"},
        # OpenAPI document generated by flask-smorest from the schemas.
        "API_TITLE": "Doorstep API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "WTF_CSRF_TIME_LIMIT": None,
    }
