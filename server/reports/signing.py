"""The company's digital signature on report PDFs (PAdES baseline, pyHanko), and its check.

The key and certificate are PEM files (REPORT_SIGNING_KEY, REPORT_SIGNING_CERT, with
REPORT_SIGNING_KEY_PASSWORD if the key is encrypted). When neither path was configured, a
self-signed development certificate is created in instance/ on first use and the log says
so: reports signed with it verify here, but no PDF reader trusts it.

A PDF verifies only if a signature made with our certificate (or one listed in
REPORT_TRUSTED_CERTS) is cryptographically intact and covers the entire file: a flipped
byte breaks the digest, and anything appended after signing (an incremental update) leaves
bytes outside the signed ranges.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import io
import logging
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from ..settings.service import get as setting

log = logging.getLogger(__name__)

FIELD_NAME = "DoorstepSignature"
# Room for the CMS signature (certificate included): measured ~2 KB for RSA-2048; chains of
# real CAs are longer. Reserving it up front spares a dry-run signature.
RESERVED_BYTES = 16384


class SigningUnavailable(Exception):
    """The configured key or certificate cannot be used."""


# -- the key and certificate ---------------------------------------------------------------

def create_development_certificate(cert_path: Path, key_path: Path, company: str) -> None:
    """A self-signed RSA certificate for signing reports during development (10 years)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{company} reports (development)"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, company),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    for path, data, mode in ((key_path, key_pem, 0o600),
                             (cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.chmod(mode)
        os.replace(partial, path)


def _paths() -> tuple[Path, Path]:
    config = current_app.config
    return Path(config["REPORT_SIGNING_CERT"]), Path(config["REPORT_SIGNING_KEY"])


def ensure_certificate() -> tuple[Path, Path]:
    """The certificate and key paths, creating the development pair on first use if allowed.

    Raises SigningUnavailable when configured files are missing.
    """
    cert_path, key_path = _paths()
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    if not current_app.config["REPORT_SIGNING_DEV_CERT"]:
        raise SigningUnavailable(
            f"The report signing certificate {cert_path} or key {key_path} does not exist.")
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    # Two workers starting together must not make two different certificates.
    with open(cert_path.with_name(cert_path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cert_path.exists() and key_path.exists()):
            company = setting("DOORSTEP_COMPANY_NAME")
            create_development_certificate(cert_path, key_path, company)
            message = (f"Created a self-signed development certificate for signing service "
                       f"reports: {cert_path} (key {key_path}). Set REPORT_SIGNING_CERT and "
                       "REPORT_SIGNING_KEY to the company's certificate for production.")
            log.warning(message)
            current_app.logger.warning(message)
    return cert_path, key_path


@functools.lru_cache(maxsize=4)
def _load_signer(cert_path: str, key_path: str, password: str | None, version: tuple):
    from pyhanko.sign import signers

    passphrase = password.encode() if password else None
    signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=passphrase)
    if signer is None:
        raise SigningUnavailable(f"Cannot load the report signing key {key_path} "
                                 f"with certificate {cert_path}.")
    return signer


def signer():
    """The pyHanko signer for the configured (or development) key; cached per file version."""
    cert_path, key_path = ensure_certificate()
    version = (cert_path.stat().st_mtime_ns, key_path.stat().st_mtime_ns)
    return _load_signer(str(cert_path), str(key_path),
                        current_app.config["REPORT_SIGNING_KEY_PASSWORD"], version)


def trusted_certificates() -> list:
    """Our signing certificate and any earlier ones still trusted (asn1crypto objects)."""
    cert_path, _ = ensure_certificate()
    paths = [cert_path, *map(Path, current_app.config["REPORT_TRUSTED_CERTS"])]
    return [_load_cert(str(path), path.stat().st_mtime_ns) for path in paths]


@functools.lru_cache(maxsize=8)
def _load_cert(path: str, version: int):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(path)


def fingerprint(cert) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


# -- signing ------------------------------------------------------------------------------

def _latin(text: str) -> str:
    """The stamp uses a standard PDF font (no embedding): keep what Latin-1 can show."""
    folded = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in folded if ord(ch) < 256 and not unicodedata.combining(ch))
    return kept.strip() or "the company certificate"


@dataclass(frozen=True)
class FieldPlace:
    """Where the visible signature goes: page index and (x1, y1, x2, y2) in PDF points."""

    page: int
    box: tuple[float, float, float, float]


# The seal's words. Its font (Helvetica, built into every PDF reader) has no CJK glyphs, so
# a Chinese report's seal holds only names, numbers and the address; the Chinese words are
# printed around it by the template (the "company signature" box).
# (pyHanko fills ``ts`` itself, in UTC; ``when`` is ours.)
STAMP_TEXT = {"en": "Digitally signed by %(signer)s\n%(when)s\nVerify: %(url)s",
              "zh": "%(signer)s\n%(when)s\n%(url)s"}


