"""A throw-away certificate authority and server certificate, made with trustme at start-up.

simple-salesforce always builds ``https://`` URLs (§13), so the emulator serves TLS. The CA's PEM
file is what a client trusts: ``requests.Session().verify = ca_path`` or ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files in a private temporary directory."""

    directory: Path
    ca_path: Path
    cert_path: Path
    key_path: Path

    def remove(self) -> None:
        """Delete the directory and its files."""
        shutil.rmtree(self.directory, ignore_errors=True)


def make_tls(hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsFiles:
    """A fresh CA and a server certificate for ``hosts``, written to a new temporary directory."""
    ca = trustme.CA(organization_name="Smarketing Salesforce emulator")
    server = ca.issue_cert(*hosts)
    directory = Path(tempfile.mkdtemp(prefix="sf-emulator-tls-"))
    files = TlsFiles(
        directory, directory / "ca.pem", directory / "server.pem", directory / "server.key"
    )
    ca.cert_pem.write_to_path(str(files.ca_path))
    server.private_key_pem.write_to_path(str(files.key_path))
    for index, blob in enumerate(server.cert_chain_pems):
        blob.write_to_path(str(files.cert_path), append=index > 0)
    return files
