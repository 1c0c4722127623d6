"""Regenerates the test certificates (self-signed, throwaway keys that are not kept).

Run: python3 tests/data/certs/generate.py  (needs the `cryptography` package from PyPI).
`cryptography` refuses SHA-1 signatures, so the SHA-1 certificate comes from OpenSSL:
  openssl req -x509 -newkey rsa:2048 -sha1 -nodes -keyout /dev/null -days 3650 \
    -subj "/CN=sfsec test rsa2048-sha1" -out rsa2048-sha1.pem
"""
import datetime
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HERE = pathlib.Path(__file__).parent
UTC = datetime.timezone.utc

CERTS = [
    ("rsa2048-sha256-2030", 2048, hashes.SHA256(), (2025, 1, 1), (2030, 1, 1)),
    ("rsa2048-sha256-expired-2025", 2048, hashes.SHA256(), (2024, 1, 1), (2025, 6, 1)),
    ("rsa2048-sha256-2026-02-15", 2048, hashes.SHA256(), (2025, 1, 1), (2026, 2, 15)),
    ("rsa1024-sha256-2030", 1024, hashes.SHA256(), (2025, 1, 1), (2030, 1, 1)),
]

for name, bits, digest, start, end in CERTS:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sfsec test {name}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(*start, tzinfo=UTC))
        .not_valid_after(datetime.datetime(*end, tzinfo=UTC))
        .sign(key, digest)
    )
    (HERE / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