def stamp_time(moment: datetime, timezone: str) -> str:
    """The signing time as the seal prints it: in the company's time zone, with its offset
    (``2026-11-30 07:50:21 UTC+08:00``), like every other time on the report."""
    local = moment.astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"


def sign_pdf(pdf: bytes, place: FieldPlace, reason: str, location: str | None,
             verify_url: str, language: str = "en", timezone: str = "UTC") -> bytes:
    """Sign ``pdf`` (PAdES B-B, SHA-256) with a visible signature field at ``place``, its
    seal worded for ``language`` and its time in ``timezone``.

    Raises SigningUnavailable when the key cannot be used.
    """
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.font.basic import SimpleFontEngineFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    the_signer = signer()
    style = TextStampStyle(
        stamp_text=STAMP_TEXT.get(language, STAMP_TEXT["en"]),
        border_width=0, background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=6, right=4)),
        text_box_style=TextBoxStyle(font=SimpleFontEngineFactory("Helvetica", 0.52),
                                    font_size=7, leading=9,
                                    text_color=(0.043, 0.361, 0.451)),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=_latin(reason), location=_latin(location) if location else None)
    pdf_signer = signers.PdfSigner(
        meta, the_signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=place.page, box=place.box))
    subject = the_signer.signing_cert.subject.native
    name = subject.get("organization_name") or subject.get("common_name") or ""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))

    def sign():
        return pdf_signer.sign_pdf(writer, bytes_reserved=RESERVED_BYTES,
                                   appearance_text_params={
                                       "signer": _latin(name), "url": _latin(verify_url),
                                       "when": stamp_time(datetime.now(UTC), timezone)})

    return _outside_any_event_loop(sign).getvalue()


def _outside_any_event_loop(work):
    """Run ``work()`` where no asyncio loop is running: pyHanko's synchronous ``sign_pdf``
    calls ``asyncio.run``, which refuses to start inside a running loop (a caller that is
    itself async, or a thread driving Playwright). Such callers get a short-lived thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sign") as pool:
        return pool.submit(work).result()


# -- verification -------------------------------------------------------------------------------

@dataclass
class Check:
    """What a PDF's signatures prove, independent of our database.

    ``status``: valid (ours, intact, covering the whole file) | altered (ours, but changed
    since: broken digest or bytes appended) | untrusted (signed, not by us) | unsigned |
    damaged (a PDF we cannot read) | not_pdf.
    """

    status: str
    detail: str
    signer: str | None = None
    signed_at: datetime | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def check_pdf(data: bytes) -> Check:
    """Verify the document signature(s) of ``data`` against our certificates."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if b"%PDF-" not in data[:1024]:
        return Check("not_pdf", "The file is not a PDF document.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        metadata = _info(reader)
    except Exception as bad:  # noqa: BLE001 — anyone may upload anything: never a 500
        return Check("damaged", f"The PDF cannot be read ({bad}); it was damaged or altered.")
    if not signatures:
        return Check("unsigned", "The PDF carries no digital signature.", metadata=metadata)
    trusted = trusted_certificates()
    ours = {fingerprint(cert) for cert in trusted}
    signature = signatures[-1]
    try:
        status = _outside_any_event_loop(lambda: validate_pdf_signature(
            signature, ValidationContext(trust_roots=trusted, allow_fetching=False,
                                         revocation_mode="soft-fail")))
    except Exception as bad:  # noqa: BLE001 — a broken signature is an altered document
        return Check("altered", f"The signature cannot be checked ({bad}); the document was "
                                "altered.", metadata=metadata)
    cert = status.signing_cert
    signer_name = cert.subject.human_friendly if cert is not None else None
    signed_at = status.signer_reported_dt
    if cert is None or fingerprint(cert) not in ours:
        return Check("untrusted", "The PDF is signed, but not with our certificate.",
                     signer_name, signed_at, metadata)
    if not (status.intact and status.valid):
        return Check("altered", "The document was changed after it was signed: its "
                                "signature no longer matches its content.",
                     signer_name, signed_at, metadata)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(signatures) != 1:
        return Check("altered", "Something was added to the document after it was signed "
                                "(an incremental update).", signer_name, signed_at, metadata)
    return Check("valid", "The signature is ours, intact, and covers the entire document.",
                 signer_name, signed_at, metadata)


def _info(reader) -> dict:
    """The document information entries we write (see ``render``), as plain strings."""
    info = reader.trailer_view.get("/Info")
    if info is None:
        return {}
    info = info.get_object() if hasattr(info, "get_object") else info
    found = {}
    for key in ("/Title", "/Subject", "/Keywords", "/DoorstepReport", "/DoorstepOrder",
                "/DoorstepContentHash"):
        value = info.get(key)
        if value is not None:
            found[key.lstrip("/")] = str(value)
    return found
